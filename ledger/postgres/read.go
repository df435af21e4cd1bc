package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// ReadAccounts implements ledger.Store: one query for all names.
func (s *Store) ReadAccounts(ctx context.Context, names []string, dst []ledger.AccountState) ([]ledger.AccountState, error) {
	if err := ctxError("read accounts", ctx); err != nil {
		return nil, err
	}
	dst = dst[:0]
	query := make([]string, 0, len(names))
	for _, n := range names {
		if storable(n) {
			query = append(query, n)
		}
	}
	found := make(map[string]ledger.AccountState, len(names))
	rows, err := s.pool.Query(ctx, s.sql.readAccounts, query)
	if err != nil {
		return nil, mapError("read accounts", err)
	}
	for rows.Next() {
		st, err := s.scanAccount(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		found[st.Account.Name] = st
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("read accounts", err)
	}
	for _, n := range names {
		st, ok := found[n]
		if !ok {
			st = ledger.AccountState{Account: ledger.Account{Name: n}}
		} else {
			st.Account = ledger.CloneAccount(st.Account) // names may repeat
		}
		dst = append(dst, st)
	}
	return dst, nil
}

// scanAccount reads one row of the account columns.
func (s *Store) scanAccount(rows pgx.Rows) (ledger.AccountState, error) {
	var (
		st                  ledger.AccountState
		typ, minor          int16
		code                string
		custom              bool
		min, max            pgtype.Int8
		meta                [][]byte
		dp, cp, dn, cn, ver int64
	)
	st.Exists = true
	a := &st.Account
	if err := rows.Scan(&a.Name, &typ, &code, &minor, &custom, &a.Constraints.NoNegative, &a.Constraints.NoPositive,
		&min, &max, &meta, &dp, &cp, &dn, &cn, &ver); err != nil {
		return st, mapError("read account", err)
	}
	cur, err := s.cur.get(code, minor, custom)
	if err != nil {
		return st, err
	}
	a.Type, a.Currency = ledger.AccountType(typ), cur
	if min.Valid {
		a.Constraints.Min = ledger.Limit(min.Int64)
	}
	if max.Valid {
		a.Constraints.Max = ledger.Limit(max.Int64)
	}
	if a.Metadata, err = decodeMetadata(meta); err != nil {
		return st, err
	}
	st.Counters = ledger.Counters{DebitsPosted: dp, CreditsPosted: cp, DebitsPending: dn, CreditsPending: cn}
	st.Version = uint64(ver)
	return st, nil
}

// ReadTxStates implements ledger.Store.
func (s *Store) ReadTxStates(ctx context.Context, ids []string, dst []ledger.TxState) ([]ledger.TxState, error) {
	if err := ctxError("read tx states", ctx); err != nil {
		return nil, err
	}
	dst = dst[:0]
	query := make([][]byte, len(ids))
	for i, id := range ids {
		query[i] = []byte(id)
	}
	found := make(map[string]ledger.TxState, len(ids))
	rows, err := s.pool.Query(ctx, s.sql.readStates, query)
	if err != nil {
		return nil, mapError("read tx states", err)
	}
	for rows.Next() {
		var id []byte
		var status int16
		var rev []int64
		var ver int64
		if err := rows.Scan(&id, &status, &rev, &ver); err != nil {
			rows.Close()
			return nil, mapError("read tx states", err)
		}
		found[string(id)] = ledger.TxState{ID: string(id), Status: ledger.PendingStatus(status), Reversed: rev, Version: uint64(ver)}
	}
	if err := rows.Err(); err != nil {
		return nil, mapError("read tx states", err)
	}
	for _, id := range ids {
		st, ok := found[id]
		if !ok {
			st = ledger.TxState{ID: id}
		} else if st.Reversed != nil {
			st.Reversed = append([]int64(nil), st.Reversed...)
		}
		dst = append(dst, st)
	}
	return dst, nil
}

// Tx implements ledger.Store.
func (s *Store) Tx(ctx context.Context, id string) (ledger.Transaction, error) {
	return s.oneTx(ctx, s.sql.txByID, id)
}

// TxByKey implements ledger.Store.
func (s *Store) TxByKey(ctx context.Context, key string) (ledger.Transaction, error) {
	return s.oneTx(ctx, s.sql.txByKey, key)
}

func (s *Store) oneTx(ctx context.Context, sql, k string) (ledger.Transaction, error) {
	if err := ctxError("read transaction", ctx); err != nil {
		return ledger.Transaction{}, err
	}
	rows, err := s.pool.Query(ctx, sql, []byte(k))
	if err != nil {
		return ledger.Transaction{}, mapError("read transaction", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return ledger.Transaction{}, mapError("read transaction", err)
		}
		return ledger.Transaction{}, fmt.Errorf("postgres: %q: %w", k, ledger.ErrNotFound)
	}
	tx, err := s.scanTx(rows)
	if err != nil {
		return ledger.Transaction{}, err
	}
	rows.Close()
	return tx, mapError("read transaction", rows.Err())
}

// scanTx reads one row of the transaction columns (with the postings as
// arrays).
func (s *Store) scanTx(rows pgx.Rows) (ledger.Transaction, error) {
	var (
		tx                 ledger.Transaction
		seq                int64
		id, key, rev, pend []byte
		kind               int16
		eff, rec, exp      pgtype.Timestamptz
		meta               [][]byte
		prev, hash         []byte
		accts, curs        []string
		sides, minors      []int16
		amounts            []int64
		customs            []bool
	)
	if err := rows.Scan(&seq, &id, &key, &kind, &eff, &rec, &exp, &rev, &pend, &meta, &prev, &hash,
		&accts, &sides, &amounts, &curs, &minors, &customs); err != nil {
		return tx, mapError("read transaction", err)
	}
	tx.Seq, tx.ID, tx.Key, tx.Kind = uint64(seq), string(id), string(key), ledger.Kind(kind)
	tx.EffectiveAt, tx.RecordedAt, tx.ExpiresAt = fromTstz(eff), fromTstz(rec), fromTstz(exp)
	tx.Reverses, tx.Pending = string(rev), string(pend)
	copy(tx.PrevHash[:], prev)
	copy(tx.Hash[:], hash)
	var err error
	if tx.Metadata, err = decodeMetadata(meta); err != nil {
		return tx, err
	}
	n := len(accts)
	if len(sides) != n || len(amounts) != n || len(curs) != n || len(minors) != n || len(customs) != n {
		return tx, fmt.Errorf("postgres: transaction %d: corrupt postings", seq)
	}
	if n > 0 {
		tx.Postings = make([]ledger.Posting, n)
	}
	for i := range n {
		cur, err := s.cur.get(curs[i], minors[i], customs[i])
		if err != nil {
			return tx, err
		}
		tx.Postings[i] = ledger.Posting{Account: accts[i], Side: ledger.Side(sides[i]), Amount: accrue.FromMinorUnits(amounts[i], cur)}
	}
	return tx, nil
}

// Entries implements ledger.Store: an index range scan on
// postings(account, seq, idx).
func (s *Store) Entries(ctx context.Context, f ledger.EntryFilter, dst []ledger.Entry) ([]ledger.Entry, error) {
	dst = dst[:0]
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("postgres: entries: %w", err)
	}
	if f.Limit <= 0 || !storable(f.Account) {
		return dst, nil
	}
	rows, err := s.pool.Query(ctx, s.sql.entries, f.Account, int64(f.AfterSeq), int32(min(f.AfterIndex, 1<<31-1)),
		tstz(f.From), tstz(f.To), f.Limit, encodeMetadata(f.Metadata))
	if err != nil {
		return nil, mapError("entries", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			seq        int64
			idx        int32
			id         []byte
			kind, side int16
			amount     int64
			code       string
			minor      int16
			custom     bool
			eff        pgtype.Timestamptz
		)
		if err := rows.Scan(&seq, &idx, &id, &kind, &side, &amount, &code, &minor, &custom, &eff); err != nil {
			return nil, mapError("entries", err)
		}
		cur, err := s.cur.get(code, minor, custom)
		if err != nil {
			return nil, err
		}
		dst = append(dst, ledger.Entry{TxID: string(id), Seq: uint64(seq), Index: int(idx), Kind: ledger.Kind(kind),
			Account: f.Account, Side: ledger.Side(side), Amount: accrue.FromMinorUnits(amount, cur), EffectiveAt: fromTstz(eff)})
	}
	return dst, mapError("entries", rows.Err())
}

