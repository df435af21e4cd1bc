package accrue

import (
	"fmt"
)

// MaxMinorUnits is the largest number of decimal places a currency or custom
// unit may have.
const MaxMinorUnits = 18

// Currency is a unit of account: an ISO 4217 currency or a unit defined by the
// host (loyalty points, vouchers). It is a small comparable value; two
// currencies are the same exactly when they are ==.
//
// The zero Currency is "no currency"; it is only ever carried by the zero
// Money.
type Currency struct {
	code   string
	minor  int8
	custom bool
}

// LookupCurrency returns the ISO 4217 currency with the given alphabetic code
// (upper case, e.g. "USD"). It returns an error wrapping ErrUnknownCurrency for
// any other code, including custom units: those are values the host keeps (see
// NewUnit).
func LookupCurrency(code string) (Currency, error) {
	if m, ok := isoMinorUnits(code); ok {
		return Currency{code: code, minor: m}, nil
	}
	return Currency{}, fmt.Errorf("%w: %q is not an ISO 4217 code", ErrUnknownCurrency, clip(code))
}

// MustCurrency is like LookupCurrency but panics on an unknown code. It is
// meant for constants in programs and tests, where an unknown code is a
// programmer error.
func MustCurrency(code string) Currency {
	c, err := LookupCurrency(code)
	if err != nil {
		panic(err)
	}
	return c
}

// NewUnit defines a custom unit of account, such as loyalty points with 0
// decimals or a voucher unit. The code must be 2 to 16 characters of upper-case
// ASCII letters, digits and '_', start with a letter, and must not be an ISO
// 4217 code; minorUnits must be between 0 and MaxMinorUnits.
//
// A unit is a value: there is no registry. Money in a custom unit marshals its
// minor units along with its code, so it can be decoded without one.
func NewUnit(code string, minorUnits int) (Currency, error) {
	if err := checkUnitCode(code); err != nil {
		return Currency{}, err
	}
	if _, ok := isoMinorUnits(code); ok {
		return Currency{}, fmt.Errorf("%w: %q is an ISO 4217 code; use LookupCurrency", ErrInvalidCurrency, code)
	}
	if minorUnits < 0 || minorUnits > MaxMinorUnits {
		return Currency{}, fmt.Errorf("%w: %s: minor units %d not in [0, %d]", ErrInvalidCurrency, code, minorUnits, MaxMinorUnits)
	}
	return Currency{code: code, minor: int8(minorUnits), custom: true}, nil
}

func checkUnitCode(code string) error {
	if len(code) < 2 || len(code) > 16 {
		return fmt.Errorf("%w: code %q must be 2 to 16 characters", ErrInvalidCurrency, clip(code))
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '_'):
		default:
			return fmt.Errorf("%w: code %q: want upper-case letters, digits and '_', starting with a letter", ErrInvalidCurrency, clip(code))
		}
	}
	return nil
}

// Code returns the currency's code ("USD", or a custom unit's code). It is ""
// for the zero Currency.
func (c Currency) Code() string { return c.code }

// MinorUnits returns the number of decimal places of the currency's minor
// unit: 2 for USD, 0 for JPY, 3 for KWD.
func (c Currency) MinorUnits() int32 { return int32(c.minor) }

// IsCustom reports whether the currency is a host-defined unit (NewUnit)
// rather than ISO 4217.
func (c Currency) IsCustom() bool { return c.custom }

// IsZero reports whether c is the zero Currency.
func (c Currency) IsZero() bool { return c.code == "" }

// String returns the code.
func (c Currency) String() string { return c.code }

// clip shortens text quoted in error messages so that a hostile input cannot
// make an error message arbitrarily large.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
