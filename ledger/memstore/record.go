package memstore

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// record is a committed transaction as the store keeps it, in 32 bytes:
// compact and free of pointers, because a ledger holds millions, and
// memory (page faults) and pointers (the garbage collector's marking) are
// what in-memory appends cost. Seq is its index + 1 and PrevHash the hash
// of the record before, so neither is stored; its postings are a range of
// Store.postings; its strings (key, ID, then the fields most transactions
// leave empty: expiry, reverses, pending, metadata) a run of Store.strs;
// amounts are minor units of the account's currency; hashes are kept apart
// (Store.hashes), so that a ledger with the chain off does not store 32
// zero bytes per transaction.
type record struct {
	eff, rec int64 // Unix nanoseconds (see nanos)
	// post packs the index of its first posting in Store.postings (low
	// 40 bits: Commit refuses more postings), its number of postings (16
	// bits: Commit refuses more) and its kind (the top 8).
	post uint64
	// str is the position of its run in Store.strs, with its flags in
	// the top 8 bits of str.off (an offset in a block is below maxBlock).
	str ref
}

// Bounds of the fields packed in a record.
const (
	postBits   = 40
	maxPosting = 1<<postBits - 1 // postings a store can hold
	offBits    = 24
)

// An offset in a block is below maxBlock, so it leaves str.off's top bits
// free: this fails to compile if it did not.
const _ = uint(1<<offBits - maxBlock)

// The record's packed fields: its first posting's index, its number of
// postings, its kind, its flags and its run; setters for newRecord.
func (r *record) first() int        { return int(r.post & maxPosting) }
func (r *record) np() int           { return int(r.post >> postBits & math.MaxUint16) }
func (r *record) kind() ledger.Kind { return ledger.Kind(r.post >> 56) }
func (r *record) flags() uint8      { return uint8(r.str.off >> offBits) }
func (r *record) strs() ref         { return ref{block: r.str.block, off: r.str.off & (1<<offBits - 1)} }
func (r *record) setFlag(f uint8)   { r.str.off |= uint32(f) << offBits }
func (r *record) setStrs(at ref) {
	r.str = ref{block: at.block, off: at.off | r.str.off&^(1<<offBits-1)}
}
func packPost(first, n int, k ledger.Kind) uint64 {
	return uint64(first) | uint64(n)<<postBits | uint64(k)<<56
}

// Record flags. flagPackedID marks a record whose ID run holds the 16
// bytes of a DefaultID-shaped ID (see packID), with no length prefix.
// flagKeyedID marks one committed with Commit.KeyedIDs: its ID is
// DefaultID(Key), so its run holds the key only (the ID is computed when
// read), and byKey leaves it out (TxByKey finds it by its ID). flagMore
// marks one whose run goes on after the ID with the rare fields.
const (
	flagPackedID = 1 << iota
	flagKeyedID
	flagMore
)

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
// packed (nil: it does not pack), appending its postings and its run of
// strings to the store's lists. keyed says that the ID is DefaultID(tx.Key):
// the record stores no ID then (packed is ignored).
func (s *Store) newRecord(tx *ledger.Transaction, accts []*account, units []int64, packed *[16]byte, keyed bool) record {
	r := record{eff: nanos(tx.EffectiveAt), rec: nanos(tx.RecordedAt), post: packPost(s.postings.len(), len(tx.Postings), tx.Kind)}
	for i := range tx.Postings {
		s.postings.append(newPosting(accts[i].num, units[i], tx.Postings[i].Side))
	}
	n := strSize(tx.Key)
	switch {
	case keyed:
		r.setFlag(flagKeyedID)
	case packed != nil:
		r.setFlag(flagPackedID)
		n += len(packed)
	default:
		n += strSize(tx.ID)
	}
	more := hasMore(tx)
	var exp int64
	if more {
		r.setFlag(flagMore)
		exp = nanos(tx.ExpiresAt)
		n += varintSize(exp) + strSize(tx.Reverses) + strSize(tx.Pending) + varintSize(int64(len(tx.Metadata)))
		for k, v := range tx.Metadata {
			n += strSize(k) + strSize(v)
		}
	}
	at, b := s.strs.alloc(n)
	r.setStrs(at)
	b = putStr(b, tx.Key)
	switch {
	case keyed:
	case packed != nil:
		b = append(b, packed[:]...)
	default:
		b = putStr(b, tx.ID)
	}
	if more {
		b = binary.AppendVarint(b, exp)
		b = putStr(putStr(b, tx.Reverses), tx.Pending)
		b = binary.AppendVarint(b, int64(len(tx.Metadata)))
		for k, v := range tx.Metadata {
			b = putStr(putStr(b, k), v)
		}
	}
	return r
}

