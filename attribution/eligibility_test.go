package attribution_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/attribution"
	"github.com/google/go-cmp/cmp"
)

func TestEligibility(t *testing.T) {
	journey := []attribution.Touchpoint{
		touch("old", "alice", "affiliate", attribution.KindClick, 40*day),
		touch("view", "bob", "display", attribution.KindView, 2*day),
		touch("click", "carol", "affiliate", attribution.KindClick, 3*day),
		touch("self", "dave", "affiliate", attribution.KindClick, day),
		touch("late", "erin", "affiliate", attribution.KindClick, -time.Hour),
		touch("coupon", "frank", "coupons", attribution.KindCoupon, 5*day),
		touch("spam", "mallory", "affiliate", attribution.KindClick, 4*day),
		touch("paid", "gina", "paid_search", attribution.KindClick, 4*day),
	}
	tests := []struct {
		name     string
		elig     attribution.Eligibility
		want     string
		excluded map[string]attribution.Reason
	}{
		{
			name: "defaults exclude after-conversion and self-referral",
			elig: attribution.Eligibility{},
			want: "view=1.00(1/1)",
			excluded: map[string]attribution.Reason{
				"late": attribution.ReasonAfterConversion, "self": attribution.ReasonSelfReferral,
			},
		},
		{
			name: "lookback, kind window, exclusions",
			elig: attribution.Eligibility{
				Lookback:        30 * day,
				KindWindows:     map[attribution.Kind]time.Duration{attribution.KindView: day},
				ExcludePartners: []string{"mallory"},
				ExcludeChannels: []string{"paid_search"},
			},
			want: "click=1.00(1/1)",
			excluded: map[string]attribution.Reason{
				"old": attribution.ReasonOutsideLookback, "view": attribution.ReasonOutsideKind,
				"self": attribution.ReasonSelfReferral, "late": attribution.ReasonAfterConversion,
				"spam": attribution.ReasonExcludedPartner, "paid": attribution.ReasonExcludedChannel,
			},
		},
		{
			name: "coupon priority",
			elig: attribution.Eligibility{CouponPriority: true, AllowSelfReferral: true, KindWindows: map[attribution.Kind]time.Duration{attribution.KindView: -1}},
			want: "coupon=1.00(1/1)",
			excluded: map[string]attribution.Reason{
				"old": attribution.ReasonCouponPriority, "view": attribution.ReasonExcludedKind,
				"click": attribution.ReasonCouponPriority, "self": attribution.ReasonCouponPriority,
				"late": attribution.ReasonAfterConversion, "spam": attribution.ReasonCouponPriority,
				"paid": attribution.ReasonCouponPriority,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := attribute(t, attribution.LastTouch(), tt.elig, conversion("1.00 USD", journey))
			if got := credits(r); got != tt.want {
				t.Errorf("credits %s, want %s", got, tt.want)
			}
			got := map[string]attribution.Reason{}
			for _, e := range r.Excluded {
				got[e.TouchpointID] = e.Reason
			}
			if d := cmp.Diff(tt.excluded, got); d != "" {
				t.Errorf("exclusions (-want +got):\n%s", d)
			}
		})
	}
}

func TestTieBreakTimeThenID(t *testing.T) {
	ts := []attribution.Touchpoint{
		touch("b", "p1", "c", attribution.KindClick, day),
		touch("a", "p2", "c", attribution.KindClick, day),
	}
	for _, m := range []attribution.Model{attribution.FirstTouch(), attribution.LastTouch()} {
		r := attribute(t, m, attribution.Eligibility{}, conversion("1.00 USD", ts))
		want := map[string]string{"first_touch": "a=1.00(1/1)", "last_touch": "b=1.00(1/1)"}[m.Name()]
		if got := credits(r); got != want {
			t.Errorf("%s: got %s, want %s", m.Name(), got, want)
		}
	}
}

func TestNoCredit(t *testing.T) {
	tests := []struct {
		name string
		ts   []attribution.Touchpoint
		want attribution.Reason
	}{
		{"empty journey", nil, attribution.ReasonNoTouchpoints},
		{"all excluded", []attribution.Touchpoint{touch("x", "dave", "c", attribution.KindClick, day)}, attribution.ReasonNoEligibleTouch},
	}
	for _, tt := range tests {
		r := attribute(t, attribution.Linear(), attribution.Eligibility{}, conversion("9.99 USD", tt.ts))
		if r.NoCredit != tt.want || len(r.Credits) != 0 {
			t.Errorf("%s: NoCredit %q with %d credits, want %q", tt.name, r.NoCredit, len(r.Credits), tt.want)
		}
	}
}

