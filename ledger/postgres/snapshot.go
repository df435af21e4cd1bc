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
// commit: the chain head and the state of the accounts that commit and the
// earlier ones read or wrote. A round whose requests only post to known
// accounts (no accounts created, no transaction states) is decided on it
// and sent in one round trip instead of two: its writes compare-and-swap
// the head (seq and hash) and every account's version against the
// snapshot, so if another process (or a ClosePeriod, or a stored key)
// moved anything, the database refuses the round, nothing of it commits,
// and the round is redone the usual way. The committers hold mu for a
// whole round, so the snapshot always reflects the last commit of this
// Store.
type snapshot struct {
	mu     sync.Mutex
	valid  bool
	seq    uint64
	prev   [32]byte
	closed time.Time
	accts  map[string]acctSnap
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
		states: map[string]uint64{}, taken: map[string]bool{}}
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
