package reconciletest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/reconcile"
)

// record is a ledger or provider record of partner p on day (of March
// 2026) with one reference.
func record(id, ref, amount string, day int) reconcile.Record {
	return reconcile.Record{ID: id, References: []string{ref}, Amount: accrue.MustParseMoney(amount),
		Date: time.Date(2026, 3, day, 0, 0, 0, 0, time.UTC), Counterparty: "p"}
}

// testWithReconciler runs reconcile.Run against q over four days, as a
// host would: breaks raised once, a resolution respected, a break closed
// when its record arrives and raised again, open, under its next
// generation's id when that record goes away.
func testWithReconciler(t *testing.T, q reconcile.Queue) {
	ctx := context.Background()
	rc, err := reconcile.New(reconcile.Config{Rules: reconcile.DefaultRules(), Queue: q, AsOf: t0, By: "nightly"})
	if err != nil {
		t.Fatal(err)
	}
	ledger := []reconcile.Record{record("i1", "R1", "10.00 USD", 1), record("i2", "R2", "20.00 USD", 1), record("i3", "R3", "30.00 USD", 1)}
	provider := []reconcile.Record{record("e1", "R1", "10.00 USD", 2), record("e2", "R2", "21.00 USD", 2)}
	runDay := func(provider []reconcile.Record) *reconcile.Report {
		t.Helper()
		rep, err := rc.Run(ctx, reconcile.Side{Name: "ledger", Records: ledger}, reconcile.Side{Name: "provider", Records: provider})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		return rep
	}
	byReason := func(rep *reconcile.Report, reason reconcile.Reason) reconcile.Break {
		t.Helper()
		for _, b := range rep.Breaks {
			if b.Reason == reason {
				return b
			}
		}
		t.Fatalf("no %s break in %+v", reason, rep.Breaks)
		return reconcile.Break{}
	}

	// Day 1: an amount difference (i2/e2) and a missing payment (i3).
	day1 := runDay(provider)
	if day1.Raised != 2 || len(day1.Breaks) != 2 {
		t.Fatalf("day 1: raised %d of %d breaks, want 2 of 2", day1.Raised, len(day1.Breaks))
	}
	amount, missing := byReason(day1, reconcile.ReasonAmount), byReason(day1, reconcile.ReasonMissingExternal)
	for _, b := range day1.Breaks {
		wantEntry(t, q, b, nil)
	}
	if again := runDay(provider); again.Raised != 0 || len(again.Closed) != 0 || len(again.Breaks) != 2 {
		t.Fatalf("re-run of day 1: raised %d, closed %v, %d breaks; want 0, none, 2", again.Raised, again.Closed, len(again.Breaks))
	}

	// A person accepts the difference; the next run reports it resolved
	// and does not carry its records forward.
	accept := reconcile.Resolution{Kind: reconcile.AcceptDifference, By: "ana@finance", At: t0, Note: "provider fee"}
	if err := q.Resolve(ctx, amount.ID, accept); err != nil {
		t.Fatal(err)
	}
	day1b := runDay(provider)
	if got := byReason(day1b, reconcile.ReasonAmount); got.ID != amount.ID || diffResolution(&accept, got.Resolution) != "" {
		t.Fatalf("resolved break came back as %+v", got)
	}
	if day1b.Raised != 0 {
		t.Fatalf("after the resolution the run raised %d", day1b.Raised)
	}
	for _, s := range day1b.Carry() {
		for _, rec := range s.Records {
			if rec.ID == "i2" || rec.ID == "e2" {
				t.Fatalf("record %s/%s of the resolved break carried forward", s.Name, rec.ID)
			}
		}
	}

	// Day 2: the missing payment arrives; its break is closed by the run.
	day2 := runDay(append(provider, record("e3", "R3", "30.00 USD", 3)))
	if !slices.Equal(day2.Closed, []string{missing.ID}) {
		t.Fatalf("day 2 closed %v, want [%s]", day2.Closed, missing.ID)
	}
	e, found, err := q.Get(ctx, missing.ID)
	if err != nil || !found || e.Resolution == nil || e.Resolution.Kind != reconcile.MatchedLater ||
		e.Resolution.By != "nightly" || !e.Resolution.At.Equal(t0) || !slices.Equal(e.Resolution.MatchedIDs, []string{"e3"}) {
		t.Fatalf("missing break after day 2: %+v, found %v, %v; want MatchedLater by nightly naming e3", e, found, err)
	}

	// Day 3: the bank reverses e3; the missing payment is open again,
	// raised under the break's next generation (its id with ".2").
	day3 := runDay(provider)
	reopened := byReason(day3, reconcile.ReasonMissingExternal)
	if reopened.ID != missing.ID+".2" || reopened.Resolution != nil || day3.Raised != 1 {
		t.Fatalf("day 3: break %s (resolution %+v), raised %d; want %s.2 raised open", reopened.ID, reopened.Resolution, day3.Raised, missing.ID)
	}
	wantEntry(t, q, reopened, nil)
}
