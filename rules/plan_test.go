package rules

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr/file"
	"pgregory.net/rapid"
)

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name, text  string
		rule, field string
		line, col   int
		msg         string
	}{
		{"syntax", planJSON("", `{"id":"r","when":"event.kind == ","flat":"1"}`), "r", "when", 1, 14, "unexpected token"},
		{"type", planJSON("", `{"id":"r","when":"event.amount > 'x'","flat":"1"}`), "r", "when", 1, 14, "invalid operation"},
		{"unknown field", planJSON("", `{"id":"r","when":"event.kind == 'a' &&\n event.nope","flat":"1"}`), "r", "when", 2, 8, "no field nope"},
		{"unknown function", planJSON("", `{"id":"r","when":"frobnicate(event.kind)","flat":"1"}`), "r", "when", 1, 1, "unknown name frobnicate"},
		{"now disabled", planJSON("", `{"id":"r","when":"now() != nil","flat":"1"}`), "r", "when", 1, 1, "unknown name now"},
		{"not bool", planJSON("", `{"id":"r","when":"event.units","flat":"1"}`), "r", "when", 0, 0, "expected bool"},
		{"float formula", planJSON("", `{"id":"r","formula":"event.units / 2"}`), "r", "formula", 0, 0, "must return a decimal"},
		{"float in money", planJSON("", `{"id":"r","formula":"event.amount * float(2)"}`), "r", "formula", 1, 16, "unknown name float"},
		{"two outcomes", planJSON("", `{"id":"r","flat":"1","percent":"2"}`), "r", "outcome", 0, 0, "exactly one"},
		{"negative rate", planJSON("", `{"id":"r","percent":"-2"}`), "r", "percent", 0, 0, "negative"},
		{"cap below floor", planJSON("", `{"id":"r","percent":"2","cap":"1","floor":"2"}`), "r", "cap", 0, 0, "below floor"},
		{"tiers not from zero", planJSON("", `{"id":"r","tiers":{"mode":"graduated","bands":[{"from":"1","percent":"1"}]}}`), "r", "tiers.bands[0].from", 0, 0, "start at 0"},
		{"tiers not ascending", planJSON("", `{"id":"r","tiers":{"mode":"graduated","bands":[{"from":"0","percent":"1"},{"from":"5","percent":"1"},{"from":"5","percent":"1"}]}}`), "r", "tiers.bands[2].from", 0, 0, "ascend"},
		{"tiers gap", planJSON("", `{"id":"r","tiers":{"mode":"graduated","bands":[{"from":"0","up_to":"4","percent":"1"},{"from":"5","percent":"1"}]}}`), "r", "tiers.bands[0].up_to", 0, 0, "gap"},
		{"decelerator up", planJSON("", `{"id":"r","tiers":{"mode":"decelerator","bands":[{"from":"0","percent":"1"},{"from":"5","percent":"2"}]}}`), "r", "tiers.bands[1].percent", 0, 0, "not increase"},
		{"tier mode", planJSON("", `{"id":"r","tiers":{"mode":"weird","bands":[{"from":"0","percent":"1"}]}}`), "r", "tiers.mode", 0, 0, "unknown"},
		{"duplicate rule", planJSON("", `{"id":"r","flat":"1"},{"id":"r","flat":"1"}`), "r", "rules[1].id", 0, 0, "duplicate"},
		{"fraction of a cent", planJSON("", `{"id":"r","flat":"0.001"}`), "r", "flat", 0, 0, "finer than the minor unit"},
		{"no zone", `{"id":"p","currency":"USD","valid_from":"2026-01-01T00:00:00Z","rules":[{"id":"r","flat":"1"}]}`, "", "time_zone", 0, 0, "explicit"},
		{"local zone", `{"id":"p","currency":"USD","valid_from":"2026-01-01T00:00:00Z","time_zone":"Local","rules":[{"id":"r","flat":"1"}]}`, "", "time_zone", 0, 0, "explicit"},
		{"currency", `{"id":"p","currency":"XYZ","valid_from":"2026-01-01T00:00:00Z","time_zone":"UTC","rules":[{"id":"r","flat":"1"}]}`, "", "currency", 0, 0, "unknown currency"},
		{"unknown json field", "{\"id\":\"p\",\n  \"rulez\":[]}", "", "json", 2, 14, "unknown field"},
		{"json syntax", "{\"id\":\"p\",\n  \"rules\":[}", "", "json", 2, 12, "invalid character"},
		{"float amount", planJSON("", `{"id":"r","flat":1.5}`), "", "json", 1, 126, "cannot unmarshal number"},
		{"trailing", planJSON("", `{"id":"r","flat":"1"}`) + "{}", "", "json", 0, 0, "trailing"},
		{"hit policy", planJSON(`"hit_policy":"any"`, `{"id":"r","flat":"1"}`), "", "hit_policy", 0, 0, "unknown"},
		{"recurring", planJSON("", `{"id":"r","flat":"1","recurring":{"months":1,"payments":2}}`), "r", "recurring", 0, 0, "exactly one"},
		{"split zero", planJSON("", `{"id":"r","flat":"1","split":[{"partner":"","share":"0"}]}`), "r", "split", 0, 0, "zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadPlan([]byte(tt.text))
			var ce *CompileError
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidPlan) {
				t.Fatalf("err = %v, want a *CompileError", err)
			}
			if ce.Rule != tt.rule || ce.Field != tt.field || !strings.Contains(ce.Msg, tt.msg) {
				t.Errorf("got rule %q field %q msg %q; want rule %q field %q msg containing %q", ce.Rule, ce.Field, ce.Msg, tt.rule, tt.field, tt.msg)
			}
			if tt.line != 0 && (ce.Line != tt.line || ce.Column != tt.col) {
				t.Errorf("position %d:%d, want %d:%d (%v)", ce.Line, ce.Column, tt.line, tt.col, err)
			}
			if !strings.HasPrefix(err.Error(), "rules: ") {
				t.Errorf("message %q does not start with the package", err)
			}
		})
	}
}

