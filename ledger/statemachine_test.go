package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/ledgertest"
	"github.com/accruehq/accrue/ledger/memstore"
	"pgregory.net/rapid"
)

// smPool is every account the state machine may create.
var smPool = []ledger.Account{
	{Name: "assets:cash", Type: ledger.Asset, Currency: usd},
	{Name: "expense:commissions", Type: ledger.Expense, Currency: usd},
	{Name: "liabilities:partners:p-1:payable", Type: ledger.Liability, Currency: usd, Constraints: ledger.Constraints{NoNegative: true}},
	{Name: "liabilities:partners:p-2:payable", Type: ledger.Liability, Currency: usd, Constraints: ledger.Constraints{NoNegative: true}},
	{Name: "liabilities:partners:p-3:payable", Type: ledger.Liability, Currency: usd, Constraints: ledger.Constraints{Min: ledger.Limit(-500)}},
	{Name: "income:fees", Type: ledger.Income, Currency: usd, Constraints: ledger.Constraints{Max: ledger.Limit(2000)}},
	{Name: "assets:cash-eur", Type: ledger.Asset, Currency: eur},
	{Name: "equity:trading:eur", Type: ledger.Equity, Currency: eur, Constraints: ledger.Constraints{NoPositive: true}},
	{Name: "liabilities:partners:p-4:payable", Type: ledger.Liability, Currency: eur},
}

// mPosting is a posting in the model: account, side, minor units.
type mPosting struct {
	account string
	side    ledger.Side
	units   int64
}

// mTx is a committed transaction in the model.
type mTx struct {
	id       string
	kind     ledger.Kind
	postings []mPosting
	in       ledger.TxInput // for replays of Post/Hold
	open     bool           // pending and unresolved
	left     []int64        // posted kinds: units left to reverse, per posting
}

// smModel is the plain model: counters per account by simple arithmetic.
type smModel struct {
	accounts map[string]ledger.Account
	counters map[string]ledger.Counters
	txs      []*mTx
	keys     int
}

// modelOK reports whether counters c satisfy a's constraints, computed
// independently of the ledger.
func modelOK(a ledger.Account, c ledger.Counters) bool {
	posted := c.DebitsPosted - c.CreditsPosted
	in, out := c.DebitsPending, c.CreditsPending
	if a.Type.NormalSide() == ledger.Credit {
		posted, in, out = -posted, c.CreditsPending, c.DebitsPending
	}
	k := a.Constraints
	avail, high := posted-out, posted+in
	return !(k.NoNegative && avail < 0 || k.Min != nil && avail < *k.Min || k.NoPositive && high > 0 || k.Max != nil && high > *k.Max)
}

// effect is one counter change in the model.
type mEffect struct {
	account string
	side    ledger.Side
	pending bool
	units   int64
}

// apply applies groups of effects (one group per transaction) to a copy of
// the counters, checking constraints after each group; it returns the new
// counters, or false if a constraint breaks.
func (m *smModel) apply(groups ...[]mEffect) (map[string]ledger.Counters, bool) {
	next := make(map[string]ledger.Counters, len(m.counters))
	for k, v := range m.counters {
		next[k] = v
	}
	for _, g := range groups {
		for _, e := range g {
			c := next[e.account]
			switch {
			case e.side == ledger.Debit && e.pending:
				c.DebitsPending += e.units
			case e.side == ledger.Debit:
				c.DebitsPosted += e.units
			case e.pending:
				c.CreditsPending += e.units
			default:
				c.CreditsPosted += e.units
			}
			next[e.account] = c
		}
		for _, e := range g {
			if !modelOK(m.accounts[e.account], next[e.account]) {
				return nil, false
			}
		}
	}
	return next, true
}

func effectsOf(ps []mPosting, pending bool, sign int64) []mEffect {
	out := make([]mEffect, len(ps))
	for i, p := range ps {
		out[i] = mEffect{p.account, p.side, pending, sign * p.units}
	}
	return out
}

// smMachine drives a ledger and the model side by side.
type smMachine struct {
	ctx   context.Context
	store *memstore.Store
	l     *ledger.Ledger
	clock *accrue.ManualClock
	m     smModel
}

