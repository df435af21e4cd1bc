package attribution

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/accruehq/accrue"
)

// Options configure an Attributor.
type Options struct {
	// Model shares the credit (required).
	Model Model
	// Eligibility filters the journey before the model runs.
	Eligibility Eligibility
	// Journeys looks up the journey of conversions given without
	// touchpoints (optional).
	Journeys JourneySource
	// Workers is the number of goroutines Batch and Stream use; ≤ 0 means
	// one per available CPU (runtime.GOMAXPROCS). Results do not depend on
	// it.
	Workers int
	// ChunkSize is the number of conversions Batch and Stream attribute
	// between callbacks; ≤ 0 means 4096. Stream holds at most one chunk in
	// memory.
	ChunkSize int
}

// Attributor attributes conversions with one model and one set of
// eligibility rules. It is safe for concurrent use.
type Attributor struct {
	model    Model
	name     string
	elig     eligibility
	journeys JourneySource
	workers  int
	chunk    int

	pipelines sync.Pool // of *pipeline with full-size chunks, reused by Batch and Stream
}

// New returns an Attributor. It returns ErrInvalidModel without a model.
func New(opts Options) (*Attributor, error) {
	if opts.Model == nil {
		return nil, fmt.Errorf("%w: no model", ErrInvalidModel)
	}
	a := &Attributor{
		model:    opts.Model,
		name:     opts.Model.Name(),
		elig:     compileEligibility(opts.Eligibility),
		journeys: opts.Journeys,
		workers:  opts.Workers,
		chunk:    opts.ChunkSize,
	}
	if a.chunk <= 0 {
		a.chunk = 4096
	}
	return a, nil
}

// Model returns the lineage string of the model, as recorded in results.
func (a *Attributor) Model() string { return a.name }

// Attribute attributes one conversion. A conversion without an eligible
// touch is not an error: its Result has no credits and says why in
// NoCredit. Errors wrap ErrInvalidConversion (an amount that is not whole
// minor units, a failed journey lookup) or ErrInvalidWeight (a custom model
// that produced a bad weight).
func (a *Attributor) Attribute(ctx context.Context, c Conversion) (Result, error) {
	var al Allocation
	if err := a.fill(ctx, &al, &c); err != nil {
		return Result{}, err
	}
	if al.Err != nil {
		return Result{}, al.Err
	}
	return al.Result(), nil
}

// fill attributes c into al, reusing al's buffers. It returns an error only
// for a failed journey lookup; other per-conversion failures go to al.Err.
func (a *Attributor) fill(ctx context.Context, al *Allocation, c *Conversion) error {
	al.Conversion, al.Model = c, a.name
	al.Journey = al.Journey[:0]
	al.Weights = al.Weights[:0]
	al.Units = al.Units[:0]
	al.Excluded = al.Excluded[:0]
	al.Den, al.NoCredit, al.Err = 0, "", nil

	units, err := c.Amount.MinorUnits()
	if err != nil {
		al.Err = fmt.Errorf("%w: %s: %w", ErrInvalidConversion, clip(c.ID, 64), err)
		return nil
	}
	touches, err := a.journey(ctx, c)
	if err != nil {
		return err
	}
	if len(touches) == 0 {
		al.NoCredit = ReasonNoTouchpoints
		return nil
	}
	a.eligible(al, c, touches)
	if len(al.Journey) == 0 {
		al.NoCredit = ReasonNoEligibleTouch
		return nil
	}
	al.Weights = slices.Grow(al.Weights[:0], len(al.Journey))[:len(al.Journey)]
	clear(al.Weights)
	al.j.Conversion, al.j.Touches = c, al.Journey
	err = a.model.Weigh(&al.j, al.Weights)
	al.j.Conversion, al.j.Touches = nil, nil
	if err != nil {
		if !errors.Is(err, ErrInvalidWeight) {
			err = fmt.Errorf("%w: %w", ErrInvalidWeight, err)
		}
		al.Err = fmt.Errorf("attribution: %s: %w", clip(c.ID, 64), err)
		return nil
	}
	var den uint64
	for _, w := range al.Weights {
		if den+w < den {
			al.Err = fmt.Errorf("%w: %s: model %s: weights sum beyond 64 bits", ErrInvalidWeight, clip(c.ID, 64), a.name)
			return nil
		}
		den += w
	}
	if den == 0 {
		al.NoCredit = ReasonModelGaveNothing
		return nil
	}
	if al.Units, err = accrue.AllocateUnits(al.Units, units, al.Weights); err != nil {
		al.Err = fmt.Errorf("%w: %s: %w", ErrInvalidConversion, clip(c.ID, 64), err)
		return nil
	}
	al.Den = den
	return nil
}

