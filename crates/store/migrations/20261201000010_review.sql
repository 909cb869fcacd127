-- Expert review (C4.2): the expert pool, each draw of experts as it was made, one assignment per
-- expert and application with its declaration and score sheet, the recognition lists staff
-- propose for a call, and in-app notifications to one account (experts are not organisations).

-- An expert's profile, kept by staff, for an account with the expert role. What conflicts of
-- interest are computed from is keyed by 统一社会信用代码 (validated before it gets here); the
-- lists are JSON arrays, read whole into the domain's ExpertProfile (nothing in SQL filters by
-- an element of them).
CREATE TABLE experts (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    employer_name TEXT NOT NULL,
    employer_uscc TEXT,
    -- JSON: ["digital", …] (industry ids of the policy).
    industries TEXT NOT NULL,
    -- JSON: [{"uscc": "…", "name": "…", "until": "YYYY-MM-DD"}, …].
    past_employers TEXT NOT NULL,
    -- JSON: [{"uscc": "…", "name": "…", "reason": "…"}, …].
    declared_ties TEXT NOT NULL,
    -- An expert taken out of the pool is never drawn again; their past work stays.
    active BOOLEAN NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users (id),
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

-- A draw, kept whole so anyone can repeat it: the seed (a u64, as decimal text: it does not fit
-- BIGINT), the candidates in canonical order, who was excluded before drawing and who was drawn.
CREATE TABLE review_draws (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    seed TEXT NOT NULL,
    -- JSON arrays of expert (user) ids.
    candidates TEXT NOT NULL,
    excluded TEXT NOT NULL,
    drawn TEXT NOT NULL,
    -- initial | replacement
    reason TEXT NOT NULL CHECK (reason IN ('initial', 'replacement')),
    -- What the draw was asked for: how many, and the policy's minimum.
    wanted BIGINT NOT NULL,
    policy_id TEXT NOT NULL REFERENCES policy_versions (id),
    drawn_by TEXT REFERENCES users (id),    -- NULL: the system (a replacement after a declaration)
    drawn_at BIGINT NOT NULL
);
CREATE INDEX review_draws_application ON review_draws (application_id, drawn_at);

CREATE TABLE assignments (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    expert_id TEXT NOT NULL REFERENCES users (id),
    draw_id TEXT NOT NULL REFERENCES review_draws (id),
    status TEXT NOT NULL CHECK (status IN ('assigned', 'accepted', 'declined_conflict', 'scored')),
    -- The last day to score (Asia/Shanghai) and the instant after which it is overdue.
    due_on TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    declared_at BIGINT,
    -- Why the expert stepped aside (their declaration, or staff's finding).
    conflict_reason TEXT,
    -- JSON: [{"criterion": "site", "points": 20, "comment": "…"}, …] in the rubric's order.
    scores TEXT,
    total BIGINT CHECK (total IS NULL OR (total >= 0 AND total <= 100)),
    submitted_at BIGINT,
    reopened_reason TEXT,
    reminded_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- An expert is drawn for an application at most once.
    CONSTRAINT assignments_application_expert_key UNIQUE (application_id, expert_id)
);
CREATE INDEX assignments_expert ON assignments (expert_id, status);

-- 拟认定名单: the ranking of a call as staff proposed it, for a leader who did not draft it.
CREATE TABLE proposals (
    id TEXT PRIMARY KEY,
    batch_id TEXT NOT NULL REFERENCES batches (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'sent_back')),
    -- JSON: the whole ranking with each line's outcome, score, priority and reason.
    ranking TEXT NOT NULL,
    policy_id TEXT NOT NULL REFERENCES policy_versions (id),
    note TEXT NOT NULL DEFAULT '',
    drafted_by TEXT NOT NULL REFERENCES users (id),
    drafted_at BIGINT NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at BIGINT,
    decision_note TEXT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX proposals_batch ON proposals (batch_id, drafted_at);
-- One list waiting for the leader per call; an approved one is final.
CREATE UNIQUE INDEX proposals_open_key ON proposals (batch_id) WHERE status IN ('pending', 'approved');

-- In-app notifications to one account (an expert's assignments and reminders).
CREATE TABLE user_notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    at BIGINT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    read_at BIGINT
);
CREATE INDEX user_notifications_user ON user_notifications (user_id, at);
