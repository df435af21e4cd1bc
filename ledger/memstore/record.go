package memstore

import (
	"math"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// record is a committed transaction as the store keeps it: compact, because
// a ledger holds millions and memory (page faults, GC scanning) is what
// in-memory appends cost. Seq is its index + 1 and PrevHash the hash of the
// record before, so neither is stored; amounts are minor units of the
// account's currency; the fields most transactions leave empty sit behind
// one pointer; hashes are kept apart (Store.hashes), so that a ledger with
// the chain off does not store 32 zero bytes per transaction.
type record struct {
	id, key  string
	postings []posting
	eff, rec int64 // Unix nanoseconds (see nanos)
	kind     ledger.Kind
	more     *recordMore
}

// recordMore holds the optional fields of a record.
type recordMore struct {
	meta              []string // key, value, key, value, ... (any order)
	exp               int64
	reverses, pending string
}

// posting is a stored posting: 16 bytes, the side being the sign of
// signed (a debit's minor units, or a credit's negated: amounts are
// positive, which check enforces).
type posting struct {
	acct   *account
	signed int64
}

func newPosting(acct *account, units int64, side ledger.Side) posting {
	if side == ledger.Credit {
		units = -units
	}
	return posting{acct: acct, signed: units}
}

// side returns the posting's side.
func (p posting) side() ledger.Side {
	if p.signed < 0 {
		return ledger.Credit
	}
	return ledger.Debit
}

// units returns the posting's amount in minor units.
func (p posting) units() int64 {
	if p.signed < 0 {
		return -p.signed
	}
	return p.signed
}

// zeroTime stands for the zero time.Time in a record.
const zeroTime = math.MinInt64

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return zeroTime
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == zeroTime {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// slabs hands out the memory of a commit's records in one allocation per
// kind, records being kept for good; a nil *slabs allocates per record.
type slabs struct {
	postings []posting
	more     []recordMore
	meta     []string
}

// newSlabs sizes slabs for txs.
func newSlabs(txs []ledger.Transaction) slabs {
	np, nm, nkv := 0, 0, 0
	for i := range txs {
		np += len(txs[i].Postings)
		if hasMore(&txs[i]) {
			nm++
			nkv += 2 * len(txs[i].Metadata)
		}
	}
	return slabs{postings: make([]posting, 0, np), more: make([]recordMore, 0, nm), meta: make([]string, 0, nkv)}
}

// take returns the next n postings, n more-records or n pair strings of
// a slab (capped, so that appends never reach a neighbour's), or fresh
// memory when the slab is nil or short.
func take[T any](slab *[]T, n int) []T {
	if slab == nil || cap(*slab)-len(*slab) < n {
		return make([]T, n)
	}
	s := *slab
	*slab = s[: len(s)+n : cap(s)]
	return s[len(s) : len(s)+n : len(s)+n]
}

func hasMore(tx *ledger.Transaction) bool {
	return len(tx.Metadata) > 0 || !tx.ExpiresAt.IsZero() || tx.Reverses != "" || tx.Pending != ""
}

// newRecord makes the record of tx, whose postings' accounts and units
// check resolved into accts and units, taking its memory from sl (nil:
// allocate).
func newRecord(tx *ledger.Transaction, accts []*account, units []int64, sl *slabs) record {
	r := record{id: tx.ID, key: tx.Key, kind: tx.Kind, eff: nanos(tx.EffectiveAt), rec: nanos(tx.RecordedAt)}
	if sl == nil {
		sl = &slabs{}
	}
	r.postings = take(&sl.postings, len(tx.Postings))
	for i := range tx.Postings {
		r.postings[i] = newPosting(accts[i], units[i], tx.Postings[i].Side)
	}
	if hasMore(tx) {
		r.more = &take(&sl.more, 1)[0]
		*r.more = recordMore{exp: nanos(tx.ExpiresAt), reverses: tx.Reverses, pending: tx.Pending}
		if len(tx.Metadata) > 0 {
			kv := take(&sl.meta, 2*len(tx.Metadata))[:0]
			for k, v := range tx.Metadata {
				kv = append(kv, k, v)
			}
			r.more.meta = kv
		}
	}
	return r
}

// metaValue returns the value of metadata key k of r.
func (r *record) metaValue(k string) (string, bool) {
	if r.more == nil {
		return "", false
	}
	kv := r.more.meta
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i] == k {
			return kv[i+1], true
		}
	}
	return "", false
}

// tx returns the transaction at index i, sharing no memory with the store.
func (s *Store) tx(i int) ledger.Transaction {
	r := s.txs.at(i)
	tx := ledger.Transaction{ID: r.id, Key: r.key, Kind: r.kind, EffectiveAt: fromNanos(r.eff), RecordedAt: fromNanos(r.rec),
		Seq: uint64(i) + 1, Hash: s.hash(i)}
	if i > 0 {
		tx.PrevHash = s.hash(i - 1)
	}
	tx.Postings = make([]ledger.Posting, len(r.postings))
	for j, p := range r.postings {
		a := &p.acct.state.Account
		tx.Postings[j] = ledger.Posting{Account: a.Name, Side: p.side(), Amount: accrue.FromMinorUnits(p.units(), a.Currency)}
	}
	if m := r.more; m != nil {
		if len(m.meta) > 0 {
			tx.Metadata = make(map[string]string, len(m.meta)/2)
			for j := 0; j+1 < len(m.meta); j += 2 {
				tx.Metadata[m.meta[j]] = m.meta[j+1]
			}
		}
		tx.ExpiresAt = fromNanos(m.exp)
		tx.Reverses, tx.Pending = m.reverses, m.pending
	}
	return tx
}

// match reports whether r passes f's kind, time, metadata and account
// filters (ledger.TxFilter.Match on the stored form).
func (r *record) match(f *ledger.TxFilter) bool {
	if f.Kind != 0 && r.kind != f.Kind {
		return false
	}
	if !f.From.IsZero() && r.eff < f.From.UnixNano() || !f.To.IsZero() && r.eff >= f.To.UnixNano() {
		return false
	}
	for k, v := range f.Metadata {
		if got, ok := r.metaValue(k); !ok || got != v {
			return false
		}
	}
	if f.Account != "" {
		for _, p := range r.postings {
			if p.acct.state.Account.Name == f.Account {
				return true
			}
		}
		return false
	}
	return true
}
