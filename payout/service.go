package payout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/shopspring/decimal"
)

// Config configures a Service. Zero fields take the documented defaults.
type Config struct {
	// Clock stamps batches and approvals and dates rates when a run has no
	// cut-off. Default: the wall clock.
	Clock accrue.Clock
	// Partners gives method, details, hold and withholding per partner.
	// Required.
	Partners Directory
	// Rates converts a payable balance to a partner's payout currency.
	// Needed only when some partner is paid in another currency.
	Rates accrue.RateSource
	// Methods are the payout methods accepted; nil: DefaultMethods().
	Methods map[Method]MethodSpec
	// Thresholds are the minimum gross payout per currency (at most one per
	// currency); a balance below it is carried forward.
	Thresholds []accrue.Money
	// Negative says what a negative payable balance does (default
	// NegativeNet).
	Negative NegativePolicy
	// ItemLimit splits batches at this many items (default 1,000); set it
	// at or below the provider's Capabilities().MaxItems.
	ItemLimit int
	// Rounding rounds fees and withholding (default accrue.HalfEven).
	Rounding accrue.RoundingMode
	// FXRounding rounds converted amounts (default accrue.Down: a partner
	// never receives more than the converted value).
	FXRounding accrue.RoundingMode
	// Approval is the approval policy (default: one approver, not the
	// creator).
	Approval ApprovalPolicy
	// Chart names the ledger accounts payout uses (default DefaultChart()).
	Chart Chart
}

// NegativePolicy says how a run treats a negative payable balance (a
// clawback after an earlier payout).
type NegativePolicy uint8

// Negative balance policies. A payable account's balance is already net of
// clawbacks in its currency, so new earnings always net against a debt in
// the same currency; the policies differ for the partner's other
// currencies.
const (
	// NegativeNet carries the negative balance forward in its currency and
	// pays the partner's other currencies normally.
	NegativeNet NegativePolicy = iota
	// NegativeCarry pays the partner nothing while any of their balances is
	// negative: every balance of theirs is carried forward.
	NegativeCarry
)

// Chart names the ledger accounts payout posts to. Ledger accounts have one
// currency each, so the program-side accounts get a currency suffix
// (lower-case code): assets:clearing:paypal:usd.
type Chart struct {
	// PartnersPrefix + <partner id> + ":" + Payable (+ ":" + anything, for a
	// partner's balances in further currencies) are payable accounts.
	PartnersPrefix string // default "liabilities:partners:"
	Payable        string // default "payable"
	ClearingPrefix string // default "assets:clearing:" (+ provider + ":" + currency)
	Withholding    string // default "liabilities:tax:withholding"
	Fees           string // default "income:payout-fees"
	Cash           string // default "assets:cash"
}

// DefaultChart returns the chart of accounts of ARCHITECTURE.md.
func DefaultChart() Chart {
	return Chart{
		PartnersPrefix: "liabilities:partners:",
		Payable:        "payable",
		ClearingPrefix: "assets:clearing:",
		Withholding:    "liabilities:tax:withholding",
		Fees:           "income:payout-fees",
		Cash:           "assets:cash",
	}
}

func suffix(c accrue.Currency) string { return ":" + strings.ToLower(c.Code()) }

// ClearingAccount names the clearing account of a provider in a currency.
func (c Chart) ClearingAccount(provider string, cur accrue.Currency) string {
	return c.ClearingPrefix + provider + suffix(cur)
}

// WithholdingAccount names the withholding account of a currency.
func (c Chart) WithholdingAccount(cur accrue.Currency) string { return c.Withholding + suffix(cur) }

// FeesAccount names the fee income account of a currency.
func (c Chart) FeesAccount(cur accrue.Currency) string { return c.Fees + suffix(cur) }

// CashAccount names the cash account of a currency.
func (c Chart) CashAccount(cur accrue.Currency) string { return c.Cash + suffix(cur) }

// PayableAccount names a partner's payable account (the one without a
// further suffix).
func (c Chart) PayableAccount(partner string) string {
	return c.PartnersPrefix + partner + ":" + c.Payable
}

// partnerOf returns the partner id of a payable account name, or false.
func (c Chart) partnerOf(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, c.PartnersPrefix)
	if !ok {
		return "", false
	}
	id, tail, ok := strings.Cut(rest, ":")
	if !ok || id == "" {
		return "", false
	}
	if tail == c.Payable || strings.HasPrefix(tail, c.Payable+":") {
		return id, true
	}
	return "", false
}

