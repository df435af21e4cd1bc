package payouttest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/payout"
)

// RunProviderConformance checks a payout.Provider against the contract
// documented on the interface. A host runs it against its own
// implementation in the provider's sandbox; newProvider makes a fresh
// provider per subtest. It checks that:
//   - the same key submitted twice pays once (the second call returns the
//     first outcome, same provider reference);
//   - Lookup finds a submitted item, and reports ErrNotFound for a key
//     never submitted (or ErrNotSupported when Capabilities says so);
//   - outcomes are documented ones (a failure carries a reason);
//   - capabilities are honest: MaxItems is at least 1 and a call with
//     MaxItems+1 items is refused with ErrTooManyItems, the dedup window is
//     positive, Reversal is declared exactly when the provider implements
//     payout.Reverser.
//
// Submitted items are 1.00 USD paid by PayPal to sandbox partners whose
// keys start with "conformance-".
func RunProviderConformance(t *testing.T, newProvider func(t *testing.T) payout.Provider) {
	t.Helper()
	ctx := context.Background()
	usd := accrue.MustCurrency("USD")
	item := func(n int) payout.SubmitItem {
		return payout.SubmitItem{
			Key:     fmt.Sprintf("conformance-%s-%d", t.Name(), n),
			Partner: fmt.Sprintf("partner-%d", n),
			Method:  payout.PayPal,
			Details: map[string]string{"email": fmt.Sprintf("p%d@example.com", n)},
			Amount:  accrue.FromMinorUnits(100, usd),
			Memo:    "conformance",
		}
	}
	submitOne := func(t *testing.T, p payout.Provider, it payout.SubmitItem) payout.Outcome {
		t.Helper()
		outs, err := p.Submit(ctx, []payout.SubmitItem{it})
		if err != nil {
			t.Fatalf("Submit: %v", err)
		}
		if len(outs) != 1 {
			t.Fatalf("Submit returned %d outcomes for 1 item", len(outs))
		}
		return outs[0]
	}

	t.Run("SameKeyPaysOnce", func(t *testing.T) {
		p := newProvider(t)
		it := item(1)
		first := submitOne(t, p, it)
		second := submitOne(t, p, it)
		if first.Ref != second.Ref {
			t.Errorf("second submission got reference %q, first %q: paid twice?", second.Ref, first.Ref)
		}
		if second.Status == payout.StatusUnknown || second.Status < first.Status && first.Status != payout.StatusUnknown {
			t.Errorf("second submission reports %s after %s", second.Status, first.Status)
		}
		if f, ok := p.(*Fake); ok && f.Paid(it.Key) > 1 {
			t.Errorf("fake paid key %s %d times", it.Key, f.Paid(it.Key))
		}
	})

	t.Run("LookupFindsSubmitted", func(t *testing.T) {
		p := newProvider(t)
		it := item(2)
		out := submitOne(t, p, it)
		got, err := p.Lookup(ctx, it.Key)
		if !p.Capabilities().Lookup {
			if !errors.Is(err, payout.ErrNotSupported) {
				t.Fatalf("Lookup without the capability: got %v, want ErrNotSupported", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Lookup(%s): %v", it.Key, err)
		}
		if got.Ref != out.Ref {
			t.Errorf("Lookup reference %q, Submit %q", got.Ref, out.Ref)
		}
		if _, err := p.Lookup(ctx, "conformance-never-submitted"); !errors.Is(err, payout.ErrNotFound) {
			t.Errorf("Lookup of an unknown key: got %v, want ErrNotFound", err)
		}
	})

	t.Run("OutcomesDocumented", func(t *testing.T) {
		p := newProvider(t)
		items := []payout.SubmitItem{item(3), item(4)}
		outs, err := p.Submit(ctx, items[:min(len(items), p.Capabilities().MaxItems)])
		if err != nil {
			t.Fatalf("Submit: %v", err)
		}
		for i, o := range outs {
			if !o.Status.Valid() {
				t.Errorf("item %d: undocumented status %d", i, o.Status)
			}
			if o.Status == payout.StatusFailed && o.Reason == "" {
				t.Errorf("item %d: failed without a reason", i)
			}
		}
	})

	t.Run("CapabilitiesHonest", func(t *testing.T) {
		p := newProvider(t)
		c := p.Capabilities()
		if c.MaxItems < 1 {
			t.Fatalf("MaxItems = %d, want >= 1", c.MaxItems)
		}
		if c.DedupWindow <= 0 {
			t.Errorf("DedupWindow = %v, want > 0", c.DedupWindow)
		}
		if c.RateLimit < 0 {
			t.Errorf("RateLimit = %v, want >= 0", c.RateLimit)
		}
		if c.MaxItems <= 10000 {
			items := make([]payout.SubmitItem, c.MaxItems+1)
			for i := range items {
				items[i] = item(100 + i)
			}
			if _, err := p.Submit(ctx, items); !errors.Is(err, payout.ErrTooManyItems) {
				t.Errorf("Submit of MaxItems+1 items: got %v, want ErrTooManyItems", err)
			}
		}
		r, ok := p.(payout.Reverser)
		if c.Reversal && !ok {
			t.Errorf("declares Reversal but does not implement payout.Reverser")
		}
		if ok && !c.Reversal {
			if _, err := r.Reverse(ctx, "conformance-none", "test"); !errors.Is(err, payout.ErrNotSupported) {
				t.Errorf("Reverse without the capability: got %v, want ErrNotSupported", err)
			}
		}
		if ok && c.Reversal {
			it := item(5)
			if out := submitOne(t, p, it); out.Status == payout.StatusPaid {
				got, err := r.Reverse(ctx, it.Key, "conformance")
				if err == nil && got.Status != payout.StatusReturned && got.Status != payout.StatusPaid && got.Status != payout.StatusUnknown {
					t.Errorf("Reverse returned %s", got.Status)
				}
			}
		}
	})
}
