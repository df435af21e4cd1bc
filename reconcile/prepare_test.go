package reconcile

import (
	"testing"
	"time"
)

func TestDayNumber(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("EST", -5*3600)
	}
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), "2026-03-01"},
		{time.Date(2026, 3, 1, 23, 59, 59, 999, time.UTC), "2026-03-01"},
		{time.Date(2026, 3, 1, 22, 0, 0, 0, ny), "2026-03-01"},
		{time.Date(2026, 3, 2, 0, 30, 0, 0, time.FixedZone("CET", 3600)), "2026-03-02"},
		{time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC), "1969-12-31"},
		{time.Date(1900, 1, 1, 12, 0, 0, 0, time.UTC), "1900-01-01"},
	}
	for _, tt := range tests {
		if got := dayTime(dayNumber(tt.t)).Format("2006-01-02"); got != tt.want {
			t.Errorf("dayNumber(%v) = %s; want %s", tt.t, got, tt.want)
		}
	}
}

func TestMinorUnits(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"12.34 USD", 1234, true}, {"12.3 USD", 1230, true}, {"12.340000 USD", 1234, true},
		{"100 JPY", 100, true}, {"0.001 KWD", 1, true}, {"-7 EUR", -700, true}, {"0 USD", 0, true},
		{"12.345 USD", 0, false}, {"90071992547409.93 USD", 0, false},
		{"90071992547409.92 USD", 1 << 53, true}, {"123456789012345678901234.5 USD", 0, false},
	} {
		got, err := minorUnits(mustMoney(tt.in))
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("minorUnits(%s) = %d, %v; want %d ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
