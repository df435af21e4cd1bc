package ledger

import "sync"

// CommutingStore is implemented by a Store that applies deltas marked
// AccountDelta.Commutes without comparing versions. With such a store the
// ledger writes a call whose every effect commutes (accruals to partner
// payables, debits of a commission-expense account) without reading the
// accounts first, from the definitions it has cached: one store round
// trip instead of two, and no conflicts on shared accounts.
type CommutingStore interface {
	Store
	// AppliesCommutingDeltas reports whether Commit honours Commutes.
	AppliesCommutingDeltas() bool
}

// DefaultAccountCache is the number of account definitions a Ledger keeps
// unless WithAccountCache says otherwise.
const DefaultAccountCache = 65536

// WithAccountCache sets how many account definitions the ledger caches for
// writes that need not read the accounts (see CommutingStore); 0 turns the
// cache off. A definition takes about 150 bytes plus its name and
// metadata. Definitions never change and accounts are never removed, so a
// cached one is never stale; the cache only saves reads.
func WithAccountCache(n int) Option {
	return func(l *Ledger) { l.defs.max = max(n, 0) }
}

// defCache holds account definitions read from the store, up to max; when
// full, an arbitrary entry makes room.
type defCache struct {
	mu  sync.RWMutex
	max int
	m   map[string]*Account
}

// get returns the cached definition of name.
func (c *defCache) get(name string) (*Account, bool) {
	c.mu.RLock()
	a, ok := c.m[name]
	c.mu.RUnlock()
	return a, ok
}

// put caches the definitions of the existing accounts in states.
func (c *defCache) put(states []AccountState) {
	if c.max == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]*Account)
	}
	for i := range states {
		s := &states[i]
		if !s.Exists {
			continue
		}
		if _, ok := c.m[s.Account.Name]; ok {
			continue
		}
		if len(c.m) >= c.max {
			for k := range c.m {
				delete(c.m, k)
				break
			}
		}
		a := CloneAccount(s.Account)
		c.m[a.Name] = &a
	}
}

// cacheDefinitions caches the existing accounts of states and the created
// ones, when the ledger uses the cache.
func (l *Ledger) cacheDefinitions(states []AccountState, created []Account) {
	if !l.commuting {
		return
	}
	l.defs.put(states)
	if len(created) > 0 {
		fresh := make([]AccountState, len(created))
		for i, a := range created {
			fresh[i] = AccountState{Account: a, Exists: true}
		}
		l.defs.put(fresh)
	}
}
