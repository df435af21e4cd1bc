package filestore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/accruehq/accrue/ledger"
)

// Errors of the file store. Refusals of the Store contract wrap the ledger's
// sentinels (ledger.ErrConflict, ledger.ErrDuplicateKey, …) instead.
var (
	// ErrCorrupt: the file holds a line that is not a valid record, or a
	// record out of sequence, before its last line. Open refuses it.
	ErrCorrupt = errors.New("filestore: corrupt file")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("filestore: store is closed")
	// ErrBroken: a write failed in a way that leaves the file's end
	// uncertain; the store refuses writes until it is reopened.
	ErrBroken = errors.New("filestore: write failed; reopen the store")
)

// Store is a ledger.Store kept in one append-only file of JSON lines, with
// an in-memory index for reads. It is safe for concurrent use. Open one
// with Open and Close it when done.
type Store struct {
	mu     sync.RWMutex
	file   *os.File // opened for appending; nil once closed
	size   int64    // bytes of complete lines in the file
	broken error    // set when the file's end is uncertain
	torn   int64    // bytes of a torn last line cut off by Open

	index // everything the file says, replayed
}

var _ ledger.Store = (*Store)(nil)

// Open opens the store kept in the file at path, creating the file if it
// does not exist, and replays it. A torn last line (from a crash during a
// write) is cut off; see TornBytes. A damaged line before the last one makes
// Open fail with an error wrapping ErrCorrupt and naming the line.
func Open(path string) (*Store, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("filestore: open: %w", err)
	}
	s := &Store{file: f, index: newIndex()}
	if err := s.replay(); err != nil {
		f.Close()
		return nil, err
	}
	syncDir(filepath.Dir(path))
	return s, nil
}

// syncDir fsyncs a folder, so that a file just created in it keeps its name
// after a crash. Systems that cannot sync a folder (Windows) skip it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// replay replays the file into the index and cuts off a torn last line,
// so that the next append starts a line of its own.
func (s *Store) replay() error {
	var err error
	s.size, s.torn, err = s.index.replay(s.file)
	if err != nil || s.torn == 0 {
		return err
	}
	if err := s.file.Truncate(s.size); err != nil {
		return fmt.Errorf("filestore: open: cut torn line: %w", err)
	}
	if err := s.file.Sync(); err != nil {
		return fmt.Errorf("filestore: open: cut torn line: %w", err)
	}
	return nil
}

// TornBytes returns the size of the torn last line Open cut off the file
// (0 if it found none).
func (s *Store) TornBytes() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.torn
}

// Close closes the file. Every committed line is already durable; Close
// only releases the file. Writes after Close return ErrClosed; reads still
// answer from memory.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return ErrClosed
	}
	err := s.file.Close()
	s.file = nil
	return err
}

