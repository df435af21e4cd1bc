package payout

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// BuildRequest asks for a run of batches.
type BuildRequest struct {
	// Run identifies the run; building the same Run again returns the saved
	// result, or finishes a build that crashed (its reservations are found
	// in the ledger by MetaRun and reused).
	Run string
	// Period is the period paid ("2026-11"); it goes into idempotency keys
	// and statements.
	Period string
	// Cutoff, when set, excludes earnings posted after it: a balance counts
	// its posted amount as of Cutoff less what is already reserved. Rates are
	// taken at Cutoff (else at the clock's now).
	Cutoff time.Time
	// Creator is the host's identity of who builds; they cannot approve.
	Creator string
}

// balance is one payable account's amount to consider.
type balance struct {
	partner, account string
	cur              accrue.Currency
	units            int64
}

// plans are the items of a run before they have ids, in account order,
// each with the batch group it goes to (parallel slices, so that grouping
// can hand out runs of items without copying them).
type plans struct {
	items []Item
	keys  []groupKey
}

// Build makes a run: it reads every partner's payable balance, leaves out
// partners on hold and balances below threshold or negative (with reasons),
// computes fees, withholding and FX, groups items by provider, method and
// currency, splits at ItemLimit, reserves every item with a ledger Hold
// tagged with batch and item ids (so the same money cannot go into two
// batches), all in one atomic ledger.HoldBatch, and saves the batch
// documents.
//
// A partner with an unknown method, missing payment details or a payout
// currency without a rate fails the whole build with a *PartnerError
// before anything is written.
func (s *Service) Build(ctx context.Context, req BuildRequest) (Run, error) {
	if req.Run == "" || req.Period == "" || req.Creator == "" || len(req.Run) > 100 || strings.ContainsAny(req.Run, "\x00") {
		return Run{}, errorf(ErrInvalidInput, "build needs Run (1-100 bytes), Period and Creator")
	}
	if r, err := s.store.Run(ctx, req.Run); err == nil {
		return r, nil
	} else if !errors.Is(err, ErrNotFound) {
		return Run{}, fmt.Errorf("payout: build %s: %w", req.Run, err)
	}
	ours, err := s.openReservations(ctx, req.Run)
	if err != nil {
		return Run{}, err
	}
	bals, err := s.balances(ctx, req.Cutoff, ours)
	if err != nil {
		return Run{}, err
	}
	run := Run{ID: req.Run, Period: req.Period}
	pl := plans{items: make([]Item, 0, len(bals)), keys: make([]groupKey, 0, len(bals))}
	for i := 0; i < len(bals); {
		j := i + 1
		for j < len(bals) && bals[j].partner == bals[i].partner {
			j++
		}
		if err = s.planPartner(ctx, &run, req, bals[i:j], &pl); err != nil {
			return Run{}, err
		}
		i = j
	}
	now := s.cfg.Clock.Now().UTC()
	run.Batches = s.group(req, pl, now)
	if err := s.reserve(ctx, run.Batches, req); err != nil {
		return Run{}, err
	}
	if err := s.store.PutRun(ctx, run); err != nil {
		return Run{}, fmt.Errorf("payout: save run %s: %w", req.Run, err)
	}
	return run, nil // PutRun copied what it keeps
}

// openReservations returns the units of this run's open reservations per
// account: a build that crashed after reserving counts them back.
func (s *Service) openReservations(ctx context.Context, run string) (map[string]int64, error) {
	ours := map[string]int64{}
	q := ledger.TxQuery{Kind: ledger.KindPending, Metadata: map[string]string{MetaRun: run, MetaStep: StepReserve}, Limit: 1000}
	for {
		page, err := s.l.Transactions(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("payout: build %s: %w", run, err)
		}
		for _, tx := range page.Txs {
			st, err := s.l.PendingStatus(ctx, tx.ID)
			if err != nil {
				return nil, fmt.Errorf("payout: build %s: %w", run, err)
			}
			if st != ledger.PendingOpen {
				continue
			}
			for _, p := range tx.Postings {
				if p.Side == ledger.Debit {
					u, _ := p.Amount.MinorUnits()
					ours[p.Account] += u
				}
			}
		}
		if page.Next == "" {
			return ours, nil
		}
		q.After = page.Next
	}
}

