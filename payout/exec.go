package payout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/accruehq/accrue/ledger"
)

// Executor pays approved batches through one provider, exactly once. It
// keeps no state of its own: every call rebuilds the items' states from the
// ledger, so an Executor can be dropped at any point (a crash) and a new
// one resumes. It is safe for concurrent use: competing moves of an item
// are decided by the ledger (of a post and a void of the same pending
// transaction exactly one wins).
type Executor struct {
	svc   *Service
	name  string
	p     Provider
	caps  Capabilities
	sleep func(context.Context, time.Duration) error
}

// ExecutorOption configures an Executor.
type ExecutorOption func(*Executor)

// WithSleep gives the Executor a way to wait, so it spaces provider calls
// to the provider's RateLimit. Without it calls are not spaced.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) ExecutorOption {
	return func(e *Executor) { e.sleep = sleep }
}

// Executor returns an executor for the batches whose Provider is name.
func (s *Service) Executor(name string, p Provider, opts ...ExecutorOption) (*Executor, error) {
	if name == "" || p == nil {
		return nil, errorf(ErrInvalidInput, "executor needs a provider name and a Provider")
	}
	e := &Executor{svc: s, name: name, p: p, caps: p.Capabilities()}
	if e.caps.MaxItems < 1 {
		return nil, errorf(ErrInvalidInput, "provider %s declares MaxItems %d", name, e.caps.MaxItems)
	}
	for _, o := range opts {
		o(e)
	}
	return e, nil
}

// Report is what one Execute call leaves behind.
type Report struct {
	Batch                                       string
	Reserved, Submitted, Paid, Failed, Returned int // items per state after the call
	// Exceptions are items whose outcome is still unknown after the
	// provider's dedup window: they are never resubmitted; a person
	// resolves them (Resolve) after checking with the provider.
	Exceptions []Exception
}

// Exception is an item a person must look at.
type Exception struct {
	Item, Key, Partner string
	SubmittedAt        time.Time
	Reason             string
}

// Execute moves every item of an approved batch as far as it can: items
// never submitted get a submission record in the ledger and are then
// submitted (record first, then call); submitted items with no known
// outcome are looked up before anything is resubmitted; known outcomes are
// posted. An item whose outcome is still unknown once its first submission
// is older than the provider's DedupWindow goes to Report.Exceptions and
// is never resubmitted.
//
// It refuses a batch that is not approved (*ApprovalError) or whose
// content no longer matches its hash or its reservations
// (ErrBatchChanged), writing nothing. Any other error leaves the batch
// where it was: call Execute again (with this or a new Executor).
func (e *Executor) Execute(ctx context.Context, batchID string) (Report, error) {
	b, err := e.svc.CheckApproved(ctx, batchID)
	if err != nil {
		return Report{}, err
	}
	if b.Provider != e.name {
		return Report{}, fmt.Errorf("%w: batch %s is for %s, executor for %s", ErrWrongProvider, b.ID, b.Provider, e.name)
	}
	states, err := e.svc.itemStates(ctx, b.ID)
	if err != nil {
		return Report{}, err
	}
	if err := e.svc.checkReservations(&b, states); err != nil {
		return Report{}, err
	}
	now := e.svc.cfg.Clock.Now()
	var submit []*Item
	var exceptions []Exception
	for i := range b.Items {
		it := &b.Items[i]
		st := states[it.ID]
		switch st.State {
		case StatePaid, StateFailed, StateReturned:
			if err := e.svc.finish(ctx, st); err != nil {
				return Report{}, err
			}
		case StateReserved:
			tx, err := e.svc.l.Hold(ctx, e.svc.submission(&b, it, st))
			if err != nil {
				return Report{}, fmt.Errorf("payout: record submission of %s: %w", it.ID, err)
			}
			st.submit, st.submitSt, st.State, st.SubmittedAt = tx, ledger.PendingOpen, StateSubmitted, tx.RecordedAt
			submit = append(submit, it)
		case StateSubmitted:
			resubmit, exc, err := e.resolve(ctx, st, now)
			if err != nil {
				return Report{}, err
			}
			if resubmit {
				submit = append(submit, it)
			}
			if exc != nil {
				exceptions = append(exceptions, *exc)
			}
		}
	}
	more, err := e.submit(ctx, &b, submit, states)
	if err != nil {
		return Report{}, err
	}
	exceptions = append(exceptions, more...)
	if states, err = e.svc.itemStates(ctx, b.ID); err != nil {
		return Report{}, err
	}
	r := Report{Batch: b.ID, Exceptions: exceptions}
	for _, st := range states {
		switch st.State {
		case StateReserved:
			r.Reserved++
		case StateSubmitted:
			r.Submitted++
		case StatePaid:
			r.Paid++
		case StateFailed:
			r.Failed++
		case StateReturned:
			r.Returned++
		}
	}
	return r, nil
}

