package reconcile

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/accruehq/accrue"
)

// Queue receives breaks for people to resolve. The host implements it on its
// own storage (a ticket system, a table); MemoryQueue is the in-memory one.
// reconciletest.RunQueueConformance checks an implementation against this
// contract.
//
// Implementations must be safe for concurrent use: of concurrent Raises of
// one id exactly one creates it, and of concurrent different Resolves of one
// break exactly one succeeds. They must honour ctx: with ctx done a call
// returns an error wrapping ctx.Err() and changes nothing.
//
// Break ids are opaque strings: a hash, and a generation suffix (".2",
// ".3", …) on a break raised again after Run closed it (see MatchedLater).
// An entry keeps, as first raised, the break's ID, Reason, LeftSide,
// RightSide, LeftIDs, RightIDs, LeftTotal, RightTotal, Difference and Date
// (Left, Right, Age and Candidates describe one run and need not be kept),
// and its resolution as recorded (Resolution.Equal). Values passed in and
// returned are copies: neither side's later changes reach the other.
type Queue interface {
	// Raise stores b, open (a Resolution on b is ignored), unless a break
	// with b.ID is already stored, and returns the stored entry and whether
	// it was created by this call. Raising the same id again must not
	// change the stored entry or its resolution: that is what makes re-runs
	// idempotent.
	Raise(ctx context.Context, b Break) (Entry, bool, error)
	// Resolve records a resolution of the break id. It returns
	// ErrUnknownBreak for an id never raised, ErrAlreadyResolved when the
	// break holds a different resolution (repeating an Equal one succeeds)
	// and ErrInvalidResolution for a resolution Validate refuses.
	Resolve(ctx context.Context, id string, r Resolution) error
	// Get returns the entry for id and whether it exists.
	Get(ctx context.Context, id string) (Entry, bool, error)
}

// Entry is a break as the queue holds it.
type Entry struct {
	Break      Break
	Resolution *Resolution // nil while open
}

// ResolutionKind is what a person decided about a break.
type ResolutionKind uint8

// The resolution kinds.
const (
	// AcceptDifference accepts the records as matched with their difference.
	AcceptDifference ResolutionKind = iota + 1
	// Adjust records that an adjustment of Amount was booked elsewhere.
	Adjust
	// WriteOff writes Amount off.
	WriteOff
	// ManualMatch marks the records matched by hand, with MatchedIDs naming
	// the counterpart records.
	ManualMatch
	// MatchedLater is recorded by Run itself: a later run matched every
	// record of the break (the bank line arrived a day later). By is
	// Config.By, At is Config.AsOf (or the run's AsOf), MatchedIDs names
	// the counterpart records and Note the rules that matched them. Should
	// a later run raise the break again, it is raised open under the next
	// generation of its id.
	MatchedLater
	// Superseded is recorded by Run itself: a later run holds the break's
	// records in breaks of its own (a missing payment's bank line arrived
	// with another amount: the amount break replaces the missing one), each
	// record either there or matched. By and At as for MatchedLater; Note
	// names the breaks that replace it, MatchedIDs the counterparts of any
	// matched records. Should a later run raise the break again, it is
	// raised open under the next generation of its id.
	Superseded
)

var resolutionNames = [...]string{"", "accept_difference", "adjust", "write_off", "manual_match", "matched_later", "superseded"}

// String returns the kind's code ("accept_difference", …).
func (k ResolutionKind) String() string {
	if k != 0 && int(k) < len(resolutionNames) {
		return resolutionNames[k]
	}
	return "ResolutionKind(?)"
}

// Resolution is a decision about a break, recorded with who and when.
type Resolution struct {
	Kind ResolutionKind
	// By names the person or process; At is when (passed in, never read
	// from the wall clock by this package).
	By string
	At time.Time
	// Amount is the adjustment or write-off (zero Money otherwise).
	Amount accrue.Money
	// MatchedIDs names the counterpart records of a ManualMatch.
	MatchedIDs []string
	// Note is free text.
	Note string
}

// Validate reports whether r can be recorded: it names a known kind, an
// author and a time. The error wraps ErrInvalidResolution and says what is
// missing. A Queue implementation calls it before recording r.
func (r Resolution) Validate() error {
	switch {
	case r.Kind < AcceptDifference || r.Kind > Superseded:
		return fmt.Errorf("%w: unknown kind %d", ErrInvalidResolution, uint8(r.Kind))
	case r.By == "":
		return fmt.Errorf("%w: no author (By)", ErrInvalidResolution)
	case r.At.IsZero():
		return fmt.Errorf("%w: no time (At)", ErrInvalidResolution)
	}
	return nil
}

// Equal reports whether r and o record the same decision: same kind,
// author, note and matched ids, and equal time and amount (time.Time.Equal,
// accrue.Money.Equal). A Queue treats resolving a break again with an Equal
// resolution as a repeat that succeeds.
func (r Resolution) Equal(o Resolution) bool {
	return r.Kind == o.Kind && r.By == o.By && r.At.Equal(o.At) && r.Amount.Equal(o.Amount) &&
		slices.Equal(r.MatchedIDs, o.MatchedIDs) && r.Note == o.Note
}

// OpenLister is an optional interface a Queue implements so that Run can
// close the breaks a later run accounts for (see MatchedLater and
// Superseded), as database/sql looks for optional driver interfaces. Run
// finds it by type assertion.
//
// Without it, Run looks the candidates up by id with Get: for every matched
// record, and every record held by one of the run's breaks, the
// single-record breaks it could have raised (missing, duplicate) and, for a
// one-to-one match, the pair breaks of its two records (amount, date,
// status) — several Gets per record, so a large host queue should
// implement OpenLister. A break of other records (a group, a pair whose
// records were later matched or broken apart) then stays open for the
// host to close.
type OpenLister interface {
	// OpenBreaks returns the unresolved entries raised for the leg between
	// the named sides, in any order.
	OpenBreaks(ctx context.Context, leftSide, rightSide string) ([]Entry, error)
}
