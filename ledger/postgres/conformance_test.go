package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/ledgertest"
	"github.com/jackc/pgx/v5"
)

// TestConformance runs the ledger's conformance suite against PostgreSQL,
// each subtest on a fresh schema, including the Tamper subtest.
func TestConformance(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T) ledger.Store { return tamperable{newStore(t)} })
}

// tamperable is the Store with the ledgertest.Tamperer capability: it
// rewrites a committed transaction's rows as someone with database access
// would, switching the immutability triggers off for the edit (the
// foreign keys stay on). Verify must still find the edit.
type tamperable struct{ *Store }

// TamperTx implements ledgertest.Tamperer.
func (s tamperable) TamperTx(ctx context.Context, seq uint64, edit func(tx *ledger.Transaction)) error {
	txs, err := s.Transactions(ctx, ledger.TxFilter{AfterSeq: seq - 1, ToSeq: seq, Limit: 1}, nil)
	if err != nil {
		return err
	}
	if len(txs) != 1 {
		return fmt.Errorf("tamper: no transaction at seq %d", seq)
	}
	tx := txs[0]
	edit(&tx)
	q := pgx.Identifier{s.schema}.Sanitize()
	return pgx.BeginFunc(ctx, s.pool, func(db pgx.Tx) error {
		stmts := []stmt{
			{"ALTER TABLE " + q + ".transactions DISABLE TRIGGER USER", nil},
			{"ALTER TABLE " + q + ".postings DISABLE TRIGGER USER", nil},
			{"UPDATE " + q + `.transactions SET id = $2, key = $3, kind = $4, effective_at = $5, recorded_at = $6, expires_at = $7,
 reverses = $8, pending = $9, metadata = $10, prev_hash = $11, hash = $12 WHERE seq = $1`,
				[]any{int64(seq), []byte(tx.ID), []byte(tx.Key), int16(tx.Kind), tstz(tx.EffectiveAt), tstz(tx.RecordedAt), tstz(tx.ExpiresAt),
					[]byte(tx.Reverses), []byte(tx.Pending), encodeMetadata(tx.Metadata), tx.PrevHash[:], tx.Hash[:]}},
		}
		for i, p := range tx.Postings {
			units, err := p.Amount.MinorUnits()
			if err != nil {
				return err
			}
			stmts = append(stmts, stmt{"UPDATE " + q + ".postings SET account = $3, side = $4, amount = $5, effective_at = $6 WHERE seq = $1 AND idx = $2",
				[]any{int64(seq), int32(i), p.Account, int16(p.Side), units, tstz(tx.EffectiveAt)}})
		}
		stmts = append(stmts, stmt{"ALTER TABLE " + q + ".transactions ENABLE TRIGGER USER", nil},
			stmt{"ALTER TABLE " + q + ".postings ENABLE TRIGGER USER", nil})
		for _, st := range stmts {
			if _, err := db.Exec(ctx, st.sql, st.args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// stmt is one SQL statement with its arguments.
type stmt struct {
	sql  string
	args []any
}
