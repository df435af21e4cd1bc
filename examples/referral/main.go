// Command referral runs a customer referral program: a referrer earns a
// flat $20 when a friend they referred places a first order of at least
// $30. The feed's duplicates are dropped (a resent order, a double-fired
// pixel), a referrer using their own code earns nothing, the first referral
// link a friend used wins, and anomalies — a referrer's fourth referral in
// a month, a friend signing up on the referrer's device — put the reward on
// hold for review instead of paying it. A reviewer then releases or voids
// each held reward.
//
//	go run ./examples/referral
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
	"github.com/accruehq/accrue/attribution"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/memstore"
	"github.com/accruehq/accrue/rules"
)

var usd = accrue.MustCurrency("USD")

var plan = rules.Plan{
	ID: "refer-a-friend", Version: "2026-03", Currency: "USD",
	ValidFrom: day(2026, 3, 1), TimeZone: "UTC",
	Holds: []rules.Hold{
		{ID: "velocity", When: `period.count >= 3`, Reason: "more than 3 referrals this month"},
		{ID: "same-device", When: `event.attrs["device"] == partner.attrs["device"]`, Reason: "friend used the referrer's device"},
	},
	Rules: []rules.Rule{{ID: "friend-first-order", When: `event.amount >= 30`, Flat: "20.00"}},
}

// referrers are the customers with a referral code, and their device.
var referrers = map[string]string{"ana": "dev-a1", "bo": "dev-b7", "cy": "dev-c3"}

// order is a friend's first order as the shop's feed delivered it, with the
// referral links the friend followed before it.
type order struct {
	ID, Friend, Device string
	At                 time.Time
	Amount             string
	Links              []attribution.Touchpoint
}

