ALTER TABLE feedback ADD COLUMN resolution TEXT;
ALTER TABLE feedback ADD COLUMN resolved_by TEXT;
ALTER TABLE feedback ADD COLUMN resolved_at BIGINT;
