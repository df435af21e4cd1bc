package ledger

import (
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
