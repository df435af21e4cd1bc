// Command custom-store shows how a host puts the ledger on its own storage:
// it implements ledger.Store (here filestore, a durable append-only file of
// JSON lines in a few hundred lines of standard library code), proves it
// with the ledger's conformance suite (see filestore's tests), and hands it
// to ledger.New. Nothing else in the host changes.
//
// The program records a small month of commissions in a file, simulates a
// crash in the middle of a write, reopens the file and prints the balances
// it rebuilt and the result of verifying the hash chain. Run it twice with
// the same -dir and it prints the same: every write is idempotent by key,
// so the second run finds its transactions already there.
//
//	go run ./examples/custom-store [-dir DIR]
//
// For production storage, start from the PostgreSQL adapter
// (ledger/postgres), which this example simplifies.
package main

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/examples/custom-store/filestore"
	"github.com/accruehq/accrue/ledger"
)

func main() {
	dir := flag.String("dir", "", "folder for ledger.jsonl (default: a new temporary folder)")
	flag.Parse()
	if *dir == "" {
		tmp, err := os.MkdirTemp("", "accrue-custom-store-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "custom-store:", err)
			os.Exit(1)
		}
		*dir = tmp
	}
	if err := run(os.Stdout, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "custom-store:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "ledger file:", filepath.Join(*dir, fileName))
}

const fileName = "ledger.jsonl"

// run records the month into dir/ledger.jsonl, tears a write, reopens the
// file and reports what it holds.
func run(w io.Writer, dir string) error {
	ctx := context.Background()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, fileName)

	// 1. Open the host's store and give it to the ledger: that is all the
	// wiring there is.
	s, err := filestore.Open(path)
	if err != nil {
		return err
	}
	l, err := newLedger(s)
	if err != nil {
		s.Close()
		return err
	}
	n, err := recordMonth(ctx, l)
	if closeErr := s.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "recorded %d transactions in %s\n", n, fileName)

	// 2. Crash in the middle of a write: half a line at the end of the file.
	torn, err := tearWrite(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "crash simulated: %d bytes of a half-written line left at the end\n", torn)

	// 3. Reopen: the file is replayed and the torn line cut off.
	s, err = filestore.Open(path)
	if err != nil {
		return err
	}
	defer s.Close()
	if l, err = newLedger(s); err != nil {
		return err
	}
	res, err := l.Verify(ctx, 0, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "reopened: %d transactions replayed, torn line of %d bytes cut off\n\n", res.Checked, s.TornBytes())
	if err := printBalances(ctx, w, l); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nverify: %d transactions, chain intact, last seq %d, last hash %s…\n",
		res.Checked, res.LastSeq, hex.EncodeToString(res.LastHash[:6]))
	return nil
}

// tearWrite appends the first half of a copy of the file's last line
// without its newline, as a crash during a write leaves it, and returns how
// many bytes it appended.
func tearWrite(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	last := data[:len(data)-1] // drop the final newline
	for i := len(last) - 1; i >= 0; i-- {
		if last[i] == '\n' {
			last = last[i+1:]
			break
		}
	}
	half := last[:len(last)/2]
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return 0, err
	}
	if _, err := f.Write(half); err != nil {
		f.Close()
		return 0, err
	}
	return len(half), f.Close()
}

// printBalances prints every account's posted balance, and the total of the
// partners' liabilities.
func printBalances(ctx context.Context, w io.Writer, l *ledger.Ledger) error {
	fmt.Fprintf(w, "%-36s %14s\n", "account", "balance")
	for _, name := range chart {
		b, err := l.Balance(ctx, name.Name)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-36s %14s\n", name.Name, b.Posted)
	}
	totals, err := l.RollUp(ctx, "liabilities:partners:")
	if err != nil {
		return err
	}
	for _, t := range totals {
		fmt.Fprintf(w, "%-36s %14s\n", fmt.Sprintf("owed to %d partners", t.Accounts), t.Posted)
	}
	return nil
}

// usd is the program's currency.
var usd = accrue.MustCurrency("USD")
