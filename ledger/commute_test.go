package ledger_test

import (
	"context"
	"errors"
	"testing"

	"github.com/accruehq/accrue"

	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/memstore"
)

// spyStore records the deltas of every Commit.
type spyStore struct {
	ledger.Store
	deltas map[string]bool // account -> Commutes of its last delta
}

func (s *spyStore) Commit(ctx context.Context, c *ledger.Commit) error {
	for _, d := range c.Deltas {
		s.deltas[d.Account] = d.Commutes
	}
	return s.Store.Commit(ctx, c)
}

// TestCommutes: a delta is marked Commutes exactly when no step of it can
// break the account's constraints whatever its balance.
func TestCommutes(t *testing.T) {
	ctx := context.Background()
	floor := ledger.Constraints{NoNegative: true}
	ceiling := ledger.Constraints{NoPositive: true}
	accts := []ledger.Account{
		{Name: "expense:free", Type: ledger.Expense, Currency: usd},
		{Name: "assets:free", Type: ledger.Asset, Currency: usd},
		{Name: "liabilities:floor", Type: ledger.Liability, Currency: usd, Constraints: floor},
		{Name: "liabilities:floor2", Type: ledger.Liability, Currency: usd, Constraints: floor},
		{Name: "liabilities:min", Type: ledger.Liability, Currency: usd, Constraints: ledger.Constraints{Min: ledger.Limit(-500)}},
		{Name: "assets:ceiling", Type: ledger.Asset, Currency: usd, Constraints: ceiling},
		{Name: "liabilities:max", Type: ledger.Liability, Currency: usd, Constraints: ledger.Constraints{Max: ledger.Limit(1_000_00)}},
	}
	tests := []struct {
		name          string
		kind          string // "post" or "hold"
		debit, credit string
		want          map[string]bool
	}{
		{"no constraints", "post", "expense:free", "assets:free", map[string]bool{"expense:free": true, "assets:free": true}},
		{"credit to a no-overdraft liability", "post", "expense:free", "liabilities:floor", map[string]bool{"liabilities:floor": true}},
		{"debit from a no-overdraft liability", "post", "liabilities:floor", "liabilities:floor2", map[string]bool{"liabilities:floor": false, "liabilities:floor2": true}},
		{"debit against a min", "post", "liabilities:min", "expense:free", map[string]bool{"liabilities:min": false}},
		{"credit to a no-positive asset", "post", "expense:free", "assets:ceiling", map[string]bool{"assets:ceiling": true}},
		{"debit to a no-positive asset", "post", "assets:ceiling", "expense:free", map[string]bool{"assets:ceiling": false}},
		{"credit to a liability with a max", "post", "expense:free", "liabilities:max", map[string]bool{"liabilities:max": false}},
		{"debit from a liability with a max", "post", "liabilities:max", "expense:free", map[string]bool{"liabilities:max": true}},
		{"hold out of a no-overdraft liability", "hold", "liabilities:floor", "expense:free", map[string]bool{"liabilities:floor": false}},
		{"hold into a liability with a max", "hold", "expense:free", "liabilities:max", map[string]bool{"liabilities:max": false}},
		{"hold into a no-overdraft liability", "hold", "expense:free", "liabilities:floor2", map[string]bool{"liabilities:floor2": true}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spy := &spyStore{Store: memstore.New(), deltas: map[string]bool{}}
			l, err := ledger.New(spy)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.CreateAccounts(ctx, accts); err != nil {
				t.Fatal(err)
			}
			// Give every floored account room and the capped one headroom.
			seed := []ledger.TxInput{
				{Key: "seed-1", Postings: []ledger.Posting{{Account: "expense:free", Side: ledger.Debit, Amount: usdm("100")}, {Account: "liabilities:floor", Side: ledger.Credit, Amount: usdm("100")}}},
				{Key: "seed-2", Postings: []ledger.Posting{{Account: "expense:free", Side: ledger.Debit, Amount: usdm("100")}, {Account: "assets:ceiling", Side: ledger.Credit, Amount: usdm("100")}}},
			}
			for _, in := range seed {
				if _, err := l.Post(ctx, in); err != nil {
					t.Fatal(err)
				}
			}
			clear(spy.deltas)
			in := ledger.TxInput{Key: tc.name, Postings: []ledger.Posting{
				{Account: tc.debit, Side: ledger.Debit, Amount: usdm("1")},
				{Account: tc.credit, Side: ledger.Credit, Amount: usdm("1")},
			}}
			if tc.kind == "hold" {
				_, err = l.Hold(ctx, in)
			} else {
				_, err = l.Post(ctx, in)
			}
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
			for acct, want := range tc.want {
				got, ok := spy.deltas[acct]
				if !ok || got != want {
					t.Errorf("%s: Commutes = %v (delta sent: %v), want %v", acct, got, ok, want)
				}
			}
		})
	}
}

// readCounter counts ReadAccounts calls on a store that applies commuting
// deltas.
type readCounter struct {
	*memstore.Store
	reads int
}

func (s *readCounter) ReadAccounts(ctx context.Context, names []string, dst []ledger.AccountState) ([]ledger.AccountState, error) {
	s.reads++
	return s.Store.ReadAccounts(ctx, names, dst)
}

