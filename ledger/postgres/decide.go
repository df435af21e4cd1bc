package postgres

import (
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/accruehq/accrue/ledger"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

type atomicState = atomic.Int32

// txRows are the column arrays of the transactions and postings a round
// inserts with one statement.
type txRows struct {
	seq                  []int64
	id, key, rev, pend   [][]byte
	kind                 []int16
	eff, rec, exp        []pgtype.Timestamptz
	m0, m1, np           []int32
	meta                 [][]byte
	prev, hash           [][]byte
	pSeq                 []int64
	pIdx                 []int32
	pAcct, pCur          []string
	pSide, pMinor, pKind []int16
	pAmount              []int64
	pCustom              []bool
	pEff                 []pgtype.Timestamptz
	pRun                 []pgtype.Int4
	pRunD, pRunC         []pgtype.Int8
}

// decide applies the refusals of the ledger.Store Commit contract to
// a request against the round's state (the database as read under the head
// lock, plus the requests accepted before it) and, if it passes, applies it
// to that state: nil means accepted.
func (g *groupState) decide(c *ledger.Commit) error {
	// Sets, not pairwise scans: a request may create thousands of
	// accounts or carry thousands of transactions, and the head lock is
	// held while it is decided.
	newNames := make(map[string]bool, len(c.NewAccounts))
	inNew := func(name string) bool { return newNames[name] }
	for _, a := range c.NewAccounts {
		if st := g.accts[a.Name]; st != nil && st.exists {
			return fmt.Errorf("postgres: account %s exists: %w", a.Name, ledger.ErrConflict)
		}
		if !storable(a.Name) {
			return fmt.Errorf("postgres: account name %q is not valid UTF-8 text", a.Name)
		}
		if newNames[a.Name] {
			return fmt.Errorf("postgres: account %s created twice: %w", a.Name, ledger.ErrConflict)
		}
		newNames[a.Name] = true
	}
	for j, d := range c.Deltas {
		st := g.accts[d.Account]
		switch {
		case inNew(d.Account):
			if d.Version != 0 {
				return fmt.Errorf("postgres: new account %s expected at version %d: %w", d.Account, d.Version, ledger.ErrConflict)
			}
		case st == nil || !st.exists:
			return fmt.Errorf("postgres: account %s does not exist: %w", d.Account, ledger.ErrConflict)
		case st.version != d.Version && !d.Commutes:
			return fmt.Errorf("postgres: account %s moved: %w", d.Account, ledger.ErrConflict)
		}
		if st != nil && st.exists {
			cur, _ := st.cnt.Plus(st.delta) // in range: every accepted delta was checked
			if _, ok := cur.Plus(d.Delta); !ok {
				return fmt.Errorf("postgres: account %s: counters out of range: %w", d.Account, ledger.ErrConflict)
			}
		}
		for _, e := range c.Deltas[:j] {
			if e.Account == d.Account {
				return fmt.Errorf("postgres: account %s has two deltas: %w", d.Account, ledger.ErrConflict)
			}
		}
	}
	for j, u := range c.TxStates {
		if g.states[u.State.ID] != u.Version {
			return fmt.Errorf("postgres: transaction %s state moved: %w", u.State.ID, ledger.ErrConflict)
		}
		for _, e := range c.TxStates[:j] {
			if e.State.ID == u.State.ID {
				return fmt.Errorf("postgres: transaction %s state written twice: %w", u.State.ID, ledger.ErrConflict)
			}
		}
	}
	for k := range c.Txs {
		tx := &c.Txs[k]
		if !g.closed.IsZero() && !tx.EffectiveAt.After(g.closed) {
			return fmt.Errorf("postgres: tx %s effective %s: %w", tx.ID, tx.EffectiveAt.Format(time.RFC3339Nano), ledger.ErrPeriodClosed)
		}
	}
	own := make(map[string]bool, 2*len(c.Txs)) // keys ("k") and ids ("i") of this request
	for k := range c.Txs {
		tx := &c.Txs[k]
		kk, ik := "k"+tx.Key, "i"+tx.ID
		dup := g.taken[kk] || g.taken[ik] || own[kk] || own[ik] || (g.inFlight != nil && (g.inFlight(kk) || g.inFlight(ik)))
		own[kk], own[ik] = true, true
		if dup {
			return fmt.Errorf("postgres: key %q (id %s): %w", tx.Key, tx.ID, ledger.ErrDuplicateKey)
		}
		for j := range tx.Postings {
			p := &tx.Postings[j]
			if st := g.accts[p.Account]; (st == nil || !st.exists) && !inNew(p.Account) {
				return fmt.Errorf("postgres: tx %s posting %d: account %q does not exist", tx.ID, j, p.Account)
			}
			if _, err := p.Amount.MinorUnits(); err != nil {
				return fmt.Errorf("postgres: tx %s posting %d: %w", tx.ID, j, err)
			}
		}
	}

	// Accepted: apply to the round's state.
	for _, a := range c.NewAccounts {
		g.accts[a.Name] = &acct{exists: true, created: true, readVer: 1, version: 1, newAcct: a}
	}
	for _, d := range c.Deltas {
		st := g.accts[d.Account]
		st.delta.DebitsPosted += d.Delta.DebitsPosted
		st.delta.CreditsPosted += d.Delta.CreditsPosted
		st.delta.DebitsPending += d.Delta.DebitsPending
		st.delta.CreditsPending += d.Delta.CreditsPending
		st.version++
	}
	for j := range c.TxStates {
		u := &c.TxStates[j]
		g.states[u.State.ID] = u.Version + 1
		if g.newState == nil {
			g.newState = map[string]*ledger.TxState{}
		}
		g.newState[u.State.ID] = &u.State
	}
	for k := range c.Txs {
		tx := &c.Txs[k]
		g.seq++
		tx.Seq = g.seq
		tx.PrevHash = g.prev
		tx.Hash = [32]byte{}
		if c.Chain {
			tx.Hash = ledger.ChainHash(g.prev, tx)
		}
		g.prev = tx.Hash
		g.taken["k"+tx.Key] = true
		g.taken["i"+tx.ID] = true
		g.addTx(tx)
	}
	return nil
}

// addTx appends the rows of tx, computing the as-of run totals of its
// posted entries.
func (g *groupState) addTx(tx *ledger.Transaction) {
	r := &g.rows
	r.seq = append(r.seq, int64(tx.Seq))
	r.id = append(r.id, []byte(tx.ID))
	r.key = append(r.key, []byte(tx.Key))
	r.kind = append(r.kind, int16(tx.Kind))
	eff := tstz(tx.EffectiveAt)
	r.eff = append(r.eff, eff)
	r.rec = append(r.rec, tstz(tx.RecordedAt))
	r.exp = append(r.exp, tstz(tx.ExpiresAt))
	r.rev = append(r.rev, []byte(tx.Reverses))
	r.pend = append(r.pend, []byte(tx.Pending))
	r.m0 = append(r.m0, int32(len(r.meta)))
	r.meta = append(r.meta, encodeMetadata(tx.Metadata)...)
	r.m1 = append(r.m1, int32(len(r.meta)))
	r.np = append(r.np, int32(len(tx.Postings)))
	r.prev = append(r.prev, slices.Clone(tx.PrevHash[:]))
	r.hash = append(r.hash, slices.Clone(tx.Hash[:]))
	posted := tx.Kind.MovesPosted()
	for j := range tx.Postings {
		p := &tx.Postings[j]
		units, _ := p.Amount.MinorUnits() // checked by decide
		cur := p.Amount.Currency()
		r.pSeq = append(r.pSeq, int64(tx.Seq))
		r.pIdx = append(r.pIdx, int32(j))
		r.pAcct = append(r.pAcct, p.Account)
		r.pSide = append(r.pSide, int16(p.Side))
		r.pAmount = append(r.pAmount, units)
		r.pCur = append(r.pCur, cur.Code())
		r.pMinor = append(r.pMinor, int16(cur.MinorUnits()))
		r.pCustom = append(r.pCustom, cur.IsCustom())
		r.pKind = append(r.pKind, int16(tx.Kind))
		r.pEff = append(r.pEff, eff)
		if !posted {
			r.pRun = append(r.pRun, pgtype.Int4{})
			r.pRunD = append(r.pRunD, pgtype.Int8{})
			r.pRunC = append(r.pRunC, pgtype.Int8{})
			continue
		}
		st := g.accts[p.Account]
		if st.run == 0 || tx.EffectiveAt.Before(st.runEff) {
			st.run++
			st.runD, st.runC = 0, 0
		}
		if p.Side == ledger.Debit {
			st.runD += units
		} else {
			st.runC += units
		}
		st.runEff = tx.EffectiveAt
		st.runMoved = true
		r.pRun = append(r.pRun, pgtype.Int4{Int32: st.run, Valid: true})
		r.pRunD = append(r.pRunD, pgtype.Int8{Int64: st.runD, Valid: true})
		r.pRunC = append(r.pRunC, pgtype.Int8{Int64: st.runC, Valid: true})
	}
}

// queueWrites queues the writes of a round decided on the database, and
// COMMIT: accounts created, accounts moved (version compare-and-swap),
// transactions with their postings, transaction states (compare-and-swap)
// and the head.
func (s *Store) queueWrites(b *pgx.Batch, g *groupState) {
	s.queueAccounts(b, g)
	s.queueTxs(b, g)
	s.queueStates(b, g)
	if len(g.rows.seq) > 0 {
		b.Queue(s.sql.updateHead, int64(g.seq), slices.Clone(g.prev[:]))
	}
	b.Queue("COMMIT")
}

// queueAccounts queues the accounts created and the accounts moved
// (version compare-and-swap).
func (s *Store) queueAccounts(b *pgx.Batch, g *groupState) {
	names := make([]string, 0, len(g.accts))
	for n := range g.accts {
		names = append(names, n)
	}
	slices.Sort(names)
	var (
		nName, nCur             []string
		nType, nMinor           []int16
		nCustom, nNoNeg, nNoPos []bool
		nMin, nMax              []pgtype.Int8
		nMeta                   [][]byte
		nM0, nM1                []int32
		uName                   []string
		uExp, uVer, uDP, uCP    []int64
		uDN, uCN, uRD, uRC      []int64
		uRun                    []int32
		uEff                    []pgtype.Timestamptz
	)
	for _, n := range names {
		st := g.accts[n]
		if st.created {
			a := &st.newAcct
			nName = append(nName, a.Name)
			nType = append(nType, int16(a.Type))
			nCur = append(nCur, a.Currency.Code())
			nMinor = append(nMinor, int16(a.Currency.MinorUnits()))
			nCustom = append(nCustom, a.Currency.IsCustom())
			nNoNeg = append(nNoNeg, a.Constraints.NoNegative)
			nNoPos = append(nNoPos, a.Constraints.NoPositive)
			nMin = append(nMin, limit(a.Constraints.Min))
			nMax = append(nMax, limit(a.Constraints.Max))
			nM0 = append(nM0, int32(len(nMeta)))
			nMeta = append(nMeta, encodeMetadata(a.Metadata)...)
			nM1 = append(nM1, int32(len(nMeta)))
		}
		if st.exists && (st.version != st.readVer || st.runMoved) {
			uName = append(uName, n)
			uExp = append(uExp, int64(st.readVer))
			uVer = append(uVer, int64(st.version))
			uDP = append(uDP, st.delta.DebitsPosted)
			uCP = append(uCP, st.delta.CreditsPosted)
			uDN = append(uDN, st.delta.DebitsPending)
			uCN = append(uCN, st.delta.CreditsPending)
			uRun = append(uRun, st.run)
			uEff = append(uEff, tstz(st.runEff))
			uRD = append(uRD, st.runD)
			uRC = append(uRC, st.runC)
		}
	}
	if len(nName) > 0 {
		b.Queue(s.sql.insertAccounts, nName, nType, nCur, nMinor, nCustom, nNoNeg, nNoPos, nMin, nMax, nMeta, nM0, nM1)
	}
	if len(uName) > 0 {
		// Custom-planned (see readRound): a generic plan made while the
		// accounts table was small would scan it. The other writes only
		// insert, or update by primary key.
		b.Queue(planCustom)
		b.Queue(s.sql.updateAccounts, uName, uExp, uVer, uDP, uCP, uDN, uCN, uRun, uEff, uRD, uRC)
		b.Queue(planAuto)
	}
}

// queueTxs queues the transactions with their postings (one statement, as
// the schema's triggers require).
func (s *Store) queueTxs(b *pgx.Batch, g *groupState) {
	r := &g.rows
	if len(r.seq) > 0 {
		b.Queue(s.sql.insertTxs, r.seq, r.id, r.key, r.kind, r.eff, r.rec, r.exp, r.rev, r.pend, r.meta, r.m0, r.m1, r.np, r.prev, r.hash,
			r.pSeq, r.pIdx, r.pAcct, r.pSide, r.pAmount, r.pCur, r.pMinor, r.pCustom, r.pKind, r.pEff, r.pRun, r.pRunD, r.pRunC)
	}
}

// queueStates queues the transaction states (compare-and-swap).
func (s *Store) queueStates(b *pgx.Batch, g *groupState) {
	if len(g.newState) > 0 {
		ids := make([]string, 0, len(g.newState))
		for id := range g.newState {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		sID := make([][]byte, len(ids))
		sStatus := make([]int16, len(ids))
		sRev := make([]*string, len(ids))
		sVer := make([]int64, len(ids))
		for j, id := range ids {
			st := g.newState[id]
			sID[j] = []byte(id)
			sStatus[j] = int16(st.Status)
			sRev[j] = int8Array(st.Reversed)
			sVer[j] = int64(g.states[id])
		}
		b.Queue(s.sql.upsertStates, sID, sStatus, sRev, sVer)
	}
}

// planCustom and planAuto switch the plan cache mode of the rest of a
// round's transaction (planning every statement for its arguments costs
// about a fifth of a small round, so only the statements that read or
// join tables pay it).
const (
	planCustom = "SET LOCAL plan_cache_mode = force_custom_plan"
	planAuto   = "SET LOCAL plan_cache_mode = auto"
)

func limit(p *int64) pgtype.Int8 {
	if p == nil {
		return pgtype.Int8{}
	}
	return pgtype.Int8{Int64: *p, Valid: true}
}
