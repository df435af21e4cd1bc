package main

import (
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/rules"
)

// marchEvents are last month's events, as the host recorded them: the
// review replays them under both versions. In a real program they come from
// the host's event store (or attribution's credits), in time order.
func marchEvents() []rules.Event {
	day := func(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC) }
	sale := func(id string, d int, partner, product, amount string) rules.Event {
		return rules.Event{ID: id, Kind: rules.KindSale, Time: day(d), Partner: rules.Partner{ID: partner},
			Product: product, Amount: accrue.MustParseMoney(amount), Units: 1}
	}
	return []rules.Event{
		sale("ana-1", 2, "p-ana", "x-100", "3000.00 USD"),
		sale("bo-1", 3, "p-bo", "x-100", "4000.00 USD"),
		sale("cy-1", 5, "p-cy", "x-100", "1800.00 USD"),
		sale("dee-1", 6, "p-dee", "x-200", "400.00 USD"),
		sale("ana-2", 11, "p-ana", "x-100", "2500.00 USD"),
		sale("bo-2", 14, "p-bo", "x-100", "1500.00 USD"),
		sale("dee-2", 18, "p-dee", "x-200", "650.00 USD"),
		sale("ana-3", 24, "p-ana", "x-100", "4000.00 USD"),
		{ID: "bo-2-refund", Kind: rules.KindRefund, Time: day(27), Partner: rules.Partner{ID: "p-bo"},
			Reverses: "bo-2", Amount: accrue.MustParseMoney("500.00 USD")},
		sale("cy-2", 30, "p-cy", "x-100", "700.00 USD"),
	}
}
