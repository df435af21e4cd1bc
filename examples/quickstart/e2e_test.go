package main

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/accruehq/accrue"
	"pgregory.net/rapid"
)

// TestEndToEnd runs rapid-generated programs — partners, touchpoints,
// orders, refunds, duplicates, self-referrals and provider faults all drawn
// — through attribution, rules, the ledger, payout and reconciliation, and
// checks that money is conserved: every cent of commission is paid,
// carried forward, held or clawed back (in total, and per partner), that
// every credited order's credits sum to its amount, that the provider paid
// exactly what the ledger says and no key twice, that the ledger's hash
// chain verifies over every transaction, and that a run is reproducible.
func TestEndToEnd(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := config{
			Seed: rapid.Uint64().Draw(t, "seed"),
			Sizes: sizes{
				Partners: rapid.IntRange(1, 8).Draw(t, "partners"),
				Orders:   rapid.IntRange(1, 600).Draw(t, "orders"),
			},
			// Faults are frequent, so that the few items of a small
			// program meet them.
			Faults: faults{
				Fail:          rapid.IntRange(0, 250).Draw(t, "fail‰"),
				TimeoutBefore: rapid.IntRange(0, 250).Draw(t, "timeoutBefore‰"),
				TimeoutAfter:  rapid.IntRange(0, 250).Draw(t, "timeoutAfter‰"),
			},
		}
		// About as many touches per order as the default program, or none.
		cfg.Sizes.Touchpoints = cfg.Sizes.Orders * rapid.IntRange(0, 8).Draw(t, "touchesPerOrder")
		dir, err := os.MkdirTemp("", "accrue-e2e-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		cfg.Out = dir

		var out bytes.Buffer
		res, err := run(context.Background(), cfg, &out, nil)
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		if !res.Tally.TiesOut() {
			t.Fatalf("does not tie out: %+v", res.Tally)
		}
		checkPartners(t, res)
		for id, idx := range res.Attributed.ByOrder {
			sum := accrue.Zero(usd)
			for _, k := range idx {
				sum, _ = sum.Add(res.Attributed.Credits[k].Event.Amount)
			}
			if o := findOrder(res.Program, id); o == nil || !sum.Equal(accrue.FromMinorUnits(o.Amount, usd)) {
				t.Fatalf("order %s: credits sum to %s", id, sum)
			}
		}
		if v := res.Tally.Verified; uint64(v.Checked) != v.LastSeq {
			t.Fatalf("verified %d transactions up to seq %d", v.Checked, v.LastSeq)
		}

		var again bytes.Buffer
		if _, err := run(context.Background(), cfg, &again, nil); err != nil {
			t.Fatal(err)
		}
		if again.String() != out.String() {
			t.Fatalf("same program, different summary:\n%s\n---\n%s", out.String(), again.String())
		}
	})
}

func findOrder(p *program, id string) *order {
	for i := range p.Orders {
		if p.Orders[i].ID == id {
			return &p.Orders[i]
		}
	}
	return nil
}
