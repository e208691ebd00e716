-- The visitor's rating of the help a person gave (one per conversation, the latest kept):
-- service quality of people, next to the feedback on the assistant's answers.
CREATE TABLE ratings (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    helped BOOLEAN NOT NULL,
    comment TEXT,
    created_at BIGINT NOT NULL
);