func (s *smMachine) created(cur accrue.Currency) []string {
	var out []string
	for _, a := range smPool {
		if _, ok := s.m.accounts[a.Name]; ok && a.Currency == cur {
			out = append(out, a.Name)
		}
	}
	return out
}

// drawTx draws a balanced transaction over created accounts: debit one,
// credit one or two.
func (s *smMachine) drawTx(t *rapid.T, label string) ([]mPosting, bool) {
	cur := rapid.SampledFrom([]accrue.Currency{usd, eur}).Draw(t, label+"-cur")
	names := s.created(cur)
	if len(names) < 2 {
		return nil, false
	}
	perm := rapid.Permutation(names).Draw(t, label+"-accounts")
	units := rapid.Int64Range(1, 400).Draw(t, label+"-units")
	if len(perm) >= 3 && units > 1 && rapid.Bool().Draw(t, label+"-split") {
		first := rapid.Int64Range(1, units-1).Draw(t, label+"-first")
		return []mPosting{{perm[0], ledger.Debit, units}, {perm[1], ledger.Credit, first}, {perm[2], ledger.Credit, units - first}}, true
	}
	return []mPosting{{perm[0], ledger.Debit, units}, {perm[1], ledger.Credit, units}}, true
}

func (s *smMachine) input(key string, ps []mPosting) ledger.TxInput {
	in := ledger.TxInput{Key: key, Metadata: map[string]string{accrue.MetaEventID: key}}
	for _, p := range ps {
		in.Postings = append(in.Postings, ledger.Posting{Account: p.account, Side: p.side, Amount: accrue.FromMinorUnits(p.units, s.m.accounts[p.account].Currency)})
	}
	return in
}

func (s *smMachine) newKey() string {
	s.m.keys++
	return fmt.Sprint("key-", s.m.keys)
}

// expect checks the outcome of a call against the model's prediction and,
// if the call succeeded, installs next.
func (s *smMachine) expect(t *rapid.T, what string, err error, ok bool, refusal error, next map[string]ledger.Counters) bool {
	switch {
	case ok && err != nil:
		t.Fatalf("%s: unexpected error: %v", what, err)
	case !ok && !errors.Is(err, refusal):
		t.Fatalf("%s: got %v, want %v", what, err, refusal)
	case ok:
		s.m.counters = next
	}
	return ok
}

func (s *smMachine) record(tx ledger.Transaction, in ledger.TxInput) {
	mt := &mTx{id: tx.ID, kind: tx.Kind, in: in, open: tx.Kind == ledger.KindPending}
	for _, p := range tx.Postings {
		u, _ := p.Amount.MinorUnits()
		mt.postings = append(mt.postings, mPosting{p.Account, p.Side, u})
	}
	if tx.Kind == ledger.KindPosted || tx.Kind == ledger.KindPostPending {
		for _, p := range mt.postings {
			mt.left = append(mt.left, p.units)
		}
	}
	s.m.txs = append(s.m.txs, mt)
}

func (s *smMachine) pick(t *rapid.T, label string, keep func(*mTx) bool) *mTx {
	var c []*mTx
	for _, tx := range s.m.txs {
		if keep(tx) {
			c = append(c, tx)
		}
	}
	if len(c) == 0 {
		t.Skip("no candidate")
	}
	return rapid.SampledFrom(c).Draw(t, label)
}

// share splits units over the postings of one side by weights (the
// model's use of the same root allocation the ledger must use).
func share(ps []mPosting, weights []int64, units int64) []int64 {
	parts := make([]int64, len(ps))
	for _, side := range []ledger.Side{ledger.Debit, ledger.Credit} {
		var idx []int
		var w []uint64
		for i, p := range ps {
			if p.side == side {
				idx = append(idx, i)
				w = append(w, uint64(weights[i]))
			}
		}
		got, _ := accrue.AllocateUnits(nil, units, w)
		for j, i := range idx {
			parts[i] = got[j]
		}
	}
	return parts
}

