package rules

import (
	"github.com/accruehq/accrue"
)

// bandAt returns the index of the band containing v: the last band whose
// start is at or below v.
func bandAt(bands []band, v int64) int {
	i := 0
	for j := 1; j < len(bands) && bands[j].from <= v; j++ {
		i = j
	}
	return i
}

// tierAmount computes a tiered outcome for an event of units (minor units)
// given the rule's period totals before it. It returns the event's amount,
// the true-up (retroactive tiers crossing a band) and false on overflow.
//
//   - graduated, decelerator: by amount, each part of the event between
//     band boundaries at its band's rate (each part rounded); by count, the
//     event at the band of its position in the period.
//   - retroactive: the event at the band reached after it; when that is
//     above the band before it, the true-up lifts the earlier volume of the
//     period from the old rate to the new one.
//   - highest: the event at the band reached after it, no true-up.
//   - step: the event at the band reached before it (a new band applies
//     going forward only).
func tierAmount(r *compiledRule, before Totals, units int64, mode accrue.RoundingMode, tr *RuleTrace) (amount, trueUp int64, ok bool) {
	v0, v1 := before.Volume, before.Volume+units
	if r.tierByCount {
		v0, v1 = before.Count, before.Count+1
	}
	if v1 < v0 {
		return 0, 0, false
	}
	if tr != nil {
		tr.Outcome = tierOutcome[r.tierMode]
		if r.tierByCount {
			tr.Outcome += " by count"
		}
		tr.Base, tr.Before = units, before
	}
	b0, b1 := bandAt(r.bands, v0), bandAt(r.bands, v1)
	mode3 := r.tierMode
	if r.tierByCount && (mode3 == tierGraduated || mode3 == tierDecelerator) {
		mode3 = tierHighest
	}
	switch mode3 {
	case tierGraduated, tierDecelerator:
		for i := b0; i <= b1; i++ {
			lo, hi := max(v0, r.bands[i].from), v1
			if i+1 < len(r.bands) {
				hi = min(hi, r.bands[i+1].from)
			}
			if hi <= lo {
				continue
			}
			a, ok := mulRound(hi-lo, r.bands[i].rate, mode)
			if !ok {
				return 0, 0, false
			}
			if amount, ok = addUnits(amount, a); !ok {
				return 0, 0, false
			}
			if tr != nil {
				tr.Bands = append(tr.Bands, BandTrace{From: r.bands[i].from, Rate: r.bands[i].rate.text, Base: hi - lo, Amount: a})
			}
		}
		return amount, 0, true
	case tierStep:
		b1 = b0
	}
	amount, ok = mulRound(units, r.bands[b1].rate, mode)
	if !ok {
		return 0, 0, false
	}
	if tr != nil {
		tr.Bands = append(tr.Bands, BandTrace{From: r.bands[b1].from, Rate: r.bands[b1].rate.text, Base: units, Amount: amount})
	}
	if mode3 == tierRetroactive && b1 > b0 && before.Volume > 0 {
		hiAmt, ok1 := mulRound(before.Volume, r.bands[b1].rate, mode)
		loAmt, ok2 := mulRound(before.Volume, r.bands[b0].rate, mode)
		if !ok1 || !ok2 {
			return 0, 0, false
		}
		trueUp = max(hiAmt-loAmt, 0)
	}
	return amount, trueUp, true
}

var tierOutcome = [...]string{"", "tiers:graduated", "tiers:retroactive", "tiers:highest", "tiers:step", "tiers:decelerator"}
