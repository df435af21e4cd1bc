package memstore

import "encoding/hex"

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
	_, id := s.keyID(r)
	if r.flags&flagPackedID == 0 {
		return append(b, id...)
	}
	return hex.AppendEncode(append(b, packedIDPrefix...), id)
}

// idString returns the ID of r.
func (s *Store) idString(r *record) string {
	var buf [packedIDLen]byte
	return string(s.appendID(buf[:0], r))
}

// hasID reports whether the ID of r is id, without allocating.
func (s *Store) hasID(r *record, id string) bool {
	var buf [packedIDLen]byte
	if r.flags&flagPackedID != 0 {
		return string(s.appendID(buf[:0], r)) == id
	}
	_, got := s.keyID(r)
	return string(got) == id
}
