package attribution

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// FirstTouch gives all the credit to the first eligible touch (earliest;
// ties by id). Definition: Google Analytics 4 and Google Ads "First click"
// model ("gives all credit for the conversion to the first channel that a
// customer clicked … before converting").
func FirstTouch() Model { return firstTouch{} }

type firstTouch struct{}

func (firstTouch) Name() string { return "first_touch" }
func (firstTouch) Weigh(j *Journey, dst []uint64) error {
	dst[0] = 1
	return nil
}

// LastTouch gives all the credit to the last eligible touch (latest; ties by
// id, the greater id last). Definition: Google Analytics 4 and Google Ads
// "Last click" model.
func LastTouch() Model { return lastTouch{} }

type lastTouch struct{}

func (lastTouch) Name() string { return "last_touch" }
func (lastTouch) Weigh(j *Journey, dst []uint64) error {
	dst[len(dst)-1] = 1
	return nil
}

// LastNonDirect gives all the credit to the last eligible touch whose
// channel is not one of the direct channels (default: "direct"); if every
// touch is direct, the last touch gets it. Definition: Google Analytics
// (Universal Analytics) "Last Non-Direct Click" model, which "ignores direct
// traffic and attributes 100% of the conversion value to the last channel
// that the customer clicked through from", crediting Direct only when there
// is no other channel.
func LastNonDirect(directChannels ...string) Model {
	if len(directChannels) == 0 {
		directChannels = []string{"direct"}
	}
	d := slices.Clone(directChannels)
	slices.Sort(d)
	d = slices.Compact(d)
	return lastNonDirect{direct: d, name: "last_non_direct(direct=" + strings.Join(d, "|") + ")"}
}

type lastNonDirect struct {
	direct []string
	name   string
}

func (m lastNonDirect) Name() string { return m.name }
func (m lastNonDirect) Weigh(j *Journey, dst []uint64) error {
	for i := len(j.Touches) - 1; i >= 0; i-- {
		if !slices.Contains(m.direct, j.Touches[i].Channel) {
			dst[i] = 1
			return nil
		}
	}
	dst[len(dst)-1] = 1
	return nil
}

// SameTouch gives all the credit to the touch on which the conversion
// happened: the touch named by Conversion.TouchpointID if it is eligible,
// else the last eligible touch at exactly the conversion's time. If there is
// none, the conversion gets no credit (ReasonModelGaveNothing). Definition:
// Adobe Analytics "Same Touch" attribution model ("gives 100% credit to the
// very hit where the success event occurred").
func SameTouch() Model { return sameTouch{} }

type sameTouch struct{}

func (sameTouch) Name() string { return "same_touch" }
func (sameTouch) Weigh(j *Journey, dst []uint64) error {
	c := j.Conversion
	if c.TouchpointID != "" {
		for i := range j.Touches {
			if j.Touches[i].ID == c.TouchpointID {
				dst[i] = 1
				return nil
			}
		}
	}
	for i := len(j.Touches) - 1; i >= 0; i-- {
		if j.Touches[i].Time.Equal(c.Time) {
			dst[i] = 1
			return nil
		}
	}
	return nil
}

// Linear gives every eligible touch an equal share. Definition: Google
// Analytics 4 / Google Ads "Linear" model ("distributes the credit for the
// conversion equally across all … touchpoints").
func Linear() Model { return linear{} }

type linear struct{}

func (linear) Name() string { return "linear" }
func (linear) Weigh(j *Journey, dst []uint64) error {
	for i := range dst {
		dst[i] = 1
	}
	return nil
}

// MaxPositionWeight bounds each weight of Positions, so that integer weights
// stay exact for journeys of any realistic length.
const MaxPositionWeight = 1_000_000

// Positions is the custom first/middle/last model: for a journey of n
// eligible touches,
//
//   - n = 1: the touch gets 100%;
//   - n = 2: first gets first/(first+last), last gets last/(first+last)
//     (the middle share is renormalised away);
//   - n ≥ 3: first gets first/(first+middle+last), last gets
//     last/(first+middle+last), and each of the n-2 middle touches gets an
//     equal part of middle/(first+middle+last).
//
// Weights are integers in [0, MaxPositionWeight] (40, 20, 40 means 40%, 20%,
// 40%); first+last must be > 0. Splits are exact: touch weights are
// first·(n-2), middle, last·(n-2). Definition: the Google Analytics
// "Position Based" model (Universal Analytics Model Comparison Tool: "40%
// credit to each of the first and last interaction, and 20% credit
// distributed evenly to the middle interactions", with adjustable
// percentages); the two-touch renormalisation follows Google Ads'
// position-based model, which splits 50/50 between two interactions.
func Positions(first, middle, last uint64) (Model, error) {
	return positions("positions", first, middle, last)
}

// UShaped is Positions(40, 20, 40): with two touches, 50/50.
func UShaped() Model { m, _ := positions("u_shaped", 40, 20, 40); return m }

// JShaped is Positions(20, 20, 60): most credit to the last touch; with two
// touches, 25/75.
func JShaped() Model { m, _ := positions("j_shaped", 20, 20, 60); return m }

