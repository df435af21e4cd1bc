package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/memstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"pgregory.net/rapid"
)

// TestSchemaRefuses checks the database's second line of defence: writes
// that bypass the store are refused by constraints and triggers.
func TestSchemaRefuses(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	l := newLedger(t, s, accrue.NewManualClock(t0))
	if _, err := l.Post(ctx, transfer("k1", "assets:a", "assets:b", "1.00 USD")); err != nil {
		t.Fatal(err)
	}
	q := pgx.Identifier{s.Schema()}.Sanitize()
	ins := func(seq int, key string, amounts ...int) string {
		var rows []string
		for i, a := range amounts {
			side := 1
			if i%2 == 1 {
				side = 2
			}
			rows = append(rows, fmt.Sprintf("(%d, %d, 'assets:a', %d, %d, 'USD', 2, false, 1, now())", seq, i, side, a))
		}
		return fmt.Sprintf(`WITH t AS (INSERT INTO %[1]s.transactions (seq, id, key, kind, effective_at, recorded_at, reverses, pending, postings, prev_hash, hash)
 VALUES (%[2]d, '\x%[3]x', '\x%[3]x', 1, now(), now(), '', '', %[4]d, '', ''))
 INSERT INTO %[1]s.postings (seq, idx, account, side, amount, currency, currency_minor, currency_custom, kind, effective_at) VALUES %[5]s`,
			q, seq, key, len(amounts), strings.Join(rows, ", "))
	}
	cases := []struct {
		name, sql, code string
	}{
		{"update transaction", "UPDATE " + q + ".transactions SET kind = 2", codeImmutable},
		{"delete transaction", "DELETE FROM " + q + ".transactions", codeImmutable},
		{"truncate transactions", "TRUNCATE " + q + ".transactions CASCADE", codeImmutable},
		{"update posting", "UPDATE " + q + ".postings SET amount = 1", codeImmutable},
		{"delete posting", "DELETE FROM " + q + ".postings", codeImmutable},
		{"delete account", "DELETE FROM " + q + ".accounts", codeImmutable},
		{"change account currency", "UPDATE " + q + ".accounts SET currency = 'EUR'", codeImmutable},
		{"counters without version", "UPDATE " + q + ".accounts SET debits_posted = debits_posted + 1", codeImmutable},
		{"head backwards", "UPDATE " + q + ".head SET seq = 0", codeImmutable},
		{"unbalanced", ins(2, "x2", 100, 99), codeUnbalanced},
		{"transaction without all its postings", strings.Replace(ins(2, "x2", 100, 100), "'', '', 2, '', ''", "'', '', 3, '', ''", 1), codeIncomplete},
		{"duplicate key", ins(2, "k1", 100, 100), "23505"},
		{"posting to a missing account", strings.Replace(ins(2, "x2", 100, 100), "'assets:a'", "'assets:zz'", 1), "23503"},
		{"posting added to a stored transaction", "INSERT INTO " + q + ".postings (seq, idx, account, side, amount, currency, currency_minor, currency_custom, kind, effective_at)" +
			" VALUES (1, 2, 'assets:a', 1, 100, 'USD', 2, false, 1, now()), (1, 3, 'assets:a', 2, 100, 'USD', 2, false, 1, now())", codeIncomplete},
		{"posting of a missing transaction", "INSERT INTO " + q + ".postings (seq, idx, account, side, amount, currency, currency_minor, currency_custom, kind, effective_at)" +
			" VALUES (99, 0, 'assets:a', 1, 100, 'USD', 2, false, 1, now()), (99, 1, 'assets:a', 2, 100, 'USD', 2, false, 1, now())", "23503"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tx, err := testPool(t).Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx) //nolint:errcheck
			_, err = tx.Exec(ctx, c.sql)
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != c.code {
				t.Fatalf("got %v, want SQLSTATE %s", err, c.code)
			}
		})
	}
	// The duplicate key maps to the ledger's sentinel.
	_, err := testPool(t).Exec(ctx, ins(2, "k1", 100, 100))
	if err := mapError("insert", err); !errors.Is(err, ledger.ErrDuplicateKey) {
		t.Fatalf("mapError(duplicate key) = %v", err)
	}
}

