-- The security administrator's settings (password policy, lockout, sessions, second factor), as
-- JSON in one row; absent means the built-in defaults. Read on every use, so every instance
-- applies a change at once.
CREATE TABLE security_settings (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    data TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT
);
