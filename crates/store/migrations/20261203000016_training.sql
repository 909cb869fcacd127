-- Training records of a recognised base (PRODUCT.md §4; C2.2, C2.3, C3.1): projects, classes,
-- trainees, enrolments, master–apprentice pairs, competitions, and roster imports. Dates are
-- TEXT 'YYYY-MM-DD' (Shanghai dates), instants BIGINT milliseconds (UTC). Sets of dictionary
-- codes are TEXT, comma-joined in the dictionary's order. Every list is read newest first by
-- (base_id, id): ids are UUIDv7, so the id orders by creation and is the keyset cursor.

CREATE TABLE training_projects (
    id TEXT PRIMARY KEY,
    base_id TEXT NOT NULL REFERENCES bases (id),
    occupation TEXT NOT NULL,
    levels TEXT NOT NULL,
    criteria TEXT NOT NULL,
    description TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX training_projects_base ON training_projects (base_id, id);

CREATE TABLE training_classes (
    id TEXT PRIMARY KEY,
    base_id TEXT NOT NULL REFERENCES bases (id),
    project_id TEXT NOT NULL REFERENCES training_projects (id),
    name TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('self_run', 'joint_college', 'master_apprentice', 'competition', 'targeted')),
    college TEXT,
    target_group TEXT,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    hours BIGINT NOT NULL CHECK (hours > 0),
    place TEXT NOT NULL,
    teachers TEXT NOT NULL,
    innovations TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    -- A roster of enrolments names its class: the name is unique within the base.
    CONSTRAINT training_classes_base_name_key UNIQUE (base_id, name)
);
CREATE INDEX training_classes_base ON training_classes (base_id, id);
CREATE INDEX training_classes_project ON training_classes (project_id);

-- One person is one trainee of a base, whatever classes they take: the keyed blind index of the
-- resident ID number is unique per base. The number itself is only ever stored sealed (SM4-GCM,
-- bound to the row), with its masked form for lists; the phone likewise.
CREATE TABLE trainees (
    id TEXT PRIMARY KEY,
    base_id TEXT NOT NULL REFERENCES bases (id),
    name TEXT NOT NULL,
    resident_id_sealed TEXT NOT NULL,
    resident_id_index TEXT NOT NULL,
    resident_id_masked TEXT NOT NULL,
    phone_sealed TEXT,
    phone_masked TEXT,
    employer TEXT,
    employer_uscc TEXT,
    relation TEXT NOT NULL CHECK (relation IN ('own', 'upstream', 'downstream', 'other')),
    category TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT trainees_base_person_key UNIQUE (base_id, resident_id_index)
);
CREATE INDEX trainees_base ON trainees (base_id, id);
CREATE INDEX trainees_base_name ON trainees (base_id, name);
CREATE INDEX trainees_index ON trainees (resident_id_index);

CREATE TABLE enrolments (
    id TEXT PRIMARY KEY,
    base_id TEXT NOT NULL REFERENCES bases (id),
    class_id TEXT NOT NULL REFERENCES training_classes (id),
    trainee_id TEXT NOT NULL REFERENCES trainees (id),
    hours BIGINT NOT NULL CHECK (hours >= 0),
    completion TEXT NOT NULL CHECK (completion IN ('enrolled', 'completed', 'withdrawn')),
    outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'passed', 'failed')),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT enrolments_class_trainee_key UNIQUE (class_id, trainee_id)
);
CREATE INDEX enrolments_base ON enrolments (base_id, id);
CREATE INDEX enrolments_trainee ON enrolments (trainee_id);

CREATE TABLE apprenticeships (
    id TEXT PRIMARY KEY,
    base_id TEXT NOT NULL REFERENCES bases (id),
    master TEXT NOT NULL,
    master_title TEXT,
    apprentice_id TEXT NOT NULL REFERENCES trainees (id),
    occupation TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('ongoing', 'completed', 'ended')),
    -- The signed agreement (师带徒协议): content address, sniffed type, sanitised name.
    agreement_hash TEXT NOT NULL,
    agreement_kind TEXT NOT NULL,
    agreement_name TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX apprenticeships_base ON apprenticeships (base_id, id);

CREATE TABLE competitions (
    id TEXT PRIMARY KEY,
    base_id TEXT NOT NULL REFERENCES bases (id),
    name TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('base', 'district', 'municipal', 'national', 'world_skills')),
    held_on TEXT NOT NULL,
    organizer TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX competitions_base ON competitions (base_id, id);

CREATE TABLE competition_entries (
    competition_id TEXT NOT NULL REFERENCES competitions (id),
    trainee_id TEXT NOT NULL REFERENCES trainees (id),
    result TEXT NOT NULL,
    award TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (competition_id, trainee_id)
);

-- One uploaded roster workbook. The workbook itself is kept sealed in the file store only until
-- the import has run (it holds ID numbers); the report keeps row, column, reason — never a value
-- of the ID column.
CREATE TABLE roster_imports (
    id TEXT PRIMARY KEY,
    base_id TEXT NOT NULL REFERENCES bases (id),
    kind TEXT NOT NULL CHECK (kind IN ('trainees', 'classes', 'enrolments')),
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'imported', 'refused', 'failed')),
    file_name TEXT NOT NULL,
    sealed_file TEXT,
    total_rows BIGINT NOT NULL,
    done_rows BIGINT NOT NULL DEFAULT 0,
    imported_rows BIGINT NOT NULL DEFAULT 0,
    report TEXT NOT NULL DEFAULT '[]',
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX roster_imports_base ON roster_imports (base_id, id);
