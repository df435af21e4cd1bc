package postgres

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// decideOnSnapshot decides reqs on the snapshot and, if it can and accepts
// every request, records the round in it and returns its state and
// flight; otherwise it returns a nil flight and the round is to be decided
// on the database (a refusal must rest on what the database holds). The
// caller holds s.snap.mu.
func (s *Store) decideOnSnapshot(reqs []*request) (*groupState, *flight) {
	names, _, _, _ := groupNames(reqs)
	g := s.snap.group(reqs, names)
	if g == nil {
		return nil, nil
	}
	for _, r := range reqs {
		if g.decide(r.c) != nil {
			s.rounds.fallback.Add(1)
			return nil, nil
		}
	}
	s.rounds.snapshot.Add(1)
	return g, s.snap.begin(g)
}

// flightRound sends a round decided on the snapshot, on conn (acquired if
// nil). If the round before it has finished, it is sent in one round
// trip. If not, in two steps: at once, BEGIN and the insert of its
// transactions and postings, which the server runs while the rounds before
// it finish (they touch none of the same rows: in-flight keys are refused
// on the snapshot); then, once the flight before it has committed, the
// head's compare-and-swap (seq, hash, closed-through time), the accounts'
// compare-and-swaps and COMMIT. Rounds are thus serialised where the chain
// needs it, at the head, and the server works on two rounds at once.
//
// It finishes f and answers the requests, unless the database refused the
// round (or the flight before it did not commit): then nothing of it
// committed and redo is true — the caller decides it again on the
// database. A lost connection leaves the outcome unknown: the requests get
// an error that wraps no ledger sentinel (the ledger's caller retries by
// key), as in a round decided on the database. It returns the connection
// to use next.
func (s *Store) flightRound(conn *pgxpool.Conn, reqs []*request, g *groupState, f *flight) (_ *pgxpool.Conn, redo bool) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	ok := false
	err := func() error {
		if conn == nil {
			var err error
			if conn, err = s.pool.Acquire(ctx); err != nil {
				return err
			}
		}
		b := &pgx.Batch{}
		b.Queue("BEGIN ISOLATION LEVEL READ COMMITTED")
		s.queueTxs(b, g)
		if f.prev == nil || (f.prev.finished() && !s.splitFlights) {
			// Nothing to overlap: one round trip.
			if f.prev != nil && !f.prev.ok {
				return errPredecessor
			}
			s.queueSwaps(b, g)
			return s.sendWrites(ctx, conn, b, true, true)
		}
		s.rounds.overlapped.Add(1)
		if err := s.sendWrites(ctx, conn, b, true, false); err != nil {
			return err
		}
		if s.hook != nil {
			s.hook(ctx, "inserted", conn.Conn())
		}
		select {
		case <-f.prev.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if !f.prev.ok {
			return errPredecessor
		}
		b = &pgx.Batch{}
		s.queueSwaps(b, g)
		return s.sendWrites(ctx, conn, b, false, true)
	}()
	if err == nil {
		ok = true
	} else {
		rollback(conn)
		// As for a round decided on the database, a connection that did
		// not survive the error is not trusted with a redo.
		redo = (err == errPredecessor || definite(err)) && usable(conn)
	}
	f.finish(ok)
	if ok || !redo {
		for _, r := range reqs {
			r.done <- mapError("commit", err)
		}
	}
	if conn != nil && !usable(conn) {
		conn.Release() // the pool destroys it
		conn = nil
	}
	return conn, redo
}

// queueSwaps queues the second part of a flight: the head's and the
// accounts' compare-and-swaps, and COMMIT.
func (s *Store) queueSwaps(b *pgx.Batch, g *groupState) {
	b.Queue(s.sql.casHead, int64(g.baseSeq), slices.Clone(g.basePrev[:]), int64(g.seq), slices.Clone(g.prev[:]), tstz(g.closed))
	s.queueAccounts(b, g)
	b.Queue("COMMIT")
}

// errPredecessor stops a flight whose predecessor did not commit: it was
// decided on that flight's state.
var errPredecessor = errors.New("postgres: the round before did not commit")
