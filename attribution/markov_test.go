package attribution_test

import (
	"errors"
	"math"
	"testing"

	"github.com/accruehq/accrue/attribution"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(1, math.Abs(b)) }

// TestMarkovPublishedExample reproduces the worked example of Serhii
// Puzyrov, "Markov Chain Attribution – Simple Explanation Of Removal
// Effect" (serhiipuzyrov.com, July 2019): paths "google ads" ×2 converting,
// "mailing" ×1 converting, "google ads > mailing" ×1 converting and "google
// ads" ×1 not converting. Published figures: P(conv) = 0.8; removing
// google ads leaves 0.2 (removal effect 0.75), removing mailing leaves 0.4
// (0.5); of the 4 conversions google ads gets 4·0.75/1.25 = 2.4 and
// mailing 1.6.
func TestMarkovPublishedExample(t *testing.T) {
	p := attribution.NewPaths(attribution.ByChannel)
	for _, a := range []struct {
		path       []string
		conv, null uint64
	}{
		{[]string{"google ads"}, 2, 1},
		{[]string{"mailing"}, 1, 0},
		{[]string{"google ads", "mailing"}, 1, 0},
	} {
		if err := p.Add(a.path, a.conv, a.null); err != nil {
			t.Fatal(err)
		}
	}
	m, err := attribution.FitMarkov(p, attribution.MarkovOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what      string
		got, want float64
	}{
		{"P(conv)", m.ConversionProbability(), 0.8},
		{"RE(google ads)", m.RemovalEffect("google ads"), 0.75},
		{"RE(mailing)", m.RemovalEffect("mailing"), 0.5},
		{"conversions(google ads)", m.Conversions("google ads"), 2.4},
		{"conversions(mailing)", m.Conversions("mailing"), 1.6},
	}
	for _, c := range checks {
		if !near(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}

// TestMarkovSecondOrder: in an order-2 chain the state remembers two
// names. Paths a>b→conv and c>b→null are indistinguishable at order 1 (b
// converts half the time) but not at order 2, where only a's path
// converts: removing c changes nothing, so all credit goes to a and b.
func TestMarkovSecondOrder(t *testing.T) {
	p := attribution.NewPaths(attribution.ByChannel)
	_ = p.Add([]string{"a", "b"}, 1, 0)
	_ = p.Add([]string{"c", "b"}, 0, 1)
	m1, err := attribution.FitMarkov(p, attribution.MarkovOptions{Order: 1})
	if err != nil {
		t.Fatal(err)
	}
	m2, err := attribution.FitMarkov(p, attribution.MarkovOptions{Order: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Order 1: P = 0.5·1·0.5 + 0.5·1·0.5 = 0.5; without a 0.25 (RE 0.5),
	// without b 0 (RE 1), without c 0.25 (RE 0.5).
	for _, c := range []struct {
		m    *attribution.Markov
		name string
		want float64
	}{
		{m1, "a", 0.25}, {m1, "b", 0.5}, {m1, "c", 0.25},
		{m2, "a", 0.5}, {m2, "b", 0.5}, {m2, "c", 0},
	} {
		if got := c.m.Conversions(c.name); !near(got, c.want) {
			t.Errorf("%s: conversions(%s) = %v, want %v", c.m.Name(), c.name, got, c.want)
		}
	}
}

func TestMarkovErrors(t *testing.T) {
	p := attribution.NewPaths(attribution.ByChannel)
	if _, err := attribution.FitMarkov(p, attribution.MarkovOptions{}); !errors.Is(err, attribution.ErrNoData) {
		t.Errorf("empty: err = %v", err)
	}
	_ = p.Add([]string{"a", "b", "c"}, 1, 0)
	if _, err := attribution.FitMarkov(p, attribution.MarkovOptions{MaxStates: 2}); !errors.Is(err, attribution.ErrTooLarge) {
		t.Errorf("too many states: err = %v", err)
	}
	if err := p.Add(nil, 1, 0); !errors.Is(err, attribution.ErrNoData) {
		t.Errorf("empty path: err = %v", err)
	}
	if err := p.Add([]string{"a"}, 0, 0); !errors.Is(err, attribution.ErrNoData) {
		t.Errorf("no journeys: err = %v", err)
	}
	if err := p.AddIDs([]uint32{99}, 1, 0); !errors.Is(err, attribution.ErrNoData) {
		t.Errorf("unknown id: err = %v", err)
	}
	if err := p.Add([]string{"z"}, math.MaxUint64, 0); !errors.Is(err, attribution.ErrTooLarge) {
		t.Errorf("overflow: err = %v", err)
	}
	if p.Len() != 1 || p.Conversions() != 1 || len(p.Names()) != 3 {
		t.Errorf("refused input was recorded: %d paths, %d conversions, names %v", p.Len(), p.Conversions(), p.Names())
	}
}
