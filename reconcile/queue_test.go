package reconcile

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/accruehq/accrue"
)

var t0 = time.Date(2026, 3, 31, 17, 0, 0, 0, time.UTC)

func TestRerunIsIdempotentAndResolvedBreaksStayResolved(t *testing.T) {
	ctx := context.Background()
	q := &MemoryQueue{}
	in := []Record{r("i1", "R1", "10.00 USD", "2026-03-01", "p"), r("i2", "R2", "20.00 USD", "2026-03-01", "p"), r("i3", "R3", "30.00 USD", "2026-03-01", "p")}
	ex := []Record{r("e1", "R1", "10.00 USD", "2026-03-02", "p"), r("e2", "R2", "21.00 USD", "2026-03-02", "p")}
	cfg := Config{Rules: DefaultRules(), Queue: q}

	first := run(t, cfg, in, ex)
	if first.Raised != 2 || q.Len() != 2 {
		t.Fatalf("first run raised %d (queue %d); want 2", first.Raised, q.Len())
	}
	second := run(t, cfg, in, ex)
	if second.Raised != 0 || q.Len() != 2 {
		t.Fatalf("re-run raised %d (queue %d); want 0", second.Raised, q.Len())
	}
	if !bytes.Equal(csvBytes(t, first), csvBytes(t, second)) {
		t.Fatal("re-run report differs")
	}

	amount := first.AmountMismatches()[0]
	res := Resolution{Kind: AcceptDifference, By: "ana@finance", At: t0, Note: "partner fee"}
	if err := q.Resolve(ctx, amount.ID, res); err != nil {
		t.Fatal(err)
	}
	if err := q.Resolve(ctx, amount.ID, res); err != nil {
		t.Fatalf("repeating the same resolution: %v", err)
	}
	other := res
	other.Kind = WriteOff
	if err := q.Resolve(ctx, amount.ID, other); !errors.Is(err, ErrAlreadyResolved) {
		t.Fatalf("second resolution: %v; want ErrAlreadyResolved", err)
	}

	third := run(t, cfg, in, ex)
	if third.Raised != 0 {
		t.Fatalf("after resolving, re-run raised %d", third.Raised)
	}
	got := third.AmountMismatches()[0]
	if got.ID != amount.ID || got.Resolution == nil || got.Resolution.By != "ana@finance" || !got.Resolution.At.Equal(t0) {
		t.Fatalf("resolved break came back as %+v", got)
	}
	if len(q.Open()) != 1 {
		t.Fatalf("open entries %d; want 1", len(q.Open()))
	}
	carry := third.Carry()
	if ids := recordIDs(carry[0].Records); len(ids) != 1 || ids[0] != "i3" {
		t.Fatalf("carried internal %v; want [i3] (i2 resolved)", ids)
	}
	if len(carry[1].Records) != 0 {
		t.Fatalf("carried external %v; want none", recordIDs(carry[1].Records))
	}
}

func TestIncrementalRunsCarryOpenRecords(t *testing.T) {
	q := &MemoryQueue{}
	cfg := Config{Rules: DefaultRules(), Queue: q}
	rc, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	day1, err := rc.Run(ctx,
		Side{Name: "payouts", Records: []Record{r("i1", "R1", "10.00 USD", "2026-03-01", "p"), r("i2", "R2", "20.00 USD", "2026-03-01", "p")}},
		Side{Name: "bank", Records: []Record{r("e1", "R1", "10.00 USD", "2026-03-01", "p")}})
	if err != nil {
		t.Fatal(err)
	}
	if day1.Raised != 1 {
		t.Fatalf("day 1 raised %d; want 1 (i2 missing)", day1.Raised)
	}
	day2, err := rc.Run(ctx, CarryForward(day1,
		Side{Name: "payouts", Records: []Record{r("i3", "R3", "30.00 USD", "2026-03-02", "p")}},
		Side{Name: "bank", Records: []Record{r("e2", "R2", "20.00 USD", "2026-03-02", "p"), r("e9", "", "99.00 USD", "2026-03-02", "zz")}})...)
	if err != nil {
		t.Fatal(err)
	}
	ms, bs := views(day2)
	if len(ms) != 1 || ms[0].Left != "i2" || ms[0].Right != "e2" {
		t.Fatalf("day 2 matches %+v; want i2-e2", ms)
	}
	if len(bs) != 2 || day2.Raised != 2 {
		t.Fatalf("day 2 breaks %+v raised %d; want i3 and e9, both new", bs, day2.Raised)
	}
}