// Commit implements ledger.Store: it checks the contract's refusals,
// assigns Seq and the hash chain, makes the line durable and then applies
// it to the index.
func (s *Store) Commit(ctx context.Context, c *ledger.Commit) error {
	if err := ctxErr(ctx, "commit"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	if err := s.check(c); err != nil {
		return err
	}
	s.sequence(c)
	if err := s.append(line{Commit: encodeCommit(c)}); err != nil {
		return err
	}
	if err := s.apply(c); err != nil { // check makes this impossible; if not, stop writing
		s.broken = err
		return fmt.Errorf("filestore: apply: %w", err)
	}
	return nil
}

// ClosePeriod implements ledger.Store; a move of the closed-through time is
// one line of the file.
func (s *Store) ClosePeriod(ctx context.Context, through time.Time) error {
	if err := ctxErr(ctx, "close period"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	if !through.After(s.closed) {
		return nil
	}
	if err := s.append(line{ClosedThrough: through}); err != nil {
		return err
	}
	s.closed = through
	return nil
}

// writable says why the store cannot write, if it cannot.
func (s *Store) writable() error {
	if s.file == nil {
		return ErrClosed
	}
	if s.broken != nil {
		return fmt.Errorf("%w: %v", ErrBroken, s.broken)
	}
	return nil
}

// check refuses c as the Store contract says, changing nothing.
func (s *Store) check(c *ledger.Commit) error {
	for _, a := range c.NewAccounts {
		if acct := s.accounts[a.Name]; acct != nil && acct.state.Exists {
			return fmt.Errorf("filestore: account %s already exists: %w", a.Name, ledger.ErrConflict)
		}
	}
	for _, d := range c.Deltas {
		var version uint64
		if acct := s.accounts[d.Account]; acct != nil && acct.state.Exists {
			version = acct.state.Version
			if _, ok := acct.state.Counters.Plus(d.Delta); !ok {
				return fmt.Errorf("filestore: account %s: counters out of range: %w", d.Account, ledger.ErrConflict)
			}
		} else if !slices.ContainsFunc(c.NewAccounts, func(n ledger.Account) bool { return n.Name == d.Account }) {
			return fmt.Errorf("filestore: account %s does not exist: %w", d.Account, ledger.ErrConflict)
		}
		// A commuting delta does not depend on the version read.
		if version != d.Version && !d.Commutes {
			return fmt.Errorf("filestore: account %s is at version %d, not %d: %w", d.Account, version, d.Version, ledger.ErrConflict)
		}
	}
	for _, u := range c.TxStates {
		if v := s.states[u.State.ID].Version; v != u.Version {
			return fmt.Errorf("filestore: tx %s state is at version %d, not %d: %w", u.State.ID, v, u.Version, ledger.ErrConflict)
		}
	}
	keys, ids := make(map[string]bool, len(c.Txs)), make(map[string]bool, len(c.Txs))
	for i := range c.Txs {
		tx := &c.Txs[i]
		_, oldKey := s.byKey[tx.Key]
		_, oldID := s.byID[tx.ID]
		if oldKey || oldID || keys[tx.Key] || ids[tx.ID] {
			return fmt.Errorf("filestore: tx %s (key %q): %w", tx.ID, tx.Key, ledger.ErrDuplicateKey)
		}
		keys[tx.Key], ids[tx.ID] = true, true
	}
	for i := range c.Txs {
		tx := &c.Txs[i]
		if !s.closed.IsZero() && !tx.EffectiveAt.After(s.closed) {
			return fmt.Errorf("filestore: tx %s effective %s: %w", tx.ID, tx.EffectiveAt.Format(time.RFC3339Nano), ledger.ErrPeriodClosed)
		}
	}
	return nil
}

// sequence assigns Seq, PrevHash and Hash to c.Txs in place.
func (s *Store) sequence(c *ledger.Commit) {
	var prev [32]byte
	if n := len(s.txs); n > 0 {
		prev = s.txs[n-1].Hash
	}
	for i := range c.Txs {
		tx := &c.Txs[i]
		tx.Seq = uint64(len(s.txs) + i + 1)
		tx.PrevHash, tx.Hash = prev, [32]byte{}
		if c.Chain {
			tx.Hash = ledger.ChainHash(prev, tx)
		}
		prev = tx.Hash
	}
}

// append writes l as one line and fsyncs it. A failed write is cut off the
// file again; if that fails too, or fsync fails, the store is broken.
func (s *Store) append(l line) error {
	text, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("filestore: encode: %w", err)
	}
	text = append(text, '\n')
	if bytes.Count(text, []byte{'\n'}) != 1 { // encoding/json escapes newlines; be sure
		return errors.New("filestore: encode: line break in record")
	}
	if _, err := s.file.Write(text); err != nil {
		if terr := s.file.Truncate(s.size); terr != nil {
			s.broken = terr
		}
		return fmt.Errorf("filestore: write: %w", err)
	}
	if err := s.file.Sync(); err != nil {
		s.broken = err // the line may or may not be on disk: outcome unknown
		return fmt.Errorf("filestore: sync: %w", err)
	}
	s.size += int64(len(text))
	return nil
}

// ctxErr wraps ctx's error, if any, for op.
func ctxErr(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("filestore: %s: %w", op, err)
	}
	return nil
}

// AppliesCommutingDeltas implements ledger.CommutingStore: Commit applies
// deltas marked Commutes whatever version they were read at.
func (s *Store) AppliesCommutingDeltas() bool { return true }
