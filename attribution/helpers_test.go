package attribution_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/attribution"
)

var (
	usd   = accrue.MustCurrency("USD")
	conv0 = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	day   = 24 * time.Hour
)

// touch builds a touchpoint age before conv0.
func touch(id, partner, channel string, kind attribution.Kind, age time.Duration) attribution.Touchpoint {
	return attribution.Touchpoint{ID: id, Partner: partner, Channel: channel, Kind: kind, Time: conv0.Add(-age)}
}

// three is the journey of the known-answer tests: 14 days, 7 days and 0 days
// before the conversion.
func three() []attribution.Touchpoint {
	return []attribution.Touchpoint{
		touch("t1", "alice", "affiliate", attribution.KindClick, 14*day),
		touch("t2", "bob", "email", attribution.KindClick, 7*day),
		touch("t3", "carol", "direct", attribution.KindClick, 0),
	}
}

func conversion(amount string, ts []attribution.Touchpoint) attribution.Conversion {
	return attribution.Conversion{ID: "c1", Customer: "dave", Time: conv0, Amount: accrue.MustParseMoney(amount), Touchpoints: ts}
}

func attribute(t testing.TB, m attribution.Model, e attribution.Eligibility, c attribution.Conversion) attribution.Result {
	t.Helper()
	a, err := attribution.New(attribution.Options{Model: m, Eligibility: e})
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.Attribute(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// credits renders credits as "id=amount(weight)" in order.
func credits(r attribution.Result) string {
	var parts []string
	for _, c := range r.Credits {
		parts = append(parts, fmt.Sprintf("%s=%s(%s)", c.TouchpointID, c.Amount.Amount().StringFixed(c.Amount.Currency().MinorUnits()), c.Weight))
	}
	if r.NoCredit != "" {
		parts = append(parts, "none:"+string(r.NoCredit))
	}
	return strings.Join(parts, " ")
}

// seqOf streams convs as a source for Stream.
func seqOf(convs []attribution.Conversion) func(yield func(attribution.Conversion, error) bool) {
	return func(yield func(attribution.Conversion, error) bool) {
		for _, c := range convs {
			if !yield(c, nil) {
				return
			}
		}
	}
}
