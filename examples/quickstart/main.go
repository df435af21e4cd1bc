// Command quickstart is Accrue's main job: a small commission program run end
// to end on the embedded defaults, with no set-up and no network.
//
// Today it shows the foundation every later step stands on: exact Money,
// commissions rounded once with a named mode, and splits between partners
// that sum exactly to the cent. It writes a CSV of the lines to the folder
// given by -out.
//
//	go run ./examples/quickstart [-out DIR]
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/accruehq/accrue"
	"github.com/shopspring/decimal"
)

// order is a sale credited to one or more partners by share.
type order struct {
	id       string
	amount   string // "<amount> <currency>"
	partners []string
	shares   []string // weights, as text: "60%", "1", "0.5"
}

var orders = []order{
	{"ord-1001", "199.00 USD", []string{"p-ana"}, []string{"1"}},
	{"ord-1002", "49.99 USD", []string{"p-ana", "p-bo"}, []string{"60%", "40%"}},
	{"ord-1003", "100.00 USD", []string{"p-bo", "p-cy", "p-dee"}, []string{"1", "1", "1"}},
	{"ord-1004", "12900 JPY", []string{"p-cy", "p-dee"}, []string{"2", "1"}},
	{"ord-1005", "75.250 KWD", []string{"p-ana", "p-dee"}, []string{"0.5", "0.5"}},
}

func main() {
	out := flag.String("out", "accrue-out", "folder to write the commission lines to")
	rate := flag.String("rate", "0.20", "commission rate applied to every order")
	flag.Parse()
	if err := run(os.Stdout, *out, *rate); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, outDir, rateText string) error {
	rate, err := decimal.NewFromString(rateText)
	if err != nil {
		return fmt.Errorf("rate %q: %w", rateText, err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(outDir, "commission-lines.csv")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	lines := csv.NewWriter(f)
	_ = lines.Write([]string{"order", "partner", "share", "commission", "currency"})

	totals := map[accrue.Currency]accrue.Money{}
	byPartner := map[string][]accrue.Money{}
	fmt.Fprintf(w, "Accrue quickstart: %d orders at a %s%% commission\n\n", len(orders), rate.Shift(2))
	for _, o := range orders {
		amount, err := accrue.ParseMoney(o.amount)
		if err != nil {
			return fmt.Errorf("%s: %w", o.id, err)
		}
		// The commission stays exact until one rounding, named, at the
		// boundary; then the split is exact to the minor unit.
		exact := amount.Mul(rate)
		commission := exact.Round(accrue.HalfEven)
		weights, err := accrue.ParseWeights(o.shares...)
		if err != nil {
			return fmt.Errorf("%s: %w", o.id, err)
		}
		parts, err := accrue.Allocate(commission, weights)
		if err != nil {
			return fmt.Errorf("%s: %w", o.id, err)
		}
		fmt.Fprintf(w, "%s  %14s  commission %s (exact %s)\n", o.id, amount, commission, exact)
		for i, p := range parts {
			fmt.Fprintf(w, "    %-6s %5s  %s\n", o.partners[i], o.shares[i], p)
			_ = lines.Write([]string{o.id, o.partners[i], o.shares[i], p.Amount().StringFixed(p.Currency().MinorUnits()), p.Currency().Code()})
			byPartner[o.partners[i]] = append(byPartner[o.partners[i]], p)
		}
		if totals[commission.Currency()], err = totals[commission.Currency()].Add(commission); err != nil {
			return err
		}
	}
	lines.Flush()
	if err := lines.Error(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nCommission per currency (every split sums back to it exactly):")
	for _, code := range []string{"USD", "JPY", "KWD"} {
		c := accrue.MustCurrency(code)
		var paid accrue.Money
		for _, ms := range byPartner {
			for _, m := range ms {
				if m.Currency() == c {
					paid, _ = paid.Add(m)
				}
			}
		}
		fmt.Fprintf(w, "    %-14s split total %-14s ties out: %v\n", totals[c], paid, paid.Equal(totals[c]))
	}
	fmt.Fprintf(w, "\nWrote %s\n", path)
	return nil
}
