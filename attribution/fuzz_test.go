package attribution_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/attribution"
	"pgregory.net/rapid"
)

// FuzzCustomExpr compiles arbitrary expressions: compiling never panics,
// and a compiled expression either attributes with an exact split or fails
// with ErrInvalidWeight.
func FuzzCustomExpr(f *testing.F) {
	for _, s := range []string{
		"1", "first ? 2 : 1", "2 ** (-age_days / 7)", `kind == "view" ? 0.5 : 1`,
		`metadata["x"] == "" ? index : count`, "-1", "0/0", "now()", `date("2020-01-01")`,
		"1e308 * 10", "len(partner) + 0.5", "index == count - 1 ? 1 : 0", "((((", `"a" + 1`,
	} {
		f.Add(s)
	}
	ctx := context.Background()
	c := conversion("100.00 USD", three())
	c.Touchpoints[0].Metadata = map[string]string{"x": "y"}
	f.Fuzz(func(t *testing.T, src string) {
		m, err := attribution.CustomExpr(src)
		if err != nil {
			if !errors.Is(err, attribution.ErrExpression) {
				t.Fatalf("compile error %v does not match ErrExpression", err)
			}
			return
		}
		a, _ := attribution.New(attribution.Options{Model: m})
		r, err := a.Attribute(ctx, c)
		if err != nil {
			if !errors.Is(err, attribution.ErrInvalidWeight) {
				t.Fatalf("run error %v does not match ErrInvalidWeight", err)
			}
			return
		}
		if r.NoCredit != "" {
			return
		}
		sum := accrue.Zero(usd)
		for _, cr := range r.Credits {
			sum, _ = sum.Add(cr.Amount)
		}
		if !sum.Equal(c.Amount) {
			t.Fatalf("%q: credits sum to %s", src, sum)
		}
	})
}

// FuzzSplits runs the split properties (exact sums, weights summing to 1,
// permutation invariance) on inputs derived from fuzz bytes.
func FuzzSplits(f *testing.F) {
	models := allModels(f)
	prop := func(t *rapid.T) {
		m := rapid.SampledFrom(models).Draw(t, "model")
		ts := genJourney(0, 10).Draw(t, "journey")
		c := attribution.Conversion{ID: "c", Customer: "dave", Time: conv0, Amount: genAmount().Draw(t, "amount"), Touchpoints: ts}
		a, _ := attribution.New(attribution.Options{Model: m})
		r, err := a.Attribute(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, c, r)
	}
	f.Fuzz(rapid.MakeFuzz(prop))
}

// FuzzValidate feeds Validate conversions built from fuzz bytes: it never
// panics, every kept record passes the checks, and every record read is
// either kept or reported.
func FuzzValidate(f *testing.F) {
	prop := func(t *rapid.T) {
		n := rapid.IntRange(0, 6).Draw(t, "conversions")
		convs := make([]attribution.Conversion, n)
		for i := range convs {
			convs[i] = attribution.Conversion{
				ID:          rapid.SampledFrom([]string{"a", "b", "c"}).Draw(t, "id"),
				Customer:    rapid.SampledFrom([]string{"x", "y"}).Draw(t, "customer"),
				Time:        conv0.Add(time.Duration(rapid.SampledFrom([]int64{0, 1, -1, 1e12, -1e18}).Draw(t, "dt")) * time.Microsecond),
				Amount:      genAmount().Draw(t, "amount"),
				Touchpoints: genJourney(0, 4).Draw(t, "journey"),
			}
		}
		out, rep := attribution.Validate(convs, attribution.ValidateOptions{Now: conv0, DuplicateWindow: day})
		if rep.KeptConversions != len(out) || rep.Conversions != n {
			t.Fatalf("counts %+v with %d kept", rep, len(out))
		}
		dropped := 0
		for _, f := range rep.Findings {
			if f.Action == attribution.Dropped {
				dropped++
			}
		}
		if rep.Conversions+rep.Touchpoints-rep.KeptConversions-rep.KeptTouchpoints < dropped {
			t.Fatalf("more drops reported (%d) than records dropped (%+v)", dropped, rep)
		}
		for _, c := range out {
			if c.Amount.IsNegative() || c.Time.After(conv0) {
				t.Fatalf("kept a bad conversion %+v", c)
			}
			for _, tp := range c.Touchpoints {
				if tp.Time.After(c.Time) || tp.Time.IsZero() {
					t.Fatalf("kept a bad touch %+v", tp)
				}
			}
		}
	}
	f.Fuzz(rapid.MakeFuzz(prop))
}

// FuzzDecodeConversion decodes conversions from JSON, validates and
// attributes them: no input panics, and what Validate keeps attributes with
// an exact split.
func FuzzDecodeConversion(f *testing.F) {
	f.Add([]byte(`{"id":"c1","customer":"x","time":"2026-03-15T12:00:00Z","amount":{"amount":"100.00","currency":"USD"},
		"touchpoints":[{"id":"t1","partner":"p","channel":"email","kind":"click","time":"2026-03-14T12:00:00Z"},
		{"id":"t2","partner":"q","kind":"coupon","time":"2026-03-15T11:00:00Z","metadata":{"k":"v"}}]}`))
	f.Add([]byte(`{"id":"c2","time":"2026-03-15T12:00:00Z","amount":{"amount":"-1","currency":"JPY"},"touchpoints":[]}`))
	f.Add([]byte(`{"id":"c3","time":"0001-01-01T00:00:00Z","amount":{"amount":"1.001","currency":"KWD"}}`))
	f.Add([]byte(`{"amount":{"amount":1,"currency":"XXX"}}`))
	f.Add([]byte(`[]`))
	models := allModels(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var c attribution.Conversion
		if err := json.Unmarshal(data, &c); err != nil {
			return
		}
		kept, _ := attribution.Validate([]attribution.Conversion{c}, attribution.ValidateOptions{Now: conv0.Add(day), DuplicateWindow: time.Minute})
		for _, k := range kept {
			for _, m := range models {
				a, _ := attribution.New(attribution.Options{Model: m, Eligibility: attribution.Eligibility{CouponPriority: true, Lookback: 30 * day}})
				r, err := a.Attribute(context.Background(), k)
				if err != nil {
					t.Fatalf("%s: a validated conversion failed: %v", m.Name(), err)
				}
				if r.NoCredit != "" {
					continue
				}
				sum := accrue.Zero(k.Amount.Currency())
				for _, cr := range r.Credits {
					sum, _ = sum.Add(cr.Amount)
				}
				if !sum.Equal(k.Amount) {
					t.Fatalf("%s: credits sum to %s, want %s", m.Name(), sum, k.Amount)
				}
			}
		}
	})
}
