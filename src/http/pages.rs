//! The demo store page and the embeddable widget script.

use crate::knowledge::Lang;
use actix_web::{web, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;
use std::sync::OnceLock;

/// Registers `/` and `/widget.js`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(web::get().to(demo)))
        .service(web::resource("/widget.js").route(web::get().to(widget_js)))
        .service(web::resource("/transparency").route(web::get().to(transparency)));
}

/// A fictional shop's home page with the widget embedded, as a customer would see it.
#[derive(Template, WebTemplate)]
#[template(path = "demo.html")]
struct DemoPage {
    fr: bool,
}

#[derive(Deserialize)]
struct DemoQuery {
    lang: Option<String>,
}

async fn demo(q: web::Query<DemoQuery>) -> DemoPage {
    DemoPage {
        fr: q.lang.as_deref() != Some("en"),
    }
}

/// The widget: script and stylesheet in one file, so embedding is one tag and one request.
fn widget_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let css = serde_json::to_string(include_str!("../../templates/widget/widget.css"))
            .unwrap_or_else(|_| "\"\"".into());
        format!(
            "(function () {{\n\"use strict\";\nconst CANDOR_CSS = {css};\n{}\n{}\n}})();\n",
            include_str!("../../templates/sse-reader.js"),
            include_str!("../../templates/widget/widget.js")
        )
    })
}

async fn widget_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(widget_source())
}

/// The public transparency page: what the assistant is, how it decides, its recent figures.
#[derive(Template, WebTemplate)]
#[template(path = "transparency.html")]
struct TransparencyPage {
    fr: bool,
    threshold: u32,
    after_declines: u32,
    short_days: u32,
    long_days: u32,
    s: crate::audit::transparency::Summary,
    /// The language models in use: (language, in the page's language; model name; the
    /// estimated confidence, in %, from which the assistant answers on that model's word).
    models: Vec<(&'static str, String, u32)>,
    /// Languages whose model asks a second one when unsure: (language, model name).
    second_opinions: Vec<(&'static str, String)>,
}

/// "questions en français" / "questions in English", in the page's language.
fn questions_in(lang: Lang, fr: bool) -> &'static str {
    match (lang, fr) {
        (Lang::Fr, true) => "questions en français",
        (Lang::En, true) => "questions en anglais",
        (Lang::Fr, false) => "questions in French",
        (Lang::En, false) => "questions in English",
    }
}

async fn transparency(
    state: web::Data<super::AppState>,
    q: web::Query<DemoQuery>,
) -> Result<TransparencyPage, crate::error::ApiError> {
    let now = crate::conversation::now_ms();
    let store = state.assistant.store.as_ref();
    let s = crate::audit::transparency::cached(&state.transparency, store, 30, now)
        .await
        .map_err(|e| crate::error::ApiError::internal(&e))?;
    let fr = q.lang.as_deref() != Some("en");
    let semantic = state.assistant.index.semantic();
    let models = semantic
        .iter()
        .flat_map(|s| {
            s.models().into_iter().filter_map(move |(lang, name)| {
                // The model's bar on the calibrated scale visitors see in "why this answer?".
                let r = s.reader(lang)?;
                let bar = (r.confidence(r.answer_from) * 100.0).round() as u32;
                Some((questions_in(lang, fr), name, bar))
            })
        })
        .collect();
    let second_opinions = semantic
        .iter()
        .flat_map(|s| s.second_opinions())
        .map(|(lang, name)| (questions_in(lang, fr), name))
        .collect();
    Ok(TransparencyPage {
        fr,
        models,
        second_opinions,
        threshold: (state.assistant.threshold * 100.0).round() as u32,
        after_declines: state.assistant.rules.after_declines,
        short_days: state.privacy.retention.transcript_days_without_consent,
        long_days: state.privacy.retention.transcript_days,
        s,
    })
}

#[cfg(test)]
mod tests {
    use crate::answer::Rule;

    /// The rule after `r`, in declaration order. The match has no wildcard: a new rule does
    /// not compile here until it is listed, and then this test asks the widget to word it.
    fn after(r: Rule) -> Option<Rule> {
        use Rule::*;
        match r {
            HumanRequested => Some(AboveThreshold),
            AboveThreshold => Some(BelowThreshold),
            BelowThreshold => Some(NoMatch),
            NoMatch => Some(ExampleQuestion),
            ExampleQuestion => Some(OperatorRule),
            OperatorRule => Some(DeclinedRepeatedly),
            DeclinedRepeatedly => Some(NotHelpful),
            NotHelpful => Some(SemanticMatch),
            SemanticMatch => Some(SemanticMismatch),
            SemanticMismatch => Some(SmallTalk),
            SmallTalk => Some(UnsupportedLanguage),
            UnsupportedLanguage => Some(SearchFailed),
            SearchFailed => None,
        }
    }

    /// "Why this answer?" names the rule in the visitor's words, French and English, not
    /// only by its code.
    #[test]
    fn the_widget_words_every_rule_in_both_languages() {
        let tables: Vec<&str> = super::widget_source()
            .split("rules: {")
            .skip(1)
            .map(|t| t.split('}').next().unwrap_or_default())
            .collect();
        assert_eq!(tables.len(), 2, "a rules table for fr and one for en");
        let mut rule = Some(Rule::HumanRequested);
        while let Some(r) = rule {
            let code = serde_json::to_value(r).unwrap();
            let key = format!("{}: \"", code.as_str().unwrap());
            for table in &tables {
                assert!(
                    table.contains(&key),
                    "{key} in each of the widget's rules tables"
                );
            }
            rule = after(r);
        }
    }
}
