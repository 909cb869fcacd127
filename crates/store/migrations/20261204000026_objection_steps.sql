-- Every step taken on an objection — taken up for investigation, concluded sustained or
-- dismissed — with its actor, time and comment, shown as the objection's history (the row
-- itself keeps only the conclusion).
CREATE TABLE objection_steps (
    id TEXT PRIMARY KEY,
    objection_id TEXT NOT NULL REFERENCES objections (id),
    action TEXT NOT NULL,
    actor_id TEXT NOT NULL REFERENCES users (id),
    actor_role TEXT NOT NULL,
    comment TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX objection_steps_objection ON objection_steps (objection_id, id);
