-- Identity: applicant organisations, sessions kept in the database (so several instances share
-- them), and the login throttle that locks a username after repeated failures.

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    -- 统一社会信用代码, validated (GB 32100-2015) before it gets here.
    uscc TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('enterprise', 'vocational_college', 'social_organization')),
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    contact_email TEXT,
    created_at BIGINT NOT NULL,
    CONSTRAINT organizations_uscc_key UNIQUE (uscc)
);

-- Applicant accounts belong to exactly one organisation; other roles to none.
ALTER TABLE users ADD COLUMN organization_id TEXT REFERENCES organizations (id);
-- When the password was last set (unix ms): bureau-side passwords expire.
ALTER TABLE users ADD COLUMN password_changed_at BIGINT;
UPDATE users SET password_changed_at = created_at;

-- The session cookie's value is never stored: only its SM3 hash.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    client_ip TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed logins per username, whether or not the account exists, so that an unknown username
-- behaves exactly like a wrong password (no account enumeration).
CREATE TABLE login_throttle (
    username TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    locked_until BIGINT,
    updated_at BIGINT NOT NULL
);
