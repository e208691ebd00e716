//! The articles API (operators and admins): list, read, create, update, unpublish,
//! versions and restore. Saves use optimistic locking: send the version you edited.

use super::auth::OperatorUser;
use super::AppState;
use crate::conversation::{now_ms, rfc3339};
use crate::error::{ApiError, ErrorCode};
use crate::knowledge::editor::{self, ArticleInput, Current, EditError, Filter};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

/// Largest article request: a 1 MiB document (the file limit) plus JSON escaping.
const ARTICLE_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Registers the articles routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    let big = || super::json::limited(ARTICLE_BODY_BYTES);
    cfg.service(
        web::resource("/api/v1/articles")
            .app_data(big())
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    // Before `{id}`, which would otherwise take "preview" for an article id.
    .service(
        web::resource("/api/v1/articles/preview")
            .app_data(big())
            .route(web::post().to(preview)),
    )
    .service(
        web::resource("/api/v1/articles/{id}")
            .app_data(big())
            .route(web::get().to(get))
            .route(web::put().to(update))
            .route(web::delete().to(unpublish)),
    )
    .service(web::resource("/api/v1/articles/{id}/versions").route(web::get().to(versions)))
    .service(
        web::resource("/api/v1/articles/{id}/versions/{v}/restore").route(web::post().to(restore)),
    )
    .service(web::resource("/api/v1/article-usage").route(web::get().to(usage)))
    .service(web::resource("/api/v1/gaps").route(web::get().to(gaps)))
    .service(
        web::resource("/api/v1/synonyms")
            .route(web::get().to(get_synonyms))
            .route(web::put().to(put_synonyms)),
    )
    .service(web::resource("/api/v1/gaps/{key}/dismiss").route(web::post().to(dismiss_gap)))
    .service(web::resource("/api/v1/gaps/{key}/link").route(web::post().to(link_gap)));
}

/// The Article JSON of the API.
pub fn article_json(c: &Current) -> Value {
    let a = &c.input;
    json!({
        "id": a.id, "title": a.title, "lang": a.lang, "url": a.url, "tags": a.tags,
        "questions": a.questions, "body": a.body, "state": c.state, "version": c.version,
        "updated_at": rfc3339(c.updated_at), "updated_by": c.updated_by, "source": c.source,
    })
}

impl From<EditError> for ApiError {
    fn from(e: EditError) -> ApiError {
        match e {
            EditError::Invalid(m) => ApiError::new(ErrorCode::InvalidField, m),
            EditError::Article(e) => {
                let (reason, field, limit) = e.reason();
                ApiError {
                    detail: Some(json!({"reason": reason, "field": field, "limit": limit})),
                    ..ApiError::new(ErrorCode::InvalidField, e.to_string())
                }
            }
            EditError::NoPassage => ApiError {
                detail: Some(json!({"reason": "no_passage", "field": "body", "limit": null})),
                ..ApiError::new(ErrorCode::InvalidField, EditError::NoPassage.to_string())
            },
            EditError::NotFound => {
                ApiError::new(ErrorCode::NotFound, "No such article or version.")
            }
            EditError::Conflict(current) => {
                let current = current.and_then(|row| Current::of_row(&row));
                let (newer, by) = current
                    .as_ref()
                    .map(|c| (c.version, c.updated_by.clone()))
                    .unwrap_or_default();
                ApiError {
                    current: current.as_ref().map(article_json),
                    ..ApiError::new(
                        ErrorCode::VersionConflict,
                        format!("{by} saved version {newer} first: your text was not saved; merge it with theirs (in \"current\") and save again."),
                    )
                }
            }
            EditError::Store(e) => e.into(),
            other => ApiError::internal(&other),
        }
    }
}

/// Announces a change so every instance's index follows.
fn announce(state: &AppState, id: &str) {
    state.assistant.hub.notify(&format!("kb:{id}"));
}

