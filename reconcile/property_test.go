package reconcile

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

var propCurrencies = []accrue.Currency{accrue.MustCurrency("EUR"), accrue.MustCurrency("JPY"), accrue.MustCurrency("USD")}

// genRecords draws a small side whose records collide often: few
// references, amounts, days, counterparties and three currencies.
func genRecords(t *rapid.T, prefix string) []Record { return genRecordsN(t, prefix, 14) }

// genRecordsN is genRecords with at most max records.
func genRecordsN(t *rapid.T, prefix string, max int) []Record {
	n := rapid.IntRange(0, max).Draw(t, prefix+"n")
	recs := make([]Record, n)
	for i := range recs {
		rec := Record{ID: fmt.Sprintf("%s%d", prefix, i)}
		if ref := rapid.SampledFrom([]string{"", "", "A", "B", "C", "D"}).Draw(t, "ref"); ref != "" {
			rec.References = []string{ref}
			if rapid.IntRange(0, 5).Draw(t, "second ref") == 0 {
				rec.References = append(rec.References, rapid.SampledFrom([]string{"A", "E"}).Draw(t, "ref2"))
			}
		}
		cur := rapid.SampledFrom(propCurrencies).Draw(t, "currency")
		rec.Amount = accrue.FromMinorUnits(rapid.Int64Range(-3, 12).Draw(t, "units")*50+rapid.Int64Range(0, 1).Draw(t, "odd"), cur)
		rec.Date = genBase.AddDate(0, 0, rapid.IntRange(0, 12).Draw(t, "day"))
		rec.Counterparty = rapid.SampledFrom([]string{"p", "q"}).Draw(t, "cp")
		rec.Status = rapid.SampledFrom([]string{"", "", "", "paid", "returned"}).Draw(t, "status")
		recs[i] = rec
	}
	return recs
}

// genConfigRules draws a rule order and a write-off.
func genRules(t *rapid.T) Config {
	rules := rapid.Permutation(DefaultRules()).Draw(t, "rules")
	rules = rules[:rapid.IntRange(1, len(rules)).Draw(t, "nrules")]
	return Config{Rules: rules, WriteOffUnits: rapid.Int64Range(0, 2).Draw(t, "writeoff")}
}

func mustRun(t *rapid.T, cfg Config, sides ...Side) *Report {
	rc, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := rc.Run(context.Background(), sides...)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// checkInvariants asserts what holds for every report: no match across
// currencies, every record in exactly one match or break per leg, unmatched
// lists equal to break members, and totals that tie out.
func checkInvariants(t *rapid.T, rep *Report) {
	for li, leg := range rep.Legs {
		ls, rs := rep.side(leg.LeftSide).Records, rep.side(leg.RightSide).Records
		usedL, usedR := make([]int, len(ls)), make([]int, len(rs))
		matchedUnits := map[string]int64{}
		for _, m := range leg.Matches() {
			if len(m.Left) == 0 || len(m.Right) == 0 {
				t.Fatalf("leg %d: empty side in match %+v", li, m)
			}
			var sums [2]int64
			for si, part := range [...]struct {
				name string
				recs []Record
				idx  []int
				used []int
			}{{leg.LeftSide, ls, m.Left, usedL}, {leg.RightSide, rs, m.Right, usedR}} {
				for _, k := range part.idx {
					part.used[k]++
					if part.recs[k].Amount.Currency() != m.Currency {
						t.Fatalf("leg %d: match across currencies: %s in a %s match", li, part.recs[k].Amount, m.Currency)
					}
					u, _ := part.recs[k].Amount.MinorUnits()
					sums[si] += u
					matchedUnits[part.name+m.Currency.Code()] += u
				}
			}
			lu, ru := sums[0], sums[1]
			if m.DifferenceUnits() != ru-lu {
				t.Fatalf("difference %d; records say %d", m.DifferenceUnits(), ru-lu)
			}
		}
		inBreak := map[[2]int]bool{}
		for _, b := range rep.Breaks {
			if b.LeftSide != leg.LeftSide || b.RightSide != leg.RightSide {
				continue
			}
			if b.Reason == ReasonDuplicate {
				checkDuplicate(t, rep, b)
			}
			for _, k := range b.Left {
				usedL[k]++
				inBreak[[2]int{0, k}] = true
			}
			for _, k := range b.Right {
				usedR[k]++
				inBreak[[2]int{1, k}] = true
			}
		}
		for k, n := range usedL {
			if n != 1 {
				t.Fatalf("leg %d: left record %s used %d times", li, ls[k].ID, n)
			}
		}
		for k, n := range usedR {
			if n != 1 {
				t.Fatalf("leg %d: right record %s used %d times", li, rs[k].ID, n)
			}
		}
		for _, k := range leg.UnmatchedLeft {
			if !inBreak[[2]int{0, k}] {
				t.Fatalf("unmatched left %d not in a break", k)
			}
		}
		for _, k := range leg.UnmatchedRight {
			if !inBreak[[2]int{1, k}] {
				t.Fatalf("unmatched right %d not in a break", k)
			}
		}
		var inputs int
		for _, tot := range leg.Totals {
			inputs += tot.InputCount
			sum, err := tot.Matched.Add(tot.Unmatched)
			if err != nil || !sum.Equal(tot.Input) || tot.MatchedCount+tot.UnmatchedCount != tot.InputCount {
				t.Fatalf("totals do not tie out: %+v", tot)
			}
			mu, _ := tot.Matched.MinorUnits()
			if mu != matchedUnits[tot.Side+tot.Currency.Code()] {
				t.Fatalf("matched total %s; matches sum %d", tot.Matched, matchedUnits[tot.Side+tot.Currency.Code()])
			}
		}
		if inputs != len(ls)+len(rs) {
			t.Fatalf("totals count %d records; input has %d", inputs, len(ls)+len(rs))
		}
	}
}

func TestPropertyInvariants(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := genRules(t)
		sides := []Side{{Name: "in", Records: genRecords(t, "i")}, {Name: "ex", Records: genRecords(t, "e")}}
		if rapid.Bool().Draw(t, "three sides") {
			sides = append(sides, Side{Name: "bank", Records: genRecords(t, "b")})
		}
		checkInvariants(t, mustRun(t, cfg, sides...))
	})
}