// queueKinds are the two ways Run finds earlier open breaks: a queue that
// lists them (OpenLister) and one it can only ask by id.
var queueKinds = []struct {
	name  string
	queue func(*MemoryQueue) Queue
}{
	{"open lister", func(q *MemoryQueue) Queue { return q }},
	{"get fallback", func(q *MemoryQueue) Queue { return getOnlyQueue{q} }},
}

// eachQueueKind runs f as a subtest per queue kind, with a fresh
// MemoryQueue and a Config (AsOf t0) over it.
func eachQueueKind(t *testing.T, f func(t *testing.T, mq *MemoryQueue, cfg Config)) {
	for _, tt := range queueKinds {
		t.Run(tt.name, func(t *testing.T) {
			mq := &MemoryQueue{}
			f(t, mq, Config{Queue: tt.queue(mq), AsOf: t0})
		})
	}
}

func TestLaterMatchClosesBreak(t *testing.T) {
	asOf := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	for _, tt := range queueKinds {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			mq := &MemoryQueue{}
			day1 := run(t, Config{Queue: tt.queue(mq)},
				[]Record{r("i1", "R1", "10.00 USD", "2026-03-01", "p"), r("i2", "R2", "20.00 USD", "2026-03-01", "p"), withStatus(r("i3", "R3", "30.00 USD", "2026-03-01", "p"), "paid")},
				[]Record{r("e1", "R1", "10.00 USD", "2026-03-01", "p"), withStatus(r("e3", "R3", "30.00 USD", "2026-03-01", "p"), "pending")})
			if day1.Raised != 2 || len(mq.Open()) != 2 {
				t.Fatalf("day 1 raised %d, open %d; want i2 missing and the i3/e3 status break", day1.Raised, len(mq.Open()))
			}
			missing := day1.BreaksWith(ReasonMissingExternal)[0]
			status := day1.BreaksWith(ReasonStatus)[0]

			// The bank line for i2 arrives a day later and the provider
			// now reports e3 as paid.
			cfg := Config{Queue: tt.queue(mq), AsOf: asOf}
			day2In := []Record{day1.Sides[0].Records[1], day1.Sides[0].Records[2]}
			day2Ex := []Record{r("e2", "R2", "20.00 USD", "2026-03-02", "p"), withStatus(r("e3", "R3", "30.00 USD", "2026-03-01", "p"), "paid"), r("e4", "", "40.00 USD", "2026-03-02", "q")}
			day2 := run(t, cfg, day2In, day2Ex)
			if want := slices.Sorted(slices.Values([]string{status.ID, missing.ID})); !slices.Equal(day2.Closed, want) {
				t.Fatalf("day 2 closed %v; want %v", day2.Closed, want)
			}
			e, _, _ := mq.Get(ctx, missing.ID)
			want := Resolution{Kind: MatchedLater, By: "reconcile", At: asOf, MatchedIDs: []string{"e2"}, Note: "matched by rule reference"}
			if e.Resolution == nil || !e.Resolution.Equal(want) {
				t.Fatalf("missing break resolution %+v; want %+v", e.Resolution, want)
			}
			if open := mq.Open(); len(open) != 1 || open[0].Break.RightIDs[0] != "e4" {
				t.Fatalf("open after day 2: %+v; want only e4", open)
			}
			again := run(t, cfg, day2In, day2Ex)
			if again.Raised != 0 || len(again.Closed) != 0 {
				t.Fatalf("re-run raised %d, closed %v; want nothing", again.Raised, again.Closed)
			}
		})
	}
}