func TestCompileErrorUnwrapsExprError(t *testing.T) {
	_, err := LoadPlan([]byte(planJSON("", `{"id":"r","when":"event.kind ==","flat":"1"}`)))
	var fe *file.Error
	if !errors.As(err, &fe) {
		t.Fatalf("%v does not unwrap to *file.Error", err)
	}
}

func TestHash(t *testing.T) {
	a := mustCompile(t, planJSON("", `{"id":"r","percent":"10"}`))
	b := mustCompile(t, planJSON("", `{"id":"r","percent":"10"}`))
	c := mustCompile(t, planJSON("", `{"id":"r","percent":"11"}`))
	if a.Hash() != b.Hash() || a.Hash() == c.Hash() || !strings.HasPrefix(a.Hash(), "sha256:") {
		t.Errorf("hashes %s %s %s", a.Hash(), b.Hash(), c.Hash())
	}
	// A plan built in Go hashes like the same plan read from JSON.
	p := a.Plan()
	p2 := Plan{ID: p.ID, Version: p.Version, Currency: "USD", ValidFrom: p.ValidFrom, TimeZone: "UTC", Rules: []Rule{{ID: "r", Percent: "10"}}}
	if p2.Hash() != a.Hash() {
		t.Errorf("Go plan hash %s, JSON plan hash %s", p2.Hash(), a.Hash())
	}
	var cache Cache
	x, _ := cache.Compile(p2)
	y, _ := cache.Compile(p2)
	if x != y || cache.Len() != 1 {
		t.Error("cache compiled twice")
	}
}

// compileVersion compiles version of plan id paying percent, in force from
// from until until ("" for open-ended; dates as 2006-01-02).
func compileVersion(t testing.TB, id, version, percent, from, until, cur, tz string) *Compiled {
	t.Helper()
	p := Plan{ID: id, Version: version, Currency: cur, TimeZone: tz, Rules: []Rule{{ID: "r", Percent: percent}}}
	p.ValidFrom, _ = time.Parse(time.DateOnly, from)
	if until != "" {
		p.ValidUntil, _ = time.Parse(time.DateOnly, until)
	}
	c, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPlanSet(t *testing.T) {
	v := func(version, from, until string) *Compiled {
		return compileVersion(t, "p", version, version, from, until, "USD", "UTC")
	}
	set, err := NewPlanSet(v("1", "2026-01-01", "2026-02-01"), v("2", "2026-02-01", ""))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		at, want string
	}{{"2026-01-31", "1"}, {"2026-02-01", "2"}, {"2030-01-01", "2"}, {"2025-12-31", ""}} {
		at, _ := time.Parse(time.DateOnly, tt.at)
		c, err := set.At("", at)
		got := ""
		if err == nil {
			got = c.Plan().Version
		} else if !errors.Is(err, ErrNoPlan) {
			t.Errorf("At(%s): %v", tt.at, err)
		}
		if got != tt.want {
			t.Errorf("At(%s) = %q, want %q", tt.at, got, tt.want)
		}
	}
	if _, err := NewPlanSet(v("1", "2026-01-01", "2026-03-01"), v("2", "2026-02-01", "")); !errors.Is(err, ErrOverlap) {
		t.Errorf("overlap: %v", err)
	}
	if _, err := NewPlanSet(v("1", "2026-01-01", ""), v("2", "2026-02-01", "")); !errors.Is(err, ErrOverlap) {
		t.Errorf("open-ended overlap: %v", err)
	}
}

