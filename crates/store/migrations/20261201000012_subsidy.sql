-- The subsidy (C5, C6): funding requests to the district employee-training coordination group,
-- one grant per recognised base, disbursements, the append-only double-entry ledger, and the
-- expenses with their audit by staff. Amounts are integer fen.

CREATE TABLE funding_requests (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'rejected', 'returned')),
    title TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    total BIGINT NOT NULL CHECK (total > 0),
    drafted_by TEXT NOT NULL REFERENCES users (id),
    drafted_at BIGINT NOT NULL,
    endorsed_by TEXT REFERENCES users (id),
    endorsed_at BIGINT,
    decided_by TEXT REFERENCES users (id),
    decided_at BIGINT,
    -- Why it was returned or rejected.
    reason TEXT,
    version BIGINT NOT NULL DEFAULT 1
);

-- The bases a request lists, each with the amount from the policy version it was recognised under.
CREATE TABLE funding_items (
    request_id TEXT NOT NULL REFERENCES funding_requests (id),
    base_id TEXT NOT NULL REFERENCES bases (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    policy_id TEXT NOT NULL REFERENCES policy_versions (id),
    PRIMARY KEY (request_id, base_id)
);
CREATE INDEX funding_items_base ON funding_items (base_id);

-- One grant per base, ever (C5: 一次性资助): the primary key says so.
CREATE TABLE grants (
    base_id TEXT PRIMARY KEY REFERENCES bases (id),
    request_id TEXT NOT NULL REFERENCES funding_requests (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    granted_at BIGINT NOT NULL
);

-- The ledger of each base: append-only (engine triggers refuse UPDATE and DELETE) and
-- double-entry: `amount` moves from `credit` to `debit` (accounts pool, grant, cash,
-- expense:<category>). A correction is a reversal entry naming the entry it reverses, at most
-- once (the partial unique index).
CREATE TABLE ledger_entries (
    base_id TEXT NOT NULL REFERENCES bases (id),
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('grant', 'disbursement', 'expense', 'reversal')),
    debit TEXT NOT NULL,
    credit TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    reverses BIGINT,
    -- What the entry records: funding_request | disbursement | expense, and its id.
    ref_type TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    memo TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL,
    recorded_by TEXT REFERENCES users (id),
    PRIMARY KEY (base_id, seq),
    CHECK (debit <> credit)
);
CREATE UNIQUE INDEX ledger_entries_reversal_key ON ledger_entries (base_id, reverses) WHERE reverses IS NOT NULL;

CREATE TABLE disbursements (
    id TEXT PRIMARY KEY,
    base_id TEXT NOT NULL REFERENCES bases (id),
    seq BIGINT NOT NULL,
    paid_on TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    -- The payment voucher (凭证号): one per payment, so a retried record is refused.
    voucher TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at BIGINT NOT NULL,
    CONSTRAINT disbursements_voucher_key UNIQUE (voucher)
);

CREATE TABLE expenses (
    id TEXT PRIMARY KEY,
    base_id TEXT NOT NULL REFERENCES bases (id),
    seq BIGINT NOT NULL,
    category TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    spent_on TEXT NOT NULL,
    payee TEXT NOT NULL,
    description TEXT NOT NULL,
    receipt_hash TEXT NOT NULL,
    receipt_kind TEXT NOT NULL,
    receipt_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('recorded', 'approved', 'queried', 'answered', 'reversed')),
    question TEXT,
    answer TEXT,
    reviewed_by TEXT REFERENCES users (id),
    reviewed_at BIGINT,
    reversal_seq BIGINT,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX expenses_base ON expenses (base_id, spent_on);

-- The day a base was revoked (annual review): no expense dated after it may be recorded.
ALTER TABLE bases ADD COLUMN revoked_on TEXT;
