package ledgertest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// Harness returns a fresh, empty store for one subtest.
type Harness func(t *testing.T) ledger.Store

var (
	usd = accrue.MustCurrency("USD")
	eur = accrue.MustCurrency("EUR")
	// epoch is the suite's clock start; all times are whole microseconds.
	epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Run runs the conformance suite against the stores newStore makes.
func Run(t *testing.T, newStore Harness) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s ledger.Store)
	}{
		{"Contract/ReadMissing", testReadMissing},
		{"Contract/CommitSeqAndChain", testCommitSeqAndChain},
		{"Contract/Sentinels", testSentinels},
		{"Contract/CommitAllOrNothing", testCommitAllOrNothing},
		{"Contract/ContextCancelled", testContextCancelled},
		{"Contract/ReturnedValuesOwned", testOwned},
		{"Contract/ListAccounts", testListAccounts},
		{"Contract/ClosePeriodMonotonic", testClosePeriod},
		{"Contract/CommutingDelta", testCommutingDelta},
		{"Contract/CommutingOverflow", testCommutingOverflow},
		{"Atomicity", testAtomicity},
		{"Idempotency", testIdempotency},
		{"KeyedIDs", testKeyedIDs},
		{"Pagination", testPagination},
		{"AsOf", testAsOf},
		{"ParallelWriters", testParallelWriters},
		{"HotAccount", testHotAccount},
		{"PendingRace", testPendingRace},
		{"ReversalCapRace", testReversalCapRace},
		{"Faults/Commit", func(t *testing.T, s ledger.Store) { testFaults(t, s, "Commit") }},
		{"Faults/Everywhere", func(t *testing.T, s ledger.Store) { testFaults(t, s, "") }},
		{"Faults/ExpiredContext", testExpiredContext},
		{"Tamper", testTamper},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			if s == nil {
				t.Fatal("ledgertest: harness returned a nil store")
			}
			t.Cleanup(func() { CheckInvariants(t, s) })
			tc.fn(t, s)
		})
	}
}

// fixture is a ledger on the store under test with a manual clock and a
// small chart of accounts.
type fixture struct {
	t     *testing.T
	l     *ledger.Ledger
	clock *accrue.ManualClock
}

