package reconcile

import (
	"errors"
	"fmt"
	"strings"
)

// parseUnits reads a decimal amount as exact minor units of a currency with
// minor decimal places. It accepts a leading '+' or '-', a trailing '-',
// parentheses for negatives, the decimal separator '.' (',' with
// decimalComma) and, when thousands is set, that grouping separator between
// groups of three integer digits. More decimals than minor are accepted
// only when they are zeros; the result must be within ±MaxUnits.
func parseUnits(s string, minor int32, decimalComma bool, thousands rune) (int64, error) {
	orig := s
	if s == "" {
		return 0, errors.New("empty amount")
	}
	neg := false
	switch {
	case strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") && len(s) >= 2:
		s, neg = strings.TrimSpace(s[1:len(s)-1]), true
	case strings.HasPrefix(s, "-"):
		s, neg = s[1:], true
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	case strings.HasSuffix(s, "-"):
		s, neg = s[:len(s)-1], true
	}
	dec := byte('.')
	if decimalComma {
		dec = ','
	}
	intPart, frac, hasDec := strings.Cut(s, string(dec))
	if intPart == "" && frac == "" {
		return 0, fmt.Errorf("amount %q has no digits", clip(orig))
	}
	var v int64
	digit := func(ch byte) error {
		v = v*10 + int64(ch-'0')
		if v > MaxUnits {
			return fmt.Errorf("amount %q exceeds %d minor units", clip(orig), int64(MaxUnits))
		}
		return nil
	}
	if err := checkGroups(intPart, thousands); err != nil {
		return 0, fmt.Errorf("amount %q: %v", clip(orig), err)
	}
	for i := 0; i < len(intPart); i++ {
		ch := intPart[i]
		if ch >= '0' && ch <= '9' {
			if err := digit(ch); err != nil {
				return 0, err
			}
		}
	}
	if hasDec && frac == "" && intPart == "" {
		return 0, fmt.Errorf("amount %q has no digits", clip(orig))
	}
	for i := 0; i < len(frac); i++ {
		ch := frac[i]
		if ch < '0' || ch > '9' {
			return 0, fmt.Errorf("amount %q is not a number", clip(orig))
		}
		if int32(i) >= minor {
			if ch != '0' {
				return 0, fmt.Errorf("amount %q has more than %d decimal places", clip(orig), minor)
			}
			continue
		}
		if err := digit(ch); err != nil {
			return 0, err
		}
	}
	for i := int32(len(frac)); i < minor; i++ {
		if err := digit('0'); err != nil {
			return 0, err
		}
	}
	if neg {
		v = -v
	}
	return v, nil
}

// checkGroups validates the integer digits and their grouping.
func checkGroups(s string, thousands rune) error {
	if thousands == 0 || !strings.ContainsRune(s, thousands) {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return errors.New("not a number")
			}
		}
		return nil
	}
	groups := strings.Split(s, string(thousands))
	for i, g := range groups {
		if g == "" || len(g) > 3 || (i > 0 && len(g) != 3) {
			return errors.New("misplaced thousands separator")
		}
		for j := 0; j < len(g); j++ {
			if g[j] < '0' || g[j] > '9' {
				return errors.New("not a number")
			}
		}
	}
	return nil
}
