-- Accrue ledger schema, version 2: the postings' references are checked
-- once per statement instead of once per row.
--
-- The row-level foreign keys postings -> transactions and postings ->
-- accounts cost two RI trigger calls per posting (each an SPI query taking
-- a KEY SHARE row lock; 41% of the insert statement's time on a 400
-- transaction group, measured with auto_explain.log_triggers). The
-- statement-level trigger that already probes every new posting's
-- transaction now also refuses a posting whose transaction or account does
-- not exist, with the foreign-key SQLSTATE 23503. What the foreign keys
-- also guarded, the removal of a referenced row, stays refused by the
-- immutability triggers (no DELETE or TRUNCATE of transactions or accounts,
-- no change of an account's name), which are what makes the references
-- hold afterwards. tx_states -> transactions keeps its foreign key.
ALTER TABLE @schema@.postings DROP CONSTRAINT postings_seq_fkey;
ALTER TABLE @schema@.postings DROP CONSTRAINT postings_account_fkey;

CREATE OR REPLACE FUNCTION @schema@.check_postings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
    acct text;
BEGIN
    -- Correlated subqueries: one primary-key probe per row, whatever the
    -- planner thinks of the transition table's size. A posting whose
    -- transaction is missing has no count (NULL): refused.
    SELECT n.seq INTO bad FROM new_rows n
     WHERE (SELECT t.postings FROM @schema@.transactions t WHERE t.seq = n.seq) IS NULL LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'accrue ledger: posting of missing transaction seq %', bad USING ERRCODE = '23503';
    END IF;
    SELECT n.account INTO acct FROM new_rows n
     WHERE NOT EXISTS (SELECT 1 FROM @schema@.accounts a WHERE a.name = n.account) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'accrue ledger: posting to missing account %', acct USING ERRCODE = '23503';
    END IF;
    SELECT n.seq INTO bad FROM new_rows n
     WHERE n.idx >= (SELECT t.postings FROM @schema@.transactions t WHERE t.seq = n.seq) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'accrue ledger: posting beyond the postings of transaction seq %', bad USING ERRCODE = 'AL003';
    END IF;
    SELECT b.seq INTO bad FROM (
        SELECT seq, currency, sum(CASE side WHEN 1 THEN amount::numeric ELSE -amount::numeric END) AS net
          FROM new_rows GROUP BY seq, currency) b
     WHERE b.net <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'accrue ledger: transaction seq % is not balanced', bad USING ERRCODE = 'AL004';
    END IF;
    RETURN NULL;
END $$;