func (s *smMachine) actions() map[string]func(*rapid.T) {
	return map[string]func(*rapid.T){
		"create": func(t *rapid.T) {
			a := rapid.SampledFrom(smPool).Draw(t, "account")
			err := s.l.CreateAccount(s.ctx, a) // idempotent when it exists
			if err != nil {
				t.Fatalf("create %s: %v", a.Name, err)
			}
			s.m.accounts[a.Name] = a
		},
		"post": func(t *rapid.T) {
			ps, ok := s.drawTx(t, "post")
			if !ok {
				t.Skip("too few accounts")
			}
			in := s.input(s.newKey(), ps)
			next, ok := s.m.apply(effectsOf(ps, false, 1))
			tx, err := s.l.Post(s.ctx, in)
			if s.expect(t, "post", err, ok, ledger.ErrConstraint, next) {
				s.record(tx, in)
			}
		},
		"hold": func(t *rapid.T) {
			ps, ok := s.drawTx(t, "hold")
			if !ok {
				t.Skip("too few accounts")
			}
			in := s.input(s.newKey(), ps)
			next, ok := s.m.apply(effectsOf(ps, true, 1))
			tx, err := s.l.Hold(s.ctx, in)
			if s.expect(t, "hold", err, ok, ledger.ErrConstraint, next) {
				s.record(tx, in)
			}
		},
		"postPending": func(t *rapid.T) {
			p := s.pick(t, "pending", func(tx *mTx) bool { return tx.open })
			full := make([]int64, len(p.postings))
			var debits int64
			for i, q := range p.postings {
				full[i] = q.units
				if q.side == ledger.Debit {
					debits += q.units
				}
			}
			amount := rapid.Int64Range(0, debits).Draw(t, "amount") // 0: in full
			parts := full
			var money accrue.Money
			if amount > 0 {
				parts = share(p.postings, full, amount)
				money = accrue.FromMinorUnits(amount, s.m.accounts[p.postings[0].account].Currency)
			}
			var posted []mPosting
			for i, q := range p.postings {
				if parts[i] > 0 {
					posted = append(posted, mPosting{q.account, q.side, parts[i]})
				}
			}
			next, ok := s.m.apply(append(effectsOf(p.postings, true, -1), effectsOf(posted, false, 1)...))
			tx, err := s.l.PostPending(s.ctx, ledger.PendingInput{Key: s.newKey(), PendingID: p.id, Amount: money})
			if s.expect(t, "post pending", err, ok, ledger.ErrConstraint, next) {
				p.open = false
				s.record(tx, ledger.TxInput{})
			}
		},
		"voidPending": func(t *rapid.T) {
			p := s.pick(t, "pending", func(tx *mTx) bool { return tx.open })
			next, ok := s.m.apply(effectsOf(p.postings, true, -1))
			tx, err := s.l.VoidPending(s.ctx, ledger.PendingInput{Key: s.newKey(), PendingID: p.id})
			if s.expect(t, "void pending", err, ok, ledger.ErrConstraint, next) {
				p.open = false
				s.record(tx, ledger.TxInput{})
			}
		},
		"resolveResolved": func(t *rapid.T) {
			p := s.pick(t, "resolved", func(tx *mTx) bool { return tx.kind == ledger.KindPending && !tx.open })
			_, err := s.l.PostPending(s.ctx, ledger.PendingInput{Key: s.newKey(), PendingID: p.id})
			s.expect(t, "post resolved pending", err, false, ledger.ErrPendingResolved, nil)
		},
		"reverse": func(t *rapid.T) {
			o := s.pick(t, "original", func(tx *mTx) bool { return tx.left != nil })
			var left int64
			for i, q := range o.postings {
				if q.side == ledger.Debit {
					left += o.left[i]
				}
			}
			amount := rapid.Int64Range(0, left+20).Draw(t, "amount") // 0: all that is left
			in := ledger.ReverseInput{Key: s.newKey(), TxID: o.id}
			parts := o.left
			if amount > 0 {
				in.Amount = accrue.FromMinorUnits(amount, s.m.accounts[o.postings[0].account].Currency)
				if amount <= left {
					parts = share(o.postings, o.left, amount)
				}
			}
			tx, err := s.l.Reverse(s.ctx, in)
			if amount > left || left == 0 {
				s.expect(t, "reverse beyond what is left", err, false, ledger.ErrReversalExceeded, nil)
				return
			}
			var mirror []mPosting
			for i, q := range o.postings {
				if parts[i] > 0 {
					mirror = append(mirror, mPosting{q.account, q.side.Opposite(), parts[i]})
				}
			}
			next, ok := s.m.apply(effectsOf(mirror, false, 1))
			if s.expect(t, "reverse", err, ok, ledger.ErrConstraint, next) {
				for i := range o.left {
					o.left[i] -= parts[i]
				}
				s.record(tx, ledger.TxInput{})
				s.m.txs[len(s.m.txs)-1].left = nil // reversals are not reversed
			}
		},
		"batch":     func(t *rapid.T) { s.batch(t, false) },
		"holdBatch": func(t *rapid.T) { s.batch(t, true) },
		"replay": func(t *rapid.T) {
			o := s.pick(t, "original", func(tx *mTx) bool { return tx.in.Key != "" })
			var tx ledger.Transaction
			var err error
			if o.kind == ledger.KindPending {
				tx, err = s.l.Hold(s.ctx, o.in)
			} else {
				tx, err = s.l.Post(s.ctx, o.in)
			}
			if err != nil || tx.ID != o.id {
				t.Fatalf("replay of %s: %v, id %s", o.id, err, tx.ID)
			}
		},
		"replayChanged": func(t *rapid.T) {
			o := s.pick(t, "original", func(tx *mTx) bool { return tx.in.Key != "" && tx.kind == ledger.KindPosted })
			in := o.in
			in.Metadata = map[string]string{accrue.MetaEventID: "changed"}
			_, err := s.l.Post(s.ctx, in)
			s.expect(t, "replay with other metadata", err, false, ledger.ErrIdempotencyConflict, nil)
		},
		"advance": func(t *rapid.T) {
			s.clock.Advance(time.Duration(rapid.IntRange(1, 3600).Draw(t, "seconds")) * time.Second)
		},
		"": func(t *rapid.T) { s.check(t) },
	}
}

