package payouttest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/internal/racer"
	"github.com/accruehq/accrue/payout"
)

// RunDirectoryConformance checks a payout.Directory, the host's partner
// records; newDirectory returns a directory holding exactly partners. It
// checks that every field comes back as stored (routes, details, payment
// currency, hold, an exact withholding rate: a directory that drops a
// route pays the wrong method), that an unknown id gives an error wrapping
// payout.ErrUnknownPartner, that a done context fails the call, and that
// concurrent calls agree.
func RunDirectoryConformance(t *testing.T, newDirectory func(t *testing.T, partners []payout.Partner) payout.Directory) {
	t.Helper()
	usd, eur := accrue.MustCurrency("USD"), accrue.MustCurrency("EUR")
	pts, err := accrue.NewUnit("PTS", 0)
	if err != nil {
		t.Fatal(err)
	}
	partners := func() []payout.Partner {
		return []payout.Partner{
			{ID: "p-1", Method: payout.PayPal, Details: map[string]string{"email": "p1@example.com"}},
			{ID: "p-2", Method: payout.BankTransfer, Details: map[string]string{"iban": "DE89370400440532013000", "name": "Zwei GmbH"},
				Currency: eur, Withholding: decimal.RequireFromString("0.2425"),
				Routes: []payout.Route{
					{Balance: usd, Method: payout.PayPal, Details: map[string]string{"email": "us@zwei.example"}},
					{Balance: pts, Method: payout.LoyaltyPoints, Details: map[string]string{"member_id": "M-2"}, Currency: pts},
				}},
			{ID: "p-3", Method: payout.PayPal, Details: map[string]string{"email": "p3@example.com"}, Hold: "missing tax form"},
		}
	}
	opts := cmp.Options{cmp.Comparer(func(a, b accrue.Currency) bool { return a == b }), cmpopts.EquateEmpty()}
	check := func(d payout.Directory, p payout.Partner) error {
		got, err := d.Partner(context.Background(), p.ID)
		if err != nil {
			return fmt.Errorf("partner %s: %w", p.ID, err)
		}
		if diff := cmp.Diff(p, got, opts); diff != "" {
			return fmt.Errorf("partner %s (-stored +got):\n%s", p.ID, diff)
		}
		return nil
	}
	t.Run("Known", func(t *testing.T) {
		d := newDirectory(t, partners())
		for _, p := range partners() {
			if err := check(d, p); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("Unknown", func(t *testing.T) {
		d := newDirectory(t, partners())
		for _, id := range []string{"p-9", "", "P-1"} {
			if got, err := d.Partner(context.Background(), id); !errors.Is(err, payout.ErrUnknownPartner) {
				t.Fatalf("Partner %q: %+v, %v; want an error wrapping ErrUnknownPartner", id, got, err)
			}
		}
	})
	t.Run("Context", func(t *testing.T) {
		d := newDirectory(t, partners())
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if got, err := d.Partner(ctx, "p-1"); !errors.Is(err, context.Canceled) {
			t.Fatalf("Partner with a cancelled context: %+v, %v; want an error wrapping context.Canceled", got, err)
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		d := newDirectory(t, partners())
		all := partners()
		if err := racer.Run(8, 30, func(g, i int) error { return check(d, all[(g+i)%len(all)]) }); err != nil {
			t.Fatal(err)
		}
	})
}
