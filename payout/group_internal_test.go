package payout

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"pgregory.net/rapid"
)

// TestGroupMatchesSortedReference checks group against the plain
// definition: items ordered by (provider, method, currency, account), cut
// into batches of at most ItemLimit per group, whatever order the items
// arrive in and however many groups there are.
func TestGroupMatchesSortedReference(t *testing.T) {
	curs := []accrue.Currency{accrue.MustCurrency("USD"), accrue.MustCurrency("EUR")}
	rapid.Check(t, func(t *rapid.T) {
		limit := rapid.IntRange(1, 4).Draw(t, "limit")
		s := &Service{cfg: Config{ItemLimit: limit, Chart: Chart{PartnersPrefix: "liabilities:partners:"}}}
		n := rapid.IntRange(0, 20).Draw(t, "items")
		order := rapid.Permutation(seq(n)).Draw(t, "order")
		var pl plans
		type ref struct {
			k       groupKey
			account string
		}
		var want []ref
		for _, i := range order {
			k := groupKey{
				provider: rapid.SampledFrom([]string{"paypal", "wise"}).Draw(t, "provider"),
				method:   rapid.SampledFrom([]Method{PayPal, BankTransfer}).Draw(t, "method"),
				cur:      rapid.SampledFrom(curs).Draw(t, "cur"),
			}
			acct := fmt.Sprintf("liabilities:partners:p%02d:payable", i)
			pl.items = append(pl.items, Item{Partner: fmt.Sprintf("p%02d", i), Account: acct, Amount: accrue.FromMinorUnits(100, k.cur)})
			pl.keys = append(pl.keys, k)
			want = append(want, ref{k, acct})
		}
		slices.SortFunc(want, func(a, b ref) int { return cmp.Or(a.k.compare(b.k), strings.Compare(a.account, b.account)) })
		batches := s.group(BuildRequest{Run: "r", Period: "p", Creator: "m"}, pl, time.Unix(0, 0))
		var got []ref
		for _, b := range batches {
			if len(b.Items) == 0 || len(b.Items) > limit || b.Hash != b.ContentHash() {
				t.Fatalf("batch %s: %d items, hash ok %v", b.ID, len(b.Items), b.Hash == b.ContentHash())
			}
			for _, it := range b.Items {
				got = append(got, ref{groupKey{b.Provider, b.Method, b.Currency}, it.Account})
				if it.Reservation != "payout:reserve:"+it.ID || it.Key != ItemKey(it.Partner, "p", it.Reservation) {
					t.Fatalf("item %s: reservation %s key %s", it.ID, it.Reservation, it.Key)
				}
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("grouped %v, want %v", got, want)
		}
	})
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
