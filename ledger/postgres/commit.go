package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/accruehq/accrue/ledger"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// request is one Commit call waiting for a committer.
type request struct {
	c     *ledger.Commit
	done  chan error
	state atomicState
}

// Request states: a committer takes a queued request, or its caller
// abandons it (context ended) before that; never both.
const (
	stateQueued int32 = iota
	stateTaken
	stateAbandoned
)

// Commit implements ledger.Store. Concurrent calls are grouped: a committer
// takes every queued call (up to WithMaxGroup) and applies them in one
// database transaction, each all or nothing (a refused call does not affect
// the others). See the package documentation for the protocol.
func (s *Store) Commit(ctx context.Context, c *ledger.Commit) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	if s.closed.Load() {
		return ErrClosed
	}
	r := &request{c: c, done: make(chan error, 1)}
	select {
	case s.queue <- r:
	case <-ctx.Done():
		return fmt.Errorf("postgres: commit: %w", ctx.Err())
	case <-s.stop:
		return ErrClosed
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		if r.state.CompareAndSwap(stateQueued, stateAbandoned) {
			return fmt.Errorf("postgres: commit: %w", ctx.Err())
		}
		// A committer has it: its outcome is known soon (the round is
		// bounded by WithCommitTimeout); report it rather than guess.
		if err := <-r.done; err != nil {
			return fmt.Errorf("postgres: commit: %w", errors.Join(ctx.Err(), err))
		}
		return nil
	}
}

// committer takes groups of queued requests and commits them. It keeps
// one connection (warm prepared statements and plans), replacing it after
// a failure.
func (s *Store) committer() {
	defer s.wg.Done()
	var conn *pgxpool.Conn
	defer func() {
		if conn != nil {
			conn.Release()
		}
	}()
	group := make([]*request, 0, s.maxGroup)
	for {
		group = group[:0]
		select {
		case r := <-s.queue:
			group = append(group, r)
		case <-s.stop:
			return
		}
		// Groups are filled when it is this committer's turn to decide,
		// with what queued up meanwhile. A group the snapshot can decide
		// is recorded in it and sent as a flight, overlapping the rounds
		// before it (see flightRound); any other is decided on the
		// database once no flight is left, with the turn held throughout.
		s.snap.mu.Lock()
		s.fill(&group)
		taken := group[:0]
		for _, r := range group {
			if r.state.CompareAndSwap(stateQueued, stateTaken) {
				taken = append(taken, r)
			}
		}
		if len(taken) == 0 {
			s.snap.mu.Unlock()
			continue
		}
		if g, f := s.decideOnSnapshot(taken); f != nil {
			s.snap.mu.Unlock()
			var redo bool
			conn, redo = s.flightRound(conn, taken, g, f)
			if !f.ok {
				s.snap.mu.Lock()
				s.snap.invalidate()
				if redo {
					s.rounds.fallback.Add(1)
					s.snap.drain()
					conn = s.round(conn, taken)
				}
				s.snap.mu.Unlock()
			}
		} else {
			s.snap.drain()
			conn = s.round(conn, taken)
			s.snap.mu.Unlock()
		}
		s.answered.Store(int64(len(taken)))
	}
}

// fill adds queued requests to group, up to WithMaxGroup. The callers
// the previous round answered are likely to send their next request
// within microseconds; while fewer requests than that round answered are
// in the group, fill waits for them, at most WithGroupWait, so that
// concurrent callers share rounds instead of alternating between two
// half-full ones.
func (s *Store) fill(group *[]*request) {
	expect := int(s.answered.Load())
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for len(*group) < s.maxGroup {
		select {
		case r := <-s.queue:
			*group = append(*group, r)
			continue
		default:
		}
		if len(*group) >= expect || s.groupWait <= 0 {
			return
		}
		if timer == nil {
			timer = time.NewTimer(s.groupWait)
		}
		select {
		case r := <-s.queue:
			*group = append(*group, r)
		case <-timer.C:
			return
		case <-s.stop:
			return
		}
	}
}

