//! How each article serves visitors: the answers given from it over the last 30 days and
//! what visitors said of them. Operators see which articles carry the help centre, which
//! are never used, and which visitors find unhelpful, next to each article.

use crate::storage::{ArticleUsage, Store, StoreError};
use std::collections::HashMap;

/// The period the operator pages count over.
pub const DAYS: i64 = 30;

/// The start of the counted period (ms).
fn since(now: i64) -> i64 {
    now - DAYS * 24 * 3_600_000
}

/// Every article that answered at least once in the last `DAYS` days, by id.
pub async fn recent(
    store: &dyn Store,
    now: i64,
) -> Result<HashMap<String, ArticleUsage>, StoreError> {
    Ok(store
        .article_usage(since(now), None)
        .await?
        .into_iter()
        .map(|u| (u.article_id.clone(), u))
        .collect())
}

/// One article's figures (zero when it did not answer).
pub async fn of(store: &dyn Store, id: &str, now: i64) -> Result<ArticleUsage, StoreError> {
    let mut one = store.article_usage(since(now), Some(id)).await?;
    Ok(one.pop().unwrap_or_else(|| ArticleUsage {
        article_id: id.to_string(),
        ..ArticleUsage::default()
    }))
}