// Transactions implements ledger.Store: the filters become SQL (metadata
// through the GIN index, the account through postings(account, seq, idx)).
func (s *Store) Transactions(ctx context.Context, f ledger.TxFilter, dst []ledger.Transaction) ([]ledger.Transaction, error) {
	dst = dst[:0]
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("postgres: transactions: %w", err)
	}
	if f.Limit <= 0 || f.Account != "" && !storable(f.Account) {
		return dst, nil
	}
	query, args := s.txQuery(&f)
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, mapError("transactions", err)
	}
	defer rows.Close()
	for rows.Next() {
		tx, err := s.scanTx(rows)
		if err != nil {
			return nil, err
		}
		dst = append(dst, tx)
	}
	return dst, mapError("transactions", rows.Err())
}

// txQuery returns the SQL and arguments of Transactions for filter f.
func (s *Store) txQuery(f *ledger.TxFilter) (string, []any) {
	var sb strings.Builder
	sb.WriteString(s.sql.txCols)
	args := []any{int64(f.AfterSeq)}
	sb.WriteString(" WHERE t.seq > $1")
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.ToSeq != 0 {
		sb.WriteString(" AND t.seq <= " + arg(int64(f.ToSeq)))
	}
	if f.Kind != 0 {
		sb.WriteString(" AND t.kind = " + arg(int16(f.Kind)))
	}
	if !f.From.IsZero() {
		sb.WriteString(" AND t.effective_at >= " + arg(f.From))
	}
	if !f.To.IsZero() {
		sb.WriteString(" AND t.effective_at < " + arg(f.To))
	}
	if len(f.Metadata) > 0 {
		sb.WriteString(" AND t.metadata @> " + arg(encodeMetadata(f.Metadata)) + "::bytea[]")
	}
	if f.Account != "" {
		a := arg(f.Account)
		sb.WriteString(" AND t.seq IN (SELECT DISTINCT seq FROM " + pgx.Identifier{s.schema, "postings"}.Sanitize() +
			" WHERE account = " + a + " AND seq > $1)")
	}
	sb.WriteString(" ORDER BY t.seq LIMIT " + arg(f.Limit))
	return sb.String(), args
}

