package filestore_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/examples/custom-store/filestore"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/memstore"
	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// machine drives two ledgers with the same operations: one on the file
// store, which is also closed, reopened and torn at random, and one on
// memstore, the model. After every step both stores must hold the same
// account states and last transaction; after every reopen, the same
// accounts, transactions (hashes included), states and entries.
type machine struct {
	t          *testing.T
	path       string
	file       *filestore.Store
	fl, ml     *ledger.Ledger
	fclk, mclk *accrue.ManualClock
	mem        *memstore.Store
	posted     []string // IDs of posted transactions, for reversals
	pending    []string // IDs of pending transactions
	n          int      // keys issued
}

var machineAccounts = []string{"assets:cash", "equity:capital", "expense:commissions",
	"liabilities:partners:p-1:payable", "liabilities:partners:p-2:payable"}

func TestStateMachine(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		m := &machine{t: t, path: filepath.Join(fastDir(t), "ledger.jsonl"), mem: memstore.New()}
		m.file = open(t, m.path)
		m.fclk, m.mclk = accrue.NewManualClock(start), accrue.NewManualClock(start)
		m.fl, m.ml = m.newLedger(m.file, m.fclk), m.newLedger(m.mem, m.mclk)
		defer func() { m.file.Close() }()
		rt.Repeat(map[string]func(*rapid.T){
			"post":    m.post,
			"hold":    m.hold,
			"resolve": m.resolve,
			"reverse": m.reverse,
			"close":   m.closePeriod,
			"tick":    m.tick,
			"reopen":  func(rt *rapid.T) { m.reopen(rt, 0) },
			"crash":   func(rt *rapid.T) { m.reopen(rt, rapid.IntRange(1, 200).Draw(rt, "torn bytes")) },
			"":        m.check,
		})
	})
}

