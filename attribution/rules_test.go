package attribution_test

import (
	"errors"
	"testing"
	"time"

	"github.com/accruehq/accrue/attribution"
)

func positions(t testing.TB, first, middle, last uint64) attribution.Model {
	t.Helper()
	m, err := attribution.Positions(first, middle, last)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRuleModelsKnownAnswers checks hand-computed splits of 100.00 and 0.01
// USD over the three-touch journey (ages 14, 7 and 0 days; channels
// affiliate, email, direct). Leftover cents go by largest remainder, ties
// to the earlier touch.
func TestRuleModelsKnownAnswers(t *testing.T) {
	custom := positions(t, 30, 40, 30)
	tests := []struct {
		model     attribution.Model
		hundred   string
		oneCent   string
		modelName string
	}{
		{attribution.FirstTouch(), "t1=100.00(1/1)", "t1=0.01(1/1)", "first_touch"},
		{attribution.LastTouch(), "t3=100.00(1/1)", "t3=0.01(1/1)", "last_touch"},
		{attribution.LastNonDirect(), "t2=100.00(1/1)", "t2=0.01(1/1)", "last_non_direct(direct=direct)"},
		{attribution.SameTouch(), "t3=100.00(1/1)", "t3=0.01(1/1)", "same_touch"},
		{attribution.Linear(), "t1=33.34(1/3) t2=33.33(1/3) t3=33.33(1/3)", "t1=0.01(1/3) t2=0.00(1/3) t3=0.00(1/3)", "linear"},
		{attribution.UShaped(), "t1=40.00(2/5) t2=20.00(1/5) t3=40.00(2/5)", "t1=0.01(2/5) t2=0.00(1/5) t3=0.00(2/5)", "u_shaped(first=40,middle=20,last=40)"},
		{attribution.JShaped(), "t1=20.00(1/5) t2=20.00(1/5) t3=60.00(3/5)", "t1=0.00(1/5) t2=0.00(1/5) t3=0.01(3/5)", "j_shaped(first=20,middle=20,last=60)"},
		{attribution.InverseJShaped(), "t1=60.00(3/5) t2=20.00(1/5) t3=20.00(1/5)", "t1=0.01(3/5) t2=0.00(1/5) t3=0.00(1/5)", "inverse_j_shaped(first=60,middle=20,last=20)"},
		{custom, "t1=30.00(3/10) t2=40.00(4/10) t3=30.00(3/10)", "t1=0.00(3/10) t2=0.01(4/10) t3=0.00(3/10)", "positions(first=30,middle=40,last=30)"},
		// No milestones: the first touch holds the only key role (90%).
		{attribution.WShaped(), "t1=90.00(18/20) t2=5.00(1/20) t3=5.00(1/20)", "t1=0.01(18/20) t2=0.00(1/20) t3=0.00(1/20)", "w_shaped(key=30|30|30,rest=10)"},
		// 2^(-14/7) : 2^(-7/7) : 1 = 1:2:4; 100/7 = 14.2857…
		{attribution.TimeDecay(0), "t1=14.29(1/7) t2=28.57(2/7) t3=57.14(4/7)", "t1=0.00(1/7) t2=0.00(2/7) t3=0.01(4/7)", "time_decay(half_life=168h0m0s)"},
		// A 14-day half-life: 2^(-1) : 2^(-1/2) : 1.
		{attribution.TimeDecay(14 * day), "t1=22.65 t2=32.04 t3=45.31", "t1=0.00 t2=0.00 t3=0.01", "time_decay(half_life=336h0m0s)"},
	}
	for _, tt := range tests {
		t.Run(tt.modelName, func(t *testing.T) {
			for _, c := range []struct{ amount, want string }{{"100.00 USD", tt.hundred}, {"0.01 USD", tt.oneCent}} {
				r := attribute(t, tt.model, attribution.Eligibility{}, conversion(c.amount, three()))
				got := credits(r)
				if tt.modelName == "time_decay(half_life=336h0m0s)" {
					got = stripWeights(got)
				}
				if got != c.want {
					t.Errorf("%s: got %s, want %s", c.amount, got, c.want)
				}
				if r.Model != tt.modelName {
					t.Errorf("model %q, want %q", r.Model, tt.modelName)
				}
			}
		})
	}
}

// TestRuleModelsZeroWeightCreditsOmitted: zero-weight touches earn no Credit.
func TestRuleModelsZeroWeightCreditsOmitted(t *testing.T) {
	r := attribute(t, attribution.FirstTouch(), attribution.Eligibility{}, conversion("10.00 USD", three()))
	if len(r.Credits) != 1 {
		t.Fatalf("got %d credits, want 1", len(r.Credits))
	}
}

// TestShortJourneys checks the two-touch renormalisations the definitions
// fix: U 50/50, J 25/75, inverse J 75/25, custom renormalises first/last.
func TestShortJourneys(t *testing.T) {
	two := three()[:2]
	custom := positions(t, 10, 80, 30)
	tests := []struct {
		model attribution.Model
		want  string
	}{
		{attribution.UShaped(), "t1=50.00(1/2) t2=50.00(1/2)"},
		{attribution.JShaped(), "t1=25.00(1/4) t2=75.00(3/4)"},
		{attribution.InverseJShaped(), "t1=75.00(3/4) t2=25.00(1/4)"},
		{custom, "t1=25.00(1/4) t2=75.00(3/4)"},
		// The first touch is the only key touch (90%); the other gets 10%.
		{attribution.WShaped(), "t1=90.00(9/10) t2=10.00(1/10)"},
		{attribution.Linear(), "t1=50.00(1/2) t2=50.00(1/2)"},
		{attribution.TimeDecay(0), "t1=33.33(1/3) t2=66.67(2/3)"},
	}
	for _, tt := range tests {
		t.Run(tt.model.Name(), func(t *testing.T) {
			if got := credits(attribute(t, tt.model, attribution.Eligibility{}, conversion("100.00 USD", two))); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestWShapedMilestones: first, lead and opportunity touches get 30% each,
// the other touch 10%; with no other touch the key touches share 100%.
func TestWShapedMilestones(t *testing.T) {
	ts := append(three(), touch("t4", "erin", "social", attribution.KindClick, 0))
	ts[1].Milestone = attribution.MilestoneLead
	ts[3].Milestone = attribution.MilestoneOpportunity
	if got, want := credits(attribute(t, attribution.WShaped(), attribution.Eligibility{}, conversion("100.00 USD", ts))), "t1=30.00(3/10) t2=30.00(3/10) t3=10.00(1/10) t4=30.00(3/10)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	ts3 := three()
	ts3[1].Milestone = attribution.MilestoneLead
	ts3[2].Milestone = attribution.MilestoneOpportunity
	if got, want := credits(attribute(t, attribution.WShaped(), attribution.Eligibility{}, conversion("100.00 USD", ts3))), "t1=33.34(1/3) t2=33.33(1/3) t3=33.33(1/3)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// The first touch is also the lead touch: it holds two key shares.
	ts3[0].Milestone = attribution.MilestoneLead
	ts3[1].Milestone = ""
	if got, want := credits(attribute(t, attribution.WShaped(), attribution.Eligibility{}, conversion("100.00 USD", ts3))), "t1=60.00(6/10) t2=10.00(1/10) t3=30.00(3/10)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestLastNonDirectAllDirect(t *testing.T) {
	ts := three()
	for i := range ts {
		ts[i].Channel = "direct"
	}
	if got, want := credits(attribute(t, attribution.LastNonDirect(), attribution.Eligibility{}, conversion("1.00 USD", ts))), "t3=1.00(1/1)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got, want := credits(attribute(t, attribution.LastNonDirect("email", "direct"), attribution.Eligibility{}, conversion("1.00 USD", three()))), "t1=1.00(1/1)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestSameTouch(t *testing.T) {
	c := conversion("5.00 USD", three())
	c.TouchpointID = "t1"
	if got, want := credits(attribute(t, attribution.SameTouch(), attribution.Eligibility{}, c)), "t1=5.00(1/1)"; got != want {
		t.Errorf("named touch: got %s, want %s", got, want)
	}
	c = conversion("5.00 USD", three()[:2])
	if got, want := credits(attribute(t, attribution.SameTouch(), attribution.Eligibility{}, c)), "none:model gave no touch weight"; got != want {
		t.Errorf("no same touch: got %s, want %s", got, want)
	}
}

func TestPositionsInvalid(t *testing.T) {
	for _, w := range [][3]uint64{{0, 100, 0}, {attribution.MaxPositionWeight + 1, 0, 1}} {
		if _, err := attribution.Positions(w[0], w[1], w[2]); !errors.Is(err, attribution.ErrInvalidModel) {
			t.Errorf("%v: err = %v, want ErrInvalidModel", w, err)
		}
	}
}

func TestTimeDecayOldTouchUnderflows(t *testing.T) {
	ts := []attribution.Touchpoint{
		touch("old", "p", "c", attribution.KindClick, 100000*day),
		touch("new", "q", "c", attribution.KindClick, 0),
	}
	if got, want := credits(attribute(t, attribution.TimeDecay(time.Hour), attribution.Eligibility{}, conversion("1.00 USD", ts))), "new=1.00(1/1)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func stripWeights(s string) string {
	out := []byte{}
	skip := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '(':
			skip = true
		case s[i] == ')':
			skip = false
		case !skip:
			out = append(out, s[i])
		}
	}
	return string(out)
}
