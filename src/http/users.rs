//! Accounts, for admins: who is on the team, with which role, and switching an account off
//! the day a person leaves (the same as `candor user …` on the server's machine). The API
//! and the page `/operator/team`.

use super::auth::AdminUser;
use super::console::{csrf_token, show};
use super::operator::texts;
use super::operator::{when, AdminPage, OperatorPage};
use super::operator_text::OperatorText;
use super::AppState;
use crate::conversation::rfc3339;
use crate::error::{ApiError, ErrorCode};
use crate::handoff::accounts::{self, AccountError};
use crate::realtime::QUEUE;
use crate::storage::User;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use serde_json::{json, Value};

/// Registers `/api/v1/admin/users`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/admin/users")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource("/api/v1/admin/users/{id}").route(web::patch().to(change)))
    .service(web::resource("/operator/team").route(web::get().to(page)))
    .service(web::resource("/operator/password").route(web::get().to(password_page)));
}

#[derive(Template)]
#[template(path = "operator/password.html")]
struct PasswordPage {
    csrf: String,
    /// The page's texts, in the staff member's language.
    t: &'static OperatorText,
    email: String,
    admin: bool,
}

/// Where operators and admins change their own password (agents: in the console).
async fn password_page(req: HttpRequest, OperatorPage(user): OperatorPage) -> HttpResponse {
    let csrf = csrf_token(&req);
    let t = PasswordPage {
        csrf: csrf.clone(),
        t: texts(&req),
        admin: crate::handoff::accounts::is_admin(&user),
        email: user.email,
    };
    show(&req, &t, csrf)
}

/// One account on the team page.
struct Person {
    id: String,
    name: String,
    email: String,
    role: String,
    last_seen: String,
    disabled: bool,
    /// The admin reading the page: no buttons to lock themselves out.
    me: bool,
}

#[derive(Template)]
#[template(path = "operator/team.html")]
struct TeamPage {
    csrf: String,
    /// The page's texts, in the staff member's language.
    t: &'static OperatorText,
    email: String,
    admin: bool,
    people: Vec<Person>,
    roles: [&'static str; 3],
}

async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    AdminPage(admin): AdminPage,
) -> Result<HttpResponse, ApiError> {
    let people = state
        .assistant
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| Person {
            me: u.id == admin.id,
            last_seen: if u.last_seen_at > 0 {
                when(u.last_seen_at)
            } else {
                "never".into()
            },
            disabled: u.disabled_at.is_some(),
            id: u.id,
            name: u.display_name,
            email: u.email,
            role: u.role,
        })
        .collect();
    let csrf = csrf_token(&req);
    let t = TeamPage {
        csrf: csrf.clone(),
        t: texts(&req),
        email: admin.email,
        admin: true,
        people,
        roles: ["agent", "operator", "admin"],
    };
    Ok(show(&req, &t, csrf))
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> ApiError {
        match e {
            AccountError::Store(e) => e.into(),
            AccountError::Hash => ApiError::internal(&e),
            AccountError::Exists => ApiError::new(ErrorCode::DuplicateId, e.to_string()),
            AccountError::NoSuchUser => ApiError::new(ErrorCode::NotFound, e.to_string()),
            AccountError::OwnAccount => ApiError::new(ErrorCode::Forbidden, e.to_string()),
            // Not a 401: the session is fine, and consoles take a 401 for "signed out".
            AccountError::WrongPassword => ApiError::new(ErrorCode::InvalidField, e.to_string()),
            AccountError::BadRole
            | AccountError::BadEmail
            | AccountError::BadName
            | AccountError::WeakPassword
            | AccountError::LongPassword => ApiError::new(ErrorCode::InvalidField, e.to_string()),
        }
    }
}

/// An account as admins see it (never its password hash).
fn user_json(u: &User) -> Value {
    let at = |ms: i64| (ms > 0).then(|| rfc3339(ms));
    json!({
        "id": u.id, "email": u.email, "name": u.display_name, "role": u.role,
        "disabled": u.disabled_at.is_some(), "disabled_at": u.disabled_at.and_then(at),
        "created_at": rfc3339(u.created_at), "last_seen_at": at(u.last_seen_at),
    })
}

async fn list(
    state: web::Data<AppState>,
    AdminUser(_): AdminUser,
) -> Result<HttpResponse, ApiError> {
    let users = state.assistant.store.users().await?;
    Ok(HttpResponse::Ok().json(users.iter().map(user_json).collect::<Vec<_>>()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    email: String,
    name: Option<String>,
    role: String,
    password: String,
}

async fn create(
    state: web::Data<AppState>,
    AdminUser(admin): AdminUser,
    body: web::Json<NewUser>,
) -> Result<HttpResponse, ApiError> {
    // No name: the part of the email before '@' (as `candor user add`).
    let name = body.name.as_deref().unwrap_or_default();
    let store = state.assistant.store.as_ref();
    let user = accounts::add_user(
        store,
        &body.email,
        name,
        &body.role,
        &body.password,
        &admin.email,
    )
    .await?;
    Ok(HttpResponse::Created().json(user_json(&user)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    role: Option<String>,
    disabled: Option<bool>,
    /// A new password (the person forgot theirs); signs them out everywhere.
    password: Option<String>,
}

/// Changes an account's role and/or switches it off or on. Switching off ends its sessions
/// and puts the conversations it held back in the queue, live for the visitors.
async fn change(
    state: web::Data<AppState>,
    AdminUser(admin): AdminUser,
    id: web::Path<String>,
    body: web::Json<Change>,
) -> Result<HttpResponse, ApiError> {
    let store = state.assistant.store.as_ref();
    let user = store
        .user_by_id(&id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "No account with this id."))?;
    let mut out = json!({});
    if let Some(role) = &body.role {
        accounts::set_role(store, &user, role, &admin.email).await?;
    }
    if let Some(password) = &body.password {
        let revoked = accounts::set_password(store, &user, password, &admin.email).await?;
        out = json!({"tokens_revoked": revoked});
    }
    match body.disabled {
        Some(true) => {
            let done = accounts::disable(store, &user, &admin.email).await?;
            for conv in &done.requeued {
                state.assistant.hub.notify(conv);
            }
            if !done.requeued.is_empty() {
                state.assistant.hub.notify(QUEUE);
            }
            out = json!({"tokens_revoked": done.tokens_revoked, "requeued": done.requeued});
        }
        Some(false) => accounts::enable(store, &user, &admin.email).await?,
        None => {}
    }
    let now = store
        .user_by_id(&user.id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "No account with this id."))?;
    let mut body = user_json(&now);
    if let (Some(b), Some(o)) = (body.as_object_mut(), out.as_object()) {
        b.extend(o.clone());
    }
    Ok(HttpResponse::Ok().json(body))
}
