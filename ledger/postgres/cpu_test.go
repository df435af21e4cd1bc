package postgres

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/accruehq/accrue/internal/cputime"
)

// cpuMeter measures the CPU time a benchmark costs on both sides of the
// connection: this process (the ledger, pgx, the garbage collector) and,
// when the server runs on this machine, the server's processes. Throughput
// on a small shared machine swings with its neighbours; CPU time per
// transfer is the work itself, and says what a throughput target needs:
// n cores at 100% carry at most n / (cpu per transfer) transfers a second.
type cpuMeter struct {
	client, server time.Duration
	clientOK       bool
	serverOK       bool
}

// measure runs f and records the CPU time both sides spent meanwhile.
func (m *cpuMeter) measure(f func()) {
	c0, cok := cputime.Process()
	s0, sok := serverCPU()
	f()
	c1, _ := cputime.Process()
	s1, _ := serverCPU()
	m.client, m.clientOK = c1-c0, cok
	m.server, m.serverOK = s1-s0, sok && s1 >= s0
}

// report adds the per-transfer figures to b's result: client-µs/transfer
// and, when known, server-µs/transfer.
func (m *cpuMeter) report(b *testing.B, transfers int) {
	if transfers <= 0 {
		return
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(transfers) }
	if m.clientOK {
		b.ReportMetric(per(m.client), "client-µs/transfer")
	}
	if m.serverOK {
		b.ReportMetric(per(m.server), "server-µs/transfer")
	}
}

// clockTick is the unit of the CPU times in /proc/<pid>/stat (USER_HZ,
// 100 on every Linux platform Go supports).
const clockTick = 10 * time.Millisecond

// serverCPU returns the CPU time used so far by the PostgreSQL server on
// this machine: the user and system time of every live process named
// postgres plus the time of the children they have reaped (the postmaster
// collects that of exited backends), so the difference between two
// readings counts every process of the interval, short-lived ones too. It
// reports false where there is no /proc or no such process (a server
// elsewhere): the figure is then unknown, not zero.
func serverCPU() (time.Duration, bool) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return 0, false
	}
	var ticks int64
	found := false
	for _, p := range stats {
		t, ok := postgresTicks(p)
		if ok {
			ticks += t
			found = true
		}
	}
	return time.Duration(ticks) * clockTick, found
}

// postgresTicks returns utime+stime+cutime+cstime of the process whose
// stat file is path, if it is a postgres process.
func postgresTicks(path string) (int64, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false // exited meanwhile: its time is in its parent's
	}
	open, end := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
	if open < 0 || end < open || string(data[open+1:end]) != "postgres" {
		return 0, false
	}
	// After the name: state, ppid, ... utime is field 14 of the file,
	// the 12th after the name; stime, cutime, cstime follow.
	fields := bytes.Fields(data[end+1:])
	if len(fields) < 15 {
		return 0, false
	}
	var sum int64
	for _, f := range fields[11:15] {
		n, err := strconv.ParseInt(string(f), 10, 64)
		if err != nil {
			return 0, false
		}
		sum += n
	}
	return sum, true
}

func TestPostgresTicks(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, stat string
		want       int64
		ok         bool
	}{
		{"backend", "4242 (postgres) S 900 900 900 0 -1 4194560 1 0 0 0 120 30 0 0 20 0 1 0", 150, true},
		{"postmaster with reaped children", "900 (postgres) S 1 900 900 0 -1 4194560 1 0 0 0 5 2 700 90 20 0 1 0", 797, true},
		{"other process", "77 (pg.test) R 1 77 77 0 -1 4194560 1 0 0 0 500 50 0 0 20 0 1 0", 0, false},
		{"name with a parenthesis", "78 (x) postgres) R 1 77 77 0 -1 4194560 1 0 0 0 500 50 0 0 20 0 1 0", 0, false},
		{"truncated", "79 (postgres) S 1 2 3", 0, false},
		{"garbled number", "80 (postgres) S 900 900 900 0 -1 4194560 1 0 0 0 x 30 0 0 20 0 1 0", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := postgresTicks(write(tc.name, tc.stat))
			if got != tc.want || ok != tc.ok {
				t.Fatalf("postgresTicks = %d, %v; want %d, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	if _, ok := postgresTicks(filepath.Join(dir, "gone")); ok {
		t.Fatal("a missing stat file counted")
	}
}