// TestCachedDefinitions: once the ledger has read an account's definition,
// a call whose effects all commute is written without reading; one that
// could break a constraint reads; WithAccountCache(0) always reads; a
// posting in the wrong currency is refused from the cached definition too.
func TestCachedDefinitions(t *testing.T) {
	ctx := context.Background()
	accts := []ledger.Account{
		{Name: "expense:commissions", Type: ledger.Expense, Currency: usd},
		{Name: "liabilities:p-1", Type: ledger.Liability, Currency: usd, Constraints: ledger.Constraints{NoNegative: true}},
		{Name: "liabilities:p-2", Type: ledger.Liability, Currency: usd, Constraints: ledger.Constraints{NoNegative: true}},
	}
	transfer := func(key, from, to, amount string) ledger.TxInput {
		return ledger.TxInput{Key: key, Postings: []ledger.Posting{
			{Account: from, Side: ledger.Debit, Amount: usdm(amount)},
			{Account: to, Side: ledger.Credit, Amount: usdm(amount)},
		}}
	}
	for _, tc := range []struct {
		name  string
		cache int
		want  []int // reads after each step
	}{
		{"cached", ledger.DefaultAccountCache, []int{0, 0, 1, 1}},
		{"off", 0, []int{1, 2, 3, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &readCounter{Store: memstore.New()}
			l, err := ledger.New(s, ledger.WithAccountCache(tc.cache))
			if err != nil {
				t.Fatal(err)
			}
			if err := l.CreateAccounts(ctx, accts); err != nil {
				t.Fatal(err)
			}
			s.reads = 0
			steps := []ledger.TxInput{
				transfer("accrue-1", "expense:commissions", "liabilities:p-1", "10"), // created by this ledger: cached
				transfer("accrue-2", "expense:commissions", "liabilities:p-1", "5"),  // commutes: no read
				transfer("move", "liabilities:p-1", "liabilities:p-2", "3"),          // debit from a no-overdraft payable: read
				transfer("accrue-3", "expense:commissions", "liabilities:p-2", "1"),  // commutes: no read
			}
			for i, in := range steps {
				if _, err := l.Post(ctx, in); err != nil {
					t.Fatalf("%s: %v", in.Key, err)
				}
				if s.reads != tc.want[i] {
					t.Errorf("after %s: %d reads, want %d", in.Key, s.reads, tc.want[i])
				}
			}
			for acct, want := range map[string]string{"expense:commissions": "16", "liabilities:p-1": "12", "liabilities:p-2": "4"} {
				b, err := l.Balance(ctx, acct)
				if err != nil {
					t.Fatal(err)
				}
				if !b.Posted.Equal(usdm(want)) {
					t.Errorf("%s posted %s, want %s", acct, b.Posted, want)
				}
			}
			eurIn := ledger.TxInput{Key: "eur", Postings: []ledger.Posting{
				{Account: "expense:commissions", Side: ledger.Debit, Amount: accrue.MustParseMoney("1 EUR")},
				{Account: "liabilities:p-1", Side: ledger.Credit, Amount: accrue.MustParseMoney("1 EUR")},
			}}
			if _, err := l.Post(ctx, eurIn); !errors.Is(err, ledger.ErrCurrencyMismatch) {
				t.Errorf("EUR posting to USD accounts: %v, want ErrCurrencyMismatch", err)
			}
		})
	}
}

// raceStore runs before once, just before the first Commit reaches the
// store: a competing writer that moved between the ledger's read and its
// commit.
type raceStore struct {
	*memstore.Store
	before func()
}

func (s *raceStore) Commit(ctx context.Context, c *ledger.Commit) error {
	if f := s.before; f != nil {
		s.before = nil
		f()
	}
	return s.Store.Commit(ctx, c)
}

// TestBalanceMovedBeforeCommit: a batch that spends from a no-overdraft
// wallet and refills it (no net change of balance, but both of its
// counters move, so its delta is version-checked) relied on the balance it
// read; when another writer drains the wallet between that read and the
// commit, the batch is decided again and refused — the spend would
// overdraw — rather than committed on the stale read.
func TestBalanceMovedBeforeCommit(t *testing.T) {
	ctx := context.Background()
	s := &raceStore{Store: memstore.New()}
	l, err := ledger.New(s)
	if err != nil {
		t.Fatal(err)
	}
	wallet := ledger.Account{Name: "liabilities:wallet", Type: ledger.Liability, Currency: usd, Constraints: ledger.Constraints{NoNegative: true}}
	if err := l.CreateAccounts(ctx, []ledger.Account{wallet,
		{Name: "expense:fund", Type: ledger.Expense, Currency: usd}, {Name: "liabilities:out", Type: ledger.Liability, Currency: usd}}); err != nil {
		t.Fatal(err)
	}
	move := func(key, from, to string) ledger.TxInput {
		return ledger.TxInput{Key: key, Postings: []ledger.Posting{
			{Account: from, Side: ledger.Debit, Amount: usdm("10")}, {Account: to, Side: ledger.Credit, Amount: usdm("10")}}}
	}
	if _, err := l.Post(ctx, move("fund", "expense:fund", "liabilities:wallet")); err != nil {
		t.Fatal(err)
	}
	other, err := ledger.New(s.Store)
	if err != nil {
		t.Fatal(err)
	}
	s.before = func() { // drains the wallet after the batch read it
		if _, err := other.Post(ctx, move("drain", "liabilities:wallet", "liabilities:out")); err != nil {
			t.Error(err)
		}
	}
	_, err = l.PostBatch(ctx, []ledger.TxInput{
		move("spend", "liabilities:wallet", "liabilities:out"), // needs the 10 read
		move("refill", "expense:fund", "liabilities:wallet"),   // puts 10 back: net zero
	})
	if !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Fatalf("PostBatch after the wallet was drained = %v, want ErrInsufficientFunds", err)
	}
	b, err := l.Balance(ctx, "liabilities:wallet")
	if err != nil {
		t.Fatal(err)
	}
	if !b.Posted.IsZero() {
		t.Errorf("wallet %s, want 0", b.Posted)
	}
}
