package payout

import (
	"context"
	"fmt"

	"github.com/accruehq/accrue"
	"github.com/shopspring/decimal"
)

// Method is a payout method.
type Method string

// The payout methods the default configuration knows, with the payment
// details each requires (DefaultMethods).
const (
	BankTransfer  Method = "bank_transfer"  // needs "iban" (or "account_number") and "name"
	PayPal        Method = "paypal"         // needs "email"
	Wallet        Method = "wallet"         // needs "wallet_id"
	GiftCard      Method = "gift_card"      // a gift card or voucher; needs "email"
	LoyaltyPoints Method = "loyalty_points" // needs "member_id"; usually a custom points currency
)

// MethodSpec configures one payout method.
type MethodSpec struct {
	// Required lists the payment-detail keys a partner must have; a key
	// written "a|b" is satisfied by either.
	Required []string
	// Provider is the name of the provider that pays this method; it names
	// the clearing account. Empty: the method's name.
	Provider string
	// Fee is deducted from each item paid with this method.
	Fee Fee
}

// Fee is a per-item fee: a fixed part (per currency) plus a rate of the
// gross amount, rounded with the Service's rounding mode.
type Fee struct {
	Fixed []accrue.Money  // at most one per currency; none: no fixed part
	Rate  decimal.Decimal // e.g. 0.01 for 1%; zero: none
}

// DefaultMethods returns the five built-in methods with their required
// details and no fees.
func DefaultMethods() map[Method]MethodSpec {
	return map[Method]MethodSpec{
		BankTransfer:  {Required: []string{"iban|account_number", "name"}},
		PayPal:        {Required: []string{"email"}},
		Wallet:        {Required: []string{"wallet_id"}},
		GiftCard:      {Required: []string{"email"}},
		LoyaltyPoints: {Required: []string{"member_id"}},
	}
}

// Partner is what the builder needs to know about a payee; identity and
// payment details come from the host.
type Partner struct {
	ID      string
	Method  Method
	Details map[string]string
	// Currency is the currency the partner is paid in; zero means the
	// currency of the payable balance. A different one is converted through
	// the Service's RateSource, and the rate is recorded.
	Currency accrue.Currency
	// Hold, when not empty, keeps the partner out of batches; it is the
	// reason reported (dispute, missing tax form, fraud review).
	Hold string
	// Withholding is the tax withholding rate the host determined for the
	// partner (0.24 = 24%), applied to the gross amount.
	Withholding decimal.Decimal
	// Routes pay the partner's balances in given currencies otherwise than
	// Method, Details and Currency say: USD by bank transfer to a US
	// account and EUR by PayPal, say. At most one route per balance
	// currency.
	Routes []Route
}

// Route is how a partner's payable balance in one currency is paid, when
// it differs from the partner's default method, details and currency.
type Route struct {
	Balance  accrue.Currency   // the currency of the payable balance this route pays
	Method   Method            // the method; must be configured
	Details  map[string]string // the payment details the method requires
	Currency accrue.Currency   // the currency paid in; zero: Balance
}

// route returns the method, details and payment currency for a balance in
// cur: the partner's route for cur, else its defaults. The payment
// currency is zero when it is the balance's own.
func (p Partner) route(cur accrue.Currency) (Method, map[string]string, accrue.Currency, error) {
	var found *Route
	for i := range p.Routes {
		r := &p.Routes[i]
		if r.Balance.IsZero() {
			return "", nil, accrue.Currency{}, fmt.Errorf("%w: route %d names no balance currency", ErrInvalidInput, i)
		}
		if r.Balance != cur {
			continue
		}
		if found != nil {
			return "", nil, accrue.Currency{}, fmt.Errorf("%w: two routes for %s balances", ErrInvalidInput, cur.Code())
		}
		found = r
	}
	if found == nil {
		return p.Method, p.Details, p.Currency, nil
	}
	return found.Method, found.Details, found.Currency, nil
}

// Directory gives the builder partners by id. It must be safe for
// concurrent use, return every field as stored (Routes included) and
// return an error wrapping ErrUnknownPartner for an id it does not know.
// payouttest.RunDirectoryConformance checks a host's.
type Directory interface {
	Partner(ctx context.Context, id string) (Partner, error)
}

// PartnerMap is an in-memory Directory.
type PartnerMap map[string]Partner

// Partner implements Directory.
func (m PartnerMap) Partner(ctx context.Context, id string) (Partner, error) {
	if err := ctx.Err(); err != nil {
		return Partner{}, err
	}
	p, ok := m[id]
	if !ok {
		return Partner{}, fmt.Errorf("%w: %s", ErrUnknownPartner, id)
	}
	return p, nil
}
