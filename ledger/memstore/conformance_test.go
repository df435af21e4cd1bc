package memstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/ledgertest"
)

// tamperable is the Store with the ledgertest.Tamperer capability, for
// tests only: it rewrites a stored record without any check.
type tamperable struct{ *Store }

// TamperTx implements ledgertest.Tamperer.
func (s tamperable) TamperTx(_ context.Context, seq uint64, edit func(tx *ledger.Transaction)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq == 0 || seq > uint64(s.txs.len()) {
		return fmt.Errorf("memstore: no transaction %d", seq)
	}
	tx := s.tx(int(seq - 1))
	edit(&tx)
	accts := make([]*account, len(tx.Postings))
	units := make([]int64, len(tx.Postings))
	for i, p := range tx.Postings {
		if accts[i] = s.accounts[p.Account]; accts[i] == nil {
			return fmt.Errorf("memstore: no account %s", p.Account)
		}
		units[i], _ = p.Amount.MinorUnits()
	}
	old := s.txs.at(int(seq - 1))
	var packed *[16]byte
	if b := new([16]byte); packID(tx.ID, b) {
		packed = b
	}
	keyed := old.flags()&flagKeyedID != 0 && tx.ID == ledger.DefaultID(tx.Key)
	*old = s.newRecord(&tx, accts, units, packed, keyed)
	s.setHash(int(seq-1), tx.Hash)
	return nil
}

func TestConformance(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T) ledger.Store { return tamperable{New()} })
}

// TestConformanceMapped runs the suite on stores that keep their memory in
// regions of their own from the first byte (New's stores do so only once
// they are large).
func TestConformanceMapped(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T) ledger.Store { return tamperable{newStore(0)} })
}

func BenchmarkConformance(b *testing.B) {
	ledgertest.RunBenchmarks(b, func(b *testing.B) ledger.Store { return New() })
}