// varintSize is the size of v as a varint.
func varintSize(v int64) int {
	var b [binary.MaxVarintLen64]byte
	return len(binary.AppendVarint(b[:0], v))
}

// keyID returns the key and the stored ID of r (packed if r says so; nil
// for a keyed record, which stores none), in the arena's memory, and the
// rest of its run (its rare fields if r has flagMore, then later runs).
func (s *Store) keyID(r *record) (key, id, rest []byte) {
	key, rest = nextStr(s.strs.run(r.strs()))
	switch f := r.flags(); {
	case f&flagKeyedID != 0:
		return key, nil, rest
	case f&flagPackedID != 0:
		if len(rest) < 16 {
			return key, nil, nil // corrupt: never written so
		}
		return key, rest[:16], rest[16:]
	}
	id, rest = nextStr(rest)
	return key, id, rest
}

// rare holds the rare fields of a record, in the arena's memory.
type rare struct {
	exp               int64
	reverses, pending []byte
	nmeta             int
	meta              []byte // nmeta keys and values, then later runs
}

// rare returns the rare fields of r (zero, with exp zeroTime, if it has
// none).
func (s *Store) rare(r *record) rare {
	if r.flags()&flagMore == 0 {
		return rare{exp: zeroTime}
	}
	_, _, b := s.keyID(r)
	var m rare
	var w int
	if m.exp, w = binary.Varint(b); w <= 0 {
		return rare{exp: zeroTime} // corrupt: never written so
	}
	m.reverses, b = nextStr(b[w:])
	m.pending, b = nextStr(b)
	n, w := binary.Varint(b)
	if w <= 0 || n < 0 || n > int64(len(b)) {
		return rare{exp: zeroTime}
	}
	m.nmeta, m.meta = int(n), b[w:]
	return m
}

// posting returns posting i of r.
func (s *Store) posting(r *record, i int) *posting { return s.postings.at(r.first() + i) }

// metaValue returns the value of metadata key k of r.
func (s *Store) metaValue(r *record, k string) ([]byte, bool) {
	m := s.rare(r)
	b := m.meta
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
	key, _, _ := s.keyID(r)
	tx := ledger.Transaction{ID: s.idString(r), Key: string(key), Kind: r.kind(), EffectiveAt: fromNanos(r.eff), RecordedAt: fromNanos(r.rec),
		Seq: uint64(i) + 1, Hash: s.hash(i)}
	if i > 0 {
		tx.PrevHash = s.hash(i - 1)
	}
	tx.Postings = make([]ledger.Posting, r.np())
	for j := range tx.Postings {
		p := s.posting(r, j)
		a := &s.accts[p.acct].state.Account
		tx.Postings[j] = ledger.Posting{Account: a.Name, Side: p.side(), Amount: accrue.FromMinorUnits(p.units(), a.Currency)}
	}
	if r.flags()&flagMore != 0 {
		m := s.rare(r)
		tx.ExpiresAt = fromNanos(m.exp)
		tx.Reverses, tx.Pending = string(m.reverses), string(m.pending)
		if m.nmeta > 0 {
			tx.Metadata = make(map[string]string, m.nmeta)
			b := m.meta
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
	if f.Kind != 0 && r.kind() != f.Kind {
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
		for j := range r.np() {
			if s.accts[s.posting(r, j).acct].state.Account.Name == f.Account {
				return true
			}
		}
		return false
	}
	return true
}