// journey returns c's touchpoints, looked up by customer if c has none.
func (a *Attributor) journey(ctx context.Context, c *Conversion) ([]Touchpoint, error) {
	if c.Touchpoints != nil || a.journeys == nil {
		return c.Touchpoints, nil
	}
	ts, err := a.journeys.Journey(ctx, c.Customer, c.Time)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: journey of customer %q: %w", ErrInvalidConversion, clip(c.ID, 64), clip(c.Customer, 64), err)
	}
	return ts, nil
}

// eligible sorts touches into al.Journey (eligible) and al.Excluded. It
// sorts indexes by precomputed time keys and compares id hashes before ids,
// so the hot path neither copies touches nor allocates.
func (a *Attributor) eligible(al *Allocation, c *Conversion, touches []Touchpoint) {
	n := len(touches)
	al.order = slices.Grow(al.order[:0], n)[:n]
	al.keys = slices.Grow(al.keys[:0], n)[:n]
	al.ids = slices.Grow(al.ids[:0], n)[:n]
	for i := range touches {
		al.order[i] = int32(i)
		t := &touches[i]
		al.keys[i] = keyOf(t.Time)
		al.ids[i] = hashID(t.ID)
	}
	sortIndexes(al.order, al.keys, touches)
	ck := keyOf(c.Time)
	for k, i := range al.order {
		t := &touches[i]
		if seenID(touches, al.ids, al.order[:k], i) {
			al.Excluded = append(al.Excluded, Exclusion{TouchpointID: t.ID, Partner: t.Partner, Reason: ReasonDuplicateID})
			continue
		}
		if r := a.elig.check(c, t, ageOf(ck, al.keys[i], c, t)); r != "" {
			al.Excluded = append(al.Excluded, Exclusion{TouchpointID: t.ID, Partner: t.Partner, Reason: r})
			continue
		}
		al.Journey = append(al.Journey, t)
	}
	if !a.elig.CouponPriority || !slices.ContainsFunc(al.Journey, isCoupon) {
		return
	}
	kept := al.Journey[:0]
	for _, t := range al.Journey {
		if isCoupon(t) {
			kept = append(kept, t)
		} else {
			al.Excluded = append(al.Excluded, Exclusion{TouchpointID: t.ID, Partner: t.Partner, Reason: ReasonCouponPriority})
		}
	}
	clear(al.Journey[len(kept):])
	al.Journey = kept
}

func isCoupon(t *Touchpoint) bool { return t.Kind == KindCoupon }

// seenID reports whether a touch earlier in order has the id of touch i.
// Journeys are short; the quadratic scan over id hashes allocates nothing.
func seenID(touches []Touchpoint, ids []uint64, before []int32, i int32) bool {
	for _, k := range before {
		if ids[k] == ids[i] && touches[k].ID == touches[i].ID {
			return true
		}
	}
	return false
}

// hashID is a cheap fingerprint of an id, compared before the id itself:
// its length and last eight bytes, where ids usually differ.
func hashID(s string) uint64 {
	h := uint64(len(s))
	for i := max(0, len(s)-8); i < len(s); i++ {
		h = h<<8 | uint64(s[i])
	}
	return h ^ uint64(len(s))<<56
}

