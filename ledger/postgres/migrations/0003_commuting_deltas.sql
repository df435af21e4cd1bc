-- Accrue ledger schema, version 3: an account's version may move by more
-- than one in a single UPDATE.
--
-- Deltas marked Commutes (ledger.AccountDelta) are applied without a
-- version check, so one group commit may apply several requests' deltas to
-- one account (a hot commission-expense account) in a single row update;
-- the version then moves by the number of commits that changed the
-- account, as the ledger.Store contract counts it. The trigger still
-- refuses any change of the definition, a version that does not increase
-- when the counters change, and a version that moves back.
DROP TRIGGER accounts_definition ON @schema@.accounts;
CREATE TRIGGER accounts_definition BEFORE UPDATE ON @schema@.accounts FOR EACH ROW
    WHEN (NEW.name IS DISTINCT FROM OLD.name OR NEW.type IS DISTINCT FROM OLD.type
       OR NEW.currency IS DISTINCT FROM OLD.currency OR NEW.currency_minor IS DISTINCT FROM OLD.currency_minor
       OR NEW.currency_custom IS DISTINCT FROM OLD.currency_custom
       OR NEW.no_negative IS DISTINCT FROM OLD.no_negative OR NEW.no_positive IS DISTINCT FROM OLD.no_positive
       OR NEW.min_units IS DISTINCT FROM OLD.min_units OR NEW.max_units IS DISTINCT FROM OLD.max_units
       OR NEW.metadata IS DISTINCT FROM OLD.metadata
       OR NOT (NEW.version > OLD.version OR (NEW.version = OLD.version
           AND NEW.debits_posted = OLD.debits_posted AND NEW.credits_posted = OLD.credits_posted
           AND NEW.debits_pending = OLD.debits_pending AND NEW.credits_pending = OLD.credits_pending)))
    EXECUTE FUNCTION @schema@.refuse_change();