// Service builds, approves and records payouts over a ledger. It is safe
// for concurrent use; Executors (one per provider) do the paying.
type Service struct {
	l     *ledger.Ledger
	store Store
	cfg   Config
}

// New returns a Service over l, keeping documents in store.
func New(l *ledger.Ledger, store Store, cfg Config) (*Service, error) {
	if l == nil || store == nil {
		return nil, errorf(ErrInvalidInput, "nil ledger or store")
	}
	if cfg.Partners == nil {
		return nil, errorf(ErrInvalidInput, "Config.Partners is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = accrue.ClockFunc(time.Now)
	}
	if cfg.Methods == nil {
		cfg.Methods = DefaultMethods()
	}
	if cfg.ItemLimit == 0 {
		cfg.ItemLimit = 1000
	}
	if cfg.ItemLimit < 0 {
		return nil, errorf(ErrInvalidInput, "ItemLimit %d < 0", cfg.ItemLimit)
	}
	if cfg.Rounding == 0 {
		cfg.Rounding = accrue.HalfEven
	}
	if cfg.FXRounding == 0 {
		cfg.FXRounding = accrue.Down
	}
	if cfg.Chart == (Chart{}) {
		cfg.Chart = DefaultChart()
	}
	seen := map[accrue.Currency]bool{}
	for _, t := range cfg.Thresholds {
		if seen[t.Currency()] {
			return nil, errorf(ErrInvalidInput, "two thresholds for %s", t.Currency())
		}
		seen[t.Currency()] = true
	}
	for m, spec := range cfg.Methods {
		seen := map[accrue.Currency]bool{}
		for _, f := range spec.Fee.Fixed {
			if seen[f.Currency()] || f.IsNegative() || !f.IsRounded() {
				return nil, errorf(ErrInvalidInput, "method %s: bad fixed fee %s", m, f)
			}
			seen[f.Currency()] = true
		}
		if spec.Fee.Rate.Sign() < 0 {
			return nil, errorf(ErrInvalidInput, "method %s: negative fee rate", m)
		}
	}
	return &Service{l: l, store: store, cfg: cfg}, nil
}

// Ledger returns the ledger the service posts to.
func (s *Service) Ledger() *ledger.Ledger { return s.l }

// Store returns the document store.
func (s *Service) Store() Store { return s.store }

// Chart returns the chart of accounts in use.
func (s *Service) Chart() Chart { return s.cfg.Chart }

// ensureAccounts creates the program-side accounts payout posts to.
// Accounts the host already made are accepted if the currency matches.
func (s *Service) ensureAccounts(ctx context.Context, accts []ledger.Account) error {
	if len(accts) == 0 {
		return nil
	}
	err := s.l.CreateAccounts(ctx, accts)
	if err == nil || !errors.Is(err, ledger.ErrAccountExists) {
		if err != nil {
			return fmt.Errorf("payout: create accounts: %w", err)
		}
		return nil
	}
	for _, a := range accts {
		got, err := s.l.Account(ctx, a.Name)
		if errors.Is(err, ledger.ErrUnknownAccount) {
			if err := s.l.CreateAccount(ctx, a); err != nil {
				return fmt.Errorf("payout: create account %s: %w", a.Name, err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("payout: account %s: %w", a.Name, err)
		}
		if got.Currency != a.Currency {
			return fmt.Errorf("payout: account %s is in %s, need %s: %w", a.Name, got.Currency, a.Currency, ledger.ErrCurrencyMismatch)
		}
	}
	return nil
}

// programAccounts returns the accounts a provider's items in cur touch.
func (c Chart) programAccounts(provider string, cur accrue.Currency) []ledger.Account {
	return []ledger.Account{
		{Name: c.ClearingAccount(provider, cur), Type: ledger.Asset, Currency: cur},
		{Name: c.WithholdingAccount(cur), Type: ledger.Liability, Currency: cur},
		{Name: c.FeesAccount(cur), Type: ledger.Income, Currency: cur},
		{Name: c.CashAccount(cur), Type: ledger.Asset, Currency: cur},
	}
}

var one = decimal.NewFromInt(1)
