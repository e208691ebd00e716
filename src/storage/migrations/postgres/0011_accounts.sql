-- An account can be switched off (a person left the team) without losing who did what:
-- the audit log and the transcripts keep naming it.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
