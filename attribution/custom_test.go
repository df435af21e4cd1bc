package attribution_test

import (
	"context"
	"errors"
	"testing"

	"github.com/accruehq/accrue/attribution"
)

func TestCustomExpr(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"1", "t1=33.34(1/3) t2=33.33(1/3) t3=33.33(1/3)"},
		{"first ? 3 : 1", "t1=60.00(3/5) t2=20.00(1/5) t3=20.00(1/5)"},
		{"2 ** (-age_days / 7)", "t1=14.29(1/7) t2=28.57(2/7) t3=57.14(4/7)"},
		{`channel == "direct" ? 0 : index + 1`, "t1=33.33(1/3) t2=66.67(2/3)"},
		{`metadata["boost"] == "yes" ? 9 : 1`, "t1=9.09(1/11) t2=81.82(9/11) t3=9.09(1/11)"},
		{"0", "none:model gave no touch weight"},
	}
	for _, tt := range tests {
		m, err := attribution.CustomExpr(tt.src)
		if err != nil {
			t.Fatalf("%s: %v", tt.src, err)
		}
		ts := three()
		ts[1].Metadata = map[string]string{"boost": "yes"}
		got := credits(attribute(t, m, attribution.Eligibility{}, conversion("100.00 USD", ts)))
		if got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.src, got, tt.want)
		}
		if m.Name() != "custom_expr("+tt.src+")" {
			t.Errorf("name %q", m.Name())
		}
	}
}

func TestCustomExprErrors(t *testing.T) {
	for _, src := range []string{"", "now()", `date("2020-01-01")`, "kind + 1", `"text"`, "index ==", "unknown_var"} {
		_, err := attribution.CustomExpr(src)
		var ee *attribution.ExprError
		if !errors.Is(err, attribution.ErrExpression) || !errors.As(err, &ee) {
			t.Errorf("%q: err = %v, want an *ExprError", src, err)
		}
	}
	for _, src := range []string{"-1", "0/0 * 1.0", "1 / (index - index)", `int("x")`} {
		m, err := attribution.CustomExpr(src)
		if err != nil {
			t.Errorf("%q: compile: %v", src, err)
			continue
		}
		a, _ := attribution.New(attribution.Options{Model: m})
		if _, err := a.Attribute(context.Background(), conversion("1.00 USD", three())); !errors.Is(err, attribution.ErrInvalidWeight) {
			t.Errorf("%q: err = %v, want ErrInvalidWeight", src, err)
		}
	}
}

func TestCustomFunc(t *testing.T) {
	m, err := attribution.CustomFunc("double_last", func(j *attribution.Journey, i int) float64 {
		if i == len(j.Touches)-1 {
			return 2
		}
		return 1
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := credits(attribute(t, m, attribution.Eligibility{}, conversion("1.00 USD", three()))), "t1=0.25(1/4) t2=0.25(1/4) t3=0.50(2/4)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if m.Name() != "custom(double_last)" {
		t.Errorf("name %q", m.Name())
	}
	if _, err := attribution.CustomFunc("", nil); !errors.Is(err, attribution.ErrInvalidModel) {
		t.Errorf("err = %v", err)
	}
}