var feed = []order{
	{"o-101", "zoe", "dev-z1", at(3, 2), "45.00", link("ana", at(3, 1))},
	{"o-102", "yan", "dev-y1", at(3, 3), "25.00", link("ana", at(3, 2))},                                  // under $30: not qualified
	{"o-103", "xia", "dev-x1", at(3, 4), "60.00", append(link("bo", at(3, 1)), link("ana", at(3, 3))...)}, // two links: the first wins
	{"o-103", "xia", "dev-x1", at(3, 4), "60.00", append(link("bo", at(3, 1)), link("ana", at(3, 3))...)}, // resent: same id
	{"o-104", "wes", "dev-w1", at(3, 5), "80.00", link("bo", at(3, 5).Add(-time.Hour))},
	{"o-104b", "wes", "dev-w1", at(3, 5).Add(20 * time.Second), "80.00", link("bo", at(3, 5).Add(-time.Hour))}, // pixel fired twice
	{"o-105", "cy", "dev-c3", at(3, 6), "99.00", link("cy", at(3, 6).Add(-time.Hour))},                         // own code
	{"o-106", "vic", "dev-b7", at(3, 9), "35.00", link("bo", at(3, 8))},                                        // bo's device
	{"o-107", "uma", "dev-u1", at(3, 10), "40.00", link("ana", at(3, 9))},
	{"o-108", "tom", "dev-t1", at(3, 12), "55.00", link("ana", at(3, 11))}, // ana's 4th referral this month (yan's counts)
	{"o-109", "sal", "dev-s1", at(3, 14), "70.00", link("ana", at(3, 13))}, // ana's 5th referral this month
}

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "referral:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer) error {
	// 1. Validate the feed: duplicates are dropped, each with a finding.
	device := map[string]string{}
	convs := make([]attribution.Conversion, len(feed))
	for i, o := range feed {
		convs[i] = attribution.Conversion{ID: o.ID, Customer: o.Friend, Time: o.At,
			Amount: accrue.MustParseMoney(o.Amount + " USD"), Touchpoints: o.Links}
		device[o.ID] = o.Device
	}
	kept, report := attribution.Validate(convs, attribution.ValidateOptions{Now: day(2026, 4, 1), DuplicateWindow: time.Minute})
	for _, f := range report.Findings {
		fmt.Fprintf(w, "feed: %s %s (%s)\n", f.Action, f.ConversionID, f.Problem)
	}

	// 2. Who referred each friend (the first link; own codes excluded),
	// and the reward under the plan.
	at, err := attribution.New(attribution.Options{Model: attribution.FirstTouch(),
		Eligibility: attribution.Eligibility{Lookback: 30 * 24 * time.Hour}})
	if err != nil {
		return err
	}
	compiled, err := rules.Compile(plan)
	if err != nil {
		return err
	}
	set, err := rules.NewPlanSet(compiled)
	if err != nil {
		return err
	}
	eng := rules.NewEngine(set, nil)
	clock := accrue.NewManualClock(day(2026, 3, 1))
	l, err := ledger.New(memstore.New(), ledger.WithClock(clock), ledger.WithAccountPolicy(chart))
	if err != nil {
		return err
	}
	held := map[string]string{} // order id → pending transaction
	for _, c := range kept {
		clock.Set(c.Time)
		r, err := at.Attribute(ctx, c)
		if err != nil {
			return err
		}
		head := fmt.Sprintf("%s %-6s %-3s %s", c.Time.Format(time.DateOnly), c.ID, c.Customer, c.Amount)
		if len(r.Credits) == 0 {
			fmt.Fprintf(w, "%s: no reward (%s", head, r.NoCredit)
			for _, x := range r.Excluded {
				fmt.Fprintf(w, "; %s: %s", x.Partner, x.Reason)
			}
			fmt.Fprintln(w, ")")
			continue
		}
		ref := r.Credits[0].Partner
		lines, err := eng.Evaluate(ctx, rules.Event{ID: c.ID, Kind: rules.KindSale, Time: c.Time, Customer: c.Customer,
			Partner: rules.Partner{ID: ref, Attrs: map[string]string{"device": referrers[ref]}},
			Amount:  c.Amount, Attrs: map[string]string{"device": device[c.ID]}})
		if err != nil {
			return err
		}
		if len(lines) == 0 {
			fmt.Fprintf(w, "%s: referred by %s, not qualified (first order under 30.00 USD)\n", head, ref)
			continue
		}
		for _, ln := range lines {
			in := ledger.TxInput{Key: "reward/" + ln.Ref().String(), EffectiveAt: c.Time, Metadata: ln.Meta(),
				Postings: []ledger.Posting{
					{Account: "expense:referrals", Side: ledger.Debit, Amount: ln.Amount},
					{Account: "liabilities:partners:" + ln.Partner + ":payable", Side: ledger.Credit, Amount: ln.Amount},
				}}
			if ln.Status == rules.OnHold {
				tx, err := l.Hold(ctx, in)
				if err != nil {
					return err
				}
				held[c.ID] = tx.ID
				fmt.Fprintf(w, "%s: referred by %s, %s ON HOLD: %s\n", head, ref, ln.Amount, ln.HoldReason)
				continue
			}
			if _, err := l.Post(ctx, in); err != nil {
				return err
			}
			fmt.Fprintf(w, "%s: referred by %s, %s payable\n", head, ref, ln.Amount)
		}
	}

	// 3. Review: the reviewer clears one held reward, rejects another and
	// leaves the third pending.
	clock.Set(day(2026, 3, 20))
	for _, d := range []struct{ order, decision string }{{"o-108", "release"}, {"o-106", "void"}} {
		in := ledger.PendingInput{Key: "review/" + d.order, PendingID: held[d.order],
			Metadata: map[string]string{"reviewed_by": "risk@shop.example", "decision": d.decision}}
		if d.decision == "release" {
			_, err = l.PostPending(ctx, in)
		} else {
			_, err = l.VoidPending(ctx, in)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "review %s: %s\n", d.order, d.decision)
	}

	fmt.Fprintln(w, "\nOwed to referrers:")
	for _, p := range []string{"ana", "bo", "cy"} {
		b, err := l.Balance(ctx, "liabilities:partners:"+p+":payable")
		switch {
		case errors.Is(err, ledger.ErrUnknownAccount) || errors.Is(err, ledger.ErrNotFound):
			fmt.Fprintf(w, "  %-3s nothing\n", p)
			continue
		case err != nil:
			return err
		}
		fmt.Fprintf(w, "  %-3s payable %s, on hold %s\n", p, b.Posted, b.PendingIn)
	}
	v, err := l.Verify(ctx, 0, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Ledger verified: %d transactions.\n", v.Checked)
	return nil
}

// chart opens the referral expense and referrers' payable accounts on
// first use.
func chart(name string) (ledger.Account, bool) {
	switch {
	case name == "expense:referrals":
		return ledger.Account{Name: name, Type: ledger.Expense, Currency: usd}, true
	case strings.HasPrefix(name, "liabilities:partners:"):
		return ledger.Account{Name: name, Type: ledger.Liability, Currency: usd}, true
	}
	return ledger.Account{}, false
}

func link(referrer string, t time.Time) []attribution.Touchpoint {
	return []attribution.Touchpoint{{ID: "ref-" + referrer + "-" + t.Format("0102T15"), Partner: referrer,
		Channel: "referral", Kind: attribution.KindReferral, Time: t}}
}

func at(m time.Month, d int) time.Time { return time.Date(2026, m, d, 12, 0, 0, 0, time.UTC) }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
