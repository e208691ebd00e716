//! The append-only audit log of human actions, hash-chained.
//!
//! Appending reads the last hash and inserts the new entry in one write transaction; on
//! PostgreSQL an advisory lock serialises appends across instances so the chain never forks.

use super::StoreError;
use async_trait::async_trait;

/// SHA-256 over the previous hash and every field of the entry: changing any stored entry
/// breaks the chain from that entry on.
pub fn entry_hash(
    prev: &str,
    at: i64,
    actor: &str,
    action: &str,
    target: &str,
    summary: &str,
) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [prev, &at.to_string(), actor, action, target, summary] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// One audit entry as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub summary: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Storage of the audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an entry chained to the previous one (see [`entry_hash`]).
    async fn append_audit(
        &self,
        at: i64,
        actor: &str,
        action: &str,
        target: &str,
        summary: &str,
    ) -> Result<AuditEntry, StoreError>;
    /// Every entry, oldest first.
    async fn audit_entries(&self) -> Result<Vec<AuditEntry>, StoreError>;
}

macro_rules! impl_audit_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::audit::AuditStore for $store {
            async fn append_audit(
                &self,
                at: i64,
                actor: &str,
                action: &str,
                target: &str,
                summary: &str,
            ) -> Result<$crate::storage::audit::AuditEntry, $crate::storage::StoreError> {
                let (_writing, mut tx) = self.begin_write().await?;
                sqlx::query(Self::AUDIT_LOCK).execute(&mut *tx).await?;
                let last: Option<(String,)> =
                    sqlx::query_as("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                        .fetch_optional(&mut *tx)
                        .await?;
                let prev = last.map(|(h,)| h).unwrap_or_else(|| "genesis".to_string());
                let hash =
                    $crate::storage::audit::entry_hash(&prev, at, actor, action, target, summary);
                let entry: $crate::storage::audit::AuditEntry = sqlx::query_as(
                    "INSERT INTO audit_log (at, actor, action, target, summary, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
                )
                .bind(at)
                .bind(actor)
                .bind(action)
                .bind(target)
                .bind(summary)
                .bind(&prev)
                .bind(&hash)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(entry)
            }

            async fn audit_entries(
                &self,
            ) -> Result<Vec<$crate::storage::audit::AuditEntry>, $crate::storage::StoreError> {
                Ok(sqlx::query_as("SELECT * FROM audit_log ORDER BY seq")
                    .fetch_all(&self.pool)
                    .await?)
            }
        }
    };
}

pub(crate) use impl_audit_store;
