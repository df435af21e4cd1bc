package postgres

import (
	"sync"
	"time"

	"github.com/accruehq/accrue/ledger"
)

// maxSnapshot bounds the accounts a snapshot remembers; beyond it the
// snapshot starts over (it only saves reads).
const maxSnapshot = 1 << 18

// snapshot is what the store knows of the database after its own last
// commit and the rounds in flight after it: the chain head and the state
// of the accounts those rounds and the earlier ones read or wrote. A round
// whose requests only post to known accounts (no accounts created, no
// transaction states) is decided on it without reading the database and
// sent as a flight (see flightRound): its writes compare-and-swap the head
// (seq, hash and closed-through time) and every account's version against
// the snapshot, so if another process (or a ClosePeriod, or a stored key)
// moved anything, the database refuses the round, nothing of it commits,
// and the round is redone on what the database holds.
//
// A round decided on the snapshot is recorded in it at once, before it
// commits, so that the next round can be decided and its inserts sent
// while this one finishes: tail is the last such round, and each flight
// commits only after the one before it has (its head compare-and-swap
// names the seq that one writes). If a flight does not commit, every
// flight after it fails too, and the snapshot is invalidated. mu is held
// while deciding on or recording in the snapshot, and for the whole of a
// round decided on the database (which first waits for the flights).
type snapshot struct {
	mu     sync.Mutex
	valid  bool
	seq    uint64
	prev   [32]byte
	closed time.Time
	accts  map[string]acctSnap
	tail   *flight // the last round decided on the snapshot, nil after drain
}

// flight is a round decided on the snapshot whose outcome the rounds
// decided after it wait for.
type flight struct {
	done  chan struct{}   // closed once the outcome is known, after prev's
	ok    bool            // committed (read after done is closed)
	taken map[string]bool // its keys ("k" prefix) and ids ("i" prefix)
	prev  *flight         // the flight decided before it, if any (used by finish)
	older *flight         // the same while unfinished (used by inFlight, under snapshot.mu)
}

// finished reports whether f's outcome is known.
func (f *flight) finished() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// finish records f's outcome once the flight before it has its own: a
// flight never reports success before its predecessor, so waiting for
// the tail waits for them all.
func (f *flight) finish(ok bool) {
	if f.prev != nil {
		<-f.prev.done
		ok = ok && f.prev.ok
		f.prev = nil
	}
	f.ok = ok
	close(f.done)
}

// begin records g, decided on the snapshot, as the snapshot's state and
// returns its flight, to be finished by the round that sends it.
func (p *snapshot) begin(g *groupState) *flight {
	p.record(g)
	f := &flight{done: make(chan struct{}), taken: g.taken, prev: p.tail}
	if p.tail != nil && !p.tail.finished() {
		f.older = p.tail
	}
	p.tail = f
	return f
}

// drain waits until no round decided on the snapshot is in flight.
func (p *snapshot) drain() {
	if p.tail != nil {
		<-p.tail.done
		p.tail = nil
	}
}

// inFlight reports whether a round still in flight writes key k (a
// "k"- or "i"-prefixed key or id): a later round must not insert it too.
// Both inserts are sent at once; if the later one runs first, the earlier
// round's insert waits on the later round's uncommitted row, while the
// later round waits in Go for the earlier one to commit — a deadlock
// PostgreSQL cannot see.
func (p *snapshot) inFlight(k string) bool {
	var newer *flight
	for f := p.tail; f != nil; newer, f = f, f.older {
		if f.finished() {
			if newer != nil {
				newer.older = nil // its keys are stored or given up: forget it
			}
			return false
		}
		if f.taken[k] {
			return true
		}
	}
	return false
}

// acctSnap is an account's state as of the snapshot.
type acctSnap struct {
	version    uint64
	cnt        ledger.Counters
	run        int32
	runEff     time.Time
	runD, runC int64
}

// invalidate forgets everything.
func (p *snapshot) invalidate() {
	p.valid = false
	clear(p.accts)
}

// group returns a round state for reqs built from the snapshot, or nil if
// the snapshot cannot decide them: it is not valid, a request creates
// accounts, changes transaction states or writes no transaction, or an
// account is unknown.
func (p *snapshot) group(reqs []*request, names []string) *groupState {
	if !p.valid {
		return nil
	}
	for _, r := range reqs {
		if len(r.c.NewAccounts) > 0 || len(r.c.TxStates) > 0 || len(r.c.Txs) == 0 {
			return nil
		}
	}
	g := &groupState{seq: p.seq, prev: p.prev, closed: p.closed, accts: make(map[string]*acct, len(names)),
		states: map[string]uint64{}, taken: map[string]bool{}, baseSeq: p.seq, basePrev: p.prev, inFlight: p.inFlight}
	for _, n := range names {
		a, ok := p.accts[n]
		if !ok {
			return nil
		}
		g.accts[n] = &acct{exists: true, readVer: a.version, version: a.version, cnt: a.cnt,
			run: a.run, runEff: a.runEff, runD: a.runD, runC: a.runC}
	}
	return g
}

// record makes the snapshot the state g committed.
func (p *snapshot) record(g *groupState) {
	if p.accts == nil || len(p.accts)+len(g.accts) > maxSnapshot {
		p.accts = make(map[string]acctSnap, len(g.accts))
	}
	p.valid = true
	p.seq, p.prev, p.closed = g.seq, g.prev, g.closed
	for n, st := range g.accts {
		if !st.exists {
			continue
		}
		cnt, _ := st.cnt.Plus(st.delta) // in range: decide checked it
		p.accts[n] = acctSnap{version: st.version, cnt: cnt, run: st.run, runEff: st.runEff, runD: st.runD, runC: st.runC}
	}
}
