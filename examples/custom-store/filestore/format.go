package filestore

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// line is one line of the file: a committed ledger.Commit, or a period
// close.
type line struct {
	Commit        *commitLine `json:"commit,omitempty"`
	ClosedThrough time.Time   `json:"closed_through,omitzero"`
}

// commitLine is a ledger.Commit as written: without the versions (replay
// bumps each by one, as Commit did) and with Seq and hashes filled in.
type commitLine struct {
	Accounts []accountLine `json:"accounts,omitempty"`
	Deltas   []deltaLine   `json:"deltas,omitempty"`
	States   []stateLine   `json:"states,omitempty"`
	Txs      []txLine      `json:"txs,omitempty"`
}

type accountLine struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Currency string `json:"currency"`
	// UnitMinorUnits is set for a custom unit (points, vouchers), which has
	// no registry to be looked up in.
	UnitMinorUnits *int32            `json:"unit_minor_units,omitempty"`
	Constraints    constraintsLine   `json:"constraints,omitzero"`
	Metadata       map[string]string `json:"metadata,omitempty"`
}

type constraintsLine struct {
	NoNegative bool   `json:"no_negative,omitempty"`
	NoPositive bool   `json:"no_positive,omitempty"`
	Min        *int64 `json:"min,omitempty"`
	Max        *int64 `json:"max,omitempty"`
}

type deltaLine struct {
	Account        string `json:"account"`
	DebitsPosted   int64  `json:"debits_posted,omitempty"`
	CreditsPosted  int64  `json:"credits_posted,omitempty"`
	DebitsPending  int64  `json:"debits_pending,omitempty"`
	CreditsPending int64  `json:"credits_pending,omitempty"`
}

type stateLine struct {
	ID       string  `json:"id"`
	Status   string  `json:"status"`
	Reversed []int64 `json:"reversed,omitempty"`
}