// round commits a group decided on the database, on conn (acquired if
// nil), and answers every request in it; the caller holds s.snap.mu and
// no flight is in the air. It returns the connection to use next (nil
// after a failure that left it unusable).
func (s *Store) round(conn *pgxpool.Conn, reqs []*request) *pgxpool.Conn {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	results := make([]error, len(reqs))
	var err error
	if conn == nil {
		conn, err = s.pool.Acquire(ctx)
	}
	if err == nil {
		err = s.commitGroup(ctx, conn, reqs, results)
		if err != nil {
			s.snap.invalidate()
		}
	}
	switch {
	case err == nil:
	case definite(err) && len(reqs) > 1 && usable(conn):
		// The database refused the group as a whole (a second-line
		// constraint, an unexpected failure): nothing of it committed.
		// Commit the requests one by one so that each gets its own answer.
		for i := range reqs {
			if err := s.commitGroup(ctx, conn, reqs[i:i+1], results[i:i+1]); err != nil {
				s.snap.invalidate()
				results[i] = mapError("commit", err)
			}
		}
	default:
		for i := range results {
			results[i] = mapError("commit", err)
		}
	}
	for i, r := range reqs {
		r.done <- results[i]
	}
	if conn != nil && !usable(conn) {
		conn.Release() // the pool destroys it
		conn = nil
	}
	return conn
}

// usable reports whether conn is open and idle (not in a transaction).
func usable(conn *pgxpool.Conn) bool {
	return conn != nil && !conn.Conn().IsClosed() && conn.Conn().PgConn().TxStatus() == 'I'
}

// acct is the state of one account during a round.
type acct struct {
	exists   bool
	created  bool   // created by an accepted request of this round
	readVer  uint64 // version in the database at the round's start (1 if created)
	version  uint64
	run      int32
	runEff   time.Time
	runD     int64
	runC     int64
	cnt      ledger.Counters // counters in the database at the round's start
	delta    ledger.Counters // what accepted requests add to cnt
	runMoved bool
	newAcct  ledger.Account
}

// groupState is what a round knows and decides.
type groupState struct {
	seq      uint64
	prev     [32]byte
	closed   time.Time
	accts    map[string]*acct
	states   map[string]uint64 // tx state id -> version
	newState map[string]*ledger.TxState
	taken    map[string]bool // keys ("k" prefix) and ids ("i" prefix) stored or accepted
	rows     txRows
	// For a round decided on the snapshot: the head it was decided on,
	// and inFlight, which reports keys and ids that rounds still in
	// flight write.
	baseSeq  uint64
	basePrev [32]byte
	inFlight func(string) bool
}

