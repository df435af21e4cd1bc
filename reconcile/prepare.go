package reconcile

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/reconcile/internal/radix"
)

// prepared is one side in canonical order with amounts as exact int64 minor
// units, dates as day numbers and currencies as indexes into the run's
// currency table. Position p refers to recs[order[p]].
type prepared struct {
	name  string
	recs  []Record
	order []int32 // canonical position → index in recs
	pos   []int32 // index in recs → canonical position
	units []int64
	day   []int32
	cur   []int32
	// Copies of record fields the passes read, laid out in canonical order
	// so that matching touches compact columns instead of records. The
	// counterparty is not copied: only the records the reference pass
	// leaves open read it (cpAt), and a column of string headers would
	// cost 16 bytes a record for the garbage collector to scan.
	status []string // nil when no record has one
	sec    []int64  // Date as Unix seconds and nanoseconds
	nsec   []int32
}

// cpAt is the counterparty of position p.
func (s *prepared) cpAt(p int32) string { return s.recs[s.order[p]].Counterparty }

// statusAt is the status of position p.
func (s *prepared) statusAt(p int32) string {
	if s.status == nil {
		return ""
	}
	return s.status[p]
}

// rec returns the record at canonical position p.
func (s *prepared) rec(p int32) *Record { return &s.recs[s.order[p]] }

// currencyTable assigns each currency of a run a dense index in code order.
type currencyTable struct {
	list []accrue.Currency
	idx  map[accrue.Currency]int32
}

// prepareSide converts side into its canonical form. Currency indexes are
// provisional (first-seen order in this side) and remapped by remap.
func prepareSide(side Side) (*prepared, []accrue.Currency, error) {
	n := len(side.Records)
	s := &prepared{
		name:  side.Name,
		recs:  side.Records,
		order: make([]int32, n),
		pos:   make([]int32, n),
		units: make([]int64, n),
		day:   make([]int32, n),
		cur:   make([]int32, n),
		sec:   make([]int64, n),
		nsec:  make([]int32, n),
	}
	var curs []accrue.Currency
	local := map[accrue.Currency]int32{}
	last, lastIdx := accrue.Currency{}, int32(-1)
	for i := range side.Records {
		r := &side.Records[i]
		c := r.Amount.Currency()
		if c.IsZero() {
			return nil, nil, &RecordError{Side: side.Name, Index: i, ID: r.ID, Err: fmt.Errorf("amount %s has no currency", r.Amount)}
		}
		if c != last || lastIdx < 0 {
			ci, ok := local[c]
			if !ok {
				ci = int32(len(curs))
				curs = append(curs, c)
				local[c] = ci
			}
			last, lastIdx = c, ci
		}
		u, err := minorUnits(r.Amount)
		if err != nil {
			return nil, nil, &RecordError{Side: side.Name, Index: i, ID: r.ID, Err: err}
		}
		if r.Date.IsZero() {
			return nil, nil, &RecordError{Side: side.Name, Index: i, ID: r.ID, Err: fmt.Errorf("no date")}
		}
		s.units[i], s.cur[i], s.day[i] = u, lastIdx, dayNumber(r.Date)
	}
	return s, curs, nil
}

// remap rewrites provisional currency indexes to the run's table and sorts
// the side into canonical order: currency, day, amount, id, then every other
// field, so that the order never depends on the input order.
func (s *prepared) remap(local []accrue.Currency, t *currencyTable) {
	m := make([]int32, len(local))
	for i, c := range local {
		m[i] = t.idx[c]
	}
	for i := range s.cur {
		s.cur[i] = m[s.cur[i]]
	}
	// Sort compact keys (currency and day, then amount) so that comparisons
	// rarely leave the slice; ties fall back to the records.
	type key struct {
		k1, k2 uint64
		i      int32
	}
	keys := make([]key, len(s.order))
	for i := range keys {
		keys[i] = key{uint64(s.cur[i])<<32 | uint64(uint32(s.day[i])^1<<31), uint64(s.units[i] + MaxUnits), int32(i)}
	}
	// Two stable radix sorts order by (k1, k2); records with equal keys
	// are then ordered by their other fields.
	buf := make([]key, len(keys))
	radix.Sort(keys, buf, func(k *key) uint64 { return k.k2 })
	radix.Sort(keys, buf, func(k *key) uint64 { return k.k1 })
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j].k1 == keys[i].k1 && keys[j].k2 == keys[i].k2 {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(keys[i:j], func(a, b key) int { return compareRecords(&s.recs[a.i], &s.recs[b.i]) })
		}
		i = j
	}
	// Lay the columns out in canonical order: the key columns from the
	// sorted keys, the others from the records.
	for p, k := range keys {
		i := k.i
		s.order[p], s.pos[i] = i, int32(p)
		s.cur[p], s.day[p], s.units[p] = int32(k.k1>>32), int32(uint32(k.k1)^1<<31), int64(k.k2)-MaxUnits
		rec := &s.recs[i]
		s.sec[p], s.nsec[p] = rec.Date.Unix(), int32(rec.Date.Nanosecond())
		if rec.Status != "" {
			if s.status == nil {
				s.status = make([]string, len(keys))
			}
			s.status[p] = rec.Status
		}
	}
}

