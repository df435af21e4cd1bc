package attribution

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"slices"

	"github.com/accruehq/accrue/attribution/internal/linsolve"
)

// MarkovOptions configure FitMarkov.
type MarkovOptions struct {
	// Order is the chain's memory: a state is the last Order names of the
	// path. ≤ 0 means 1.
	Order int
	// MaxStates bounds the number of transient states (the exact solve is
	// cubic in it, once per name); ≤ 0 means 2000. A larger chain is
	// refused with ErrTooLarge.
	MaxStates int
}

// Markov is a fitted Markov-chain removal-effect model. It is immutable and
// safe for concurrent use; as a Model it credits each touch with its name's
// attributed conversions shared equally among that name's touches in the
// journey.
type Markov struct {
	key         Key
	order       int
	names       []string
	removal     []float64
	conversions []float64
	pconv       float64
	total       uint64
	name        string
	byName      map[string]float64
}

// FitMarkov fits the data-driven Markov-chain model of Anderl, Becker, von
// Wangenheim and Schumann, "Mapping the customer journey: Lessons learned
// from graph-based online attribution modeling", International Journal of
// Research in Marketing 33(3), 2016, on the aggregated journeys p.
//
// Definition. Each journey is the walk start → s₁ → … → s_L → conv (or
// null), where sᵢ is the tuple of the last Order names up to position i.
// Transition probabilities are the observed transition counts divided by
// the state's outgoing count (maximum likelihood). The conversion
// probability P is the probability of absorption in conv from start,
// solved exactly as the linear system (I − Q)x = r of the absorbing chain
// (Q: transient-to-transient probabilities, r: probabilities into conv) by
// Gaussian elimination — no simulation. The removal effect of a name c is
// RE(c) = 1 − P₋c/P, where P₋c is P in the chain where every state
// containing c leads to null. Each name's attributed conversions are
// total conversions × RE(c)/Σ RE, so they sum to the total conversions.
//
// It returns ErrNoData if p has no conversion and ErrTooLarge beyond
// MaxStates.
func FitMarkov(p *Paths, opts MarkovOptions) (*Markov, error) {
	if p.Conversions() == 0 {
		return nil, fmt.Errorf("%w: markov: no conversions among %d paths", ErrNoData, p.Len())
	}
	order := max(opts.Order, 1)
	maxStates := opts.MaxStates
	if maxStates <= 0 {
		maxStates = 2000
	}
	c := p.canonical()
	ch, err := buildChain(&c, order, maxStates)
	if err != nil {
		return nil, err
	}
	full, err := ch.solve(-1)
	if err != nil {
		return nil, err
	}
	m := &Markov{key: p.key, order: order, names: c.names, pconv: full, total: c.total,
		removal: make([]float64, len(c.names)), conversions: make([]float64, len(c.names))}
	var sum float64
	for i := range c.names {
		pr, err := ch.solve(int32(i))
		if err != nil {
			return nil, err
		}
		re := 1 - pr/full
		re = min(max(re, 0), 1)
		m.removal[i] = re
		sum += re
	}
	for i, re := range m.removal {
		if sum > 0 {
			m.conversions[i] = float64(c.total) * (re / sum)
		}
	}
	m.byName = make(map[string]float64, len(m.names))
	for i, n := range m.names {
		m.byName[n] = m.conversions[i]
	}
	m.name = fmt.Sprintf("markov(order=%d,key=%s,fit=%s)", order, p.key, fitHash(m.names, m.conversions))
	return m, nil
}

// chain is the transition structure of an order-k chain over canonical
// paths. State 0 is start; the others are tuples of names.
type chain struct {
	states [][]int32           // the names of each state (nil for start)
	trans  map[[2]int32]uint64 // (from, to) → count
	conv   []uint64            // per state: transitions into conv
	out    []uint64            // per state: all outgoing transitions
}

