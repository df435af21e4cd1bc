package memstore

import (
	"encoding/hex"
	"unsafe"

	"github.com/accruehq/accrue/ledger"
)

// IDs in the form of ledger.DefaultID ("tx-" and 32 lowercase hex digits,
// 36 bytes in a run) are kept as their 16 bytes; a record says so with
// flagPackedID. Any other ID is kept as it is.
const (
	packedIDPrefix = "tx-"
	packedIDLen    = len(packedIDPrefix) + 2*16
)

// packID reports whether id has the form of a DefaultID and, if so, puts
// its 16 bytes in dst.
func packID(id string, dst *[16]byte) bool {
	if len(id) != packedIDLen || id[:len(packedIDPrefix)] != packedIDPrefix {
		return false
	}
	digits := id[len(packedIDPrefix):]
	if _, err := hex.Decode(dst[:], []byte(digits)); err != nil {
		return false
	}
	// Decode took upper case too, which is another ID. Digits and lower
	// case letters have bit 0x20 set, upper case letters do not: one AND
	// per byte, no branches to mispredict.
	all := byte(0xff)
	for i := range len(digits) {
		all &= digits[i]
	}
	return all&0x20 != 0
}

// appendID appends the ID of r to b.
func (s *Store) appendID(b []byte, r *record) []byte {
	key, id, _ := s.keyID(r)
	switch f := r.flags(); {
	case f&flagKeyedID != 0:
		// The arena's runs never change, and the string does not outlive
		// the call.
		return ledger.AppendDefaultID(b, unsafe.String(unsafe.SliceData(key), len(key)))
	case f&flagPackedID != 0:
		return hex.AppendEncode(append(b, packedIDPrefix...), id)
	}
	return append(b, id...)
}

// idString returns the ID of r.
func (s *Store) idString(r *record) string {
	var buf [packedIDLen]byte
	return string(s.appendID(buf[:0], r))
}

// hasID reports whether the ID of r is id, without allocating.
func (s *Store) hasID(r *record, id string) bool {
	if r.flags()&(flagPackedID|flagKeyedID) == 0 {
		_, got, _ := s.keyID(r)
		return string(got) == id
	}
	if len(id) != packedIDLen {
		return false
	}
	var buf [packedIDLen]byte
	return string(s.appendID(buf[:0], r)) == id
}
