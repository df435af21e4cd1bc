package attribution

import (
	"context"
	"iter"
	"runtime"
	"sync"
)

// Batch attributes convs and calls fn for each, in input order, with an
// Allocation that is valid only during the call. Conversions are attributed
// in chunks of Options.ChunkSize by Options.Workers goroutines, each chunk
// split into fixed contiguous ranges, so the results and the order of calls
// do not depend on the number of workers; fn runs for one chunk while the
// next is attributed. Buffers are reused: in steady state nothing is
// allocated per touch; per conversion, only the remainder tables inside
// accrue.AllocateUnits.
//
// A conversion that cannot be attributed (see Attribute) is passed to fn
// with Allocation.Err set. Batch stops at the first error from fn, from a
// journey lookup or from ctx, and returns it; no goroutine outlives the
// call.
func (a *Attributor) Batch(ctx context.Context, convs []Conversion, fn func(*Allocation) error) error {
	p := a.getPipeline(min(len(convs), a.chunk), false)
	defer a.putPipeline(p)
	for start := 0; start < len(convs); start += a.chunk {
		s := p.free()
		s.convs = convs[start:min(start+a.chunk, len(convs))]
		if err := p.submit(ctx, s, fn); err != nil {
			return err
		}
	}
	return p.finish(fn)
}

// Stream attributes the conversions of src as they come, holding at most
// two chunks (Options.ChunkSize conversions each) in memory — one being
// attributed while the next is read — and calls fn for each in input order
// as Batch does. An error from src stops the stream and is returned.
func (a *Attributor) Stream(ctx context.Context, src iter.Seq2[Conversion, error], fn func(*Allocation) error) error {
	p := a.getPipeline(a.chunk, true)
	defer a.putPipeline(p)
	s := p.free()
	for c, err := range src {
		if err != nil {
			p.abort()
			return err
		}
		s.own = append(s.own, c)
		if len(s.own) == a.chunk {
			s.convs = s.own
			if err := p.submit(ctx, s, fn); err != nil {
				return err
			}
			s = p.free()
		}
	}
	if len(s.own) > 0 {
		s.convs = s.own
		if err := p.submit(ctx, s, fn); err != nil {
			return err
		}
	}
	if err := p.finish(fn); err != nil {
		return err
	}
	return ctx.Err()
}

// pipeline attributes one chunk while the caller reads the next and fn
// sees the previous one. It has two slots; a slot is free once delivered.
type pipeline struct {
	a       *Attributor
	workers int
	slots   [2]slot
	next    int   // the slot free() hands out
	pending *slot // submitted, not yet delivered
}

// slot is one chunk: its conversions, their allocations, the workers'
// errors.
type slot struct {
	convs  []Conversion // the chunk
	own    []Conversion // Stream's buffer behind convs
	allocs []Allocation
	errs   []error
	wg     sync.WaitGroup
}

// getPipeline returns a pipeline for chunks of up to size conversions,
// reusing a full-size one from an earlier call when it can, so that
// repeated calls do not grow new buffers.
func (a *Attributor) getPipeline(size int, owned bool) *pipeline {
	if size == a.chunk {
		if p, ok := a.pipelines.Get().(*pipeline); ok && (p.slots[0].own != nil) == owned {
			return p
		}
	}
	return a.newPipeline(size, owned)
}

// putPipeline keeps a full-size pipeline for the next call.
func (a *Attributor) putPipeline(p *pipeline) {
	if len(p.slots[0].allocs) != a.chunk || p.pending != nil {
		return
	}
	for i := range p.slots {
		s := &p.slots[i]
		clear(s.own) // keep no reference to the caller's data
		s.own = s.own[:0]
		s.convs = nil
		for k := range s.allocs {
			al := &s.allocs[k]
			al.Conversion = nil
			clear(al.Journey[:cap(al.Journey)])
		}
	}
	p.next = 0
	a.pipelines.Put(p)
}

func (a *Attributor) newPipeline(size int, owned bool) *pipeline {
	w := a.workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	w = max(1, min(w, size))
	p := &pipeline{a: a, workers: w}
	for i := range p.slots {
		p.slots[i].allocs = make([]Allocation, size)
		p.slots[i].errs = make([]error, w)
		if owned {
			p.slots[i].own = make([]Conversion, 0, size)
		}
	}
	return p
}

// free returns the slot to fill next.
func (p *pipeline) free() *slot {
	s := &p.slots[p.next]
	p.next ^= 1
	clear(s.own) // drop references to the journeys of its last chunk
	s.own = s.own[:0]
	return s
}

// submit starts attributing s, then delivers the pending chunk to fn while
// s is being attributed.
func (p *pipeline) submit(ctx context.Context, s *slot, fn func(*Allocation) error) error {
	if err := ctx.Err(); err != nil {
		p.abort()
		return err
	}
	n := len(s.convs)
	w := max(1, min(p.workers, n))
	per := (n + w - 1) / w
	clear(s.errs)
	for k := range w {
		lo, hi := min(k*per, n), min((k+1)*per, n)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.errs[k] = p.part(ctx, s.convs[lo:hi], s.allocs[lo:hi])
		}()
	}
	prev := p.pending
	p.pending = s
	if prev == nil {
		return nil
	}
	if err := p.deliver(prev, fn); err != nil {
		p.abort()
		return err
	}
	return nil
}

// finish delivers the pending chunk.
func (p *pipeline) finish(fn func(*Allocation) error) error {
	if p.pending == nil {
		return nil
	}
	s := p.pending
	p.pending = nil
	return p.deliver(s, fn)
}

// abort waits for the pending chunk's workers, so that none outlives the
// call, and drops it.
func (p *pipeline) abort() {
	if p.pending != nil {
		p.pending.wg.Wait()
		p.pending = nil
	}
}

// deliver waits for s's workers and calls fn on its allocations in order.
func (p *pipeline) deliver(s *slot, fn func(*Allocation) error) error {
	s.wg.Wait()
	for _, err := range s.errs {
		if err != nil {
			return err
		}
	}
	for i := range s.convs {
		if err := fn(&s.allocs[i]); err != nil {
			return err
		}
		s.allocs[i].Conversion = nil
	}
	return nil
}

func (p *pipeline) part(ctx context.Context, convs []Conversion, allocs []Allocation) error {
	for i := range convs {
		if err := p.a.fill(ctx, &allocs[i], &convs[i]); err != nil {
			return err
		}
	}
	return nil
}