func newFixture(t *testing.T, s ledger.Store, opts ...ledger.Option) *fixture {
	t.Helper()
	clock := accrue.NewManualClock(epoch)
	l, err := ledger.New(s, append([]ledger.Option{ledger.WithClock(clock), ledger.WithMaxRetries(1000)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, l: l, clock: clock}
	f.create(
		ledger.Account{Name: "expense:commissions", Type: ledger.Expense, Currency: usd},
		ledger.Account{Name: "assets:cash", Type: ledger.Asset, Currency: usd},
		ledger.Account{Name: "liabilities:partners:p-1:payable", Type: ledger.Liability, Currency: usd, Constraints: ledger.Constraints{NoNegative: true}},
		ledger.Account{Name: "liabilities:partners:p-2:payable", Type: ledger.Liability, Currency: usd, Constraints: ledger.Constraints{NoNegative: true}},
		ledger.Account{Name: "assets:cash-eur", Type: ledger.Asset, Currency: eur},
	)
	return f
}

func (f *fixture) create(accts ...ledger.Account) {
	f.t.Helper()
	if err := f.l.CreateAccounts(context.Background(), accts); err != nil {
		f.t.Fatal(err)
	}
}

func usdm(units int64) accrue.Money { return accrue.FromMinorUnits(units, usd) }

// transfer debits one account and credits another by units.
func transfer(key, debit, credit string, units int64) ledger.TxInput {
	return ledger.TxInput{Key: key, Postings: []ledger.Posting{
		{Account: debit, Side: ledger.Debit, Amount: usdm(units)},
		{Account: credit, Side: ledger.Credit, Amount: usdm(units)},
	}}
}

func (f *fixture) post(in ledger.TxInput) ledger.Transaction {
	f.t.Helper()
	tx, err := f.l.Post(context.Background(), in)
	if err != nil {
		f.t.Fatal(err)
	}
	return tx
}

// fund credits units to a partner payable from the commission expense.
func (f *fixture) fund(key, payable string, units int64) ledger.Transaction {
	return f.post(transfer(key, "expense:commissions", payable, units))
}

func (f *fixture) posted(account string) int64 {
	f.t.Helper()
	b, err := f.l.Balance(context.Background(), account)
	if err != nil {
		f.t.Fatal(err)
	}
	u, _ := b.Posted.MinorUnits()
	return u
}

func (f *fixture) count() int {
	f.t.Helper()
	n := 0
	var cur ledger.Cursor
	for {
		p, err := f.l.Transactions(context.Background(), ledger.TxQuery{After: cur, Limit: 1000})
		if err != nil {
			f.t.Fatal(err)
		}
		n += len(p.Txs)
		if p.Next == "" {
			return n
		}
		cur = p.Next
	}
}

func testReadMissing(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	newFixture(t, s)
	got, err := s.ReadAccounts(ctx, []string{"assets:none", "assets:cash", "assets:none"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Exists || !got[1].Exists || got[2].Exists || got[1].Version != 1 || got[0].Version != 0 {
		t.Fatalf("ReadAccounts = %+v", got)
	}
	if got[1].Account.Name != "assets:cash" || got[1].Account.Type != ledger.Asset || got[1].Account.Currency != usd {
		t.Fatalf("account read back as %+v", got[1].Account)
	}
	st, err := s.ReadTxStates(ctx, []string{"tx-none"}, nil)
	if err != nil || len(st) != 1 || st[0].ID != "tx-none" || st[0].Version != 0 || st[0].Status != ledger.PendingNone {
		t.Fatalf("ReadTxStates = %+v, %v", st, err)
	}
	if c, err := s.PostedAsOf(ctx, "assets:none", epoch); err != nil || c != (ledger.Counters{}) {
		t.Fatalf("PostedAsOf(missing) = %+v, %v", c, err)
	}
}

func testCommitSeqAndChain(t *testing.T, s ledger.Store) {
	f := newFixture(t, s)
	var prev [32]byte
	for i := range 5 {
		tx := f.fund(fmt.Sprint("k", i), "liabilities:partners:p-1:payable", int64(100+i))
		if tx.Seq != uint64(i+1) || tx.PrevHash != prev || tx.Hash != ledger.ChainHash(prev, &tx) {
			t.Fatalf("tx %d: seq %d, prev %x (want %x), hash %x", i, tx.Seq, tx.PrevHash, prev, tx.Hash)
		}
		stored, err := s.Tx(context.Background(), tx.ID)
		if err != nil || stored.Hash != tx.Hash || stored.Seq != tx.Seq {
			t.Fatalf("stored %+v, %v", stored, err)
		}
		prev = tx.Hash
	}
	// Chain off: no hash, PrevHash still links.
	off, err := ledger.New(s, ledger.WithClock(f.clock), ledger.WithChain(false))
	if err != nil {
		t.Fatal(err)
	}
	tx, err := off.Post(context.Background(), transfer("nochain", "expense:commissions", "assets:cash", 1))
	if err != nil || tx.Hash != ([32]byte{}) || tx.PrevHash != prev || tx.Seq != 6 {
		t.Fatalf("chain off: %+v, %v", tx, err)
	}
	// Another one off, then the chain on again: it links to the zero
	// hash, and every transaction reads back with its own hashes.
	tx7, err := off.Post(context.Background(), transfer("nochain-2", "expense:commissions", "assets:cash", 1))
	if err != nil || tx7.Hash != ([32]byte{}) || tx7.PrevHash != ([32]byte{}) {
		t.Fatalf("chain off again: %+v, %v", tx7, err)
	}
	tx8 := f.fund("k-after", "liabilities:partners:p-1:payable", 200)
	if tx8.Seq != 8 || tx8.PrevHash != ([32]byte{}) || tx8.Hash != ledger.ChainHash([32]byte{}, &tx8) {
		t.Fatalf("chain on after chain off: %+v", tx8)
	}
	for _, want := range []ledger.Transaction{tx, tx7, tx8} {
		got, err := s.Tx(context.Background(), want.ID)
		if err != nil || got.Seq != want.Seq || got.Hash != want.Hash || got.PrevHash != want.PrevHash {
			t.Fatalf("stored seq %d: hash %x prev %x, %v; want hash %x prev %x", want.Seq, got.Hash, got.PrevHash, err, want.Hash, want.PrevHash)
		}
	}
	res, err := f.l.Verify(context.Background(), 0, 0)
	if err != nil || res.Checked != 8 || res.Unchained != 2 {
		t.Fatalf("Verify = %+v, %v", res, err)
	}
}

func testSentinels(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	tx := f.fund("k1", "liabilities:partners:p-1:payable", 100)
	if _, err := s.Tx(ctx, "tx-missing"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Tx(missing) = %v, want ErrNotFound", err)
	}
	if _, err := s.TxByKey(ctx, "missing"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("TxByKey(missing) = %v, want ErrNotFound", err)
	}
	if got, err := s.TxByKey(ctx, "k1"); err != nil || got.ID != tx.ID {
		t.Errorf("TxByKey(k1) = %v, %v", got.ID, err)
	}
	dup := tx
	dup.ID = "tx-other"
	if err := s.Commit(ctx, &ledger.Commit{Txs: []ledger.Transaction{dup}}); !errors.Is(err, ledger.ErrDuplicateKey) {
		t.Errorf("Commit(duplicate key) = %v, want ErrDuplicateKey", err)
	}
	stale := &ledger.Commit{Deltas: []ledger.AccountDelta{{Account: "assets:cash", Version: 99, Delta: ledger.Counters{DebitsPosted: 1}}}}
	if err := s.Commit(ctx, stale); !errors.Is(err, ledger.ErrConflict) {
		t.Errorf("Commit(stale version) = %v, want ErrConflict", err)
	}
	exists := &ledger.Commit{NewAccounts: []ledger.Account{{Name: "assets:cash", Type: ledger.Asset, Currency: usd}}}
	if err := s.Commit(ctx, exists); !errors.Is(err, ledger.ErrConflict) {
		t.Errorf("Commit(existing account) = %v, want ErrConflict", err)
	}
	staleState := &ledger.Commit{TxStates: []ledger.TxStateUpdate{{Version: 5, State: ledger.TxState{ID: tx.ID, Status: ledger.PendingVoided}}}}
	if err := s.Commit(ctx, staleState); !errors.Is(err, ledger.ErrConflict) {
		t.Errorf("Commit(stale tx state) = %v, want ErrConflict", err)
	}
	if err := s.ClosePeriod(ctx, epoch.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	closed := tx
	closed.Key, closed.ID, closed.EffectiveAt = "closed", "tx-closed", epoch.Add(time.Hour)
	if err := s.Commit(ctx, &ledger.Commit{Txs: []ledger.Transaction{closed}}); !errors.Is(err, ledger.ErrPeriodClosed) {
		t.Errorf("Commit(in closed period) = %v, want ErrPeriodClosed", err)
	}
	if n := f.count(); n != 1 {
		t.Errorf("%d transactions after refused commits, want 1", n)
	}
}

func testCommitAllOrNothing(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	tx := f.fund("k1", "liabilities:partners:p-1:payable", 100)
	states, err := s.ReadAccounts(ctx, []string{"assets:cash", "expense:commissions"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fresh := tx
	fresh.Key, fresh.ID = "k2", "tx-k2"
	// Everything valid except the last delta's version: nothing may land.
	c := &ledger.Commit{
		NewAccounts: []ledger.Account{{Name: "assets:new", Type: ledger.Asset, Currency: usd}},
		Deltas: []ledger.AccountDelta{
			{Account: "assets:cash", Version: states[0].Version, Delta: ledger.Counters{DebitsPosted: 5}},
			{Account: "expense:commissions", Version: states[1].Version + 1, Delta: ledger.Counters{CreditsPosted: 5}},
		},
		TxStates: []ledger.TxStateUpdate{{Version: 0, State: ledger.TxState{ID: tx.ID, Reversed: []int64{1, 1}}}},
		Txs:      []ledger.Transaction{fresh},
	}
	if err := s.Commit(ctx, c); !errors.Is(err, ledger.ErrConflict) {
		t.Fatalf("Commit = %v, want ErrConflict", err)
	}
	after, _ := s.ReadAccounts(ctx, []string{"assets:cash", "expense:commissions", "assets:new"}, nil)
	if after[0].Counters != states[0].Counters || after[0].Version != states[0].Version || after[2].Exists {
		t.Errorf("a refused commit left traces: %+v", after)
	}
	if _, err := s.TxByKey(ctx, "k2"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("key of a refused commit stored: %v", err)
	}
	if st, _ := s.ReadTxStates(ctx, []string{tx.ID}, nil); st[0].Version != 0 {
		t.Errorf("tx state of a refused commit stored: %+v", st[0])
	}
	// Two transactions, the second a duplicate key: neither lands.
	dup := tx
	dup.ID = "tx-dup"
	c = &ledger.Commit{Txs: []ledger.Transaction{fresh, dup}}
	if err := s.Commit(ctx, c); !errors.Is(err, ledger.ErrDuplicateKey) {
		t.Fatalf("Commit = %v, want ErrDuplicateKey", err)
	}
	if _, err := s.TxByKey(ctx, "k2"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("first tx of a refused commit stored: %v", err)
	}
}

func testContextCancelled(t *testing.T, s ledger.Store) {
	f := newFixture(t, s)
	f.fund("k1", "liabilities:partners:p-1:payable", 100)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	checks := map[string]error{}
	_, checks["ReadAccounts"] = s.ReadAccounts(ctx, []string{"assets:cash"}, nil)
	_, checks["ReadTxStates"] = s.ReadTxStates(ctx, []string{"x"}, nil)
	_, checks["Tx"] = s.Tx(ctx, "x")
	_, checks["TxByKey"] = s.TxByKey(ctx, "k1")
	_, checks["Entries"] = s.Entries(ctx, ledger.EntryFilter{Account: "assets:cash", Limit: 1}, nil)
	_, checks["Transactions"] = s.Transactions(ctx, ledger.TxFilter{Limit: 1}, nil)
	_, checks["PostedAsOf"] = s.PostedAsOf(ctx, "assets:cash", epoch)
	_, checks["ListAccounts"] = s.ListAccounts(ctx, "", "", 1, nil)
	_, checks["ClosedThrough"] = s.ClosedThrough(ctx)
	checks["ClosePeriod"] = s.ClosePeriod(ctx, epoch)
	checks["Commit"] = s.Commit(ctx, &ledger.Commit{NewAccounts: []ledger.Account{{Name: "assets:ctx", Type: ledger.Asset, Currency: usd}}})
	for op, err := range checks {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context = %v, want an error wrapping context.Canceled", op, err)
		}
	}
	if _, err := f.l.Post(ctx, transfer("k2", "expense:commissions", "assets:cash", 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("Post with a cancelled context = %v", err)
	}
	got, _ := s.ReadAccounts(context.Background(), []string{"assets:ctx"}, nil)
	if got[0].Exists {
		t.Error("Commit with a cancelled context wrote")
	}
	if n := f.count(); n != 1 {
		t.Errorf("%d transactions, want 1", n)
	}
	if ct, _ := s.ClosedThrough(context.Background()); !ct.IsZero() {
		t.Errorf("ClosePeriod with a cancelled context closed through %v", ct)
	}
}

func testOwned(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	in := transfer("k1", "expense:commissions", "assets:cash", 100)
	in.Metadata = map[string]string{"event_id": "e-1"}
	tx := f.post(in)
	tx.Postings[0].Account = "mutated"
	tx.Metadata["event_id"] = "mutated"
	in.Postings[1].Account = "mutated"
	in.Metadata["event_id"] = "mutated2"
	got, err := s.Tx(ctx, tx.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Postings[0].Account != "expense:commissions" || got.Postings[1].Account != "assets:cash" || got.Metadata["event_id"] != "e-1" {
		t.Fatalf("store shares memory with the caller: %+v", got)
	}
	got.Postings[0].Account = "mutated3"
	again, _ := s.TxByKey(ctx, "k1")
	if again.Postings[0].Account != "expense:commissions" {
		t.Fatalf("store hands out its own memory")
	}
}

func testListAccounts(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	for i := range 7 {
		f.create(ledger.Account{Name: fmt.Sprintf("liabilities:partners:x-%d:pending", i), Type: ledger.Liability, Currency: usd})
	}
	var names []string
	after := ""
	for {
		page, err := s.ListAccounts(ctx, "liabilities:partners:x-", after, 3, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page {
			names = append(names, a.Account.Name)
		}
		if len(page) < 3 {
			break
		}
		after = page[len(page)-1].Account.Name
	}
	if len(names) != 7 || names[0] != "liabilities:partners:x-0:pending" || names[6] != "liabilities:partners:x-6:pending" {
		t.Fatalf("ListAccounts pages = %v", names)
	}
	totals, err := f.l.RollUp(ctx, "liabilities:partners:")
	if err != nil || len(totals) != 1 || totals[0].Accounts != 9 {
		t.Fatalf("RollUp = %+v, %v", totals, err)
	}
}

func testClosePeriod(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	if err := s.ClosePeriod(ctx, epoch.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.ClosePeriod(ctx, epoch.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ct, err := s.ClosedThrough(ctx); err != nil || !ct.Equal(epoch.Add(2*time.Hour)) {
		t.Fatalf("ClosedThrough = %v, %v; want it never to move back", ct, err)
	}
}

func testAtomicity(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	f.fund("fund", "liabilities:partners:p-1:payable", 100)
	batch := []ledger.TxInput{
		transfer("b1", "liabilities:partners:p-1:payable", "liabilities:partners:p-2:payable", 60),
		transfer("b2", "expense:commissions", "assets:cash", 5),
		transfer("b3", "liabilities:partners:p-1:payable", "assets:cash", 50), // overdraws after b1
	}
	_, err := f.l.PostBatch(ctx, batch)
	var te *ledger.TxError
	if !errors.Is(err, ledger.ErrInsufficientFunds) || !errors.As(err, &te) || te.Index != 2 {
		t.Fatalf("PostBatch = %v, want ErrInsufficientFunds at index 2", err)
	}
	if n := f.count(); n != 1 {
		t.Errorf("%d transactions after a refused batch, want 1", n)
	}
	for _, k := range []string{"b1", "b2", "b3"} {
		if _, err := f.l.TxByKey(ctx, k); !errors.Is(err, ledger.ErrNotFound) {
			t.Errorf("key %s of a refused batch: %v", k, err)
		}
	}
	if got := f.posted("liabilities:partners:p-1:payable"); got != 100 {
		t.Errorf("payable %d after a refused batch, want 100", got)
	}
	batch[2] = transfer("b3", "liabilities:partners:p-1:payable", "assets:cash", 40)
	txs, err := f.l.PostBatch(ctx, batch)
	if err != nil || len(txs) != 3 || txs[2].Seq != 4 {
		t.Fatalf("PostBatch = %v, %v", txs, err)
	}
	if got := f.posted("liabilities:partners:p-1:payable"); got != 0 {
		t.Errorf("payable %d, want 0", got)
	}
}

func testIdempotency(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	in := transfer("k1", "expense:commissions", "liabilities:partners:p-1:payable", 100)
	in.Metadata = map[string]string{accrue.MetaEventID: "e-1"}
	first := f.post(in)
	f.clock.Advance(time.Hour)
	again := f.post(in)
	if again.ID != first.ID || again.Seq != first.Seq || again.Hash != first.Hash || !again.RecordedAt.Equal(first.RecordedAt) {
		t.Fatalf("replay = %+v, want the original %+v", again, first)
	}
	changed := transfer("k1", "expense:commissions", "liabilities:partners:p-1:payable", 101)
	changed.Metadata = map[string]string{accrue.MetaEventID: "e-2"}
	_, err := f.l.Post(ctx, changed)
	var ic *ledger.IdempotencyConflictError
	if !errors.As(err, &ic) || !errors.Is(err, ledger.ErrIdempotencyConflict) || fmt.Sprint(ic.Fields) != "[metadata postings]" || ic.ID != first.ID {
		t.Fatalf("reuse with other content = %v (fields %v)", err, ic)
	}
	// A replay inside a batch with new transactions: the original is
	// returned, the new one written once.
	txs, err := f.l.PostBatch(ctx, []ledger.TxInput{in, transfer("k2", "expense:commissions", "assets:cash", 7)})
	if err != nil || txs[0].ID != first.ID || txs[1].Seq != 2 {
		t.Fatalf("batch with a replay = %+v, %v", txs, err)
	}
	// A replay that would now break a constraint still returns the original.
	pay := transfer("pay", "liabilities:partners:p-1:payable", "assets:cash", 100)
	p1 := f.post(pay)
	if p2, err := f.l.Post(ctx, pay); err != nil || p2.ID != p1.ID {
		t.Fatalf("replay of a payout after the balance is spent = %v", err)
	}
	if n := f.count(); n != 3 {
		t.Fatalf("%d transactions, want 3", n)
	}
}

func testPagination(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	var all []ledger.Transaction
	for i := range 23 {
		in := transfer(fmt.Sprint("k", i), "expense:commissions", "liabilities:partners:p-1:payable", int64(i+1))
		if i%3 == 0 {
			in = transfer(fmt.Sprint("k", i), "expense:commissions", "assets:cash", int64(i+1))
		}
		in.EffectiveAt = epoch.Add(time.Duration(i%5) * time.Hour)
		in.Metadata = map[string]string{accrue.MetaBatchID: fmt.Sprint("b-", i%2)}
		all = append(all, f.post(in))
	}
	queries := []ledger.TxQuery{
		{},
		{Account: "assets:cash"},
		{Metadata: map[string]string{accrue.MetaBatchID: "b-1"}},
		{From: epoch.Add(time.Hour), To: epoch.Add(3 * time.Hour)},
		{Account: "liabilities:partners:p-1:payable", Metadata: map[string]string{accrue.MetaBatchID: "b-0"}, From: epoch.Add(2 * time.Hour)},
		{Kind: ledger.KindPending},
	}
	for qi, q := range queries {
		var want []uint64
		for i := range all {
			if (&ledger.TxFilter{Account: q.Account, Kind: q.Kind, From: q.From, To: q.To, Metadata: q.Metadata}).Match(&all[i]) {
				want = append(want, all[i].Seq)
			}
		}
		for _, size := range []int{1, 2, 5, 100} {
			q.Limit, q.After = size, ""
			var got []uint64
			for pages := 0; pages < 100; pages++ {
				p, err := f.l.Transactions(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, tx := range p.Txs {
					got = append(got, tx.Seq)
				}
				if p.Next == "" {
					break
				}
				q.After = p.Next
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("query %d, page size %d: got seqs %v, want %v", qi, size, got, want)
			}
		}
	}
	for _, size := range []int{1, 4, 100} {
		var got []string
		q := ledger.EntryQuery{Account: "liabilities:partners:p-1:payable", Limit: size, From: epoch.Add(time.Hour),
			Metadata: map[string]string{accrue.MetaBatchID: "b-1"}}
		for {
			p, err := f.l.Entries(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range p.Entries {
				got = append(got, fmt.Sprint(e.Seq, "/", e.Index, "/", e.Amount))
			}
			if p.Next == "" {
				break
			}
			q.After = p.Next
		}
		var want []string
		for _, tx := range all {
			if tx.Postings[1].Account == "liabilities:partners:p-1:payable" && !tx.EffectiveAt.Before(epoch.Add(time.Hour)) && tx.Metadata[accrue.MetaBatchID] == "b-1" {
				want = append(want, fmt.Sprint(tx.Seq, "/1/", tx.Postings[1].Amount))
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("entries, page size %d: got %v, want %v", size, got, want)
		}
	}
}

func testAsOf(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	rng := rand.New(rand.NewPCG(1, 2))
	type move struct {
		at    time.Time
		units int64 // on cash's normal (debit) side
	}
	var moves []move
	for i := range 60 {
		at := epoch.Add(time.Duration(rng.IntN(48)) * time.Hour) // backdated, out of order
		units := int64(rng.IntN(1000) + 1)
		in := transfer(fmt.Sprint("k", i), "assets:cash", "expense:commissions", units)
		if i%4 == 0 {
			in = transfer(fmt.Sprint("k", i), "expense:commissions", "assets:cash", units)
			units = -units
		}
		in.EffectiveAt = at
		f.post(in)
		moves = append(moves, move{at, units})
	}
	// A pending transaction is not history: it never counts as of any time.
	if _, err := f.l.Hold(ctx, transfer("hold", "expense:commissions", "assets:cash", 5)); err != nil {
		t.Fatal(err)
	}
	for h := -1; h <= 49; h++ {
		at := epoch.Add(time.Duration(h) * time.Hour)
		var want int64
		for _, m := range moves {
			if !m.at.After(at) {
				want += m.units
			}
		}
		b, err := f.l.BalanceAsOf(ctx, "assets:cash", at)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := b.Posted.MinorUnits(); got != want {
			t.Errorf("as of +%dh: %d, want %d", h, got, want)
		}
	}
}

func testParallelWriters(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	const funds, workers, attempts = 100, 6, 30
	f.fund("fund", "liabilities:partners:p-1:payable", funds)
	var mu sync.Mutex
	ok, refused := 0, 0
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range attempts {
				_, err := f.l.Post(ctx, transfer(fmt.Sprint("w", w, "-", i), "liabilities:partners:p-1:payable", "liabilities:partners:p-2:payable", 1))
				mu.Lock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, ledger.ErrInsufficientFunds):
					refused++
				default:
					t.Errorf("post: %v", err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != funds || refused != workers*attempts-funds {
		t.Errorf("%d transfers succeeded and %d were refused; want %d and %d", ok, refused, funds, workers*attempts-funds)
	}
	if a, b := f.posted("liabilities:partners:p-1:payable"), f.posted("liabilities:partners:p-2:payable"); a != 0 || b != funds {
		t.Errorf("balances %d and %d, want 0 and %d (lost update or overdraft)", a, b, funds)
	}
}

func testPendingRace(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	const n = 12
	f.fund("fund", "liabilities:partners:p-1:payable", n*10)
	var holds []ledger.Transaction
	for i := range n {
		h, err := f.l.Hold(ctx, transfer(fmt.Sprint("hold-", i), "liabilities:partners:p-1:payable", "assets:cash", 10))
		if err != nil {
			t.Fatal(err)
		}
		holds = append(holds, h)
	}
	var mu sync.Mutex
	posted := 0
	var wg sync.WaitGroup
	for i, h := range holds {
		results := make([]error, 3)
		wg.Add(3)
		go func() {
			defer wg.Done()
			_, results[0] = f.l.PostPending(ctx, ledger.PendingInput{Key: fmt.Sprint("post-", i), PendingID: h.ID})
		}()
		go func() {
			defer wg.Done()
			_, results[1] = f.l.VoidPending(ctx, ledger.PendingInput{Key: fmt.Sprint("void-", i), PendingID: h.ID})
		}()
		go func() {
			defer wg.Done()
			_, results[2] = f.l.PostPending(ctx, ledger.PendingInput{Key: fmt.Sprint("post2-", i), PendingID: h.ID, Amount: usdm(4)})
		}()
		wg.Wait()
		wins := 0
		for j, err := range results {
			switch {
			case err == nil:
				wins++
				if j != 1 {
					mu.Lock()
					posted += []int{10, 0, 4}[j]
					mu.Unlock()
				}
			case !errors.Is(err, ledger.ErrPendingResolved):
				t.Errorf("hold %d racer %d: %v", i, j, err)
			}
		}
		if wins != 1 {
			t.Errorf("hold %d resolved %d times", i, wins)
		}
	}
	if got := f.posted("assets:cash"); got != -int64(posted) {
		t.Errorf("cash %d, want %d", got, posted)
	}
}

func testReversalCapRace(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	orig := f.fund("accrual", "liabilities:partners:p-1:payable", 1000)
	const racers = 8
	var wg sync.WaitGroup
	errs := make([]error, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.l.Reverse(ctx, ledger.ReverseInput{Key: fmt.Sprint("refund-", i), TxID: orig.ID, Amount: usdm(300)})
		}()
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ledger.ErrReversalExceeded):
			t.Errorf("racer %d: %v", i, err)
		}
	}
	if ok != 3 {
		t.Errorf("%d reversals of 3.00 out of 10.00 succeeded, want 3", ok)
	}
	rest, err := f.l.Reverse(ctx, ledger.ReverseInput{Key: "rest", TxID: orig.ID})
	if err != nil || rest.Postings[0].Amount.String() != "1.00 USD" {
		t.Fatalf("reverse the rest = %+v, %v", rest, err)
	}
	if got := f.posted("liabilities:partners:p-1:payable"); got != 0 {
		t.Errorf("payable %d after full reversal", got)
	}
}

// testFaults drives transfers, holds, resolutions and reversals through a
// Faulty store that fails a third of the calls to op ("" for all) in every
// way; each operation is retried with its key until it succeeds. Every
// operation must then have happened exactly once.
func testFaults(t *testing.T, s ledger.Store, op string) {
	ctx := context.Background()
	newFixture(t, s) // accounts, without faults
	rng := rand.New(rand.NewPCG(7, uint64(len(op))))
	var rmu sync.Mutex
	faulty := &Faulty{Store: s, Inject: func(o string, n int) Fault {
		if op != "" && o != op {
			return NoFault
		}
		rmu.Lock()
		defer rmu.Unlock()
		if rng.IntN(3) != 0 {
			return NoFault
		}
		return Fault(1 + rng.IntN(4))
	}}
	clock := accrue.NewManualClock(epoch)
	l, err := ledger.New(faulty, ledger.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	retry := func(what string, call func() error) {
		t.Helper()
		for i := 0; ; i++ {
			err := call()
			if err == nil {
				return
			}
			if !errors.Is(err, ErrInjected) && !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("%s: unexpected error: %v", what, err)
			}
			if i == 200 {
				t.Fatalf("%s: still failing after 200 retries: %v", what, err)
			}
		}
	}
	const n = 20
	var holds, accruals []ledger.Transaction
	for i := range n {
		var tx ledger.Transaction
		retry("post", func() (err error) {
			tx, err = l.Post(ctx, transfer(fmt.Sprint("accrual-", i), "expense:commissions", "liabilities:partners:p-1:payable", 100))
			return err
		})
		accruals = append(accruals, tx)
	}
	for i := range n / 2 {
		retry("batch", func() error {
			_, err := l.PostBatch(ctx, []ledger.TxInput{
				transfer(fmt.Sprint("batch-a-", i), "expense:commissions", "assets:cash", 3),
				transfer(fmt.Sprint("batch-b-", i), "assets:cash", "expense:commissions", 1),
			})
			return err
		})
		var h ledger.Transaction
		retry("hold", func() (err error) {
			h, err = l.Hold(ctx, transfer(fmt.Sprint("hold-", i), "liabilities:partners:p-1:payable", "assets:cash", 50))
			return err
		})
		holds = append(holds, h)
	}
	for i, h := range holds {
		retry("resolve", func() error {
			var err error
			if i%2 == 0 {
				_, err = l.PostPending(ctx, ledger.PendingInput{Key: fmt.Sprint("post-", i), PendingID: h.ID, Amount: usdm(20)})
			} else {
				_, err = l.VoidPending(ctx, ledger.PendingInput{Key: fmt.Sprint("void-", i), PendingID: h.ID})
			}
			return err
		})
	}
	for i := range n / 4 {
		retry("reverse", func() error {
			_, err := l.Reverse(ctx, ledger.ReverseInput{Key: fmt.Sprint("refund-", i), TxID: accruals[i].ID, Amount: usdm(30)})
			return err
		})
	}
	faulty.Inject = nil
	if inj := faulty.Injected(); inj[FailAfter]+inj[TimeoutAfter] == 0 || inj[FailBefore]+inj[TimeoutBefore] == 0 {
		t.Errorf("too few faults injected to mean anything: %v", inj)
	}
	f := &fixture{t: t, l: l, clock: clock}
	if got, want := f.count(), n+n+n/2+n/2+n/4; got != want {
		t.Errorf("%d transactions, want %d: a retry lost or duplicated one", got, want)
	}
	// 20 accruals of 1.00, 5 holds posted at 0.20 each, 5 refunds of 0.30.
	if got, want := f.posted("liabilities:partners:p-1:payable"), int64(n*100-(n/4)*20-(n/4)*30); got != want {
		t.Errorf("payable %d, want %d", got, want)
	}
	if got, want := f.posted("assets:cash"), -int64(n/2*2+(n/4)*20); got != want {
		t.Errorf("cash %d, want %d", got, want)
	}
}

func testExpiredContext(t *testing.T, s ledger.Store) {
	f := newFixture(t, s)
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	_, err := f.l.Post(ctx, transfer("k1", "expense:commissions", "assets:cash", 1))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Post with an expired context = %v", err)
	}
	if _, err := f.l.TxByKey(context.Background(), "k1"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("a Post with an expired context wrote: %v", err)
	}
	f.post(transfer("k1", "expense:commissions", "assets:cash", 1))
}
