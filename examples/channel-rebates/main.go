// Command channel-rebates runs a channel-partner program: a master
// distributor, a distributor under it and resellers under that earn
// quarterly volume rebates on graduated tiers (each band at its own rate;
// the tiers start again each quarter), a SPIFF of $40 per unit of a new
// product line, and two-level overrides (the distributor earns 10% of its
// resellers' rebates, the master distributor 5%). Rewards are paid partly
// in kind: 20% of every rebate as loyalty points (100 points per dollar)
// and every SPIFF as vouchers, both custom units (accrue.NewUnit) that
// the ledger keeps in their own accounts. When the quarter closes, payout
// pays the cash part (maker-checker approval, a bank as the provider).
//
//	go run ./examples/channel-rebates
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/memstore"
	"github.com/accruehq/accrue/payout"
	"github.com/accruehq/accrue/payout/payouttest"
	"github.com/accruehq/accrue/rules"
	"github.com/shopspring/decimal"
)

var (
	usd = accrue.MustCurrency("USD")
	// points are the loyalty programme's points: whole points, 100 per USD.
	points = must(accrue.NewUnit("POINTS", 0))
	// vouchers are redeemable for training and demo kit, one per USD,
	// in cents.
	vouchers = must(accrue.NewUnit("VOUCHER", 2))
)

var plan = rules.Plan{
	ID: "channel-2026", Version: "2026", Currency: "USD",
	ValidFrom: day(2026, 1, 1), TimeZone: "UTC", Rounding: "half-even",
	Period: "quarter", HitPolicy: "collect",
	Rules: []rules.Rule{
		{ID: "volume-rebate", When: `event.kind == "sale"`, Overrides: []string{"10", "5"},
			Tiers: &rules.Tiers{Mode: "graduated", Period: "quarter", Bands: []rules.Band{
				{From: "0", Percent: "2"}, {From: "50000", Percent: "3"}, {From: "150000", Percent: "5"}}}},
		{ID: "spiff-edge", When: `event.kind == "sale" && event.product == "edge-x1"`, PerUnit: "40"},
	},
}

// channel is the partners as payout sees them: all paid by bank transfer.
var channel = payout.PartnerMap{
	"nordic-master": {ID: "nordic-master", Method: payout.BankTransfer, Details: map[string]string{"iban": "NO9386011117947", "name": "Nordic Master AS"}},
	"north-dist":    {ID: "north-dist", Method: payout.BankTransfer, Details: map[string]string{"iban": "NO8330001234567", "name": "North Distribution AS"}},
	"fjord-it":      {ID: "fjord-it", Method: payout.BankTransfer, Details: map[string]string{"iban": "NO5015032080119", "name": "Fjord IT AS"}},
	"polar-sys":     {ID: "polar-sys", Method: payout.BankTransfer, Details: map[string]string{"iban": "NO2715032080120", "name": "Polar Systems AS"}},
}

// The channel: resellers under a distributor under a master distributor.
var partners = map[string]rules.Partner{
	"nordic-master": {ID: "nordic-master", Tier: "master"},
	"north-dist":    {ID: "north-dist", Tier: "distributor", Parents: []string{"nordic-master"}},
	"fjord-it":      {ID: "fjord-it", Tier: "reseller", Parents: []string{"north-dist", "nordic-master"}},
	"polar-sys":     {ID: "polar-sys", Tier: "reseller", Parents: []string{"north-dist", "nordic-master"}},
}

type sale struct {
	ID, Partner, Product string
	At                   time.Time
	Units                int64
	Amount               string // USD
}

