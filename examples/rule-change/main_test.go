package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accruehq/accrue/rules"
)

var update = flag.Bool("update", false, "rewrite testdata/review.golden with the program's output")

// TestReview checks the review the program prints, byte for byte, against
// testdata/review.golden (go test -update rewrites it after a deliberate
// change).
func TestReview(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, mustRead(t, oldFile), mustRead(t, newFile), marchEvents()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "review.golden")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != string(want) {
		t.Errorf("review differs from %s (go test -update to accept):\n%s", golden, got)
	}
}

// TestBrokenPlanIsRefused shows what a pull request that breaks the plan
// gets: the rule, the field and the position of the mistake.
func TestBrokenPlanIsRefused(t *testing.T) {
	broken := strings.Replace(string(mustRead(t, newFile)), "event.product == 'x-200'", "event.prodcut == 'x-200'", 1)
	err := run(&bytes.Buffer{}, mustRead(t, oldFile), []byte(broken), marchEvents())
	var ce *rules.CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("error = %v, want a *rules.CompileError", err)
	}
	if ce.Rule != "x200-launch" || ce.Field != "when" || ce.Line != 1 || ce.Column != 7 || !strings.Contains(err.Error(), "prodcut") {
		t.Errorf("error %q names rule %q field %q at %d:%d, want x200-launch when 1:7 and the bad name", err, ce.Rule, ce.Field, ce.Line, ce.Column)
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := readPlan("", name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPlansFromFiles runs the review on plan files given by path, as -old
// and -new do, and refuses to compare two different plans.
func TestPlansFromFiles(t *testing.T) {
	dir := t.TempDir()
	oldPath, newPath := filepath.Join(dir, "old.json"), filepath.Join(dir, "new.json")
	other := strings.Replace(string(mustRead(t, newFile)), `"id": "reseller"`, `"id": "affiliate"`, 1)
	if err := os.WriteFile(oldPath, mustRead(t, oldFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(newPath, []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	oldJSON, err := readPlan(oldPath, oldFile)
	if err != nil {
		t.Fatal(err)
	}
	newJSON, err := readPlan(newPath, newFile)
	if err != nil {
		t.Fatal(err)
	}
	err = run(&bytes.Buffer{}, oldJSON, newJSON, marchEvents())
	if want := "reseller and affiliate are different plans, not two versions of one"; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
	if _, err := readPlan(filepath.Join(dir, "missing.json"), oldFile); err == nil {
		t.Error("no error for a missing plan file")
	}
}
