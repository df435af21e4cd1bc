-- Accrue ledger schema, version 5: transactions without metadata stay out
-- of the metadata index.
--
-- A GIN index keeps an entry for every row, a NULL array included (a
-- placeholder item, so that "IS NULL" can be answered from the index), and
-- the pending-list clean-up that merges new entries into the tree runs in
-- the inserting backend. Transactions without metadata (NULL: the store
-- never writes an empty array) paid that on every insert for entries no
-- query reads: the store filters by metadata only with the containment
-- operator (@>), which is strict, so PostgreSQL proves that such a query
-- implies "metadata IS NOT NULL" and still uses the partial index.
DROP INDEX @schema@.transactions_metadata;
CREATE INDEX transactions_metadata ON @schema@.transactions USING gin (metadata) WHERE metadata IS NOT NULL;