// sortKey is a time as Unix nanoseconds, for sorting and ages without
// time.Time's slower arithmetic. Times outside the range of int64
// nanoseconds (about 1678 to 2262) are marked wide and take the slow,
// exact path.
type sortKey struct {
	ns   int64
	wide bool
}

// The range of Unix seconds whose nanoseconds fit an int64, with a second
// of margin on each side.
const (
	minNarrowSec = math.MinInt64/int64(time.Second) + 1
	maxNarrowSec = math.MaxInt64/int64(time.Second) - 1
)

func keyOf(t time.Time) sortKey {
	sec := t.Unix()
	if sec < minNarrowSec || sec > maxNarrowSec {
		return sortKey{wide: true}
	}
	return sortKey{ns: sec*1e9 + int64(t.Nanosecond())}
}

// ageOf returns the time from t to c (saturated as time.Sub does), from
// their keys when both are narrow.
func ageOf(ck, tk sortKey, c *Conversion, t *Touchpoint) time.Duration {
	if ck.wide || tk.wide {
		return age(c, t)
	}
	d := ck.ns - tk.ns
	if (ck.ns >= tk.ns) != (d >= 0) { // the subtraction overflowed
		if ck.ns >= tk.ns {
			return math.MaxInt64
		}
		return math.MinInt64
	}
	return time.Duration(d)
}

// sortIndexes sorts order so that touches[order[k]] ascend by
// touchCompare: narrow times compared as integers first, touchCompare on
// ties and wide times; insertion sort for short journeys (no allocation),
// the library sort beyond.
func sortIndexes(order []int32, keys []sortKey, touches []Touchpoint) {
	compare := func(x, y int32) int {
		kx, ky := keys[x], keys[y]
		if !kx.wide && !ky.wide && kx.ns != ky.ns {
			return cmp.Compare(kx.ns, ky.ns) // the common case: no need to look at the touches
		}
		return touchCompare(&touches[x], &touches[y])
	}
	if len(order) > 24 {
		slices.SortStableFunc(order, compare)
		return
	}
	for i := 1; i < len(order); i++ {
		for k := i; k > 0 && compare(order[k], order[k-1]) < 0; k-- {
			order[k], order[k-1] = order[k-1], order[k]
		}
	}
}

// sortTouches sorts touches by touchCompare.
func sortTouches(ts []Touchpoint) {
	slices.SortStableFunc(ts, func(a, b Touchpoint) int { return touchCompare(&a, &b) })
}

// Participation gives every eligible touch full credit: each distinct
// (partner, channel) pair of the eligible journey gets one Credit with
// weight 1/1 and the whole amount, on its earliest touch. The credits sum
// to more than the conversion — that is the point of the model, which
// measures reach, not shares — so it is reported separately and must not be
// paid from. Definition: Adobe Analytics "Participation" model ("gives 100%
// credit to all unique touch points").
func (a *Attributor) Participation(ctx context.Context, c Conversion) (Result, error) {
	var al Allocation
	r := Result{ConversionID: c.ID, Model: "participation"}
	if !c.Amount.IsRounded() {
		return Result{}, fmt.Errorf("%w: %s: %s is finer than the minor unit", ErrInvalidConversion, clip(c.ID, 64), c.Amount)
	}
	touches, err := a.journey(ctx, &c)
	if err != nil {
		return Result{}, err
	}
	if len(touches) == 0 {
		r.NoCredit = ReasonNoTouchpoints
		return r, nil
	}
	a.eligible(&al, &c, touches)
	r.Excluded = al.Excluded
	if len(al.Journey) == 0 {
		r.NoCredit = ReasonNoEligibleTouch
		return r, nil
	}
	type pc struct{ partner, channel string }
	seen := map[pc]bool{}
	for _, t := range al.Journey {
		k := pc{t.Partner, t.Channel}
		if seen[k] {
			continue
		}
		seen[k] = true
		r.Credits = append(r.Credits, Credit{TouchpointID: t.ID, Partner: t.Partner, Channel: t.Channel, Weight: Weight{1, 1}, Amount: c.Amount})
	}
	return r, nil
}
