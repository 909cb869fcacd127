-- The foundation: accounts, the audit trail, administrator calendar years and the job queue.
--
-- Written once for SQLite and PostgreSQL (see ARCHITECTURE.md "SQL once, two engines"):
-- ids are TEXT (UUIDv7), integers BIGINT (PostgreSQL's INTEGER would decode as i32), instants
-- BIGINT unix milliseconds UTC, dates TEXT YYYY-MM-DD, enums TEXT with a CHECK.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN (
        'applicant', 'staff', 'leader', 'expert', 'funding', 'sysadmin', 'secadmin', 'auditor'
    )),
    password_hash TEXT NOT NULL,
    -- TRUE for a password somebody else chose (first start, reset): changed at the next login.
    must_change_password BOOLEAN NOT NULL,
    disabled BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username)
);

-- The audit trail: append-only (engine-specific triggers refuse UPDATE and DELETE) and
-- hash-chained: `hash = HMAC-SM3(key, prev_hash || canonical record)`, the key kept outside the
-- database. `seq` numbers the chain without gaps.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT,
    actor_role TEXT,
    organization_id TEXT,
    client_ip TEXT,
    request_id TEXT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT,
    detail TEXT NOT NULL,
    alg TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    CONSTRAINT audit_log_seq_key UNIQUE (seq)
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);

-- The chain's head: the one row every audited transaction updates, which serialises appends
-- (on PostgreSQL the UPDATE takes the row lock; SQLite writers are serialised anyway) and lets
-- `audit verify` notice a cut-off tail.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    appends BIGINT NOT NULL
);
INSERT INTO audit_head (id, seq, hash, appends)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 0);

-- A year of the State Council holiday notice imported by an administrator; it takes precedence
-- over the year embedded in the binary. `data` is the file as imported (JSON text).
CREATE TABLE calendar_years (
    year BIGINT PRIMARY KEY,
    data TEXT NOT NULL,
    imported_at BIGINT NOT NULL,
    imported_by TEXT
);

-- Every later effect (a deadline, a reminder, a notice closing) is a row here, written in the
-- same transaction as its cause and claimed by a runner with a lease.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    -- Enqueueing the same effect twice (a retried request) leaves one row.
    dedupe_key TEXT,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT jobs_dedupe_key_key UNIQUE (dedupe_key)
);
CREATE INDEX jobs_due ON jobs (status, run_at);
