package attribution_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/attribution"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"
)

var (
	channels = []string{"affiliate", "email", "direct", "social", "display"}
	partners = []string{"alice", "bob", "carol", "dave", "erin"}
)

func genTouch(i int) *rapid.Generator[attribution.Touchpoint] {
	return rapid.Custom(func(t *rapid.T) attribution.Touchpoint {
		return attribution.Touchpoint{
			ID:        fmt.Sprintf("t%02d", i),
			Partner:   rapid.SampledFrom(partners).Draw(t, "partner"),
			Channel:   rapid.SampledFrom(channels).Draw(t, "channel"),
			Kind:      rapid.SampledFrom([]attribution.Kind{attribution.KindClick, attribution.KindView, attribution.KindCoupon}).Draw(t, "kind"),
			Milestone: rapid.SampledFrom([]attribution.Milestone{"", "", attribution.MilestoneLead, attribution.MilestoneOpportunity}).Draw(t, "milestone"),
			Time:      genTime().Draw(t, "time"),
		}
	})
}

// genTime draws touch times within 60 days before conv0, with now and then
// one beyond the range of int64 nanoseconds or after the conversion.
func genTime() *rapid.Generator[time.Time] {
	return rapid.Custom(func(t *rapid.T) time.Time {
		if rapid.IntRange(0, 9).Draw(t, "rare") == 0 {
			return rapid.SampledFrom([]time.Time{
				time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC),
				time.Date(2400, 1, 1, 0, 0, 0, 0, time.UTC),
				conv0.Add(time.Nanosecond),
				conv0,
			}).Draw(t, "extreme")
		}
		return conv0.Add(-time.Duration(rapid.IntRange(0, 60*24*60).Draw(t, "age_minutes")) * time.Minute)
	})
}

func genJourney(minLen, maxLen int) *rapid.Generator[[]attribution.Touchpoint] {
	return rapid.Custom(func(t *rapid.T) []attribution.Touchpoint {
		n := rapid.IntRange(minLen, maxLen).Draw(t, "touches")
		ts := make([]attribution.Touchpoint, n)
		for i := range ts {
			ts[i] = genTouch(i).Draw(t, "touch")
		}
		return ts
	})
}

func genAmount() *rapid.Generator[accrue.Money] {
	return rapid.Custom(func(t *rapid.T) accrue.Money {
		c := rapid.SampledFrom([]string{"USD", "JPY", "KWD"}).Draw(t, "currency")
		return accrue.FromMinorUnits(rapid.Int64Range(-1e12, 1e12).Draw(t, "units"), accrue.MustCurrency(c))
	})
}

