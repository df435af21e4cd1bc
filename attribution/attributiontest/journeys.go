package attributiontest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/attribution"
	"github.com/accruehq/accrue/internal/racer"
)

// NewJourneySource returns a source holding exactly journeys (touchpoints
// by customer).
type NewJourneySource func(t *testing.T, journeys map[string][]attribution.Touchpoint) attribution.JourneySource

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// touch is a touchpoint of partner on channel h hours after t0.
func touch(id, partner, channel string, h int) attribution.Touchpoint {
	return attribution.Touchpoint{ID: id, Partner: partner, Channel: channel, Kind: attribution.KindClick,
		Time: t0.Add(time.Duration(h) * time.Hour), Campaign: "spring", Source: "tracker"}
}

// journeys are the journeys most subtests seed: ana's five touches (two at
// the same time), bo's two, and none for cy.
func journeys() map[string][]attribution.Touchpoint {
	full := touch("a5", "p3", "email", 40)
	full.Device, full.Milestone = "ios-17", attribution.Milestone("sql")
	full.Metadata = map[string]string{"utm_source": "newsletter", "ab": "b"}
	return map[string][]attribution.Touchpoint{
		"ana": {touch("a1", "p1", "affiliate", 0), touch("a2", "p2", "review", 10), touch("a3", "p1", "affiliate", 20),
			touch("a4", "p2", "social", 20), full},
		"bo": {touch("b1", "p1", "affiliate", 5), touch("b2", "p4", "coupon", 30)},
	}
}

// sameSet compares journeys as sets of touchpoints, with times by Equal.
var sameSet = gocmp.Options{
	cmpopts.SortSlices(func(a, b attribution.Touchpoint) bool {
		return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.ID, b.ID)) < 0
	}),
	cmpopts.EquateEmpty(),
}

// RunJourneySourceConformance checks an attribution.JourneySource against
// its contract (see the package documentation); newSource returns a source
// holding exactly the journeys given.
func RunJourneySourceConformance(t *testing.T, newSource NewJourneySource) {
	t.Helper()
	t.Run("AtOrBefore", func(t *testing.T) { testAtOrBefore(t, newSource(t, journeys())) })
	t.Run("Customers", func(t *testing.T) { testCustomers(t, newSource(t, journeys())) })
	t.Run("Fields", func(t *testing.T) { testFields(t, newSource(t, journeys())) })
	t.Run("Zones", func(t *testing.T) { testZones(t, newSource(t, journeys())) })
	t.Run("Context", func(t *testing.T) { testContext(t, newSource(t, journeys())) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, newSource(t, journeys())) })
	t.Run("Model", func(t *testing.T) { testModel(t, newSource) })
	t.Run("WithAttributor", func(t *testing.T) { testWithAttributor(t, newSource(t, journeys())) })
}

// fataler is what the checks need of a *testing.T or a *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// upTo returns the touches of all at or before at.
func upTo(all []attribution.Touchpoint, at time.Time) []attribution.Touchpoint {
	var out []attribution.Touchpoint
	for _, tp := range all {
		if !tp.Time.After(at) {
			out = append(out, tp)
		}
	}
	return out
}

// want fails t unless src's journey of customer before at is exactly want
// (as a set).
func want(t fataler, src attribution.JourneySource, customer string, at time.Time, want []attribution.Touchpoint) {
	t.Helper()
	got, err := src.Journey(context.Background(), customer, at)
	if err != nil {
		t.Fatalf("Journey %s before %s: %v", customer, at.Format(time.RFC3339Nano), err)
	}
	if d := gocmp.Diff(want, got, sameSet); d != "" {
		t.Fatalf("Journey %s before %s (-want +got):\n%s", customer, at.Format(time.RFC3339Nano), d)
	}
}

func testAtOrBefore(t *testing.T, src attribution.JourneySource) {
	ana := journeys()["ana"]
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	cases := []struct {
		name string
		at   time.Time
	}{
		{"before every touch", h(0).Add(-time.Nanosecond)},
		{"at the first touch", h(0)},
		{"between touches", h(15)},
		{"a nanosecond before two touches at one time", h(20).Add(-time.Nanosecond)},
		{"at two touches at one time", h(20)},
		{"at the last touch", h(40)},
		{"long after", h(24 * 365)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { want(t, src, "ana", c.at, upTo(ana, c.at)) })
	}
}

func testCustomers(t *testing.T, src attribution.JourneySource) {
	js := journeys()
	at := t0.Add(100 * time.Hour)
	want(t, src, "bo", at, js["bo"])
	want(t, src, "ana", at, js["ana"])
	want(t, src, "cy", at, nil) // unknown: nothing, and no error
	want(t, src, "", at, nil)
}

