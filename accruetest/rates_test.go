package accruetest_test

import (
	"testing"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/accruetest"
)

func TestStaticRatesConformance(t *testing.T) {
	accruetest.RunRateSourceConformance(t, func(t *testing.T, rates []accrue.Rate) accrue.RateSource {
		return accrue.NewStaticRates(rates...)
	})
}
