// Command saas-affiliate runs a SaaS affiliate program: affiliates earn 20%
// of every subscription payment for the first 12 months of the
// subscription; each commission is held 30 days; a refund inside the hold
// voids it, a refund or chargeback after it is clawed back; and partners
// are paid on the 1st of each month once they are owed at least $50 (below
// that the balance carries forward).
//
// The wiring: attribution credits the signup to the affiliate's last click
// (30-day cookie, self-referrals excluded); rules computes each payment's
// commission and each clawback; the ledger holds, releases and claws back,
// and is the only record of who is owed what; payout builds each month's
// batch from the payable balances (the $50 minimum), has it approved by
// someone other than its maker, and pays it through a provider (here
// payouttest's fake).
//
//	go run ./examples/saas-affiliate
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/attribution"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/memstore"
	"github.com/accruehq/accrue/payout"
	"github.com/accruehq/accrue/payout/payouttest"
	"github.com/accruehq/accrue/rules"
)

var usd = accrue.MustCurrency("USD")

// The program's terms.
const (
	holdDays      = 30
	minimumPayout = "50.00" // USD
)

var plan = rules.Plan{
	ID: "saas-affiliates", Version: "2025", Currency: "USD",
	ValidFrom: day(2025, 1, 1), TimeZone: "UTC", Rounding: "half-even", ClawbackDays: 120,
	Rules: []rules.Rule{{
		ID: "recurring-20", When: `event.kind == "payment"`, Percent: "20",
		Recurring: &rules.Recurring{Months: 12},
	}},
}

// signup is a customer's subscription, with the clicks before it.
type signup struct {
	Customer string
	Start    time.Time
	Price    string // per month
	Payments int
	Clicks   []attribution.Touchpoint
}

// reversal is a refund or chargeback of one payment.
type reversal struct {
	Customer string
	Payment  int // 1-based
	At       time.Time
	Kind     rules.Kind
}

// affiliates are the program's partners as payout sees them: paid by
// PayPal.
var affiliates = payout.PartnerMap{
	"ana": {ID: "ana", Method: payout.PayPal, Details: map[string]string{"email": "ana@blog.example"}},
	"bo":  {ID: "bo", Method: payout.PayPal, Details: map[string]string{"email": "bo@reviews.example"}},
	"cy":  {ID: "cy", Method: payout.PayPal, Details: map[string]string{"email": "cy@deals.example"}},
}

var signups = []signup{
	{"acme", day(2025, 2, 3), "99.00", 14, clicks("ana", day(2025, 1, 28))},
	{"bistro", day(2025, 11, 20), "49.00", 5, clicks("bo", day(2025, 11, 2))},
	{"cafe", day(2026, 1, 5), "29.00", 3, clicks("bo", day(2025, 12, 30))},
	{"delta", day(2026, 2, 10), "249.00", 2, append(clicks("ana", day(2025, 12, 1)), clicks("cy", day(2026, 2, 9))...)},
	{"cy", day(2026, 3, 1), "29.00", 1, clicks("cy", day(2026, 2, 28))}, // the affiliate signs up through their own link
}