// fitted returns Markov and Shapley models fitted on a fixed set of paths
// in which every channel converts.
func fitted(t testing.TB) []attribution.Model {
	t.Helper()
	p := attribution.NewPaths(attribution.ByChannel)
	for i, a := range channels {
		for k, b := range channels {
			if err := p.Add([]string{a, b}, uint64(1+i), uint64(1+k)); err != nil {
				t.Fatal(err)
			}
		}
	}
	m, err := attribution.FitMarkov(p, attribution.MarkovOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m2, err := attribution.FitMarkov(p, attribution.MarkovOptions{Order: 2})
	if err != nil {
		t.Fatal(err)
	}
	s, err := attribution.FitShapley(p)
	if err != nil {
		t.Fatal(err)
	}
	return []attribution.Model{m, m2, s}
}

func allModels(t testing.TB) []attribution.Model {
	custom, err := attribution.Positions(10, 0, 90)
	if err != nil {
		t.Fatal(err)
	}
	expr, err := attribution.CustomExpr(`(first ? 2.5 : 1) * 2 ** (-min(age_hours, 1000) / 100)`)
	if err != nil {
		t.Fatal(err)
	}
	fn, _ := attribution.CustomFunc("third", func(j *attribution.Journey, i int) float64 { return 1.0 / 3 * float64(i+1) })
	return append([]attribution.Model{
		attribution.FirstTouch(), attribution.LastTouch(), attribution.LastNonDirect(), attribution.SameTouch(),
		attribution.Linear(), attribution.UShaped(), attribution.JShaped(), attribution.InverseJShaped(), custom,
		attribution.WShaped(), attribution.TimeDecay(0), attribution.TimeDecay(3 * time.Hour), expr, fn,
	}, fitted(t)...)
}

// checkResult asserts the split invariants of a credited result.
func checkResult(t *rapid.T, c attribution.Conversion, r attribution.Result) {
	if r.NoCredit != "" {
		if len(r.Credits) != 0 {
			t.Fatalf("no credit (%s) but %d credits", r.NoCredit, len(r.Credits))
		}
		return
	}
	sum := accrue.Zero(c.Amount.Currency())
	var num, den uint64
	for _, cr := range r.Credits {
		var err error
		if sum, err = sum.Add(cr.Amount); err != nil {
			t.Fatal(err)
		}
		if cr.Weight.Den == 0 || cr.Weight.Num > cr.Weight.Den {
			t.Fatalf("weight %s not in [0,1]", cr.Weight)
		}
		if den != 0 && cr.Weight.Den != den {
			t.Fatalf("weights with different denominators")
		}
		den = cr.Weight.Den
		num += cr.Weight.Num
	}
	if !sum.Equal(c.Amount) {
		t.Fatalf("credits sum to %s, want %s", sum, c.Amount)
	}
	if num != den {
		t.Fatalf("weights sum to %d/%d, want 1", num, den)
	}
}

// TestPropertySplits: under every model, credits sum exactly to the amount,
// weights are in [0,1] and sum to exactly 1, and permuting the journey
// changes nothing.
func TestPropertySplits(t *testing.T) {
	models := allModels(t)
	rapid.Check(t, func(t *rapid.T) {
		m := rapid.SampledFrom(models).Draw(t, "model")
		ts := genJourney(0, 12).Draw(t, "journey")
		c := attribution.Conversion{ID: "c", Customer: "dave", Time: conv0, Amount: genAmount().Draw(t, "amount"), Touchpoints: ts}
		elig := attribution.Eligibility{
			Lookback:       time.Duration(rapid.IntRange(0, 90).Draw(t, "lookback_days")) * day,
			CouponPriority: rapid.Bool().Draw(t, "coupon_priority"),
		}
		a, err := attribution.New(attribution.Options{Model: m, Eligibility: elig})
		if err != nil {
			t.Fatal(err)
		}
		r, err := a.Attribute(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, c, r)
		if r.Model != m.Name() {
			t.Fatalf("model %q, want %q", r.Model, m.Name())
		}
		perm := rapid.Permutation(ts).Draw(t, "permutation")
		c2 := c
		c2.Touchpoints = perm
		r2, err := a.Attribute(context.Background(), c2)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(r, r2, cmp.Comparer(func(x, y accrue.Money) bool { return x.Equal(y) })); d != "" {
			t.Fatalf("permuting the journey changed the result (-orig +permuted):\n%s", d)
		}
	})
}

// TestPropertySingleTouch: a single eligible touch gets 100% under every
// model (for same touch, the touch carries the conversion).
func TestPropertySingleTouch(t *testing.T) {
	models := allModels(t)
	rapid.Check(t, func(t *rapid.T) {
		m := rapid.SampledFrom(models).Draw(t, "model")
		tp := genTouch(0).Draw(t, "touch")
		if tp.Time.After(conv0) { // a single *eligible* touch
			tp.Time = conv0
		}
		c := attribution.Conversion{ID: "c", Customer: "zed", Time: conv0, Amount: genAmount().Draw(t, "amount"),
			Touchpoints: []attribution.Touchpoint{tp}, TouchpointID: tp.ID}
		a, _ := attribution.New(attribution.Options{Model: m})
		r, err := a.Attribute(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Credits) != 1 || r.Credits[0].Weight.Num != r.Credits[0].Weight.Den || !r.Credits[0].Amount.Equal(c.Amount) {
			t.Fatalf("%s: single touch got %+v (no credit: %q)", m.Name(), r.Credits, r.NoCredit)
		}
	})
}

// TestPropertyBatchMatchesAttribute: Batch and Stream give the results of
// Attribute, in input order, for any number of workers and chunk size.
func TestPropertyBatchMatchesAttribute(t *testing.T) {
	models := allModels(t)
	rapid.Check(t, func(t *rapid.T) {
		m := rapid.SampledFrom(models).Draw(t, "model")
		n := rapid.IntRange(0, 30).Draw(t, "conversions")
		convs := make([]attribution.Conversion, n)
		for i := range convs {
			convs[i] = attribution.Conversion{ID: fmt.Sprint("c", i), Customer: "zed", Time: conv0,
				Amount: genAmount().Draw(t, "amount"), Touchpoints: genJourney(0, 6).Draw(t, "journey")}
		}
		a, _ := attribution.New(attribution.Options{Model: m,
			Workers: rapid.IntRange(0, 4).Draw(t, "workers"), ChunkSize: rapid.IntRange(0, 7).Draw(t, "chunk")})
		var want []attribution.Result
		for _, c := range convs {
			r, err := a.Attribute(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, r)
		}
		collect := func(got *[]attribution.Result) func(al *attribution.Allocation) error {
			return func(al *attribution.Allocation) error {
				if al.Err != nil {
					return al.Err
				}
				*got = append(*got, al.Result())
				return nil
			}
		}
		var batch, stream []attribution.Result
		if err := a.Batch(context.Background(), convs, collect(&batch)); err != nil {
			t.Fatal(err)
		}
		if err := a.Stream(context.Background(), seqOf(convs), collect(&stream)); err != nil {
			t.Fatal(err)
		}
		opt := cmp.Comparer(func(x, y accrue.Money) bool { return x.Equal(y) })
		if d := cmp.Diff(want, batch, opt); d != "" {
			t.Fatalf("batch (-attribute +batch):\n%s", d)
		}
		if d := cmp.Diff(want, stream, opt); d != "" {
			t.Fatalf("stream (-attribute +stream):\n%s", d)
		}
	})
}

// genGame draws a characteristic function over n players as a table with
// v(∅) = 0.
func genGame(t *rapid.T, n int) []float64 {
	v := make([]float64, 1<<n)
	for i := 1; i < len(v); i++ {
		v[i] = float64(rapid.IntRange(-50, 100).Draw(t, "v"))
	}
	return v
}

func tableGame(v []float64) func(*attribution.Coalition) float64 {
	return func(c *attribution.Coalition) float64 { return v[c.Mask()] }
}

// TestPropertyShapleyAxioms: exact Shapley values satisfy efficiency (they
// sum to v(N)), symmetry (interchangeable players get equal values) and
// the null-player property (a player adding nothing gets 0).
func TestPropertyShapleyAxioms(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(2, 7).Draw(t, "players")
		base := genGame(t, n)
		null := rapid.IntRange(2, n).Draw(t, "null") // n means no null player
		// Symmetrise players 0 and 1, then make player `null` a null player.
		v := make([]float64, len(base))
		swap := func(m int) int {
			b0, b1 := m&1, m>>1&1
			return m&^3 | b0<<1 | b1
		}
		for m := range v {
			mm := m
			if null < n {
				mm &^= 1 << null
			}
			v[m] = base[mm] + base[swap(mm)]
		}
		phi, exact, err := attribution.ShapleyValues(n, tableGame(v), attribution.GameOptions{})
		if err != nil || !exact {
			t.Fatal(err, exact)
		}
		sum := 0.0
		for _, p := range phi {
			sum += p
		}
		if !near(sum, v[len(v)-1]) {
			t.Fatalf("efficiency: Σφ = %v, v(N) = %v", sum, v[len(v)-1])
		}
		if !near(phi[0], phi[1]) {
			t.Fatalf("symmetry: φ0 = %v, φ1 = %v", phi[0], phi[1])
		}
		if null < n && math.Abs(phi[null]) > 1e-9 {
			t.Fatalf("null player %d: φ = %v", null, phi[null])
		}
	})
}

