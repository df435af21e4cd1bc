package accrue

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestStaticRates(t *testing.T) {
	usd, eur := MustCurrency("USD"), MustCurrency("EUR")
	d1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d2 := d1.AddDate(0, 1, 0)
	rates := NewStaticRates(
		Rate{From: usd, To: eur, Value: decimal.RequireFromString("0.95"), At: d2, Source: "b"},
		Rate{From: usd, To: eur, Value: decimal.RequireFromString("0.90"), At: d1, Source: "a"},
	)
	ctx := context.Background()
	tests := []struct {
		at   time.Time
		want string
	}{
		{d1, "a"}, {d1.Add(time.Hour), "a"}, {d2, "b"}, {d2.AddDate(1, 0, 0), "b"},
	}
	for _, tt := range tests {
		r, err := rates.Rate(ctx, usd, eur, tt.at)
		if err != nil || r.Source != tt.want {
			t.Errorf("Rate at %s = %v, %v; want source %s", tt.at, r, err, tt.want)
		}
	}
	if _, err := rates.Rate(ctx, usd, eur, d1.Add(-time.Second)); !errors.Is(err, ErrNoRate) {
		t.Errorf("before first rate: %v", err)
	}
	if _, err := rates.Rate(ctx, eur, usd, d2); !errors.Is(err, ErrNoRate) {
		t.Errorf("reverse pair: %v", err)
	}
	if r, err := rates.Rate(ctx, usd, usd, d1); err != nil || !r.Value.Equal(decimal.NewFromInt(1)) {
		t.Errorf("identity: %v, %v", r, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := rates.Rate(cancelled, usd, eur, d2); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}

	r, _ := rates.Rate(ctx, usd, eur, d1)
	if _, err := r.Convert(MustParseMoney("1.00 EUR"), HalfUp); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("Convert wrong currency: %v", err)
	}
	if m, err := r.Convert(MustParseMoney("0.05 USD"), HalfEven); err != nil || m.String() != "0.04 EUR" {
		t.Errorf("Convert = %v, %v", m, err)
	}
	if _, err := (Rate{From: usd, To: eur}).Convert(MustParseMoney("1.00 USD"), HalfUp); !errors.Is(err, ErrNoRate) {
		t.Errorf("zero rate: %v", err)
	}

	// Concurrent readers and writers.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rates.Add(Rate{From: usd, To: eur, Value: decimal.NewFromInt(1), At: d2.AddDate(0, 0, i)})
			_, _ = rates.Rate(ctx, usd, eur, d2.AddDate(0, 0, 3))
		}()
	}
	wg.Wait()
	var zero StaticRates
	zero.Add(Rate{From: usd, To: eur, Value: decimal.NewFromInt(1), At: d1})
	if _, err := zero.Rate(ctx, usd, eur, d1); err != nil {
		t.Errorf("zero StaticRates: %v", err)
	}
}

func TestClocks(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	c := NewManualClock(t0)
	if !c.Now().Equal(t0) {
		t.Fatal("NewManualClock")
	}
	if got := c.Advance(time.Hour); !got.Equal(t0.Add(time.Hour)) || !c.Now().Equal(got) {
		t.Errorf("Advance = %v", got)
	}
	c.Set(t0)
	if !c.Now().Equal(t0) {
		t.Error("Set")
	}
	var f Clock = ClockFunc(func() time.Time { return t0 })
	if !f.Now().Equal(t0) {
		t.Error("ClockFunc")
	}
}
