package memstore

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/accruehq/accrue/ledger"
)

// Store is an in-memory ledger.Store. The zero value is not usable; call
// New.
type Store struct {
	mu       sync.RWMutex
	accounts map[string]*account
	names    []string // account names; sorted unless dirty
	dirty    bool
	accts    []*account      // by number (account.num)
	txs      chunked[record] // index Seq-1
	postings chunked[posting]
	strs     arena
	// hashes holds the records' hashes, index Seq-1, up to the last
	// record whose hash is not zero: the rest are zero (chain off).
	hashes chunked[[32]byte]
	byKey  *strIndex
	byID   *strIndex
	// scratch for Commit: hashes of the keys and IDs being committed, and
	// the first transaction with each hash.
	keyHashes, idHashes []uint64
	packs               [][16]byte // the commit's IDs, packed (see packID)
	packed              []bool     // whether each ID packs
	keyed               bool       // the commit promises its IDs are DefaultID(key) (Commit.KeyedIDs), and they have the shape
	nKeyed              int        // records kept with flagKeyedID, which byKey leaves out
	repeats             []uint32   // checkRepeats' table
	newNames            map[string]bool
	pAccts              []*account // per posting of the commit, nil for new accounts
	dAccts              []*account // per delta of the commit, nil for new accounts
	pUnits              []int64
	states              map[string]*ledger.TxState
	closed              time.Time
	pages               *pages // the memory of the lists above
	sink                uint32 // see touchAccounts
}

type account struct {
	state   ledger.AccountState
	num     uint32            // index in Store.accts
	entries chunked[entryRef] // commit order
	// asof holds the account's posted totals as of effective times. While
	// its posted entries come in effective time order (dense false), it
	// holds a checkpoint after every asofStep entries: the totals up to
	// there and the time of the last posted entry up to there (lastEff
	// and run are those of all entries so far). Once an earlier one
	// comes, it holds a point per effective time (dense).
	asof    chunked[point]
	dense   bool
	lastEff int64
	run     point
}

// entryRef locates an entry: its transaction's Seq (32 bits, see the
// Store's limit) and its posting's index.
type entryRef struct {
	seq, idx uint32
}

// point is an account's posted totals up to an effective time: in a dense
// account's list, up to and including that time (one point per time); in
// a checkpoint, up to an entry, whose posted entries are all at or before
// that time.
type point struct {
	eff             int64 // UnixNano of EffectiveAt
	debits, credits int64
}

// New returns an empty Store.
func New() *Store { return newStore(defaultMapAfter) }

// newStore returns an empty Store that maps memory of its own once it has
// taken mapAfter bytes from the Go heap (< 0: never).
func newStore(mapAfter int) *Store {
	p := newPages(mapAfter)
	s := &Store{
		accounts: make(map[string]*account),
		states:   make(map[string]*ledger.TxState),
		newNames: make(map[string]bool),
		pages:    p,
		txs:      chunked[record]{pages: p},
		postings: chunked[posting]{pages: p},
		strs:     arena{pages: p},
		hashes:   chunked[[32]byte]{pages: p},
	}
	s.byKey = newStrIndex(p, func(seq uint64, k string) bool {
		key, _, _ := s.keyID(s.txs.at(int(seq - 1)))
		return string(key) == k
	})
	s.byID = newStrIndex(p, func(seq uint64, id string) bool {
		return s.hasID(s.txs.at(int(seq-1)), id)
	})
	runtime.AddCleanup(s, (*mappings).unmapAll, p.mapped)
	return s
}

var _ ledger.Store = (*Store)(nil)

func done(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: %s: %w", op, err)
	}
	return nil
}

// ReadAccounts implements ledger.Store.
func (s *Store) ReadAccounts(ctx context.Context, names []string, dst []ledger.AccountState) ([]ledger.AccountState, error) {
	if err := done(ctx, "read accounts"); err != nil {
		return nil, err
	}
	dst = slices.Grow(dst[:0], len(names))
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, n := range names {
		if a, ok := s.accounts[n]; ok {
			st := a.state
			st.Account = ledger.CloneAccount(st.Account)
			dst = append(dst, st)
		} else {
			dst = append(dst, ledger.AccountState{Account: ledger.Account{Name: n}})
		}
	}
	return dst, nil
}

