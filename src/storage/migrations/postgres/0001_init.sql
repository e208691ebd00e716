CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL,
    locale TEXT NOT NULL,
    locale_explicit BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    disclosure_version TEXT NOT NULL,
    disclosure_shown_at BIGINT NOT NULL,
    origin TEXT,
    declined_streak BIGINT NOT NULL DEFAULT 0,
    queue_entered_at BIGINT,
    handoff_reason TEXT,
    handoff_trigger TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX conversations_queue ON conversations (status, queue_entered_at);
CREATE INDEX conversations_updated ON conversations (updated_at);

CREATE TABLE messages (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    author TEXT NOT NULL,
    ai_generated BOOLEAN NOT NULL,
    kind TEXT,
    text TEXT NOT NULL,
    citations TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, seq);

CREATE TABLE why_records (
    message_id TEXT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    record TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE disclosure_receipts (
    id BIGSERIAL PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    version TEXT NOT NULL,
    locale TEXT NOT NULL,
    shown_at BIGINT NOT NULL
);

CREATE TABLE handoff_events (
    id BIGSERIAL PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    trigger_kind TEXT NOT NULL,
    reason TEXT,
    created_at BIGINT NOT NULL
);