// fastDir returns a fresh folder in memory (/dev/shm) where there is one,
// else in t.TempDir(): the state machine checks the store's logic, not the
// disk, and thousands of fsyncs on a real disk would make it slow.
func fastDir(t *testing.T) string {
	dir, err := os.MkdirTemp("/dev/shm", "filestore-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func (m *machine) newLedger(s ledger.Store, clk *accrue.ManualClock) *ledger.Ledger {
	return newLedgerAt(m.t, s, clk)
}

// both runs op on each ledger and checks they agree on success.
func (m *machine) both(rt *rapid.T, op func(l *ledger.Ledger) (ledger.Transaction, error)) (ledger.Transaction, bool) {
	ft, ferr := op(m.fl)
	mt, merr := op(m.ml)
	if (ferr == nil) != (merr == nil) {
		rt.Fatalf("file store: %v; memstore: %v", ferr, merr)
	}
	if ferr != nil {
		return ledger.Transaction{}, false
	}
	if ft.ID != mt.ID || ft.Hash != mt.Hash {
		rt.Fatalf("file store wrote %s (hash %x), memstore %s (hash %x)", ft.ID, ft.Hash[:4], mt.ID, mt.Hash[:4])
	}
	return ft, true
}

func (m *machine) input(rt *rapid.T) ledger.TxInput {
	m.n++
	from := rapid.SampledFrom(machineAccounts).Draw(rt, "from")
	to := rapid.SampledFrom(machineAccounts).Filter(func(a string) bool { return a != from }).Draw(rt, "to")
	in := transfer(fmt.Sprint("k", m.n), from, to, rapid.Int64Range(1, 100_000).Draw(rt, "cents"))
	in.EffectiveAt = start.Add(time.Duration(rapid.IntRange(-600, 600).Draw(rt, "minutes")) * time.Minute)
	if rapid.Bool().Draw(rt, "metadata") {
		in.Metadata = map[string]string{accrue.MetaEventID: fmt.Sprint("ev-", m.n)}
	}
	return in
}

func (m *machine) post(rt *rapid.T) {
	in := m.input(rt)
	if tx, ok := m.both(rt, func(l *ledger.Ledger) (ledger.Transaction, error) { return l.Post(ctx, in) }); ok {
		m.posted = append(m.posted, tx.ID)
	}
}

func (m *machine) hold(rt *rapid.T) {
	in := m.input(rt)
	in.EffectiveAt = time.Time{}
	if tx, ok := m.both(rt, func(l *ledger.Ledger) (ledger.Transaction, error) { return l.Hold(ctx, in) }); ok {
		m.pending = append(m.pending, tx.ID)
	}
}

func (m *machine) resolve(rt *rapid.T) {
	if len(m.pending) == 0 {
		rt.Skip("nothing pending")
	}
	id := rapid.SampledFrom(m.pending).Draw(rt, "pending")
	m.n++
	in := ledger.PendingInput{Key: fmt.Sprint("k", m.n), PendingID: id}
	if rapid.Bool().Draw(rt, "void") {
		m.both(rt, func(l *ledger.Ledger) (ledger.Transaction, error) { return l.VoidPending(ctx, in) })
		return
	}
	if tx, ok := m.both(rt, func(l *ledger.Ledger) (ledger.Transaction, error) { return l.PostPending(ctx, in) }); ok {
		m.posted = append(m.posted, tx.ID)
	}
}

func (m *machine) reverse(rt *rapid.T) {
	if len(m.posted) == 0 {
		rt.Skip("nothing posted")
	}
	m.n++
	in := ledger.ReverseInput{Key: fmt.Sprint("k", m.n), TxID: rapid.SampledFrom(m.posted).Draw(rt, "tx")}
	if rapid.Bool().Draw(rt, "partial") {
		in.Amount = accrue.FromMinorUnits(rapid.Int64Range(1, 50_000).Draw(rt, "reverse cents"), usd)
	}
	m.both(rt, func(l *ledger.Ledger) (ledger.Transaction, error) { return l.Reverse(ctx, in) })
}

func (m *machine) closePeriod(rt *rapid.T) {
	through := start.Add(time.Duration(rapid.IntRange(-600, 0).Draw(rt, "close minutes")) * time.Minute)
	ferr, merr := m.fl.ClosePeriod(ctx, through), m.ml.ClosePeriod(ctx, through)
	if (ferr == nil) != (merr == nil) {
		rt.Fatalf("close period: file store %v, memstore %v", ferr, merr)
	}
}

func (m *machine) tick(rt *rapid.T) {
	d := time.Duration(rapid.IntRange(1, 120).Draw(rt, "tick minutes")) * time.Minute
	m.fclk.Advance(d)
	m.mclk.Advance(d)
}

// reopen closes the file store, appends torn bytes of a line to the file
// (a crash mid-write) and opens it again.
func (m *machine) reopen(rt *rapid.T, torn int) {
	if err := m.file.Close(); err != nil {
		rt.Fatal(err)
	}
	if torn > 0 {
		f, err := os.OpenFile(m.path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			rt.Fatal(err)
		}
		line := []byte(`{"commit":{"txs":[{"seq":999,"id":"tx-torn","key":"torn","kind":"posted","postings":[` + fmt.Sprintf("%0200d", 0))
		if _, err := f.Write(line[:torn]); err != nil {
			rt.Fatal(err)
		}
		f.Close()
	}
	m.file = open(m.t, m.path)
	if got := m.file.TornBytes(); got != int64(torn) {
		rt.Fatalf("TornBytes = %d, want %d", got, torn)
	}
	m.fl = m.newLedger(m.file, m.fclk)
	if d := cmp.Diff(snapshot(m.t, m.mem), snapshot(m.t, m.file)); d != "" {
		rt.Fatalf("reopened file store differs from memstore (-memstore +file):\n%s", d)
	}
	if _, err := m.fl.Verify(ctx, 0, 0); err != nil {
		rt.Fatalf("verify after reopen: %v", err)
	}
}

// check compares what changes at every step: account counters and
// versions, and the number and last hash of the transactions.
func (m *machine) check(rt *rapid.T) {
	fa, ferr := m.file.ListAccounts(ctx, "", "", 100, nil)
	ma, merr := m.mem.ListAccounts(ctx, "", "", 100, nil)
	if ferr != nil || merr != nil || len(fa) != len(ma) {
		rt.Fatalf("accounts: file store %d (%v), memstore %d (%v)", len(fa), ferr, len(ma), merr)
	}
	for i := range fa {
		if fa[i].Account.Name != ma[i].Account.Name || fa[i].Counters != ma[i].Counters || fa[i].Version != ma[i].Version {
			rt.Fatalf("account %s: file store %+v v%d, memstore %+v v%d", ma[i].Account.Name, fa[i].Counters, fa[i].Version, ma[i].Counters, ma[i].Version)
		}
	}
	fr, ferr := m.fl.Verify(ctx, 0, 0)
	mr, merr := m.ml.Verify(ctx, 0, 0)
	if ferr != nil || merr != nil || fr != mr {
		rt.Fatalf("verify: file store %+v (%v), memstore %+v (%v)", fr, ferr, mr, merr)
	}
}
