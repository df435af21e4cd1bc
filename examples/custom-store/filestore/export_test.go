package filestore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/accruehq/accrue/ledger"
)

// RewriteTx rewrites the line of the file at path that holds the
// transaction with the given Seq, as edit leaves it: the tests' way to
// tamper with the file behind a closed store's back.
func RewriteTx(path string, seq uint64, edit func(tx *ledger.Transaction)) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	for i, text := range lines {
		var l line
		if len(text) == 0 || json.Unmarshal(text, &l) != nil || l.Commit == nil {
			continue
		}
		c, err := decodeCommit(l.Commit)
		if err != nil {
			return err
		}
		for j := range c.Txs {
			if c.Txs[j].Seq != seq {
				continue
			}
			edit(&c.Txs[j])
			text, err := json.Marshal(line{Commit: encodeCommit(c)})
			if err != nil {
				return err
			}
			lines[i] = append(text, '\n')
			return os.WriteFile(path, bytes.Join(lines, nil), 0o600)
		}
	}
	return fmt.Errorf("no transaction with seq %d", seq)
}
