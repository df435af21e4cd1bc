package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// defaultTestURL is the server the tests use unless ACCRUE_TEST_DATABASE_URL
// names another.
const defaultTestURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var (
	poolOnce sync.Once
	poolErr  error
	pool     *pgxpool.Pool
)

// testPool returns the process-wide pool to the test server. When no server
// answers, the test is skipped (with how to run one) unless
// ACCRUE_REQUIRE_DATABASE=1, as in CI, which makes it fail.
func testPool(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	poolOnce.Do(func() {
		url := os.Getenv("ACCRUE_TEST_DATABASE_URL")
		if url == "" {
			url = defaultTestURL
		}
		cfg, err := pgxpool.ParseConfig(url)
		if err != nil {
			poolErr = err
			return
		}
		cfg.MaxConns = 40
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p, err := pgxpool.NewWithConfig(ctx, cfg)
		if err == nil {
			err = p.Ping(ctx)
		}
		if err != nil {
			poolErr = err
			return
		}
		pool = p
	})
	if poolErr != nil {
		if os.Getenv("ACCRUE_REQUIRE_DATABASE") == "1" {
			tb.Fatalf("PostgreSQL required (ACCRUE_REQUIRE_DATABASE=1) but not reachable: %v", poolErr)
		}
		tb.Skipf("no PostgreSQL server answers (%v): start one, e.g. `pg_ctlcluster 15 main start`, "+
			"or set ACCRUE_TEST_DATABASE_URL; see ledger/postgres/README.md", poolErr)
	}
	return pool
}

// newSchema creates a fresh, migrated schema and drops it when tb ends.
func newSchema(tb testing.TB) string {
	tb.Helper()
	p := testPool(tb)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "accrue_test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if err := Migrate(ctx, p, schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if _, err := p.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// newStore returns a Store on a fresh schema, closed when tb ends.
func newStore(tb testing.TB, opts ...Option) *Store {
	tb.Helper()
	schema := newSchema(tb)
	s, err := New(context.Background(), testPool(tb), append([]Option{WithSchema(schema)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}
