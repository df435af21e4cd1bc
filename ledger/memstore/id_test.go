package memstore

import (
	"encoding/hex"
	"testing"

	"github.com/accruehq/accrue/ledger"
)

func TestPackID(t *testing.T) {
	def := ledger.DefaultID("order-42")
	sum, _ := hex.DecodeString(def[3:])
	for _, tc := range []struct {
		id     string
		packed bool
	}{
		{def, true},
		{"tx-" + "0123456789abcdef0123456789abcdef", true},
		{"tx-" + "0123456789ABCDEF0123456789abcdef", false}, // uppercase: another ID
		{"tx-" + "0123456789abcdef0123456789abcdeg", false},
		{def[:len(def)-1], false},
		{def + "0", false},
		{"ty-" + def[3:], false},
		{"", false},
	} {
		var b [16]byte
		if got := packID(tc.id, &b); got != tc.packed {
			t.Errorf("packID(%q) = %v, want %v", tc.id, got, tc.packed)
		}
		if tc.id == def && string(b[:]) != string(sum) {
			t.Errorf("packID(%q) = %x, want %x", def, b, sum)
		}
	}
}
