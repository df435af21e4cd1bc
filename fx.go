package accrue

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// Rate is an exchange rate: one unit of From is worth Value units of To at
// time At, as published by Source. Every conversion records the Rate it used.
type Rate struct {
	From, To Currency
	Value    decimal.Decimal
	At       time.Time
	Source   string // who published the rate ("ecb", "host-treasury", …)
}

// Convert returns m converted at r and rounded to To's minor units in mode.
// m must be in From (else a *MismatchError) and mode one of the defined
// modes (else ErrInvalidRoundingMode).
func (r Rate) Convert(m Money, mode RoundingMode) (Money, error) {
	if m.currency != r.From {
		return Money{}, &MismatchError{Op: "convert", Left: m.currency, Right: r.From}
	}
	if r.Value.Sign() <= 0 {
		return Money{}, fmt.Errorf("%w: rate %s→%s is %s", ErrNoRate, r.From.Code(), r.To.Code(), r.Value)
	}
	if !mode.valid() {
		return Money{}, fmt.Errorf("%w: %d", ErrInvalidRoundingMode, uint8(mode))
	}
	return New(m.amount.Mul(r.Value), r.To).Round(mode), nil
}

// RateSource supplies exchange rates. Hosts implement it over their treasury
// or market data; StaticRates is the in-memory implementation, and
// accruetest.RunRateSourceConformance checks a host's.
type RateSource interface {
	// Rate returns the rate from one currency to another in force at time at:
	// the latest of the pair whose At is not after at, returned as published
	// (its own At, Source and exact Value). It returns an error wrapping
	// ErrNoRate when it has none. It must be safe for concurrent use and
	// honour ctx's cancellation.
	Rate(ctx context.Context, from, to Currency, at time.Time) (Rate, error)
}

// StaticRates is an in-memory RateSource. For a pair it returns the latest
// rate whose At is not after the requested time; a currency converts to itself
// at 1. It is safe for concurrent use.
type StaticRates struct {
	mu    sync.RWMutex
	rates map[[2]Currency][]Rate // sorted by At
}

// NewStaticRates returns a StaticRates holding rates.
func NewStaticRates(rates ...Rate) *StaticRates {
	s := &StaticRates{rates: make(map[[2]Currency][]Rate)}
	for _, r := range rates {
		s.Add(r)
	}
	return s
}

// Add records a rate.
func (s *StaticRates) Add(r Rate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rates == nil {
		s.rates = make(map[[2]Currency][]Rate)
	}
	k := [2]Currency{r.From, r.To}
	list := s.rates[k]
	i, _ := slices.BinarySearchFunc(list, r.At, func(e Rate, t time.Time) int { return e.At.Compare(t) })
	s.rates[k] = slices.Insert(list, i, r)
}

// Rate implements RateSource.
func (s *StaticRates) Rate(ctx context.Context, from, to Currency, at time.Time) (Rate, error) {
	if err := ctx.Err(); err != nil {
		return Rate{}, err
	}
	if from == to {
		return Rate{From: from, To: to, Value: decimal.NewFromInt(1), At: at, Source: "identity"}, nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	list := s.rates[[2]Currency{from, to}]
	i, found := slices.BinarySearchFunc(list, at, func(e Rate, t time.Time) int { return e.At.Compare(t) })
	if found {
		// Take the last of equal times.
		for i+1 < len(list) && list[i+1].At.Equal(at) {
			i++
		}
		return list[i], nil
	}
	if i == 0 {
		return Rate{}, fmt.Errorf("%w: %s→%s at %s", ErrNoRate, from.Code(), to.Code(), at.Format(time.RFC3339))
	}
	return list[i-1], nil
}
