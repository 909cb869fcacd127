-- Workbenches (each role's to-do counts) and the shortfalls of expert draws.
--
-- A draw that finds fewer experts than it was asked for (fewer eligible in the industry after
-- conflicts, or nobody left for a replacement) is stored as a shortfall with the counts that
-- explain it, shown to staff and counted on their workbench until later draws fill it.
CREATE TABLE review_shortfalls (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    -- The draw that came up short; NULL when a replacement found nobody (nothing was drawn).
    draw_id TEXT REFERENCES review_draws (id),
    reason TEXT NOT NULL CHECK (reason IN ('initial', 'replacement')),
    wanted BIGINT NOT NULL CHECK (wanted > 0),
    drawn BIGINT NOT NULL CHECK (drawn >= 0),
    in_industry BIGINT NOT NULL,
    already_drawn BIGINT NOT NULL,
    conflicted BIGINT NOT NULL,
    eligible BIGINT NOT NULL,
    -- Still missing: the shortfall is open while it is above zero.
    missing BIGINT NOT NULL CHECK (missing >= 0),
    status TEXT NOT NULL CHECK (status IN ('open', 'filled')),
    recorded_at BIGINT NOT NULL,
    filled_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX review_shortfalls_status_id ON review_shortfalls (status, id);
CREATE INDEX review_shortfalls_application ON review_shortfalls (application_id, status);

-- What the workbenches count: one range of an index each.
CREATE INDEX applications_status_due ON applications (status, supplement_due_at);
CREATE INDEX assignments_status_due ON assignments (status, due_at);
CREATE INDEX assignments_expert_due ON assignments (expert_id, status, due_at);
CREATE INDEX proposals_status_id ON proposals (status, id);
CREATE INDEX batches_status_id ON batches (status, id);
CREATE INDEX notices_status_id ON notices (status, id);
CREATE INDEX objections_status_id ON objections (status, id);
CREATE INDEX expenses_status_id ON expenses (status, id);
CREATE INDEX funding_requests_status_id ON funding_requests (status, id);
CREATE INDEX notifications_organization_unread ON notifications (organization_id, read_at);
CREATE INDEX user_notifications_user_unread ON user_notifications (user_id, read_at);
