package attribution_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/accruehq/accrue/attribution"
)

// TestShapleyGloveGame is the glove game, the worked example of the Shapley
// value in M. J. Osborne and A. Rubinstein, "A Course in Game Theory" (MIT
// Press, 1994) and in the Wikipedia article "Shapley value" (section "Glove
// game"): players 1 and 2 hold a left glove, player 3 a right glove, and a
// coalition is worth 1 if it holds a pair. Published values: 1/6, 1/6, 2/3.
func TestShapleyGloveGame(t *testing.T) {
	v := func(c *attribution.Coalition) float64 {
		if (c.Has(0) || c.Has(1)) && c.Has(2) {
			return 1
		}
		return 0
	}
	phi, exact, err := attribution.ShapleyValues(3, v, attribution.GameOptions{})
	if err != nil || !exact {
		t.Fatalf("err %v, exact %v", err, exact)
	}
	for i, want := range []float64{1.0 / 6, 1.0 / 6, 2.0 / 3} {
		if !near(phi[i], want) {
			t.Errorf("φ%d = %v, want %v", i+1, phi[i], want)
		}
	}
}

// TestShapleyJourneyGame: the journeys of the Markov example (google ads ×2,
// mailing ×1, google ads > mailing ×1 converting) give, by the simplified
// formula φ_j = Σ_{T∋j} conv(T)/|T| of Zhao, Mahboobi and Bagheri (2018),
// google ads 2 + 1/2 = 2.5 and mailing 1 + 1/2 = 1.5; the general exact
// enumeration of the same game agrees.
func TestShapleyJourneyGame(t *testing.T) {
	p := attribution.NewPaths(attribution.ByChannel)
	_ = p.Add([]string{"google ads"}, 2, 1)
	_ = p.Add([]string{"mailing"}, 1, 0)
	_ = p.Add([]string{"google ads", "mailing", "google ads"}, 1, 0)
	s, err := attribution.FitShapley(p)
	if err != nil {
		t.Fatal(err)
	}
	if g, m := s.Value("google ads"), s.Value("mailing"); !near(g, 2.5) || !near(m, 1.5) {
		t.Errorf("values %v, %v; want 2.5, 1.5", g, m)
	}
	// v(S): {g}→2, {m}→1, {g,m}→4 (players: 0 = google ads, 1 = mailing).
	phi, _, err := attribution.ShapleyValues(2, func(c *attribution.Coalition) float64 {
		return [4]float64{0, 2, 1, 4}[c.Mask()]
	}, attribution.GameOptions{})
	if err != nil || !near(phi[0], 2.5) || !near(phi[1], 1.5) {
		t.Errorf("general: %v, %v", phi, err)
	}
}

// TestShapleySampled: beyond MaxExactPlayers the values are estimated, the
// same seed gives the same bits, and efficiency holds.
func TestShapleySampled(t *testing.T) {
	n := attribution.MaxExactPlayers + 5
	v := func(c *attribution.Coalition) float64 { k := float64(c.Len()); return k * k }
	a, exact, err := attribution.ShapleyValues(n, v, attribution.GameOptions{Samples: 200, Seed: 7})
	if err != nil || exact {
		t.Fatalf("err %v, exact %v", err, exact)
	}
	b, _, _ := attribution.ShapleyValues(n, v, attribution.GameOptions{Samples: 200, Seed: 7})
	sum := 0.0
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			t.Fatalf("seeded runs differ at %d: %v vs %v", i, a[i], b[i])
		}
		sum += a[i]
		// By symmetry each value is n; the estimate is within a few n.
		if a[i] < 0 || a[i] > 3*float64(n) {
			t.Errorf("φ%d = %v, far from %d", i, a[i], n)
		}
	}
	if !near(sum, float64(n*n)) {
		t.Errorf("Σφ = %v, want %d", sum, n*n)
	}
}

func TestShapleyErrors(t *testing.T) {
	if _, _, err := attribution.ShapleyValues(0, nil, attribution.GameOptions{}); !errors.Is(err, attribution.ErrNoData) {
		t.Errorf("no players: err = %v", err)
	}
	if _, _, err := attribution.ShapleyValues(2, func(*attribution.Coalition) float64 { return math.NaN() }, attribution.GameOptions{}); !errors.Is(err, attribution.ErrInvalidWeight) {
		t.Errorf("NaN: err = %v", err)
	}
	if _, err := attribution.FitShapley(attribution.NewPaths(attribution.ByChannel)); !errors.Is(err, attribution.ErrNoData) {
		t.Errorf("empty: err = %v", err)
	}
}

// TestJourneyGameBeyondExact: with more names than MaxExactPlayers the
// journey game is sampled; the estimate sums to the conversions and stays
// near the closed form.
func TestJourneyGameBeyondExact(t *testing.T) {
	p := attribution.NewPaths(attribution.ByChannel)
	n := attribution.MaxExactPlayers + 4
	for i := range n {
		a, b := fmt.Sprintf("c%02d", i), fmt.Sprintf("c%02d", (i+1)%n)
		if err := p.Add([]string{a}, uint64(i+1), 0); err != nil {
			t.Fatal(err)
		}
		if err := p.Add([]string{a, b}, 2, 1); err != nil {
			t.Fatal(err)
		}
	}
	s, err := attribution.FitShapley(p)
	if err != nil {
		t.Fatal(err)
	}
	names, v := p.JourneyGame()
	phi, exact, err := attribution.ShapleyValues(len(names), v, attribution.GameOptions{Samples: 300, Seed: 1})
	if err != nil || exact {
		t.Fatal(err, exact)
	}
	sum := 0.0
	for i, name := range names {
		sum += phi[i]
		if math.Abs(phi[i]-s.Value(name)) > 2 {
			t.Errorf("%s: sampled %v, closed form %v", name, phi[i], s.Value(name))
		}
	}
	if !near(sum, float64(p.Conversions())) {
		t.Errorf("Σφ = %v, want %d", sum, p.Conversions())
	}
}