// batch drives PostBatch (or HoldBatch, pending) with 2 to 4 drawn
// transactions: all are written or, if any breaks a constraint, none.
func (s *smMachine) batch(t *rapid.T, pending bool) {
	label := map[bool]string{false: "batch", true: "hold batch"}[pending]
	n := rapid.IntRange(2, 4).Draw(t, "size")
	var ins []ledger.TxInput
	var groups [][]mEffect
	for i := range n {
		ps, ok := s.drawTx(t, fmt.Sprint(label, "-", i))
		if !ok {
			t.Skip("too few accounts")
		}
		ins = append(ins, s.input(s.newKey(), ps))
		groups = append(groups, effectsOf(ps, pending, 1))
	}
	next, ok := s.m.apply(groups...)
	call := s.l.PostBatch
	if pending {
		call = s.l.HoldBatch
	}
	txs, err := call(s.ctx, ins)
	if s.expect(t, label, err, ok, ledger.ErrConstraint, next) {
		for i, tx := range txs {
			s.record(tx, ins[i])
		}
	}
}

// check compares every balance with the model and runs the store
// invariants (zero sum per currency, balances = sums of entries,
// constraints, chain).
func (s *smMachine) check(t *rapid.T) {
	for name, a := range s.m.accounts {
		b, err := s.l.Balance(s.ctx, name)
		if err != nil {
			t.Fatalf("balance %s: %v", name, err)
		}
		if b.Counters != s.m.counters[name] {
			t.Fatalf("%s: ledger %+v, model %+v", name, b.Counters, s.m.counters[name])
		}
		if !modelOK(a, b.Counters) {
			t.Fatalf("%s breaks its constraints: %+v", name, b.Counters)
		}
	}
	p, err := s.l.Transactions(s.ctx, ledger.TxQuery{Limit: 10000})
	if err != nil || len(p.Txs) != len(s.m.txs) {
		t.Fatalf("%d transactions stored, model has %d (%v)", len(p.Txs), len(s.m.txs), err)
	}
	ledgertest.CheckInvariants(t, s.store)
}

func TestStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		clock := accrue.NewManualClock(t0)
		store := memstore.New()
		l, err := ledger.New(store, ledger.WithClock(clock), ledger.WithChain(rapid.Bool().Draw(t, "chain")))
		if err != nil {
			t.Fatal(err)
		}
		s := &smMachine{ctx: context.Background(), store: store, l: l, clock: clock,
			m: smModel{accounts: map[string]ledger.Account{}, counters: map[string]ledger.Counters{}}}
		t.Repeat(s.actions())
	})
}
