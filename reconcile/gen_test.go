package reconcile

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/accruehq/accrue"
)

// genSet is a generated reconciliation with its ground truth.
type genSet struct {
	internal, external []Record
	// truthI and truthE give each record's true group: records matched
	// together correctly share a group.
	truthI, truthE []int32
	// expect maps "i:<id>" or "e:<id>" to the reason its break must carry.
	expect map[string]Reason
}

// genConfig shapes a generated set. Fractions are per mille of internal
// records.
type genConfig struct {
	n    int
	seed uint64
	// extraKinds adds amount, currency, date and status discrepancies (one
	// per mille each) to the mix the benchmark specifies.
	extraKinds bool
}

var genBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// generate builds n internal records and their external counterparts: 90%
// exact references; the rest without a shared reference and perturbed by
// ±1 minor unit or ±2 days; 2% in one-to-many or many-to-one splits; 1%
// duplicated external lines; 1% missing (half on each side).
func generate(cfg genConfig) *genSet {
	rng := rand.New(rand.NewPCG(cfg.seed, 0x5eed))
	usd, eur := accrue.MustCurrency("USD"), accrue.MustCurrency("EUR")
	partners := max(cfg.n/20, 10)
	g := &genSet{
		internal: make([]Record, 0, cfg.n),
		external: make([]Record, 0, cfg.n+cfg.n/50),
		truthI:   make([]int32, 0, cfg.n),
		truthE:   make([]int32, 0, cfg.n+cfg.n/50),
		expect:   map[string]Reason{},
	}
	refs := make([]string, 0, 2*cfg.n+cfg.n/10)
	ref := func(s string) []string {
		refs = append(refs, s)
		return refs[len(refs)-1 : len(refs) : len(refs)]
	}
	nE := 0
	addI := func(id string, rf []string, units int64, day int, cp string, group int32) {
		g.internal = append(g.internal, Record{ID: id, References: rf, Amount: accrue.FromMinorUnits(units, usd), Date: genBase.AddDate(0, 0, day), Counterparty: cp})
		g.truthI = append(g.truthI, group)
	}
	addE := func(rf []string, units int64, day int, cp string, group int32) *Record {
		nE++
		g.external = append(g.external, Record{ID: fmt.Sprintf("E%08d", nE), References: rf, Amount: accrue.FromMinorUnits(units, usd), Date: genBase.AddDate(0, 0, day), Counterparty: cp})
		g.truthE = append(g.truthE, group)
		return &g.external[len(g.external)-1]
	}
	for i := 0; i < cfg.n; {
		group := int32(i)
		id := fmt.Sprintf("I%08d", i)
		cp := fmt.Sprintf("P%06d", rng.IntN(partners))
		units := 100 + rng.Int64N(1_000_000)
		day := rng.IntN(90)
		k := rng.IntN(1000)
		switch {
		case k < 10: // one bank line pays 2-4 items of one partner
			parts := 2 + rng.IntN(3)
			if i+parts > cfg.n {
				parts = cfg.n - i
			}
			var sum int64
			for j := 0; j < parts; j++ {
				u := 100 + rng.Int64N(1_000_000)
				sum += u
				addI(fmt.Sprintf("I%08d", i+j), nil, u, day+rng.IntN(2), cp, group)
			}
			addE(nil, sum, day+2, cp, group)
			i += parts
			continue
		case k < 20: // 2-3 payments settle one item
			addI(id, nil, units, day, cp, group)
			parts := 2 + rng.IntN(2)
			rest := units
			for j := 0; j < parts; j++ {
				u := rest / int64(parts-j)
				if j < parts-1 {
					u = rest/int64(parts-j) + rng.Int64N(max(rest/int64(parts-j)/2, 1))
				}
				if j == parts-1 {
					u = rest
				}
				rest -= u
				addE(nil, u, day+1+rng.IntN(3), cp, group)
			}
		case k < 30: // duplicated bank line
			rf := ref(fmt.Sprintf("R%08d", i))
			addI(id, rf, units, day, cp, group)
			addE(rf, units, day+1, cp, group)
			dup := addE(rf, units, day+1, cp, group)
			g.expect["e:"+dup.ID] = ReasonDuplicate
		case k < 35: // missing external
			addI(id, ref(fmt.Sprintf("R%08d", i)), units, day, cp, group)
			g.expect["i:"+id] = ReasonMissingExternal
		case k < 40: // missing internal
			e := addE(ref(fmt.Sprintf("X%08d", i)), units, day, cp, -group-1)
			g.expect["e:"+e.ID] = ReasonMissingInternal
			addI(id, ref(fmt.Sprintf("R%08d", i)), units, day, cp, group)
			addE(ref(fmt.Sprintf("R%08d", i)), units, day, cp, group)
		case k < 100: // no shared reference; ±1 minor unit or ±2 days
			addI(id, ref(fmt.Sprintf("R%08d", i)), units, day, cp, group)
			du, dd := int64(0), 0
			if rng.IntN(2) == 0 {
				du = int64(2*rng.IntN(2) - 1)
			} else {
				dd = 2*rng.IntN(2) - 1
				dd *= 1 + rng.IntN(2)
			}
			addE(ref(fmt.Sprintf("B%08d", i)), units+du, day+dd, cp, group)
		case cfg.extraKinds && k < 104:
			rf := ref(fmt.Sprintf("R%08d", i))
			addI(id, rf, units, day, cp, group)
			var e *Record
			var reason Reason
			switch k {
			case 100:
				e, reason = addE(rf, units+5000, day, cp, group), ReasonAmount
			case 101:
				e, reason = addE(rf, units, day, cp, group), ReasonCurrency
				e.Amount = accrue.FromMinorUnits(units, eur)
			case 102:
				e, reason = addE(rf, units, day+40, cp, group), ReasonDate
			default:
				e, reason = addE(rf, units, day, cp, group), ReasonStatus
				e.Status = "returned"
				g.internal[len(g.internal)-1].Status = "paid"
			}
			g.expect["i:"+id], g.expect["e:"+e.ID] = reason, reason
		default: // exact reference
			rf := ref(fmt.Sprintf("R%08d", i))
			addI(id, rf, units, day, cp, group)
			addE(rf, units, day+rng.IntN(3), cp, group)
		}
		i++
	}
	// External files arrive in their own order.
	perm := rng.Perm(len(g.external))
	ext, tru := make([]Record, len(perm)), make([]int32, len(perm))
	for i, j := range perm {
		ext[i], tru[i] = g.external[j], g.truthE[j]
	}
	g.external, g.truthE = ext, tru
	return g
}

// benchConfig is the configuration the generated sets are reconciled with.
func benchConfig() Config {
	return Config{Rules: DefaultRules(), WriteOffUnits: 1}
}
