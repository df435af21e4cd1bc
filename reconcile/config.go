package reconcile

import (
	"fmt"
	"time"
)

// MaxUnits bounds the absolute amount of a record in minor units (2^53, about
// 90 trillion dollars), so that sums of matched groups are exact in int64.
const MaxUnits = 1 << 53

// Config configures a Reconciler. The zero value is not usable: Rules is
// required (DefaultRules is a start).
type Config struct {
	// Rules run in order; each sees only the records earlier rules left open.
	Rules []Rule
	// WriteOffUnits is the rounding residual, in minor units, that any rule
	// tolerates and that is written off automatically: a match whose
	// difference is non-zero and at most WriteOffUnits is marked WrittenOff.
	WriteOffUnits int64
	// AsOf is the time ages are measured at. Zero means the latest record
	// date of the run, so that a run's output depends on its input only.
	AsOf time.Time
	// AgedAfterDays marks an unmatched item as aged when its age exceeds it
	// (Report.Aged). 0 means 30.
	AgedAfterDays int
	// Candidates is how many suggested candidates a missing-record break
	// carries. 0 means 3; negative means none.
	Candidates int
	// Queue, when set, receives every break of a run (Queue.Raise). A break
	// the queue holds as resolved is reported with its resolution, is not
	// raised again and is not carried forward. An open break of an earlier
	// run whose records this run matches is closed as MatchedLater; one
	// whose records this run's breaks hold (the rest matched), as
	// Superseded.
	Queue Queue
	// By names the reconciler in the resolutions Run records itself
	// (MatchedLater, Superseded). "" means "reconcile".
	By string
}

// Reconciler matches sides of records by its Config. It holds no state
// between runs and is safe for concurrent use when its Queue is.
type Reconciler struct {
	cfg Config
}

// New checks cfg and returns a Reconciler. It returns ErrInvalidConfig when a
// rule is malformed, rule names repeat or the write-off is negative.
func New(cfg Config) (*Reconciler, error) {
	if len(cfg.Rules) == 0 {
		return nil, fmt.Errorf("%w: no rules", ErrInvalidConfig)
	}
	if cfg.WriteOffUnits < 0 || cfg.WriteOffUnits > MaxUnits {
		return nil, fmt.Errorf("%w: write-off %d units outside 0..%d", ErrInvalidConfig, cfg.WriteOffUnits, int64(MaxUnits))
	}
	if cfg.AgedAfterDays < 0 {
		return nil, fmt.Errorf("%w: aged after %d days", ErrInvalidConfig, cfg.AgedAfterDays)
	}
	if cfg.AgedAfterDays == 0 {
		cfg.AgedAfterDays = 30
	}
	if cfg.Candidates == 0 {
		cfg.Candidates = 3
	}
	if cfg.Candidates > 20 {
		cfg.Candidates = 20
	}
	rules := make([]Rule, len(cfg.Rules))
	seen := make(map[string]bool, len(rules))
	for i, r := range cfg.Rules {
		r, err := r.check()
		if err != nil {
			return nil, err
		}
		if seen[r.Name] {
			return nil, fmt.Errorf("%w: rule name %q repeated", ErrInvalidConfig, r.Name)
		}
		seen[r.Name] = true
		rules[i] = r
	}
	cfg.Rules = rules
	if cfg.By == "" {
		cfg.By = "reconcile"
	}
	return &Reconciler{cfg: cfg}, nil
}