func testFields(t *testing.T, src attribution.JourneySource) {
	got, err := src.Journey(context.Background(), "ana", t0.Add(40*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	full := journeys()["ana"][4]
	for _, tp := range got {
		if tp.ID == full.ID {
			if d := gocmp.Diff(full, tp); d != "" {
				t.Fatalf("touch %s as stored (-want +got):\n%s", full.ID, d)
			}
			return
		}
	}
	t.Fatalf("touch %s missing from %+v", full.ID, got)
}

func testZones(t *testing.T, src attribution.JourneySource) {
	ana := journeys()["ana"]
	for _, zone := range []*time.Location{time.FixedZone("UTC+14", 14*3600), time.FixedZone("UTC-12", -12*3600)} {
		at := t0.Add(20 * time.Hour)
		want(t, src, "ana", at.In(zone), upTo(ana, at))
		want(t, src, "ana", at.Add(-time.Nanosecond).In(zone), upTo(ana, at.Add(-time.Nanosecond)))
	}
}

func testContext(t *testing.T, src attribution.JourneySource) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got, err := src.Journey(ctx, "ana", t0.Add(time.Hour)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Journey with a cancelled context: %d touches, %v; want an error wrapping context.Canceled", len(got), err)
	}
}

func testConcurrent(t *testing.T, src attribution.JourneySource) {
	js := journeys()
	err := racer.Run(8, 40, func(g, i int) error {
		customer := []string{"ana", "bo"}[(g+i)%2]
		at := t0.Add(time.Duration((g*40+i)%45) * time.Hour)
		got, err := src.Journey(context.Background(), customer, at)
		if err != nil {
			return err
		}
		if d := gocmp.Diff(upTo(js[customer], at), got, sameSet); d != "" {
			return fmt.Errorf("journey of %s before %s (-want +got):\n%s", customer, at.Format(time.RFC3339), d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testModel seeds random journeys and checks random lookups against the
// rule: the customer's touches at or before the time.
func testModel(t *testing.T, newSource NewJourneySource) {
	rapid.Check(t, func(rt *rapid.T) {
		customers := []string{"c0", "c1", "c2"}
		js := map[string][]attribution.Touchpoint{}
		n := 0
		for _, c := range customers[:2] { // c2 has no journey
			for range rapid.IntRange(0, 8).Draw(rt, "touches") {
				n++
				tp := touch(fmt.Sprintf("t%d", n), rapid.SampledFrom([]string{"p1", "p2", "p3"}).Draw(rt, "partner"),
					rapid.SampledFrom([]string{"affiliate", "email"}).Draw(rt, "channel"), rapid.IntRange(0, 48).Draw(rt, "hour"))
				js[c] = append(js[c], tp)
			}
		}
		src := newSource(t, js)
		for range 8 {
			c := rapid.SampledFrom(customers).Draw(rt, "customer")
			at := t0.Add(time.Duration(rapid.IntRange(-2, 50).Draw(rt, "at")) * time.Hour)
			want(rt, src, c, at, upTo(js[c], at))
		}
	})
}

// testWithAttributor attributes ana's and bo's conversions with three
// models through the source and with their journeys (up to the conversion)
// given, and compares the results.
func testWithAttributor(t *testing.T, src attribution.JourneySource) {
	ctx := context.Background()
	js := journeys()
	for _, model := range []attribution.Model{attribution.LastTouch(), attribution.Linear(), attribution.UShaped()} {
		viaSource, err := attribution.New(attribution.Options{Model: model, Journeys: src})
		if err != nil {
			t.Fatal(err)
		}
		inline, err := attribution.New(attribution.Options{Model: model})
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range []attribution.Conversion{
			{ID: "o1", Customer: "ana", Time: t0.Add(20 * time.Hour), Amount: accrue.MustParseMoney("100.00 USD")},
			{ID: "o2", Customer: "ana", Time: t0.Add(60 * time.Hour), Amount: accrue.MustParseMoney("59.99 USD")},
			{ID: "o3", Customer: "bo", Time: t0.Add(31 * time.Hour), Amount: accrue.MustParseMoney("10.01 EUR")},
		} {
			got, err := viaSource.Attribute(ctx, c)
			if err != nil {
				t.Fatalf("%s, conversion %d through the source: %v", model.Name(), i, err)
			}
			c.Touchpoints = append([]attribution.Touchpoint{}, upTo(js[c.Customer], c.Time)...)
			want, err := inline.Attribute(ctx, c)
			if err != nil {
				t.Fatalf("%s, conversion %d with its journey: %v", model.Name(), i, err)
			}
			if d := gocmp.Diff(want, got, gocmp.Comparer(func(a, b accrue.Money) bool { return a.Equal(b) }), cmpopts.EquateEmpty()); d != "" {
				t.Fatalf("%s, conversion %d: through the source (-journey given +source):\n%s", model.Name(), i, d)
			}
		}
	}
}