// compareRecords orders two records of equal currency, day and amount by
// every remaining field.
func compareRecords(a, b *Record) int {
	if c := strings.Compare(a.ID, b.ID); c != 0 {
		return c
	}
	if c := a.Date.Compare(b.Date); c != 0 {
		return c
	}
	if c := slices.Compare(a.References, b.References); c != 0 {
		return c
	}
	if c := strings.Compare(a.Counterparty, b.Counterparty); c != 0 {
		return c
	}
	if c := strings.Compare(a.Status, b.Status); c != 0 {
		return c
	}
	if c := strings.Compare(a.Source, b.Source); c != 0 {
		return c
	}
	ka, kb := slices.Sorted(maps.Keys(a.Metadata)), slices.Sorted(maps.Keys(b.Metadata))
	if c := slices.Compare(ka, kb); c != 0 {
		return c
	}
	for _, k := range ka {
		if c := strings.Compare(a.Metadata[k], b.Metadata[k]); c != 0 {
			return c
		}
	}
	return strings.Compare(a.Amount.Amount().String(), b.Amount.Amount().String())
}

// newCurrencyTable merges the currencies of every side in code order.
func newCurrencyTable(locals [][]accrue.Currency) *currencyTable {
	t := &currencyTable{idx: map[accrue.Currency]int32{}}
	for _, l := range locals {
		for _, c := range l {
			if _, ok := t.idx[c]; !ok {
				t.idx[c] = 0
				t.list = append(t.list, c)
			}
		}
	}
	slices.SortFunc(t.list, func(a, b accrue.Currency) int {
		if c := strings.Compare(a.Code(), b.Code()); c != 0 {
			return c
		}
		if c := cmp.Compare(a.MinorUnits(), b.MinorUnits()); c != 0 {
			return c
		}
		return cmp.Compare(boolInt(a.IsCustom()), boolInt(b.IsCustom()))
	})
	for i, c := range t.list {
		t.idx[c] = int32(i)
	}
	return t
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// dayNumber is the calendar date of t, in t's location, as days since
// 1970-01-01.
func dayNumber(t time.Time) int32 {
	secs := t.Unix()
	if t.Location() != time.UTC {
		_, off := t.Zone()
		secs += int64(off)
	}
	d := secs / 86400
	if secs%86400 < 0 {
		d--
	}
	return int32(d)
}

// dayTime is the inverse of dayNumber, in UTC.
func dayTime(d int32) time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// minorUnits returns m as exact minor units within ±MaxUnits, without
// allocating for the common small amounts.
func minorUnits(m accrue.Money) (int64, error) {
	d := m.Amount()
	var u int64
	if d.NumDigits() <= 15 {
		c, e := d.CoefficientInt64(), int64(d.Exponent())+int64(m.Currency().MinorUnits())
		switch {
		case c == 0:
			return 0, nil
		case e >= 0 && e <= 15:
			u = c * pow10[e] // |c| < 10^15, so the product fits before the bound check
			if e > 0 && u/pow10[e] != c {
				return 0, fmt.Errorf("amount %s exceeds %d minor units", m, int64(MaxUnits))
			}
		case e < 0 && e >= -18 && c%pow10[-e] == 0:
			u = c / pow10[-e]
		case e < 0:
			return 0, fmt.Errorf("amount %s is finer than the minor unit of %s", m, m.Currency().Code())
		default:
			return 0, fmt.Errorf("amount %s exceeds %d minor units", m, int64(MaxUnits))
		}
	} else {
		v, err := m.MinorUnits()
		if err != nil {
			return 0, err
		}
		u = v
	}
	if u > MaxUnits || u < -MaxUnits {
		return 0, fmt.Errorf("amount %s exceeds %d minor units", m, int64(MaxUnits))
	}
	return u, nil
}
