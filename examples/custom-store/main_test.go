package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

const wantOutput = `recorded 6 transactions in ledger.jsonl
crash simulated: 359 bytes of a half-written line left at the end
reopened: 6 transactions replayed, torn line of 359 bytes cut off

account                                     balance
assets:cash                              960.00 USD
equity:capital                          1000.00 USD
expense:commissions                       52.25 USD
liabilities:partners:p-ana:payable        12.25 USD
liabilities:partners:p-bo:payable          0.00 USD
owed to 2 partners                        12.25 USD

verify: 6 transactions, chain intact, last seq 6, last hash 2fa91c68be81…
`

// TestOutput runs the program twice on the same folder: the output is
// exact, and the second run (which finds every transaction already in the
// file and tears and repairs its end again) prints the same.
func TestOutput(t *testing.T) {
	dir := t.TempDir()
	for i := range 2 {
		var out bytes.Buffer
		if err := run(&out, dir); err != nil {
			t.Fatal(err)
		}
		if got := out.String(); got != wantOutput {
			t.Errorf("run %d printed:\n%s\nwant:\n%s", i+1, got, wantOutput)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, fileName))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(data, []byte{'\n'}); n != 7 || data[len(data)-1] != '\n' {
		t.Errorf("file has %d lines (ends in %q), want 7 complete lines: the accounts and 6 transactions", n, data[len(data)-1])
	}
}

// TestNotAFolder shows the error when -dir names a file.
func TestNotAFolder(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(&bytes.Buffer{}, file); err == nil {
		t.Error("no error for a -dir that is a file")
	}
}
