package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/rules"
)

// small is a program small enough for a unit test.
var small = sizes{Partners: 60, Touchpoints: 3000, Orders: 600}

func TestQuickstartDeterministic(t *testing.T) {
	ctx := context.Background()
	dirs := []string{t.TempDir(), t.TempDir()}
	var outs [2]string
	for i, dir := range dirs {
		if i == 1 { // the second run on one thread: output must not depend on scheduling
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		}
		var b bytes.Buffer
		if _, err := run(ctx, config{Seed: 7, Sizes: small, Out: dir, Faults: defaultFaults}, &b, nil); err != nil {
			t.Fatal(err)
		}
		outs[i] = strings.ReplaceAll(b.String(), dir, "OUT")
	}
	if outs[0] != outs[1] {
		t.Errorf("same seed, different summaries:\n%s\n---\n%s", outs[0], outs[1])
	}
	// Same seed, same files, byte for byte.
	files := 0
	err := filepath.WalkDir(dirs[0], func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dirs[0], path)
		a, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(filepath.Join(dirs[1], rel))
		if err != nil {
			return err
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs with the same seed", rel)
		}
		files++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 10 {
		t.Errorf("only %d files written", files)
	}

	var other bytes.Buffer
	if _, err := run(ctx, config{Seed: 8, Sizes: small, Out: dirs[0], Faults: defaultFaults}, &other, nil); err != nil {
		t.Fatal(err)
	}
	if strings.ReplaceAll(other.String(), dirs[0], "OUT") == outs[0] {
		t.Error("another seed printed the same summary")
	}
}

func TestQuickstartCommissionsAddUp(t *testing.T) {
	res, err := run(context.Background(), config{Seed: 3, Sizes: small, Out: t.TempDir(), Faults: defaultFaults}, &bytes.Buffer{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Commissions
	earned, clawed := accrue.Zero(usd), accrue.Zero(usd)
	for _, l := range c.Lines {
		if l.Type == rules.Clawback {
			clawed, _ = clawed.Sub(l.Amount)
		} else {
			earned, _ = earned.Add(l.Amount)
		}
	}
	if !earned.Equal(c.Earned) || !clawed.Equal(c.ClawedBack) {
		t.Errorf("lines sum to earned %s, clawed %s; summary says %s, %s", earned, clawed, c.Earned, c.ClawedBack)
	}
	if !c.Earned.IsPositive() || c.Refunds == 0 || res.Attributed.SelfReferrals == 0 {
		t.Errorf("a generated program should earn, refund and exclude self-referrals: %+v", c)
	}
	// Every credited order's credits sum to its amount.
	for id, idx := range res.Attributed.ByOrder {
		sum := accrue.Zero(usd)
		for _, k := range idx {
			sum, _ = sum.Add(res.Attributed.Credits[k].Event.Amount)
		}
		for _, o := range res.Program.Orders {
			if o.ID == id && !sum.Equal(accrue.FromMinorUnits(o.Amount, usd)) {
				t.Errorf("order %s: credits sum to %s, order is %d cents", id, sum, o.Amount)
			}
		}
	}
}

func TestQuickstartBadInput(t *testing.T) {
	for _, sz := range []sizes{{Partners: 0, Orders: 10}, {Partners: 10, Orders: 0}, {Partners: 10, Touchpoints: -1, Orders: 10}} {
		if _, err := run(context.Background(), config{Seed: 1, Sizes: sz, Out: t.TempDir()}, &bytes.Buffer{}, nil); err == nil {
			t.Errorf("sizes %+v: no error", sz)
		}
	}
	// An output folder that cannot be made, and a cancelled context, are
	// errors, not panics.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := run(context.Background(), config{Seed: 1, Sizes: small, Out: filepath.Join(file, "out")}, &bytes.Buffer{}, nil); err == nil {
		t.Error("no error for an output folder under a file")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := run(ctx, config{Seed: 1, Sizes: small, Out: t.TempDir()}, &bytes.Buffer{}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v", err)
	}
	if _, err := os.Stat(filepath.Join("accrue-out")); err == nil {
		t.Error("tests must not write to the default output folder")
	}
}

func TestQuickstartTiesOut(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		var out bytes.Buffer
		res, err := run(context.Background(), config{Seed: seed, Sizes: small, Out: t.TempDir(), Faults: faults{Fail: 50, TimeoutBefore: 50, TimeoutAfter: 50}}, &out, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Tally.TiesOut() {
			t.Errorf("seed %d: does not tie out: %+v", seed, res.Tally)
		}
		if !bytes.Contains(out.Bytes(), []byte("ties out: yes")) {
			t.Errorf("seed %d: summary does not say it ties out:\n%s", seed, out.String())
		}
		if res.Tally.Verified.Checked == 0 {
			t.Errorf("seed %d: ledger verification checked nothing", seed)
		}
		checkPartners(t, res)
	}
}

// checkPartners asserts conservation per partner and exactly-once payment:
// each partner's earned less clawed back is paid, payable or pending; the
// provider paid what the ledger says was paid, and no key twice.
func checkPartners(t interface {
	Helper()
	Errorf(string, ...any)
}, res *result) {
	t.Helper()
	paid := accrue.Zero(usd)
	for _, st := range res.Statements {
		net, _ := st.Earned.Sub(st.ClawedBack)
		sum, _ := st.Paid.Add(st.Closing)
		sum, _ = sum.Add(st.Pending)
		if !net.Equal(sum) {
			t.Errorf("%s: earned %s - clawed back %s != paid %s + payable %s + pending %s", st.Partner, st.Earned, st.ClawedBack, st.Paid, st.Closing, st.Pending)
		}
		paid, _ = paid.Add(st.Paid)
	}
	if !paid.Equal(res.Settlement.PaidByProvider) {
		t.Errorf("ledger says %s paid, provider says %s", paid, res.Settlement.PaidByProvider)
	}
	if res.Settlement.MaxPaid > 1 {
		t.Errorf("a key was paid %d times", res.Settlement.MaxPaid)
	}
}