var sales = []sale{
	{"inv-1001", "fjord-it", "core-switch", day(2026, 1, 15), 20, "40000.00"},
	{"inv-1002", "fjord-it", "core-switch", day(2026, 2, 10), 15, "30000.00"}, // crosses 50,000: part at 2%, part at 3%
	{"inv-1003", "polar-sys", "edge-x1", day(2026, 2, 20), 5, "7500.00"},      // the new line: a SPIFF per unit
	{"inv-1004", "fjord-it", "edge-x1", day(2026, 3, 5), 12, "18000.00"},
	{"inv-1005", "north-dist", "core-switch", day(2026, 3, 30), 80, "160000.00"}, // sold direct: 2%, 3% and 5% bands
	{"inv-1006", "fjord-it", "core-switch", day(2026, 4, 2), 5, "10000.00"},      // a new quarter: back to 2%
}

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "channel-rebates:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer) error {
	compiled, err := rules.Compile(plan)
	if err != nil {
		return err
	}
	set, err := rules.NewPlanSet(compiled)
	if err != nil {
		return err
	}
	eng := rules.NewEngine(set, nil)
	clock := accrue.NewManualClock(day(2026, 1, 1))
	l, err := ledger.New(memstore.New(), ledger.WithClock(clock), ledger.WithAccountPolicy(chart))
	if err != nil {
		return err
	}
	svc, err := payout.New(l, payout.NewMemoryStore(), payout.Config{Clock: clock, Partners: channel})
	if err != nil {
		return err
	}

	earned, paid := accrue.Zero(usd), accrue.Zero(usd)
	quarterPaid := false
	for _, s := range sales {
		if close := day(2026, 4, 1); !quarterPaid && !s.At.Before(close) {
			clock.Set(close)
			if paid, err = payQuarter(ctx, w, svc, clock); err != nil {
				return err
			}
			quarterPaid = true
		}
		clock.Set(s.At)
		lines, x, err := eng.EvaluateExplain(ctx, rules.Event{ID: s.ID, Kind: rules.KindSale, Time: s.At,
			Partner: partners[s.Partner], Amount: accrue.MustParseMoney(s.Amount + " USD"), Units: s.Units, Product: s.Product})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s %s %-10s %-11s %3d units %10s USD\n", s.At.Format(time.DateOnly), s.ID, s.Partner, s.Product, s.Units, s.Amount)
		for _, r := range x.Rules {
			for _, b := range r.Bands {
				fmt.Fprintf(w, "    band from %9s at %s%%: %s on %s\n", x.Money(b.From).Amount().StringFixed(0),
					b.Rate.Shift(2).String(), x.Money(b.Amount), x.Money(b.Base))
			}
		}
		for _, ln := range lines {
			earned, _ = earned.Add(ln.Amount)
			rewards, err := pay(ctx, l, ln)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "    %-13s %-10s %-13s %12s  → %s\n", ln.Rule, ln.Type, ln.Partner, ln.Amount, strings.Join(rewards, " + "))
		}
	}

	fmt.Fprintln(w, "\nOwed to each partner (ledger balances: cash, points, vouchers):")
	for _, p := range []string{"nordic-master", "north-dist", "fjord-it", "polar-sys"} {
		var cols []string
		for _, c := range []accrue.Currency{usd, points, vouchers} {
			owed := accrue.Zero(c)
			b, err := l.Balance(ctx, account(p, c))
			switch {
			case err == nil:
				owed = b.Posted
			case !errors.Is(err, ledger.ErrUnknownAccount) && !errors.Is(err, ledger.ErrNotFound):
				return err
			}
			cols = append(cols, fmt.Sprintf("%17s", owed))
		}
		fmt.Fprintf(w, "  %-13s %s\n", p, strings.Join(cols, " "))
	}
	inUSD := paid.Amount()
	for _, root := range []string{"liabilities:partners:", "liabilities:loyalty:", "liabilities:vouchers:"} {
		totals, err := l.RollUp(ctx, root)
		if err != nil {
			return err
		}
		for _, t := range totals {
			fmt.Fprintf(w, "  owed in %-7s %s across %d accounts\n", t.Currency, t.Posted, t.Accounts)
			v := t.Posted.Amount()
			if t.Currency == points {
				v = v.Shift(-2) // 100 points per USD
			}
			inUSD = inUSD.Add(v)
		}
	}
	fmt.Fprintf(w, "Lines earned %s = cash paid %s + owed (cash + points/100 + vouchers): %s USD; ties out: %v\n",
		earned, paid, inUSD.StringFixed(2), inUSD.Equal(earned.Amount()))
	v, err := l.Verify(ctx, 0, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Ledger verified: %d transactions.\n", v.Checked)
	return nil
}