// TestMigrateIdempotent: Migrate twice (and concurrently) leaves one row
// per migration; New refuses an unmigrated schema.
func TestMigrateIdempotent(t *testing.T) {
	ctx := context.Background()
	schema := newSchema(t)
	errs := make(chan error, 3)
	for range 3 {
		go func() { errs <- Migrate(ctx, testPool(t), schema) }()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := testPool(t).QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{schema, "schema_migrations"}.Sanitize()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	migs, err := Migrations()
	if err != nil || n != len(migs) {
		t.Fatalf("%d migrations recorded, want %d (%v)", n, len(migs), err)
	}
	if _, err := New(ctx, testPool(t), WithSchema("accrue_no_such_schema")); err == nil {
		t.Fatal("New on an unmigrated schema succeeded")
	}
}

// TestPostedAsOfUsesIndex proves with EXPLAIN that PostedAsOf probes the
// postings_asof index (one probe per run) rather than scanning the
// account's entries, with backdated entries making several runs.
func TestPostedAsOfUsesIndex(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	l := newLedger(t, s, accrue.NewManualClock(t0))
	for b := range 10 {
		ins := make([]ledger.TxInput, 100)
		for i := range ins {
			ins[i] = transfer(fmt.Sprintf("k%d-%d", b, i), "assets:a", fmt.Sprintf("assets:b%d", i%7), "1.00 USD")
			// each batch is in effective order, each a day earlier than the last
			ins[i].EffectiveAt = t0.Add(-time.Duration(b)*24*time.Hour + time.Duration(i)*time.Minute)
		}
		if _, err := l.PostBatch(ctx, ins); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := testPool(t).Exec(ctx, "ANALYZE "+pgx.Identifier{s.Schema(), "postings"}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	plan := explain(t, testPool(t), s.sql.postedAsOf, "assets:a", t0.Add(-36*time.Hour))
	if !strings.Contains(plan, "postings_asof") || strings.Contains(plan, "Seq Scan on postings") {
		t.Fatalf("PostedAsOf does not probe postings_asof:\n%s", plan)
	}
	// 10 runs (one per backdated batch): 10 probes, one row each.
	if !strings.Contains(plan, "loops=10") {
		t.Errorf("expected one index probe per run (loops=10):\n%s", plan)
	}
}

// TestPostedAsOfMatchesMemstore is a property: for any sequence of
// transfers with arbitrary (backdated, out-of-order) effective times, the
// as-of balances of PostgreSQL equal memstore's at any time. One schema
// serves all cases; each case uses its own accounts and keys.
func TestPostedAsOfMatchesMemstore(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	pl := newLedger(t, s, accrue.NewManualClock(t0))
	n := 0
	rapid.Check(t, func(rt *rapid.T) {
		n++
		ml := newLedger(t, memstore.New(), accrue.NewManualClock(t0))
		acct := func(i int) string { return fmt.Sprintf("assets:c%d:a%d", n, i) }
		k := rapid.IntRange(1, 8).Draw(rt, "transfers")
		var ins []ledger.TxInput
		for i := range k {
			from := rapid.IntRange(0, 2).Draw(rt, "from")
			to := (from + 1 + rapid.IntRange(0, 1).Draw(rt, "to")) % 3
			in := transfer(fmt.Sprintf("c%d-%d", n, i), acct(from), acct(to), fmt.Sprintf("%d.00 USD", rapid.IntRange(1, 50).Draw(rt, "amount")))
			in.EffectiveAt = t0.Add(time.Duration(rapid.IntRange(-100, 100).Draw(rt, "hours")) * time.Hour)
			ins = append(ins, in)
		}
		for _, l := range []*ledger.Ledger{pl, ml} {
			if rapid.Bool().Draw(rt, "batch") {
				if _, err := l.PostBatch(ctx, ins); err != nil {
					rt.Fatal(err)
				}
				continue
			}
			for _, in := range ins {
				if _, err := l.Post(ctx, in); err != nil {
					rt.Fatal(err)
				}
			}
		}
		for range 5 {
			at := t0.Add(time.Duration(rapid.IntRange(-110, 110).Draw(rt, "at")) * time.Hour)
			for i := range 3 {
				got, err := pl.BalanceAsOf(ctx, acct(i), at)
				want, werr := ml.BalanceAsOf(ctx, acct(i), at)
				if errors.Is(err, ledger.ErrUnknownAccount) && errors.Is(werr, ledger.ErrUnknownAccount) {
					continue // never posted to, in both
				}
				if err != nil || werr != nil {
					rt.Fatal(err, werr)
				}
				if got.Counters != want.Counters {
					rt.Fatalf("%s as of %s: postgres %+v, memstore %+v", acct(i), at, got.Counters, want.Counters)
				}
			}
		}
	})
}

// TestMetadataFilterUsesIndex: transactions without metadata stay out of
// the partial GIN index (migration 0005), and Transactions' metadata
// filter, whose containment operator implies "metadata IS NOT NULL", still
// finds its rows through it.
func TestMetadataFilterUsesIndex(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	l := newLedger(t, s, accrue.NewManualClock(t0))
	ins := make([]ledger.TxInput, 400)
	for i := range ins {
		ins[i] = transfer(fmt.Sprintf("k%d", i), "assets:a", fmt.Sprintf("assets:b%d", i%7), "1.00 USD")
		if i%40 == 0 {
			ins[i].Metadata = map[string]string{"batch_id": fmt.Sprintf("b%d", i%80)}
		}
	}
	if _, err := l.PostBatch(ctx, ins); err != nil {
		t.Fatal(err)
	}
	pool := testPool(t)
	if _, err := pool.Exec(ctx, "ANALYZE "+pgx.Identifier{s.Schema(), "transactions"}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	var def string
	if err := pool.QueryRow(ctx, "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = 'transactions_metadata'", s.Schema()).Scan(&def); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(def, "WHERE (metadata IS NOT NULL)") {
		t.Fatalf("transactions_metadata is not partial: %s", def)
	}
	f := ledger.TxFilter{Metadata: map[string]string{"batch_id": "b0"}, Limit: 100}
	query, args := s.txQuery(&f)
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	// Only the plan's shape is tested, not the planner's cost model on a
	// small table: scans that do not need an index are priced out.
	if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off"); err != nil {
		t.Fatal(err)
	}
	plan := explain(t, tx, query, args...)
	if !strings.Contains(plan, "transactions_metadata") {
		t.Fatalf("the metadata filter does not use transactions_metadata:\n%s", plan)
	}
	got, err := s.Transactions(ctx, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 { // i = 0, 80, 160, 240, 320
		t.Fatalf("%d transactions with batch_id=b0, want 5", len(got))
	}
}

// explain runs query with args under EXPLAIN (ANALYZE) on q and returns
// the plan, logging it.
func explain(t *testing.T, q interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}, query string, args ...any) string {
	t.Helper()
	rows, err := q.Query(context.Background(), "EXPLAIN (ANALYZE, COSTS OFF) "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Join(lines, "\n")
	t.Logf("plan:\n%s", plan)
	return plan
}