func TestDuplicateIDExcluded(t *testing.T) {
	ts := append(three(), touch("t1", "zed", "affiliate", attribution.KindClick, 3*day))
	r := attribute(t, attribution.Linear(), attribution.Eligibility{}, conversion("3.00 USD", ts))
	if got, want := credits(r), "t1=1.00(1/3) t2=1.00(1/3) t3=1.00(1/3)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if len(r.Excluded) != 1 || r.Excluded[0].Reason != attribution.ReasonDuplicateID || r.Excluded[0].Partner != "zed" {
		t.Errorf("excluded %+v", r.Excluded)
	}
}

func TestJourneySource(t *testing.T) {
	var asked []string
	src := attribution.JourneyFunc(func(ctx context.Context, customer string, before time.Time) ([]attribution.Touchpoint, error) {
		asked = append(asked, customer)
		if customer == "broken" {
			return nil, errors.New("store down")
		}
		return three(), nil
	})
	a, err := attribution.New(attribution.Options{Model: attribution.Linear(), Journeys: src})
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.Attribute(context.Background(), conversion("3.00 USD", nil))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := credits(r), "t1=1.00(1/3) t2=1.00(1/3) t3=1.00(1/3)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	c := conversion("3.00 USD", nil)
	c.Customer = "broken"
	if _, err := a.Attribute(context.Background(), c); !errors.Is(err, attribution.ErrInvalidConversion) {
		t.Errorf("err = %v, want ErrInvalidConversion", err)
	}
	if d := cmp.Diff([]string{"dave", "broken"}, asked); d != "" {
		t.Errorf("lookups (-want +got):\n%s", d)
	}
}

func TestAttributeErrors(t *testing.T) {
	a, _ := attribution.New(attribution.Options{Model: attribution.Linear()})
	c := conversion("1.00 USD", three())
	c.Amount = accrue.MustParseMoney("1.005 USD")
	if _, err := a.Attribute(context.Background(), c); !errors.Is(err, attribution.ErrInvalidConversion) {
		t.Errorf("unrounded amount: err = %v", err)
	}
	if _, err := attribution.New(attribution.Options{}); !errors.Is(err, attribution.ErrInvalidModel) {
		t.Errorf("no model: err = %v", err)
	}
}

func TestNegativeAmountSplitsExactly(t *testing.T) {
	r := attribute(t, attribution.Linear(), attribution.Eligibility{}, conversion("-1.00 USD", three()))
	if got, want := credits(r), "t1=-0.34(1/3) t2=-0.33(1/3) t3=-0.33(1/3)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestParticipation(t *testing.T) {
	ts := append(three(), touch("t0", "alice", "affiliate", attribution.KindClick, 20*day))
	a, _ := attribution.New(attribution.Options{Model: attribution.Linear()})
	r, err := a.Participation(context.Background(), conversion("10.00 USD", ts))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := credits(r), "t0=10.00(1/1) t2=10.00(1/1) t3=10.00(1/1)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if r.Model != "participation" {
		t.Errorf("model %q", r.Model)
	}
}

// TestExtremeTimes: times beyond int64 nanoseconds (before 1678, after
// 2262) sort and age exactly.
func TestExtremeTimes(t *testing.T) {
	ancient := attribution.Touchpoint{ID: "ancient", Partner: "a", Time: time.Date(1200, 1, 1, 0, 0, 0, 0, time.UTC)}
	old := attribution.Touchpoint{ID: "old", Partner: "b", Time: time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC)}
	future := attribution.Touchpoint{ID: "future", Partner: "c", Time: time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC)}
	recent := touch("recent", "d", "c", attribution.KindClick, day)
	c := conversion("4.00 USD", []attribution.Touchpoint{future, recent, old, ancient})
	r := attribute(t, attribution.Linear(), attribution.Eligibility{}, c)
	if got, want := credits(r), "ancient=1.34(1/3) old=1.33(1/3) recent=1.33(1/3)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if len(r.Excluded) != 1 || r.Excluded[0].Reason != attribution.ReasonAfterConversion {
		t.Errorf("excluded %+v", r.Excluded)
	}
	// A conversion far in the future: ages saturate at the largest
	// duration, beyond any lookback.
	c.Time = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	c.Touchpoints = []attribution.Touchpoint{old, recent}
	r = attribute(t, attribution.Linear(), attribution.Eligibility{Lookback: 200 * 365 * day}, c)
	if got, want := credits(r), "recent=4.00(1/1)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