type txLine struct {
	Seq         uint64            `json:"seq"`
	ID          string            `json:"id"`
	Key         string            `json:"key"`
	Kind        string            `json:"kind"`
	Postings    []postingLine     `json:"postings"`
	EffectiveAt time.Time         `json:"effective_at"`
	RecordedAt  time.Time         `json:"recorded_at"`
	ExpiresAt   time.Time         `json:"expires_at,omitzero"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	Reverses    string            `json:"reverses,omitempty"`
	Pending     string            `json:"pending,omitempty"`
	PrevHash    string            `json:"prev_hash,omitempty"` // hex; omitted when zero
	Hash        string            `json:"hash,omitempty"`      // hex; omitted when zero
}

type postingLine struct {
	Account string       `json:"account"`
	Side    string       `json:"side"`
	Amount  accrue.Money `json:"amount"` // {"amount":"12.34","currency":"USD"}
}

// encodeCommit turns a checked, sequenced Commit into its line.
func encodeCommit(c *ledger.Commit) *commitLine {
	out := &commitLine{}
	for _, a := range c.NewAccounts {
		al := accountLine{Name: a.Name, Type: a.Type.String(), Currency: a.Currency.Code(),
			Constraints: constraintsLine(a.Constraints), Metadata: a.Metadata}
		if a.Currency.IsCustom() {
			m := a.Currency.MinorUnits()
			al.UnitMinorUnits = &m
		}
		out.Accounts = append(out.Accounts, al)
	}
	for _, d := range c.Deltas {
		out.Deltas = append(out.Deltas, deltaLine{d.Account,
			d.Delta.DebitsPosted, d.Delta.CreditsPosted, d.Delta.DebitsPending, d.Delta.CreditsPending})
	}
	for _, u := range c.TxStates {
		out.States = append(out.States, stateLine{u.State.ID, u.State.Status.String(), u.State.Reversed})
	}
	for i := range c.Txs {
		tx := &c.Txs[i]
		tl := txLine{Seq: tx.Seq, ID: tx.ID, Key: tx.Key, Kind: tx.Kind.String(),
			EffectiveAt: tx.EffectiveAt, RecordedAt: tx.RecordedAt, ExpiresAt: tx.ExpiresAt,
			Metadata: tx.Metadata, Reverses: tx.Reverses, Pending: tx.Pending,
			PrevHash: hashText(tx.PrevHash), Hash: hashText(tx.Hash)}
		for _, p := range tx.Postings {
			tl.Postings = append(tl.Postings, postingLine{p.Account, p.Side.String(), p.Amount})
		}
		out.Txs = append(out.Txs, tl)
	}
	return out
}

// decodeCommit turns a line read back into the Commit it recorded.
func decodeCommit(cl *commitLine) (*ledger.Commit, error) {
	c := &ledger.Commit{}
	for _, al := range cl.Accounts {
		a := ledger.Account{Name: al.Name, Constraints: ledger.Constraints(al.Constraints), Metadata: al.Metadata}
		var err error
		if a.Type, err = parseName(al.Type, ledger.Asset, ledger.Expense); err != nil {
			return nil, fmt.Errorf("account %s: %w", al.Name, err)
		}
		if al.UnitMinorUnits != nil {
			a.Currency, err = accrue.NewUnit(al.Currency, int(*al.UnitMinorUnits))
		} else {
			a.Currency, err = accrue.LookupCurrency(al.Currency)
		}
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", al.Name, err)
		}
		if err := a.Validate(); err != nil {
			return nil, err
		}
		c.NewAccounts = append(c.NewAccounts, a)
	}
	for _, d := range cl.Deltas {
		c.Deltas = append(c.Deltas, ledger.AccountDelta{Account: d.Account, Delta: ledger.Counters{
			DebitsPosted: d.DebitsPosted, CreditsPosted: d.CreditsPosted,
			DebitsPending: d.DebitsPending, CreditsPending: d.CreditsPending}})
	}
	for _, sl := range cl.States {
		st, err := parseName(sl.Status, ledger.PendingNone, ledger.PendingExpired)
		if err != nil {
			return nil, fmt.Errorf("state of %s: %w", sl.ID, err)
		}
		c.TxStates = append(c.TxStates, ledger.TxStateUpdate{State: ledger.TxState{ID: sl.ID, Status: st, Reversed: sl.Reversed}})
	}
	for _, tl := range cl.Txs {
		tx := ledger.Transaction{Seq: tl.Seq, ID: tl.ID, Key: tl.Key,
			EffectiveAt: tl.EffectiveAt, RecordedAt: tl.RecordedAt, ExpiresAt: tl.ExpiresAt,
			Metadata: tl.Metadata, Reverses: tl.Reverses, Pending: tl.Pending}
		var err error
		if tx.Kind, err = parseName(tl.Kind, ledger.KindPosted, ledger.KindReversal); err != nil {
			return nil, fmt.Errorf("tx %d: %w", tl.Seq, err)
		}
		if tx.PrevHash, err = parseHash(tl.PrevHash); err != nil {
			return nil, fmt.Errorf("tx %d: prev_hash: %w", tl.Seq, err)
		}
		if tx.Hash, err = parseHash(tl.Hash); err != nil {
			return nil, fmt.Errorf("tx %d: hash: %w", tl.Seq, err)
		}
		for _, pl := range tl.Postings {
			side, err := parseName(pl.Side, ledger.Debit, ledger.Credit)
			if err != nil {
				return nil, fmt.Errorf("tx %d: %w", tl.Seq, err)
			}
			tx.Postings = append(tx.Postings, ledger.Posting{Account: pl.Account, Side: side, Amount: pl.Amount})
		}
		c.Txs = append(c.Txs, tx)
	}
	return c, nil
}

// parseName finds the value in [first, last] whose String is name: the
// ledger's enums print their names, so the file stores those.
func parseName[E interface {
	~uint8
	String() string
}](name string, first, last E) (E, error) {
	for v := first; v <= last; v++ {
		if v.String() == name {
			return v, nil
		}
	}
	return 0, fmt.Errorf("unknown name %q", name)
}

// hashText is the hex form of a hash, "" for the zero hash.
func hashText(h [32]byte) string {
	if h == ([32]byte{}) {
		return ""
	}
	return hex.EncodeToString(h[:])
}

// parseHash reads what hashText writes.
func parseHash(s string) ([32]byte, error) {
	var h [32]byte
	if s == "" {
		return h, nil
	}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("want %d hex bytes, got %q", len(h), s)
	}
	copy(h[:], b)
	return h, nil
}
