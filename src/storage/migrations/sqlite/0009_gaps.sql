CREATE TABLE gap_actions (
    gap_key TEXT PRIMARY KEY,
    action TEXT NOT NULL,
    article_id TEXT,
    actor TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
