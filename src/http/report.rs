//! The equity report for compliance officers (admins): JSON, and an HTML page whose charts
//! are SVG drawn on the server (no chart library, no CDN).

use super::auth::AgentUser;
use super::console::show;
use super::operator::texts;
use super::operator::AdminPage;
use super::operator_text::OperatorText;
use super::staff_lang::PageQuery;
use super::AppState;
use crate::audit::equity::{self, Report};
use crate::conversation::now_ms;
use crate::error::{ApiError, ErrorCode};
use crate::handoff::accounts::is_admin;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use serde_json::json;

/// Registers `/api/v1/audit/report` and `/audit`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/audit/report").route(web::get().to(json_report)))
        .service(web::resource("/api/v1/audit/log").route(web::get().to(audit_log)))
        .service(web::resource("/audit").route(web::get().to(page)))
        .service(web::resource("/audit/log").route(web::get().to(log_page)));
}

#[derive(Deserialize)]
struct Period {
    /// RFC 3339 instant; default 30 days before `to`.
    from: Option<String>,
    /// RFC 3339 instant; default now.
    to: Option<String>,
}

fn instant(raw: &Option<String>, default: i64) -> Result<i64, ApiError> {
    let Some(raw) = raw else { return Ok(default) };
    crate::conversation::parse_rfc3339(raw).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidField,
            "from and to are RFC 3339 instants, e.g. 2026-11-01T00:00:00Z.",
        )
    })
}

async fn build(
    state: &AppState,
    user: &crate::storage::User,
    period: &Period,
) -> Result<(Report, i64, i64), ApiError> {
    if !is_admin(user) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "The equity report is for admins.",
        ));
    }
    let to = instant(&period.to, now_ms())?;
    let from = instant(&period.from, to - 30 * 86_400_000)?;
    let rows = state.assistant.store.equity_rows(from, to).await?;
    let articles = state.assistant.index.articles_per_lang();
    Ok((
        equity::build(&rows, &articles, state.disparity_points),
        from,
        to,
    ))
}

/// Most ratings of people's help the report lists.
const RECENT_RATINGS: i64 = 50;

/// A rating as the report shows it: when, which group, the verdict, the (redacted) words.
#[derive(serde::Serialize)]
struct RatingView {
    at: String,
    language: String,
    site: String,
    helped: bool,
    comment: Option<String>,
}

async fn recent_ratings(state: &AppState, from: i64, to: i64) -> Result<Vec<RatingView>, ApiError> {
    let rows = state
        .assistant
        .store
        .recent_ratings(from, to, RECENT_RATINGS)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(language, site, r)| RatingView {
            at: crate::conversation::rfc3339(r.created_at),
            language,
            site,
            helped: r.helped,
            comment: r.comment,
        })
        .collect())
}

async fn json_report(
    state: web::Data<AppState>,
    AgentUser(user): AgentUser,
    q: web::Query<Period>,
) -> Result<HttpResponse, ApiError> {
    let (report, from, to) = build(&state, &user, &q).await?;
    let ratings = recent_ratings(&state, from, to).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "from": crate::conversation::rfc3339(from),
        "to": crate::conversation::rfc3339(to),
        "disparity_points": state.disparity_points,
        "groups": report.groups,
        "warnings": report.warnings,
        "recent_person_ratings": ratings,
    })))
}

/// One bar of a chart: label, value and its width in the 300-unit drawing.
struct Bar {
    label: String,
    value: String,
    width: u32,
    y: u32,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    csrf: String,
    /// The page's texts, in the admin's language.
    t: &'static OperatorText,
    email: String,
    admin: bool,
    from: String,
    to: String,
    report: Report,
    answer_bars: Vec<Bar>,
    helpful_bars: Vec<Bar>,
    chart_height: u32,
    ratings: Vec<RatingView>,
}

