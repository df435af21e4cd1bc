package memstore

import (
	"math"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// record is a committed transaction as the store keeps it: compact and
// free of pointers, because a ledger holds millions, and memory (page
// faults) and pointers (the garbage collector's marking) are what in-memory
// appends cost. Seq is its index + 1 and PrevHash the hash of the record
// before, so neither is stored; its postings are a range of
// Store.postings, its strings a run of Store.strs; amounts are minor units
// of the account's currency; the fields most transactions leave empty sit
// in Store.more; hashes are kept apart (Store.hashes), so that a ledger
// with the chain off does not store 32 zero bytes per transaction.
type record struct {
	eff, rec int64  // Unix nanoseconds (see nanos)
	post     int64  // index of its first posting in Store.postings
	str      ref    // its key, then its ID, in Store.strs
	np       uint16 // number of postings (Commit refuses more)
	kind     ledger.Kind
	flags    uint8  // flagPackedID
	more     uint32 // 1 + index of its rare fields in Store.more; 0: none
}

// Record flags. flagPackedID marks a record whose ID run holds the 16
// bytes of a DefaultID-shaped ID (see packID), with no length prefix.
// flagKeyedID marks one committed with Commit.KeyedIDs: its ID is
// DefaultID(Key), so its run holds the key only (the ID is computed when
// read), and byKey leaves it out (TxByKey finds it by its ID).
const (
	flagPackedID = 1 << iota
	flagKeyedID
)

// recordMore holds the optional fields of a record.
type recordMore struct {
	exp   int64
	str   ref    // Reverses, Pending, then nmeta metadata keys and values, in Store.strs
	nmeta uint32 // metadata pairs
}

// posting is a stored posting: its account's number (Store.accts) and,
// the side being the sign, a debit's minor units or a credit's negated
// (amounts are positive, which check enforces), split in two halves so
// that a posting takes 12 bytes, not 16.
type posting struct {
	acct   uint32
	lo, hi uint32 // the signed amount's low and high 32 bits
}

func newPosting(acct uint32, units int64, side ledger.Side) posting {
	if side == ledger.Credit {
		units = -units
	}
	p := posting{acct: acct}
	p.setSigned(units)
	return p
}

// signed returns the amount with the side as its sign.
func (p posting) signed() int64 { return int64(uint64(p.hi)<<32 | uint64(p.lo)) }

// setSigned sets the amount with the side as its sign.
func (p *posting) setSigned(v int64) { p.lo, p.hi = uint32(v), uint32(uint64(v)>>32) }

// side returns the posting's side.
func (p posting) side() ledger.Side {
	if p.signed() < 0 {
		return ledger.Credit
	}
	return ledger.Debit
}

// units returns the posting's amount in minor units.
func (p posting) units() int64 {
	if v := p.signed(); v < 0 {
		return -v
	}
	return p.signed()
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

func hasMore(tx *ledger.Transaction) bool {
	return len(tx.Metadata) > 0 || !tx.ExpiresAt.IsZero() || tx.Reverses != "" || tx.Pending != ""
}

// newRecord makes the record of tx, whose postings' accounts and units
// check resolved into accts and units and whose ID packID packed into
// packed (nil: it does not pack), appending its postings, strings and rare
// fields to the store's lists. keyed says that the ID is DefaultID(tx.Key):
// the record stores no ID then (packed is ignored).
func (s *Store) newRecord(tx *ledger.Transaction, accts []*account, units []int64, packed *[16]byte, keyed bool) record {
	r := record{eff: nanos(tx.EffectiveAt), rec: nanos(tx.RecordedAt), post: int64(s.postings.len()),
		np: uint16(len(tx.Postings)), kind: tx.Kind}
	for i := range tx.Postings {
		s.postings.append(newPosting(accts[i].num, units[i], tx.Postings[i].Side))
	}
	var b []byte
	switch {
	case keyed:
		r.flags |= flagKeyedID
		r.str, b = s.strs.alloc(strSize(tx.Key))
		putStr(b, tx.Key)
	case packed != nil:
		r.flags |= flagPackedID
		r.str, b = s.strs.alloc(strSize(tx.Key) + len(packed))
		_ = append(putStr(b, tx.Key), packed[:]...)
	default:
		r.str, b = s.strs.alloc(strSize(tx.Key) + strSize(tx.ID))
		putStr(putStr(b, tx.Key), tx.ID)
	}
	if hasMore(tx) {
		n := strSize(tx.Reverses) + strSize(tx.Pending)
		for k, v := range tx.Metadata {
			n += strSize(k) + strSize(v)
		}
		m := recordMore{exp: nanos(tx.ExpiresAt), nmeta: uint32(len(tx.Metadata))}
		m.str, b = s.strs.alloc(n)
		b = putStr(putStr(b, tx.Reverses), tx.Pending)
		for k, v := range tx.Metadata {
			b = putStr(putStr(b, k), v)
		}
		s.more.append(m)
		r.more = uint32(s.more.len())
	}
	return r
}

// keyID returns the key and the stored ID of r (packed if r says so; nil
// for a keyed record, which stores none), in the arena's memory.
func (s *Store) keyID(r *record) (key, id []byte) {
	key, rest := nextStr(s.strs.run(r.str))
	switch {
	case r.flags&flagKeyedID != 0:
		return key, nil
	case r.flags&flagPackedID != 0:
		if len(rest) < 16 {
			return key, nil // corrupt: never written so
		}
		return key, rest[:16]
	}
	id, _ = nextStr(rest)
	return key, id
}

// posting returns posting i of r.
func (s *Store) posting(r *record, i int) *posting { return s.postings.at(int(r.post) + i) }

// metaValue returns the value of metadata key k of r.
func (s *Store) metaValue(r *record, k string) ([]byte, bool) {
	if r.more == 0 {
		return nil, false
	}
	m := s.more.at(int(r.more - 1))
	_, b := nextStr(s.strs.run(m.str)) // Reverses
	_, b = nextStr(b)                  // Pending
	for range m.nmeta {
		var key, v []byte
		key, b = nextStr(b)
		v, b = nextStr(b)
		if string(key) == k {
			return v, true
		}
	}
	return nil, false
}

// tx returns the transaction at index i, sharing no memory with the store.
func (s *Store) tx(i int) ledger.Transaction {
	r := s.txs.at(i)
	key, _ := s.keyID(r)
	tx := ledger.Transaction{ID: s.idString(r), Key: string(key), Kind: r.kind, EffectiveAt: fromNanos(r.eff), RecordedAt: fromNanos(r.rec),
		Seq: uint64(i) + 1, Hash: s.hash(i)}
	if i > 0 {
		tx.PrevHash = s.hash(i - 1)
	}
	tx.Postings = make([]ledger.Posting, r.np)
	for j := range tx.Postings {
		p := s.posting(r, j)
		a := &s.accts[p.acct].state.Account
		tx.Postings[j] = ledger.Posting{Account: a.Name, Side: p.side(), Amount: accrue.FromMinorUnits(p.units(), a.Currency)}
	}
	if r.more != 0 {
		m := s.more.at(int(r.more - 1))
		tx.ExpiresAt = fromNanos(m.exp)
		rev, b := nextStr(s.strs.run(m.str))
		pend, b := nextStr(b)
		tx.Reverses, tx.Pending = string(rev), string(pend)
		if m.nmeta > 0 {
			tx.Metadata = make(map[string]string, m.nmeta)
			for range m.nmeta {
				var k, v []byte
				k, b = nextStr(b)
				v, b = nextStr(b)
				tx.Metadata[string(k)] = string(v)
			}
		}
	}
	return tx
}

// match reports whether r passes f's kind, time, metadata and account
// filters (ledger.TxFilter.Match on the stored form).
func (s *Store) match(r *record, f *ledger.TxFilter) bool {
	if f.Kind != 0 && r.kind != f.Kind {
		return false
	}
	if !f.From.IsZero() && r.eff < f.From.UnixNano() || !f.To.IsZero() && r.eff >= f.To.UnixNano() {
		return false
	}
	for k, v := range f.Metadata {
		if got, ok := s.metaValue(r, k); !ok || string(got) != v {
			return false
		}
	}
	if f.Account != "" {
		for j := range int(r.np) {
			if s.accts[s.posting(r, j).acct].state.Account.Name == f.Account {
				return true
			}
		}
		return false
	}
	return true
}
