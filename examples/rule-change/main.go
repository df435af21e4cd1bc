// Command rule-change shows how a commission plan change is reviewed before
// it ships, and guarded in CI after.
//
// A program manager edits the reseller plan for April (plans/*.json): the
// top volume tier rises from 10% to 12%, and a new cap limits any partner to
// 600.00 USD a month. Before the new version goes live, the host replays
// last month's events under both versions with rules.Diff and reads the
// result: totals per partner and per rule before and after, and each event
// whose lines changed with the explanation of both outcomes. Raising a rate
// can lower someone's pay once a cap is added; the review shows who, by how
// much and why.
//
// ci_test.go is the property test a host adds to its CI for the plan: the
// ready-made properties of rules/rulestest (caps never exceeded, nothing
// negative but clawbacks, a full refund nets to zero, deterministic, the
// change touches only the events Diff reports) over generated events, and
// one property of this change of its own.
//
//	go run ./examples/rule-change [-old FILE -new FILE]
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/rules"
)

// plans holds the versions under review: in a host they live in its
// repository, and the change is a pull request that edits one.
//
//go:embed plans/*.json
var plans embed.FS

const (
	oldFile = "plans/reseller-2026-03.json"
	newFile = "plans/reseller-2026-04.json"
)

func main() {
	oldPath := flag.String("old", "", "plan version in force (default: the embedded "+oldFile+")")
	newPath := flag.String("new", "", "plan version proposed (default: the embedded "+newFile+")")
	flag.Parse()
	oldJSON, err := readPlan(*oldPath, oldFile)
	if err == nil {
		var newJSON []byte
		if newJSON, err = readPlan(*newPath, newFile); err == nil {
			err = run(os.Stdout, oldJSON, newJSON, marchEvents())
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rule-change:", err)
		os.Exit(1)
	}
}

// readPlan reads the plan file at path, or the embedded one if path is "".
func readPlan(path, embedded string) ([]byte, error) {
	if path == "" {
		return plans.ReadFile(embedded)
	}
	return os.ReadFile(path)
}

// run compiles both versions, diffs them over events and prints the review.
func run(w io.Writer, oldJSON, newJSON []byte, events []rules.Event) error {
	old, err := rules.LoadPlan(oldJSON)
	if err != nil {
		return err
	}
	proposed, err := rules.LoadPlan(newJSON)
	if err != nil {
		return err
	}
	if old.ID() != proposed.ID() {
		return fmt.Errorf("%s and %s are different plans, not two versions of one", old.ID(), proposed.ID())
	}
	rep, err := rules.Diff(context.Background(), old, proposed, events)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "review of plan %s: %s → %s\n", old.ID(), old.Plan().Version, proposed.Plan().Version)
	if err := summarize(w, rep); err != nil {
		return err
	}
	fmt.Fprintln(w)
	rep.WriteText(w)
	for _, ch := range rep.Changed {
		fmt.Fprintf(w, "\nwhy %s changed\n", ch.Event)
		fmt.Fprintf(w, "before (%s):\n", old.Plan().Version)
		ch.BeforeExplanation.WriteText(w)
		fmt.Fprintf(w, "after (%s):\n", proposed.Plan().Version)
		ch.AfterExplanation.WriteText(w)
	}
	return nil
}

// summarize prints who gains, who loses and what the program costs before
// and after: the lines a program manager reads first.
func summarize(w io.Writer, rep *rules.DiffReport) error {
	var gain, lose, same int
	var before, after accrue.Money
	for i, p := range rep.Partners {
		if i == 0 {
			before, after = accrue.Zero(p.Before.Currency()), accrue.Zero(p.After.Currency())
		}
		c, err := p.After.Cmp(p.Before)
		if err != nil {
			return err
		}
		switch c {
		case 1:
			gain++
		case -1:
			lose++
		default:
			same++
		}
		if before, err = before.Add(p.Before); err != nil {
			return err
		}
		if after, err = after.Add(p.After); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "summary: partners earning more %d, less %d, the same %d; program cost %s → %s\n",
		gain, lose, same, before, after)
	return nil
}
