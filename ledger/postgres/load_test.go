package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/ledgertest"
	"github.com/accruehq/accrue/ledger/memstore"
)

// loadAccounts are the accounts of the load and fault tests: a funding
// equity account and n wallets (liabilities that must not go negative).
func loadAccounts(n int) []ledger.Account {
	accts := []ledger.Account{{Name: "equity:funding", Type: ledger.Equity, Currency: usd}}
	for i := range n {
		accts = append(accts, ledger.Account{Name: fmt.Sprintf("liabilities:wallet:%04d", i), Type: ledger.Liability,
			Currency: usd, Constraints: ledger.Constraints{NoNegative: true}})
	}
	return accts
}

// wallet transfer: debit (take from) one wallet, credit another.
func walletTransfer(key string, from, to int, units int64) ledger.TxInput {
	return ledger.TxInput{Key: key, Postings: []ledger.Posting{
		{Account: fmt.Sprintf("liabilities:wallet:%04d", from), Side: ledger.Debit, Amount: accrue.FromMinorUnits(units, usd)},
		{Account: fmt.Sprintf("liabilities:wallet:%04d", to), Side: ledger.Credit, Amount: accrue.FromMinorUnits(units, usd)},
	}}
}

// postAll posts ins in batches, retrying conflicts with the same keys and
// dropping the inputs refused for insufficient funds. It returns the keys
// refused.
func postAll(ctx context.Context, l *ledger.Ledger, ins []ledger.TxInput, batch int) (refused []string, err error) {
	for len(ins) > 0 {
		n := min(batch, len(ins))
		_, err := l.PostBatch(ctx, ins[:n])
		var te *ledger.TxError
		switch {
		case err == nil:
			ins = ins[n:]
		case errors.Is(err, ledger.ErrConflict):
			// retry the same keys
		case errors.Is(err, ledger.ErrInsufficientFunds) && errors.As(err, &te):
			refused = append(refused, ins[te.Index].Key)
			ins = append(ins[:te.Index:te.Index], ins[te.Index+1:]...)
		default:
			return refused, err
		}
	}
	return refused, nil
}

// replayMatches checks the store against a replay of its transactions, in
// Seq order, on the in-memory store: every transaction must be accepted
// again (so no constraint was broken in that order), and every balance
// must be equal. It returns the keys stored.
func replayMatches(t *testing.T, s ledger.Store, accts []ledger.Account) map[string]bool {
	t.Helper()
	ctx := context.Background()
	mem := memstore.New()
	ml, err := ledger.New(mem, ledger.WithClock(accrue.NewManualClock(t0)))
	if err != nil {
		t.Fatal(err)
	}
	if err := ml.CreateAccounts(ctx, accts); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	f := ledger.TxFilter{Limit: 1000}
	var want uint64 = 1
	for {
		page, err := s.Transactions(ctx, f, nil)
		if err != nil {
			t.Fatal(err)
		}
		ins := make([]ledger.TxInput, 0, len(page))
		for _, tx := range page {
			if tx.Seq != want {
				t.Fatalf("seq %d, want %d", tx.Seq, want)
			}
			want++
			if keys[tx.Key] {
				t.Fatalf("key %q stored twice", tx.Key)
			}
			keys[tx.Key] = true
			ins = append(ins, ledger.TxInput{Key: tx.Key, Postings: tx.Postings, EffectiveAt: tx.EffectiveAt, Metadata: tx.Metadata})
		}
		// In Seq order, constraints checked transaction by transaction.
		if _, err := ml.PostBatch(ctx, ins); err != nil {
			t.Fatalf("replay on memstore of the page after seq %d: %v", f.AfterSeq, err)
		}
		if len(page) < f.Limit {
			break
		}
		f.AfterSeq = page[len(page)-1].Seq
	}
	pl, err := ledger.New(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accts {
		got, err := pl.Balance(ctx, a.Name)
		if err != nil {
			t.Fatal(err)
		}
		exp, err := ml.Balance(ctx, a.Name)
		if err != nil {
			t.Fatal(err)
		}
		if got.Counters != exp.Counters || !got.Posted.Equal(exp.Posted) {
			t.Errorf("%s: postgres %+v, replay %+v", a.Name, got.Counters, exp.Counters)
		}
	}
	res, err := pl.Verify(ctx, 0, 0)
	if err != nil || res.Checked != len(keys) {
		t.Fatalf("Verify = %+v, %v; want %d checked", res, err, len(keys))
	}
	return keys
}

// loadPerWriter is the number of transactions per writer of TestLoad:
// ACCRUE_LOAD_PER_WRITER, default 2,500. The full run is
// ACCRUE_LOAD_PER_WRITER=10000 (minutes on a loaded 2-core machine; see
// README.md).
func loadPerWriter(t *testing.T) int {
	if v := os.Getenv("ACCRUE_LOAD_PER_WRITER"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("ACCRUE_LOAD_PER_WRITER=%q: want a positive integer", v)
		}
		return n
	}
	return 2_500
}