// TestClosedBreakRaisedAgainReopens: a missing-payment break Run closed as
// MatchedLater comes back when the bank line that matched it goes away
// (the bank reversed it): it is raised open under its next generation's
// id, carried forward, closed again when the line returns, and reopened as
// generation 3 the next time, with or without OpenLister.
func TestClosedBreakRaisedAgainReopens(t *testing.T) {
	eachQueueKind(t, func(t *testing.T, mq *MemoryQueue, cfg Config) {
		ctx := context.Background()
		in := []Record{r("i1", "R1", "10.00 USD", "2026-03-01", "p"), r("i2", "R2", "20.00 USD", "2026-03-01", "p")}
		with := []Record{r("e1", "R1", "10.00 USD", "2026-03-01", "p"), r("e2", "R2", "20.00 USD", "2026-03-02", "p")}
		without := with[:1]

		day1 := run(t, cfg, in, without)
		base := day1.BreaksWith(ReasonMissingExternal)[0].ID
		for gen, id := range []string{base, base + ".2", base + ".3"} {
			if gen > 0 {
				rep := run(t, cfg, in, without)
				b := rep.BreaksWith(ReasonMissingExternal)
				if len(b) != 1 || b[0].ID != id || b[0].Resolution != nil || rep.Raised != 1 {
					t.Fatalf("generation %d: breaks %+v, raised %d; want %s raised open", gen+1, b, rep.Raised, id)
				}
				if ids := recordIDs(rep.Carry()[0].Records); !slices.Equal(ids, []string{"i2"}) {
					t.Fatalf("generation %d: carried %v, want [i2]", gen+1, ids)
				}
				if again := run(t, cfg, in, without); again.Raised != 0 || again.BreaksWith(ReasonMissingExternal)[0].ID != id {
					t.Fatalf("generation %d: a re-run raised %d (break %s); want nothing new", gen+1, again.Raised, again.BreaksWith(ReasonMissingExternal)[0].ID)
				}
			}
			if open := mq.Open(); len(open) != 1 || open[0].Break.ID != id {
				t.Fatalf("generation %d: open %+v; want only %s", gen+1, open, id)
			}
			matched := run(t, cfg, in, with)
			if !slices.Equal(matched.Closed, []string{id}) {
				t.Fatalf("generation %d: closed %v, want [%s]", gen+1, matched.Closed, id)
			}
			if e, _, _ := mq.Get(ctx, id); e.Resolution == nil || e.Resolution.Kind != MatchedLater {
				t.Fatalf("generation %d: %s is %+v, want closed as MatchedLater", gen+1, id, e.Resolution)
			}
		}
		if mq.Len() != 3 || len(mq.Open()) != 0 {
			t.Fatalf("queue holds %d breaks, %d open; want the three generations, all closed", mq.Len(), len(mq.Open()))
		}

		// A break a person resolved stays resolved when raised again.
		if err := mq.Resolve(ctx, day1.BreaksWith(ReasonMissingExternal)[0].ID+".4", Resolution{Kind: WriteOff, By: "ana", At: t0}); !errors.Is(err, ErrUnknownBreak) {
			t.Fatalf("resolving a generation never raised: %v", err)
		}
		rep := run(t, cfg, in, without)
		id4 := rep.BreaksWith(ReasonMissingExternal)[0].ID
		if err := mq.Resolve(ctx, id4, Resolution{Kind: WriteOff, By: "ana", At: t0}); err != nil {
			t.Fatal(err)
		}
		if again := run(t, cfg, in, without); again.Raised != 0 || again.BreaksWith(ReasonMissingExternal)[0].Resolution == nil {
			t.Fatalf("a break written off by a person came back open: %+v", again.BreaksWith(ReasonMissingExternal))
		}
	})
}

// TestSupersededBreakCloses: a missing payment whose bank line arrives
// with another amount is replaced by an amount break, and Run closes the
// missing break as Superseded, naming the amount break; when the line is
// corrected the amount break closes as MatchedLater; when the line goes
// away, the missing break is raised again, open, as generation 2.
func TestSupersededBreakCloses(t *testing.T) {
	eachQueueKind(t, func(t *testing.T, mq *MemoryQueue, cfg Config) {
		ctx := context.Background()
		in := []Record{r("i1", "R1", "10.00 USD", "2026-03-01", "p"), r("i2", "R2", "20.00 USD", "2026-03-01", "p")}
		e1 := r("e1", "R1", "10.00 USD", "2026-03-01", "p")

		day1 := run(t, cfg, in, []Record{e1})
		missing := day1.BreaksWith(ReasonMissingExternal)[0]

		day2 := run(t, cfg, in, []Record{e1, r("e2", "R2", "21.00 USD", "2026-03-02", "p")})
		amount := day2.BreaksWith(ReasonAmount)[0]
		if !slices.Equal(day2.Closed, []string{missing.ID}) || len(day2.Breaks) != 1 {
			t.Fatalf("day 2: closed %v, breaks %+v; want %s closed and the amount break alone", day2.Closed, day2.Breaks, missing.ID)
		}
		e, _, _ := mq.Get(ctx, missing.ID)
		want := Resolution{Kind: Superseded, By: "reconcile", At: t0, Note: "superseded by break " + amount.ID}
		if e.Resolution == nil || !e.Resolution.Equal(want) {
			t.Fatalf("missing break resolution %+v; want %+v", e.Resolution, want)
		}
		if open := mq.Open(); len(open) != 1 || open[0].Break.ID != amount.ID {
			t.Fatalf("open after day 2: %+v; want only the amount break", open)
		}
		if again := run(t, cfg, in, []Record{e1, r("e2", "R2", "21.00 USD", "2026-03-02", "p")}); again.Raised != 0 || len(again.Closed) != 0 {
			t.Fatalf("re-run of day 2 raised %d, closed %v; want nothing", again.Raised, again.Closed)
		}

		day3 := run(t, cfg, in, []Record{e1, r("e2", "R2", "20.00 USD", "2026-03-02", "p")})
		if !slices.Equal(day3.Closed, []string{amount.ID}) || len(day3.Breaks) != 0 {
			t.Fatalf("day 3: closed %v, breaks %+v; want the amount break closed", day3.Closed, day3.Breaks)
		}

		day4 := run(t, cfg, in, []Record{e1})
		if b := day4.BreaksWith(ReasonMissingExternal); len(b) != 1 || b[0].ID != missing.ID+".2" || b[0].Resolution != nil || day4.Raised != 1 {
			t.Fatalf("day 4: %+v, raised %d; want %s.2 raised open", b, day4.Raised, missing.ID)
		}
	})
}

