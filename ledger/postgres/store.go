package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/accruehq/accrue/ledger"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is a ledger.Store on PostgreSQL. It is safe for concurrent use;
// Close stops its committers. Create it with New after Migrate.
type Store struct {
	pool       *pgxpool.Pool
	schema     string
	sql        statements
	maxGroup   int
	committers int
	timeout    time.Duration
	cur        currencies

	queue  chan *request
	stop   chan struct{}
	closed atomic.Bool
	once   sync.Once
	wg     sync.WaitGroup

	// hook, when set (tests only), runs in a commit round at stage
	// "before-writes" (after the reads, before the writes are sent),
	// "inserted" (a flight's inserts are done, its compare-and-swaps not
	// sent) and "writes-sent" (COMMIT sent, its answer not read). It may
	// be called by several committers at once.
	hook func(ctx context.Context, stage string, conn *pgx.Conn)

	// splitFlights (tests only) sends every flight in two steps, even
	// when the round before it has finished.
	splitFlights bool

	groupWait time.Duration // see WithGroupWait
	answered  atomic.Int64  // requests the last round answered

	snap snapshot // the state after this store's last commit
	// rounds counts rounds by how they were decided (tests only): on the
	// snapshot, on the database, on the database after the snapshot's
	// round was refused; and the rounds on the snapshot sent while the
	// round before them was in flight.
	rounds struct{ snapshot, database, fallback, overlapped atomic.Int64 }
}

var _ ledger.Store = (*Store)(nil)

// Option configures New.
type Option func(*Store)

// WithSchema sets the schema the tables live in (default DefaultSchema);
// Migrate must have been run on it.
func WithSchema(name string) Option { return func(s *Store) { s.schema = name } }

// WithMaxGroup bounds how many concurrent Commit calls one database
// transaction carries (default 256). 1 turns group commit off.
func WithMaxGroup(n int) Option {
	return func(s *Store) {
		if n >= 1 {
			s.maxGroup = n
		}
	}
}

// WithCommitters sets how many commit rounds may be in flight at once, each
// on its own connection (default 2): while one round updates its accounts
// and waits for its COMMIT to reach the disk, the next one's insert runs
// (see the package documentation on pipelined rounds).
func WithCommitters(n int) Option {
	return func(s *Store) {
		if n >= 1 {
			s.committers = n
		}
	}
}

// WithGroupWait bounds how long a committer waits for the callers the
// previous round answered to send their next request before it starts a
// round without them (default 200µs; 0: never wait). Waiting lets
// concurrent callers share one round, and one WAL flush, instead of
// alternating between two half-full rounds; a lone caller never waits.
func WithGroupWait(d time.Duration) Option {
	return func(s *Store) {
		if d >= 0 {
			s.groupWait = d
		}
	}
}

// WithCommitTimeout bounds one commit round (default 30 s). A Commit whose
// context ends while its round is in flight waits for the round, at most
// this long, so that it can tell its caller the outcome.
func WithCommitTimeout(d time.Duration) Option {
	return func(s *Store) {
		if d > 0 {
			s.timeout = d
		}
	}
}

// New returns a Store using pool, whose schema Migrate has prepared. The
// pool stays the caller's: Close does not close it. It checks that the
// schema is migrated.
func New(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	if pool == nil {
		return nil, fmt.Errorf("postgres: nil pool")
	}
	s := &Store{pool: pool, schema: DefaultSchema, maxGroup: 256, committers: 2, timeout: 30 * time.Second, groupWait: 200 * time.Microsecond}
	for _, o := range opts {
		o(s)
	}
	if s.schema == "" {
		return nil, fmt.Errorf("postgres: empty schema name")
	}
	s.sql = newStatements(pgx.Identifier{s.schema}.Sanitize())
	migs, err := Migrations()
	if err != nil {
		return nil, err
	}
	var version int32
	err = pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM "+pgx.Identifier{s.schema, "schema_migrations"}.Sanitize()).Scan(&version)
	if err != nil {
		return nil, fmt.Errorf("postgres: schema %s not migrated (run Migrate): %w", s.schema, err)
	}
	if want := migs[len(migs)-1].Version; int(version) != want {
		return nil, fmt.Errorf("postgres: schema %s is at migration %d, this store needs %d (run Migrate)", s.schema, version, want)
	}
	s.queue = make(chan *request, 4*s.maxGroup)
	s.stop = make(chan struct{})
	for range s.committers {
		s.wg.Add(1)
		go s.committer()
	}
	return s, nil
}