func TestPropertyOrderIndependent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := genRules(t)
		in, ex := genRecords(t, "i"), genRecords(t, "e")
		want := csvBytes(t, mustRun(t, cfg, Side{Name: "in", Records: in}, Side{Name: "ex", Records: ex}))
		in2 := rapid.Permutation(in).Draw(t, "in order")
		ex2 := rapid.Permutation(ex).Draw(t, "ex order")
		got := csvBytes(t, mustRun(t, cfg, Side{Name: "in", Records: in2}, Side{Name: "ex", Records: ex2}))
		if !bytes.Equal(got, want) {
			t.Fatalf("report depends on input order:\n%s\nvs\n%s", want, got)
		}
	})
}

// TestPropertyQueueStateMachine runs reconciliations against a MemoryQueue
// while records arrive, records are withdrawn and breaks are resolved:
// re-running raises nothing new, a raised break is never raised twice,
// resolved breaks come back resolved and are not carried forward, and a
// break Run closed itself (MatchedLater, Superseded) never comes back
// resolved: when its records are open again it is raised anew, open, so no
// exception is lost.
func TestPropertyQueueStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		q := &MemoryQueue{}
		cfg := genRules(t)
		cfg.Queue = q
		// Without OpenLister, Run closes only the breaks it can derive.
		lists := rapid.Bool().Draw(t, "queue lists open breaks")
		if !lists {
			cfg.Queue = getOnlyQueue{q}
		}
		in, ex := genRecords(t, "i"), genRecords(t, "e")
		seen := map[string]bool{}
		resolved := map[string]bool{}
		var last *Report
		runNow := func(t *rapid.T) *Report {
			rep := mustRun(t, cfg, Side{Name: "in", Records: in}, Side{Name: "ex", Records: ex})
			checkInvariants(t, rep)
			fresh := 0
			for _, b := range rep.Breaks {
				if !seen[b.ID] {
					fresh++
					seen[b.ID] = true
				}
				if resolved[b.ID] != (b.Resolution != nil) {
					t.Fatalf("break %s resolved=%v, queue says %v", b.ID, b.Resolution != nil, resolved[b.ID])
				}
				if b.Resolution != nil && (b.Resolution.Kind == MatchedLater || b.Resolution.Kind == Superseded) {
					t.Fatalf("break %s raised again came back closed by Run (%s): its records would be lost", b.ID, b.Resolution.Kind)
				}
			}
			if rep.Raised != fresh {
				t.Fatalf("raised %d; %d ids were new", rep.Raised, fresh)
			}
			checkClosed(t, q, rep, seen, resolved, lists)
			return rep
		}
		n := 0
		t.Repeat(map[string]func(*rapid.T){
			"run": func(t *rapid.T) {
				last = runNow(t)
				again := runNow(t)
				if again.Raised != 0 || len(again.Closed) != 0 || !bytes.Equal(csvBytes(t, last), csvBytes(t, again)) {
					t.Fatal("re-run is not idempotent")
				}
			},
			"resolve": func(t *rapid.T) {
				if last == nil || len(last.Breaks) == 0 {
					t.Skip("nothing to resolve")
				}
				b := rapid.SampledFrom(last.Breaks).Draw(t, "break")
				if resolved[b.ID] {
					t.Skip("already resolved")
				}
				kind := rapid.SampledFrom([]ResolutionKind{AcceptDifference, Adjust, WriteOff, ManualMatch}).Draw(t, "kind")
				if err := q.Resolve(context.Background(), b.ID, Resolution{Kind: kind, By: "tester", At: genBase.Add(time.Hour)}); err != nil {
					t.Fatal(err)
				}
				resolved[b.ID] = true
			},
			"withdraw": func(t *rapid.T) {
				// A record goes away (a reversed bank line, a corrected file).
				side := &in
				if rapid.Bool().Draw(t, "internal") {
					side = &ex
				}
				if len(*side) == 0 {
					t.Skip("no record to withdraw")
				}
				i := rapid.IntRange(0, len(*side)-1).Draw(t, "record")
				*side = slices.Delete(slices.Clone(*side), i, i+1)
			},
			"arrive": func(t *rapid.T) {
				if len(in)+len(ex) > 48 {
					t.Skip("enough records")
				}
				n++
				more := genRecordsN(t, fmt.Sprintf("x%d-", n), 4)
				if rapid.Bool().Draw(t, "internal") {
					in = append(in, more...)
				} else {
					ex = append(ex, more...)
				}
			},
			"": func(t *rapid.T) {
				if last == nil {
					return
				}
				carried := map[string]bool{}
				for _, s := range last.Carry() {
					for _, rec := range s.Records {
						carried[s.Name+"/"+rec.ID] = true
					}
				}
				for _, b := range last.Breaks {
					if b.Resolution == nil {
						for _, id := range b.LeftIDs {
							if !carried["in/"+id] {
								t.Fatalf("open record in/%s not carried", id)
							}
						}
						continue
					}
					for _, id := range b.LeftIDs {
						if carried["in/"+id] {
							t.Fatalf("resolved record in/%s carried forward", id)
						}
					}
					for _, id := range b.RightIDs {
						if carried["ex/"+id] {
							t.Fatalf("resolved record ex/%s carried forward", id)
						}
					}
				}
			},
		})
	})
}

