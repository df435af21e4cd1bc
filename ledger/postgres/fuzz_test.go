package postgres

import (
	"maps"
	"testing"
)

// FuzzMetadataCodec: decoding never panics on any stored bytes, and any
// metadata survives an encode/decode round trip byte for byte (keys and
// values may hold any bytes, including NUL and invalid UTF-8).
func FuzzMetadataCodec(f *testing.F) {
	f.Add("event_id", "ev-1", "", []byte{3, 'a', 'b', 'c', 'x'})
	f.Add("k\x00", "\xff\xfe", "other", []byte{0x80})
	f.Add("", "", "z", []byte{})
	f.Fuzz(func(t *testing.T, k1, v1, k2 string, raw []byte) {
		_, _ = decodeMetadata([][]byte{raw, raw})
		m := map[string]string{k1: v1, k2: v1 + k1}
		got, err := decodeMetadata(encodeMetadata(m))
		if err != nil || !maps.Equal(got, m) {
			t.Fatalf("round trip of %q = %q, %v", m, got, err)
		}
	})
}
