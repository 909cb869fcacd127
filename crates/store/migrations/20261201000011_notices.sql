-- Public notice (公示, C4.2), objections (异议) and recognised bases with their plaques (认定授牌,
-- C4.3).

-- A notice of an approved recognition list. Its period is fixed when it is published, from the
-- working-day calendar: it is public from 00:00:00 of publish_on and receives objections until
-- 23:59:59 of last_day (Asia/Shanghai), stored as the instants opens_at and ends_at.
CREATE TABLE notices (
    id TEXT PRIMARY KEY,
    batch_id TEXT NOT NULL REFERENCES batches (id),
    proposal_id TEXT NOT NULL REFERENCES proposals (id),
    -- scheduled (public from opens_at; "open" follows from the clock) | closed | concluded
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'open', 'closed', 'concluded')),
    title TEXT NOT NULL,
    publish_on TEXT NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    working_days BIGINT NOT NULL,
    opens_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    policy_id TEXT NOT NULL REFERENCES policy_versions (id),
    published_by TEXT NOT NULL REFERENCES users (id),
    published_at BIGINT NOT NULL,
    closed_at BIGINT,
    concluded_by TEXT REFERENCES users (id),
    concluded_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1,
    -- One notice per approved list.
    CONSTRAINT notices_proposal_id_key UNIQUE (proposal_id)
);

-- What the public reads about each proposed base: organisation facts only, no personal data.
CREATE TABLE notice_entries (
    notice_id TEXT NOT NULL REFERENCES notices (id),
    application_id TEXT NOT NULL REFERENCES applications (id),
    position BIGINT NOT NULL,
    organization_name TEXT NOT NULL,
    uscc TEXT NOT NULL,
    kind TEXT NOT NULL,
    industry TEXT NOT NULL,
    -- JSON: ["数控车工（6-18-01-01）", …]
    projects TEXT NOT NULL,
    -- The verified priority basis, in words ('' for none).
    priority TEXT NOT NULL,
    PRIMARY KEY (notice_id, application_id)
);

-- An objection filed from the public page. The objector's name and contact are personal data:
-- stored only sealed with the data key (SM4-GCM, bound to the row); the masked contact is what
-- lists show.
CREATE TABLE objections (
    id TEXT PRIMARY KEY,
    notice_id TEXT NOT NULL REFERENCES notices (id),
    application_id TEXT NOT NULL REFERENCES applications (id),
    receipt TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('received', 'investigating', 'sustained', 'dismissed')),
    name_sealed TEXT NOT NULL,
    contact_sealed TEXT NOT NULL,
    contact_masked TEXT NOT NULL,
    organization TEXT,
    facts TEXT NOT NULL,
    attachment_hash TEXT,
    attachment_kind TEXT,
    attachment_name TEXT,
    received_at BIGINT NOT NULL,
    findings TEXT,
    resolved_by TEXT REFERENCES users (id),
    resolved_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT objections_receipt_key UNIQUE (receipt)
);
CREATE INDEX objections_notice ON objections (notice_id, received_at);

-- A recognised base. The plaque number is unique and permanent; what its SM2 signature covers
-- is kept verbatim (statement) with the signature and the key that made it.
CREATE TABLE bases (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    batch_id TEXT NOT NULL REFERENCES batches (id),
    notice_id TEXT NOT NULL REFERENCES notices (id),
    number TEXT NOT NULL,
    year BIGINT NOT NULL,
    sequence BIGINT NOT NULL,
    name TEXT NOT NULL,
    uscc TEXT NOT NULL,
    kind TEXT NOT NULL,
    industry TEXT NOT NULL,
    recognised_on TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'rectifying', 'revoked')),
    policy_id TEXT NOT NULL REFERENCES policy_versions (id),
    statement TEXT NOT NULL,
    signature TEXT NOT NULL,
    key_id TEXT NOT NULL,
    recognised_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT bases_number_key UNIQUE (number),
    CONSTRAINT bases_year_sequence_key UNIQUE (year, sequence),
    CONSTRAINT bases_application_id_key UNIQUE (application_id)
);
CREATE INDEX bases_status ON bases (status, year);