fn bars(
    report: &Report,
    t: &OperatorText,
    pick: impl Fn(&equity::GroupFigures) -> Option<f64>,
) -> Vec<Bar> {
    report
        .groups
        .iter()
        .filter(|g| g.dimension != "channel")
        .enumerate()
        .map(|(i, g)| {
            let v = pick(g);
            Bar {
                label: format!("{}: {}", t.dimension_name(g.dimension), g.group),
                value: v.map_or("—".into(), |v| format!("{v} %")),
                width: v.map_or(0, |v| (v * 3.0).round() as u32),
                y: i as u32 * 28,
            }
        })
        .collect()
}

async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    AdminPage(user): AdminPage,
    PageQuery(q): PageQuery<Period>,
) -> Result<HttpResponse, ApiError> {
    let (report, from, to) = build(&state, &user, &q).await?;
    let t = texts(&req);
    let answer_bars = bars(&report, t, |g| g.answer_rate);
    let helpful_bars = bars(&report, t, |g| g.helpful_rate);
    let chart_height = answer_bars.len() as u32 * 28 + 8;
    let ratings = recent_ratings(&state, from, to).await?;
    let csrf = super::console::csrf_token(&req);
    let page = AuditPage {
        csrf: csrf.clone(),
        t,
        email: user.email.clone(),
        admin: true,
        ratings,
        from: super::operator::when(from),
        to: super::operator::when(to),
        report,
        answer_bars,
        helpful_bars,
        chart_height,
    };
    Ok(show(&req, &page, csrf))
}

#[derive(Deserialize)]
struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
}

/// The audit log with its verification, filterable by actor and action (admins only).
async fn audit_log(
    state: web::Data<AppState>,
    AgentUser(user): AgentUser,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    if !is_admin(&user) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "The audit log is for admins.",
        ));
    }
    let entries = state.assistant.store.audit_entries().await?;
    let verified = crate::audit::verify(&entries);
    let shown: Vec<_> = entries
        .iter()
        .filter(|e| {
            q.actor.as_ref().is_none_or(|a| &e.actor == a)
                && q.action.as_ref().is_none_or(|a| &e.action == a)
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "chain_intact": verified.is_ok(),
        "first_broken": verified.err(),
        "entries": shown,
    })))
}

/// One audit entry as the page shows it.
struct EntryView {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    target: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "operator/audit_log.html")]
struct LogPage {
    csrf: String,
    /// The page's texts, in the staff member's language.
    t: &'static OperatorText,
    email: String,
    admin: bool,
    actor: String,
    action: String,
    /// `None` when the hash chain is intact; else the first altered entry.
    broken: Option<i64>,
    total: usize,
    entries: Vec<EntryView>,
}

/// Most entries the page lists (newest first); the JSON API has them all.
const LOG_PAGE_ROWS: usize = 500;

/// The audit log for admins and the DPO's reading: newest first, filterable, with the result
/// of the hash-chain check at the top.
async fn log_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    AdminPage(user): AdminPage,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let all = state.assistant.store.audit_entries().await?;
    let broken = crate::audit::verify(&all).err().map(|b| b.seq);
    let set = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
    let (actor, action) = (set(&q.actor), set(&q.action));
    let entries: Vec<EntryView> = all
        .iter()
        .rev()
        .filter(|e| {
            actor.as_ref().is_none_or(|a| &e.actor == a)
                && action.as_ref().is_none_or(|a| &e.action == a)
        })
        .take(LOG_PAGE_ROWS)
        .map(|e| EntryView {
            seq: e.seq,
            at: crate::conversation::rfc3339(e.at),
            actor: e.actor.clone(),
            action: e.action.clone(),
            target: e.target.clone(),
            summary: e.summary.clone(),
        })
        .collect();
    let csrf = super::console::csrf_token(&req);
    let t = LogPage {
        csrf: csrf.clone(),
        t: texts(&req),
        email: user.email,
        admin: true,
        actor: actor.unwrap_or_default(),
        action: action.unwrap_or_default(),
        broken,
        total: all.len(),
        entries,
    };
    Ok(show(&req, &t, csrf))
}
