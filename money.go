package accrue

import (
	"fmt"
	"math"

	"github.com/shopspring/decimal"
)

// Money is an exact decimal amount in a currency. It is an immutable value:
// every operation returns a new Money.
//
// A Money may hold more decimal places than its currency's minor unit (30% of
// 0.05 USD is 0.015 USD): intermediate results stay exact, and Round, with a
// named RoundingMode, brings them to minor units where a boundary requires it.
// Nothing in this package rounds silently; operations that need whole minor
// units (Allocate, MinorUnits) refuse finer amounts.
//
// The zero Money is zero with no currency. It adopts the currency of the other
// operand in Add and Sub, so a zero Money works as the start of a sum.
type Money struct {
	amount   decimal.Decimal
	currency Currency
}

// New returns amount in currency c, exactly as given.
func New(amount decimal.Decimal, c Currency) Money {
	return Money{amount: amount, currency: c}
}

// FromMinorUnits returns the amount of units minor units of c: 1234 USD minor
// units is 12.34 USD; 1234 JPY is 1234 JPY.
func FromMinorUnits(units int64, c Currency) Money {
	return Money{amount: decimal.New(units, -c.MinorUnits()), currency: c}
}

// Zero returns zero in currency c.
func Zero(c Currency) Money { return Money{amount: decimal.Zero, currency: c} }

// Amount returns the exact decimal amount.
func (m Money) Amount() decimal.Decimal { return m.amount }

// Currency returns the currency.
func (m Money) Currency() Currency { return m.currency }

// IsZero reports whether the amount is zero (in any currency).
func (m Money) IsZero() bool { return m.amount.IsZero() }

// IsNegative reports whether the amount is below zero.
func (m Money) IsNegative() bool { return m.amount.Sign() < 0 }

// IsPositive reports whether the amount is above zero.
func (m Money) IsPositive() bool { return m.amount.Sign() > 0 }

// Sign returns -1, 0 or +1 by the sign of the amount.
func (m Money) Sign() int { return m.amount.Sign() }

// Neg returns -m.
func (m Money) Neg() Money { return Money{amount: m.amount.Neg(), currency: m.currency} }

// Abs returns |m|.
func (m Money) Abs() Money { return Money{amount: m.amount.Abs(), currency: m.currency} }

// Add returns m + o. It returns a *MismatchError if the currencies differ.
func (m Money) Add(o Money) (Money, error) {
	c, err := m.common("add", o)
	if err != nil {
		return Money{}, err
	}
	return Money{amount: m.amount.Add(o.amount), currency: c}, nil
}

// Sub returns m - o. It returns a *MismatchError if the currencies differ.
func (m Money) Sub(o Money) (Money, error) {
	c, err := m.common("sub", o)
	if err != nil {
		return Money{}, err
	}
	return Money{amount: m.amount.Sub(o.amount), currency: c}, nil
}

// Cmp compares m and o: -1 if m < o, 0 if equal, +1 if m > o. It returns a
// *MismatchError if the currencies differ.
func (m Money) Cmp(o Money) (int, error) {
	if _, err := m.common("cmp", o); err != nil {
		return 0, err
	}
	return m.amount.Cmp(o.amount), nil
}

// Equal reports whether m and o have the same currency and equal amounts
// (12.3 and 12.30 are equal).
func (m Money) Equal(o Money) bool {
	return m.currency == o.currency && m.amount.Equal(o.amount)
}

// Mul returns m × factor, exactly (no rounding: the result may be finer than
// the minor unit; see Round).
func (m Money) Mul(factor decimal.Decimal) Money {
	return Money{amount: m.amount.Mul(factor), currency: m.currency}
}

// Quo returns m ÷ divisor rounded to the currency's minor units in mode. The
// rounding decision is exact. It returns ErrDivisionByZero for a zero divisor
// and ErrInvalidRoundingMode for a mode out of range.
func (m Money) Quo(divisor decimal.Decimal, mode RoundingMode) (Money, error) {
	if divisor.IsZero() {
		return Money{}, fmt.Errorf("%w: %s ÷ 0", ErrDivisionByZero, m)
	}
	if !mode.valid() {
		return Money{}, fmt.Errorf("%w: %d", ErrInvalidRoundingMode, uint8(mode))
	}
	return Money{amount: quoRound(m.amount, divisor, m.currency.MinorUnits(), mode), currency: m.currency}, nil
}