// Close stops the committers: Commit calls still queued fail with ErrClosed;
// rounds in flight finish. It does not close the pool. It is idempotent.
func (s *Store) Close() {
	s.once.Do(func() {
		s.closed.Store(true)
		close(s.stop)
		s.wg.Wait()
		for {
			select {
			case r := <-s.queue:
				if r.state.CompareAndSwap(stateQueued, stateTaken) {
					r.done <- ErrClosed
				}
			default:
				return
			}
		}
	})
}

// Schema returns the schema the store works in.
func (s *Store) Schema() string { return s.schema }

// statements holds the SQL of the store with the schema filled in.
type statements struct {
	lockHead, readVersions, readStateVersions, readDupes                string
	insertAccounts, updateAccounts, insertTxs, upsertStates, updateHead string
	casHead                                                             string
	readAccounts, readStates, txCols, txByID, txByKey, entries          string
	postedAsOf, listAccounts, closePeriod, closedThrough                string
}

func newStatements(q string) statements {
	r := strings.NewReplacer("@s@", q)
	txCols := `t.seq, t.id, t.key, t.kind, t.effective_at, t.recorded_at, t.expires_at, t.reverses, t.pending, t.metadata, t.prev_hash, t.hash,
 p.accounts, p.sides, p.amounts, p.currencies, p.minors, p.customs`
	txFrom := ` FROM @s@.transactions t CROSS JOIN LATERAL (
 SELECT array_agg(account ORDER BY idx) AS accounts, array_agg(side ORDER BY idx) AS sides, array_agg(amount ORDER BY idx) AS amounts,
        array_agg(currency ORDER BY idx) AS currencies, array_agg(currency_minor ORDER BY idx) AS minors, array_agg(currency_custom ORDER BY idx) AS customs
   FROM @s@.postings WHERE seq = t.seq) p`
	acctCols := `name, type, currency, currency_minor, currency_custom, no_negative, no_positive, min_units, max_units, metadata,
 debits_posted, credits_posted, debits_pending, credits_pending, version`
	return statements{
		lockHead:          r.Replace(`SELECT seq, hash, closed_through FROM @s@.head FOR UPDATE`),
		readVersions:      r.Replace(`SELECT name, version, run, run_effective, run_debits, run_credits, debits_posted, credits_posted, debits_pending, credits_pending FROM @s@.accounts WHERE name = ANY($1::text[])`),
		readStateVersions: r.Replace(`SELECT id, version FROM @s@.tx_states WHERE id = ANY($1::bytea[])`),
		readDupes:         r.Replace(`SELECT key, id FROM @s@.transactions WHERE key = ANY($1::bytea[]) OR id = ANY($2::bytea[])`),
		insertAccounts: r.Replace(`INSERT INTO @s@.accounts (name, type, currency, currency_minor, currency_custom, no_negative, no_positive, min_units, max_units, metadata)
 SELECT u.name, u.type, u.cur, u.minor, u.custom, u.noneg, u.nopos, u.min, u.max, CASE WHEN u.m1 = u.m0 THEN NULL ELSE ($10::bytea[])[u.m0+1:u.m1] END
   FROM unnest($1::text[], $2::int2[], $3::text[], $4::int2[], $5::bool[], $6::bool[], $7::bool[], $8::int8[], $9::int8[], $11::int4[], $12::int4[])
     AS u(name, type, cur, minor, custom, noneg, nopos, min, max, m0, m1)`),
		casHead: r.Replace(`WITH u AS (UPDATE @s@.head SET seq = $3, hash = $4 WHERE seq = $1 AND hash = $2 AND closed_through IS NOT DISTINCT FROM $5 RETURNING 1)
SELECT @s@.assert_rows((SELECT count(*) FROM u), 1, 'head')`),
		updateAccounts: r.Replace(`WITH u AS (
 UPDATE @s@.accounts a SET debits_posted = a.debits_posted + d.dp, credits_posted = a.credits_posted + d.cp,
        debits_pending = a.debits_pending + d.dn, credits_pending = a.credits_pending + d.cn, version = d.newver,
        run = d.run, run_effective = d.reff, run_debits = d.rd, run_credits = d.rc
   FROM unnest($1::text[], $2::int8[], $3::int8[], $4::int8[], $5::int8[], $6::int8[], $7::int8[], $8::int4[], $9::timestamptz[], $10::int8[], $11::int8[])
     AS d(name, expect, newver, dp, cp, dn, cn, run, reff, rd, rc)
  WHERE a.name = d.name AND a.version = d.expect RETURNING 1)
SELECT @s@.assert_rows((SELECT count(*) FROM u), cardinality($1::text[]), 'accounts')`),
		insertTxs: r.Replace(`WITH t AS (
 INSERT INTO @s@.transactions (seq, id, key, kind, effective_at, recorded_at, expires_at, reverses, pending, metadata, postings, prev_hash, hash)
 SELECT u.seq, u.id, u.key, u.kind, u.eff, u.rec, u.exp, u.rev, u.pend, CASE WHEN u.m1 = u.m0 THEN NULL ELSE ($10::bytea[])[u.m0+1:u.m1] END,
        u.np, u.prev, u.hash
   FROM unnest($1::int8[], $2::bytea[], $3::bytea[], $4::int2[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[], $8::bytea[], $9::bytea[],
               $11::int4[], $12::int4[], $13::int4[], $14::bytea[], $15::bytea[])
     AS u(seq, id, key, kind, eff, rec, exp, rev, pend, m0, m1, np, prev, hash))
INSERT INTO @s@.postings (seq, idx, account, side, amount, currency, currency_minor, currency_custom, kind, effective_at, run, run_debits, run_credits)
SELECT * FROM unnest($16::int8[], $17::int4[], $18::text[], $19::int2[], $20::int8[], $21::text[], $22::int2[], $23::bool[], $24::int2[],
                     $25::timestamptz[], $26::int4[], $27::int8[], $28::int8[])`),
		upsertStates: r.Replace(`WITH u AS (
 INSERT INTO @s@.tx_states AS s (id, status, reversed, version)
 SELECT d.id, d.status, d.rev::int8[], d.ver FROM unnest($1::bytea[], $2::int2[], $3::text[], $4::int8[]) AS d(id, status, rev, ver)
 ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, reversed = EXCLUDED.reversed, version = EXCLUDED.version
  WHERE s.version = EXCLUDED.version - 1
 RETURNING 1)
SELECT @s@.assert_rows((SELECT count(*) FROM u), cardinality($1::bytea[]), 'transaction states')`),
		updateHead:   r.Replace(`UPDATE @s@.head SET seq = $1, hash = $2`),
		readAccounts: r.Replace(`SELECT ` + acctCols + ` FROM @s@.accounts WHERE name = ANY($1::text[])`),
		readStates:   r.Replace(`SELECT id, status, reversed, version FROM @s@.tx_states WHERE id = ANY($1::bytea[])`),
		txCols:       r.Replace(`SELECT ` + txCols + txFrom),
		txByID:       r.Replace(`SELECT ` + txCols + txFrom + ` WHERE t.id = $1`),
		txByKey:      r.Replace(`SELECT ` + txCols + txFrom + ` WHERE t.key = $1`),
		entries: r.Replace(`SELECT p.seq, p.idx, t.id, t.kind, p.side, p.amount, p.currency, p.currency_minor, p.currency_custom, t.effective_at
  FROM @s@.postings p JOIN @s@.transactions t ON t.seq = p.seq
 WHERE p.account = $1 AND (p.seq, p.idx) > ($2, $3) AND ($4::timestamptz IS NULL OR p.effective_at >= $4) AND ($5::timestamptz IS NULL OR p.effective_at < $5)
   AND ($7::bytea[] IS NULL OR t.metadata @> $7::bytea[])
 ORDER BY p.seq, p.idx LIMIT $6`),
		postedAsOf: r.Replace(`SELECT coalesce(sum(x.run_debits), 0)::int8, coalesce(sum(x.run_credits), 0)::int8
  FROM generate_series(1, (SELECT run FROM @s@.accounts WHERE name = $1)) AS r(run)
 CROSS JOIN LATERAL (SELECT p.run_debits, p.run_credits FROM @s@.postings p
                      WHERE p.account = $1 AND p.run = r.run AND p.effective_at <= $2
                      ORDER BY p.effective_at DESC, p.seq DESC, p.idx DESC LIMIT 1) AS x`),
		listAccounts:  r.Replace(`SELECT ` + acctCols + ` FROM @s@.accounts WHERE name > $1 AND name >= $2 AND ($3 = '' OR name < $3) ORDER BY name LIMIT $4`),
		closePeriod:   r.Replace(`UPDATE @s@.head SET closed_through = $1 WHERE closed_through IS NULL OR closed_through < $1`),
		closedThrough: r.Replace(`SELECT closed_through FROM @s@.head`),
	}
}

// AppliesCommutingDeltas implements ledger.CommutingStore: Commit applies
// deltas marked Commutes whatever version they were read at (still under
// the head lock, with a range check on the counters).
func (s *Store) AppliesCommutingDeltas() bool { return true }
