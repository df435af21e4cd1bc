package payout

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// reserve writes every item's Hold in one atomic ledger.HoldBatch: all the
// reservations of a build or none. Keys are deterministic, so a repeated
// build (after a crash between the reservations and PutRun) finds the holds
// already written and the batch writes nothing.
func (s *Service) reserve(ctx context.Context, batches []Batch, req BuildRequest) error {
	made := map[string]bool{}
	var accts []ledger.Account
	n, np := 0, 0 // items, postings
	for bi := range batches {
		b := &batches[bi]
		n += len(b.Items)
		for ii := range b.Items {
			it := &b.Items[ii]
			np += postingsOf(it)
			k := b.Provider + "|" + it.Gross.Currency().Code()
			if !made[k] {
				made[k] = true
				accts = append(accts, s.cfg.Chart.programAccounts(b.Provider, it.Gross.Currency())...)
			}
		}
	}
	if err := s.ensureAccounts(ctx, accts); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	ins := make([]ledger.TxInput, 0, n)
	// The postings of all inputs in one allocation (the ledger copies what
	// it keeps), and the program accounts' names once per batch.
	slab := make([]ledger.Posting, 0, np)
	for bi := range batches {
		b := &batches[bi]
		var names programNames
		for ii := range b.Items {
			it := &b.Items[ii]
			if cur := it.Gross.Currency(); names.cur != cur || ii == 0 {
				names = s.programNames(b.Provider, cur)
			}
			in := s.reservationWith(b, it, req.Period, &names, slab[len(slab):len(slab):len(slab)+postingsOf(it)])
			slab = slab[:len(slab)+len(in.Postings)]
			ins = append(ins, in)
		}
	}
	if _, err := s.l.HoldBatch(ctx, ins); err != nil {
		var te *ledger.TxError
		if errors.As(err, &te) && te.Index >= 0 && te.Index < len(ins) {
			return fmt.Errorf("payout: reserve %s: %w", ins[te.Index].Metadata[accrue.MetaItemID], err)
		}
		return fmt.Errorf("payout: reserve: %w", err)
	}
	return nil
}

// programNames are the program accounts an item's reservation credits.
type programNames struct {
	cur                         accrue.Currency
	clearing, withholding, fees string
}

func (s *Service) programNames(provider string, cur accrue.Currency) programNames {
	c := &s.cfg.Chart
	return programNames{cur: cur, clearing: c.ClearingAccount(provider, cur), withholding: c.WithholdingAccount(cur), fees: c.FeesAccount(cur)}
}

// postingsOf is the number of postings of an item's reservation.
func postingsOf(it *Item) int {
	n := 2
	if it.Withholding.IsPositive() {
		n++
	}
	if it.Fee.IsPositive() {
		n++
	}
	return n
}

// reservationWith is reservation with the account names given and the
// postings appended to ps (which must have room for postingsOf(it)).
func (s *Service) reservationWith(b *Batch, it *Item, period string, names *programNames, ps []ledger.Posting) ledger.TxInput {
	ps = append(ps, ledger.Posting{Account: it.Account, Side: ledger.Debit, Amount: it.Gross},
		ledger.Posting{Account: names.clearing, Side: ledger.Credit, Amount: it.Net})
	if it.Withholding.IsPositive() {
		ps = append(ps, ledger.Posting{Account: names.withholding, Side: ledger.Credit, Amount: it.Withholding})
	}
	if it.Fee.IsPositive() {
		ps = append(ps, ledger.Posting{Account: names.fees, Side: ledger.Credit, Amount: it.Fee})
	}
	// Eight keys fit a map's first group; a ninth (the rate) makes it a
	// table, so the hint is exact.
	hint := 8
	if it.Rate != "" {
		hint++
	}
	meta := make(map[string]string, hint)
	s.addItemMeta(meta, b, it, StepReserve)
	meta[MetaPeriod] = period
	meta[MetaAmount] = moneyText(it.Amount)
	if it.Rate != "" {
		meta[accrue.MetaRate] = it.Rate
	}
	return ledger.TxInput{Key: it.Reservation, Postings: ps, Metadata: meta}
}

func (s *Service) itemMeta(b *Batch, it *Item, step string) map[string]string {
	m := make(map[string]string, 6)
	s.addItemMeta(m, b, it, step)
	return m
}

// addItemMeta sets the lineage keys every transaction of an item carries.
func (s *Service) addItemMeta(m map[string]string, b *Batch, it *Item, step string) {
	m[accrue.MetaBatchID] = b.ID
	m[accrue.MetaItemID] = it.ID
	m[accrue.MetaPartnerID] = it.Partner
	m[MetaRun] = b.Run
	m[MetaStep] = step
	m[MetaKey] = it.Key
}

// moneyText is m.String() without going through a decimal's text when m
// is a whole number of minor units (every amount this package builds).
func moneyText(m accrue.Money) string {
	u, err := m.MinorUnits()
	cur := m.Currency()
	if err != nil || cur.IsZero() {
		return m.String()
	}
	var buf [48]byte
	b := appendUnits(buf[:0], u, int(cur.MinorUnits()))
	b = append(b, ' ')
	b = append(b, cur.Code()...)
	return string(b)
}

// appendUnits appends units minor units with places decimal places, as
// decimal's StringFixed writes them ("-0.05", "12.30", "7").
func appendUnits(b []byte, units int64, places int) []byte {
	neg := units < 0
	mag := uint64(units)
	if neg {
		mag = -mag
		b = append(b, '-')
	}
	var digits [24]byte
	d := strconv.AppendUint(digits[:0], mag, 10)
	if len(d) <= places { // "0." and leading zeros of the fraction
		b = append(b, "0."...)
		for range places - len(d) {
			b = append(b, '0')
		}
		return append(b, d...)
	}
	b = append(b, d[:len(d)-places]...)
	if places > 0 {
		b = append(b, '.')
		b = append(b, d[len(d)-places:]...)
	}
	return b
}
