-- The bureau's signing keys (SM2), each sealed with the data key (SM4-GCM) before it is stored,
-- and the daily signed heads of the audit chain (SEC-36).
CREATE TABLE signing_keys (
    id TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    public_key TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT signing_keys_purpose_key UNIQUE (purpose)
);

CREATE TABLE audit_anchors (
    day TEXT PRIMARY KEY,               -- YYYY-MM-DD, Asia/Shanghai
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    key_id TEXT NOT NULL REFERENCES signing_keys (id),
    signature TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
