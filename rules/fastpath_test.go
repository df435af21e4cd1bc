package rules

import (
	"fmt"
	"testing"

	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// genCondition draws a condition in the shapes the fast path compiles (and a
// few it leaves to the virtual machine).
func genCondition() *rapid.Generator[string] {
	str := rapid.SampledFrom([]string{"event.kind", "event.product", "partner.tier", "event.attrs['c']", "partner.attrs['ip']", "event.customer", "partner.id"})
	lit := rapid.SampledFrom([]string{"'sale'", "'pro'", "'gold'", "'DE'", "''", "'p1'", "'1.2.3.4'"})
	num := rapid.SampledFrom([]string{"event.units", "period.count", "event.payment", "lifetime.count"})
	money := rapid.SampledFrom([]string{"event.amount", "period.volume", "lifetime.volume", "period.commission"})
	numLit := rapid.SampledFrom([]string{"0", "1", "2", "10", "-1", "2.0", "2.5"})
	moneyLit := rapid.SampledFrom([]string{"0", "10", "10.5", "10.55", "10.555", "99.99", "-3"})
	cmpOp := rapid.SampledFrom([]string{"==", "!=", "<", "<=", ">", ">="})
	var atom func(t *rapid.T, depth int) string
	atom = func(t *rapid.T, depth int) string {
		switch k := rapid.IntRange(0, 8).Draw(t, "k"); {
		case k == 7:
			f := rapid.SampledFrom([]string{"%s contains %s", "%s startsWith %s", "%s endsWith %s", "hasPrefix(%s, %s)", "hasSuffix(%s, %s)"}).Draw(t, "test")
			return fmt.Sprintf(f, str.Draw(t, "s"), lit.Draw(t, "lit"))
		case k == 0 && depth < 3:
			return "(" + atom(t, depth+1) + " " + rapid.SampledFrom([]string{"&&", "||", "and", "or"}).Draw(t, "op") + " " + atom(t, depth+1) + ")"
		case k == 1 && depth < 3:
			return rapid.SampledFrom([]string{"!", "not "}).Draw(t, "not") + "(" + atom(t, depth+1) + ")"
		case k == 2:
			return str.Draw(t, "s") + " " + rapid.SampledFrom([]string{"==", "!="}).Draw(t, "eq") + " " + rapid.OneOf(str, lit).Draw(t, "rhs")
		case k == 3:
			return str.Draw(t, "s") + " in [" + lit.Draw(t, "a") + ", " + lit.Draw(t, "b") + "]"
		case k == 4:
			return num.Draw(t, "n") + " " + cmpOp.Draw(t, "op") + " " + rapid.OneOf(num, numLit).Draw(t, "rhs")
		case k == 5:
			return money.Draw(t, "m") + " " + cmpOp.Draw(t, "op") + " " + rapid.OneOf(money, moneyLit).Draw(t, "rhs")
		case k == 6:
			return moneyLit.Draw(t, "l") + " " + cmpOp.Draw(t, "op") + " " + money.Draw(t, "m")
		}
		return rapid.SampledFrom([]string{"true", "false"}).Draw(t, "b")
	}
	return rapid.Custom(func(t *rapid.T) string { return atom(t, 0) })
}

func genEnv(t *rapid.T) *exprEnv {
	pick := func(name string, vs ...string) string { return rapid.SampledFrom(vs).Draw(t, name) }
	attrs := func(name, key string, vs ...string) map[string]string {
		if rapid.Bool().Draw(t, name+"-missing") {
			return map[string]string{}
		}
		return map[string]string{key: pick(name, vs...)}
	}
	units := func(name string) int64 { return rapid.Int64Range(-500, 20000).Draw(t, name) }
	env := newEnv()
	env.amount, env.periodVolume, env.lifetimeVolume, env.periodCommis = units("amount"), units("pv"), units("lv"), units("pc")
	env.ev = eventEnv{
		Kind: pick("kind", "sale", "refund"), Product: pick("product", "pro", "basic", ""), Customer: pick("customer", "p1", "c9"),
		Units: rapid.IntRange(0, 12).Draw(t, "units"), Payment: rapid.IntRange(0, 3).Draw(t, "payment"),
		Attrs: attrs("c", "c", "DE", "FR", ""), Amount: Decimal{decimal.New(env.amount, -2)},
	}
	env.pa = partnerEnv{ID: pick("pid", "p1", "p2"), Tier: pick("tier", "gold", "silver"), Attrs: attrs("ip", "ip", "1.2.3.4", "5.6.7.8")}
	env.pe = totalsEnv{Count: rapid.IntRange(0, 12).Draw(t, "pcount"), Volume: Decimal{decimal.New(env.periodVolume, -2)}, Commission: Decimal{decimal.New(env.periodCommis, -2)}}
	env.li = totalsEnv{Count: rapid.IntRange(0, 12).Draw(t, "lcount"), Volume: Decimal{decimal.New(env.lifetimeVolume, -2)}}
	return env
}

// TestFastPathAgreesWithVM checks that a condition compiled to a closure
// gives exactly what expr's virtual machine gives, on any environment.
func TestFastPathAgreesWithVM(t *testing.T) {
	fast := 0
	rapid.Check(t, func(t *rapid.T) {
		src := genCondition().Draw(t, "when")
		c, err := Compile(Plan{ID: "p", Currency: "USD", ValidFrom: t0, TimeZone: "UTC", Rules: []Rule{{ID: "r", When: src, Flat: "1"}}})
		if err != nil {
			t.Fatalf("compile %q: %v", src, err)
		}
		cond := c.rules[0].cond
		if cond.fast == nil {
			return
		}
		fast++
		env := genEnv(t)
		var m vm.VM
		out, err := m.Run(cond.prog, env)
		if err != nil {
			t.Fatalf("vm %q: %v", src, err)
		}
		if got := cond.fast(env); got != out.(bool) {
			t.Fatalf("%q: fast path %v, vm %v (env %+v)", src, got, out, fmt.Sprintf("%+v", *env))
		}
	})
	if fast == 0 {
		t.Error("no condition took the fast path")
	}
}

func TestFastPathCoverage(t *testing.T) {
	for src, want := range map[string]bool{
		"event.kind == 'sale' && event.amount >= 10":                        true,
		"event.attrs['country'] in ['DE', 'AT']":                            true,
		"not (partner.tier != 'gold') or period.count > 3":                  true,
		"event.amount > 10.005":                                             false, // finer than a cent
		"event.amount * 2 > 10":                                             false,
		"len(event.product) > 2":                                            false,
		"event.units > 2.5":                                                 false,
		"hasSuffix(event.product, '07') or event.product startsWith 'team'": true,
		"event.amount >= period.volume and event.units == 2.0":              true,
	} {
		c, err := Compile(Plan{ID: "p", Currency: "USD", ValidFrom: t0, TimeZone: "UTC", Rules: []Rule{{ID: "r", When: src, Flat: "1"}}})
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		if got := c.rules[0].cond.fast != nil; got != want {
			t.Errorf("%q: fast path %v, want %v", src, got, want)
		}
	}
}
