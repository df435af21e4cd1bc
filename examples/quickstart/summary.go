package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/attribution"
	"github.com/accruehq/accrue/payout"
	"github.com/accruehq/accrue/reconcile"
)

// writeSummary prints what each step did and the totals that tie out.
func writeSummary(w io.Writer, r *result) error {
	p, a, c := r.Program, r.Attributed, r.Commissions
	var b strings.Builder
	fmt.Fprintf(&b, "Accrue quickstart (seed %d): %s partners, %s touchpoints, %s orders, %s to %s\n\n",
		r.Config.Seed, count(len(p.Partners)), count(p.Touches), count(len(p.Orders)),
		p.Start.Format("2006-01-02"), p.End.AddDate(0, 0, -1).Format("2006-01-02"))

	dups := 0
	for _, f := range a.Report.Findings {
		if f.Action == attribution.Dropped {
			dups++
		}
	}
	fmt.Fprintf(&b, "1 validate   %s order records: %s kept, %s dropped (duplicates), %s touchpoints dropped\n",
		count(a.Report.Conversions), count(a.Report.KeptConversions), count(a.Report.Conversions-a.Report.KeptConversions),
		count(a.Report.Touchpoints-a.Report.KeptTouchpoints))
	_ = dups
	fmt.Fprintf(&b, "2 attribute  %s: %s orders credited (%s), %s organic, %s self-referral touches excluded\n",
		a.Model, count(a.Credited), money(a.Revenue), count(a.NoCredit), count(a.SelfReferrals))
	fmt.Fprintf(&b, "3 commission plan %s %s (%s…): %s lines, earned %s\n",
		c.Plan.ID(), c.Plan.Plan().Version, c.Plan.Hash()[:19], count(len(c.Lines)), money(c.Earned))
	fmt.Fprintf(&b, "             capped %s on %s lines; %s lines held for review (%s); %s refunds and chargebacks clawed back %s, %s lines past the %d-day window\n",
		money(c.Capped), count(c.CappedLines), count(c.Held), money(c.OnHold), count(c.Refunds), money(c.ClawedBack), count(c.OutsideWindow), clawbackDays)
	k := r.Books
	fmt.Fprintf(&b, "4 ledger     %s commissions held %d days (Hold): %s released (PostPending), %s clawbacks posted\n",
		count(k.Accrued), holdDays, count(k.Released), count(k.ClawedBack))

	py, st := r.Payouts, r.Settlement
	items, total := 0, accrue.Zero(usd)
	var methods []string
	for _, bt := range py.Run.Batches {
		items += len(bt.Items)
		total, _ = total.Add(bt.Total)
		methods = append(methods, fmt.Sprintf("%s %s", bt.Method, count(len(bt.Items))))
	}
	fmt.Fprintf(&b, "5 payout     run %s: %d batches (%s), %s items, %s\n",
		py.Run.ID, len(py.Run.Batches), strings.Join(methods, ", "), count(items), money(total))
	fmt.Fprintf(&b, "             left out: %s partners below the %s USD minimum (%s carried forward), %s partners on hold (%s)\n",
		count(len(py.Run.Carried)), minimumPayout, money(sumSkipped(py.Run.Carried)), count(len(py.Run.Held)), money(sumSkipped(py.Run.Held)))
	var who []string
	for _, a := range py.Approvals {
		who = append(who, a.Approver)
	}
	refused := "not refused!"
	if errors.Is(py.SelfApproval, payout.ErrSelfApproval) {
		refused = "refused"
	}
	fmt.Fprintf(&b, "             maker-checker: %s built it, own approval %s; approved by %s\n",
		maker, refused, strings.Join(uniq(who), ", "))
	var paid, failed, returned int
	for _, it := range st.Items {
		switch it.State {
		case payout.StatePaid:
			paid++
		case payout.StateFailed:
			failed++
		case payout.StateReturned:
			returned++
		}
	}
	fmt.Fprintf(&b, "             executed against %s with faults injected: %d refused, %d timeouts before and %d after the provider accepted\n",
		providerName, st.Injected.Fail, st.Injected.TimeoutBefore, st.Injected.TimeoutAfter)
	fmt.Fprintf(&b, "             recovered in %d passes (timeouts looked up, never blindly resubmitted): %s paid, %d failed (back to payable), %d returned by the bank; most payments of one key: %d\n",
		st.Passes, count(paid), failed, returned, st.MaxPaid)
	fmt.Fprintf(&b, "             %d status updates delivered (some twice, out of order), %d applied\n", st.Updates, st.Applied)
	fmt.Fprintf(&b, "6 reconcile  ledger vs %s settlement report (%s lines):\n", providerName, count(len(st.Settlement)))
	for _, rep := range []struct {
		when string
		r    *reconcile.Report
	}{{"before the updates", st.Before}, {"after the updates", st.After}} {
		leg := rep.r.Legs[0]
		var reasons []string
		for _, br := range rep.r.Breaks {
			note := ""
			if br.Resolution != nil {
				note = ", resolved: " + br.Resolution.Kind.String()
			}
			reasons = append(reasons, fmt.Sprintf("%s %s%s", br.Reason, money(cmpOr(br.LeftTotal, br.RightTotal)), note))
		}
		fmt.Fprintf(&b, "             %-18s %s matched, breaks: %d (%s)\n", rep.when, count(leg.MatchCount()), len(rep.r.Breaks), strings.Join(reasons, "; "))
	}
	m := st.After.Metrics("tier")
	fmt.Fprintf(&b, "             payout accuracy %.2f%%; open in the exception queue: %d\n", 100*m.Accuracy, len(st.Queue.Open()))

	t := r.Tally
	fmt.Fprintf(&b, "\nWhere every cent is, at the cut-off %s:\n", p.End.Format("2006-01-02"))
	width := len(money(t.Earned))
	row := func(label string, m accrue.Money, note string) {
		fmt.Fprintf(&b, "  %-16s %*s  %s\n", label, width, money(m), note)
	}
	row("earned", t.Earned, "commission lines")
	row("= paid", t.Paid, "paid by the provider")
	row("+ carried fwd", t.CarriedForward, "payable, not paid (below the threshold, failed)")
	row("+ held", t.Held, fmt.Sprintf("in the %d-day hold or review %s, partner holds %s", holdDays, money(t.Pending), money(t.PartnerHolds)))
	row("+ clawed back", t.ClawedBack, "refunds and chargebacks")
	verdict := "yes"
	if !t.TiesOut() {
		verdict = "NO"
	}
	fmt.Fprintf(&b, "  ties out: %s; ledger expense %s; ledger verified: %s transactions, hash chain intact\n",
		verdict, money(t.Expense), count(t.Verified.Checked))

	fmt.Fprintln(&b, "\nTop partners by commission earned:")
	top := slices.Clone(r.Statements)
	slices.SortStableFunc(top, func(x, y statement) int { c, _ := y.Earned.Cmp(x.Earned); return c })
	for _, s := range top[:min(5, len(top))] {
		hold := ""
		if s.Hold != "" {
			hold = "  on hold: " + s.Hold
		}
		fmt.Fprintf(&b, "  %-7s %-8s earned %12s  clawed back %9s  paid %12s  payable %10s  pending %10s%s\n", s.Partner, s.Tier,
			money(s.Earned), money(s.ClawedBack), money(s.Paid), money(s.Closing), money(s.Pending), hold)
	}
	nst := 0
	var other []string
	for _, f := range r.Files {
		if strings.HasPrefix(f, "statements") {
			nst++
		} else {
			other = append(other, f)
		}
	}
	fmt.Fprintf(&b, "\nWrote to %s: %s partner statements (CSV and HTML) in statements/, %s\n", r.Config.Out, count(nst/2), strings.Join(other, ", "))
	_, err := io.WriteString(w, b.String())
	return err
}

func sumSkipped(ss []payout.Skipped) accrue.Money {
	sum := accrue.Zero(usd)
	for _, s := range ss {
		sum, _ = sum.Add(s.Amount)
	}
	return sum
}

func uniq(ss []string) []string {
	slices.Sort(ss)
	return slices.Compact(ss)
}

// cmpOr returns a unless it is the zero Money.
func cmpOr(a, b accrue.Money) accrue.Money {
	if a.Currency().IsZero() {
		return b
	}
	return a
}

// money writes an amount with thousands separators: 1,234,567.89 USD.
func money(m accrue.Money) string {
	s := m.Amount().StringFixed(m.Currency().MinorUnits())
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	whole = group(whole)
	if neg {
		whole = "-" + whole
	}
	if frac != "" {
		whole += "." + frac
	}
	return whole + " " + m.Currency().Code()
}

// count writes n with thousands separators.
func count(n int) string {
	if n < 0 {
		return "-" + group(fmt.Sprint(-n))
	}
	return group(fmt.Sprint(n))
}

func group(digits string) string {
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return b.String()
}
