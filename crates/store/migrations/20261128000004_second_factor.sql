-- The second factor (TOTP): the shared secret sealed with SM4-GCM (never in clear), whether it
-- is confirmed, and the last step used (a code is never accepted twice).
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- A session opened by the password alone, waiting for the second factor: it grants nothing
-- until the code is given.
ALTER TABLE sessions ADD COLUMN pending_second_factor BOOLEAN NOT NULL DEFAULT FALSE;