/// Articles edited in the console and those only in the knowledge dir, filtered by
/// `?q=` (words), `lang`, `tag` and `state`.
async fn list(
    state: web::Data<AppState>,
    OperatorUser(_): OperatorUser,
    filter: web::Query<Filter>,
) -> Result<HttpResponse, ApiError> {
    filter
        .check()
        .map_err(|m| ApiError::new(ErrorCode::InvalidQuery, m))?;
    let a = &state.assistant;
    let all = editor::list(a.store.as_ref(), &a.index, &filter).await?;
    Ok(HttpResponse::Ok().json(all.iter().map(article_json).collect::<Vec<_>>()))
}

/// How each article served visitors in the last 30 days: a resource of its own, so that an
/// article's JSON can still be sent back as it was read (its fields are checked strictly).
async fn usage(
    state: web::Data<AppState>,
    OperatorUser(_): OperatorUser,
) -> Result<HttpResponse, ApiError> {
    let now = now_ms();
    let usage = crate::knowledge::usage::recent(state.assistant.store.as_ref(), now).await?;
    let mut articles: Vec<_> = usage.into_values().collect();
    articles.sort_by(|a, b| {
        b.answers
            .cmp(&a.answers)
            .then(a.article_id.cmp(&b.article_id))
    });
    let days = crate::knowledge::usage::DAYS;
    Ok(HttpResponse::Ok().json(json!({
        "days": days,
        "since": rfc3339(now - days * 24 * 3_600_000),
        "articles": articles,
    })))
}

async fn get(
    state: web::Data<AppState>,
    OperatorUser(_): OperatorUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let a = &state.assistant;
    let current = editor::current(a.store.as_ref(), &a.index, &id).await?;
    let current = current.ok_or_else(|| ApiError::new(ErrorCode::NotFound, "No such article."))?;
    Ok(HttpResponse::Ok().json(article_json(&current)))
}

/// The Article JSON, plus the version the edit started from and a reason for the history.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SaveBody {
    id: String,
    title: String,
    lang: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    questions: Vec<String>,
    body: String,
    state: Option<String>,
    /// The version the edit started from (absent for a new article).
    version: Option<i64>,
    reason: Option<String>,
}

impl SaveBody {
    fn input(&self) -> ArticleInput {
        ArticleInput {
            id: self.id.clone(),
            title: self.title.clone(),
            lang: self.lang.clone(),
            url: self.url.clone(),
            tags: self.tags.clone(),
            questions: self.questions.clone(),
            body: self.body.clone(),
            state: self.state.clone().unwrap_or_else(|| "published".into()),
        }
    }
}

async fn save(
    state: &AppState,
    user: &crate::storage::User,
    body: SaveBody,
) -> Result<HttpResponse, ApiError> {
    let store = state.assistant.store.as_ref();
    let reason = body
        .reason
        .clone()
        .unwrap_or_else(|| "edited in the console".into());
    let expected = body.version.unwrap_or(0);
    let input = body.input();
    editor::save(
        store,
        &state.assistant.index,
        &input,
        expected,
        &reason,
        &user.email,
    )
    .await?;
    announce(state, &input.id);
    let current = editor::current(store, &state.assistant.index, &input.id).await?;
    Ok(HttpResponse::Ok().json(current.as_ref().map(article_json)))
}

async fn create(
    state: web::Data<AppState>,
    OperatorUser(user): OperatorUser,
    body: web::Json<SaveBody>,
) -> Result<HttpResponse, ApiError> {
    let mut body = body.into_inner();
    let a = &state.assistant;
    if let Some(existing) = editor::current(a.store.as_ref(), &a.index, &body.id).await? {
        let place = match existing.source {
            editor::Source::Files => "in the knowledge dir",
            editor::Source::Editor => "in the console",
        };
        return Err(ApiError {
            current: Some(article_json(&existing)),
            ..ApiError::new(
                ErrorCode::DuplicateId,
                format!(
                    "An article with the id '{}' already exists {place}: choose another id, or edit that one.",
                    body.id
                ),
            )
        });
    }
    body.version = Some(0);
    save(&state, &user, body).await
}

