package filestore_test

import (
	"os"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/examples/custom-store/filestore"
	"github.com/accruehq/accrue/ledger"
)

func open(t testing.TB, path string) *filestore.Store {
	t.Helper()
	s, err := filestore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// newLedger returns a ledger on s whose clock starts at start and creates
// accounts on first use (assets:…, equity:…, expense:…, liabilities:…).
func newLedger(t testing.TB, s ledger.Store) *ledger.Ledger {
	t.Helper()
	return newLedgerAt(t, s, accrue.NewManualClock(start))
}

// newLedgerAt is newLedger with the given clock.
func newLedgerAt(t testing.TB, s ledger.Store, clk accrue.Clock) *ledger.Ledger {
	t.Helper()
	types := map[string]ledger.AccountType{"assets": ledger.Asset, "equity": ledger.Equity,
		"expense": ledger.Expense, "liabilities": ledger.Liability}
	policy := func(name string) (ledger.Account, bool) {
		for prefix, typ := range types {
			if len(name) > len(prefix) && name[:len(prefix)+1] == prefix+":" {
				return ledger.Account{Name: name, Type: typ, Currency: usd}, true
			}
		}
		return ledger.Account{}, false
	}
	l, err := ledger.New(s, ledger.WithClock(clk), ledger.WithAccountPolicy(policy))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func transfer(key, debit, credit string, cents int64) ledger.TxInput {
	amount := accrue.FromMinorUnits(cents, usd)
	return ledger.TxInput{Key: key, Postings: []ledger.Posting{
		{Account: debit, Side: ledger.Debit, Amount: amount},
		{Account: credit, Side: ledger.Credit, Amount: amount},
	}}
}

// postScenario writes one of each kind of transaction, backdated ones
// included, and closes a period.
func postScenario(t testing.TB, l *ledger.Ledger) {
	t.Helper()
	must := func(_ ledger.Transaction, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	at := func(in ledger.TxInput, d time.Duration) ledger.TxInput {
		in.EffectiveAt = start.Add(d)
		return in
	}
	must(l.Post(ctx, at(transfer("fund", "assets:cash", "equity:capital", 100_000), 0)))
	accrual := at(transfer("accrue:ord-1", "expense:commissions", "liabilities:partners:p-1:payable", 4_000), time.Hour)
	accrual.Metadata = map[string]string{accrue.MetaEventID: "ord-1"}
	must(l.Post(ctx, accrual))
	must(l.Post(ctx, at(transfer("accrue:ord-2", "expense:commissions", "liabilities:partners:p-2:payable", 2_550), 2*time.Hour)))
	must(l.Post(ctx, at(transfer("backdated", "assets:cash", "equity:capital", 1_000), 30*time.Minute)))
	hold, err := l.Hold(ctx, transfer("payout:p-1", "liabilities:partners:p-1:payable", "assets:cash", 3_000))
	must(hold, err)
	must(l.PostPending(ctx, ledger.PendingInput{Key: "payout:p-1:settled", PendingID: hold.ID, Amount: accrue.FromMinorUnits(2_500, usd)}))
	must(l.Hold(ctx, transfer("payout:p-2", "liabilities:partners:p-2:payable", "assets:cash", 500)))
	ord2, err := l.TxByKey(ctx, "accrue:ord-2")
	must(ord2, err)
	must(l.Reverse(ctx, ledger.ReverseInput{Key: "refund:ord-2", TxID: ord2.ID, Amount: accrue.FromMinorUnits(1_000, usd)}))
	if err := l.ClosePeriod(ctx, start.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
}

// state is everything a store holds, read through the Store interface.
type state struct {
	Accounts []ledger.AccountState
	Txs      []ledger.Transaction
	TxStates []ledger.TxState
	Entries  map[string][]ledger.Entry
	Closed   time.Time
}

func snapshot(t testing.TB, s ledger.Store) state {
	t.Helper()
	var st state
	var err error
	if st.Accounts, err = s.ListAccounts(ctx, "", "", 1<<20, nil); err != nil {
		t.Fatal(err)
	}
	if st.Txs, err = s.Transactions(ctx, ledger.TxFilter{Limit: 1 << 20}, nil); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(st.Txs))
	for i, tx := range st.Txs {
		ids[i] = tx.ID
	}
	if st.TxStates, err = s.ReadTxStates(ctx, ids, nil); err != nil {
		t.Fatal(err)
	}
	st.Entries = map[string][]ledger.Entry{}
	for _, a := range st.Accounts {
		name := a.Account.Name
		if st.Entries[name], err = s.Entries(ctx, ledger.EntryFilter{Account: name, Limit: 1 << 20}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if st.Closed, err = s.ClosedThrough(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}
