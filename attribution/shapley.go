package attribution

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// MaxExactPlayers is the largest game ShapleyValues solves exactly, by
// enumerating all 2ⁿ coalitions; beyond it the values are estimated by
// seeded Monte Carlo permutation sampling.
const MaxExactPlayers = 20

// Shapley is a fitted Shapley-value model of the journey game. It is
// immutable and safe for concurrent use; as a Model it credits each touch
// with its name's Shapley value shared equally among that name's touches
// in the journey.
type Shapley struct {
	key    Key
	names  []string
	values []float64
	name   string
	byName map[string]float64
}

// FitShapley computes the Shapley values (Shapley, "A Value for n-person
// Games", Contributions to the Theory of Games II, 1953) of the journey game
// over the names (channels or partners) of p, exactly, for any number of
// names.
//
// Definition. The players are the names; the value of a coalition S is the
// number of conversions of the journeys whose set of names is a subset of
// S: v(S) = Σ_{T⊆S} conv(T). For this game the Shapley value reduces
// exactly to φ_j = Σ_{T∋j} conv(T)/|T| — each converting journey's credit is
// shared equally among the distinct names it touched — as shown by Zhao,
// Mahboobi and Bagheri, "Shapley Value Methods for Attribution Modeling in
// Online Advertising", arXiv:1804.05327, 2018 (the "simplified Shapley
// value"). The values sum to the total conversions. Non-converting journeys
// do not enter this game.
//
// The sums are kept exactly as integers per set size and divided in a
// fixed order, so the result does not depend on the order of journeys. Use
// ShapleyValues for any other characteristic function.
func FitShapley(p *Paths) (*Shapley, error) {
	if p.Conversions() == 0 {
		return nil, fmt.Errorf("%w: shapley: no conversions among %d paths", ErrNoData, p.Len())
	}
	c := p.canonical()
	// bySize[j][k-1] = Σ conv(T) over sets T ∋ j with |T| = k.
	bySize := make([][]uint64, len(c.names))
	set := make([]int32, 0, 8)
	for _, path := range c.paths {
		if path.conv == 0 {
			continue
		}
		set = append(set[:0], path.seq...)
		slices.Sort(set)
		set = slices.Compact(set)
		k := len(set)
		for _, j := range set {
			if len(bySize[j]) < k {
				bySize[j] = append(bySize[j], make([]uint64, k-len(bySize[j]))...)
			}
			s, carry := bits.Add64(bySize[j][k-1], path.conv, 0)
			if carry != 0 {
				return nil, fmt.Errorf("%w: shapley: conversions beyond 64 bits", ErrTooLarge)
			}
			bySize[j][k-1] = s
		}
	}
	s := &Shapley{key: p.key, names: c.names, values: make([]float64, len(c.names)), byName: make(map[string]float64, len(c.names))}
	for j, sums := range bySize {
		var phi float64
		for k, v := range sums {
			phi += float64(v) / float64(k+1)
		}
		s.values[j] = phi
		s.byName[c.names[j]] = phi
	}
	s.name = fmt.Sprintf("shapley(game=journey,key=%s,fit=%s)", p.key, fitHash(s.names, s.values))
	return s, nil
}

// Name returns the lineage string, e.g.
// "shapley(game=journey,key=channel,fit=…)".
func (s *Shapley) Name() string { return s.name }

// Names returns the names of the fit, sorted.
func (s *Shapley) Names() []string { return slices.Clone(s.names) }

// Value returns the Shapley value (attributed conversions) of name, 0 for a
// name not in the fit.
func (s *Shapley) Value(name string) float64 { return s.byName[name] }

// Weigh implements Model: a touch weighs its name's Shapley value divided
// by the number of touches with that name in the journey.
func (s *Shapley) Weigh(j *Journey, dst []uint64) error {
	return weighByValue(j, dst, s.key, s.byName)
}

// Coalition is a set of players, passed to a characteristic function. It
// is reused between calls: read it, do not keep it.
type Coalition struct {
	words []uint64
}

// Has reports whether player i is in the coalition.
func (c *Coalition) Has(i int) bool {
	w := i / 64
	return i >= 0 && w < len(c.words) && c.words[w]&(1<<(uint(i)%64)) != 0
}

// Len returns the number of players in the coalition.
func (c *Coalition) Len() int {
	n := 0
	for _, w := range c.words {
		n += bits.OnesCount64(w)
	}
	return n
}

// Mask returns the coalition as a bit mask of players 0..63 (player i is
// bit i), for games of up to 64 players.
func (c *Coalition) Mask() uint64 {
	if len(c.words) == 0 {
		return 0
	}
	return c.words[0]
}

func (c *Coalition) add(i int) { c.words[i/64] |= 1 << (uint(i) % 64) }
func (c *Coalition) reset(n int) {
	c.words = slices.Grow(c.words[:0], (n+63)/64)[:(n+63)/64]
	clear(c.words)
}

// GameOptions configure ShapleyValues beyond MaxExactPlayers.
type GameOptions struct {
	// Samples is the number of random player orders sampled; ≤ 0 means
	// 2000. The error of each value shrinks as 1/√Samples.
	Samples int
	// Seed seeds the sampler (PCG): the same seed gives the same values.
	Seed uint64
}

