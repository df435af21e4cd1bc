package ledger

import (
	"fmt"
	"maps"

	"github.com/accruehq/accrue"
)

// Limits on names and metadata. They keep every record bounded so that a
// hostile or buggy caller cannot make the ledger store or hash arbitrarily
// large values.
const (
	MaxAccountNameLen  = 255  // bytes in an account name
	MaxAccountSegments = 16   // ':'-separated segments in an account name
	MaxMetadataKeys    = 32   // keys in an account's or a transaction's metadata
	MaxMetadataKeyLen  = 64   // bytes in a metadata key
	MaxMetadataValue   = 1024 // bytes in a metadata value
	MaxKeyLen          = 255  // bytes in an idempotency key or a transaction id
	MaxPostings        = 1024 // postings in one transaction
)

// AccountType is the kind of an account; it fixes the account's normal side.
type AccountType uint8

// The five account types of double-entry bookkeeping.
const (
	Asset     AccountType = iota + 1 // what the program owns (cash, clearing)
	Liability                        // what it owes (partner balances, withholding)
	Equity                           // the owners' stake
	Income                           // what it earns
	Expense                          // what it spends (commissions)
)

var accountTypeNames = [...]string{"", "asset", "liability", "equity", "income", "expense"}

// String returns "asset", "liability", "equity", "income" or "expense".
func (t AccountType) String() string {
	if t.Valid() {
		return accountTypeNames[t]
	}
	return fmt.Sprintf("AccountType(%d)", uint8(t))
}

// Valid reports whether t is one of the five account types.
func (t AccountType) Valid() bool { return t >= Asset && t <= Expense }

// NormalSide returns the side on which the account's balance grows: Debit for
// assets and expenses, Credit for liabilities, equity and income.
func (t AccountType) NormalSide() Side {
	if t == Asset || t == Expense {
		return Debit
	}
	return Credit
}

// Side is the side of a posting: debit or credit.
type Side uint8

// The two sides of a posting.
const (
	Debit  Side = iota + 1 // left column: grows assets and expenses
	Credit                 // right column: grows liabilities, equity and income
)

// String returns "debit" or "credit".
func (s Side) String() string {
	switch s {
	case Debit:
		return "debit"
	case Credit:
		return "credit"
	}
	return fmt.Sprintf("Side(%d)", uint8(s))
}

// Valid reports whether s is Debit or Credit.
func (s Side) Valid() bool { return s == Debit || s == Credit }

// Opposite returns the other side.
func (s Side) Opposite() Side {
	if s == Debit {
		return Credit
	}
	return Debit
}

// Account is a named bucket of money in one currency. Accounts are created
// once (CreateAccount, or on first use under a policy) and never change.
type Account struct {
	// Name identifies the account: lowercase segments of [a-z0-9_-] joined by
	// ':' (liabilities:partners:p-42:payable), at most MaxAccountNameLen
	// bytes and MaxAccountSegments segments.
	Name string
	// Type fixes the normal side of the balance.
	Type AccountType
	// Currency is the one currency the account holds.
	Currency accrue.Currency
	// Constraints are checked atomically with every write that moves the
	// account.
	Constraints Constraints
	// Metadata is free-form host data, bounded by the Max* limits.
	Metadata map[string]string
}

// Constraints are limits on an account's balance, measured on the account's
// normal side (a liability's credit balance is positive). They are checked
// after every transaction, in order within a batch, against the balances
// the transaction leaves; a transaction that would break one is refused with
// a *ConstraintError and nothing is written.
type Constraints struct {
	// NoNegative: the available balance (posted minus pending outflows)
	// must not go below zero: no overdraft. Refusals match
	// ErrInsufficientFunds.
	NoNegative bool
	// NoPositive: the balance including pending inflows must not go above
	// zero (for accounts that only ever hold a debit balance on a credit
	// normal side, or the reverse).
	NoPositive bool
	// Min, if set, is the lowest allowed available balance, in minor units
	// of the account's currency. Refusals match ErrInsufficientFunds.
	Min *int64
	// Max, if set, is the highest allowed balance including pending
	// inflows, in minor units.
	Max *int64
}

// IsZero reports whether c sets no constraint.
func (c Constraints) IsZero() bool {
	return !c.NoNegative && !c.NoPositive && c.Min == nil && c.Max == nil
}

