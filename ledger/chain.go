package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"strings"
	"time"
)

// canonicalVersion opens every canonical encoding; a future format gets a new
// one.
const canonicalVersion = "accrue-ledger-tx-v1"

// ChainHash returns the SHA-256 of prev followed by the canonical encoding of
// tx (AppendCanonical). Stores call it at commit with prev = the Hash of the
// previous transaction; Verify recomputes it. tx.PrevHash and tx.Hash are not
// read: prev stands for PrevHash.
func ChainHash(prev [32]byte, tx *Transaction) [32]byte {
	var arr [512]byte
	buf := append(arr[:0], prev[:]...)
	buf = AppendCanonical(buf, tx)
	return sha256.Sum256(buf)
}

// AppendCanonical appends the canonical encoding of tx to dst and returns
// it. The encoding is unambiguous and independent of Go's memory layout, so
// any implementation can reproduce it:
//
//	string  = uint32 big-endian byte length, then the bytes
//	time    = 0x00 for the zero time, else 0x01 and int64 big-endian Unix nanoseconds
//	encoding =
//	  string "accrue-ledger-tx-v1"
//	  uint64 Seq
//	  string ID, string Key
//	  uint8 Kind
//	  time EffectiveAt, time RecordedAt, time ExpiresAt
//	  string Reverses, string Pending
//	  uint32 number of postings, then for each posting in order:
//	    string Account, uint8 Side (1 debit, 2 credit),
//	    string currency code, uint8 currency minor units,
//	    int64 amount in minor units (two's complement, big-endian)
//	  uint32 number of metadata entries, then for each in byte order of keys:
//	    string key, string value
//
// An amount that is not a whole number of minor units (which the ledger
// never writes) encodes as its decimal text in place of the int64, preceded
// by 0xFF in the minor-units byte.
func AppendCanonical(dst []byte, tx *Transaction) []byte {
	dst = appendString(dst, canonicalVersion)
	dst = binary.BigEndian.AppendUint64(dst, tx.Seq)
	dst = appendString(dst, tx.ID)
	dst = appendString(dst, tx.Key)
	dst = append(dst, byte(tx.Kind))
	dst = appendTime(dst, tx.EffectiveAt)
	dst = appendTime(dst, tx.RecordedAt)
	dst = appendTime(dst, tx.ExpiresAt)
	dst = appendString(dst, tx.Reverses)
	dst = appendString(dst, tx.Pending)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(tx.Postings)))
	for i := range tx.Postings {
		p := &tx.Postings[i]
		dst = appendString(dst, p.Account)
		dst = append(dst, byte(p.Side))
		cur := p.Amount.Currency()
		dst = appendString(dst, cur.Code())
		if units, err := p.Amount.MinorUnits(); err == nil {
			dst = append(dst, byte(cur.MinorUnits()))
			dst = binary.BigEndian.AppendUint64(dst, uint64(units))
		} else {
			dst = append(dst, 0xFF)
			dst = appendString(dst, p.Amount.Amount().String())
		}
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(tx.Metadata)))
	if len(tx.Metadata) > 0 {
		keys := make([]string, 0, len(tx.Metadata))
		for k := range tx.Metadata {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, strings.Compare)
		for _, k := range keys {
			dst = appendString(dst, k)
			dst = appendString(dst, tx.Metadata[k])
		}
	}
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
	return append(dst, s...)
}

func appendTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	return binary.BigEndian.AppendUint64(dst, uint64(t.UnixNano()))
}
