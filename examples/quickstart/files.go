package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/accruehq/accrue/payout"
	"github.com/accruehq/accrue/reconcile"
)

// writeFiles writes the run's outputs to the output folder: each
// partner's statement for the program's months (CSV and a self-contained
// HTML page, from payout), each batch's export for finance, the items with
// their final states and the balances left out, the provider's settlement
// report as read, and the reconciliation. It returns the names written,
// relative to the folder.
func writeFiles(ctx context.Context, r *result) ([]string, error) {
	type file struct {
		name  string
		write func(io.Writer) error
	}
	svc, p := r.Payouts.Service, r.Program
	period := p.Start.Format("2006-01") + ".." + p.End.AddDate(0, 0, -1).Format("2006-01")
	var files []file
	for _, st := range r.Statements {
		s, err := svc.Statement(ctx, st.Partner, period, p.Start, r.Books.Clock.Now().Add(time.Second))
		if err != nil {
			return nil, err
		}
		files = append(files,
			file{filepath.Join("statements", st.Partner+".csv"), s.WriteCSV},
			file{filepath.Join("statements", st.Partner+".html"), s.WriteHTML})
	}
	for _, b := range r.Payouts.Run.Batches {
		files = append(files, file{"batch-" + strings.ReplaceAll(b.ID, ":", "-") + ".csv", b.WriteCSV})
	}
	files = append(files,
		file{"payout-items.csv", func(w io.Writer) error { return writeItems(w, r) }},
		file{"settlement-" + providerName + ".csv", func(w io.Writer) error { return writeRecords(w, r.Settlement.Settlement) }},
		file{"reconciliation.csv", r.Settlement.After.WriteCSV})
	var names []string
	for _, f := range files {
		var buf bytes.Buffer
		if err := f.write(&buf); err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		path := filepath.Join(r.Config.Out, f.name)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return nil, err
		}
		names = append(names, f.name)
	}
	return names, nil
}

// writeItems writes every item of the run's batches with its final state,
// and the partners left out with the reason.
func writeItems(w io.Writer, r *result) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"batch", "hash", "method", "item", "partner", "key", "gross", "fee", "withholding", "net", "amount", "currency", "state", "reason"})
	for _, b := range r.Payouts.Run.Batches {
		for _, it := range b.Items {
			st := r.Settlement.Items[it.Key]
			_ = cw.Write([]string{b.ID, b.Hash, string(b.Method), it.ID, it.Partner, it.Key, fixed(it.Gross), fixed(it.Fee),
				fixed(it.Withholding), fixed(it.Net), fixed(it.Amount), it.Amount.Currency().Code(), st.State.String(), st.Reason})
		}
	}
	for _, group := range []struct {
		state string
		list  []payout.Skipped
	}{{"held", r.Payouts.Run.Held}, {"carried forward", r.Payouts.Run.Carried}} {
		for _, s := range group.list {
			_ = cw.Write([]string{"", "", "", "", s.Partner, "", fixed(s.Amount), "", "", "", "", s.Amount.Currency().Code(), group.state, s.Reason})
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeRecords writes the provider's settlement report as read.
func writeRecords(w io.Writer, recs []reconcile.Record) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"ref", "key", "partner", "amount", "currency", "date", "source"})
	for _, rec := range recs {
		_ = cw.Write([]string{rec.ID, strings.Join(rec.References, " "), rec.Counterparty, fixed(rec.Amount),
			rec.Amount.Currency().Code(), rec.Date.Format(time.RFC3339), rec.Source})
	}
	cw.Flush()
	return cw.Error()
}
