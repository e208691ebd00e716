//! Console accounts: argon2id password hashes and API tokens.
//!
//! Tokens are 256 random bits, stored only as SHA-256 hashes, valid for 12 hours.

use crate::conversation::{new_id, now_ms, VisitorToken};
use crate::storage::{Store, StoreError, User};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Token lifetime.
const TOKEN_MS: i64 = 12 * 3600 * 1000;

/// What a person may do, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Agent,
    Operator,
    Admin,
}

impl Role {
    /// Parses `agent`, `operator` or `admin`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "agent" => Some(Role::Agent),
            "operator" => Some(Role::Operator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Whether the user is an admin (the audit pages, the equity report).
pub fn is_admin(user: &crate::storage::User) -> bool {
    Role::parse(&user.role) == Some(Role::Admin)
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("unknown role (use agent, operator or admin)")]
    BadRole,
    #[error("the password must have at least 10 characters")]
    WeakPassword,
    #[error("a user with this email already exists")]
    Exists,
    #[error("could not hash the password")]
    Hash,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Creates a console user.
pub async fn add_user(
    store: &dyn Store,
    email: &str,
    name: &str,
    role: &str,
    password: &str,
) -> Result<User, AccountError> {
    Role::parse(role).ok_or(AccountError::BadRole)?;
    if password.chars().count() < 10 {
        return Err(AccountError::WeakPassword);
    }
    let salt_bytes = uuid::Uuid::new_v4();
    let salt = SaltString::encode_b64(salt_bytes.as_bytes()).map_err(|_| AccountError::Hash)?;
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|_| AccountError::Hash)?
        .to_string();
    let user = User {
        id: new_id(),
        email: email.trim().to_lowercase(),
        display_name: name.trim().to_string(),
        role: role.to_string(),
        password_hash: hash,
        created_at: now_ms(),
        last_seen_at: 0,
    };
    if !store.create_user(&user).await? {
        return Err(AccountError::Exists);
    }
    Ok(user)
}

/// Checks a password and issues a token; `None` for a wrong email or password.
pub async fn login(
    store: &dyn Store,
    email: &str,
    password: &str,
) -> Result<Option<String>, StoreError> {
    let Some(user) = store.user_by_email(&email.trim().to_lowercase()).await? else {
        return Ok(None);
    };
    let ok = PasswordHash::new(&user.password_hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false);
    if !ok {
        return Ok(None);
    }
    let (token, hash) = VisitorToken::generate();
    let now = now_ms();
    store
        .save_token(&hash, &user.id, now, now + TOKEN_MS)
        .await?;
    let role = format!("role {}", user.role);
    crate::audit::record(store, &user.email, "sign_in", &user.id, &role).await?;
    Ok(Some(token))
}

/// The user behind a token, if it is valid.
pub async fn authenticate(store: &dyn Store, token: &str) -> Result<Option<User>, StoreError> {
    store
        .user_by_token(&VisitorToken::hash(token), now_ms())
        .await
}