// InverseJShaped is Positions(60, 20, 20): most credit to the first touch;
// with two touches, 75/25.
func InverseJShaped() Model { m, _ := positions("inverse_j_shaped", 60, 20, 20); return m }

func positions(name string, first, middle, last uint64) (Model, error) {
	if first > MaxPositionWeight || middle > MaxPositionWeight || last > MaxPositionWeight {
		return nil, fmt.Errorf("%w: %s weights %d/%d/%d: each must be at most %d", ErrInvalidModel, name, first, middle, last, MaxPositionWeight)
	}
	if first+last == 0 {
		return nil, fmt.Errorf("%w: %s weights %d/%d/%d: first+last must be positive", ErrInvalidModel, name, first, middle, last)
	}
	return positional{first: first, middle: middle, last: last,
		name: fmt.Sprintf("%s(first=%d,middle=%d,last=%d)", name, first, middle, last)}, nil
}

type positional struct {
	first, middle, last uint64
	name                string
}

func (m positional) Name() string { return m.name }
func (m positional) Weigh(j *Journey, dst []uint64) error {
	n := len(dst)
	switch n {
	case 1:
		dst[0] = 1
	case 2:
		dst[0], dst[1] = m.first, m.last
	default:
		k := uint64(n - 2)
		dst[0], dst[n-1] = m.first*k, m.last*k
		for i := 1; i < n-1; i++ {
			dst[i] = m.middle
		}
	}
	return nil
}

// WShaped gives 30% each to three key touches — the first touch, the first
// touch with MilestoneLead and the first touch with MilestoneOpportunity —
// and shares the remaining 10% equally among the other touches. A key touch
// that is missing leaves its 30% to the key touches present (the key touches
// share 90% equally); a touch holding two key roles gets both shares; with
// no other touches the key touches share 100%. Definition: the W-shaped
// model of Marketo Measure (Bizible) / Salesforce multi-touch attribution:
// "30% to the first touch, lead creation and opportunity creation touches,
// 10% spread across the remaining touches".
func WShaped() Model { return wShaped{} }

type wShaped struct{}

func (wShaped) Name() string { return "w_shaped(key=30|30|30,rest=10)" }
func (wShaped) Weigh(j *Journey, dst []uint64) error {
	lead, opp := -1, -1
	for i := range j.Touches {
		switch j.Touches[i].Milestone {
		case MilestoneLead:
			if lead < 0 {
				lead = i
			}
		case MilestoneOpportunity:
			if opp < 0 {
				opp = i
			}
		}
	}
	slots := [3]int{0, lead, opp}
	s := uint64(0)
	for _, k := range slots {
		if k >= 0 {
			s++
		}
	}
	m := uint64(0) // touches holding no key role
	for i := range dst {
		if i != 0 && i != lead && i != opp {
			m++
		}
	}
	key, rest := uint64(1), uint64(0)
	if m > 0 {
		key, rest = 90*m, 10*s
	}
	for i := range dst {
		dst[i] = rest
	}
	for i := range dst {
		if i == 0 || i == lead || i == opp {
			dst[i] = 0
		}
	}
	for _, k := range slots {
		if k >= 0 {
			dst[k] += key
		}
	}
	return nil
}

// DefaultHalfLife is the time-decay half-life used by Google Ads and Google
// Analytics: 7 days.
const DefaultHalfLife = 7 * 24 * time.Hour

// TimeDecay weights each touch by 2^(−age/halfLife), age being the time from
// the touch to the conversion, so a touch halfLife older than another gets
// half its credit. A halfLife ≤ 0 means DefaultHalfLife (7 days).
// Definition: Google Ads / Google Analytics "Time decay" model ("gives more
// credit to interactions that happened closer in time to the conversion.
// Credit is distributed using a 7-day half-life").
//
// The float weights are computed in journey order and converted to integers
// deterministically (see Design in the package doc) before money is split.
func TimeDecay(halfLife time.Duration) Model {
	if halfLife <= 0 {
		halfLife = DefaultHalfLife
	}
	return timeDecay{halfLife: halfLife, name: "time_decay(half_life=" + halfLife.String() + ")"}
}

type timeDecay struct {
	halfLife time.Duration
	name     string
}

func (m timeDecay) Name() string { return m.name }
func (m timeDecay) Weigh(j *Journey, dst []uint64) error {
	w := j.scratch(len(dst))
	// Ages relative to the newest touch keep the exponents small: only
	// proportions matter, and 2^(−a/h)/2^(−b/h) = 2^((b−a)/h).
	newest := j.Touches[len(j.Touches)-1].Time
	ns, nn := newest.Unix(), int64(newest.Nanosecond())
	h := float64(m.halfLife)
	for i := range j.Touches {
		t := j.Touches[i].Time
		// The age in nanoseconds, as float: exact below 2⁵³ ns (104 days),
		// correctly rounded beyond, and free of time.Duration's saturation.
		a := float64(ns-t.Unix())*1e9 + float64(nn-int64(t.Nanosecond()))
		w[i] = math.Exp2(-a / h)
	}
	return fixedPoint(dst, w)
}