async fn update(
    state: web::Data<AppState>,
    OperatorUser(user): OperatorUser,
    id: web::Path<String>,
    body: web::Json<SaveBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if body.id != *id {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "The id in the body must match the URL.",
        ));
    }
    if body.version.is_none() {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "Send the version you edited (optimistic locking).",
        ));
    }
    save(&state, &user, body).await
}

async fn unpublish(
    state: web::Data<AppState>,
    OperatorUser(user): OperatorUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let version = editor::unpublish(
        state.assistant.store.as_ref(),
        &state.assistant.index,
        &id,
        &user.email,
    )
    .await?;
    announce(&state, &id);
    Ok(HttpResponse::Ok().json(json!({"id": *id, "state": "unpublished", "version": version})))
}

async fn versions(
    state: web::Data<AppState>,
    OperatorUser(_): OperatorUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let all = state.assistant.store.article_versions(&id).await?;
    let out: Vec<Value> = all
        .iter()
        .map(|v| {
            json!({"version": v.version, "state": v.state, "author": v.author, "reason": v.reason,
                        "created_at": rfc3339(v.created_at), "document": v.document})
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

async fn restore(
    state: web::Data<AppState>,
    OperatorUser(user): OperatorUser,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, v) = path.into_inner();
    let version = editor::restore(
        state.assistant.store.as_ref(),
        &state.assistant.index,
        &id,
        v,
        &user.email,
    )
    .await?;
    announce(&state, &id);
    Ok(HttpResponse::Ok().json(json!({"id": id, "state": "published", "version": version})))
}

/// A draft to preview, and optionally a question to try against it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PreviewBody {
    article: ArticleInput,
    #[serde(default)]
    question: Option<String>,
}

/// The draft rendered as HTML, the passages the assistant can quote from it and, for a
/// question, the answer today and the answer with the draft published. Nothing is saved.
async fn preview(
    state: web::Data<AppState>,
    OperatorUser(_): OperatorUser,
    body: web::Json<PreviewBody>,
) -> Result<HttpResponse, ApiError> {
    let PreviewBody { article, question } = body.into_inner();
    let draft = editor::draft_article(&article)?;
    let passages: Vec<Value> = crate::knowledge::passages::split(&draft.body)
        .iter()
        .map(|p| json!({"heading": p.heading, "text": p.text}))
        .collect();
    let mut out = json!({
        "html": crate::knowledge::markdown::to_html(&draft.body),
        "passages": passages,
    });
    if let Some(q) = question.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        if q.chars().count() > crate::conversation::MAX_MESSAGE_CHARS {
            return Err(ApiError::new(
                ErrorCode::MessageTooLong,
                "The question is too long to try.",
            ));
        }
        let a = state.assistant.clone();
        let (question, draft) = (q.to_string(), draft.clone());
        let trial = web::block(move || {
            crate::answer::trial::against_draft(&a.index, &draft, &question, a.threshold, &a.rules)
        })
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(|e| ApiError::internal(&*e))?;
        out["live"] = decision_json(&trial.live);
        out["draft"] = decision_json(&trial.draft);
    }
    Ok(HttpResponse::Ok().json(out))
}

fn decision_json(d: &crate::answer::Decision) -> Value {
    json!({"kind": d.kind, "passage": d.passage, "citations": d.citations, "why": d.why})
}

#[derive(Deserialize)]
struct GapsQuery {
    all: Option<bool>,
}

