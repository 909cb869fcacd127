-- An applicant organisation's account inviting a colleague: a one-time code (only its SM3 hash
-- is stored) that creates another applicant account of the same organisation.
CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    note TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    accepted_user_id TEXT REFERENCES users (id),
    CONSTRAINT invitations_code_hash_key UNIQUE (code_hash)
);
CREATE INDEX invitations_organization ON invitations (organization_id);
