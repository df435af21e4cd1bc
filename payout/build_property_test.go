package payout_test

import (
	"fmt"
	"testing"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/payout"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// TestBuildProperties checks the builder's invariants over random partners:
// totals tie out (items + carried + held = payable, per currency); no
// payable account is paid twice and no partner appears twice per currency
// in a batch; every balance is paid with its route's method, else the
// partner's; thresholds and item limits are respected; every item's
// amounts add up; the paid balances are fully reserved.
func TestBuildProperties(t *testing.T) { rapid.Check(t, buildProperties) }

// FuzzBuildProperties runs the builder properties under go test -fuzz.
func FuzzBuildProperties(f *testing.F) { f.Fuzz(rapid.MakeFuzz(buildProperties)) }

func buildProperties(t *rapid.T) {
	limit := rapid.IntRange(1, 4).Draw(t, "itemLimit")
	thr := rapid.Int64Range(0, 3000).Draw(t, "threshold")
	policy := payout.NegativePolicy(rapid.IntRange(0, 1).Draw(t, "negative"))
	methods := payout.DefaultMethods()
	pp := methods[payout.PayPal]
	pp.Fee = payout.Fee{Fixed: []accrue.Money{accrue.FromMinorUnits(rapid.Int64Range(0, 300).Draw(t, "fee"), usd)}}
	methods[payout.PayPal] = pp
	e := newEnv(t, nil, payout.Config{ItemLimit: limit, Negative: policy, Methods: methods,
		Thresholds: []accrue.Money{accrue.FromMinorUnits(thr, usd), accrue.FromMinorUnits(thr, eur)}})
	want := map[accrue.Currency]int64{}
	method := map[string]payout.Method{} // partner/currency → the method its balance must be paid with
	n := rapid.IntRange(0, 8).Draw(t, "partners")
	for i := range n {
		id := fmt.Sprintf("p%d", i)
		p := e.partner(id)
		if rapid.Bool().Draw(t, "hold") {
			p.Hold = "missing tax form"
		}
		p.Withholding = decimal.New(rapid.Int64Range(0, 30).Draw(t, "withholding%"), -2)
		if rapid.Bool().Draw(t, "eurByBank") {
			p.Routes = []payout.Route{{Balance: eur, Method: payout.BankTransfer, Details: map[string]string{"iban": "DE" + id, "name": id}}}
		}
		method[id+"/EUR"] = payout.PayPal
		if len(p.Routes) > 0 {
			method[id+"/EUR"] = payout.BankTransfer
		}
		method[id+"/USD"] = payout.PayPal
		e.set(*p)
		for _, cur := range []accrue.Currency{usd, eur} {
			u := rapid.Int64Range(-5000, 50000).Draw(t, "balance")
			e.earn(t, id, cur, u)
			want[cur] += u
		}
	}
	r, err := e.svc.Build(e.ctx, payout.BuildRequest{Run: "r", Period: "p", Creator: "m"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[accrue.Currency]int64{}
	units := func(m accrue.Money) int64 { u, _ := m.MinorUnits(); return u }
	for _, s := range append(r.Held, r.Carried...) {
		got[s.Amount.Currency()] += units(s.Amount)
	}
	accounts := map[string]bool{}
	for _, b := range r.Batches {
		if len(b.Items) > limit {
			t.Fatalf("batch %s has %d items, limit %d", b.ID, len(b.Items), limit)
		}
		if b.ContentHash() != b.Hash {
			t.Fatalf("batch %s hash mismatch", b.ID)
		}
		perCur := map[string]bool{}
		var total int64
		for _, it := range b.Items {
			got[it.Gross.Currency()] += units(it.Gross)
			k := it.Partner + "/" + it.Gross.Currency().Code()
			if perCur[k] || accounts[it.Account] {
				t.Fatalf("partner %s twice in %s", k, b.ID)
			}
			perCur[k], accounts[it.Account] = true, true
			if b.Method != method[k] {
				t.Fatalf("%s paid by %s, want %s", k, b.Method, method[k])
			}
			if units(it.Gross) < thr {
				t.Fatalf("item %s gross %s below threshold %d", it.ID, it.Gross, thr)
			}
			if units(it.Gross)-units(it.Fee)-units(it.Withholding) != units(it.Net) || units(it.Net) <= 0 {
				t.Fatalf("item %s does not add up: %+v", it.ID, it)
			}
			if e.available(t, it.Account) != 0 {
				t.Fatalf("item %s: account %s not fully reserved", it.ID, it.Account)
			}
			total += units(it.Amount)
		}
		if total != units(b.Total) {
			t.Fatalf("batch %s total %s, items sum %d", b.ID, b.Total, total)
		}
	}
	for _, cur := range []accrue.Currency{usd, eur} {
		if got[cur] != want[cur] {
			t.Fatalf("%s: items+carried+held = %d, payable = %d", cur, got[cur], want[cur])
		}
	}
}
