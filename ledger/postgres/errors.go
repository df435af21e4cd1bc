package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/accruehq/accrue/ledger"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrClosed is returned by Commit after Close.
var ErrClosed = errors.New("postgres: store closed")

// SQLSTATE codes raised by the schema's triggers and functions (class AL,
// "accrue ledger").
const (
	codeImmutable    = "AL001" // UPDATE/DELETE/TRUNCATE of a committed row
	codePeriodClosed = "AL002" // a transaction in the closed period
	codeIncomplete   = "AL003" // a transaction without all its postings
	codeUnbalanced   = "AL004" // postings that do not balance
	codeMoved        = "AL409" // a version compare-and-swap failed
)

// mapError turns a database error into one wrapping the ledger sentinel
// it means, so that errors.Is works: unique violations of the key or id
// indexes are ErrDuplicateKey; serialization failures, deadlocks, lock
// timeouts and failed version checks are ErrConflict; the closed-period
// trigger is ErrPeriodClosed. Others are wrapped as they are (the ledger
// treats them as "outcome unknown").
func mapError(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			if pe.ConstraintName == "transactions_key_key" || pe.ConstraintName == "transactions_id_key" {
				return fmt.Errorf("postgres: %s: %w: %s", op, ledger.ErrDuplicateKey, pe.Message)
			}
			return fmt.Errorf("postgres: %s: %w: %s", op, ledger.ErrConflict, pe.Message)
		case "40001", "40P01", "55P03", codeMoved:
			return fmt.Errorf("postgres: %s: %w: %s", op, ledger.ErrConflict, pe.Message)
		case codePeriodClosed:
			return fmt.Errorf("postgres: %s: %w: %s", op, ledger.ErrPeriodClosed, pe.Message)
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// definite reports whether err certainly means that the database
// transaction did not commit: the server answered with an error before or
// at COMMIT. Network failures and timeouts leave the outcome unknown.
func definite(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe)
}

// ctxError wraps a done context's error.
func ctxError(op string, ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	return nil
}
