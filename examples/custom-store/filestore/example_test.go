package filestore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/examples/custom-store/filestore"
	"github.com/accruehq/accrue/ledger"
)

// A host opens its store, hands it to ledger.New and uses the ledger as
// usual; reopening the file later gives back the same balances.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "filestore-example-")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ledger.jsonl")
	ctx := context.Background()
	usd := accrue.MustCurrency("USD")

	s, err := filestore.Open(path)
	if err != nil {
		panic(err)
	}
	clock := accrue.NewManualClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	l, _ := ledger.New(s, ledger.WithClock(clock))
	_ = l.CreateAccounts(ctx, []ledger.Account{
		{Name: "expense:commissions", Type: ledger.Expense, Currency: usd},
		{Name: "liabilities:partners:p-42:payable", Type: ledger.Liability, Currency: usd},
	})
	amount := accrue.MustParseMoney("12.50 USD")
	_, err = l.Post(ctx, ledger.TxInput{Key: "accrual:order-1", Postings: []ledger.Posting{
		{Account: "expense:commissions", Side: ledger.Debit, Amount: amount},
		{Account: "liabilities:partners:p-42:payable", Side: ledger.Credit, Amount: amount},
	}})
	if err != nil {
		panic(err)
	}
	s.Close()

	s, err = filestore.Open(path) // e.g. after a restart
	if err != nil {
		panic(err)
	}
	defer s.Close()
	l, _ = ledger.New(s)
	b, _ := l.Balance(ctx, "liabilities:partners:p-42:payable")
	res, err := l.Verify(ctx, 0, 0)
	fmt.Println("owed to p-42:", b.Posted)
	fmt.Println("verified:", res.Checked, "transactions, error:", err)
	// Output:
	// owed to p-42: 12.50 USD
	// verified: 1 transactions, error: <nil>
}

// A file damaged before its last line is refused, naming the line: only a
// torn last line, which a crash can leave, is repaired on Open.
func ExampleOpen_corrupt() {
	dir, _ := os.MkdirTemp("", "filestore-example-")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ledger.jsonl")
	_ = os.WriteFile(path, []byte("{\"closed_through\":\"2026-01-01T00:00:00Z\"}\nnot json\n{\"closed_through\":\"2026-02-01T00:00:00Z\"}\n"), 0o600)

	_, err := filestore.Open(path)
	fmt.Println(err)
	// Output:
	// filestore: corrupt file: line 2: invalid character 'o' in literal null (expecting 'u')
}
