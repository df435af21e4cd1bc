package payout_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/payout"
	"github.com/accruehq/accrue/payout/payouttest"
)

func TestStatementTiesOutAndRendersDeterministically(t *testing.T) {
	e := newEnv(t, nil, payout.Config{})
	e.partner("a")
	e.earn(t, "a", usd, 5000)
	e.earn(t, "a", usd, -1000) // clawback
	r := e.build(t, "r")
	e.approve(t, r)
	fake := payouttest.NewFake(e.clock, payouttest.WithName("paypal"))
	x, _ := e.svc.Executor("paypal", fake)
	if _, err := x.Execute(e.ctx, r.Batches[0].ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	if _, err := fake.Bounce(r.Batches[0].Items[0].Key, "account closed"); err != nil {
		t.Fatal(err)
	}
	for _, u := range fake.Updates(nil, 0) {
		if _, err := x.Apply(e.ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	from, to := start.AddDate(0, -1, 0), start.AddDate(0, 1, 0)
	st, err := e.svc.Statement(e.ctx, "a", "2026-11", from, to)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, l := range st.Sections[0].Lines {
		kinds = append(kinds, l.Kind)
	}
	if got, want := strings.Join(kinds, ","), "accrual,clawback,payout,returned"; got != want {
		t.Errorf("line kinds %s, want %s", got, want)
	}
	b, err := e.l.BalanceAsOf(e.ctx, "liabilities:partners:a:payable", to)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Sections[0].Closing.Equal(b.Posted) || !b.Posted.Equal(accrue.FromMinorUnits(4000, usd)) {
		t.Errorf("closing %s, ledger %s, want 40.00 USD", st.Sections[0].Closing, b.Posted)
	}
	render := func() (string, string) {
		var h, c bytes.Buffer
		if err := st.WriteHTML(&h); err != nil {
			t.Fatal(err)
		}
		if err := st.WriteCSV(&c); err != nil {
			t.Fatal(err)
		}
		return h.String(), c.String()
	}
	h1, c1 := render()
	h2, c2 := render()
	if h1 != h2 || c1 != c2 {
		t.Error("statement output is not deterministic")
	}
	golden(t, "statement.golden.html", h1)
	golden(t, "statement.golden.csv", c1)
	for _, want := range []string{"<!DOCTYPE html>", "Closing balance", "40.00", "account closed"} {
		if !strings.Contains(h1, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(h1, "<script") || strings.Contains(h1, "http") {
		t.Error("HTML is not self-contained")
	}
	if _, err := e.svc.Statement(e.ctx, "nobody", "p", from, to); err == nil {
		t.Error("statement for an unknown partner succeeded")
	}
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file; diff it or run with -update", name)
	}
}
