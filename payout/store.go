package payout

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Store keeps what payout needs that is not money: the batch documents of
// each run, approvals and the status-update events already applied. Money
// state (reservations, submissions, payments) lives in the ledger only.
//
// Contract: safe for concurrent use; ctx honoured; values passed in are
// copied, values returned are the caller's; errors wrap ErrNotFound,
// ErrBatchExists and ErrDuplicateApproval where stated.
type Store interface {
	// PutRun saves a built run (all its batches) atomically. Saving a run
	// with the same id and the same batch hashes again is a no-op; with
	// other content it fails with ErrBatchExists.
	PutRun(ctx context.Context, r Run) error
	// Run returns a saved run, or ErrNotFound.
	Run(ctx context.Context, id string) (Run, error)
	// Batch returns a saved batch by id, or ErrNotFound.
	Batch(ctx context.Context, id string) (Batch, error)
	// Item returns the batch and item ids of the item with a provider
	// idempotency key, or ErrNotFound.
	Item(ctx context.Context, key string) (batchID, itemID string, err error)
	// AddApproval records an approval of a batch. A second approval by the
	// same approver for the same hash fails with ErrDuplicateApproval.
	AddApproval(ctx context.Context, batchID string, a Approval) error
	// Approvals returns a batch's approvals in the order recorded.
	Approvals(ctx context.Context, batchID string) ([]Approval, error)
	// Seen reports whether the event (provider, id) was marked.
	Seen(ctx context.Context, provider, eventID string) (bool, error)
	// MarkSeen marks the event (provider, id) as applied; marking twice is
	// a no-op.
	MarkSeen(ctx context.Context, provider, eventID string) error
}

// Approval is one approver's sign-off on one version (content hash) of a
// batch.
type Approval struct {
	Approver string    // identity from the host
	At       time.Time // when, from the Service's clock
	Hash     string    // the batch content hash approved
}

// MemoryStore is the in-memory Store. The zero value is not usable; call
// NewMemoryStore.
type MemoryStore struct {
	mu        sync.Mutex
	runs      map[string]storedRun
	batches   map[string]*storedBatch
	approvals map[string][]Approval
	keys      map[string][2]string // provider key -> batch, item
	seen      map[[2]string]bool
}

// storedRun is a run as MemoryStore keeps it: its batches by id.
type storedRun struct {
	run     Run // Batches nil
	batches []string
}

// storedBatch is a batch as MemoryStore keeps it. The items' Details maps
// (one per item) are flattened into one slice of key/value pairs, so that
// saving a run of 100,000 items copies no map; reads rebuild them.
type storedBatch struct {
	b       Batch    // Items[i].Details is nil
	pairs   []string // key, value, key, value, ...
	off     []int32  // item i's pairs are pairs[off[i]:off[i+1]]
	present []bool   // item i's Details was not nil
}

func newStoredBatch(b *Batch) *storedBatch {
	sb := &storedBatch{b: *b, off: make([]int32, len(b.Items)+1), present: make([]bool, len(b.Items))}
	sb.b.Items = slices.Clone(b.Items)
	n := 0
	for i := range b.Items {
		n += 2 * len(b.Items[i].Details)
	}
	sb.pairs = make([]string, 0, n)
	for i := range sb.b.Items {
		it := &sb.b.Items[i]
		sb.present[i] = it.Details != nil
		for k, v := range it.Details {
			sb.pairs = append(sb.pairs, k, v)
		}
		it.Details = nil
		sb.off[i+1] = int32(len(sb.pairs))
	}
	return sb
}

// batch returns a copy of the stored batch, sharing nothing with it.
func (sb *storedBatch) batch() Batch {
	b := sb.b
	b.Items = slices.Clone(sb.b.Items)
	for i := range b.Items {
		if !sb.present[i] {
			continue
		}
		kv := sb.pairs[sb.off[i]:sb.off[i+1]]
		m := make(map[string]string, len(kv)/2)
		for j := 0; j < len(kv); j += 2 {
			m[kv[j]] = kv[j+1]
		}
		b.Items[i].Details = m
	}
	return b
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{runs: map[string]storedRun{}, batches: map[string]*storedBatch{}, approvals: map[string][]Approval{}, keys: map[string][2]string{}, seen: map[[2]string]bool{}}
}

