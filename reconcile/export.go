package reconcile

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// itemsHeader is the header row WriteCSV writes.
var itemsHeader = []string{"leg", "side", "record_id", "currency", "amount", "date", "outcome", "rule", "confidence",
	"group", "difference", "written_off", "reason", "resolution", "age_days", "candidates"}

// WriteCSV writes one row per record per leg, under the header leg, side,
// record_id, currency, amount, date, outcome, rule, confidence, group,
// difference, written_off, reason, resolution, age_days, candidates:
// matched records with their
// rule, confidence, match group ("M<leg>-<n>"), the group's difference and
// whether it was written off; unmatched records with their break's reason,
// id (as the group), resolution, age and candidates. Rows come leg by leg,
// matches first, in report order, so the same report always writes the same
// bytes. Summing the amount column by side and outcome gives Leg.Totals.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(itemsHeader); err != nil {
		return fmt.Errorf("reconcile: write csv: %w", err)
	}
	row := make([]string, len(itemsHeader))
	// rows writes one row per record of both sides, the outcome columns
	// (6 onwards) given by tail.
	rows := func(legName string, ls, rs *Side, left, right []int, tail ...string) error {
		copy(row[6:], tail)
		for _, part := range [...]struct {
			s   *Side
			idx []int
		}{{ls, left}, {rs, right}} {
			for _, k := range part.idx {
				rec := &part.s.Records[k]
				c := rec.Amount.Currency()
				row[0], row[1], row[2], row[3] = legName, part.s.Name, rec.ID, c.Code()
				row[4], row[5] = rec.Amount.Amount().StringFixed(c.MinorUnits()), rec.Date.Format("2006-01-02")
				if err := cw.Write(row); err != nil {
					return fmt.Errorf("reconcile: write csv: %w", err)
				}
			}
		}
		return nil
	}
	for li, leg := range r.Legs {
		ls, rs := r.side(leg.LeftSide), r.side(leg.RightSide)
		legName := strconv.Itoa(li)
		for mi := range leg.MatchCount() {
			m := leg.Match(mi)
			err := rows(legName, ls, rs, m.Left, m.Right, "matched", m.Rule, strconv.FormatFloat(m.Confidence, 'f', 2, 64),
				"M"+legName+"-"+strconv.Itoa(mi), m.Difference().Amount().StringFixed(m.Currency.MinorUnits()),
				strconv.FormatBool(m.WrittenOff), "", "", "", "")
			if err != nil {
				return err
			}
		}
		for _, b := range r.Breaks {
			if b.LeftSide != leg.LeftSide || b.RightSide != leg.RightSide {
				continue
			}
			res := ""
			if b.Resolution != nil {
				res = b.Resolution.Kind.String()
			}
			cands := make([]string, len(b.Candidates))
			for i, c := range b.Candidates {
				cands[i] = c.Side + ":" + c.ID
			}
			diff := ""
			if c := b.Difference.Currency(); !c.IsZero() {
				diff = b.Difference.Amount().StringFixed(c.MinorUnits())
			}
			err := rows(legName, ls, rs, b.Left, b.Right, "break", "", "", b.ID, diff, "false",
				b.Reason.String(), res, strconv.Itoa(b.Age), strings.Join(cands, "|"))
			if err != nil {
				return err
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("reconcile: write csv: %w", err)
	}
	return nil
}

// totalsHeader is the header row WriteTotalsCSV writes.
var totalsHeader = []string{"leg", "side", "currency", "input_count", "input", "matched_count", "matched", "unmatched_count", "unmatched"}

// WriteTotalsCSV writes Leg.Totals, one row per leg, side and currency,
// under the header leg, side, currency, input_count, input, matched_count,
// matched, unmatched_count, unmatched.
func (r *Report) WriteTotalsCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(totalsHeader)
	for li, leg := range r.Legs {
		for _, t := range leg.Totals {
			p := t.Currency.MinorUnits()
			_ = cw.Write([]string{strconv.Itoa(li), t.Side, t.Currency.Code(),
				strconv.Itoa(t.InputCount), t.Input.Amount().StringFixed(p),
				strconv.Itoa(t.MatchedCount), t.Matched.Amount().StringFixed(p),
				strconv.Itoa(t.UnmatchedCount), t.Unmatched.Amount().StringFixed(p)})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("reconcile: write totals csv: %w", err)
	}
	return nil
}

// side returns the side named name.
func (r *Report) side(name string) *Side {
	for i := range r.Sides {
		if r.Sides[i].Name == name {
			return &r.Sides[i]
		}
	}
	return &Side{}
}