// ReadTxStates implements ledger.Store.
func (s *Store) ReadTxStates(ctx context.Context, ids []string, dst []ledger.TxState) ([]ledger.TxState, error) {
	if err := done(ctx, "read tx states"); err != nil {
		return nil, err
	}
	dst = dst[:0]
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, id := range ids {
		if st, ok := s.states[id]; ok {
			c := *st
			c.Reversed = slices.Clone(st.Reversed)
			dst = append(dst, c)
		} else {
			dst = append(dst, ledger.TxState{ID: id})
		}
	}
	return dst, nil
}

// Commit implements ledger.Store.
func (s *Store) Commit(ctx context.Context, c *ledger.Commit) error {
	if err := done(ctx, "commit"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check(c); err != nil {
		return err
	}
	for _, a := range c.NewAccounts {
		acct := &account{state: ledger.AccountState{Account: ledger.CloneAccount(a), Exists: true, Version: 1}, num: uint32(len(s.accts)),
			entries: chunked[entryRef]{pages: s.pages}, asof: chunked[point]{pages: s.pages}, lastEff: math.MinInt64}
		s.accounts[a.Name] = acct
		s.accts = append(s.accts, acct)
		s.names = append(s.names, a.Name)
		s.dirty = true
	}
	for k, d := range c.Deltas {
		a := s.dAccts[k]
		if a == nil { // created by this commit
			a = s.accounts[d.Account]
		}
		st := &a.state
		st.Counters, _ = st.Counters.Plus(d.Delta) // in range: checked
		st.Version++
	}
	for _, u := range c.TxStates {
		st := u.State
		st.Reversed = slices.Clone(st.Reversed)
		st.Version = u.Version + 1
		s.states[st.ID] = &st
	}
	var prev [32]byte
	if n := s.txs.len(); n > 0 {
		prev = s.hash(n - 1)
	}
	// Index the keys and IDs first, in loops of their own, while check's
	// probes still hold their slots in the cache (the record writes below
	// would evict them).
	base := uint64(s.txs.len())
	if s.keyed {
		s.nKeyed += len(c.Txs)
	} else {
		for i := range c.Txs {
			s.byKey.insert(s.keyHashes[i], base+uint64(i)+1)
		}
	}
	for i := range c.Txs {
		s.byID.insert(s.idHashes[i], base+uint64(i)+1)
	}
	s.touchAccounts()
	first := 0
	for i := range c.Txs {
		tx := &c.Txs[i]
		tx.Seq = uint64(s.txs.len()) + 1
		tx.PrevHash = prev
		tx.Hash = [32]byte{}
		if c.Chain {
			tx.Hash = ledger.ChainHash(prev, tx)
		}
		prev = tx.Hash
		n := len(tx.Postings)
		accts := s.pAccts[first : first+n]
		for j, a := range accts {
			if a == nil { // created by this commit
				accts[j] = s.accounts[tx.Postings[j].Account]
			}
		}
		s.txs.append(s.newRecord(tx, accts, s.pUnits[first:first+n], s.packOf(i), s.keyed))
		s.setHash(s.txs.len()-1, tx.Hash)
		s.index(s.txs.last(), tx.Seq)
		first += n
	}
	clear(s.pAccts)
	clear(s.dAccts)
	return nil
}

// touchAccounts loads the ends of the entry and as-of lists of the
// commit's stored accounts, independently of each other, so that their
// cache misses overlap instead of following one another as in index's
// loop, where each posting's account is found through the posting just
// written.
func (s *Store) touchAccounts() {
	var seen uint32
	for _, a := range s.pAccts {
		if a == nil {
			continue
		}
		if n := a.entries.n; n < a.entries.capacity() {
			seen |= a.entries.at(n).seq
		}
		if n := a.asof.n; n > 0 {
			seen |= uint32(a.asof.at(n - 1).eff)
		}
	}
	s.sink = seen
}

// check applies the refusals of the Commit contract, writing nothing.
func (s *Store) check(c *ledger.Commit) error {
	clear(s.newNames)
	for _, a := range c.NewAccounts {
		if _, ok := s.accounts[a.Name]; ok {
			return fmt.Errorf("memstore: account %s created concurrently: %w", a.Name, ledger.ErrConflict)
		}
		s.newNames[a.Name] = true
	}
	s.dAccts = s.dAccts[:0]
	for _, d := range c.Deltas {
		a, ok := s.accounts[d.Account]
		s.dAccts = append(s.dAccts, a)
		switch {
		case !ok && d.Version == 0 && s.newNames[d.Account]:
		case !ok:
			return fmt.Errorf("memstore: account %s does not exist: %w", d.Account, ledger.ErrConflict)
		case a.state.Version != d.Version && !d.Commutes:
			return fmt.Errorf("memstore: account %s moved: %w", d.Account, ledger.ErrConflict)
		}
		if ok {
			if _, in := a.state.Counters.Plus(d.Delta); !in {
				return fmt.Errorf("memstore: account %s: counters out of range: %w", d.Account, ledger.ErrConflict)
			}
		}
	}
	for _, u := range c.TxStates {
		var v uint64
		if st, ok := s.states[u.State.ID]; ok {
			v = st.Version
		}
		if v != u.Version {
			return fmt.Errorf("memstore: transaction %s state moved: %w", u.State.ID, ledger.ErrConflict)
		}
	}
	n := 0
	for i := range c.Txs {
		n += len(c.Txs[i].Postings)
	}
	s.pAccts, s.pUnits = slices.Grow(s.pAccts[:0], n), slices.Grow(s.pUnits[:0], n)
	for i := range c.Txs {
		tx := &c.Txs[i]
		if !s.closed.IsZero() && !tx.EffectiveAt.After(s.closed) {
			return fmt.Errorf("memstore: tx %s effective %s: %w", tx.ID, tx.EffectiveAt.Format(time.RFC3339Nano), ledger.ErrPeriodClosed)
		}
		if len(tx.Postings) > math.MaxUint16 {
			return fmt.Errorf("memstore: tx %s has %d postings, at most %d: %w", tx.ID, len(tx.Postings), math.MaxUint16, ledger.ErrInvalidInput)
		}
		for j := range tx.Postings {
			p := &tx.Postings[j]
			a := s.accounts[p.Account]
			if a == nil && !s.newNames[p.Account] {
				return fmt.Errorf("memstore: tx %s posts to account %s, which does not exist: %w", tx.ID, p.Account, ledger.ErrConflict)
			}
			units, err := p.Amount.MinorUnits()
			if err != nil {
				return fmt.Errorf("memstore: tx %s posting %d: %w: %w", tx.ID, j, ledger.ErrInvalidAmount, err)
			}
			if units <= 0 {
				return fmt.Errorf("memstore: tx %s posting %d: %s is not positive: %w", tx.ID, j, p.Amount, ledger.ErrInvalidAmount)
			}
			s.pAccts, s.pUnits = append(s.pAccts, a), append(s.pUnits, units)
		}
	}
	if uint64(s.txs.len())+uint64(len(c.Txs)) >= math.MaxUint32 {
		return fmt.Errorf("memstore: full: at most %d transactions", uint32(math.MaxUint32-1))
	}
	if uint64(s.postings.len())+uint64(n) > maxPosting {
		return fmt.Errorf("memstore: full: at most %d postings", uint64(maxPosting))
	}
	if uint64(len(s.accts))+uint64(len(c.NewAccounts)) > math.MaxUint32 {
		return fmt.Errorf("memstore: full: at most %d accounts", uint32(math.MaxUint32))
	}
	// Keys and IDs last: against the stored ones, then against each other
	// (hash first, strings on a hash match).
	s.packIDs(c)
	// A keyed transaction's key is found through its ID (the same key
	// makes the same ID), so keys are only looked up where byKey holds
	// some, or for a commit that is not keyed.
	keys := !s.keyed || s.byKey.n > 0
	s.keyHashes, s.idHashes = slices.Grow(s.keyHashes[:0], len(c.Txs)), slices.Grow(s.idHashes[:0], len(c.Txs))
	for i := range c.Txs {
		s.idHashes = append(s.idHashes, s.byID.hash(c.Txs[i].ID))
	}
	s.byID.touch(s.idHashes)
	if keys {
		for i := range c.Txs {
			s.keyHashes = append(s.keyHashes, s.byKey.hash(c.Txs[i].Key))
		}
		s.byKey.touch(s.keyHashes)
	}
	for i := range c.Txs {
		tx := &c.Txs[i]
		_, dup := s.byID.lookupHashed(s.idHashes[i], tx.ID)
		if !dup && keys {
			_, dup = s.byKey.lookupHashed(s.keyHashes[i], tx.Key)
		}
		if !dup && !s.keyed && s.nKeyed > 0 {
			_, dup = s.keyedByKey(tx.Key)
		}
		if dup {
			return fmt.Errorf("memstore: key %q (id %s): %w", tx.Key, tx.ID, ledger.ErrDuplicateKey)
		}
	}
	if len(c.Txs) > 1 {
		if !s.keyed {
			if err := s.checkRepeats(c.Txs, s.keyHashes, func(tx *ledger.Transaction) string { return tx.Key }); err != nil {
				return err
			}
		}
		if err := s.checkRepeats(c.Txs, s.idHashes, func(tx *ledger.Transaction) string { return tx.ID }); err != nil {
			return err
		}
	}
	return nil
}

// packOf returns the packed ID of the commit's transaction i, nil if its
// ID does not pack or is not stored (a keyed commit).
func (s *Store) packOf(i int) *[16]byte {
	if s.keyed || !s.packed[i] {
		return nil
	}
	return &s.packs[i]
}

// packIDs sets s.keyed: c promises keyed IDs and every ID has the shape of
// a DefaultID (a keyed record stores no ID, so there is nothing to pack;
// the promise itself is the caller's, see ledger.Commit.KeyedIDs).
// Otherwise it packs the IDs of c's transactions into s.packs.
func (s *Store) packIDs(c *ledger.Commit) {
	s.keyed = c.KeyedIDs
	for i := 0; s.keyed && i < len(c.Txs); i++ {
		id := c.Txs[i].ID
		s.keyed = len(id) == packedIDLen && id[:len(packedIDPrefix)] == packedIDPrefix
	}
	if s.keyed {
		return
	}
	s.packs = slices.Grow(s.packs[:0], len(c.Txs))[:len(c.Txs)]
	s.packed = slices.Grow(s.packed[:0], len(c.Txs))[:len(c.Txs)]
	for i := range c.Txs {
		s.packed[i] = packID(c.Txs[i].ID, &s.packs[i])
	}
}

// checkRepeats refuses a commit that carries the same key (or ID, by str)
// twice. hashes are the strings' hashes; a table of indexes into them,
// open-addressed and reused, finds equal hashes, and only those have their
// strings compared.
func (s *Store) checkRepeats(txs []ledger.Transaction, hashes []uint64, str func(*ledger.Transaction) string) error {
	if len(hashes) < 2 {
		return nil
	}
	n := 1 << bits.Len(uint(2*len(hashes)-1)) // at most half full
	if n > maxRepeats {
		defer func() { s.repeats = nil }() // too large to keep, whatever the outcome
	}
	if cap(s.repeats) < n {
		s.repeats = make([]uint32, n)
	} else {
		s.repeats = s.repeats[:n]
		clear(s.repeats)
	}
	mask := uint64(n - 1)
	for i, h := range hashes {
		for j := h & mask; ; j = (j + 1) & mask {
			k := s.repeats[j]
			if k == 0 {
				s.repeats[j] = uint32(i + 1)
				break
			}
			if hashes[k-1] == h && str(&txs[k-1]) == str(&txs[i]) {
				return fmt.Errorf("memstore: key %q twice in one commit: %w", txs[i].Key, ledger.ErrDuplicateKey)
			}
		}
	}
	return nil
}

// maxRepeats is the checkRepeats table size above which it is not kept.
const maxRepeats = 1 << 16

// AppliesCommutingDeltas implements ledger.CommutingStore: Commit applies
// deltas marked Commutes whatever version they were read at.
func (s *Store) AppliesCommutingDeltas() bool { return true }