// PutRun implements Store.
func (s *MemoryStore) PutRun(ctx context.Context, r Run) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.runs[r.ID]; ok {
		if !slices.EqualFunc(old.batches, r.Batches, func(id string, b Batch) bool { return id == b.ID && s.batches[id].b.Hash == b.Hash }) {
			return fmt.Errorf("%w: run %s", ErrBatchExists, r.ID)
		}
		return nil
	}
	items := 0
	for i := range r.Batches {
		if _, ok := s.batches[r.Batches[i].ID]; ok {
			return fmt.Errorf("%w: batch %s", ErrBatchExists, r.Batches[i].ID)
		}
		items += len(r.Batches[i].Items)
	}
	if len(s.keys) == 0 && items > 0 {
		s.keys = make(map[string][2]string, items) // sized once, not grown
	}
	sr := storedRun{run: r, batches: make([]string, len(r.Batches))}
	sr.run.Batches = nil
	sr.run.Held, sr.run.Carried = slices.Clone(r.Held), slices.Clone(r.Carried)
	for i := range r.Batches {
		b := &r.Batches[i]
		sr.batches[i] = b.ID
		s.batches[b.ID] = newStoredBatch(b)
		for j := range b.Items {
			s.keys[b.Items[j].Key] = [2]string{b.ID, b.Items[j].ID}
		}
	}
	s.runs[r.ID] = sr
	return nil
}

// Run implements Store.
func (s *MemoryStore) Run(ctx context.Context, id string) (Run, error) {
	if err := ctx.Err(); err != nil {
		return Run{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sr, ok := s.runs[id]
	if !ok {
		return Run{}, fmt.Errorf("%w: run %s", ErrNotFound, id)
	}
	r := sr.run
	r.Held, r.Carried = slices.Clone(r.Held), slices.Clone(r.Carried)
	if len(sr.batches) > 0 {
		r.Batches = make([]Batch, len(sr.batches))
		for i, bid := range sr.batches {
			r.Batches[i] = s.batches[bid].batch()
		}
	}
	return r, nil
}

// Batch implements Store.
func (s *MemoryStore) Batch(ctx context.Context, id string) (Batch, error) {
	if err := ctx.Err(); err != nil {
		return Batch{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, ok := s.batches[id]
	if !ok {
		return Batch{}, fmt.Errorf("%w: batch %s", ErrNotFound, id)
	}
	return sb.batch(), nil
}

// Item implements Store.
func (s *MemoryStore) Item(ctx context.Context, key string) (string, string, error) {
	if err := ctx.Err(); err != nil {
		return "", "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[key]
	if !ok {
		return "", "", fmt.Errorf("%w: item with key %s", ErrNotFound, key)
	}
	return k[0], k[1], nil
}

// AddApproval implements Store.
func (s *MemoryStore) AddApproval(ctx context.Context, batchID string, a Approval) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.batches[batchID]; !ok {
		return fmt.Errorf("%w: batch %s", ErrNotFound, batchID)
	}
	for _, o := range s.approvals[batchID] {
		if o.Approver == a.Approver && o.Hash == a.Hash {
			return fmt.Errorf("%w: %s on batch %s", ErrDuplicateApproval, a.Approver, batchID)
		}
	}
	s.approvals[batchID] = append(s.approvals[batchID], a)
	return nil
}

// Approvals implements Store.
func (s *MemoryStore) Approvals(ctx context.Context, batchID string) ([]Approval, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.approvals[batchID]), nil
}

// Seen implements Store.
func (s *MemoryStore) Seen(ctx context.Context, provider, eventID string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[[2]string{provider, eventID}], nil
}

// MarkSeen implements Store.
func (s *MemoryStore) MarkSeen(ctx context.Context, provider, eventID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen[[2]string{provider, eventID}] = true
	return nil
}
