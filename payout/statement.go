package payout

import (
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// Statement is what a partner earned and was paid in a period, built from
// the ledger alone (balances and lineage metadata): one section per payable
// account (currency).
type Statement struct {
	Partner  string
	Period   string
	From, To time.Time // effective times in [From, To)
	Sections []StatementSection
}

// StatementSection is one payable account's movements in the period.
type StatementSection struct {
	Account string
	Opening accrue.Money // posted balance just before From
	Lines   []StatementLine
	Closing accrue.Money // Opening plus the lines
}

// Line kinds of a statement.
const (
	LineAccrual     = "accrual"     // earned (credit to payable)
	LineClawback    = "clawback"    // taken back (debit to payable, not a payout)
	LinePayout      = "payout"      // paid to the partner (net)
	LineFee         = "fee"         // payout fee
	LineWithholding = "withholding" // tax withheld
	LineReturned    = "returned"    // a payout that came back, re-credited
)

// StatementLine is one movement of a payable balance. Amount is signed: a
// positive amount increases what the program owes the partner.
type StatementLine struct {
	At          time.Time
	Kind        string
	Amount      accrue.Money
	Explanation string // rule, plan, reason, batch: from the lineage metadata
	Source      string // the source event (event, conversion, item id)
	TxID        string // the ledger transaction
}

// Statement builds a partner's statement for [from, to) from their payable
// accounts, their posted entries and each transaction's lineage.
func (s *Service) Statement(ctx context.Context, partner, period string, from, to time.Time) (Statement, error) {
	if partner == "" || !from.Before(to) {
		return Statement{}, errorf(ErrInvalidInput, "statement needs a partner and from < to")
	}
	st := Statement{Partner: partner, Period: period, From: from.UTC(), To: to.UTC()}
	prefix := s.cfg.Chart.PayableAccount(partner)
	accts, err := s.l.Store().ListAccounts(ctx, prefix, "", 100, nil)
	if err != nil {
		return Statement{}, fmt.Errorf("payout: statement %s: %w", partner, err)
	}
	for _, a := range accts {
		if id, ok := s.cfg.Chart.partnerOf(a.Account.Name); !ok || id != partner {
			continue
		}
		sec, err := s.section(ctx, a.Account, from, to)
		if err != nil {
			return Statement{}, err
		}
		st.Sections = append(st.Sections, sec)
	}
	if len(st.Sections) == 0 {
		return Statement{}, fmt.Errorf("%w: no payable account for partner %s", ErrNotFound, partner)
	}
	return st, nil
}

func (s *Service) section(ctx context.Context, a ledger.Account, from, to time.Time) (StatementSection, error) {
	wrap := func(err error) error { return fmt.Errorf("payout: statement %s: %w", a.Name, err) }
	open, err := s.l.BalanceAsOf(ctx, a.Name, from.Add(-time.Microsecond))
	if err != nil {
		return StatementSection{}, wrap(err)
	}
	sec := StatementSection{Account: a.Name, Opening: open.Posted}
	closing := open.Posted
	q := ledger.EntryQuery{Account: a.Name, From: from, To: to, Limit: 1000}
	for {
		page, err := s.l.Entries(ctx, q)
		if err != nil {
			return StatementSection{}, wrap(err)
		}
		for _, e := range page.Entries {
			if !e.Kind.MovesPosted() {
				continue
			}
			tx, err := s.l.Tx(ctx, e.TxID)
			if err != nil {
				return StatementSection{}, wrap(err)
			}
			for _, ln := range linesOf(&tx, e, a, s.cfg.Chart) {
				sec.Lines = append(sec.Lines, ln)
				if closing, err = closing.Add(ln.Amount); err != nil {
					return StatementSection{}, wrap(err)
				}
			}
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	sec.Closing = closing
	return sec, nil
}

// linesOf explains one entry of a payable account.
func linesOf(tx *ledger.Transaction, e ledger.Entry, a ledger.Account, c Chart) []StatementLine {
	m := tx.Metadata
	signed := e.Amount
	if e.Side != a.Type.NormalSide() {
		signed = signed.Neg()
	}
	base := StatementLine{At: tx.EffectiveAt.UTC(), Amount: signed, TxID: tx.ID, Source: firstOf(m, accrue.MetaEventID, accrue.MetaConversionID, accrue.MetaItemID)}
	switch m[MetaStep] {
	case StepPaid:
		var out []StatementLine
		for _, p := range tx.Postings {
			if p.Side == e.Side {
				continue
			}
			ln := base
			ln.Amount = p.Amount.Neg()
			ln.Explanation = "batch " + m[accrue.MetaBatchID]
			switch {
			case strings.HasPrefix(p.Account, c.Withholding):
				ln.Kind = LineWithholding
			case strings.HasPrefix(p.Account, c.Fees):
				ln.Kind = LineFee
			default:
				ln.Kind = LinePayout
			}
			out = append(out, ln)
		}
		return out
	case StepReturned:
		base.Kind, base.Explanation = LineReturned, "batch "+m[accrue.MetaBatchID]+": "+m[MetaReason]
		return []StatementLine{base}
	}
	base.Kind = LineAccrual
	if signed.IsNegative() {
		base.Kind = LineClawback
	}
	var parts []string
	for _, k := range []string{accrue.MetaRuleID, accrue.MetaPlanID, accrue.MetaPlanVersion, accrue.MetaAttributionModel, accrue.MetaReverses} {
		if v := m[k]; v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	base.Explanation = strings.Join(parts, " ")
	return []StatementLine{base}
}

func firstOf(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := m[k]; v != "" {
			return v
		}
	}
	return ""
}

// WriteCSV writes the statement as CSV: a header, then per section an
// opening row, the lines and a closing row. Output is deterministic.
func (st *Statement) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rows := [][]string{{"partner", "period", "account", "date", "kind", "amount", "currency", "explanation", "source", "tx"}}
	for _, sec := range st.Sections {
		cur := sec.Opening.Currency()
		row := func(at time.Time, kind string, m accrue.Money, expl, src, tx string) {
			rows = append(rows, []string{st.Partner, st.Period, sec.Account, at.Format(time.RFC3339), kind, amountText(m), cur.Code(), expl, src, tx})
		}
		row(st.From, "opening", sec.Opening, "", "", "")
		for _, l := range sec.Lines {
			row(l.At, l.Kind, l.Amount, l.Explanation, l.Source, l.TxID)
		}
		row(st.To, "closing", sec.Closing, "", "", "")
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("payout: write statement: %w", err)
	}
	return nil
}

// amountText is the amount of m without its currency code.
func amountText(m accrue.Money) string {
	return m.Amount().StringFixed(m.Currency().MinorUnits())
}

var statementHTML = template.Must(template.New("statement").Funcs(template.FuncMap{
	"amount": amountText,
	"date":   func(t time.Time) string { return t.Format("2006-01-02") },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Statement {{.Partner}} {{.Period}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:2em}
th,td{padding:.3em .6em;border-bottom:1px solid #ddd;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:bold}
</style>
</head>
<body>
<h1>Statement for {{.Partner}}</h1>
<p>Period {{.Period}}: {{date .From}} to {{date .To}} (exclusive)</p>
{{range .Sections}}<h2>{{.Opening.Currency.Code}} ({{.Account}})</h2>
<table>
<tr><th>Date</th><th>Kind</th><th>Explanation</th><th>Source</th><th>Amount</th></tr>
<tr class="total"><td>{{date $.From}}</td><td>Opening balance</td><td></td><td></td><td class="n">{{amount .Opening}}</td></tr>
{{range .Lines}}<tr><td>{{date .At}}</td><td>{{.Kind}}</td><td>{{.Explanation}}</td><td>{{.Source}}</td><td class="n">{{amount .Amount}}</td></tr>
{{end}}<tr class="total"><td>{{date $.To}}</td><td>Closing balance</td><td></td><td></td><td class="n">{{amount .Closing}}</td></tr>
</table>
{{end}}</body>
</html>
`))

// WriteHTML writes the statement as a self-contained HTML page (inline
// style, no scripts or external resources) that a host can serve or
// email. Output is deterministic.
func (st *Statement) WriteHTML(w io.Writer) error {
	if err := statementHTML.Execute(w, st); err != nil {
		return fmt.Errorf("payout: write statement: %w", err)
	}
	return nil
}