func TestMemoryQueueErrors(t *testing.T) {
	ctx := context.Background()
	q := &MemoryQueue{}
	ok := Resolution{Kind: ManualMatch, By: "bo", At: t0, MatchedIDs: []string{"e7"}}
	if err := q.Resolve(ctx, "nope", ok); !errors.Is(err, ErrUnknownBreak) {
		t.Errorf("unknown: %v", err)
	}
	if _, _, err := q.Raise(ctx, Break{ID: "b1"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []Resolution{{By: "bo", At: t0}, {Kind: Adjust, At: t0}, {Kind: Adjust, By: "bo"}} {
		if err := q.Resolve(ctx, "b1", bad); !errors.Is(err, ErrInvalidResolution) {
			t.Errorf("resolution %+v: %v; want ErrInvalidResolution", bad, err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := q.Raise(cctx, Break{ID: "b2"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled raise: %v", err)
	}
	if _, _, err := q.Get(cctx, "b1"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled get: %v", err)
	}
	if err := q.Resolve(ctx, "b1", ok); err != nil {
		t.Fatal(err)
	}
	e, found, err := q.Get(ctx, "b1")
	if err != nil || !found || e.Resolution.Kind != ManualMatch || e.Resolution.MatchedIDs[0] != "e7" {
		t.Fatalf("get: %+v %v %v", e, found, err)
	}
	e.Resolution.MatchedIDs[0] = "changed"
	if e2, _, _ := q.Get(ctx, "b1"); e2.Resolution.MatchedIDs[0] != "e7" {
		t.Fatal("Get returned shared state")
	}
}

func TestThreeSides(t *testing.T) {
	rc, err := New(Config{Rules: DefaultRules()})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := rc.Run(context.Background(),
		Side{Name: "payouts", Records: []Record{r("item-1", "PI-1", "50.00 USD", "2026-03-01", "ann"), r("item-2", "PI-2", "70.00 USD", "2026-03-01", "bob")}},
		Side{Name: "provider", Records: []Record{r("tx-1", "PI-1", "50.00 USD", "2026-03-02", "ann"), r("tx-2", "PI-2", "70.00 USD", "2026-03-02", "bob")}},
		Side{Name: "bank", Records: []Record{r("stmt-9", "", "120.00 USD", "2026-03-04", "")}},
	)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Legs) != 2 || len(rep.Legs[0].Matches()) != 2 || len(rep.Breaks) != 3 {
		t.Fatalf("legs %d, leg 0 matches %d, breaks %d", len(rep.Legs), len(rep.Legs[0].Matches()), len(rep.Breaks))
	}
	// The bank line names no counterparty, so the subset rule (which pairs
	// equal counterparties) leaves it: the provider lines are missing
	// externally and the bank line internally.
	withBank, err := New(Config{Rules: []Rule{{Name: "bank-batch", Kind: RuleSubset, Days: 5, IgnoreCounterparty: true}}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err = withBank.Run(context.Background(), rep.Sides[1], rep.Sides[2])
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Legs[0].Matches()) != 1 || len(rep.Legs[0].Matches()[0].Left) != 2 || len(rep.Breaks) != 0 {
		t.Fatalf("bank batch: %+v, breaks %d", rep.Legs[0].Matches(), len(rep.Breaks))
	}
}

func TestMetrics(t *testing.T) {
	tier := func(rec Record, t string) Record { rec.Metadata = map[string]string{"tier": t}; return rec }
	in := []Record{
		tier(r("i1", "R1", "100.00 USD", "2026-03-01", "p"), "gold"),
		tier(r("i2", "R2", "50.00 USD", "2026-03-01", "p"), "gold"),
		tier(r("i3", "R3", "10.00 USD", "2026-03-01", "q"), "silver"),
		tier(r("i4", "R4", "5.00 USD", "2026-03-01", "q"), "silver"),
	}
	ex := []Record{r("e1", "R1", "100.00 USD", "2026-03-03", "p"), r("e2", "R2", "49.99 USD", "2026-03-02", "p"), r("e3", "R3", "10.00 USD", "2026-03-11", "q")}
	rep := run(t, Config{Rules: DefaultRules(), WriteOffUnits: 1}, in, ex)
	m := rep.Metrics("tier")
	if m.Internal != 4 || m.Clean != 2 || m.Accuracy != 0.5 {
		t.Fatalf("accuracy %d/%d = %v; want 2/4", m.Clean, m.Internal, m.Accuracy)
	}
	if m.CycleMean != 104*time.Hour || m.CycleP95 != 10*24*time.Hour {
		t.Fatalf("cycle mean %v p95 %v; want 104h (13 days / 3) and 240h", m.CycleMean, m.CycleP95)
	}
	want := []string{"gold USD 2/2 expected 150.00 USD paid 149.99 USD variance -0.01 USD", "silver USD 1/2 expected 15.00 USD paid 10.00 USD variance -5.00 USD"}
	for i, tv := range m.Tiers {
		got := tv.Tier + " " + tv.Currency.Code() + " " + strconv.Itoa(tv.Matched) + "/" + strconv.Itoa(tv.Records) + " expected " + tv.Expected.String() + " paid " + tv.Paid.String() + " variance " + tv.Variance.String()
		if i >= len(want) || got != want[i] {
			t.Errorf("tier %d: %s", i, got)
		}
	}
	if len(rep.Aged()) != 0 {
		t.Errorf("aged %d; want none at 30 days", len(rep.Aged()))
	}
	rep = run(t, Config{Rules: DefaultRules(), WriteOffUnits: 1, AgedAfterDays: 5}, in, ex)
	if aged := rep.Aged(); len(aged) != 1 || aged[0].LeftIDs[0] != "i4" || aged[0].Age != 10 {
		t.Errorf("aged %+v; want i4 at 10 days", aged)
	}
}

func TestRunErrors(t *testing.T) {
	rc, err := New(Config{Rules: DefaultRules()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	good := Side{Name: "a", Records: []Record{r("x", "", "1.00 USD", "2026-01-01", "")}}
	fine := accrue.New(accrue.MustParseMoney("1.005 USD").Amount(), accrue.MustCurrency("USD"))
	tests := []struct {
		name  string
		sides []Side
		want  error
	}{
		{"one side", []Side{good}, ErrInvalidConfig},
		{"same names", []Side{good, good}, ErrInvalidConfig},
		{"no name", []Side{good, {}}, ErrInvalidConfig},
		{"finer than minor unit", []Side{good, {Name: "b", Records: []Record{{ID: "y", Amount: fine, Date: t0}}}}, ErrInvalidRecord},
		{"no currency", []Side{good, {Name: "b", Records: []Record{{ID: "y", Date: t0}}}}, ErrInvalidRecord},
		{"no date", []Side{good, {Name: "b", Records: []Record{{ID: "y", Amount: accrue.MustParseMoney("1 USD")}}}}, ErrInvalidRecord},
		{"too large", []Side{good, {Name: "b", Records: []Record{{ID: "y", Amount: accrue.MustParseMoney("100000000000000000 USD"), Date: t0}}}}, ErrInvalidRecord},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := rc.Run(ctx, tt.sides...); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v; want %v", err, tt.want)
			}
		})
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	g := generate(genConfig{n: 200, seed: 1})
	if _, err := rc.Run(cctx, Side{Name: "a", Records: g.internal}, Side{Name: "b", Records: g.external}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Rules: []Rule{{Name: "x", Kind: 9}}},
		{Rules: []Rule{{Kind: RuleAmount}}},
		{Rules: []Rule{{Name: "x", Kind: RuleAmount, Days: -1}}},
		{Rules: []Rule{{Name: "x", Kind: RuleAmount}, {Name: "x", Kind: RuleSubset}}},
		{Rules: DefaultRules(), WriteOffUnits: -1},
		{Rules: []Rule{{Name: "x", Kind: RuleTolerance, Tolerance: Tolerance{Units: -5}}}},
		{Rules: []Rule{{Name: "x", Kind: RuleSubset, MaxGroup: 50}}},
	} {
		if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("New(%+v) = %v; want ErrInvalidConfig", cfg, err)
		}
	}
}

func recordIDs(recs []Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}
