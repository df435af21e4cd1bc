package accruetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/internal/racer"
)

// NewRateSource returns a source holding exactly rates.
type NewRateSource func(t *testing.T, rates []accrue.Rate) accrue.RateSource

var (
	usd = accrue.MustCurrency("USD")
	eur = accrue.MustCurrency("EUR")
	gbp = accrue.MustCurrency("GBP")
	jpy = accrue.MustCurrency("JPY")
	day = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
)

// rate is the rate from→to of value (a decimal string) from day+h hours,
// published by source.
func rate(from, to accrue.Currency, value string, h int, source string) accrue.Rate {
	return accrue.Rate{From: from, To: to, Value: decimal.RequireFromString(value), At: day.Add(time.Duration(h) * time.Hour), Source: source}
}

// seeded are the rates most subtests seed: USD→EUR three times, EUR→USD
// once (a direction of its own), GBP→EUR once.
var seeded = []accrue.Rate{
	rate(usd, eur, "0.9100", 0, "ecb"),
	rate(usd, eur, "0.9234567891", 24, "ecb"),
	rate(usd, eur, "0.95", 72, "treasury"),
	rate(eur, usd, "1.0850", 12, "ecb"),
	rate(gbp, eur, "1.17", 0, "ecb"),
}

// RunRateSourceConformance checks an accrue.RateSource against its
// contract (see the package documentation); newSource returns a source
// holding exactly the rates given.
func RunRateSourceConformance(t *testing.T, newSource NewRateSource) {
	t.Helper()
	t.Run("InForce", func(t *testing.T) { testInForce(t, newSource(t, slices.Clone(seeded))) })
	t.Run("Unknown", func(t *testing.T) { testUnknown(t, newSource(t, slices.Clone(seeded))) })
	t.Run("Exact", func(t *testing.T) { testExact(t, newSource) })
	t.Run("Zones", func(t *testing.T) { testZones(t, newSource(t, slices.Clone(seeded))) })
	t.Run("Units", func(t *testing.T) { testUnits(t, newSource) })
	t.Run("Context", func(t *testing.T) { testContext(t, newSource(t, slices.Clone(seeded))) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, newSource(t, slices.Clone(seeded))) })
	t.Run("Model", func(t *testing.T) { testModel(t, newSource) })
}

// fataler is what the checks need of a *testing.T or a *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// want fails t unless src's rate from→to at at is want (nil: ErrNoRate).
func want(t fataler, src accrue.RateSource, from, to accrue.Currency, at time.Time, want *accrue.Rate) {
	t.Helper()
	got, err := src.Rate(context.Background(), from, to, at)
	if msg := diffRate(want, got, err); msg != "" {
		t.Fatalf("Rate %s→%s at %s: %s", from.Code(), to.Code(), at.Format(time.RFC3339), msg)
	}
}

// diffRate says how (got, err) differs from want (nil: an ErrNoRate
// error), or "".
func diffRate(want *accrue.Rate, got accrue.Rate, err error) string {
	switch {
	case want == nil && errors.Is(err, accrue.ErrNoRate):
		return ""
	case want == nil:
		return fmt.Sprintf("got %+v, %v; want an error wrapping accrue.ErrNoRate", got, err)
	case err != nil:
		return fmt.Sprintf("error %v; want %s", err, show(*want))
	case got.From != want.From || got.To != want.To || !got.At.Equal(want.At) || got.Source != want.Source ||
		!got.Value.Equal(want.Value):
		return fmt.Sprintf("got %s; want %s", show(got), show(*want))
	}
	return ""
}

func show(r accrue.Rate) string {
	return fmt.Sprintf("%s→%s %s at %s from %q", r.From.Code(), r.To.Code(), r.Value, r.At.Format(time.RFC3339), r.Source)
}

func testInForce(t *testing.T, src accrue.RateSource) {
	h := func(n int) time.Time { return day.Add(time.Duration(n) * time.Hour) }
	cases := []struct {
		name string
		at   time.Time
		want *accrue.Rate
	}{
		{"before the first rate", h(0).Add(-time.Nanosecond), nil},
		{"at the first rate", h(0), &seeded[0]},
		{"between the first two", h(23), &seeded[0]},
		{"a nanosecond before the second", h(24).Add(-time.Nanosecond), &seeded[0]},
		{"at the second", h(24), &seeded[1]},
		{"between the second and third", h(50), &seeded[1]},
		{"at the third", h(72), &seeded[2]},
		{"long after the last", h(24 * 400), &seeded[2]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { want(t, src, usd, eur, c.at, c.want) })
	}
	// The opposite direction is a pair of its own.
	want(t, src, eur, usd, h(11), nil)
	want(t, src, eur, usd, h(12), &seeded[3])
	want(t, src, gbp, eur, h(100), &seeded[4])
}

