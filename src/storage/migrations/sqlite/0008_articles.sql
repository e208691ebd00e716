CREATE TABLE articles (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    document TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE article_versions (
    article_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    document TEXT NOT NULL,
    reason TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (article_id, version)
);
