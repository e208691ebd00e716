//! The operators' pages at `/operator`: article list with search and filters, the editor
//! with a Markdown preview and "try a question", version history with diffs and restore,
//! and the content gaps. Server-rendered; the small script only calls the JSON API, with
//! the same session cookie and CSRF token as the agent console.

use super::auth::{ConsoleUser, OperatorUser};
use super::console::{csrf_token, page, show};
use super::operator_text::{operator_text, OperatorText};
use super::staff_lang::PageQuery;
use super::AppState;
use crate::conversation::now_ms;
use crate::error::{ApiError, ErrorCode};
use crate::handoff::accounts::is_admin;
use crate::knowledge::editor::{self, ArticleInput, Current, Filter};
use crate::knowledge::markdown;
use crate::storage::{ArticleUsage, User};
use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::FromRequest;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use std::future::Future;
use std::pin::Pin;

/// Registers the operator pages and their script.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/operator").route(web::get().to(list)))
        .service(web::resource("/operator/articles/new").route(web::get().to(new_article)))
        .service(web::resource("/operator/articles/{id}").route(web::get().to(edit)))
        .service(
            web::resource("/operator/articles/{id}/history")
                .route(web::get().to(super::history::page)),
        )
        .service(web::resource("/operator/gaps").route(web::get().to(gaps)))
        .service(web::resource("/operator/synonyms").route(web::get().to(synonyms)))
        .service(web::resource("/operator.js").route(web::get().to(script)));
}

/// The operator pages' texts in the language the staff member chose (or their browser's).
pub(super) fn texts(req: &HttpRequest) -> &'static OperatorText {
    operator_text(super::staff_lang::staff_lang(req))
}

/// "2026-11-29 15:40 UTC": the dates operators read.
pub fn when(ms: i64) -> String {
    let t = crate::conversation::rfc3339(ms);
    format!("{} UTC", t.get(..16).unwrap_or(&t).replace('T', " "))
}

#[derive(Template)]
#[template(path = "operator/signin.html")]
struct SignIn {
    csrf: String,
    /// The page's texts, in the staff member's language.
    t: &'static OperatorText,
    email: String,
    admin: bool,
    message: String,
}

/// A signed-in operator or admin, on a page: without a session the answer is the sign-in
/// form (401), and agents get a polite refusal (403) — HTML, not the API's JSON error.
pub struct OperatorPage(pub User);

impl FromRequest for OperatorPage {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = OperatorUser::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            match user.await {
                Ok(OperatorUser(u)) => Ok(OperatorPage(u)),
                Err(e) if e.code == ErrorCode::Forbidden => Err(refusal(
                    &req,
                    StatusCode::FORBIDDEN,
                    texts(&req).not_operator,
                )),
                Err(e) => Err(signed_out(&req, e)),
            }
        })
    }
}

/// A signed-in admin, on a page (the equity report, the audit log).
pub struct AdminPage(pub User);

impl FromRequest for AdminPage {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = ConsoleUser::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            match user.await {
                Ok(ConsoleUser(u)) if is_admin(&u) => Ok(AdminPage(u)),
                Ok(_) => Err(refusal(
                    &req,
                    StatusCode::FORBIDDEN,
                    texts(&req).admins_only,
                )),
                Err(e) => Err(signed_out(&req, e)),
            }
        })
    }
}

/// The sign-in form for a missing or expired session; any other failure as JSON.
fn signed_out(req: &HttpRequest, e: ApiError) -> actix_web::Error {
    match e.code {
        ErrorCode::MissingToken | ErrorCode::InvalidToken => {
            refusal(req, StatusCode::UNAUTHORIZED, "")
        }
        _ => e.into(),
    }
}

/// The sign-in form, with a message (a refusal) or without, as an extractor's error.
fn refusal(req: &HttpRequest, status: StatusCode, message: &str) -> actix_web::Error {
    let csrf = csrf_token(req);
    let html = SignIn {
        csrf: csrf.clone(),
        t: texts(req),
        email: String::new(),
        admin: false,
        message: message.into(),
    }
    .render();
    let response = match html {
        Ok(html) => page(req, status, csrf, html),
        Err(e) => HttpResponse::from_error(ApiError::internal(&e)),
    };
    InternalError::from_response("sign-in required", response).into()
}

/// One row of the article list.
struct Row {
    id: String,
    title: String,
    lang: String,
    tags: String,
    state: String,
    version: i64,
    updated: String,
    updated_by: String,
    source: &'static str,
    /// Answers given from it in the last 30 days, and visitors' verdicts on them.
    usage: ArticleUsage,
}