func TestPropertyToleranceIntegerPathMatchesDecimal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		coef := rapid.Int64Range(1, 10000).Draw(t, "coef")
		exp := rapid.Int32Range(-16, 0).Draw(t, "exp")
		pct := decimal.New(coef, exp)
		if pct.GreaterThan(decimal.NewFromInt(100)) {
			t.Skip("over 100%")
		}
		r, err := Rule{Name: "t", Kind: RuleTolerance, Tolerance: Tolerance{Percent: pct}}.check()
		if err != nil {
			t.Fatal(err)
		}
		target := rapid.Int64Range(-MaxUnits, MaxUnits).Draw(t, "target")
		slow := r
		slow.pctDen = 0
		if got, want := r.tolerance(target, 0), slow.tolerance(target, 0); got != want {
			t.Fatalf("%s%% of %d: integer path %d, decimal path %d", pct, target, got, want)
		}
	})
}

// getOnlyQueue hides MemoryQueue's OpenLister, so Run takes its fallback.
type getOnlyQueue struct{ q *MemoryQueue }

func (g getOnlyQueue) Raise(ctx context.Context, b Break) (Entry, bool, error) {
	return g.q.Raise(ctx, b)
}
func (g getOnlyQueue) Resolve(ctx context.Context, id string, r Resolution) error {
	return g.q.Resolve(ctx, id, r)
}
func (g getOnlyQueue) Get(ctx context.Context, id string) (Entry, bool, error) {
	return g.q.Get(ctx, id)
}

