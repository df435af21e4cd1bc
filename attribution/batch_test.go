package attribution_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/attribution"
)

func TestBatchErrors(t *testing.T) {
	ctx := context.Background()
	convs := []attribution.Conversion{conversion("1.00 USD", three()), conversion("1.00 USD", three())}
	convs[1].ID = "c2"
	convs[1].Amount = accrue.MustParseMoney("1.001 USD")
	a, _ := attribution.New(attribution.Options{Model: attribution.Linear(), ChunkSize: 1, Workers: 2})

	var errs []error
	if err := a.Batch(ctx, convs, func(al *attribution.Allocation) error { errs = append(errs, al.Err); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(errs) != 2 || errs[0] != nil || !errors.Is(errs[1], attribution.ErrInvalidConversion) {
		t.Errorf("per-conversion errors %v", errs)
	}

	stop := errors.New("stop")
	if err := a.Batch(ctx, convs, func(*attribution.Allocation) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("callback error: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := a.Batch(cancelled, convs, func(*attribution.Allocation) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled batch: %v", err)
	}
	bad := errors.New("source broke")
	src := func(yield func(attribution.Conversion, error) bool) {
		if yield(convs[0], nil) {
			yield(attribution.Conversion{}, bad)
		}
	}
	if err := a.Stream(ctx, src, func(*attribution.Allocation) error { return nil }); !errors.Is(err, bad) {
		t.Errorf("source error: %v", err)
	}

	lookup, _ := attribution.New(attribution.Options{Model: attribution.Linear(), Journeys: attribution.JourneyFunc(
		func(ctx context.Context, customer string, before time.Time) ([]attribution.Touchpoint, error) {
			return nil, errors.New("store down")
		})})
	if err := lookup.Batch(ctx, []attribution.Conversion{conversion("1.00 USD", nil)}, func(*attribution.Allocation) error { return nil }); !errors.Is(err, attribution.ErrInvalidConversion) {
		t.Errorf("lookup error: %v", err)
	}
}

// TestFittedByPartner fits Shapley on partner journeys and attributes with
// it: a partner absent from the fit weighs nothing.
func TestFittedByPartner(t *testing.T) {
	p := attribution.NewPaths(attribution.ByPartner)
	for _, j := range []struct {
		ts        []attribution.Touchpoint
		converted bool
	}{
		{three(), true},
		{three()[:1], true},
		{three()[1:], false},
	} {
		if err := p.AddJourney(j.ts, j.converted); err != nil {
			t.Fatal(err)
		}
	}
	s, err := attribution.FitShapley(p)
	if err != nil {
		t.Fatal(err)
	}
	// alice: 1 + 1/3, bob: 1/3, carol: 1/3.
	for name, want := range map[string]float64{"alice": 4.0 / 3, "bob": 1.0 / 3, "carol": 1.0 / 3, "zed": 0} {
		if got := s.Value(name); !near(got, want) {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	ts := append(three(), touch("t4", "zed", "affiliate", attribution.KindClick, 0))
	if got, want := credits(attribute(t, s, attribution.Eligibility{}, conversion("6.00 USD", ts))), "t1=4.00(4/6) t2=1.00(1/6) t3=1.00(1/6)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	only := []attribution.Touchpoint{touch("z", "zed", "affiliate", attribution.KindClick, 0)}
	if r := attribute(t, s, attribution.Eligibility{}, conversion("6.00 USD", only)); r.NoCredit != attribution.ReasonModelGaveNothing {
		t.Errorf("unknown partner: %+v", r)
	}
}

// TestConcurrentBatches: one Attributor serves concurrent Batch and Stream
// calls (their reused pipelines are not shared) with identical results.
func TestConcurrentBatches(t *testing.T) {
	var convs []attribution.Conversion
	for i := range 50 {
		c := conversion(fmt.Sprintf("%d.%02d USD", i, i), three())
		c.ID = fmt.Sprint("c", i)
		convs = append(convs, c)
	}
	a, _ := attribution.New(attribution.Options{Model: attribution.TimeDecay(0), ChunkSize: 8, Workers: 3})
	run := func(stream bool) []string {
		var out []string
		collect := func(al *attribution.Allocation) error {
			out = append(out, credits(al.Result()))
			return nil
		}
		var err error
		if stream {
			err = a.Stream(context.Background(), seqOf(convs), collect)
		} else {
			err = a.Batch(context.Background(), convs, collect)
		}
		if err != nil {
			t.Error(err)
		}
		return out
	}
	want := run(false)
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if got := run(g%2 == 0); !slices.Equal(got, want) {
					t.Errorf("goroutine %d: results differ", g)
				}
			}
		}()
	}
	wg.Wait()
}
