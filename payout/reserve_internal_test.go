package payout

import (
	"math"
	"testing"

	"github.com/accruehq/accrue"
	"pgregory.net/rapid"
)

// moneyText must write exactly what Money.String writes: it goes into
// reservation metadata, which replays compare.
func TestMoneyTextIsString(t *testing.T) {
	curs := []accrue.Currency{accrue.MustCurrency("USD"), accrue.MustCurrency("JPY"), accrue.MustCurrency("KWD"), accrue.MustCurrency("CLF")}
	check := func(t interface{ Fatalf(string, ...any) }, m accrue.Money) {
		if got, want := moneyText(m), m.String(); got != want {
			t.Fatalf("moneyText = %q, String = %q", got, want)
		}
	}
	for _, units := range []int64{0, 1, -1, 9, 10, 99, 100, 101, -100, 12345, math.MaxInt64, math.MinInt64 + 1} {
		for _, c := range curs {
			check(t, accrue.FromMinorUnits(units, c))
		}
	}
	check(t, accrue.Zero(curs[0]))
	check(t, accrue.MustParseMoney("1.005 USD")) // not whole minor units
	rapid.Check(t, func(t *rapid.T) {
		c := rapid.SampledFrom(curs).Draw(t, "currency")
		check(t, accrue.FromMinorUnits(rapid.Int64().Draw(t, "units"), c))
	})
}