func TestOverlapError(t *testing.T) {
	v := func(id, version, from, until, cur, tz string) *Compiled {
		return compileVersion(t, id, version, "1"+version, from, until, cur, tz)
	}
	ok := func(version, from, until string) *Compiled { return v("p", version, from, until, "USD", "UTC") }
	tests := []struct {
		name     string
		plans    []*Compiled
		a, b     string // versions named, in order
		mismatch string
	}{
		{"overlap", []*Compiled{ok("2", "2026-02-01", ""), ok("1", "2026-01-01", "2026-03-01")}, "1", "2", ""},
		{"open-ended", []*Compiled{ok("1", "2026-01-01", ""), ok("2", "2026-02-01", "")}, "1", "2", ""},
		{"same start", []*Compiled{ok("1", "2026-01-01", "2026-02-01"), ok("2", "2026-01-01", "2026-02-01")}, "", "", ""},
		{"middle of three", []*Compiled{ok("1", "2026-01-01", "2026-02-01"), ok("2", "2026-02-01", "2026-04-01"), ok("3", "2026-03-01", "")}, "2", "3", ""},
		{"currency", []*Compiled{ok("1", "2026-01-01", "2026-02-01"), v("p", "2", "2026-02-01", "", "EUR", "UTC")}, "1", "2", "currency"},
		{"time zone", []*Compiled{ok("1", "2026-01-01", "2026-02-01"), v("p", "2", "2026-02-01", "", "USD", "Europe/Berlin")}, "1", "2", "time zone"},
		{"first plan id reported", []*Compiled{v("z", "1", "2026-01-01", "", "USD", "UTC"), v("z", "2", "2026-02-01", "", "USD", "UTC"), v("a", "1", "2026-01-01", "", "USD", "UTC"), v("a", "2", "2026-02-01", "", "USD", "UTC")}, "1", "2", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPlanSet(tt.plans...)
			var oe *OverlapError
			if !errors.As(err, &oe) || !errors.Is(err, ErrOverlap) {
				t.Fatalf("err = %v, want an *OverlapError matching ErrOverlap", err)
			}
			if tt.a == "" { // same start: ordered by hash
				tt.a, tt.b = oe.A.Version, oe.B.Version
				if oe.A.Hash > oe.B.Hash || tt.a == tt.b {
					t.Errorf("same start: A %+v, B %+v", oe.A, oe.B)
				}
			}
			if oe.A.Version != tt.a || oe.B.Version != tt.b || oe.Mismatch != tt.mismatch || oe.A.Hash == "" || oe.B.Hash == "" {
				t.Errorf("got %+v, want versions %s and %s, mismatch %q", oe, tt.a, tt.b, tt.mismatch)
			}
			if tt.name == "first plan id reported" && oe.Plan != "a" {
				t.Errorf("plan %q, want a", oe.Plan)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "rules: overlapping plan versions: plan ") || !strings.Contains(msg, `"`+tt.a+`"`) || !strings.Contains(msg, `"`+tt.b+`"`) {
				t.Errorf("message %q does not name both versions", msg)
			}
		})
	}
}

// TestPlanSetOverlapProperty checks NewPlanSet against a model: it fails
// exactly when two versions' periods intersect, and then names two versions
// whose periods do.
func TestPlanSetOverlapProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 5).Draw(t, "versions")
		var plans []*Compiled
		type span struct{ from, until int } // months from 2026-01; until 0: open
		spans := map[string]span{}
		for i := range n {
			from := rapid.IntRange(0, 12).Draw(t, "from")
			until := 0
			if rapid.Bool().Draw(t, "bounded") {
				until = from + rapid.IntRange(1, 6).Draw(t, "months")
			}
			p := Plan{ID: "p", Version: fmt.Sprint(i), Currency: "USD", TimeZone: "UTC", Rules: []Rule{{ID: "r", Percent: fmt.Sprint(i)}},
				ValidFrom: time.Date(2026, time.Month(1+from), 1, 0, 0, 0, 0, time.UTC)}
			if until > 0 {
				p.ValidUntil = time.Date(2026, time.Month(1+until), 1, 0, 0, 0, 0, time.UTC)
			}
			c, err := Compile(p)
			if err != nil {
				t.Fatal(err)
			}
			plans = append(plans, c)
			spans[p.Version] = span{from, until}
		}
		meets := func(a, b span) bool {
			end := func(s span) int {
				if s.until == 0 {
					return 1 << 30
				}
				return s.until
			}
			return a.from < end(b) && b.from < end(a)
		}
		want := false
		for a := range spans {
			for b := range spans {
				want = want || a != b && meets(spans[a], spans[b])
			}
		}
		_, err := NewPlanSet(plans...)
		var oe *OverlapError
		if got := errors.As(err, &oe); got != want {
			t.Fatalf("NewPlanSet error %v, model says overlap %v", err, want)
		}
		if oe != nil && !meets(spans[oe.A.Version], spans[oe.B.Version]) {
			t.Fatalf("%v names versions that do not overlap", err)
		}
	})
}
