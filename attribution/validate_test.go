package attribution_test

import (
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/attribution"
	"github.com/google/go-cmp/cmp"
)

func TestValidate(t *testing.T) {
	now := conv0.Add(time.Hour)
	pts, _ := accrue.NewUnit("PTS", 0)
	gold, _ := accrue.NewUnit("GOLD", 2)
	good := conversion("10.00 USD", append(three(),
		touch("t1", "x", "affiliate", attribution.KindClick, 3*day),            // duplicate id
		touch("t2b", "bob", "email", attribution.KindClick, 7*day-time.Minute), // duplicate content
		touch("zero", "bob", "email", attribution.KindClick, 0),
		touch("late", "bob", "email", attribution.KindClick, -time.Minute),
		touch("future", "bob", "email", attribution.KindClick, -2*time.Hour),
	))
	good.Touchpoints[5].Time = time.Time{}
	dupID := conversion("99.00 USD", nil)
	dupID.Time = conv0.Add(time.Minute)
	dupContent := conversion("10.00 USD", three())
	dupContent.ID, dupContent.Time = "c2", conv0.Add(2*time.Minute)
	empty := conversion("1.00 USD", []attribution.Touchpoint{touch("only", "p", "c", attribution.KindClick, -time.Minute)})
	empty.ID, empty.Customer = "c3", "eve"
	points := conversion("5.00 USD", three())
	points.ID, points.Customer, points.Amount = "c4", "fay", accrue.FromMinorUnits(5, pts)
	bad := func(id string, mod func(*attribution.Conversion)) attribution.Conversion {
		c := conversion("1.00 USD", three())
		c.ID, c.Customer = id, id
		mod(&c)
		return c
	}
	in := []attribution.Conversion{
		bad("neg", func(c *attribution.Conversion) { c.Amount = accrue.MustParseMoney("-1.00 USD") }),
		good, dupID, dupContent, empty, points,
		bad("nocur", func(c *attribution.Conversion) { c.Amount = accrue.Money{} }),
		bad("gold", func(c *attribution.Conversion) { c.Amount = accrue.FromMinorUnits(1, gold) }),
		bad("fine", func(c *attribution.Conversion) { c.Amount = accrue.MustParseMoney("1.001 USD") }),
		bad("zero", func(c *attribution.Conversion) { c.Time = time.Time{} }),
		bad("future", func(c *attribution.Conversion) { c.Time = now.Add(time.Second) }),
	}
	out, rep := attribution.Validate(in, attribution.ValidateOptions{Now: now, DuplicateWindow: 5 * time.Minute, Units: []accrue.Currency{pts}})
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.String())
	}
	want := []string{
		`dropped conversion "zero": zero timestamp`,
		`dropped conversion "c1" touchpoint "zero": zero timestamp`,
		`dropped conversion "c1" touchpoint "t2b": duplicate touchpoint content within window (same content 1m0s after the previous one)`,
		`dropped conversion "c1" touchpoint "t1": duplicate touchpoint id`,
		`dropped conversion "c1" touchpoint "late": touchpoint after conversion (1m0s after)`,
		`dropped conversion "c1" touchpoint "future": timestamp in the future (1h0m0s after 2026-03-15T13:00:00Z)`,
		`dropped conversion "c3" touchpoint "only": touchpoint after conversion (1m0s after)`,
		`flagged conversion "c3": no touchpoints`,
		`dropped conversion "fine": amount finer than the minor unit (1.001 USD)`,
		`dropped conversion "gold": unknown currency ("GOLD")`,
		`dropped conversion "neg": negative amount (-1.00 USD)`,
		`dropped conversion "nocur": unknown currency ("")`,
		`dropped conversion "c1": duplicate conversion id`,
		`dropped conversion "c2": duplicate conversion content within window (same customer and amount 2m0s after the previous one)`,
		`dropped conversion "future": timestamp in the future (1s after 2026-03-15T13:00:00Z)`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
	var ids []string
	for _, c := range out {
		ids = append(ids, c.ID)
	}
	if d := cmp.Diff([]string{"c1", "c3", "c4"}, ids); d != "" {
		t.Errorf("kept (-want +got):\n%s", d)
	}
	if len(out[0].Touchpoints) != 3 || len(out[1].Touchpoints) != 0 || out[1].Touchpoints == nil {
		t.Errorf("journeys: %d, %v", len(out[0].Touchpoints), out[1].Touchpoints)
	}
	if rep.Conversions != 11 || rep.KeptConversions != 3 || rep.KeptTouchpoints != 6 || rep.Clean() {
		t.Errorf("report counts %+v", rep)
	}
	if len(in[1].Touchpoints) != 8 {
		t.Errorf("input modified")
	}
}