#[derive(Template)]
#[template(path = "operator/list.html")]
struct ListPage {
    csrf: String,
    /// The page's texts, in the staff member's language.
    t: &'static OperatorText,
    email: String,
    /// Shows the admin pages in the menu.
    admin: bool,
    q: String,
    lang: String,
    tag: String,
    state: String,
    tags: Vec<String>,
    rows: Vec<Row>,
    total: usize,
}

async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    OperatorPage(user): OperatorPage,
    PageQuery(filter): PageQuery<Filter>,
) -> Result<HttpResponse, ApiError> {
    let a = &state.assistant;
    let everything = editor::list(a.store.as_ref(), &a.index, &Filter::default()).await?;
    let mut tags: Vec<String> = everything
        .iter()
        .flat_map(|c| c.input.tags.iter().map(|t| t.to_lowercase()))
        .collect();
    tags.sort();
    tags.dedup();
    let mut usage = crate::knowledge::usage::recent(a.store.as_ref(), now_ms()).await?;
    // One read of the articles: the tag menu needs them all, the table the filtered ones.
    let rows = everything
        .iter()
        .filter(|c| filter.keeps(c))
        .map(|c| Row {
            id: c.input.id.clone(),
            title: c.input.title.clone(),
            lang: c.input.lang.clone(),
            tags: c.input.tags.join(", "),
            state: c.state.clone(),
            version: c.version,
            updated: when(c.updated_at),
            updated_by: c.updated_by.clone(),
            source: c.source.label(),
            usage: usage.remove(&c.input.id).unwrap_or_default(),
        })
        .collect();
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let csrf = csrf_token(&req);
    let t = ListPage {
        csrf: csrf.clone(),
        t: texts(&req),
        admin: is_admin(&user),
        email: user.email,
        q: value(&filter.q),
        lang: value(&filter.lang),
        tag: value(&filter.tag),
        state: value(&filter.state),
        tags,
        rows,
        total: everything.len(),
    };
    Ok(show(&req, &t, csrf))
}

#[derive(Template)]
#[template(path = "operator/edit.html")]
struct EditPage {
    csrf: String,
    /// The page's texts, in the staff member's language.
    t: &'static OperatorText,
    email: String,
    /// Shows the admin pages in the menu.
    admin: bool,
    is_new: bool,
    id: String,
    title: String,
    lang: String,
    url: String,
    tags: String,
    questions: String,
    body: String,
    state: String,
    version: i64,
    source: &'static str,
    updated: String,
    updated_by: String,
    /// Safe HTML of the body (raw HTML escaped by the renderer).
    preview: String,
    /// The content gap this new article answers, linked to it once saved.
    gap: String,
    /// How the saved article served visitors in the last 30 days (zero for a new one).
    usage: ArticleUsage,
    /// The "not helpful" vote this edit fixes, marked fixed once it is published.
    review: String,
}

impl EditPage {
    fn of(req: &HttpRequest, user: &User, c: &Current, is_new: bool, gap: String) -> EditPage {
        let a = &c.input;
        EditPage {
            csrf: csrf_token(req),
            t: texts(req),
            email: user.email.clone(),
            admin: is_admin(user),
            is_new,
            id: a.id.clone(),
            title: a.title.clone(),
            lang: a.lang.clone(),
            url: a.url.clone().unwrap_or_default(),
            tags: a.tags.join(", "),
            questions: a.questions.join("\n"),
            body: a.body.clone(),
            state: c.state.clone(),
            version: c.version,
            source: c.source.label(),
            updated: if is_new {
                String::new()
            } else {
                when(c.updated_at)
            },
            updated_by: c.updated_by.clone(),
            preview: markdown::to_html(&a.body),
            gap,
            usage: ArticleUsage::default(),
            review: String::new(),
        }
    }
}

async fn new_article(
    req: HttpRequest,
    OperatorPage(user): OperatorPage,
    pairs: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    // Pre-filled from a content gap: its language, and its questions as example questions.
    // Pairs, not a struct: `q=` repeats, once per question of the gap.
    // Otherwise the article is in the language the operator works in.
    let lang = super::staff_lang::staff_lang(&req);
    let (mut gap, mut lang, mut questions) = (None, lang, Vec::new());
    for (k, v) in pairs.into_inner() {
        match k.as_str() {
            "gap" => gap = Some(v),
            "lang" => lang = crate::knowledge::Lang::parse(&v).unwrap_or(lang),
            "q" if questions.len() < 10 => questions.push(v),
            _ => {}
        }
    }
    let current = Current {
        input: ArticleInput {
            id: String::new(),
            title: questions.first().cloned().unwrap_or_default(),
            lang: lang.code().into(),
            url: None,
            tags: vec![],
            questions,
            body: String::new(),
            state: "draft".into(),
        },
        version: 0,
        state: "draft".into(),
        updated_at: 0,
        updated_by: String::new(),
        source: editor::Source::Editor,
    };
    let gap = gap
        .filter(|g| g.len() == 16 && g.chars().all(|c| c.is_ascii_hexdigit()))
        .unwrap_or_default();
    let t = EditPage::of(&req, &user, &current, true, gap);
    Ok(show(&req, &t, t.csrf.clone()))
}

