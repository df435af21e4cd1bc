package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// config is what the flags set.
type config struct {
	Seed   uint64
	Sizes  sizes
	Out    string
	Faults faults // provider faults per thousand items
}

// result is everything the steps produced, for the summary and the tests.
type result struct {
	Config      config
	Program     *program
	Attributed  *attributed
	Commissions *commissions
	Books       *books
	Payouts     *payouts
	Settlement  *settlement
	Tally       tally
	Statements  []statement
	Files       []string // written to Config.Out
}

// run generates the program and runs it through the pipeline, printing the
// summary to w and progress (if not nil) to progress.
func run(ctx context.Context, cfg config, w io.Writer, progress io.Writer) (*result, error) {
	if cfg.Sizes.Partners < 1 || cfg.Sizes.Touchpoints < 0 || cfg.Sizes.Orders < 1 {
		return nil, errors.New("sizes: need at least one partner and one order, and no negative count")
	}
	if cfg.Out == "" {
		return nil, errors.New("no output folder (-out)")
	}
	if err := os.MkdirAll(filepath.Join(cfg.Out, "statements"), 0o755); err != nil {
		return nil, err // before the work, not after it
	}
	began := time.Now() // progress display only; nothing computed reads the wall clock
	step := func(format string, args ...any) {
		if progress != nil {
			fmt.Fprintf(progress, "quickstart: %5.1fs  "+format+"\n", append([]any{time.Since(began).Seconds()}, args...)...)
		}
	}
	res := &result{Config: cfg}
	step("generating %d partners, %d touchpoints, %d orders (seed %d)", cfg.Sizes.Partners, cfg.Sizes.Touchpoints, cfg.Sizes.Orders, cfg.Seed)
	res.Program = generate(cfg.Seed, cfg.Sizes)

	step("validating and attributing %d order records", len(res.Program.Records))
	var err error
	if res.Attributed, err = attribute(ctx, res.Program); err != nil {
		return nil, fmt.Errorf("attribution: %w", err)
	}
	step("computing commissions on %d credits", len(res.Attributed.Credits))
	if res.Commissions, err = commission(ctx, res.Program, res.Attributed); err != nil {
		return nil, fmt.Errorf("commissions: %w", err)
	}
	step("recording %d lines in the ledger with a %d-day hold", len(res.Commissions.Lines), holdDays)
	if res.Books, err = record(ctx, res.Program, res.Attributed, res.Commissions); err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	step("building and approving the payout run")
	if res.Payouts, err = buildPayouts(ctx, res); err != nil {
		return nil, fmt.Errorf("payout: %w", err)
	}
	step("paying %d batches through the fake provider, with faults", len(res.Payouts.Run.Batches))
	if res.Settlement, err = settle(ctx, res, cfg.Faults); err != nil {
		return nil, fmt.Errorf("payout: %w", err)
	}
	step("tying out and verifying the ledger")
	onHold := map[string]bool{}
	for _, h := range res.Payouts.Run.Held {
		onHold[h.Partner] = true
	}
	if res.Tally, err = tieOut(ctx, res, res.Settlement.PaidByProvider, onHold); err != nil {
		return nil, fmt.Errorf("tie-out: %w", err)
	}
	step("writing statements and exports to %s", cfg.Out)
	if res.Statements, err = statements(ctx, res.Books.Ledger, res.Program.Partners); err != nil {
		return nil, err
	}
	if res.Files, err = writeFiles(ctx, res); err != nil {
		return nil, err
	}
	step("done")
	return res, writeSummary(w, res)
}
