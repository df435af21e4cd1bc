package reconcile

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/accruehq/accrue"
	"github.com/google/go-cmp/cmp"
)

func TestParseUnits(t *testing.T) {
	tests := []struct {
		in        string
		minor     int32
		comma     bool
		thousands rune
		want      int64
		err       string
	}{
		{"12.34", 2, false, 0, 1234, ""},
		{"-12.3", 2, false, 0, -1230, ""},
		{"12.34-", 2, false, 0, -1234, ""},
		{"(1,234.50)", 2, false, ',', -123450, ""},
		{"1.234.567,89", 2, true, '.', 123456789, ""},
		{"1 234,5", 2, true, ' ', 123450, ""},
		{"+7", 0, false, 0, 7, ""},
		{"1.500", 2, false, 0, 150, ""},
		{".5", 2, false, 0, 50, ""},
		{"1.005", 2, false, 0, 0, "more than 2 decimal places"},
		{"12,34", 2, false, 0, 0, "not a number"},
		{"1,23,456", 2, false, ',', 0, "misplaced thousands separator"},
		{"", 2, false, 0, 0, "empty amount"},
		{"-", 2, false, 0, 0, "no digits"},
		{"99999999999999999999", 2, false, 0, 0, "exceeds"},
		{"1e3", 2, false, 0, 0, "not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseUnits(tt.in, tt.minor, tt.comma, tt.thousands)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("parseUnits(%q) = %d, %v; want error containing %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("parseUnits(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

// recView is a record as text, for comparing reads.
func recView(recs []Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, fmt.Sprintf("%s %v %s %s %s %s %v", r.ID, r.References, r.Amount, r.Date.Format("2006-01-02"), r.Counterparty, r.Status, r.Metadata))
	}
	return out
}

func TestReadCSV(t *testing.T) {
	usd := accrue.MustCurrency("USD")
	tests := []struct {
		name string
		data string
		m    Mapping
		want []string
		bad  []string
	}{{
		name: "named columns with a signed amount",
		data: "id,ref,amount,currency,date,partner,tier\nb1,INV-1,12.34,USD,2026-03-01,acme,gold\nb2,,-5,EUR,2026-03-02,beta,\n",
		m: Mapping{File: "bank.csv", Header: true, ID: Named("id"), References: []Column{Named("ref")}, Amount: Named("amount"),
			Currency: Named("currency"), Date: Named("date"), Counterparty: Named("partner"), Metadata: map[string]Column{"tier": Named("tier")}},
		want: []string{"b1 [INV-1] 12.34 USD 2026-03-01 acme  map[tier:gold]", "b2 [] -5.00 EUR 2026-03-02 beta  map[tier:]"},
	}, {
		name: "positions, skipped preamble, decimal comma, D/C flag, day-first dates",
		data: "Statement for account 123\nexported 2026-03-31\n01.03.2026;1.234,50;D;Acme\n02/03/2026;10,00;C;Beta\n",
		m: Mapping{File: "st.csv", Comma: ';', SkipRows: 2, Date: At(0), Amount: At(1), Flag: At(2), Sign: SignFlag, Counterparty: At(3),
			DecimalComma: true, Thousands: '.', DefaultCurrency: usd, DateLayouts: []string{"02.01.2006", "02/01/2006"}},
		want: []string{"st.csv:3 [] -1234.50 USD 2026-03-01 Acme  map[]", "st.csv:4 [] 10.00 USD 2026-03-02 Beta  map[]"},
	}, {
		name: "debit and credit columns, malformed rows reported and skipped",
		data: "date,debit,credit,ref\n2026-03-01,5.00,,R1\n2026-03-02,,7.25,R2\n2026-03-03,1.00,2.00,R3\nnot-a-date,,1.00,R4\n2026-03-05,,1.001,R5\n2026-03-06\n",
		m:    Mapping{File: "dc.csv", Header: true, Date: Named("date"), Debit: Named("debit"), Credit: Named("credit"), Sign: SignDebitCredit, References: []Column{Named("ref")}, DefaultCurrency: usd},
		want: []string{"dc.csv:2 [R1] -5.00 USD 2026-03-01   map[]", "dc.csv:3 [R2] 7.25 USD 2026-03-02   map[]"},
		bad: []string{
			`reconcile: dc.csv:4: column "debit": both debit and credit are filled`,
			`reconcile: dc.csv:5: column "date": date "not-a-date" matches none of the layouts ["2006-01-02"]`,
			`reconcile: dc.csv:6: column "credit": amount "1.001" has more than 2 decimal places`,
			`reconcile: dc.csv:7: 1 fields, the header has 4`,
		},
	}, {
		name: "bad quoting is reported with its line and reading goes on",
		data: "2026-03-01,1.00\n2026-03-02,\"2.00\n",
		m:    Mapping{File: "q.csv", Date: At(0), Amount: At(1), DefaultCurrency: usd},
		want: []string{"q.csv:1 [] 1.00 USD 2026-03-01   map[]"},
		bad:  []string{`reconcile: q.csv:2: extraneous or missing " in quoted-field`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, bad, err := ReadCSV(strings.NewReader(tt.data), tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, recView(recs)); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			var got []string
			for _, b := range bad {
				got = append(got, b.Error())
				if !errors.Is(b, ErrMalformedRow) {
					t.Errorf("%v does not match ErrMalformedRow", b)
				}
			}
			if diff := cmp.Diff(tt.bad, got); diff != "" {
				t.Errorf("row errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadCSVStopOnError(t *testing.T) {
	m := Mapping{File: "s.csv", Date: At(0), Amount: At(1), DefaultCurrency: accrue.MustCurrency("USD"), StopOnError: true}
	recs, bad, err := ReadCSV(strings.NewReader("2026-03-01,x\n2026-03-02,1\n"), m)
	if !errors.Is(err, ErrMalformedRow) || len(recs) != 0 || len(bad) != 1 {
		t.Fatalf("got %d records, %d bad, %v; want the first row's error", len(recs), len(bad), err)
	}
}

func TestMappingErrors(t *testing.T) {
	usd := accrue.MustCurrency("USD")
	tests := []struct {
		name string
		m    Mapping
		data string
		want string
	}{
		{"no amount", Mapping{File: "f", Date: At(0), DefaultCurrency: usd}, "", "no amount column"},
		{"no currency", Mapping{File: "f", Date: At(0), Amount: At(1)}, "", "no currency column and no default currency"},
		{"same separators", Mapping{File: "f", Date: At(0), Amount: At(1), DefaultCurrency: usd, DecimalComma: true, Thousands: ','}, "", "equals the decimal separator"},
		{"names without header", Mapping{File: "f", Date: Named("d"), Amount: At(1), DefaultCurrency: usd}, "", "has no header row"},
		{"missing header column", Mapping{File: "f", Header: true, Date: Named("d"), Amount: Named("amt"), DefaultCurrency: usd}, "d,amount\n", `no column "amt" in header`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadCSV(strings.NewReader(tt.data), tt.m)
			if !errors.Is(err, ErrInvalidMapping) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v; want ErrInvalidMapping containing %q", err, tt.want)
			}
		})
	}
}

// failingReader fails after its data.
type failingReader struct{ data io.Reader }

func (f failingReader) Read(p []byte) (int, error) {
	n, err := f.data.Read(p)
	if err == io.EOF {
		return n, errors.New("disk gone")
	}
	return n, err
}

func TestCSVReaderFailureIsFinal(t *testing.T) {
	m := Mapping{File: "f.csv", Date: At(0), Amount: At(1), DefaultCurrency: accrue.MustCurrency("USD")}
	cr, err := NewCSVReader(failingReader{strings.NewReader("2026-03-01,1\n")}, m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cr.Read(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := cr.Read(); err == nil || !strings.Contains(err.Error(), "disk gone") {
			t.Fatalf("err = %v; want the reader's failure", err)
		}
	}
}

// FuzzCSV reads arbitrary bytes under mappings chosen by the fuzzer: the
// reader never panics, every record is whole minor units in a currency with a
// date, and every row error names a line.
func FuzzCSV(f *testing.F) {
	f.Add([]byte("id,amount,date\nx,1.00,2026-01-01\n"), uint8(0), uint8(0))
	f.Add([]byte("01.03.2026;1.234,50;D\n"), uint8(1), uint8(7))
	f.Add([]byte("a,\"b\nc\",(3)\n,,\n"), uint8(2), uint8(3))
	f.Add([]byte("2026-01-01,,5-\n2026-01-02,1 000,\n"), uint8(3), uint8(12))
	f.Fuzz(func(t *testing.T, data []byte, layout, opts uint8) {
		m := fuzzMapping(layout, opts)
		recs, bad, err := ReadCSV(strings.NewReader(string(data)), m)
		if err != nil && !errors.Is(err, ErrInvalidMapping) && !errors.Is(err, ErrMalformedRow) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		for _, r := range recs {
			if r.Amount.Currency().IsZero() || !r.Amount.IsRounded() || r.Date.IsZero() || r.ID == "" {
				t.Fatalf("bad record %+v", r)
			}
			if _, err := minorUnits(r.Amount); err != nil {
				t.Fatalf("record amount %s: %v", r.Amount, err)
			}
		}
		for _, b := range bad {
			if b.Line < 1 || b.Reason == "" {
				t.Fatalf("row error without line or reason: %+v", b)
			}
		}
	})
}

// fuzzMapping derives a mapping from two bytes: the column layout and the
// number-format options.
func fuzzMapping(layout, opts uint8) Mapping {
	m := Mapping{File: "fuzz.csv", DefaultCurrency: accrue.MustCurrency("USD")}
	switch layout % 4 {
	case 0:
		m.Header, m.ID, m.Amount, m.Date = true, Named("id"), Named("amount"), Named("date")
	case 1:
		m.Comma, m.Date, m.Amount, m.Flag, m.Sign = ';', At(0), At(1), At(2), SignFlag
		m.DateLayouts = []string{"02.01.2006", "2006-01-02"}
	case 2:
		m.Date, m.Amount, m.Currency, m.References = At(2), At(0), At(1), []Column{At(3), At(4)}
	case 3:
		m.Date, m.Debit, m.Credit, m.Sign, m.Counterparty = At(0), At(1), At(2), SignDebitCredit, At(3)
	}
	m.SkipRows = int(layout>>2) % 3
	m.DecimalComma = opts&1 != 0
	m.Thousands = [...]rune{0, ',', '.', ' '}[(opts>>1)%4]
	m.Negate = opts&8 != 0
	m.StopOnError = opts&16 != 0
	return m
}