// balances lists the payable accounts in name order (a partner's accounts
// are adjacent) with the amount available to pay.
func (s *Service) balances(ctx context.Context, cutoff time.Time, ours map[string]int64) ([]balance, error) {
	st := s.l.Store()
	var (
		out   []balance
		page  []ledger.AccountState
		after string
		err   error
	)
	for {
		page, err = st.ListAccounts(ctx, s.cfg.Chart.PartnersPrefix, after, 1000, page[:0])
		if err != nil {
			return nil, fmt.Errorf("payout: list payable accounts: %w", err)
		}
		for i := range page {
			a := &page[i]
			id, ok := s.cfg.Chart.partnerOf(a.Account.Name)
			if !ok {
				continue
			}
			posted, out1 := normal(a.Account.Type, a.Counters)
			units := posted - out1
			if !cutoff.IsZero() {
				c, err := st.PostedAsOf(ctx, a.Account.Name, cutoff)
				if err != nil {
					return nil, fmt.Errorf("payout: balance of %s as of %s: %w", a.Account.Name, cutoff.Format(time.RFC3339), err)
				}
				asOf, _ := normal(a.Account.Type, c)
				units = min(units, asOf-out1)
			}
			units += ours[a.Account.Name]
			if units != 0 {
				if len(out) == cap(out) {
					// Doubling: append grows large slices by a quarter,
					// which would copy 100,000 balances about 20 times.
					out = slices.Grow(out, max(len(out), len(page)))
				}
				out = append(out, balance{partner: id, account: a.Account.Name, cur: a.Account.Currency, units: units})
			}
		}
		if len(page) < 1000 {
			return out, nil
		}
		after = page[len(page)-1].Account.Name
	}
}

// normal returns the posted balance and the pending outflow of an account
// of type t on its normal side.
func normal(t ledger.AccountType, c ledger.Counters) (posted, out int64) {
	if t.NormalSide() == ledger.Debit {
		return c.DebitsPosted - c.CreditsPosted, c.CreditsPending
	}
	return c.CreditsPosted - c.DebitsPosted, c.DebitsPending
}

// planPartner decides what to do with one partner's balances and appends
// the items to pay to plans.
func (s *Service) planPartner(ctx context.Context, run *Run, req BuildRequest, bals []balance, pl *plans) error {
	id := bals[0].partner
	p, err := s.cfg.Partners.Partner(ctx, id)
	if err != nil {
		return &PartnerError{Partner: id, Account: bals[0].account, Err: err}
	}
	skip := func(list *[]Skipped, b balance, reason string) {
		*list = append(*list, Skipped{Partner: id, Account: b.account, Amount: accrue.FromMinorUnits(b.units, b.cur), Reason: reason})
	}
	if p.Hold != "" {
		for _, b := range bals {
			skip(&run.Held, b, p.Hold)
		}
		return nil
	}
	if s.cfg.Negative == NegativeCarry && slices.ContainsFunc(bals, func(b balance) bool { return b.units < 0 }) {
		for _, b := range bals {
			skip(&run.Carried, b, cond(b.units < 0, ReasonNegative, ReasonDebtElsewhere))
		}
		return nil
	}
	for _, b := range bals {
		if b.units < 0 {
			skip(&run.Carried, b, ReasonNegative)
			continue
		}
		if thr, ok := s.threshold(b.cur); ok && b.units < thr {
			skip(&run.Carried, b, ReasonBelowThreshold)
			continue
		}
		pl.items = append(pl.items, Item{})
		k, ok, err := s.planItem(ctx, req, p, b, &pl.items[len(pl.items)-1])
		if err != nil {
			return &PartnerError{Partner: id, Account: b.account, Err: err}
		}
		if !ok {
			pl.items = pl.items[:len(pl.items)-1]
			skip(&run.Carried, b, ReasonFeesExceed)
			continue
		}
		pl.keys = append(pl.keys, k)
	}
	return nil
}