// PostedAsOf implements ledger.Store: per run of the account, one probe of
// the index postings_asof for the last entry at or before t; the running
// totals there add up to the answer. O(r log n) for r runs (1 when entries
// arrive in effective order); see the package documentation.
func (s *Store) PostedAsOf(ctx context.Context, account string, t time.Time) (ledger.Counters, error) {
	if err := ctx.Err(); err != nil {
		return ledger.Counters{}, fmt.Errorf("postgres: posted as of: %w", err)
	}
	if !storable(account) {
		return ledger.Counters{}, nil
	}
	var c ledger.Counters
	err := s.pool.QueryRow(ctx, s.sql.postedAsOf, account, t).Scan(&c.DebitsPosted, &c.CreditsPosted)
	if err != nil {
		return ledger.Counters{}, mapError("posted as of", err)
	}
	return c, nil
}

// ListAccounts implements ledger.Store: an index range scan in byte order
// (the name column uses the "C" collation).
func (s *Store) ListAccounts(ctx context.Context, prefix, after string, limit int, dst []ledger.AccountState) ([]ledger.AccountState, error) {
	dst = dst[:0]
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list accounts: %w", err)
	}
	// Names are ASCII; a prefix that is not cannot match anything, and an
	// 'after' is cut at its first byte that is not plain ASCII (the names
	// greater than it are then filtered here).
	for i := 0; i < len(prefix); i++ {
		if prefix[i] == 0 || prefix[i] >= 0x7f {
			return dst, nil
		}
	}
	safe := after
	for i := 0; i < len(after); i++ {
		if after[i] == 0 || after[i] >= 0x7f {
			safe = after[:i]
			break
		}
	}
	end := ""
	if prefix != "" {
		end = prefix[:len(prefix)-1] + string(prefix[len(prefix)-1]+1)
	}
	for len(dst) < limit {
		want := limit - len(dst)
		rows, err := s.pool.Query(ctx, s.sql.listAccounts, safe, prefix, end, want)
		if err != nil {
			return nil, mapError("list accounts", err)
		}
		n := 0
		for rows.Next() {
			st, err := s.scanAccount(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			n++
			safe = st.Account.Name
			if st.Account.Name > after {
				dst = append(dst, st)
			}
		}
		if err := rows.Err(); err != nil {
			return nil, mapError("list accounts", err)
		}
		if n < want {
			break
		}
	}
	return dst, nil
}

// ClosePeriod implements ledger.Store: it updates the head row, whose lock
// every commit holds, so it is atomic with respect to commits.
func (s *Store) ClosePeriod(ctx context.Context, through time.Time) error {
	if through.IsZero() {
		return ctxError("close period", ctx)
	}
	if _, err := s.pool.Exec(ctx, s.sql.closePeriod, through); err != nil {
		return mapError("close period", err)
	}
	return nil
}

// ClosedThrough implements ledger.Store.
func (s *Store) ClosedThrough(ctx context.Context) (time.Time, error) {
	if err := ctxError("closed through", ctx); err != nil {
		return time.Time{}, err
	}
	var t pgtype.Timestamptz
	if err := s.pool.QueryRow(ctx, s.sql.closedThrough).Scan(&t); err != nil {
		return time.Time{}, mapError("closed through", err)
	}
	return fromTstz(t), nil
}
