CREATE TABLE synonyms (
    lang TEXT NOT NULL,
    phrase TEXT NOT NULL,
    expansion TEXT NOT NULL,
    PRIMARY KEY (lang, phrase)
);
