-- Skill-level certification (C3.3): a base's filings to certify occupations and levels, its
-- certification sessions (考评) and their results, the certificates issued, and every decision
-- on them with its actor, time and comment. Dates are TEXT 'YYYY-MM-DD' (Shanghai), instants
-- BIGINT milliseconds (UTC); lists read newest first by UUIDv7 id.

CREATE TABLE cert_filings (
    id TEXT PRIMARY KEY,
    base_id TEXT NOT NULL REFERENCES bases (id),
    occupation TEXT NOT NULL,
    levels TEXT NOT NULL,
    note TEXT,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'recommended', 'approved', 'refused')),
    valid_from TEXT,
    valid_until TEXT,
    filed_by TEXT NOT NULL REFERENCES users (id),
    filed_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX cert_filings_base ON cert_filings (base_id, id);
CREATE INDEX cert_filings_status ON cert_filings (status, id);

-- Every step of a filing, a session or a certificate, in order (the history shown on each).
CREATE TABLE cert_decisions (
    id TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL,
    action TEXT NOT NULL,
    actor_id TEXT NOT NULL REFERENCES users (id),
    actor_role TEXT NOT NULL,
    comment TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX cert_decisions_subject ON cert_decisions (subject_id, id);

CREATE TABLE cert_sessions (
    id TEXT PRIMARY KEY,
    base_id TEXT NOT NULL REFERENCES bases (id),
    filing_id TEXT NOT NULL REFERENCES cert_filings (id),
    occupation TEXT NOT NULL,
    level TEXT NOT NULL,
    held_on TEXT NOT NULL,
    place TEXT NOT NULL,
    assessors TEXT NOT NULL,
    self_evaluation BIGINT NOT NULL CHECK (self_evaluation IN (0, 1)),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'published')),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX cert_sessions_base ON cert_sessions (base_id, id);
CREATE INDEX cert_sessions_status ON cert_sessions (status, id);

-- A candidate once per session; scores in tenths of a point.
CREATE TABLE cert_results (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES cert_sessions (id),
    base_id TEXT NOT NULL REFERENCES bases (id),
    trainee_id TEXT NOT NULL REFERENCES trainees (id),
    theory BIGINT NOT NULL CHECK (theory BETWEEN 0 AND 1000),
    practical BIGINT NOT NULL CHECK (practical BETWEEN 0 AND 1000),
    passed BIGINT NOT NULL CHECK (passed IN (0, 1)),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    CONSTRAINT cert_results_session_trainee_key UNIQUE (session_id, trainee_id)
);
CREATE INDEX cert_results_session ON cert_results (session_id, id);

-- The number is permanent: unique, never reused, one certificate per passing result.
CREATE TABLE certificates (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    year BIGINT NOT NULL,
    sequence BIGINT NOT NULL,
    base_id TEXT NOT NULL REFERENCES bases (id),
    session_id TEXT NOT NULL REFERENCES cert_sessions (id),
    result_id TEXT NOT NULL REFERENCES cert_results (id),
    trainee_id TEXT NOT NULL REFERENCES trainees (id),
    holder_name TEXT NOT NULL,
    masked_id TEXT NOT NULL,
    occupation TEXT NOT NULL,
    level TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    statement TEXT NOT NULL,
    signature TEXT NOT NULL,
    key_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('valid', 'revocation_proposed', 'revoked')),
    revoked_on TEXT,
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT certificates_number_key UNIQUE (number),
    CONSTRAINT certificates_year_sequence_key UNIQUE (year, sequence),
    CONSTRAINT certificates_result_key UNIQUE (result_id)
);
CREATE INDEX certificates_base ON certificates (base_id, id);
CREATE INDEX certificates_session ON certificates (session_id, id);
CREATE INDEX certificates_status ON certificates (status, id);
