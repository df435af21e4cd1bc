package ledger

import (
	"math"

	"github.com/accruehq/accrue"
)

// Counters are the four running totals the store keeps per account, in minor
// units of the account's currency (as TigerBeetle does). Each is ≥ 0 and the
// ledger keeps DebitsPosted+DebitsPending and CreditsPosted+CreditsPending
// within int64, so every derived balance is exact.
type Counters struct {
	DebitsPosted, CreditsPosted   int64
	DebitsPending, CreditsPending int64
}

// Balance is an account's balance measured on its normal side (a liability's
// credit balance is positive), in the account's currency.
type Balance struct {
	Account string
	// Posted is the balance of posted transactions.
	Posted accrue.Money
	// PendingIn and PendingOut are the amounts of open pending transactions
	// moving toward and away from the normal side.
	PendingIn, PendingOut accrue.Money
	// Available is Posted minus PendingOut: pending inflows do not count
	// until posted.
	Available accrue.Money
	// Counters are the raw totals the balance is derived from.
	Counters Counters
}

// Plus returns c + d field by field and whether the result is in range:
// every counter ≥ 0 and each side's posted plus pending total within int64,
// the invariant the ledger keeps. Stores use it to refuse a commuting delta
// (AccountDelta.Commutes) that would overflow.
func (c Counters) Plus(d Counters) (Counters, bool) {
	var r Counters
	var ok1, ok2, ok3, ok4 bool
	r.DebitsPosted, ok1 = addUnits(c.DebitsPosted, d.DebitsPosted)
	r.CreditsPosted, ok2 = addUnits(c.CreditsPosted, d.CreditsPosted)
	r.DebitsPending, ok3 = addUnits(c.DebitsPending, d.DebitsPending)
	r.CreditsPending, ok4 = addUnits(c.CreditsPending, d.CreditsPending)
	ok := ok1 && ok2 && ok3 && ok4 &&
		r.DebitsPosted <= math.MaxInt64-r.DebitsPending &&
		r.CreditsPosted <= math.MaxInt64-r.CreditsPending
	if !ok {
		return c, false
	}
	return r, true
}

// addUnits returns a+b for a ≥ 0 and whether it is in [0, MaxInt64].
func addUnits(a, b int64) (int64, bool) {
	if a < 0 || (b > 0 && a > math.MaxInt64-b) {
		return a, false
	}
	n := a + b
	return n, n >= 0
}

// normal returns the posted balance, pending inflows and pending outflows on
// side n. The ledger's overflow checks keep them within int64.
func (c Counters) normal(n Side) (posted, in, out int64) {
	if n == Debit {
		return c.DebitsPosted - c.CreditsPosted, c.DebitsPending, c.CreditsPending
	}
	return c.CreditsPosted - c.DebitsPosted, c.CreditsPending, c.DebitsPending
}

// BalanceOf derives the balance of account a from its counters.
func BalanceOf(a Account, c Counters) Balance {
	posted, in, out := c.normal(a.Type.NormalSide())
	cur := a.Currency
	return Balance{
		Account:    a.Name,
		Posted:     accrue.FromMinorUnits(posted, cur),
		PendingIn:  accrue.FromMinorUnits(in, cur),
		PendingOut: accrue.FromMinorUnits(out, cur),
		Available:  accrue.FromMinorUnits(posted-out, cur),
		Counters:   c,
	}
}

// Total is the sum of the balances of several accounts in one currency, from
// RollUp.
type Total struct {
	Currency accrue.Currency
	// Posted, PendingIn, PendingOut and Available sum the accounts'
	// balances, each on its own account's normal side.
	Posted, PendingIn, PendingOut, Available accrue.Money
	// Accounts is how many accounts were summed.
	Accounts int
}