func testUnknown(t *testing.T, src accrue.RateSource) {
	want(t, src, gbp, jpy, day.Add(48*time.Hour), nil)
	want(t, src, jpy, gbp, day.Add(48*time.Hour), nil)
}

func testExact(t *testing.T, newSource NewRateSource) {
	// Values a float64 would not keep: many digits, tiny, huge.
	values := []string{"0.123456789012345678901234567", "0.00000000000000000001", "123456789012345678901234.5", "1"}
	var rates []accrue.Rate
	for i, v := range values {
		rates = append(rates, rate(usd, eur, v, 24*i, fmt.Sprintf("feed-%d", i)))
	}
	src := newSource(t, slices.Clone(rates))
	for i := range rates {
		want(t, src, usd, eur, rates[i].At.Add(time.Hour), &rates[i])
	}
}

func testZones(t *testing.T, src accrue.RateSource) {
	for _, zone := range []*time.Location{time.FixedZone("UTC+14", 14*3600), time.FixedZone("UTC-12", -12*3600)} {
		want(t, src, usd, eur, day.Add(24*time.Hour).In(zone), &seeded[1])
		want(t, src, usd, eur, day.Add(24*time.Hour-time.Second).In(zone), &seeded[0])
	}
}

func testUnits(t *testing.T, newSource NewRateSource) {
	pts, err := accrue.NewUnit("PTS", 0)
	if err != nil {
		t.Fatal(err)
	}
	r := rate(pts, usd, "0.01", 0, "program")
	src := newSource(t, []accrue.Rate{r})
	want(t, src, pts, usd, day.Add(time.Hour), &r)
	want(t, src, pts, eur, day.Add(time.Hour), nil)
}

func testContext(t *testing.T, src accrue.RateSource) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if r, err := src.Rate(ctx, usd, eur, day.Add(time.Hour)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Rate with a cancelled context: %+v, %v; want an error wrapping context.Canceled", r, err)
	}
}

func testConcurrent(t *testing.T, src accrue.RateSource) {
	err := racer.Run(8, 50, func(g, i int) error {
		h := (g*50 + i) % 100
		w := &seeded[0]
		switch {
		case h >= 72:
			w = &seeded[2]
		case h >= 24:
			w = &seeded[1]
		}
		got, err := src.Rate(context.Background(), usd, eur, day.Add(time.Duration(h)*time.Hour))
		if msg := diffRate(w, got, err); msg != "" {
			return fmt.Errorf("hour %d: %s", h, msg)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testModel seeds random rates of two pairs at distinct random times and
// checks random queries against the rule: the latest rate of the pair at
// or before the time, else ErrNoRate.
func testModel(t *testing.T, newSource NewRateSource) {
	rapid.Check(t, func(rt *rapid.T) {
		pairs := [][2]accrue.Currency{{usd, eur}, {eur, usd}}
		var rates []accrue.Rate
		for p, pair := range pairs {
			hours := rapid.SliceOfNDistinct(rapid.IntRange(0, 500), 0, 8, rapid.ID[int]).Draw(rt, fmt.Sprintf("hours%d", p))
			for _, h := range hours {
				v := decimal.New(rapid.Int64Range(1, 1_000_000_000).Draw(rt, "coef"), -rapid.Int32Range(0, 12).Draw(rt, "exp"))
				rates = append(rates, accrue.Rate{From: pair[0], To: pair[1], Value: v, At: day.Add(time.Duration(h) * time.Hour), Source: fmt.Sprintf("s%d", h)})
			}
		}
		src := newSource(t, slices.Clone(rates))
		for range 10 {
			p := rapid.IntRange(0, 1).Draw(rt, "pair")
			at := day.Add(time.Duration(rapid.IntRange(-10, 520).Draw(rt, "hour")) * time.Hour)
			var best *accrue.Rate
			for i := range rates {
				r := &rates[i]
				if r.From == pairs[p][0] && r.To == pairs[p][1] && !r.At.After(at) && (best == nil || r.At.After(best.At)) {
					best = r
				}
			}
			want(rt, src, pairs[p][0], pairs[p][1], at, best)
		}
	})
}