var reversals = []reversal{
	{"bistro", 5, day(2026, 3, 25), rules.KindRefund},   // inside the hold: the commission is voided
	{"cafe", 1, day(2026, 2, 28), rules.KindChargeback}, // after release: clawed back
}

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "saas-affiliate:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer) error {
	// 1. Who referred each customer: the last click within 30 days.
	at, err := attribution.New(attribution.Options{Model: attribution.LastTouch(),
		Eligibility: attribution.Eligibility{Lookback: 30 * 24 * time.Hour}})
	if err != nil {
		return err
	}
	referrer := map[string]string{}
	for _, s := range signups {
		r, err := at.Attribute(ctx, attribution.Conversion{ID: "signup-" + s.Customer, Customer: s.Customer,
			Time: s.Start, Amount: accrue.MustParseMoney(s.Price + " USD"), Touchpoints: s.Clicks})
		if err != nil {
			return err
		}
		if len(r.Credits) == 0 {
			fmt.Fprintf(w, "%s  signup %-7s no affiliate: %s", s.Start.Format(time.DateOnly), s.Customer, r.NoCredit)
			for _, x := range r.Excluded {
				fmt.Fprintf(w, " (%s: %s)", x.Partner, x.Reason)
			}
			fmt.Fprintln(w)
			continue
		}
		referrer[s.Customer] = r.Credits[0].Partner
		fmt.Fprintf(w, "%s  signup %-7s referred by %s (%s)\n", s.Start.Format(time.DateOnly), s.Customer, referrer[s.Customer], r.Model)
	}

	// 2. The events: every payment of a referred subscription, and the
	// reversals, in time order.
	type event struct {
		rules.Event
		payday bool // a payout run, not a commission event
	}
	var events []event
	for _, s := range signups {
		if referrer[s.Customer] == "" {
			continue
		}
		for n := 1; n <= s.Payments; n++ {
			events = append(events, event{Event: rules.Event{
				ID: fmt.Sprintf("%s-pay-%02d", s.Customer, n), Kind: rules.KindPayment, Time: s.Start.AddDate(0, n-1, 0),
				Partner: rules.Partner{ID: referrer[s.Customer]}, Customer: s.Customer,
				Amount:       accrue.MustParseMoney(s.Price + " USD"),
				Subscription: rules.Subscription{ID: "sub-" + s.Customer, Start: s.Start, Payment: n},
			}})
		}
	}
	for _, r := range reversals {
		orig := fmt.Sprintf("%s-pay-%02d", r.Customer, r.Payment)
		i := slices.IndexFunc(events, func(e event) bool { return e.ID == orig })
		events = append(events, event{Event: rules.Event{ID: string(r.Kind) + "-" + orig, Kind: r.Kind, Time: r.At,
			Partner: events[i].Partner, Customer: r.Customer, Amount: events[i].Amount, Reverses: orig}})
	}
	for m := day(2025, 3, 1); !m.After(day(2026, 4, 1)); m = m.AddDate(0, 1, 0) {
		events = append(events, event{Event: rules.Event{ID: "payout-" + m.Format("2006-01-02"), Time: m}, payday: true})
	}
	slices.SortStableFunc(events, func(a, b event) int { return a.Time.Compare(b.Time) })

	// 3. Commissions and the ledger.
	compiled, err := rules.Compile(plan)
	if err != nil {
		return err
	}
	set, err := rules.NewPlanSet(compiled)
	if err != nil {
		return err
	}
	eng := rules.NewEngine(set, nil)
	clock := accrue.NewManualClock(day(2025, 1, 1))
	l, err := ledger.New(memstore.New(), ledger.WithClock(clock), ledger.WithAccountPolicy(chart))
	if err != nil {
		return err
	}
	svc, err := payout.New(l, payout.NewMemoryStore(), payout.Config{
		Clock:      clock,
		Partners:   affiliates,
		Thresholds: []accrue.Money{accrue.MustParseMoney(minimumPayout + " USD")},
	})
	if err != nil {
		return err
	}
	exec, err := svc.Executor("paypal", payouttest.NewFake(clock, payouttest.WithName("paypal")))
	if err != nil {
		return err
	}
	bk := &books{l: l, lines: map[string][]rules.Line{}, pending: map[string]pendingLine{}, svc: svc, exec: exec,
		earned: map[string]accrue.Money{}, clawed: map[string]accrue.Money{}, paid: map[string]accrue.Money{}}
	for _, e := range events {
		if err := bk.release(ctx, clock, e.Time); err != nil {
			return err
		}
		clock.Set(e.Time)
		if e.payday {
			if err := bk.payout(ctx, w, e.ID, e.Time); err != nil {
				return err
			}
			continue
		}
		if e.Kind.IsReversal() {
			e.Original = bk.lines[e.Reverses]
		}
		lines, err := eng.Evaluate(ctx, e.Event)
		if err != nil {
			return err
		}
		if err := bk.post(ctx, w, e.Event, lines); err != nil {
			return err
		}
	}

	// 4. Where each affiliate stands.
	fmt.Fprintln(w, "\nBalances on 2026-04-01 (payable carries forward; pending is inside the hold):")
	for _, p := range []string{"ana", "bo", "cy"} {
		b, err := l.Balance(ctx, payable(p))
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %-4s earned %9s  clawed back %7s  paid %9s  payable %7s  pending %7s\n", p,
			bk.earned[p].Amount().StringFixed(2), bk.clawed[p].Amount().StringFixed(2), bk.paid[p].Amount().StringFixed(2),
			b.Posted.Amount().StringFixed(2), b.PendingIn.Amount().StringFixed(2))
	}
	v, err := l.Verify(ctx, 0, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Ledger verified: %d transactions.\n", v.Checked)
	return nil
}

// books keeps the ledger side of the program.
type books struct {
	l                    *ledger.Ledger
	lines                map[string][]rules.Line // event id → its lines, for clawbacks
	pending              map[string]pendingLine  // line ref → open hold
	order                []string                // line refs in the order they were held
	earned, clawed, paid map[string]accrue.Money
	svc                  *payout.Service
	exec                 *payout.Executor
}

type pendingLine struct {
	tx  string
	due time.Time
}