// TestPropertyShapleyJourneyGame: the simplified journey formula equals the
// general exact Shapley value of v(S) = Σ_{T⊆S} conv(T), and the values
// sum to the total conversions.
func TestPropertyShapleyJourneyGame(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		type journey struct {
			path []string
			conv uint64
		}
		var js []journey
		p := attribution.NewPaths(attribution.ByChannel)
		for range rapid.IntRange(1, 10).Draw(t, "journeys") {
			j := journey{rapid.SliceOfN(rapid.SampledFrom([]string{"a", "b", "c", "d", "e"}), 1, 4).Draw(t, "path"), rapid.Uint64Range(1, 9).Draw(t, "conv")}
			js = append(js, j)
			_ = p.Add(j.path, j.conv, 0)
		}
		s, err := attribution.FitShapley(p)
		if err != nil {
			t.Fatal(err)
		}
		names := s.Names()
		v := func(c *attribution.Coalition) float64 {
			total := 0.0
			for _, j := range js {
				in := true
				for _, ch := range j.path {
					k, _ := slices.BinarySearch(names, ch)
					in = in && c.Has(k)
				}
				if in {
					total += float64(j.conv)
				}
			}
			return total
		}
		phi, _, err := attribution.ShapleyValues(len(names), v, attribution.GameOptions{})
		if err != nil {
			t.Fatal(err)
		}
		gameNames, game := p.JourneyGame()
		phi2, _, err := attribution.ShapleyValues(len(gameNames), game, attribution.GameOptions{})
		if err != nil || !slices.Equal(names, gameNames) {
			t.Fatal(err, names, gameNames)
		}
		sum := 0.0
		for i, n := range names {
			if !near(s.Value(n), phi[i]) || !near(phi2[i], phi[i]) {
				t.Fatalf("%s: journey formula %v, general %v, JourneyGame %v", n, s.Value(n), phi[i], phi2[i])
			}
			sum += phi[i]
		}
		if !near(sum, float64(p.Conversions())) {
			t.Fatalf("Σφ = %v, conversions %d", sum, p.Conversions())
		}
	})
}

