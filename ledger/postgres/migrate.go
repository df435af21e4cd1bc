package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DefaultSchema is the schema the store lives in unless WithSchema says
// otherwise.
const DefaultSchema = "accrue_ledger"

// Migration is one step of the schema, applied in Version order.
type Migration struct {
	Version int    // from the file name's numeric prefix: 1, 2, …
	Name    string // the file name, e.g. "0001_ledger.sql"
	SQL     string // the statements, with @schema@ standing for the schema
}

// Migrations returns the embedded migrations in the order Migrate applies
// them.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	out := make([]Migration, 0, len(entries))
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("postgres: migration %s: name must start with a positive number and '_'", e.Name())
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("postgres: migration %s: %w", e.Name(), err)
		}
		out = append(out, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("postgres: migrations %s and %s share version %d", out[i-1].Name, out[i].Name, out[i].Version)
		}
	}
	return out, nil
}

// Beginner is what Migrate needs: *pgxpool.Pool, *pgx.Conn and pgx.Tx all
// have it.
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Migrate creates schema if needed and applies, in one database
// transaction, the embedded migrations it does not have yet, recording each
// in schema.schema_migrations. It is idempotent and safe to run from many
// processes at once (a transaction-scoped advisory lock serialises them).
func Migrate(ctx context.Context, db Beginner, schema string) error {
	if schema == "" {
		return fmt.Errorf("postgres: migrate: empty schema name")
	}
	migs, err := Migrations()
	if err != nil {
		return err
	}
	q := pgx.Identifier{schema}.Sanitize()
	tx, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('accrue-ledger-migrate:' || $1))", schema); err != nil {
		return fmt.Errorf("postgres: migrate: lock: %w", err)
	}
	boot := "CREATE SCHEMA IF NOT EXISTS " + q + ";" +
		"CREATE TABLE IF NOT EXISTS " + q + ".schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
	if _, err := tx.Exec(ctx, boot); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	rows, err := tx.Query(ctx, "SELECT version FROM "+q+".schema_migrations")
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	for _, m := range migs {
		if slices.Contains(applied, int32(m.Version)) {
			continue
		}
		if _, err := tx.Exec(ctx, strings.ReplaceAll(m.SQL, "@schema@", q)); err != nil {
			return fmt.Errorf("postgres: migrate: %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO "+q+".schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
			return fmt.Errorf("postgres: migrate: %s: %w", m.Name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}