// post records an event's lines: a commission is held for 30 days; a
// clawback voids the commission if it is still held, else is posted back
// from the partner's payable balance.
func (b *books) post(ctx context.Context, w io.Writer, e rules.Event, lines []rules.Line) error {
	b.lines[e.ID] = lines
	if len(lines) == 0 {
		fmt.Fprintf(w, "%s  %-22s %s pays %s: no commission (after the first 12 months)\n", e.Time.Format(time.DateOnly), e.ID, e.Customer, e.Amount)
		return nil
	}
	for _, ln := range lines {
		ref := ln.Ref().String()
		switch {
		case ln.Type == rules.Clawback:
			orig := ln.Reverses.String()
			b.clawed[ln.Partner] = add(b.clawed[ln.Partner], ln.Amount.Neg())
			if p, ok := b.pending[orig]; ok {
				if _, err := b.l.VoidPending(ctx, ledger.PendingInput{Key: "void/" + ref, PendingID: p.tx, EffectiveAt: e.Time, Metadata: ln.Meta()}); err != nil {
					return err
				}
				delete(b.pending, orig)
				fmt.Fprintf(w, "%s  %-22s %s %s: hold voided, %s never reaches the affiliate\n", e.Time.Format(time.DateOnly), e.ID, ln.Partner, e.Kind, ln.Amount.Neg())
				continue
			}
			if _, err := b.l.Post(ctx, ledger.TxInput{Key: "clawback/" + ref, EffectiveAt: e.Time, Metadata: ln.Meta(),
				Postings: move(payable(ln.Partner), "expense:commissions", ln.Amount.Neg())}); err != nil {
				return err
			}
			fmt.Fprintf(w, "%s  %-22s %s %s: clawed back %s\n", e.Time.Format(time.DateOnly), e.ID, ln.Partner, e.Kind, ln.Amount.Neg())
		default:
			tx, err := b.l.Hold(ctx, ledger.TxInput{Key: "accrual/" + ref, EffectiveAt: e.Time, Metadata: ln.Meta(),
				Postings: move("expense:commissions", payable(ln.Partner), ln.Amount)})
			if err != nil {
				return err
			}
			b.pending[ref] = pendingLine{tx: tx.ID, due: e.Time.AddDate(0, 0, holdDays)}
			b.order = append(b.order, ref)
			b.earned[ln.Partner] = add(b.earned[ln.Partner], ln.Amount)
		}
	}
	return nil
}

// release posts every hold whose 30 days have passed by t.
func (b *books) release(ctx context.Context, clock *accrue.ManualClock, t time.Time) error {
	for _, ref := range b.order {
		p, ok := b.pending[ref]
		if !ok || p.due.After(t) {
			continue
		}
		clock.Set(p.due)
		if _, err := b.l.PostPending(ctx, ledger.PendingInput{Key: "release/" + ref, PendingID: p.tx, EffectiveAt: p.due}); err != nil {
			return err
		}
		delete(b.pending, ref)
	}
	return nil
}

// payout runs the month's payout: payout builds a batch of every affiliate
// owed at least the minimum (the others carry forward, with the reason),
// the finance lead approves what operations built (maker-checker), and the
// executor pays it through the provider, here payouttest's fake.
func (b *books) payout(ctx context.Context, w io.Writer, run string, t time.Time) error {
	r, err := b.svc.Build(ctx, payout.BuildRequest{Run: run, Period: t.AddDate(0, -1, 0).Format("2006-01"), Cutoff: t, Creator: "ops@saas.example"})
	if err != nil {
		return err
	}
	for _, bt := range r.Batches {
		if _, err := b.svc.Approve(ctx, bt.ID, "finance@saas.example", bt.Hash); err != nil {
			return err
		}
		if _, err := b.exec.Execute(ctx, bt.ID); err != nil {
			return err
		}
		sts, err := b.svc.Status(ctx, bt.ID)
		if err != nil {
			return err
		}
		for i, it := range bt.Items {
			b.paid[it.Partner] = add(b.paid[it.Partner], it.Amount)
			fmt.Fprintf(w, "%s  %-22s %s %s %s\n", t.Format(time.DateOnly), run, it.Partner, sts[i].State, it.Amount)
		}
	}
	if t.Equal(day(2026, 4, 1)) {
		for _, c := range r.Carried {
			fmt.Fprintf(w, "%s  %-22s %s: %s carried forward (%s %s)\n", t.Format(time.DateOnly), run, c.Partner, c.Amount, c.Reason, minimumPayout)
		}
	}
	return nil
}

// chart opens accounts on first use: the commission expense, each
// affiliate's payable balance, and the cash and clearing accounts payout
// posts to.
func chart(name string) (ledger.Account, bool) {
	switch {
	case name == "expense:commissions":
		return ledger.Account{Name: name, Type: ledger.Expense, Currency: usd}, true
	case strings.HasPrefix(name, "assets:"): // cash, and the provider's clearing account
		return ledger.Account{Name: name, Type: ledger.Asset, Currency: usd}, true
	case strings.HasPrefix(name, "liabilities:"):
		return ledger.Account{Name: name, Type: ledger.Liability, Currency: usd}, true
	}
	return ledger.Account{}, false
}

func payable(partner string) string { return "liabilities:partners:" + partner + ":payable" }

// move debits from and credits to with amount.
func move(from, to string, amount accrue.Money) []ledger.Posting {
	return []ledger.Posting{{Account: from, Side: ledger.Debit, Amount: amount}, {Account: to, Side: ledger.Credit, Amount: amount}}
}

func add(a, b accrue.Money) accrue.Money {
	s, _ := a.Add(b)
	return s
}

func clicks(partner string, at time.Time) []attribution.Touchpoint {
	return []attribution.Touchpoint{{ID: partner + "-" + at.Format("0102"), Partner: partner, Channel: "affiliate", Kind: attribution.KindClick, Time: at}}
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