// groupNames returns the sorted, distinct names of the accounts reqs
// create or touch, and the keys, ids and transaction states they write.
func groupNames(reqs []*request) (names []string, keys, txIDs, stateIDs [][]byte) {
	for _, r := range reqs {
		c := r.c
		for _, a := range c.NewAccounts {
			names = append(names, a.Name)
		}
		for _, d := range c.Deltas {
			names = append(names, d.Account)
		}
		for _, u := range c.TxStates {
			stateIDs = append(stateIDs, []byte(u.State.ID))
		}
		for i := range c.Txs {
			tx := &c.Txs[i]
			keys = append(keys, []byte(tx.Key))
			txIDs = append(txIDs, []byte(tx.ID))
			for j := range tx.Postings {
				names = append(names, tx.Postings[j].Account)
			}
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	names = slices.DeleteFunc(names, func(n string) bool { return !storable(n) })
	return names, keys, txIDs, stateIDs
}

// commitGroup runs one database transaction for reqs, decided on the
// database: it locks the chain head, reads what the requests' checks
// need, decides each request in order (results[i] is its refusal, or
// nil), writes the accepted ones and commits. A non-nil error means the
// transaction did not commit (or, for errors other than database ones,
// that its outcome is unknown); results are then to be ignored.
func (s *Store) commitGroup(ctx context.Context, conn *pgxpool.Conn, reqs []*request, results []error) error {
	names, keys, txIDs, stateIDs := groupNames(reqs)
	committed := false
	defer func() {
		if !committed {
			rollback(conn)
		}
	}()
	s.rounds.database.Add(1)
	var g *groupState
	if err := s.readRound(ctx, conn, names, keys, txIDs, stateIDs, &g); err != nil {
		return err
	}
	accepted := 0
	for i, r := range reqs {
		results[i] = g.decide(r.c)
		if results[i] == nil {
			accepted++
		}
	}
	if accepted == 0 {
		_, err := conn.Exec(ctx, "ROLLBACK")
		committed = err == nil
		return err
	}

	// Round trip 2: the writes and COMMIT.
	b := &pgx.Batch{}
	s.queueWrites(b, g)
	if err := s.sendWrites(ctx, conn, b, true, true); err != nil {
		return err
	}
	committed = true
	s.snap.record(g)
	return nil
}

// sendWrites sends b and reads its answers; if commit is set, b ends with
// COMMIT and the server must have answered it. The test hook sees the
// stages "before-writes" (if first: the round's first writes) and, once
// b is sent, "writes-sent" (if commit).
func (s *Store) sendWrites(ctx context.Context, conn *pgxpool.Conn, b *pgx.Batch, first, commit bool) error {
	if s.hook != nil && first {
		s.hook(ctx, "before-writes", conn.Conn())
	}
	br := conn.SendBatch(ctx, b)
	if s.hook != nil && commit {
		s.hook(ctx, "writes-sent", conn.Conn())
	}
	var firstErr error
	var tag string
	for range b.QueuedQueries {
		ct, err := br.Exec()
		if err != nil && firstErr == nil {
			firstErr = err
		}
		tag = ct.String()
	}
	if err := br.Close(); err != nil && firstErr == nil {
		firstErr = err
	}
	if firstErr != nil {
		return firstErr
	}
	if commit && tag != "COMMIT" {
		return fmt.Errorf("postgres: commit: server answered %q to COMMIT", tag)
	}
	return nil
}

// rollback ends the transaction conn is in, if any; if it cannot, it
// closes the connection (the server then rolls the transaction back).
func rollback(conn *pgxpool.Conn) {
	if conn == nil || conn.Conn().IsClosed() || conn.Conn().PgConn().TxStatus() == 'I' {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "ROLLBACK"); err != nil {
		_ = conn.Conn().Close(ctx)
	}
}

// readRound sends the first round trip of a round decided on the
// database: BEGIN, lock the head, read versions, states and keys; *g is
// the state read.
func (s *Store) readRound(ctx context.Context, conn *pgxpool.Conn, names []string, keys, txIDs, stateIDs [][]byte, g **groupState) error {
	b := &pgx.Batch{}
	b.Queue("BEGIN ISOLATION LEVEL READ COMMITTED")
	// Plan the reads for their arguments: a generic plan cached while the
	// tables were small (a sequential scan of transactions for the key
	// check) would stay in the statement cache as they grow, making the
	// round's cost grow with the ledger's size. queueWrites does the same
	// for the one write that joins a table.
	b.Queue(planCustom)
	b.Queue(s.sql.lockHead)
	b.Queue(s.sql.readVersions, names)
	if len(stateIDs) > 0 {
		b.Queue(s.sql.readStateVersions, stateIDs)
	}
	if len(keys) > 0 {
		b.Queue(s.sql.readDupes, keys, txIDs)
	}
	*g = &groupState{accts: make(map[string]*acct, len(names)), states: map[string]uint64{}, taken: map[string]bool{}}
	return s.readGroup(ctx, conn.Conn(), b, *g, len(stateIDs) > 0, len(keys) > 0)
}

// readGroup sends the first round trip and loads its answers into g.
func (s *Store) readGroup(ctx context.Context, conn *pgx.Conn, b *pgx.Batch, g *groupState, states, dupes bool) error {
	br := conn.SendBatch(ctx, b)
	defer br.Close()
	for range 2 { // BEGIN, SET LOCAL
		if _, err := br.Exec(); err != nil {
			return err
		}
	}
	var head []byte
	var closed pgtype.Timestamptz
	var seq int64
	if err := br.QueryRow().Scan(&seq, &head, &closed); err != nil {
		return err
	}
	g.seq = uint64(seq)
	copy(g.prev[:], head)
	g.closed = fromTstz(closed)
	rows, err := br.Query()
	if err != nil {
		return err
	}
	for rows.Next() {
		var name string
		var ver, rd, rc int64
		var run int32
		var reff pgtype.Timestamptz
		var cnt ledger.Counters
		if err := rows.Scan(&name, &ver, &run, &reff, &rd, &rc, &cnt.DebitsPosted, &cnt.CreditsPosted, &cnt.DebitsPending, &cnt.CreditsPending); err != nil {
			rows.Close()
			return err
		}
		g.accts[name] = &acct{exists: true, readVer: uint64(ver), version: uint64(ver), run: run, runEff: fromTstz(reff), runD: rd, runC: rc, cnt: cnt}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if states {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		for rows.Next() {
			var id []byte
			var ver int64
			if err := rows.Scan(&id, &ver); err != nil {
				rows.Close()
				return err
			}
			g.states[string(id)] = uint64(ver)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	if dupes {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		for rows.Next() {
			var key, id []byte
			if err := rows.Scan(&key, &id); err != nil {
				rows.Close()
				return err
			}
			g.taken["k"+string(key)] = true
			g.taken["i"+string(id)] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return br.Close()
}
