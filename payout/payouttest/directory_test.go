package payouttest_test

import (
	"testing"

	"github.com/accruehq/accrue/payout"
	"github.com/accruehq/accrue/payout/payouttest"
)

func TestPartnerMapConformance(t *testing.T) {
	payouttest.RunDirectoryConformance(t, func(t *testing.T, partners []payout.Partner) payout.Directory {
		m := payout.PartnerMap{}
		for _, p := range partners {
			m[p.ID] = p
		}
		return m
	})
}