// Equal reports whether c and o set the same limits.
func (c Constraints) Equal(o Constraints) bool {
	return c.NoNegative == o.NoNegative && c.NoPositive == o.NoPositive &&
		eqLimit(c.Min, o.Min) && eqLimit(c.Max, o.Max)
}

func eqLimit(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// Limit returns a pointer to units, for Constraints.Min and Max.
func Limit(units int64) *int64 { return &units }

// Equal reports whether a and o define the same account.
func (a Account) Equal(o Account) bool {
	return a.Name == o.Name && a.Type == o.Type && a.Currency == o.Currency &&
		a.Constraints.Equal(o.Constraints) && maps.Equal(a.Metadata, o.Metadata)
}

// Validate checks the account definition: a valid name, type and currency,
// consistent constraints and bounded metadata. Errors match
// ErrInvalidAccount or ErrMetadataTooLarge.
func (a Account) Validate() error {
	if err := ValidateAccountName(a.Name); err != nil {
		return err
	}
	if !a.Type.Valid() {
		return fmt.Errorf("%w: %s: unknown type %d", ErrInvalidAccount, a.Name, a.Type)
	}
	if a.Currency.IsZero() {
		return fmt.Errorf("%w: %s: no currency", ErrInvalidAccount, a.Name)
	}
	c := a.Constraints
	if c.Min != nil && c.Max != nil && *c.Min > *c.Max {
		return fmt.Errorf("%w: %s: min %d above max %d", ErrInvalidAccount, a.Name, *c.Min, *c.Max)
	}
	if c.NoNegative && c.NoPositive {
		return fmt.Errorf("%w: %s: both no-negative and no-positive", ErrInvalidAccount, a.Name)
	}
	if err := validateMetadata(a.Metadata); err != nil {
		return fmt.Errorf("%w: account %s", err, a.Name)
	}
	return nil
}

// clone returns a copy of a that shares no memory with it.
func (a Account) clone() Account {
	a.Metadata = maps.Clone(a.Metadata)
	if a.Constraints.Min != nil {
		a.Constraints.Min = Limit(*a.Constraints.Min)
	}
	if a.Constraints.Max != nil {
		a.Constraints.Max = Limit(*a.Constraints.Max)
	}
	return a
}

// CloneAccount returns a deep copy of a, for stores that keep accounts.
func CloneAccount(a Account) Account { return a.clone() }

// ValidateAccountName checks an account name: 1 to MaxAccountNameLen bytes,
// at most MaxAccountSegments non-empty segments separated by ':', each of
// lowercase ASCII letters, digits, '_' and '-'. Errors match
// ErrInvalidAccount.
func ValidateAccountName(name string) error {
	if len(name) == 0 || len(name) > MaxAccountNameLen {
		return fmt.Errorf("%w: name %q: want 1 to %d bytes", ErrInvalidAccount, clip(name), MaxAccountNameLen)
	}
	segments, segLen := 1, 0
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_', c == '-':
			segLen++
		case c == ':':
			if segLen == 0 {
				return fmt.Errorf("%w: name %q: empty segment", ErrInvalidAccount, clip(name))
			}
			segments++
			segLen = 0
		default:
			return fmt.Errorf("%w: name %q: byte %d: want [a-z0-9_-] segments joined by ':'", ErrInvalidAccount, clip(name), i)
		}
	}
	if segLen == 0 {
		return fmt.Errorf("%w: name %q: empty segment", ErrInvalidAccount, clip(name))
	}
	if segments > MaxAccountSegments {
		return fmt.Errorf("%w: name %q: %d segments, at most %d", ErrInvalidAccount, clip(name), segments, MaxAccountSegments)
	}
	return nil
}

// validateMetadata checks the Max* metadata limits.
func validateMetadata(m map[string]string) error {
	if len(m) > MaxMetadataKeys {
		return fmt.Errorf("%w: %d keys, at most %d", ErrMetadataTooLarge, len(m), MaxMetadataKeys)
	}
	for k, v := range m {
		if len(k) == 0 || len(k) > MaxMetadataKeyLen {
			return fmt.Errorf("%w: key %q: want 1 to %d bytes", ErrMetadataTooLarge, clip(k), MaxMetadataKeyLen)
		}
		if len(v) > MaxMetadataValue {
			return fmt.Errorf("%w: key %q: value of %d bytes, at most %d", ErrMetadataTooLarge, clip(k), len(v), MaxMetadataValue)
		}
	}
	return nil
}

// clip shortens text quoted in error messages.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
