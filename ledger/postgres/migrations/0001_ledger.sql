-- Accrue ledger schema, version 1. Every name is qualified with the target
-- schema (@schema@ is replaced by Migrate with the quoted schema name).

-- The chain head: one row holding the last Seq, its Hash and the
-- closed-through time. Every Commit locks it (SELECT ... FOR UPDATE) before
-- it reads anything, so commits are serialised here and Seq has no gaps.
CREATE TABLE @schema@.head (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    seq            bigint NOT NULL DEFAULT 0 CHECK (seq >= 0),
    hash           bytea NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000',
    closed_through timestamptz
) WITH (fillfactor = 10);
INSERT INTO @schema@.head DEFAULT VALUES;

-- Accounts: the definition (immutable), the counters (changed only with a
-- version bump) and the as-of run state (see postings.run).
CREATE TABLE @schema@.accounts (
    name            text COLLATE "C" PRIMARY KEY,
    type            smallint NOT NULL CHECK (type BETWEEN 1 AND 5),
    currency        text NOT NULL,
    currency_minor  smallint NOT NULL,
    currency_custom boolean NOT NULL,
    no_negative     boolean NOT NULL,
    no_positive     boolean NOT NULL,
    min_units       bigint,
    max_units       bigint,
    metadata        bytea[],
    debits_posted   bigint NOT NULL DEFAULT 0,
    credits_posted  bigint NOT NULL DEFAULT 0,
    debits_pending  bigint NOT NULL DEFAULT 0,
    credits_pending bigint NOT NULL DEFAULT 0,
    version         bigint NOT NULL DEFAULT 1 CHECK (version >= 1),
    run             integer NOT NULL DEFAULT 0,
    run_effective   timestamptz,
    run_debits      bigint NOT NULL DEFAULT 0,
    run_credits     bigint NOT NULL DEFAULT 0
) WITH (fillfactor = 50);
-- fillfactor: every commit updates its accounts' rows; free room on each
-- page keeps those updates HOT (no new index entries, dead versions pruned
-- in the page), so a hot account does not bloat the primary key between
-- vacuums.

-- Transactions: immutable once inserted.
CREATE TABLE @schema@.transactions (
    seq          bigint PRIMARY KEY CHECK (seq >= 1),
    id           bytea NOT NULL UNIQUE,
    key          bytea NOT NULL UNIQUE,
    kind         smallint NOT NULL CHECK (kind BETWEEN 1 AND 5),
    effective_at timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL,
    expires_at   timestamptz,
    reverses     bytea NOT NULL,
    pending      bytea NOT NULL,
    metadata     bytea[],
    postings     integer NOT NULL CHECK (postings >= 0),
    prev_hash    bytea NOT NULL,
    hash         bytea NOT NULL
);
CREATE INDEX transactions_metadata ON @schema@.transactions USING gin (metadata);

-- Postings: immutable once inserted. For entries of kinds that move posted
-- balances, run/run_debits/run_credits are the account's running posted
-- totals within one "run": a maximal stretch of entries appended in
-- non-decreasing effective time. PostedAsOf reads the last entry at or
-- before t in each run of the account (one index probe per run).
CREATE TABLE @schema@.postings (
    seq             bigint NOT NULL REFERENCES @schema@.transactions (seq),
    idx             integer NOT NULL CHECK (idx >= 0),
    account         text COLLATE "C" NOT NULL REFERENCES @schema@.accounts (name),
    side            smallint NOT NULL CHECK (side IN (1, 2)),
    amount          bigint NOT NULL,
    currency        text NOT NULL,
    currency_minor  smallint NOT NULL,
    currency_custom boolean NOT NULL,
    kind            smallint NOT NULL,
    effective_at    timestamptz NOT NULL,
    run             integer,
    run_debits      bigint,
    run_credits     bigint,
    PRIMARY KEY (seq, idx)
);
CREATE INDEX postings_account ON @schema@.postings (account, seq, idx);
CREATE INDEX postings_asof ON @schema@.postings (account, run, effective_at, seq, idx)
    INCLUDE (run_debits, run_credits) WHERE run IS NOT NULL;

-- Mutable state of transactions (pending status, reversed amounts).
CREATE TABLE @schema@.tx_states (
    id       bytea PRIMARY KEY REFERENCES @schema@.transactions (id),
    status   smallint NOT NULL,
    reversed bigint[],
    version  bigint NOT NULL CHECK (version >= 1)
) WITH (fillfactor = 70);

-- refuse_change refuses the statement that fired it: committed rows are
-- immutable.
CREATE FUNCTION @schema@.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'accrue ledger: % on %.% refused: committed rows are immutable', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'AL001';
END $$;

CREATE TRIGGER transactions_immutable BEFORE UPDATE OR DELETE ON @schema@.transactions
    FOR EACH ROW EXECUTE FUNCTION @schema@.refuse_change();