// Round returns m rounded to its currency's minor units in mode.
func (m Money) Round(mode RoundingMode) Money {
	return Money{amount: mode.RoundDecimal(m.amount, m.currency.MinorUnits()), currency: m.currency}
}

// IsRounded reports whether m is a whole number of minor units.
func (m Money) IsRounded() bool {
	if m.amount.Exponent() >= -m.currency.MinorUnits() {
		return true
	}
	return m.amount.Equal(m.amount.Truncate(m.currency.MinorUnits()))
}

// MinorUnits returns m as an integer count of minor units (12.34 USD → 1234).
// It returns ErrInvalidAmount if m is finer than the minor unit and
// ErrOverflow if the count does not fit in an int64.
func (m Money) MinorUnits() (int64, error) {
	if units, ok := m.minorUnitsFast(); ok {
		return units, nil
	}
	if !m.IsRounded() {
		return 0, fmt.Errorf("%w: %s is finer than the minor unit of %s; round it first", ErrInvalidAmount, m, m.currency.Code())
	}
	// Refuse early what cannot fit, before scaling a huge exponent.
	if m.amount.Exponent() > 19 {
		return 0, fmt.Errorf("%w: %s has more than %d minor units", ErrOverflow, m, int64(math.MaxInt64))
	}
	scaled := m.amount.Shift(m.currency.MinorUnits())
	bi := scaled.BigInt()
	if !bi.IsInt64() {
		return 0, fmt.Errorf("%w: %s has more than %d minor units", ErrOverflow, m, int64(math.MaxInt64))
	}
	return bi.Int64(), nil
}

// common returns the currency of a binary operation on m and o.
func (m Money) common(op string, o Money) (Currency, error) {
	switch {
	case m.currency == o.currency:
		return m.currency, nil
	case m.currency.IsZero() && m.amount.IsZero():
		return o.currency, nil
	case o.currency.IsZero() && o.amount.IsZero():
		return m.currency, nil
	}
	return Currency{}, &MismatchError{Op: op, Left: m.currency, Right: o.currency}
}

// minorUnitsFast converts m to minor units without allocating when the
// coefficient has at most 15 digits and the exponent is no finer than the
// currency's minor unit: the common case on hot paths such as ledger posting.
func (m Money) minorUnitsFast() (int64, bool) {
	exp := m.amount.Exponent()
	shift := exp + m.currency.MinorUnits()
	if shift < 0 || shift > 3 || exp < fastExpMin || exp > fastExpMax {
		return 0, false
	}
	// Compared at the same exponent, Cmp compares coefficients: no
	// rescaling, no allocation (NumDigits would take a float logarithm).
	b := &fastBounds[exp-fastExpMin]
	if m.amount.Cmp(b.hi) > 0 || m.amount.Cmp(b.lo) < 0 {
		return 0, false
	}
	units := m.amount.CoefficientInt64()
	for ; shift > 0; shift-- {
		units *= 10
	}
	return units, true
}

// The exponents minorUnitsFast handles: every currency's minor unit (at
// most MaxMinorUnits) shifted by up to three.
const (
	fastExpMin = -MaxMinorUnits
	fastExpMax = 3
)

// fastBounds holds, per exponent from fastExpMin, ±(10^15 − 1) at that
// exponent: the amounts whose coefficient has at most 15 digits. It is a
// constant table, computed once.
var fastBounds = func() (t [fastExpMax - fastExpMin + 1]struct{ lo, hi decimal.Decimal }) {
	const limit = 999_999_999_999_999
	for i := range t {
		exp := int32(fastExpMin + i)
		t[i].lo, t[i].hi = decimal.New(-limit, exp), decimal.New(limit, exp)
	}
	return t
}()
