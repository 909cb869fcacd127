-- Disputes over who holds a 统一社会信用代码 (归属争议). Registration is first come, first
-- served; when the rightful holder comes second it files a dispute with its business licence
-- and the registration it would have made, and staff transfer the organisation to it or refuse.
--
-- The organisation record stays (the USCC names one legal entity, and its applications, bases
-- and audit records point at the record); on a transfer the first registrant's accounts are
-- disabled, never deleted, so every earlier step still names who took it, and the profile the
-- first registrant had typed is kept here (`holder_*`) as it stood when the dispute was filed.
CREATE TABLE organization_disputes (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    uscc TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('filed', 'transferred', 'refused')),
    -- The claimant's registration, as typed.
    claimant_name TEXT NOT NULL,
    claimant_kind TEXT NOT NULL CHECK (claimant_kind IN ('enterprise', 'vocational_college', 'social_organization')),
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    contact_email TEXT,
    username TEXT NOT NULL,
    -- Argon2id, as for an account; emptied once the dispute is resolved (moved to the account
    -- on a transfer, dropped on a refusal).
    password_hash TEXT,
    -- The business licence (营业执照): content address, sniffed type, sanitised name.
    licence_hash TEXT NOT NULL,
    licence_kind TEXT NOT NULL,
    licence_name TEXT NOT NULL,
    -- The first registrant's profile when the dispute was filed.
    holder_name TEXT NOT NULL,
    holder_contact_name TEXT NOT NULL,
    holder_contact_phone TEXT NOT NULL,
    filed_at BIGINT NOT NULL,
    resolved_at BIGINT,
    resolved_by TEXT REFERENCES users (id),
    reason TEXT,
    -- The claimant's account, created by a transfer.
    claimant_user_id TEXT REFERENCES users (id),
    version BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX organization_disputes_status ON organization_disputes (status, id);
-- One open claim per username: the account a transfer creates must be free to create.
CREATE UNIQUE INDEX organization_disputes_username_key ON organization_disputes (username) WHERE status = 'filed';
