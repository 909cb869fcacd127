-- PostgreSQL: the subsidy ledger refuses UPDATE, DELETE and TRUNCATE (corrections are
-- reversal entries).
CREATE TRIGGER ledger_entries_no_update_delete BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION skillbase_refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION skillbase_refuse_change();
