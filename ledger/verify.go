package ledger

import (
	"context"
	"fmt"
)

// VerifyResult summarises a Verify walk.
type VerifyResult struct {
	// Checked is how many transactions were walked.
	Checked int
	// Unchained counts transactions written with the chain off (no Hash):
	// their content cannot be vouched for, only their place in the chain.
	Unchained int
	// LastSeq and LastHash are those of the last transaction walked. A host
	// that records LastHash elsewhere (an anchor) can later detect a rewrite
	// of the whole chain after it.
	LastSeq  uint64
	LastHash [32]byte
}

// Verify walks the transactions with Seq in [fromSeq, toSeq] (fromSeq 0 means
// 1, toSeq 0 means the last) in order and checks the chain: Seq without gaps,
// each PrevHash equal to the Hash before it, and each Hash equal to
// ChainHash(PrevHash, tx). It returns the first break as a *ChainError
// (matching ErrChainBroken), with the result up to it.
func (l *Ledger) Verify(ctx context.Context, fromSeq, toSeq uint64) (VerifyResult, error) {
	if fromSeq == 0 {
		fromSeq = 1
	}
	var res VerifyResult
	var prev [32]byte
	if fromSeq > 1 {
		before, err := l.store.Transactions(ctx, TxFilter{AfterSeq: fromSeq - 2, ToSeq: fromSeq - 1, Limit: 1}, nil)
		if err != nil {
			return res, fmt.Errorf("ledger: verify: %w", err)
		}
		if len(before) == 1 {
			prev = before[0].Hash
		}
	}
	want := fromSeq
	var page []Transaction
	for {
		if err := ctxErr(ctx, "verify"); err != nil {
			return res, err
		}
		var err error
		page, err = l.store.Transactions(ctx, TxFilter{AfterSeq: want - 1, ToSeq: toSeq, Limit: 1000}, page[:0])
		if err != nil {
			return res, fmt.Errorf("ledger: verify: %w", err)
		}
		for i := range page {
			tx := &page[i]
			brk := func(reason string) (VerifyResult, error) {
				return res, &ChainError{Seq: tx.Seq, ID: tx.ID, Reason: reason}
			}
			switch {
			case tx.Seq != want:
				return res, &ChainError{Seq: want, ID: tx.ID, Reason: fmt.Sprintf("sequence gap: found seq %d", tx.Seq)}
			case tx.PrevHash != prev:
				return brk("prev hash does not match the hash of the transaction before")
			case tx.Hash == [32]byte{}:
				res.Unchained++
			case ChainHash(prev, tx) != tx.Hash:
				return brk("hash does not match the content")
			}
			prev = tx.Hash
			res.Checked++
			res.LastSeq, res.LastHash = tx.Seq, tx.Hash
			want++
		}
		if len(page) < 1000 {
			return res, nil
		}
	}
}