// checkClosed asserts what a run did to earlier breaks: it closed only
// breaks that were open and whose records it accounts for — as
// MatchedLater when it matched all of them, as Superseded when some sit in
// its own breaks and the rest are matched — by the reconciler at the run's
// AsOf; with an OpenLister queue no open entry is left whose records the
// run accounts for. It updates the model's resolved set.
func checkClosed(t *rapid.T, q *MemoryQueue, rep *Report, seen, resolved map[string]bool, lists bool) {
	ctx := context.Background()
	leg := rep.Legs[0]
	matched := map[string]bool{}
	for _, m := range leg.Matches() {
		for _, k := range m.Left {
			matched["L"+rep.Sides[0].Records[k].ID] = true
		}
		for _, k := range m.Right {
			matched["R"+rep.Sides[1].Records[k].ID] = true
		}
	}
	current := map[string]bool{}
	held := map[string]bool{}
	for _, b := range rep.Breaks {
		current[b.ID] = true
		for _, id := range b.LeftIDs {
			held["L"+id] = true
		}
		for _, id := range b.RightIDs {
			held["R"+id] = true
		}
	}
	// accounted reports whether every record of b is matched or held, and
	// whether any is held.
	accounted := func(b Break) (all, anyHeld bool) {
		all = true
		for _, k := range append(prefixed("L", b.LeftIDs), prefixed("R", b.RightIDs)...) {
			switch {
			case held[k]:
				anyHeld = true
			case !matched[k]:
				all = false
			}
		}
		return all, anyHeld
	}
	for _, id := range rep.Closed {
		if !seen[id] || resolved[id] || current[id] {
			t.Fatalf("closed %s: seen %v, resolved before %v, one of this run's %v", id, seen[id], resolved[id], current[id])
		}
		e, ok, err := q.Get(ctx, id)
		if err != nil || !ok || e.Resolution == nil || e.Resolution.By != "reconcile" || !e.Resolution.At.Equal(rep.AsOf) {
			t.Fatalf("closed %s: entry %+v %v %v", id, e, ok, err)
		}
		all, anyHeld := accounted(e.Break)
		switch {
		case !all:
			t.Fatalf("closed %s (%s), some of whose records this run neither matched nor holds", id, e.Resolution.Kind)
		case e.Resolution.Kind == MatchedLater && anyHeld, e.Resolution.Kind == Superseded && !anyHeld,
			e.Resolution.Kind != MatchedLater && e.Resolution.Kind != Superseded:
			t.Fatalf("closed %s as %s; held records: %v", id, e.Resolution.Kind, anyHeld)
		}
		resolved[id] = true
	}
	if !lists {
		return
	}
	for _, e := range q.Open() {
		if all, _ := accounted(e.Break); !current[e.Break.ID] && all {
			t.Fatalf("open break %s (%s %v %v) left in the queue; this run accounts for its records", e.Break.ID, e.Break.Reason, e.Break.LeftIDs, e.Break.RightIDs)
		}
	}
}

// prefixed returns ids with p before each.
func prefixed(p string, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = p + id
	}
	return out
}

// checkDuplicate asserts that a duplicate break is one record repeating its
// candidate, another record of its side: same currency and amount and
// either a shared reference or, without references, the same counterparty
// and day.
func checkDuplicate(t *rapid.T, rep *Report, b Break) {
	if len(b.Left)+len(b.Right) != 1 || len(b.Candidates) != 1 {
		t.Fatalf("duplicate %+v: want one record and one candidate", b)
	}
	side, k := rep.side(b.LeftSide), 0
	if len(b.Right) == 1 {
		side, k = rep.side(b.RightSide), b.Right[0]
	} else {
		k = b.Left[0]
	}
	c := b.Candidates[0]
	if c.Side != side.Name || c.Index == k {
		t.Fatalf("duplicate %+v: candidate %+v is not another record of %s", b, c, side.Name)
	}
	dup, orig := side.Records[k], side.Records[c.Index]
	if !dup.Amount.Equal(orig.Amount) || dup.Amount.Currency() != orig.Amount.Currency() {
		t.Fatalf("duplicate %s %s repeats %s %s", dup.ID, dup.Amount, orig.ID, orig.Amount)
	}
	shared := false
	for _, ref := range dup.References {
		shared = shared || (ref != "" && slices.Contains(orig.References, ref))
	}
	if !shared && (len(dup.References) > 0 || len(orig.References) > 0 || dup.Counterparty != orig.Counterparty || dayNumber(dup.Date) != dayNumber(orig.Date)) {
		t.Fatalf("duplicate %+v repeats %+v by neither reference nor counterparty and day", dup, orig)
	}
}