// TestLoad: 8 concurrent writers × ACCRUE_LOAD_PER_WRITER transactions on overlapping
// accounts: each writer moves money among its own wallets and a set of
// wallets shared by all (which must not go negative, and some of which are
// poor, so that some transfers are refused). Afterwards every balance
// equals the replay of the stored transactions, in Seq order, on memstore
// (which accepts every one of them again: no overdraft got in), every key
// accepted is stored exactly once and no refused key is, the hash chain
// verifies and ledgertest's invariants hold.
func TestLoad(t *testing.T) {
	const writers, home, shared, batch = 8, 100, 50, 25
	perWriter := loadPerWriter(t)
	ctx := context.Background()
	s := newStore(t)
	l := newLedger(t, s, accrue.NewManualClock(t0))
	accts := loadAccounts(writers*home + shared)
	if err := l.CreateAccounts(ctx, accts); err != nil {
		t.Fatal(err)
	}
	var fund []ledger.TxInput
	for i := range writers*home + shared {
		units := int64(1_000_000)
		if i >= writers*home {
			units = 20_000 // shared wallets: some transfers out of them are refused
		}
		fund = append(fund, ledger.TxInput{Key: fmt.Sprintf("fund-%d", i), Postings: []ledger.Posting{
			{Account: "equity:funding", Side: ledger.Debit, Amount: accrue.FromMinorUnits(units, usd)},
			{Account: fmt.Sprintf("liabilities:wallet:%04d", i), Side: ledger.Credit, Amount: accrue.FromMinorUnits(units, usd)},
		}})
	}
	if _, err := l.PostBatch(ctx, fund); err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{}
	for _, in := range fund {
		all[in.Key] = true
	}
	start := time.Now()
	var mu sync.Mutex
	var refused []string
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		ins := make([]ledger.TxInput, perWriter)
		rng := rand.New(rand.NewPCG(uint64(w), 9))
		pick := func() int {
			if rng.IntN(10) == 0 {
				return writers*home + rng.IntN(shared)
			}
			return w*home + rng.IntN(home)
		}
		for i := range ins {
			from, to := pick(), pick()
			for to == from {
				to = pick()
			}
			ins[i] = walletTransfer(fmt.Sprintf("w%d-%d", w, i), from, to, 1+rng.Int64N(1000))
			all[ins[i].Key] = true
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := postAll(ctx, l, ins, batch)
			if err != nil {
				errs <- fmt.Errorf("writer %d: %w", w, err)
			}
			mu.Lock()
			refused = append(refused, r...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	posted := time.Since(start)
	keys := replayMatches(t, s, accts)
	for _, k := range refused {
		if keys[k] {
			t.Errorf("refused key %s was stored", k)
		}
		delete(all, k)
	}
	if len(keys) != len(all) {
		t.Errorf("%d transactions stored, %d accepted", len(keys), len(all))
	}
	for k := range all {
		if !keys[k] {
			t.Errorf("accepted key %s lost", k)
		}
	}
	ledgertest.CheckInvariants(t, s)
	t.Logf("%d transactions stored (posted in %v), %d refused for insufficient funds; checked in %v; rounds: %d on the snapshot (%d overlapping the one before), %d on the database, %d redone",
		len(keys), posted.Round(time.Millisecond), len(refused), (time.Since(start) - posted).Round(time.Millisecond),
		s.rounds.snapshot.Load(), s.rounds.overlapped.Load(), s.rounds.database.Load(), s.rounds.fallback.Load())
}

// TestLoadAccruals: 8 concurrent writers × ACCRUE_LOAD_PER_WRITER accruals
// (from one commission-expense account to 400 partner payables, no
// constraints: commuting deltas) in batches of 100, the shape that
// pipelines rounds; every fifth batch is sent by two goroutines at once
// with the same keys and content (a client retrying while its first
// attempt is in flight). Afterwards every balance equals the replay of the
// stored transactions on memstore, every key is stored exactly once and
// the chain verifies.
//
// It runs twice: as the store runs in production, where whether a round
// overlaps the one before depends on timing (so that run only reports how
// many did), and with every round on the snapshot sent in two steps
// (splitFlights), which must then have overlapped rounds whatever the
// timing.
func TestLoadAccruals(t *testing.T) {
	t.Run("timing", func(t *testing.T) { loadAccruals(t, false) })
	t.Run("split", func(t *testing.T) { loadAccruals(t, true) })
}

func loadAccruals(t *testing.T, split bool) {
	const writers, partners, batch = 8, 400, 100
	perWriter := loadPerWriter(t)
	ctx := context.Background()
	s := newStore(t)
	s.splitFlights = split
	l := newLedger(t, s, accrue.NewManualClock(t0))
	accts := []ledger.Account{{Name: "expenses:commissions", Type: ledger.Expense, Currency: usd}}
	for i := range partners {
		accts = append(accts, ledger.Account{Name: fmt.Sprintf("liabilities:partners:p-%03d:payable", i), Type: ledger.Liability, Currency: usd})
	}
	if err := l.CreateAccounts(ctx, accts); err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers)
	for w := range writers {
		rng := rand.New(rand.NewPCG(uint64(w), 11))
		var batches [][]ledger.TxInput
		for i := 0; i < perWriter; i += batch {
			var ins []ledger.TxInput
			for j := i; j < min(i+batch, perWriter); j++ {
				key := fmt.Sprintf("a%d-%d", w, j)
				all[key] = true
				amt := accrue.FromMinorUnits(1+rng.Int64N(10_000), usd)
				ins = append(ins, ledger.TxInput{Key: key, Postings: []ledger.Posting{
					{Account: "expenses:commissions", Side: ledger.Debit, Amount: amt},
					{Account: fmt.Sprintf("liabilities:partners:p-%03d:payable", rng.IntN(partners)), Side: ledger.Credit, Amount: amt},
				}})
			}
			batches = append(batches, ins)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, ins := range batches {
				var twin chan error
				if i%5 == 4 {
					twin = make(chan error, 1)
					go func() { _, err := postAll(ctx, l, slices.Clone(ins), batch); twin <- err }()
				}
				if _, err := postAll(ctx, l, ins, batch); err != nil {
					errs <- fmt.Errorf("writer %d batch %d: %w", w, i, err)
					return
				}
				if twin != nil {
					if err := <-twin; err != nil {
						errs <- fmt.Errorf("writer %d batch %d, sent twice: %w", w, i, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	keys := replayMatches(t, s, accts)
	if len(keys) != len(all) {
		t.Errorf("%d transactions stored, %d posted", len(keys), len(all))
	}
	for k := range all {
		if !keys[k] {
			t.Errorf("key %s lost", k)
		}
	}
	ledgertest.CheckInvariants(t, s)
	if split && s.rounds.overlapped.Load() == 0 {
		t.Error("no round was sent while the one before it was in flight")
	}
	t.Logf("%d transactions; rounds: %d on the snapshot (%d overlapping the one before), %d on the database, %d redone",
		len(keys), s.rounds.snapshot.Load(), s.rounds.overlapped.Load(), s.rounds.database.Load(), s.rounds.fallback.Load())
}
