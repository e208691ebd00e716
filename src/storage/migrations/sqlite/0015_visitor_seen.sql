-- When the visitor's widget last followed the conversation (its live stream open, while a
-- person is awaited or holds it): the person sees whether the visitor is still on the site.
-- Not a reason to keep the conversation longer: retention reads updated_at.
ALTER TABLE conversations ADD COLUMN visitor_seen_at BIGINT;