// ShapleyValues returns the Shapley values of the game with the given
// number of players and characteristic function v, and whether they are
// exact.
//
// Definition (Shapley 1953): φ_j = Σ_{S ⊆ N∖{j}} |S|!(n−|S|−1)!/n! ·
// (v(S∪{j}) − v(S)). Up to MaxExactPlayers players it is computed exactly
// by evaluating v once per coalition (2ⁿ calls) and summing in a fixed order
// of bit masks. Beyond, it is estimated as the mean marginal contribution
// over opts.Samples uniformly random orders of the players (Castro, Gómez
// and Tejada, "Polynomial calculation of the Shapley value based on
// sampling", Computers & Operations Research 36(5), 2009), drawn from a
// PCG generator seeded with opts.Seed; the estimates still sum exactly to
// v(N) − v(∅) up to float rounding, since each order does.
//
// v must be deterministic and must not keep its argument. It returns
// ErrNoData for players < 1 and ErrInvalidWeight if v returns NaN or Inf.
func ShapleyValues(players int, v func(*Coalition) float64, opts GameOptions) ([]float64, bool, error) {
	if players < 1 {
		return nil, false, fmt.Errorf("%w: shapley: %d players", ErrNoData, players)
	}
	if players <= MaxExactPlayers {
		phi, err := shapleyExact(players, v)
		return phi, true, err
	}
	phi, err := shapleySampled(players, v, opts)
	return phi, false, err
}

func shapleyExact(n int, v func(*Coalition) float64) ([]float64, error) {
	size := 1 << n
	val := make([]float64, size)
	var c Coalition
	for mask := range size {
		c.reset(n)
		c.words[0] = uint64(mask)
		x := v(&c)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%w: shapley: v(%b) = %v", ErrInvalidWeight, mask, x)
		}
		val[mask] = x
	}
	// w[s] = s!(n−s−1)!/n! = 1/(n·C(n−1, s)).
	w := make([]float64, n)
	binom := 1.0
	for s := range n {
		w[s] = 1 / (float64(n) * binom)
		binom = binom * float64(n-1-s) / float64(s+1)
	}
	phi := make([]float64, n)
	for j := range n {
		bit := 1 << j
		var sum float64
		for mask := range size {
			if mask&bit == 0 {
				sum += w[bits.OnesCount(uint(mask))] * (val[mask|bit] - val[mask])
			}
		}
		phi[j] = sum
	}
	return phi, nil
}

func shapleySampled(n int, v func(*Coalition) float64, opts GameOptions) ([]float64, error) {
	samples := opts.Samples
	if samples <= 0 {
		samples = 2000
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x5348_4150_4c45_5900)) // "SHAPLEY"
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	sum := make([]float64, n)
	var c Coalition
	for range samples {
		rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		c.reset(n)
		prev := v(&c)
		for _, p := range perm {
			c.add(p)
			x := v(&c)
			if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(prev) || math.IsInf(prev, 0) {
				return nil, fmt.Errorf("%w: shapley: characteristic function returned %v", ErrInvalidWeight, x)
			}
			sum[p] += x - prev
			prev = x
		}
	}
	for i := range sum {
		sum[i] /= float64(samples)
	}
	return sum, nil
}

// JourneyGame returns the journey game of p for ShapleyValues: the players
// are the names (sorted; player i is names[i]) and v(S) is the number of
// conversions of the journeys whose set of names is a subset of S — the
// game FitShapley solves in closed form. Use it to check FitShapley, or to
// build a variant of the game. Up to MaxExactPlayers names, v is a table
// lookup (2ⁿ values, built by a subset-sum transform); beyond, each call
// scans the distinct converting name sets. v is safe for concurrent use.
func (p *Paths) JourneyGame() (names []string, v func(*Coalition) float64) {
	c := p.canonical()
	n := len(c.names)
	sets := map[string]uint64{} // set of names (as a bit set) → conversions
	words := (n + 63) / 64
	for _, path := range c.paths {
		if path.conv == 0 {
			continue
		}
		set := make([]byte, 8*words)
		for _, id := range path.seq {
			set[id/8] |= 1 << (id % 8)
		}
		sets[string(set)] += path.conv
	}
	if n <= MaxExactPlayers {
		table := make([]float64, 1<<n)
		for k, conv := range sets {
			var mask uint64
			for i := 0; i < len(k) && i < 8; i++ {
				mask |= uint64(k[i]) << (8 * i)
			}
			table[mask] += float64(conv)
		}
		for j := range n { // v(S) = Σ_{T⊆S} conv(T), one dimension at a time
			bit := 1 << j
			for m := range table {
				if m&bit != 0 {
					table[m] += table[m&^bit]
				}
			}
		}
		return c.names, func(s *Coalition) float64 { return table[s.Mask()&(1<<n-1)] }
	}
	type entry struct {
		words []uint64
		conv  float64
	}
	keys := make([]string, 0, len(sets))
	for k := range sets {
		keys = append(keys, k)
	}
	slices.Sort(keys) // a fixed order of float additions
	entries := make([]entry, len(keys))
	for i, k := range keys {
		e := entry{words: make([]uint64, words), conv: float64(sets[k])}
		for b := 0; b < len(k); b++ {
			e.words[b/8] |= uint64(k[b]) << (8 * (b % 8))
		}
		entries[i] = e
	}
	return c.names, func(s *Coalition) float64 {
		total := 0.0
		for _, e := range entries {
			subset := true
			for w, bits := range e.words {
				var have uint64
				if w < len(s.words) {
					have = s.words[w]
				}
				if bits&^have != 0 {
					subset = false
					break
				}
			}
			if subset {
				total += e.conv
			}
		}
		return total
	}
}