func cond[T any](c bool, a, b T) T {
	if c {
		return a
	}
	return b
}

func (s *Service) threshold(c accrue.Currency) (int64, bool) {
	for _, t := range s.cfg.Thresholds {
		if t.Currency() == c {
			u, err := t.Round(accrue.Ceiling).MinorUnits()
			return u, err == nil
		}
	}
	return 0, false
}

// planItem computes one item into it and returns the batch group it goes
// to; false when fees and withholding eat it.
func (s *Service) planItem(ctx context.Context, req BuildRequest, p Partner, b balance, it *Item) (groupKey, bool, error) {
	method, details, payCur, err := p.route(b.cur)
	if err != nil {
		return groupKey{}, false, err
	}
	spec, ok := s.cfg.Methods[method]
	if !ok {
		return groupKey{}, false, fmt.Errorf("%w: %q", ErrUnknownMethod, method)
	}
	for _, need := range spec.Required {
		if !hasDetail(details, need) {
			return groupKey{}, false, fmt.Errorf("%w: %s needs %q", ErrMissingDetails, method, need)
		}
	}
	// Sign first: comparing a zero-value decimal allocates.
	if sg := p.Withholding.Sign(); sg < 0 || sg > 0 && p.Withholding.GreaterThan(one) {
		return groupKey{}, false, fmt.Errorf("%w: withholding rate %s not in [0, 1]", ErrInvalidInput, p.Withholding)
	}
	gross := accrue.FromMinorUnits(b.units, b.cur)
	fee := int64(0)
	for _, f := range spec.Fee.Fixed {
		if f.Currency() == b.cur {
			fee, _ = f.MinorUnits()
		}
	}
	if !spec.Fee.Rate.IsZero() {
		u, err := gross.Mul(spec.Fee.Rate).Round(s.cfg.Rounding).MinorUnits()
		if err != nil {
			return groupKey{}, false, err
		}
		fee += u
	}
	wh := int64(0)
	if !p.Withholding.IsZero() {
		if wh, err = gross.Mul(p.Withholding).Round(s.cfg.Rounding).MinorUnits(); err != nil {
			return groupKey{}, false, err
		}
	}
	net := b.units - fee - wh
	if payCur.IsZero() {
		payCur = b.cur
	}
	netMoney := accrue.FromMinorUnits(net, b.cur)
	amount := netMoney
	rateText := ""
	if payCur != b.cur {
		if s.cfg.Rates == nil {
			return groupKey{}, false, fmt.Errorf("%w: %s→%s: no RateSource configured", accrue.ErrNoRate, b.cur, payCur)
		}
		at := req.Cutoff
		if at.IsZero() {
			at = s.cfg.Clock.Now()
		}
		r, err := s.cfg.Rates.Rate(ctx, b.cur, payCur, at)
		if err != nil {
			return groupKey{}, false, err
		}
		if net > 0 {
			if amount, err = r.Convert(amount, s.cfg.FXRounding); err != nil {
				return groupKey{}, false, err
			}
		}
		rateText = fmt.Sprintf("%s %s/%s %s %s", r.Value.String(), r.To.Code(), r.From.Code(), r.Source, r.At.UTC().Format(time.RFC3339))
	}
	if net <= 0 || !amount.IsPositive() {
		return groupKey{}, false, nil
	}
	*it = Item{
		Partner: p.ID, Account: b.account, Details: cloneMap(details),
		Gross: gross, Fee: minorMoney(fee, b.cur), Withholding: minorMoney(wh, b.cur),
		Net: netMoney, Amount: amount, Rate: rateText,
	}
	return groupKey{provider: cmp.Or(spec.Provider, string(method)), method: method, cur: payCur}, true, nil
}

// hasDetail reports whether details has a non-blank value for need, a key
// or several written "a|b" (any one will do).
func hasDetail(details map[string]string, need string) bool {
	for {
		k, rest, more := strings.Cut(need, "|")
		if strings.TrimSpace(details[k]) != "" {
			return true
		}
		if !more {
			return false
		}
		need = rest
	}
}