// payQuarter pays the quarter's cash rebates once the quarter has closed:
// payout builds the batch from the payable balances, the channel finance
// lead approves what operations built, and the executor pays it through the
// bank (here payouttest's fake). Points and vouchers stay with the loyalty
// platform. It returns what was paid.
func payQuarter(ctx context.Context, w io.Writer, svc *payout.Service, clock accrue.Clock) (accrue.Money, error) {
	paid := accrue.Zero(usd)
	run, err := svc.Build(ctx, payout.BuildRequest{Run: "rebates-2026-q1", Period: "2026-Q1", Cutoff: clock.Now(), Creator: "channel-ops@vendor.example"})
	if err != nil {
		return paid, err
	}
	exec, err := svc.Executor(string(payout.BankTransfer), payouttest.NewFake(clock, payouttest.WithName(string(payout.BankTransfer))))
	if err != nil {
		return paid, err
	}
	for _, b := range run.Batches {
		if _, err := svc.Approve(ctx, b.ID, "channel-finance@vendor.example", b.Hash); err != nil {
			return paid, err
		}
		rep, err := exec.Execute(ctx, b.ID)
		if err != nil {
			return paid, err
		}
		fmt.Fprintf(w, "%s %s: %d items, %s, %d paid\n", clock.Now().Format(time.DateOnly), b.ID, len(b.Items), b.Total, rep.Paid)
		for _, it := range b.Items {
			fmt.Fprintf(w, "    %-13s %12s by %s\n", it.Partner, it.Amount, b.Method)
		}
		paid, _ = paid.Add(b.Total)
	}
	return paid, nil
}

// pay records one line in the ledger as the program pays it: a SPIFF
// entirely in vouchers; a rebate or override 80% in cash and 20% in loyalty
// points. The split is exact to the cent (accrue.Allocate).
func pay(ctx context.Context, l *ledger.Ledger, ln rules.Line) ([]string, error) {
	var parts []accrue.Money
	if ln.Rule == "spiff-edge" {
		parts = []accrue.Money{accrue.New(ln.Amount.Amount(), vouchers)}
	} else {
		split, err := accrue.Allocate(ln.Amount, []decimal.Decimal{decimal.NewFromInt(80), decimal.NewFromInt(20)})
		if err != nil {
			return nil, err
		}
		parts = []accrue.Money{split[0], accrue.New(split[1].Amount().Shift(2), points)}
	}
	var out []string
	for i, m := range parts {
		if m.IsZero() {
			continue
		}
		if _, err := l.Post(ctx, ledger.TxInput{
			Key:         fmt.Sprintf("%s/%d", ln.Ref(), i),
			EffectiveAt: ln.EventTime,
			Metadata:    ln.Meta(),
			Postings: []ledger.Posting{
				{Account: "expense:rewards:" + strings.ToLower(m.Currency().Code()), Side: ledger.Debit, Amount: m},
				{Account: account(ln.Partner, m.Currency()), Side: ledger.Credit, Amount: m},
			},
		}); err != nil {
			return nil, err
		}
		out = append(out, m.String())
	}
	return out, nil
}

// account is the account of what the program owes a partner in one
// currency or unit: cash is the partner's payable balance, which payout
// pays; points and vouchers are owed through the loyalty platform.
func account(partner string, c accrue.Currency) string {
	switch c {
	case points:
		return "liabilities:loyalty:" + partner + ":points"
	case vouchers:
		return "liabilities:vouchers:" + partner + ":voucher"
	}
	return "liabilities:partners:" + partner + ":payable"
}

// chart opens accounts on first use: the partners' accounts (see
// account), the rewards expense per unit, and the clearing and cash
// accounts payout posts to, in USD.
func chart(name string) (ledger.Account, bool) {
	c := usd
	for _, u := range []accrue.Currency{points, vouchers} {
		if strings.HasSuffix(name, ":"+strings.ToLower(u.Code())) {
			c = u
		}
	}
	switch {
	case strings.HasPrefix(name, "expense:"):
		return ledger.Account{Name: name, Type: ledger.Expense, Currency: c}, true
	case strings.HasPrefix(name, "liabilities:"):
		return ledger.Account{Name: name, Type: ledger.Liability, Currency: c}, true
	case strings.HasPrefix(name, "assets:") && c == usd:
		return ledger.Account{Name: name, Type: ledger.Asset, Currency: usd}, true
	}
	return ledger.Account{}, false
}

func must(c accrue.Currency, err error) accrue.Currency {
	if err != nil {
		panic(err) // a constant unit definition: a programmer error
	}
	return c
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
