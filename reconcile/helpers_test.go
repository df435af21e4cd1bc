package reconcile

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/accruehq/accrue"
)

// r builds a record: amount as "12.34 USD", date as "2006-01-02", refs
// separated by '|' ("" for none).
func r(id, refs, amount, date, cp string) Record {
	rec := Record{ID: id, Amount: accrue.MustParseMoney(amount), Counterparty: cp}
	d, err := time.Parse("2006-01-02", date)
	if err != nil {
		panic(err)
	}
	rec.Date = d
	if refs != "" {
		for _, ref := range bytes.Split([]byte(refs), []byte("|")) {
			rec.References = append(rec.References, string(ref))
		}
	}
	return rec
}

// withStatus returns rec with its status set.
func withStatus(rec Record, s string) Record { rec.Status = s; return rec }

// run reconciles internal against external with cfg (DefaultRules when
// cfg.Rules is empty) and fails the test on error.
func run(t testing.TB, cfg Config, internal, external []Record) *Report {
	t.Helper()
	if len(cfg.Rules) == 0 {
		cfg.Rules = DefaultRules()
	}
	rc, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := rc.Run(context.Background(), Side{Name: "internal", Records: internal}, Side{Name: "external", Records: external})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// ids maps record indexes to ids.
func ids(recs []Record, idx []int) []string {
	out := make([]string, len(idx))
	for i, k := range idx {
		out[i] = recs[k].ID
	}
	return out
}

// fataler is what csvBytes needs of *testing.T and *rapid.T.
type fataler interface {
	Helper()
	Fatal(args ...any)
}

// csvBytes renders a report's items and totals.
func csvBytes(t fataler, rep *Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := rep.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteTotalsCSV(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func mustMoney(s string) accrue.Money { return accrue.MustParseMoney(s) }