// minorMoney is units of cur as Money, sharing the zero value (Money is
// immutable) so that the common zero fee and withholding cost nothing.
func minorMoney(units int64, cur accrue.Currency) accrue.Money {
	if units == 0 {
		return accrue.Zero(cur)
	}
	return accrue.FromMinorUnits(units, cur)
}

// groupKey is what the items of one batch share.
type groupKey struct {
	provider string
	method   Method
	cur      accrue.Currency
}

func (k groupKey) compare(o groupKey) int {
	return cmp.Or(strings.Compare(k.provider, o.provider), strings.Compare(string(k.method), string(o.method)),
		strings.Compare(k.cur.Code(), o.cur.Code()))
}

// group puts the planned items into batches by provider, method and
// payout currency (in that order), items in account order, splits them at
// ItemLimit and assigns ids and keys. Items arrive in account order
// (balances lists the accounts so); when they all go to one group (the
// common case) the batches are runs of pl.items, not copies, and else one
// copy puts them in group order.
func (s *Service) group(req BuildRequest, pl plans, now time.Time) []Batch {
	items := pl.items
	if !sortedByAccount(items) {
		order := make([]int, len(items))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(items[a].Account, items[b].Account) })
		sorted, keys := make([]Item, len(items)), make([]groupKey, len(items))
		for i, o := range order {
			sorted[i], keys[i] = items[o], pl.keys[o]
		}
		items, pl.keys = sorted, keys
	}
	var keys []groupKey
	members := map[groupKey]int{}
	for _, k := range pl.keys {
		if _, ok := members[k]; !ok {
			keys = append(keys, k)
		}
		members[k]++
	}
	slices.SortFunc(keys, groupKey.compare)
	if len(keys) > 1 {
		start, next := map[groupKey]int{}, 0
		for _, k := range keys {
			start[k] = next
			next += members[k]
		}
		grouped := make([]Item, len(items))
		for i, k := range pl.keys {
			grouped[start[k]] = items[i]
			start[k]++
		}
		items = grouped
	}
	const resPrefix = "payout:reserve:"
	var out []Batch
	first := 0
	for _, k := range keys {
		group := items[first : first+members[k]]
		first += members[k]
		for n, i := 1, 0; i < len(group); n, i = n+1, i+s.cfg.ItemLimit {
			end := min(len(group), i+s.cfg.ItemLimit)
			b := Batch{
				ID:  fmt.Sprintf("%s:%s:%s:%s:%d", req.Run, k.provider, k.method, strings.ToLower(k.cur.Code()), n),
				Run: req.Run, Period: req.Period, Cutoff: req.Cutoff.UTC(), Creator: req.Creator, Created: now,
				Provider: k.provider, Method: k.method, Currency: k.cur, Items: group[i:end:end],
			}
			total := int64(0)
			for j := range b.Items {
				it := &b.Items[j]
				// One string holds the reservation key and, as its tail,
				// the item id.
				it.Reservation = resPrefix + req.Run + ":" + strings.TrimPrefix(it.Account, s.cfg.Chart.PartnersPrefix)
				it.ID = it.Reservation[len(resPrefix):]
				it.Key = ItemKey(it.Partner, req.Period, it.Reservation)
				u, _ := it.Amount.MinorUnits()
				total += u
			}
			b.Total = accrue.FromMinorUnits(total, k.cur)
			b.Hash = b.ContentHash()
			out = append(out, b)
		}
	}
	return out
}

func sortedByAccount(items []Item) bool {
	for i := 1; i < len(items); i++ {
		if items[i-1].Account > items[i].Account {
			return false
		}
	}
	return true
}

// ItemKey derives an item's provider idempotency key from the partner, the
// period and the reservation's ledger key: deterministic, so it never
// changes across retries, and at most 36 bytes (providers cap key length).
func ItemKey(partner, period, reservation string) string {
	var buf [256]byte
	b := buf[:0]
	for _, s := range [...]string{partner, period, reservation} {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	sum := sha256.Sum256(b)
	var out [4 + 32]byte
	copy(out[:], "acr_")
	hex.Encode(out[4:], sum[:16])
	return string(out[:])
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