// TestPropertyMarkov: Markov credits sum to the total conversions, removal
// effects are in [0,1], and the order the paths are added in does not
// change a bit.
func TestPropertyMarkov(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		type agg struct {
			path       []string
			conv, null uint64
		}
		var in []agg
		for range rapid.IntRange(1, 12).Draw(t, "paths") {
			a := agg{rapid.SliceOfN(rapid.SampledFrom([]string{"a", "b", "c", "d", "e"}), 1, 5).Draw(t, "path"), rapid.Uint64Range(0, 9).Draw(t, "conv"), rapid.Uint64Range(0, 9).Draw(t, "null")}
			if a.conv+a.null == 0 {
				a.conv = 1
			}
			in = append(in, a)
		}
		in = append(in, agg{[]string{"a", "b"}, 1, 0}) // at least one conversion
		order := rapid.IntRange(1, 3).Draw(t, "order")
		fit := func(as []agg) *attribution.Markov {
			p := attribution.NewPaths(attribution.ByChannel)
			for _, a := range as {
				if err := p.Add(a.path, a.conv, a.null); err != nil {
					t.Fatal(err)
				}
			}
			m, err := attribution.FitMarkov(p, attribution.MarkovOptions{Order: order})
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		m := fit(in)
		m2 := fit(rapid.Permutation(in).Draw(t, "permutation"))
		var total uint64
		for _, a := range in {
			total += a.conv
		}
		sum := 0.0
		for _, n := range m.Names() {
			sum += m.Conversions(n)
			if re := m.RemovalEffect(n); re < 0 || re > 1 {
				t.Fatalf("RE(%s) = %v", n, re)
			}
			if math.Float64bits(m.Conversions(n)) != math.Float64bits(m2.Conversions(n)) {
				t.Fatalf("%s: %v vs %v after permuting the paths", n, m.Conversions(n), m2.Conversions(n))
			}
		}
		if !near(sum, float64(total)) {
			t.Fatalf("Σ credits = %v, conversions %d", sum, total)
		}
		if m.Name() != m2.Name() {
			t.Fatalf("names differ: %s vs %s", m.Name(), m2.Name())
		}
	})
}