CREATE TRIGGER transactions_no_truncate BEFORE TRUNCATE ON @schema@.transactions
    FOR EACH STATEMENT EXECUTE FUNCTION @schema@.refuse_change();
CREATE TRIGGER postings_immutable BEFORE UPDATE OR DELETE ON @schema@.postings
    FOR EACH ROW EXECUTE FUNCTION @schema@.refuse_change();
CREATE TRIGGER postings_no_truncate BEFORE TRUNCATE ON @schema@.postings
    FOR EACH STATEMENT EXECUTE FUNCTION @schema@.refuse_change();
CREATE TRIGGER accounts_no_delete BEFORE DELETE ON @schema@.accounts
    FOR EACH ROW EXECUTE FUNCTION @schema@.refuse_change();
CREATE TRIGGER accounts_no_truncate BEFORE TRUNCATE ON @schema@.accounts
    FOR EACH STATEMENT EXECUTE FUNCTION @schema@.refuse_change();
CREATE TRIGGER head_no_delete BEFORE DELETE ON @schema@.head
    FOR EACH ROW EXECUTE FUNCTION @schema@.refuse_change();
-- An account's definition never changes; its counters change only with a
-- version bump of one; the head never moves back. The WHEN clauses are
-- evaluated without calling the function, so the normal path costs nothing.
CREATE TRIGGER accounts_definition BEFORE UPDATE ON @schema@.accounts FOR EACH ROW
    WHEN (NEW.name IS DISTINCT FROM OLD.name OR NEW.type IS DISTINCT FROM OLD.type
       OR NEW.currency IS DISTINCT FROM OLD.currency OR NEW.currency_minor IS DISTINCT FROM OLD.currency_minor
       OR NEW.currency_custom IS DISTINCT FROM OLD.currency_custom
       OR NEW.no_negative IS DISTINCT FROM OLD.no_negative OR NEW.no_positive IS DISTINCT FROM OLD.no_positive
       OR NEW.min_units IS DISTINCT FROM OLD.min_units OR NEW.max_units IS DISTINCT FROM OLD.max_units
       OR NEW.metadata IS DISTINCT FROM OLD.metadata
       OR NOT (NEW.version = OLD.version + 1 OR (NEW.version = OLD.version
           AND NEW.debits_posted = OLD.debits_posted AND NEW.credits_posted = OLD.credits_posted
           AND NEW.debits_pending = OLD.debits_pending AND NEW.credits_pending = OLD.credits_pending)))
    EXECUTE FUNCTION @schema@.refuse_change();
CREATE TRIGGER head_forward BEFORE UPDATE ON @schema@.head FOR EACH ROW
    WHEN (NEW.seq < OLD.seq OR NEW.closed_through < OLD.closed_through
       OR (OLD.closed_through IS NOT NULL AND NEW.closed_through IS NULL))
    EXECUTE FUNCTION @schema@.refuse_change();

-- check_transactions runs once per INSERT statement on transactions: every
-- new transaction must have all its postings inserted by the same
-- statement (count and indexes), and fall after the closed-through time.
CREATE FUNCTION @schema@.check_transactions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
BEGIN
    SELECT n.seq INTO bad FROM new_rows n, @schema@.head h
     WHERE h.closed_through IS NOT NULL AND n.effective_at <= h.closed_through LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'accrue ledger: transaction seq % falls in the closed period', bad USING ERRCODE = 'AL002';
    END IF;
    SELECT n.seq INTO bad FROM new_rows n
     WHERE n.postings <> (SELECT count(*) FROM @schema@.postings p WHERE p.seq = n.seq AND p.idx < n.postings)
        OR EXISTS (SELECT 1 FROM @schema@.postings p WHERE p.seq = n.seq AND p.idx >= n.postings)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'accrue ledger: transaction seq % was not inserted with all its postings', bad USING ERRCODE = 'AL003';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER transactions_complete AFTER INSERT ON @schema@.transactions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @schema@.check_transactions();

-- check_postings runs once per INSERT statement on postings: no posting
-- beyond its transaction's count (the primary key refuses the others, and
-- the foreign key a posting without its transaction), and every
-- transaction's new postings balance per currency.
CREATE FUNCTION @schema@.check_postings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad bigint;
BEGIN
    -- Correlated subqueries: one primary-key probe per row, whatever the
    -- planner thinks of the transition table's size.
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
CREATE TRIGGER postings_balanced AFTER INSERT ON @schema@.postings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @schema@.check_postings();

-- assert_rows makes a write statement fail (and its transaction abort) when
-- it touched fewer rows than expected: the compare-and-swap of versions.
CREATE FUNCTION @schema@.assert_rows(got bigint, want bigint, what text) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    IF got <> want THEN
        RAISE EXCEPTION 'accrue ledger: % moved: % of % rows matched their versions', what, got, want USING ERRCODE = 'AL409';
    END IF;
    RETURN got;
END $$;