#[derive(Deserialize)]
struct EditQuery {
    /// A "not helpful" vote (its reply's id) opened from the review queue.
    review: Option<String>,
}

async fn edit(
    req: HttpRequest,
    state: web::Data<AppState>,
    OperatorPage(user): OperatorPage,
    id: web::Path<String>,
    q: web::Query<EditQuery>,
) -> Result<HttpResponse, ApiError> {
    let current = article(&state, &id).await?;
    let mut t = EditPage::of(&req, &user, &current, false, String::new());
    // An id, nothing else: it goes into the page and back to the API.
    t.review = q
        .review
        .clone()
        .filter(|r| r.len() <= 64 && r.chars().all(|c| c.is_ascii_hexdigit() || c == '-'))
        .unwrap_or_default();
    t.usage = crate::knowledge::usage::of(state.assistant.store.as_ref(), &id, now_ms()).await?;
    Ok(show(&req, &t, t.csrf.clone()))
}

/// The current text of an article, or 404.
pub(super) async fn article(state: &AppState, id: &str) -> Result<Current, ApiError> {
    let a = &state.assistant;
    editor::current(a.store.as_ref(), &a.index, id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "No such article."))
}

/// A gap as the page shows it, with the link that starts an article from it.
struct GapView {
    key: String,
    lang: String,
    terms: String,
    count: usize,
    last_seen: String,
    examples: Vec<String>,
    status: String,
    write_link: String,
}

#[derive(Template)]
#[template(path = "operator/gaps.html")]
struct GapsPage {
    csrf: String,
    /// The page's texts, in the staff member's language.
    t: &'static OperatorText,
    email: String,
    /// Shows the admin pages in the menu.
    admin: bool,
    all: bool,
    gaps: Vec<GapView>,
}

#[derive(Deserialize)]
struct GapsQuery {
    all: Option<bool>,
}

async fn gaps(
    req: HttpRequest,
    state: web::Data<AppState>,
    OperatorPage(user): OperatorPage,
    q: web::Query<GapsQuery>,
) -> Result<HttpResponse, ApiError> {
    let a = &state.assistant;
    let all = q.all.unwrap_or(false);
    let list = crate::knowledge::gaps::list(a.store.as_ref(), &a.index, all).await?;
    let gaps = list
        .into_iter()
        .map(|g| {
            let mut pairs = vec![("gap", g.key.as_str()), ("lang", g.lang.as_str())];
            pairs.extend(g.examples.iter().map(|e| ("q", e.as_str())));
            let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            let link = format!("/operator/articles/new?{query}");
            GapView {
                key: g.key,
                lang: g.lang,
                terms: g.terms.join(", "),
                count: g.count,
                last_seen: when(g.last_seen),
                examples: g.examples,
                status: g.status,
                write_link: link,
            }
        })
        .collect();
    let csrf = csrf_token(&req);
    let t = GapsPage {
        csrf: csrf.clone(),
        t: texts(&req),
        admin: is_admin(&user),
        email: user.email,
        all,
        gaps,
    };
    Ok(show(&req, &t, csrf))
}

#[derive(Template)]
#[template(path = "operator/synonyms.html")]
struct SynonymsPage {
    csrf: String,
    /// The page's texts, in the staff member's language.
    t: &'static OperatorText,
    email: String,
    /// Shows the admin pages in the menu.
    admin: bool,
    /// (language, phrase, expansion)
    rules: Vec<(String, String, String)>,
}

async fn synonyms(
    req: HttpRequest,
    state: web::Data<AppState>,
    OperatorPage(user): OperatorPage,
) -> Result<HttpResponse, ApiError> {
    let rules = state.assistant.store.synonyms().await?;
    let csrf = csrf_token(&req);
    let t = SynonymsPage {
        csrf: csrf.clone(),
        t: texts(&req),
        admin: is_admin(&user),
        email: user.email,
        rules,
    };
    Ok(show(&req, &t, csrf))
}

async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/javascript; charset=utf-8")
        .body(include_str!("../../templates/operator/operator.js"))
}
