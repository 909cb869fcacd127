-- Applications (C2, C4.1): the policy versions they are judged under, calls for applications,
-- the application with its submitted revisions, its timeline, its attachments, the eligibility
-- trace, in-app notifications, and the idempotency keys of creating requests.

-- A version of the policy document, kept verbatim: a decision stores the version it was made
-- under, and the text that version had can always be shown again.
CREATE TABLE policy_versions (
    id TEXT PRIMARY KEY,                    -- "<code>@<version>"
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    effective_from TEXT NOT NULL,           -- YYYY-MM-DD, Asia/Shanghai
    fingerprint TEXT NOT NULL,              -- SM3 of the source
    source TEXT NOT NULL,
    loaded_by TEXT REFERENCES users (id),   -- NULL: embedded in the binary
    loaded_at BIGINT NOT NULL,
    CONSTRAINT policy_versions_code_version_key UNIQUE (code, version)
);

-- 申报批次. Dates are Asia/Shanghai calendar dates; the window runs from the first second of
-- opens_on to the last second of closes_on.
CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    year BIGINT NOT NULL,
    title TEXT NOT NULL,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    quota BIGINT NOT NULL CHECK (quota > 0),
    policy_id TEXT NOT NULL REFERENCES policy_versions (id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed', 'reviewing', 'noticed', 'done')),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    CHECK (opens_on <= closes_on)
);

CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    batch_id TEXT NOT NULL REFERENCES batches (id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'resubmitted', 'accepted',
        'not_accepted', 'lapsed', 'withdrawn', 'eligible', 'ineligible', 'in_review', 'scored', 'proposed',
        'not_selected', 'approved', 'in_notice', 'recognised', 'rejected_after_objection')),
    -- The form as the organisation last saved it (JSON of domain::application::ApplicationForm).
    form TEXT NOT NULL,
    -- Fixed at the first submission: the version in force that day.
    policy_id TEXT REFERENCES policy_versions (id),
    submitted_at BIGINT,
    -- How many times it has been submitted (each submission is a revision).
    revisions BIGINT NOT NULL DEFAULT 0,
    -- While returned: the last date to resubmit, and the instant after which it lapses.
    supplement_due_on TEXT,
    supplement_due_at BIGINT,
    -- Optimistic concurrency: every write bumps it; a stale write is refused (409).
    version BIGINT NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX applications_organization ON applications (organization_id);
CREATE INDEX applications_batch_status ON applications (batch_id, status);
-- One live application per organisation and call (a withdrawn, refused or lapsed one may be
-- followed by a new one). Partial unique indexes: SQLite and PostgreSQL both have them.
CREATE UNIQUE INDEX applications_live_key ON applications (organization_id, batch_id)
    WHERE status NOT IN ('withdrawn', 'not_accepted', 'lapsed');

-- Every submission, kept whole, so staff can see what changed between two of them.
CREATE TABLE application_revisions (
    application_id TEXT NOT NULL REFERENCES applications (id),
    number BIGINT NOT NULL,
    form TEXT NOT NULL,
    submitted_by TEXT NOT NULL REFERENCES users (id),
    submitted_at BIGINT NOT NULL,
    PRIMARY KEY (application_id, number)
);

-- The timeline: every transition, with the reason given (shown to the applicant).
CREATE TABLE application_events (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    at BIGINT NOT NULL,
    actor_id TEXT REFERENCES users (id),    -- NULL: the system (a deadline)
    action TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    -- JSON: return items, the deadline, the policy version …
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX application_events_application ON application_events (application_id, at);

-- Uploaded files. The bytes live in object storage under their SM3 hash; a row says who may
-- see them (the application's organisation and the bureau) and what the user called them.
CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    content_hash TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('pdf', 'jpeg', 'png', 'xlsx')),
    size BIGINT NOT NULL,
    display_name TEXT NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users (id),
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX attachments_application ON attachments (application_id);

-- The eligibility trace computed on acceptance, and staff's confirmation of each clause.
CREATE TABLE eligibility_items (
    application_id TEXT NOT NULL REFERENCES applications (id),
    clause TEXT NOT NULL,
    policy_id TEXT NOT NULL REFERENCES policy_versions (id),
    -- What the rules found: pass | fail | confirm (needs staff confirmation).
    computed TEXT NOT NULL CHECK (computed IN ('pass', 'fail', 'confirm')),
    -- JSON: the evidence looked at and the explanations.
    trace TEXT NOT NULL,
    computed_at BIGINT NOT NULL,
    -- What staff decided (NULL until confirmed); a decision against `computed` needs a reason.
    decided TEXT CHECK (decided IN ('pass', 'fail')),
    reason TEXT,
    decided_by TEXT REFERENCES users (id),
    decided_at BIGINT,
    PRIMARY KEY (application_id, clause)
);

-- In-app notifications to an organisation's accounts.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    application_id TEXT REFERENCES applications (id),
    at BIGINT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_organization ON notifications (organization_id, at);

-- Idempotency-Key: the first answer to a creating request is kept and replayed for a retry with
-- the same key by the same account; the key is refused for a different request.
CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL REFERENCES users (id),
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);
