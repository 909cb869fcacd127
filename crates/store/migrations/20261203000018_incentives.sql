-- The incentive records of a recognised base (PRODUCT.md §4; C3.2, 激励): chief technicians and
-- skill-master studios it appoints, awards and commendations, and its other incentives (疗休养、
-- 进修、健康体检). One table for the four kinds, so that one list pages through them newest
-- first by (base_id, id) like the training records; each kind's CHECK says which columns it
-- fills. Dates are TEXT 'YYYY-MM-DD' (Shanghai dates), amounts BIGINT fen, instants BIGINT
-- milliseconds (UTC).
--
-- starts_on is an appointment's first day, or the date of an award or another incentive;
-- ends_on is an appointment's last day. amount_fen is an award's amount or another incentive's
-- cost; allowance_fen (a month) and funds_fen are an appointment's.

CREATE TABLE incentives (
    id TEXT PRIMARY KEY,
    base_id TEXT NOT NULL REFERENCES bases (id),
    kind TEXT NOT NULL CHECK (kind IN ('chief_technician', 'master_studio', 'award', 'other')),
    person TEXT NOT NULL,
    occupation TEXT,
    studio TEXT,
    title TEXT,
    level TEXT CHECK (level IN ('base', 'district', 'municipal', 'national')),
    awarded_by TEXT,
    benefit TEXT CHECK (benefit IN ('recuperation', 'further_study', 'health_check')),
    description TEXT,
    starts_on TEXT NOT NULL,
    ends_on TEXT,
    allowance_fen BIGINT CHECK (allowance_fen >= 0),
    funds_fen BIGINT CHECK (funds_fen >= 0),
    amount_fen BIGINT CHECK (amount_fen >= 0),
    -- An appointment's document (聘任文件), if uploaded: content address, sniffed type, name.
    document_hash TEXT,
    document_kind TEXT,
    document_name TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT incentives_shape CHECK (
        (kind IN ('chief_technician', 'master_studio')
            AND occupation IS NOT NULL AND ends_on IS NOT NULL AND ends_on >= starts_on
            AND allowance_fen IS NOT NULL AND amount_fen IS NULL
            AND (kind = 'chief_technician' OR (studio IS NOT NULL AND funds_fen IS NOT NULL)))
        OR (kind = 'award' AND title IS NOT NULL AND level IS NOT NULL AND awarded_by IS NOT NULL
            AND ends_on IS NULL AND document_hash IS NULL)
        OR (kind = 'other' AND benefit IS NOT NULL AND description IS NOT NULL
            AND ends_on IS NULL AND document_hash IS NULL)
    )
);
CREATE INDEX incentives_base ON incentives (base_id, id);
CREATE INDEX incentives_base_kind ON incentives (base_id, kind, id);
