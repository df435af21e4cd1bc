// Command quickstart is Accrue's main job: a realistic partner program run
// end to end on the embedded defaults (in-memory ledger, fake payment
// provider), with no set-up and no network, in seconds.
//
// From a fixed seed it generates 1,000 partners in tiers, 100,000
// touchpoints and 20,000 orders over three months, with refunds,
// chargebacks, self-referrals and duplicates; validates and attributes the
// orders; computes commissions under a plan with tiers, a cap, recurring
// commission and a clawback window; records everything in a double-entry
// ledger with a 30-day hold; pays the month's batch; reconciles; and prints
// totals that tie out.
//
//	go run ./examples/quickstart [-seed N] [-partners N] [-touchpoints N] [-orders N] [-out DIR]
//
// The program is split by concept: generate.go makes the data;
// pipeline.go runs the steps — attribute.go (validation and attribution),
// commission.go (the plan), books.go (the ledger), pay.go (the payout run
// and its approvals), settle.go (execution against the fake provider,
// status updates, reconciliation) — then tally.go ties the totals out,
// statements.go sums each partner's account, summary.go prints and
// files.go writes the output folder. e2e_test.go runs generated programs
// through it all and checks that money is conserved.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	cfg := config{Faults: defaultFaults}
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed of the generated program (same seed, same output)")
	flag.IntVar(&cfg.Sizes.Partners, "partners", 1000, "number of partners")
	flag.IntVar(&cfg.Sizes.Touchpoints, "touchpoints", 100_000, "number of touchpoints")
	flag.IntVar(&cfg.Sizes.Orders, "orders", 20_000, "number of orders (subscription renewals included)")
	flag.StringVar(&cfg.Out, "out", "accrue-out", "folder the statements and the batch export are written to")
	flag.Parse()

	var progress io.Writer
	if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		progress = os.Stderr // a terminal: show the long steps
	}
	if _, err := run(context.Background(), cfg, os.Stdout, progress); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}