// checkReservations refuses a batch whose items do not match their ledger
// reservations.
func (s *Service) checkReservations(b *Batch, states map[string]*ItemStatus) error {
	for i := range b.Items {
		it := &b.Items[i]
		st := states[it.ID]
		if st == nil || st.reserve.ID == "" || st.reserve.Key != it.Reservation || st.Key != it.Key {
			return fmt.Errorf("%w: item %s has no matching reservation", ErrBatchChanged, it.ID)
		}
		p := st.reserve.Postings[0]
		if p.Account != it.Account || !p.Amount.Equal(it.Gross) {
			return fmt.Errorf("%w: item %s reserves %s on %s, document says %s on %s", ErrBatchChanged, it.ID, p.Amount, p.Account, it.Gross, it.Account)
		}
	}
	if len(states) != len(b.Items) {
		return fmt.Errorf("%w: batch %s has %d items, the ledger %d", ErrBatchChanged, b.ID, len(b.Items), len(states))
	}
	return nil
}

// submission is the record written before an item is handed to the
// provider: a pending clearing → cash transaction whose recorded time
// starts the dedup window.
func (s *Service) submission(b *Batch, it *Item, st *ItemStatus) ledger.TxInput {
	cur := it.Net.Currency()
	return ledger.TxInput{
		Key: "payout:submit:" + it.ID,
		Postings: []ledger.Posting{
			{Account: s.cfg.Chart.CashAccount(cur), Side: ledger.Credit, Amount: it.Net},
			{Account: s.cfg.Chart.ClearingAccount(b.Provider, cur), Side: ledger.Debit, Amount: it.Net},
		},
		Metadata: s.itemMeta(b, it, StepSubmit),
	}
}

// resolve decides what to do with a submitted item whose outcome is open:
// look it up, resubmit it within the dedup window, or report it.
func (e *Executor) resolve(ctx context.Context, st *ItemStatus, now time.Time) (resubmit bool, exc *Exception, err error) {
	within := now.Sub(st.SubmittedAt) < e.caps.DedupWindow
	if e.caps.Lookup {
		e.pace(ctx)
		out, lerr := e.p.Lookup(ctx, st.Key)
		switch {
		case lerr == nil:
			if out.Status == StatusPending || out.Status == StatusUnknown && within {
				return false, nil, nil
			}
			if out.Status != StatusUnknown {
				exc, err := e.contradiction(st, out, e.applyErr(ctx, st, out))
				return false, exc, err
			}
		case errors.Is(lerr, ErrNotFound) && within:
			return true, nil, nil
		case within:
			return false, nil, nil // cannot tell now; try again later
		}
	} else if within {
		return true, nil, nil // the provider deduplicates the key: it returns the first outcome
	}
	return false, &Exception{Item: st.Item, Key: st.Key, Partner: st.Partner, SubmittedAt: st.SubmittedAt,
		Reason: "outcome unknown after the provider's dedup window"}, nil
}

// submit hands items to the provider in calls of at most MaxItems and
// posts the outcomes it learns.
func (e *Executor) submit(ctx context.Context, b *Batch, items []*Item, states map[string]*ItemStatus) ([]Exception, error) {
	var exc []Exception
	for chunk := range slices.Chunk(items, e.caps.MaxItems) {
		in := make([]SubmitItem, len(chunk))
		for i, it := range chunk {
			in[i] = SubmitItem{Key: it.Key, Partner: it.Partner, Method: b.Method, Details: cloneMap(it.Details), Amount: it.Amount, Memo: b.Period + " " + b.ID}
		}
		e.pace(ctx)
		outs, err := e.p.Submit(ctx, in)
		if err != nil || len(outs) != len(in) {
			continue // outcome unknown: the next Execute looks the items up
		}
		for i, it := range chunk {
			if outs[i].Status == StatusUnknown || outs[i].Status == StatusPending {
				continue
			}
			st := states[it.ID]
			x, err := e.contradiction(st, outs[i], e.applyErr(ctx, st, outs[i]))
			if err != nil {
				return exc, err
			}
			if x != nil {
				exc = append(exc, *x)
			}
		}
	}
	return exc, nil
}

// applyErr applies an outcome, keeping only the error.
func (e *Executor) applyErr(ctx context.Context, st *ItemStatus, out Outcome) error {
	_, err := e.svc.apply(ctx, st, out)
	return err
}

// contradiction turns an outcome the ledger contradicts (the provider says
// paid, the ledger has the item failed) into an exception for a person;
// other errors are returned.
func (e *Executor) contradiction(st *ItemStatus, out Outcome, err error) (*Exception, error) {
	if !errors.Is(err, ErrIllegalTransition) {
		return nil, err
	}
	return &Exception{Item: st.Item, Key: st.Key, Partner: st.Partner, SubmittedAt: st.SubmittedAt,
		Reason: fmt.Sprintf("provider says %s, ledger has %s", out.Status, st.State)}, nil
}

func (e *Executor) pace(ctx context.Context) {
	if e.sleep != nil && e.caps.RateLimit > 0 {
		_ = e.sleep(ctx, time.Duration(float64(time.Second)/e.caps.RateLimit))
	}
}
