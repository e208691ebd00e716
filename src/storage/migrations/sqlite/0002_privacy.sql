ALTER TABLE conversations ADD COLUMN keep_transcript BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE consent_receipts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    keep_transcript BOOLEAN NOT NULL,
    notice_version TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX consent_receipts_conversation ON consent_receipts (conversation_id);

CREATE TABLE contacts (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    email TEXT,
    phone TEXT,
    purpose TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE anonymous_counters (
    day TEXT NOT NULL,
    name TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (day, name)
);

CREATE INDEX why_records_created ON why_records (created_at);
