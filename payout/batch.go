package payout

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/accruehq/accrue"
)

// Run is the result of one Build: the batches it made and the balances it
// left out, with reasons.
type Run struct {
	ID      string
	Period  string
	Batches []Batch
	// Held are partners on hold (dispute, tax form, fraud review): their
	// balances stay payable and the reason is the partner's Hold.
	Held []Skipped
	// Carried are balances carried forward to a later run: below the
	// currency's threshold, negative, or eaten by fees and withholding.
	Carried []Skipped
}

// Skipped is a payable balance a run did not pay, and why.
type Skipped struct {
	Partner string
	Account string       // the payable account
	Amount  accrue.Money // the balance left in place (negative for a debt)
	Reason  string       // the partner's hold reason or one of the Reason* texts
}

// Reasons a balance is carried forward.
const (
	ReasonBelowThreshold = "below the minimum payout"
	ReasonNegative       = "negative balance carried forward"
	ReasonDebtElsewhere  = "negative balance in another currency"
	ReasonFeesExceed     = "fees and withholding exceed the amount"
)

// Batch is a payout document: the items paid together through one provider
// with one method in one currency, with totals and a content hash that
// approvals are bound to.
type Batch struct {
	ID       string
	Run      string
	Period   string
	Cutoff   time.Time
	Creator  string
	Created  time.Time
	Provider string
	Method   Method
	Currency accrue.Currency // the payout currency of every item
	Items    []Item
	// Total is the sum of the items' Amount (what the provider pays out).
	Total accrue.Money
	// Hash is the hex SHA-256 of the content above (ContentHash).
	Hash string
}

// Item is one payment in a batch. Gross, Fee, Withholding and Net are in the
// payable account's currency; Amount, what the partner receives, is in the
// batch's currency (converted at Rate when they differ).
type Item struct {
	ID          string
	Partner     string
	Account     string // the payable account debited
	Key         string // the provider idempotency key
	Reservation string // the ledger key of the reservation (Hold)
	Details     map[string]string
	Gross       accrue.Money // taken from the payable balance
	Fee         accrue.Money
	Withholding accrue.Money
	Net         accrue.Money // Gross - Fee - Withholding
	Amount      accrue.Money // Net in the payout currency
	Rate        string       // the FX rate used ("" when none), as recorded in the ledger
}

// Clone returns a deep copy of b.
func (b Batch) Clone() Batch {
	b.Items = slices.Clone(b.Items)
	for i := range b.Items {
		b.Items[i].Details = maps.Clone(b.Items[i].Details)
	}
	return b
}

// ContentHash returns the hex SHA-256 of the batch's content (every field
// but Hash, details in key order, amounts as minor units and currency). A
// batch is unchanged exactly when ContentHash equals Hash.
func (b *Batch) ContentHash() string {
	h := canon{h: sha256.New(), buf: make([]byte, 0, 8192)}
	h.str("accrue.payout.batch.v1")
	h.str(b.ID)
	h.str(b.Run)
	h.str(b.Period)
	h.time(b.Cutoff)
	h.str(b.Creator)
	h.time(b.Created)
	h.str(b.Provider)
	h.str(string(b.Method))
	h.str(b.Currency.Code())
	h.money(b.Total)
	h.int(int64(len(b.Items)))
	var keys []string
	for i := range b.Items {
		it := &b.Items[i]
		h.str(it.ID)
		h.str(it.Partner)
		h.str(it.Account)
		h.str(it.Key)
		h.str(it.Reservation)
		keys = keys[:0]
		for k := range it.Details {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		h.int(int64(len(keys)))
		for _, k := range keys {
			h.str(k)
			h.str(it.Details[k])
		}
		h.money(it.Gross)
		h.money(it.Fee)
		h.money(it.Withholding)
		h.money(it.Net)
		h.money(it.Amount)
		h.str(it.Rate)
		if len(h.buf) > 7000 {
			h.flush()
		}
	}
	h.flush()
	return hex.EncodeToString(h.h.Sum(nil))
}

// canon is the canonical encoding hashed by ContentHash: length-prefixed
// strings and big-endian integers, streamed to the hash through a buffer.
type canon struct {
	h   hash.Hash
	buf []byte
}

func (h *canon) flush() {
	h.h.Write(h.buf)
	h.buf = h.buf[:0]
}

func (h *canon) int(v int64) { h.buf = binary.BigEndian.AppendUint64(h.buf, uint64(v)) }

func (h *canon) str(s string) {
	h.int(int64(len(s)))
	h.buf = append(h.buf, s...)
}

func (h *canon) time(t time.Time) {
	if t.IsZero() {
		h.str("")
		return
	}
	h.str(strconv.FormatInt(t.UnixNano(), 10))
}

// money encodes whole minor units and the currency; an amount that is not
// a whole number of minor units (never built by this package) falls back
// to its text.
func (h *canon) money(m accrue.Money) {
	h.str(m.Currency().Code())
	if u, err := m.MinorUnits(); err == nil {
		h.int(u)
		return
	}
	h.int(-1)
	h.str(m.String())
}