func buildChain(c *canonical, order, maxStates int) (*chain, error) {
	var buf []byte
	keyOf := func(seq []int32) []byte {
		buf = buf[:0]
		for _, v := range seq {
			buf = binary.BigEndian.AppendUint32(buf, uint32(v))
		}
		return buf
	}
	// Collect the states in canonical order: sorted by name tuple.
	set := map[string][]int32{}
	for _, p := range c.paths {
		for i := range p.seq {
			s := p.seq[max(0, i+1-order) : i+1]
			if _, ok := set[string(keyOf(s))]; !ok {
				set[string(buf)] = s
				if len(set)+1 > maxStates {
					return nil, fmt.Errorf("%w: markov: more than %d states", ErrTooLarge, maxStates)
				}
			}
		}
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	ch := &chain{states: make([][]int32, 1, len(keys)+1), trans: map[[2]int32]uint64{}}
	idx := make(map[string]int32, len(keys))
	for _, k := range keys {
		idx[k] = int32(len(ch.states))
		ch.states = append(ch.states, set[k])
	}
	ch.conv = make([]uint64, len(ch.states))
	ch.out = make([]uint64, len(ch.states))
	for _, p := range c.paths {
		w := p.conv + p.null
		from := int32(0)
		for i := range p.seq {
			to := idx[string(keyOf(p.seq[max(0, i+1-order):i+1]))]
			ch.trans[[2]int32{from, to}] += w
			ch.out[from] += w
			from = to
		}
		ch.conv[from] += p.conv
		ch.out[from] += w
	}
	return ch, nil
}

// solve returns the probability of conversion from start, with the states
// containing name removed (leading to null); removed < 0 removes nothing.
func (ch *chain) solve(removed int32) (float64, error) {
	keep := make([]int, len(ch.states)) // state → row, -1 if removed
	n := 0
	for s, names := range ch.states {
		if removed >= 0 && slices.Contains(names, removed) {
			keep[s] = -1
			continue
		}
		keep[s] = n
		n++
	}
	a := make([]float64, n*n)
	b := make([]float64, n)
	for s := range ch.states {
		if r := keep[s]; r >= 0 {
			a[r*n+r] = 1
			if ch.out[s] > 0 {
				b[r] = float64(ch.conv[s]) / float64(ch.out[s])
			}
		}
	}
	// Add transitions in a fixed order (sorted pairs) so the floats are
	// the same for any map iteration order.
	pairs := make([][2]int32, 0, len(ch.trans))
	for k := range ch.trans {
		pairs = append(pairs, k)
	}
	slices.SortFunc(pairs, func(x, y [2]int32) int {
		if x[0] != y[0] {
			return int(x[0] - y[0])
		}
		return int(x[1] - y[1])
	})
	for _, pr := range pairs {
		from, to := keep[pr[0]], keep[pr[1]]
		if from < 0 || to < 0 {
			continue
		}
		a[from*n+to] -= float64(ch.trans[pr]) / float64(ch.out[pr[0]])
	}
	if err := linsolve.Solve(a, b, n); err != nil {
		return 0, fmt.Errorf("attribution: markov: %w", err)
	}
	return b[0], nil
}

// Name returns the lineage string: order, key and a hash of the fitted
// values, e.g. "markov(order=1,key=channel,fit=9c1e…)".
func (m *Markov) Name() string { return m.name }

// Names returns the names (channels or partners) of the fit, sorted.
func (m *Markov) Names() []string { return slices.Clone(m.names) }

// ConversionProbability returns P, the probability of conversion from start
// in the full chain.
func (m *Markov) ConversionProbability() float64 { return m.pconv }

// RemovalEffect returns RE(name), 0 for a name not in the fit.
func (m *Markov) RemovalEffect(name string) float64 {
	if i, ok := slices.BinarySearch(m.names, name); ok {
		return m.removal[i]
	}
	return 0
}

// Conversions returns the conversions attributed to name, 0 for a name not
// in the fit. Over all names they sum to the total conversions (up to float
// rounding).
func (m *Markov) Conversions(name string) float64 { return m.byName[name] }

// Weigh implements Model: a touch weighs its name's attributed conversions
// divided by the number of touches with that name in the journey. Names not
// in the fit weigh 0; a journey of such names gets no credit.
func (m *Markov) Weigh(j *Journey, dst []uint64) error {
	return weighByValue(j, dst, m.key, m.byName)
}

// weighByValue is the Weigh of the fitted models.
func weighByValue(j *Journey, dst []uint64, key Key, value map[string]float64) error {
	w := j.scratch(len(dst))
	for i := range j.Touches {
		k := key.of(j.Touches[i])
		n := 0
		for t := range j.Touches {
			if key.of(j.Touches[t]) == k {
				n++
			}
		}
		w[i] = value[k] / float64(n)
	}
	return fixedPoint(dst, w)
}

// fitHash identifies fitted values in lineage: FNV-1a over names and the
// bits of their values.
func fitHash(names []string, values []float64) string {
	h := fnv.New64a()
	var b [8]byte
	for i, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
		binary.BigEndian.PutUint64(b[:], math.Float64bits(values[i]))
		h.Write(b[:])
	}
	return fmt.Sprintf("%016x", h.Sum64())
}
