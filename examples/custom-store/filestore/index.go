package filestore

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"github.com/accruehq/accrue/ledger"
)

// index is what the file says, held in memory for reads. It is rebuilt from
// the file on Open and updated by apply after each durable Commit.
type index struct {
	txs         []ledger.Transaction      // the history; txs[i].Seq == i+1
	byKey, byID map[string]uint64         // idempotency key and ID → Seq
	accounts    map[string]*account       // by name
	names       []string                  // names of existing accounts, sorted
	states      map[string]ledger.TxState // pending status and reversals, by tx ID
	closed      time.Time                 // closed-through time
}

// account is one account's state and the positions of its entries.
type account struct {
	state ledger.AccountState // Exists is false for a name only seen in postings
	// entries are the account's postings in commit order.
	entries []position
	// posted are the account's entries that move posted balances, sorted by
	// effective time (then Seq), each with the running totals up to and
	// including it: PostedAsOf is one binary search.
	posted []step
}

type position struct {
	seq   uint64
	index int // of the posting in the transaction
}

type step struct {
	at              time.Time
	debits, credits int64 // totals of posted entries up to here, minor units
}

func newIndex() index {
	return index{
		byKey:    map[string]uint64{},
		byID:     map[string]uint64{},
		accounts: map[string]*account{},
		states:   map[string]ledger.TxState{},
	}
}

// apply adds a committed Commit, whose Txs carry their Seq and hashes, to the
// index. Versions in c are ignored: each account or state written moves one
// version up, which is what Commit checked. Commit calls it after the line
// is durable (check has made every error below impossible); Open calls it
// for each line it replays, where an error means the file is inconsistent.
func (ix *index) apply(c *ledger.Commit) error {
	for _, a := range c.NewAccounts {
		acct := ix.account(a.Name)
		if acct.state.Exists {
			return fmt.Errorf("account %s created twice", a.Name)
		}
		acct.state = ledger.AccountState{Account: ledger.CloneAccount(a), Exists: true, Version: 1}
		i, _ := slices.BinarySearch(ix.names, a.Name)
		ix.names = slices.Insert(ix.names, i, a.Name)
	}
	for _, d := range c.Deltas {
		acct := ix.accounts[d.Account]
		if acct == nil || !acct.state.Exists {
			return fmt.Errorf("delta for unknown account %s", d.Account)
		}
		sum, ok := acct.state.Counters.Plus(d.Delta)
		if !ok {
			return fmt.Errorf("delta takes account %s out of range", d.Account)
		}
		acct.state.Counters = sum
		acct.state.Version++
	}
	for _, u := range c.TxStates {
		st := u.State
		st.Reversed = slices.Clone(st.Reversed)
		st.Version = ix.states[st.ID].Version + 1
		ix.states[st.ID] = st
	}
	for i := range c.Txs {
		tx := c.Txs[i].Clone()
		if tx.Seq != uint64(len(ix.txs))+1 {
			return fmt.Errorf("tx %s has seq %d, want %d", tx.ID, tx.Seq, len(ix.txs)+1)
		}
		_, dupKey := ix.byKey[tx.Key]
		_, dupID := ix.byID[tx.ID]
		if dupKey || dupID {
			return fmt.Errorf("tx %s (key %q) written twice", tx.ID, tx.Key)
		}
		ix.txs = append(ix.txs, tx)
		ix.byKey[tx.Key], ix.byID[tx.ID] = tx.Seq, tx.Seq
		for j, p := range tx.Postings {
			acct := ix.account(p.Account)
			acct.entries = append(acct.entries, position{tx.Seq, j})
			if tx.Kind.MovesPosted() {
				acct.addPosted(tx.EffectiveAt, p)
			}
		}
	}
	return nil
}

// replay reads a file's lines from r into the index. It returns the size
// of the complete lines it applied and of a torn last line it ignored: one
// without its newline, or one that is not valid JSON with nothing after it.
// Any other bad line is an error wrapping ErrCorrupt.
func (ix *index) replay(r io.Reader) (good, torn int64, err error) {
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		text, err := br.ReadBytes('\n')
		if err == io.EOF {
			return good, int64(len(text)), nil // no newline: the write was cut short
		}
		if err != nil {
			return good, 0, fmt.Errorf("filestore: open: read line %d: %w", n, err)
		}
		var l line
		if err := json.Unmarshal(text, &l); err != nil {
			if _, more := br.Peek(1); more == io.EOF {
				return good, int64(len(text)), nil // the last line: torn
			}
			return good, 0, fmt.Errorf("%w: line %d: %v", ErrCorrupt, n, err)
		}
		if err := ix.applyLine(&l); err != nil {
			return good, 0, fmt.Errorf("%w: line %d: %v", ErrCorrupt, n, err)
		}
		good += int64(len(text))
	}
}

// applyLine applies one decoded line.
func (ix *index) applyLine(l *line) error {
	if l.Commit == nil {
		if l.ClosedThrough.IsZero() {
			return errors.New("empty record")
		}
		if l.ClosedThrough.After(ix.closed) {
			ix.closed = l.ClosedThrough
		}
		return nil
	}
	c, err := decodeCommit(l.Commit)
	if err != nil {
		return err
	}
	return ix.apply(c)
}

// account returns the named account's record, making an empty one for a
// name not seen before.
func (ix *index) account(name string) *account {
	a := ix.accounts[name]
	if a == nil {
		a = &account{state: ledger.AccountState{Account: ledger.Account{Name: name}}}
		ix.accounts[name] = a
	}
	return a
}

// addPosted inserts a posted entry into a.posted at its effective time and
// adds it to the running totals after it. Entries usually arrive in time
// order, so this is an append; a backdated one shifts the totals after it.
func (a *account) addPosted(at time.Time, p ledger.Posting) {
	units, _ := p.Amount.MinorUnits() // the ledger only posts whole minor units
	var debits, credits int64
	if p.Side == ledger.Debit {
		debits = units
	} else {
		credits = units
	}
	i := a.countAtOrBefore(at)
	s := step{at: at, debits: debits, credits: credits}
	if i > 0 {
		s.debits += a.posted[i-1].debits
		s.credits += a.posted[i-1].credits
	}
	a.posted = slices.Insert(a.posted, i, s)
	for k := i + 1; k < len(a.posted); k++ {
		a.posted[k].debits += debits
		a.posted[k].credits += credits
	}
}

// countAtOrBefore returns how many posted entries are effective at or
// before t.
func (a *account) countAtOrBefore(t time.Time) int {
	return sort.Search(len(a.posted), func(i int) bool { return a.posted[i].at.After(t) })
}
