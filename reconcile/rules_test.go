package reconcile

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// matchView is a match reduced to what a known answer states.
type matchView struct {
	Rule        string
	Left, Right string
	Diff        string
	WrittenOff  bool
}

// breakView is a break reduced to what a known answer states.
type breakView struct {
	Reason      string
	Left, Right string
}

func views(rep *Report) ([]matchView, []breakView) {
	var ms []matchView
	in, ex := rep.Sides[0].Records, rep.Sides[1].Records
	for _, m := range rep.Legs[0].Matches() {
		ms = append(ms, matchView{m.Rule, strings.Join(ids(in, m.Left), ","), strings.Join(ids(ex, m.Right), ","), m.Difference().String(), m.WrittenOff})
	}
	var bs []breakView
	for _, b := range rep.Breaks {
		bs = append(bs, breakView{b.Reason.String(), strings.Join(b.LeftIDs, ","), strings.Join(b.RightIDs, ",")})
	}
	return ms, bs
}

func TestKnownAnswers(t *testing.T) {
	pct := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
	tests := []struct {
		name     string
		cfg      Config
		internal []Record
		external []Record
		matches  []matchView
		breaks   []breakView
	}{{
		name:     "exact reference",
		internal: []Record{r("i1", "INV-1", "100.00 USD", "2026-03-01", "acme"), r("i2", "INV-2", "50.00 USD", "2026-03-01", "acme")},
		external: []Record{r("e2", "INV-2", "50.00 USD", "2026-03-04", "ACME LTD"), r("e1", "INV-1", "100.00 USD", "2026-03-02", "x")},
		matches:  []matchView{{"reference", "i2", "e2", "0.00 USD", false}, {"reference", "i1", "e1", "0.00 USD", false}},
	}, {
		name:     "amount and counterparty within days picks the nearest date",
		internal: []Record{r("i1", "", "75.00 EUR", "2026-03-10", "p1")},
		external: []Record{r("far", "", "75.00 EUR", "2026-03-13", "p1"), r("near", "", "75.00 EUR", "2026-03-09", "p1"), r("other", "", "75.00 EUR", "2026-03-10", "p2")},
		matches:  []matchView{{"amount-date", "i1", "near", "0.00 EUR", false}},
		breaks:   []breakView{{"missing_internal", "", "other"}, {"missing_internal", "", "far"}},
	}, {
		name:     "outside the date window is not matched by amount",
		internal: []Record{r("i1", "", "75.00 EUR", "2026-03-10", "p1")},
		external: []Record{r("e1", "", "75.00 EUR", "2026-03-20", "p1")},
		breaks:   []breakView{{"missing_external", "i1", ""}, {"missing_internal", "", "e1"}},
	}, {
		name:     "tolerance reports the fee as a difference",
		cfg:      Config{Rules: []Rule{{Name: "fees", Kind: RuleTolerance, Days: 2, Tolerance: Tolerance{Percent: pct("3")}}}},
		internal: []Record{r("i1", "", "200.00 USD", "2026-03-01", "p1")},
		external: []Record{r("e1", "", "194.20 USD", "2026-03-02", "p1")},
		matches:  []matchView{{"fees", "i1", "e1", "-5.80 USD", false}},
	}, {
		name:     "absolute tolerance refuses beyond",
		cfg:      Config{Rules: []Rule{{Name: "fees", Kind: RuleTolerance, Days: 2, Tolerance: Tolerance{Units: 100}}}},
		internal: []Record{r("i1", "", "200.00 USD", "2026-03-01", "p1")},
		external: []Record{r("e1", "", "198.99 USD", "2026-03-02", "p1")},
		breaks:   []breakView{{"missing_external", "i1", ""}, {"missing_internal", "", "e1"}},
	}, {
		name:     "rounding residual written off",
		cfg:      Config{WriteOffUnits: 2, Rules: DefaultRules()},
		internal: []Record{r("i1", "R1", "10.00 USD", "2026-03-01", "p1"), r("i2", "", "33.33 USD", "2026-03-01", "p2")},
		external: []Record{r("e1", "R1", "10.01 USD", "2026-03-01", "p1"), r("e2", "", "33.34 USD", "2026-03-01", "p2")},
		matches:  []matchView{{"reference", "i1", "e1", "0.01 USD", true}, {"amount-date", "i2", "e2", "0.01 USD", true}},
	}, {
		name: "many-to-one: one bank line pays three payout items",
		internal: []Record{
			r("item-1", "", "120.00 USD", "2026-03-01", "stripe"), r("item-2", "", "80.50 USD", "2026-03-01", "stripe"),
			r("item-3", "", "19.50 USD", "2026-03-02", "stripe"), r("item-4", "", "999.00 USD", "2026-03-02", "stripe"),
		},
		external: []Record{r("bank-7", "", "220.00 USD", "2026-03-04", "stripe")},
		matches:  []matchView{{"subset", "item-2,item-1,item-3", "bank-7", "0.00 USD", false}},
		breaks:   []breakView{{"missing_external", "item-4", ""}},
	}, {
		name:     "one-to-many: two payments settle one invoice",
		internal: []Record{r("inv-9", "", "500.00 GBP", "2026-03-01", "p9")},
		external: []Record{r("pay-a", "", "300.00 GBP", "2026-03-03", "p9"), r("pay-b", "", "200.00 GBP", "2026-03-05", "p9"), r("pay-c", "", "250.00 GBP", "2026-03-05", "p9")},
		matches:  []matchView{{"subset", "inv-9", "pay-a,pay-b", "0.00 GBP", false}},
		breaks:   []breakView{{"missing_internal", "", "pay-c"}},
	}, {
		name:     "reference group: several payments quote one invoice",
		internal: []Record{r("inv-1", "INV-1", "90.00 USD", "2026-03-01", "p")},
		external: []Record{r("p1", "INV-1", "30.00 USD", "2026-03-02", "p"), r("p2", "INV-1", "60.00 USD", "2026-03-03", "p")},
		matches:  []matchView{{"reference", "inv-1", "p1,p2", "0.00 USD", false}},
	}, {
		name:     "never across currencies",
		internal: []Record{r("i1", "R1", "10.00 USD", "2026-03-01", "p"), r("i2", "", "20.00 USD", "2026-03-01", "p")},
		external: []Record{r("e1", "R1", "10.00 EUR", "2026-03-01", "p"), r("e2", "", "20.00 EUR", "2026-03-01", "p")},
		breaks:   []breakView{{"currency", "i1", "e1"}, {"missing_external", "i2", ""}, {"missing_internal", "", "e2"}},
	}, {
		name:     "reference pair outside tolerance is an amount break",
		internal: []Record{r("i1", "R1", "10.00 USD", "2026-03-01", "p")},
		external: []Record{r("e1", "R1", "12.00 USD", "2026-03-01", "p")},
		breaks:   []breakView{{"amount", "i1", "e1"}},
	}, {
		name:     "reference pair outside the window is a date break",
		internal: []Record{r("i1", "R1", "10.00 USD", "2026-03-01", "p")},
		external: []Record{r("e1", "R1", "10.00 USD", "2026-04-01", "p")},
		breaks:   []breakView{{"date", "i1", "e1"}},
	}, {
		name:     "status mismatch",
		internal: []Record{withStatus(r("i1", "R1", "10.00 USD", "2026-03-01", "p"), "paid")},
		external: []Record{withStatus(r("e1", "R1", "10.00 USD", "2026-03-01", "p"), "returned")},
		breaks:   []breakView{{"status", "i1", "e1"}},
	}, {
		name:     "duplicate bank line",
		internal: []Record{r("i1", "R1", "10.00 USD", "2026-03-01", "p")},
		external: []Record{r("e1", "R1", "10.00 USD", "2026-03-01", "p"), r("e1-again", "R1", "10.00 USD", "2026-03-01", "p")},
		matches:  []matchView{{"reference", "i1", "e1", "0.00 USD", false}},
		breaks:   []breakView{{"duplicate", "", "e1-again"}},
	}, {
		name:     "duplicate bank line without a reference",
		internal: []Record{r("i1", "", "10.00 USD", "2026-03-01", "p")},
		external: []Record{r("e2", "", "10.00 USD", "2026-03-01", "p"), r("e1", "", "10.00 USD", "2026-03-01", "p")},
		matches:  []matchView{{"amount-date", "i1", "e1", "0.00 USD", false}},
		breaks:   []breakView{{"duplicate", "", "e2"}},
	}, {
		name:     "unmatched repeats without a reference: the first in canonical order is the original",
		internal: []Record{r("i9", "", "10.00 USD", "2026-03-01", "p"), r("i3", "", "10.00 USD", "2026-03-01", "p"), r("i5", "", "10.00 USD", "2026-03-01", "p")},
		breaks:   []breakView{{"missing_external", "i3", ""}, {"duplicate", "i5", ""}, {"duplicate", "i9", ""}},
	}, {
		name:     "another counterparty, day, amount or a reference is not a repeat",
		internal: []Record{r("i1", "", "10.00 USD", "2026-03-01", "p"), r("i2", "", "10.00 USD", "2026-03-01", "q"), r("i3", "", "10.00 USD", "2026-03-02", "p"), r("i4", "", "10.01 USD", "2026-03-01", "p"), r("i5", "R5", "10.00 USD", "2026-03-01", "p"), r("i6", "", "10.00 EUR", "2026-03-01", "p")},
		breaks: []breakView{{"missing_external", "i6", ""}, {"missing_external", "i1", ""}, {"missing_external", "i2", ""}, {"missing_external", "i5", ""},
			{"missing_external", "i4", ""}, {"missing_external", "i3", ""}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := run(t, tt.cfg, tt.internal, tt.external)
			ms, bs := views(rep)
			if diff := cmp.Diff(tt.matches, ms); diff != "" {
				t.Errorf("matches (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.breaks, bs); diff != "" {
				t.Errorf("breaks (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTolerancePercent(t *testing.T) {
	for _, tt := range []struct {
		pct    string
		target int64
		want   int64
	}{
		{"1", 10000, 100}, {"1", 199, 1}, {"1", -199, 1}, {"2.5", 1000, 25}, {"0.125", 100000, 125},
		{"100", 1 << 53, 1 << 53}, {"0.0000000000000001", 1 << 53, 0}, {"33.333333333333333333", 300, 99},
	} {
		r, err := Rule{Name: "t", Kind: RuleTolerance, Tolerance: Tolerance{Percent: decimal.RequireFromString(tt.pct)}}.check()
		if err != nil {
			t.Fatal(err)
		}
		slow := r
		slow.pctDen = 0
		got, ref := r.tolerance(tt.target, 0), slow.tolerance(tt.target, 0)
		if got != tt.want || ref != tt.want {
			t.Errorf("%s%% of %d = %d (decimal path %d); want %d", tt.pct, tt.target, got, ref, tt.want)
		}
	}
}
