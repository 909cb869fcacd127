-- The annual review (年度复核, C4.4): a campaign per year, a report per base active on its
-- cut-off day, every step on a report with its actor, time and comment, and money a revoked
-- base paid back (追回). Dates are TEXT 'YYYY-MM-DD' (Shanghai), instants BIGINT milliseconds
-- (UTC); lists read newest first by UUIDv7 id.

CREATE TABLE review_campaigns (
    id TEXT PRIMARY KEY,
    year BIGINT NOT NULL,
    cut_off TEXT NOT NULL,
    days BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    note TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    opened_by TEXT NOT NULL REFERENCES users (id),
    opened_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT review_campaigns_year_key UNIQUE (year)
);

CREATE TABLE annual_reports (
    id TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES review_campaigns (id),
    base_id TEXT NOT NULL REFERENCES bases (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'submitted', 'rectifying', 'answered',
                                           'revocation_proposed', 'passed', 'revoked')),
    due_on TEXT NOT NULL,
    -- Set by the deadline job when the report was not filed in time; never cleared.
    overdue BIGINT NOT NULL DEFAULT 0 CHECK (overdue IN (0, 1)),
    -- The figures as filed (JSON lines), frozen at submission; NULL while pending.
    lines TEXT,
    -- Corrections, self-assessment and plan (JSON).
    content TEXT NOT NULL,
    submitted_at BIGINT,
    rectification TEXT,
    rectification_due TEXT,
    answer TEXT,
    -- Set by the rectification job when the deadline passed unanswered.
    escalated_at BIGINT,
    ground TEXT,
    proposed_from TEXT,
    proposed_by TEXT REFERENCES users (id),
    decided_on TEXT,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT annual_reports_campaign_base_key UNIQUE (campaign_id, base_id)
);
CREATE INDEX annual_reports_base ON annual_reports (base_id, id);
CREATE INDEX annual_reports_campaign ON annual_reports (campaign_id, id);
CREATE INDEX annual_reports_status ON annual_reports (status, id);

CREATE TABLE annual_report_steps (
    id TEXT PRIMARY KEY,
    report_id TEXT NOT NULL REFERENCES annual_reports (id),
    action TEXT NOT NULL,
    -- NULL for the system's own steps (the deadline jobs).
    actor_id TEXT REFERENCES users (id),
    actor_role TEXT,
    comment TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX annual_report_steps_report ON annual_report_steps (report_id, id);

CREATE TABLE base_recoveries (
    id TEXT PRIMARY KEY,
    base_id TEXT NOT NULL REFERENCES bases (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    paid_on TEXT NOT NULL,
    voucher TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at BIGINT NOT NULL,
    CONSTRAINT base_recoveries_voucher_key UNIQUE (voucher)
);
CREATE INDEX base_recoveries_base ON base_recoveries (base_id, id);
