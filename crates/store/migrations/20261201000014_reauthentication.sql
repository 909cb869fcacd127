-- Re-authentication (SEC-08): when the session's owner last proved who they are again by
-- typing their password (the sign-in itself counts: the session is renewed then). Paying money
-- out and issuing plaques ask for a recent one.
ALTER TABLE sessions ADD COLUMN reauthenticated_at BIGINT;
