package accrue_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/accruehq/accrue"
	"github.com/shopspring/decimal"
)

// A commission of 30% on an order, kept exact and rounded once at the
// boundary with a named mode.
func Example() {
	order := accrue.MustParseMoney("49.99 USD")
	commission := order.Mul(decimal.RequireFromString("0.30"))
	fmt.Println("exact:  ", commission)
	fmt.Println("payable:", commission.Round(accrue.HalfEven))

	// Two partners share the commission 2:1, to the cent.
	parts, _ := accrue.Allocate(commission.Round(accrue.HalfEven), []decimal.Decimal{decimal.NewFromInt(2), decimal.NewFromInt(1)})
	fmt.Println("split:  ", parts)
	// Output:
	// exact:   14.997 USD
	// payable: 15.00 USD
	// split:   [10.00 USD 5.00 USD]
}

func ExampleParseMoney() {
	m, _ := accrue.ParseMoney("12.5 KWD")
	fmt.Println(m, m.Currency().MinorUnits())

	// Amounts finer than the minor unit are kept exactly, never rounded.
	m, _ = accrue.ParseMoney("1234.5 JPY")
	fmt.Println(m, m.IsRounded(), m.Round(accrue.HalfEven))

	_, err := accrue.ParseMoney("12.34 usd")
	fmt.Println(err)
	// Output:
	// 12.500 KWD 3
	// 1234.5 JPY false 1234 JPY
	// accrue: unknown currency: "usd" is not an ISO 4217 code
}

func ExampleMoney_Add() {
	a := accrue.MustParseMoney("10.00 USD")
	b := accrue.MustParseMoney("2.50 EUR")
	_, err := a.Add(b)
	fmt.Println(err)
	fmt.Println(errors.Is(err, accrue.ErrCurrencyMismatch))
	// Output:
	// accrue: add: currency mismatch: USD vs EUR
	// true
}

func ExampleMoney_Round() {
	m := accrue.MustParseMoney("-2.345 USD")
	for _, mode := range []accrue.RoundingMode{accrue.HalfUp, accrue.HalfEven, accrue.Down, accrue.Up, accrue.Ceiling, accrue.Floor} {
		fmt.Printf("%-9s %s\n", mode, m.Round(mode))
	}
	// Output:
	// half-up   -2.35 USD
	// half-even -2.34 USD
	// down      -2.34 USD
	// up        -2.35 USD
	// ceiling   -2.34 USD
	// floor     -2.35 USD
}

func ExampleMoney_MarshalJSON() {
	points, _ := accrue.NewUnit("POINTS", 0)
	for _, m := range []accrue.Money{accrue.MustParseMoney("12.34 USD"), accrue.FromMinorUnits(250, points)} {
		b, _ := json.Marshal(m)
		fmt.Println(string(b))
	}
	var back accrue.Money
	err := json.Unmarshal([]byte(`{"amount":12.34,"currency":"USD"}`), &back)
	fmt.Println(err)
	// Output:
	// {"amount":"12.34","currency":"USD"}
	// {"amount":"250","currency":"POINTS","minor_units":0}
	// accrue: invalid amount: money JSON: amount must be a string such as "12.34", got 12.34
}

func ExampleAllocate() {
	total := accrue.MustParseMoney("100.00 USD")
	parts, _ := accrue.Allocate(total, []decimal.Decimal{decimal.NewFromInt(1), decimal.NewFromInt(1), decimal.NewFromInt(1)})
	fmt.Println(parts)

	// Percentages work the same; a cent that cannot be split fairly goes to
	// the largest remainder, ties to the earlier part.
	weights, _ := accrue.ParseWeights("50%", "30%", "20%")
	parts, _ = accrue.Allocate(accrue.MustParseMoney("0.05 EUR"), weights)
	fmt.Println(parts)
	// Output:
	// [33.34 USD 33.33 USD 33.33 USD]
	// [0.03 EUR 0.01 EUR 0.01 EUR]
}

func ExampleSplit() {
	parts, _ := accrue.Split(accrue.MustParseMoney("-0.05 USD"), 3)
	fmt.Println(parts)
	// Output: [-0.02 USD -0.02 USD -0.01 USD]
}

func ExampleRate_Convert() {
	usd, eur := accrue.MustCurrency("USD"), accrue.MustCurrency("EUR")
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	rates := accrue.NewStaticRates(accrue.Rate{From: usd, To: eur, Value: decimal.RequireFromString("0.9213"), At: day, Source: "treasury"})
	r, _ := rates.Rate(context.Background(), usd, eur, day.Add(36*time.Hour))
	m, _ := r.Convert(accrue.MustParseMoney("125.00 USD"), accrue.HalfEven)
	fmt.Println(m, "at", r.Value, "from", r.Source)
	// Output: 115.16 EUR at 0.9213 from treasury
}
