-- The language a question was read in, on the visitor's message and the assistant's reply:
-- it can differ from the conversation's locale (an English question on the French page), and
-- the reports and the unanswered questions count it in that language.
ALTER TABLE messages ADD COLUMN lang TEXT;
