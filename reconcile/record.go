package reconcile

import (
	"time"

	"github.com/accruehq/accrue"
)

// Record is one line on one side of a reconciliation: a payout item, a line
// of a provider's settlement report, a bank statement line, a sales order or
// a commission line. The engine reads it and never modifies it.
type Record struct {
	// ID identifies the record within its side (a payout item id, a bank
	// transaction id, "file.csv:12"). Break ids are derived from it, so it
	// should be stable across runs.
	ID string
	// Source names where the record came from (a file, a system). It is
	// carried for people and exports; sides are given by Side, not Source.
	Source string
	// References are the keys the other side may quote (invoice number,
	// payout item id, end-to-end id). Two records sharing any reference in
	// the same currency are matched by a RuleReference rule.
	References []string
	// Amount is the signed amount in whole minor units of its currency.
	Amount accrue.Money
	// Date is the calendar date of the record (booking, value or event
	// date), read in its own location.
	Date time.Time
	// Counterparty names the partner, payee or payer; the tolerance and
	// subset rules only pair records with equal counterparties unless told
	// otherwise.
	Counterparty string
	// Status is an optional state ("paid", "returned"); when both records of
	// a reference pair carry a status and they differ, the pair is a
	// ReasonStatus break instead of a match.
	Status string
	// Metadata carries anything else (a partner tier, an event time); the
	// engine reads only the keys it is told about.
	Metadata map[string]string
}

// Side is one side of a reconciliation: a name (stable across runs, used in
// break ids and exports) and its records. Sides are matched pairwise in the
// order given: the first against the second, the second against the third.
// The first side is the internal one (what was owed or paid).
type Side struct {
	Name    string
	Records []Record
}
