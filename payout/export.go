package payout

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/accruehq/accrue"
)

// WriteCSV writes the batch for finance: one row per item with gross, fee,
// withholding, net, amount paid, rate and idempotency key, then a total
// row. Payment details are not exported. Output is deterministic.
func (b *Batch) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rows := [][]string{{"batch", "item", "partner", "method", "provider", "account", "gross", "fee", "withholding", "net", "source_currency", "amount", "currency", "fx_rate", "key"}}
	for _, it := range b.Items {
		rows = append(rows, []string{b.ID, it.ID, it.Partner, string(b.Method), b.Provider, it.Account,
			amountText(it.Gross), amountText(it.Fee), amountText(it.Withholding), amountText(it.Net), it.Gross.Currency().Code(),
			amountText(it.Amount), it.Amount.Currency().Code(), it.Rate, it.Key})
	}
	rows = append(rows, []string{b.ID, "total", strconv.Itoa(len(b.Items)) + " items", string(b.Method), b.Provider, "",
		"", "", "", "", "", amountText(b.Total), b.Currency.Code(), "", b.Hash})
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("payout: write batch %s: %w", b.ID, err)
	}
	return nil
}

// Receipt is the proof of one payment, for the partner.
type Receipt struct {
	Batch, Item, Partner string
	Method               Method
	Provider             string
	Period               string
	State                ItemState
	Gross, Fee           accrue.Money
	Withholding, Net     accrue.Money
	Amount               accrue.Money // what the partner received
	Rate                 string
	Key                  string    // the idempotency key, the reference to quote to the provider
	At                   time.Time // when the ledger recorded the current state
	Reason               string    // for failed and returned items
}

// Receipt returns the receipt of one item with its state from the ledger.
func (s *Service) Receipt(ctx context.Context, batchID, itemID string) (Receipt, error) {
	b, err := s.store.Batch(ctx, batchID)
	if err != nil {
		return Receipt{}, fmt.Errorf("payout: receipt %s: %w", itemID, err)
	}
	var it *Item
	for i := range b.Items {
		if b.Items[i].ID == itemID {
			it = &b.Items[i]
		}
	}
	if it == nil {
		return Receipt{}, fmt.Errorf("%w: item %s in batch %s", ErrNotFound, itemID, batchID)
	}
	st, err := s.itemState(ctx, batchID, itemID)
	if err != nil {
		return Receipt{}, err
	}
	r := Receipt{Batch: b.ID, Item: it.ID, Partner: it.Partner, Method: b.Method, Provider: b.Provider, Period: b.Period,
		State: st.State, Gross: it.Gross, Fee: it.Fee, Withholding: it.Withholding, Net: it.Net, Amount: it.Amount,
		Rate: it.Rate, Key: it.Key, At: st.at.UTC(), Reason: st.Reason}
	return r, nil
}

// WriteText writes the receipt as plain text, one "label: value" per line.
func (r *Receipt) WriteText(w io.Writer) error {
	lines := [][2]string{
		{"Receipt", r.Item}, {"Partner", r.Partner}, {"Period", r.Period}, {"Batch", r.Batch},
		{"Method", string(r.Method) + " via " + r.Provider}, {"Status", r.State.String()},
		{"Gross", r.Gross.String()}, {"Fee", r.Fee.String()}, {"Withholding", r.Withholding.String()},
		{"Net", r.Net.String()}, {"Amount", r.Amount.String()},
	}
	if r.Rate != "" {
		lines = append(lines, [2]string{"Exchange rate", r.Rate})
	}
	if r.Reason != "" {
		lines = append(lines, [2]string{"Reason", r.Reason})
	}
	lines = append(lines, [2]string{"Reference", r.Key}, [2]string{"Recorded", r.At.Format(time.RFC3339)})
	for _, l := range lines {
		if _, err := fmt.Fprintf(w, "%-13s %s\n", l[0]+":", l[1]); err != nil {
			return fmt.Errorf("payout: write receipt: %w", err)
		}
	}
	return nil
}
