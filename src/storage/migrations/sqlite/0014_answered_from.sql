-- The article an answer came from, on the assistant's answers: operators see how often each
-- article answers and how visitors rate it, without parsing every message's citations.
ALTER TABLE messages ADD COLUMN article_id TEXT;
UPDATE messages SET article_id = json_extract(citations, '$[0].article_id')
    WHERE author = 'bot' AND kind = 'answer' AND json_valid(citations);
CREATE INDEX messages_article ON messages (article_id, created_at) WHERE article_id IS NOT NULL;
