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
    #[error("the email must be an email address (at most 254 characters)")]
    BadEmail,
    #[error("the name must be at most 100 characters on one line")]
    BadName,
    #[error("the password must have at least 10 characters")]
    WeakPassword,
    #[error("the password must have at most 1000 characters")]
    LongPassword,
    #[error("a user with this email already exists")]
    Exists,
    #[error("no user with this email")]
    NoSuchUser,
    #[error("the current password is not right")]
    WrongPassword,
    #[error("an admin cannot switch off their own account or take away their own admin role")]
    OwnAccount,
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
    actor: &str,
) -> Result<User, AccountError> {
    Role::parse(role).ok_or(AccountError::BadRole)?;
    let email = email.trim().to_lowercase();
    let (local, domain) = email.split_once('@').unwrap_or_default();
    if local.is_empty()
        || !domain.contains('.')
        || email.chars().count() > 254
        || email.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(AccountError::BadEmail);
    }
    // Shown to visitors beside the person's replies; no name: the part before '@'.
    let name = Some(name.trim()).filter(|n| !n.is_empty()).unwrap_or(local);
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AccountError::BadName);
    }
    let hash = hash_password(password)?;
    let user = User {
        id: new_id(),
        display_name: name.to_string(),
        email,
        role: role.to_string(),
        password_hash: hash,
        created_at: now_ms(),
        last_seen_at: 0,
        disabled_at: None,
    };
    if !store.create_user(&user).await? {
        return Err(AccountError::Exists);
    }
    let summary = format!("role {}", user.role);
    crate::audit::record(store, actor, "user_added", &user.id, &summary).await?;
    Ok(user)
}

/// An argon2id hash of a password of 10 to 1,000 characters.
fn hash_password(password: &str) -> Result<String, AccountError> {
    match password.chars().count() {
        ..10 => return Err(AccountError::WeakPassword),
        1001.. => return Err(AccountError::LongPassword),
        _ => {}
    }
    let salt_bytes = uuid::Uuid::new_v4();
    let salt = SaltString::encode_b64(salt_bytes.as_bytes()).map_err(|_| AccountError::Hash)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|_| AccountError::Hash)?
        .to_string())
}

/// The account with this email.
pub async fn find(store: &dyn Store, email: &str) -> Result<User, AccountError> {
    store
        .user_by_email(&email.trim().to_lowercase())
        .await?
        .ok_or(AccountError::NoSuchUser)
}

/// What became of a switched-off account's work.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Offboarded {
    /// Sign-ins and API tokens revoked.
    pub tokens_revoked: u64,
    /// Conversations the person held, back in the queue for someone else.
    pub requeued: Vec<String>,
}

/// Switches an account off at once: its sessions and API tokens stop working on every
/// instance, it cannot sign in, and the visitors it was helping go back to the queue (a
/// person asked for a person). Who did what stays in the audit log and the transcripts.
pub async fn disable(
    store: &dyn Store,
    user: &User,
    actor: &str,
) -> Result<Offboarded, AccountError> {
    if actor == user.email {
        return Err(AccountError::OwnAccount);
    }
    let mut out = Offboarded::default();
    if user.disabled_at.is_none() {
        store.set_user_disabled(&user.id, Some(now_ms())).await?;
        crate::audit::record(store, actor, "user_disabled", &user.id, &user.email).await?;
    }
    out.tokens_revoked = store.delete_tokens_of(&user.id, "").await?;
    for conv in store.held_by(&user.id).await? {
        if crate::handoff::agent::requeue(store, &conv, user, actor).await? {
            out.requeued.push(conv.id);
        }
    }
    Ok(out)
}

/// Switches an account back on (it signs in again with its password).
pub async fn enable(store: &dyn Store, user: &User, actor: &str) -> Result<(), AccountError> {
    if user.disabled_at.is_some() {
        store.set_user_disabled(&user.id, None).await?;
        crate::audit::record(store, actor, "user_enabled", &user.id, &user.email).await?;
    }
    Ok(())
}

/// Sets a new password and signs the account out everywhere (the old one may be known).
pub async fn set_password(
    store: &dyn Store,
    user: &User,
    password: &str,
    actor: &str,
) -> Result<u64, AccountError> {
    store
        .set_user_password(&user.id, &hash_password(password)?)
        .await?;
    let revoked = store.delete_tokens_of(&user.id, "").await?;
    crate::audit::record(store, actor, "password_changed", &user.id, &user.email).await?;
    Ok(revoked)
}

/// A person replaces their own password (the first one came from an admin): the current
/// one must be given, and every other session of theirs ends; `keep` (the hash of the
/// session making the change) stays signed in.
pub async fn change_own_password(
    store: &dyn Store,
    user: &User,
    current: &str,
    new: &str,
    keep: &str,
) -> Result<u64, AccountError> {
    if !password_matches(user, current) {
        return Err(AccountError::WrongPassword);
    }
    store
        .set_user_password(&user.id, &hash_password(new)?)
        .await?;
    let revoked = store.delete_tokens_of(&user.id, keep).await?;
    let summary = format!(
        "{} (their own; {revoked} other sign-in(s) ended)",
        user.email
    );
    crate::audit::record(store, &user.email, "password_changed", &user.id, &summary).await?;
    Ok(revoked)
}

fn password_matches(user: &User, password: &str) -> bool {
    PasswordHash::new(&user.password_hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Gives an account another role; it applies from the account's next request.
pub async fn set_role(
    store: &dyn Store,
    user: &User,
    role: &str,
    actor: &str,
) -> Result<(), AccountError> {
    let new = Role::parse(role).ok_or(AccountError::BadRole)?;
    if actor == user.email && new != Role::Admin {
        return Err(AccountError::OwnAccount);
    }
    if user.role != role {
        store.set_user_role(&user.id, role).await?;
        let summary = format!("{}: {} -> {role}", user.email, user.role);
        crate::audit::record(store, actor, "role_changed", &user.id, &summary).await?;
    }
    Ok(())
}

/// The outcome of a sign-in.
#[derive(Debug, PartialEq, Eq)]
pub enum SignIn {
    Token(String),
    /// Wrong email or password.
    Refused,
    /// The right password for an account that is switched off.
    Disabled,
}

/// Checks a password and issues a token.
pub async fn login(store: &dyn Store, email: &str, password: &str) -> Result<SignIn, StoreError> {
    let Some(user) = store.user_by_email(&email.trim().to_lowercase()).await? else {
        return Ok(SignIn::Refused);
    };
    if !password_matches(&user, password) {
        return Ok(SignIn::Refused);
    }
    if user.disabled_at.is_some() {
        return Ok(SignIn::Disabled);
    }
    let (token, hash) = VisitorToken::generate();
    let now = now_ms();
    store
        .save_token(&hash, &user.id, now, now + TOKEN_MS)
        .await?;
    let role = format!("role {}", user.role);
    crate::audit::record(store, &user.email, "sign_in", &user.id, &role).await?;
    Ok(SignIn::Token(token))
}

/// The user behind a token, if it is valid.
pub async fn authenticate(store: &dyn Store, token: &str) -> Result<Option<User>, StoreError> {
    store
        .user_by_token(&VisitorToken::hash(token), now_ms())
        .await
}