/// Declined questions grouped by shared words, most frequent first.
async fn gaps(
    state: web::Data<AppState>,
    OperatorUser(_): OperatorUser,
    q: web::Query<GapsQuery>,
) -> Result<HttpResponse, ApiError> {
    let a = &state.assistant;
    let list =
        crate::knowledge::gaps::list(a.store.as_ref(), &a.index, q.all.unwrap_or(false)).await?;
    let out: Vec<Value> = list
        .iter()
        .map(|g| json!({"key": g.key, "lang": g.lang, "terms": g.terms, "count": g.count,
                        "last_seen": rfc3339(g.last_seen), "examples": g.examples, "status": g.status}))
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

async fn gap_action(
    state: &AppState,
    user: &crate::storage::User,
    key: &str,
    action: &str,
    article: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    if key.len() != 16 || !key.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ApiError::new(ErrorCode::NotFound, "No such gap."));
    }
    let store = state.assistant.store.as_ref();
    let now = crate::conversation::now_ms();
    store
        .save_gap_action(key, action, article, &user.email, now)
        .await?;
    crate::audit::record(
        store,
        &user.email,
        &format!("gap_{action}"),
        key,
        article.unwrap_or(""),
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({"key": key, "status": article.map_or(action.to_string(), |a| format!("{action}:{a}"))})))
}

async fn dismiss_gap(
    state: web::Data<AppState>,
    OperatorUser(user): OperatorUser,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    gap_action(&state, &user, &key, "dismissed", None).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkBody {
    article_id: String,
}

async fn link_gap(
    state: web::Data<AppState>,
    OperatorUser(user): OperatorUser,
    key: web::Path<String>,
    body: web::Json<LinkBody>,
) -> Result<HttpResponse, ApiError> {
    let exists = state.assistant.store.article(&body.article_id).await?;
    if exists.is_none() {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "Link the gap to an article written in the console.",
        ));
    }
    gap_action(&state, &user, &key, "linked", Some(&body.article_id)).await
}

#[derive(Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct SynonymRule {
    lang: String,
    /// A word or phrase visitors use ("money back").
    phrase: String,
    /// The words to search as well ("refund").
    expansion: String,
}

async fn get_synonyms(
    state: web::Data<AppState>,
    OperatorUser(_): OperatorUser,
) -> Result<HttpResponse, ApiError> {
    let rules = state.assistant.store.synonyms().await?;
    let out: Vec<SynonymRule> = rules
        .into_iter()
        .map(|(lang, phrase, expansion)| SynonymRule {
            lang,
            phrase,
            expansion,
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

/// Replaces the operators' synonym rules; applied to the next question on every instance.
async fn put_synonyms(
    state: web::Data<AppState>,
    OperatorUser(user): OperatorUser,
    body: web::Json<Vec<SynonymRule>>,
) -> Result<HttpResponse, ApiError> {
    let mut rules = Vec::new();
    for r in body.iter() {
        let valid = crate::knowledge::Lang::parse(&r.lang).is_some()
            && !r.phrase.trim().is_empty()
            && r.phrase.len() <= 100
            && !r.expansion.trim().is_empty()
            && r.expansion.len() <= 200;
        if !valid {
            return Err(ApiError::new(
                ErrorCode::InvalidField,
                "Each rule needs lang fr|en, a phrase (≤ 100) and an expansion (≤ 200).",
            ));
        }
        rules.push((
            r.lang.clone(),
            r.phrase.trim().to_lowercase(),
            r.expansion.trim().to_string(),
        ));
    }
    if rules.len() > 1000 {
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            "At most 1,000 rules.",
        ));
    }
    let store = state.assistant.store.as_ref();
    store.replace_synonyms(&rules).await?;
    editor::load_synonyms(store, &state.assistant.index).await?;
    crate::audit::record(
        store,
        &user.email,
        "synonyms_replaced",
        "synonyms",
        &format!("{} rules", rules.len()),
    )
    .await?;
    state.assistant.hub.notify(crate::realtime::SYNONYMS);
    Ok(HttpResponse::Ok().json(json!({"rules": rules.len()})))
}