// TestPropertyPathsStateMachine checks Paths against a plain model: after
// any sequence of additions, Len is the number of distinct paths,
// Conversions the sum, and Names the distinct names sorted.
func TestPropertyPathsStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := attribution.NewPaths(attribution.ByPartner)
		distinct := map[string]bool{}
		names := map[string]bool{}
		var conv uint64
		t.Repeat(map[string]func(*rapid.T){
			"add": func(t *rapid.T) {
				path := rapid.SliceOfN(rapid.SampledFrom(partners), 1, 4).Draw(t, "path")
				c, n := rapid.Uint64Range(0, 5).Draw(t, "conv"), rapid.Uint64Range(0, 5).Draw(t, "null")
				err := p.Add(path, c, n)
				if c+n == 0 {
					if err == nil {
						t.Fatal("a path with no journeys was accepted")
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				distinct[fmt.Sprint(path)] = true
				for _, s := range path {
					names[s] = true
				}
				conv += c
			},
			"journey": func(t *rapid.T) {
				ts := genJourney(1, 4).Draw(t, "journey")
				converted := rapid.Bool().Draw(t, "converted")
				if err := p.AddJourney(ts, converted); err != nil {
					t.Fatal(err)
				}
				sorted := slices.Clone(ts)
				slices.SortFunc(sorted, func(a, b attribution.Touchpoint) int {
					if c := a.Time.Compare(b.Time); c != 0 {
						return c
					}
					return strings.Compare(a.ID, b.ID)
				})
				var path []string
				for _, tp := range sorted {
					path = append(path, tp.Partner)
					names[tp.Partner] = true
				}
				distinct[fmt.Sprint(path)] = true
				if converted {
					conv++
				}
			},
			"": func(t *rapid.T) {
				if p.Len() != len(distinct) || p.Conversions() != conv {
					t.Fatalf("Len %d Conversions %d, model %d %d", p.Len(), p.Conversions(), len(distinct), conv)
				}
				want := make([]string, 0, len(names))
				for n := range names {
					want = append(want, n)
				}
				slices.Sort(want)
				if d := cmp.Diff(want, p.Names(), cmpopts.EquateEmpty()); d != "" {
					t.Fatalf("names (-model +paths):\n%s", d)
				}
			},
		})
	})
}

// TestPropertyValidateOrder: Validate gives the same output and report for
// any order of the same conversions and touches, and every record read is
// kept or reported.
func TestPropertyValidateOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 8).Draw(t, "conversions")
		convs := make([]attribution.Conversion, n)
		for i := range convs {
			ts := genJourney(0, 4).Draw(t, "journey")
			for k := range ts {
				ts[k].ID = rapid.SampledFrom([]string{"t1", "t2", "t3"}).Draw(t, "touch_id")
				if rapid.Bool().Draw(t, "metadata") {
					ts[k].Metadata = map[string]string{"m": rapid.SampledFrom([]string{"x", "y"}).Draw(t, "m")}
				}
			}
			convs[i] = attribution.Conversion{
				ID:          rapid.SampledFrom([]string{"a", "b", "c"}).Draw(t, "id"),
				Customer:    rapid.SampledFrom([]string{"x", "y"}).Draw(t, "customer"),
				Time:        conv0.Add(time.Duration(rapid.IntRange(-2, 2).Draw(t, "dt")) * time.Hour),
				Amount:      accrue.FromMinorUnits(rapid.Int64Range(-1, 2).Draw(t, "units"), usd),
				Touchpoints: ts,
			}
		}
		opts := attribution.ValidateOptions{Now: conv0.Add(time.Hour), DuplicateWindow: time.Hour}
		out, rep := attribution.Validate(convs, opts)
		perm := rapid.Permutation(convs).Draw(t, "permutation")
		for i := range perm {
			if len(perm[i].Touchpoints) > 0 { // keep an empty journey empty, not nil
				perm[i].Touchpoints = rapid.Permutation(perm[i].Touchpoints).Draw(t, "journey_permutation")
			}
		}
		out2, rep2 := attribution.Validate(perm, opts)
		opt := cmp.Comparer(func(x, y accrue.Money) bool { return x.Equal(y) })
		if d := cmp.Diff(out, out2, opt, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("output depends on order (-first +permuted):\n%s", d)
		}
		if d := cmp.Diff(rep, rep2); d != "" {
			t.Fatalf("report depends on order (-first +permuted):\n%s", d)
		}
		dropped := map[string]int{}
		for _, f := range rep.Findings {
			if f.Action == attribution.Dropped && f.TouchpointID == "" {
				dropped["conversions"]++
			}
		}
		if rep.KeptConversions+dropped["conversions"] != rep.Conversions {
			t.Fatalf("%d conversions read, %d kept, %d dropped", rep.Conversions, rep.KeptConversions, dropped["conversions"])
		}
	})
}
