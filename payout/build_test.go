package payout_test

import (
	"errors"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/payout"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func TestBuildThresholdHoldNegativeFeesWithholdingFX(t *testing.T) {
	fees := payout.DefaultMethods()
	bt := fees[payout.BankTransfer]
	bt.Fee = payout.Fee{Fixed: []accrue.Money{accrue.FromMinorUnits(100, usd)}, Rate: decimal.RequireFromString("0.01")}
	fees[payout.BankTransfer] = bt
	rates := accrue.NewStaticRates(accrue.Rate{From: usd, To: eur, Value: decimal.RequireFromString("0.9"), At: start.AddDate(0, -1, 0), Source: "ecb"})
	e := newEnv(t, nil, payout.Config{Methods: fees, Rates: rates, Thresholds: []accrue.Money{accrue.FromMinorUnits(5000, usd)}})
	e.partner("small")
	e.earn(t, "small", usd, 4999) // below threshold
	e.partner("big")
	e.earn(t, "big", usd, 20000)
	held := e.partner("held")
	held.Hold = "fraud review"
	e.set(*held)
	e.earn(t, "held", usd, 90000)
	e.partner("owes")
	e.earn(t, "owes", usd, -3000)
	bank := payout.Partner{ID: "bank", Method: payout.BankTransfer, Details: map[string]string{"iban": "DE00", "name": "Bank Co"}, Withholding: decimal.RequireFromString("0.24")}
	e.set(bank)
	e.earn(t, "bank", usd, 10000)
	fx := e.partner("fx")
	fx.Currency = eur
	e.set(*fx)
	e.earn(t, "fx", usd, 10000)

	r := e.build(t, "r1")
	type row struct {
		Batch, Partner         string
		Gross, Fee, WH, Amount string
	}
	var got []row
	for _, b := range r.Batches {
		for _, it := range b.Items {
			got = append(got, row{b.ID, it.Partner, it.Gross.String(), it.Fee.String(), it.Withholding.String(), it.Amount.String()})
		}
	}
	want := []row{
		{"r1:bank_transfer:bank_transfer:usd:1", "bank", "100.00 USD", "2.00 USD", "24.00 USD", "74.00 USD"},
		{"r1:paypal:paypal:eur:1", "fx", "100.00 USD", "0.00 USD", "0.00 USD", "90.00 EUR"},
		{"r1:paypal:paypal:usd:1", "big", "200.00 USD", "0.00 USD", "0.00 USD", "200.00 USD"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("items (-want +got):\n%s", d)
	}
	skipped := func(list []payout.Skipped) map[string]string {
		m := map[string]string{}
		for _, s := range list {
			m[s.Partner] = s.Amount.String() + " " + s.Reason
		}
		return m
	}
	if d := cmp.Diff(map[string]string{"held": "900.00 USD fraud review"}, skipped(r.Held)); d != "" {
		t.Errorf("held (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]string{"small": "49.99 USD " + payout.ReasonBelowThreshold, "owes": "-30.00 USD " + payout.ReasonNegative}, skipped(r.Carried)); d != "" {
		t.Errorf("carried (-want +got):\n%s", d)
	}
	if r.Batches[1].Items[0].Rate == "" {
		t.Error("FX item has no recorded rate")
	}
	// Reserved: nothing left to pay for the paid partners; a second run
	// finds nothing new for them.
	if got := e.available(t, "liabilities:partners:big:payable"); got != 0 {
		t.Errorf("big's available after build = %d, want 0 (reserved)", got)
	}
	r2 := e.build(t, "r2")
	if len(r2.Batches) != 0 {
		t.Errorf("second run made %d batches from money already reserved", len(r2.Batches))
	}
	// Same run again: the saved result.
	if again := e.build(t, "r1"); !cmp.Equal(again.Batches[0].Hash, r.Batches[0].Hash) {
		t.Error("rebuilding a saved run changed it")
	}
}

func TestBuildSplitsAtItemLimitAndNegativeCarry(t *testing.T) {
	e := newEnv(t, nil, payout.Config{ItemLimit: 2, Negative: payout.NegativeCarry})
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		e.partner(id)
		e.earn(t, id, usd, 1000)
	}
	e.earn(t, "e", eur, -500)
	r := e.build(t, "r")
	var sizes []int
	for _, b := range r.Batches {
		sizes = append(sizes, len(b.Items))
	}
	if d := cmp.Diff([]int{2, 2}, sizes); d != "" {
		t.Errorf("batch sizes (-want +got):\n%s", d)
	}
	if len(r.Carried) != 2 {
		t.Fatalf("carried = %+v, want both of e's balances", r.Carried)
	}
}

func TestBuildFinishesACrashedBuild(t *testing.T) {
	fs := &faultStore{}
	e := newEnv(t, fs.wrap(nil), payout.Config{})
	for _, id := range []string{"a", "b", "c"} {
		e.partner(id)
		e.earn(t, id, usd, 1000)
	}
	availableAll := func(want int64) {
		t.Helper()
		for _, id := range []string{"a", "b", "c"} {
			if got := e.available(t, "liabilities:partners:"+id+":payable"); got != want {
				t.Errorf("%s available %d, want %d", id, got, want)
			}
		}
	}
	// The second commit of the build (the reservations, after the program
	// accounts) fails: nothing is reserved.
	fs.failCommitAfter(1)
	if _, err := e.svc.Build(e.ctx, payout.BuildRequest{Run: "r", Period: "2026-11", Creator: "maker"}); err == nil {
		t.Fatal("build with a failing store succeeded")
	}
	availableAll(1000)
	// Now the reservations are written but the build hears an error:
	// everything is reserved, and the next build reuses the holds.
	fs.failCommitAfterApplying(0)
	if _, err := e.svc.Build(e.ctx, payout.BuildRequest{Run: "r", Period: "2026-11", Creator: "maker"}); err == nil {
		t.Fatal("build with a failing store succeeded")
	}
	availableAll(0)
	fs.failCommitAfter(-1)
	n := e.txCount(t)
	r := e.build(t, "r")
	if k := len(r.Batches[0].Items); k != 3 {
		t.Fatalf("finished build has %d items, want 3", k)
	}
	if got := e.txCount(t); got != n {
		t.Errorf("finishing the build wrote %d transactions, want none", got-n)
	}
	availableAll(0)
}

func TestBuildRefusesUnknownPartnerAndEmptyRequest(t *testing.T) {
	t.Run("unknown partner", func(t *testing.T) {
		e := newEnv(t, nil, payout.Config{})
		e.earn(t, "ghost", usd, 1000)
		if _, err := e.svc.Build(e.ctx, payout.BuildRequest{Run: "r", Period: "p", Creator: "m"}); !errors.Is(err, payout.ErrUnknownPartner) {
			t.Fatalf("err = %v, want ErrUnknownPartner", err)
		}
	})
	t.Run("empty request", func(t *testing.T) {
		e := newEnv(t, nil, payout.Config{})
		if _, err := e.svc.Build(e.ctx, payout.BuildRequest{}); !errors.Is(err, payout.ErrInvalidInput) {
			t.Fatalf("err = %v, want ErrInvalidInput", err)
		}
	})
}

func TestBuildCutoffExcludesLaterEarnings(t *testing.T) {
	e := newEnv(t, nil, payout.Config{})
	e.partner("a")
	e.earn(t, "a", usd, 1000)
	e.clock.Advance(10 * 24 * time.Hour)
	e.earn(t, "a", usd, 500)
	r, err := e.svc.Build(e.ctx, payout.BuildRequest{Run: "r", Period: "2026-11", Creator: "m", Cutoff: start.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Batches[0].Items[0].Gross; !got.Equal(accrue.FromMinorUnits(1000, usd)) {
		t.Errorf("gross %s, want the 10.00 USD earned before the cut-off", got)
	}
	if got := e.available(t, "liabilities:partners:a:payable"); got != 500 {
		t.Errorf("available after build %d, want the 500 earned after the cut-off", got)
	}
}

func TestBuildLoyaltyPointsInACustomUnit(t *testing.T) {
	pts, err := accrue.NewUnit("PTS", 0)
	if err != nil {
		t.Fatal(err)
	}
	rates := accrue.NewStaticRates(accrue.Rate{From: usd, To: pts, Value: decimal.NewFromInt(100), At: start.AddDate(0, -1, 0), Source: "program"})
	e := newEnv(t, nil, payout.Config{Rates: rates})
	e.set(payout.Partner{ID: "l", Method: payout.LoyaltyPoints, Details: map[string]string{"member_id": "M-1"}, Currency: pts})
	e.earn(t, "l", usd, 1234) // 12.34 USD -> 1234 points
	r := e.build(t, "r")
	it := r.Batches[0].Items[0]
	if r.Batches[0].Method != payout.LoyaltyPoints || !it.Amount.Equal(accrue.FromMinorUnits(1234, pts)) || it.Rate == "" {
		t.Fatalf("item %+v in batch %s", it, r.Batches[0].ID)
	}
}

// TestBuildRoutesPerCurrency: a partner paid by PayPal by default has its
// EUR balance paid by bank transfer to an IBAN and its GBP balance
// converted to EUR, through routes; a route for a currency it holds no
// balance in changes nothing.
func TestBuildRoutesPerCurrency(t *testing.T) {
	gbp := accrue.MustCurrency("GBP")
	rates := accrue.NewStaticRates(accrue.Rate{From: gbp, To: eur, Value: decimal.RequireFromString("1.15"), At: start.AddDate(0, -1, 0), Source: "ecb"})
	e := newEnv(t, nil, payout.Config{Rates: rates})
	multi := e.partner("multi")
	bank := map[string]string{"iban": "DE89370400440532013000", "name": "Multi GmbH"}
	multi.Routes = []payout.Route{
		{Balance: eur, Method: payout.BankTransfer, Details: bank},
		{Balance: gbp, Method: payout.BankTransfer, Details: bank, Currency: eur},
		{Balance: accrue.MustCurrency("JPY"), Method: "carrier_pigeon"}, // no JPY balance: never used
	}
	e.set(*multi)
	e.earn(t, "multi", usd, 10000)
	e.earn(t, "multi", eur, 20000)
	e.earn(t, "multi", gbp, 10000)

	r := e.build(t, "r")
	type row struct {
		Batch, Gross, Amount string
		Details              map[string]string
	}
	var got []row
	for _, b := range r.Batches {
		for _, it := range b.Items {
			got = append(got, row{b.ID, it.Gross.String(), it.Amount.String(), it.Details})
		}
	}
	want := []row{
		{"r:bank_transfer:bank_transfer:eur:1", "200.00 EUR", "200.00 EUR", bank},
		{"r:bank_transfer:bank_transfer:eur:1", "100.00 GBP", "115.00 EUR", bank},
		{"r:paypal:paypal:usd:1", "100.00 USD", "100.00 USD", map[string]string{"email": "multi@example.com"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("items (-want +got):\n%s", d)
	}
}
