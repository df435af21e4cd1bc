package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestQuickstartTiesOut(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(&out, dir, "0.20"); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if n := strings.Count(text, "ties out: true"); n != 3 {
		t.Errorf("%d currencies tie out, want 3:\n%s", n, text)
	}
	if strings.Contains(text, "ties out: false") {
		t.Errorf("a split does not tie out:\n%s", text)
	}
	for _, want := range []string{"p-bo       1  6.67 USD", "p-dee      1  6.66 USD", "commission 10.00 USD (exact 9.998 USD)"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	f, err := os.Open(filepath.Join(dir, "commission-lines.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 11 {
		t.Errorf("%d CSV rows, want a header and 10 lines", len(rows))
	}

	// Same input, same bytes.
	var again bytes.Buffer
	if err := run(&again, dir, "0.20"); err != nil {
		t.Fatal(err)
	}
	if again.String() != text {
		t.Error("second run printed different output")
	}
}

func TestQuickstartBadRate(t *testing.T) {
	if err := run(&bytes.Buffer{}, t.TempDir(), "twenty"); err == nil {
		t.Error("no error for a rate that is not a number")
	}
}
