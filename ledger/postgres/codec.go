package postgres

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/accruehq/accrue"
	"github.com/jackc/pgx/v5/pgtype"
)

// encodeMetadata returns the metadata as the elements of a bytea[] column:
// one element per entry, in byte order of keys, each the key's length as a
// uvarint, the key, then the value. Keys and values are kept byte for byte
// (they may hold any bytes, which text columns would refuse), and the
// encoding is canonical, so that the array containment operator (@>) with a
// GIN index finds transactions by metadata. Empty metadata is nil (NULL).
func encodeMetadata(m map[string]string) [][]byte {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = metadataEntry(k, m[k])
	}
	return out
}

func metadataEntry(k, v string) []byte {
	b := make([]byte, 0, binary.MaxVarintLen32+len(k)+len(v))
	b = binary.AppendUvarint(b, uint64(len(k)))
	b = append(b, k...)
	return append(b, v...)
}

// decodeMetadata reverses encodeMetadata; NULL or an empty array is nil.
func decodeMetadata(elems [][]byte) (map[string]string, error) {
	if len(elems) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(elems))
	for _, e := range elems {
		n, w := binary.Uvarint(e)
		if w <= 0 || n > uint64(len(e)-w) {
			return nil, fmt.Errorf("postgres: corrupt metadata entry of %d bytes", len(e))
		}
		k := string(e[w : w+int(n)])
		m[k] = string(e[w+int(n):])
	}
	return m, nil
}

// currencies caches decoded currencies per Store (no package state).
type currencies struct {
	mu sync.RWMutex
	m  map[currencyKey]accrue.Currency
}

type currencyKey struct {
	code   string
	minor  int16
	custom bool
}

// get returns the currency stored as (code, minor, custom).
func (cs *currencies) get(code string, minor int16, custom bool) (accrue.Currency, error) {
	k := currencyKey{code, minor, custom}
	cs.mu.RLock()
	c, ok := cs.m[k]
	cs.mu.RUnlock()
	if ok {
		return c, nil
	}
	var err error
	if custom {
		c, err = accrue.NewUnit(code, int(minor))
	} else {
		c, err = accrue.LookupCurrency(code)
	}
	if err != nil {
		return accrue.Currency{}, fmt.Errorf("postgres: stored currency: %w", err)
	}
	if c.MinorUnits() != int32(minor) {
		return accrue.Currency{}, fmt.Errorf("postgres: stored currency %s has %d minor units, now %d", code, minor, c.MinorUnits())
	}
	cs.mu.Lock()
	if cs.m == nil {
		cs.m = make(map[currencyKey]accrue.Currency)
	}
	cs.m[k] = c
	cs.mu.Unlock()
	return c, nil
}

// tstz returns t as a nullable timestamptz (the zero time is NULL).
func tstz(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

// fromTstz reverses tstz, in UTC.
func fromTstz(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// int8Array renders units as a bigint[] literal ("{1,2}"), nil for none.
func int8Array(units []int64) *string {
	if units == nil {
		return nil
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, u := range units {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(u, 10))
	}
	b.WriteByte('}')
	s := b.String()
	return &s
}

// storable reports whether s can be a text value (account names): valid
// UTF-8 without NUL bytes. A name that is not cannot exist in the store.
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
