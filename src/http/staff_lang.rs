//! The language of the staff pages (agent console, operator and admin pages): a French
//! shop's team works in French. Chosen by `?ui=fr|en` (remembered in a cookie, so the
//! choice follows every link), else the cookie, else the browser's Accept-Language.
//! `?ui=` rather than `?lang=`: on the article list `lang` already filters by language.

use crate::error::{ApiError, ErrorCode};
use crate::knowledge::Lang;
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use std::future::{ready, Ready};

/// Remembers the chosen language; it says nothing about the person, so it is not a session.
pub const UI_COOKIE: &str = "candor_ui";

/// The `ui` query parameter, when it names a language Candor speaks.
pub fn asked(req: &HttpRequest) -> Option<Lang> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "ui")
        .and_then(|(_, v)| Lang::parse(&v))
}

/// The language to show a staff page in.
pub fn staff_lang(req: &HttpRequest) -> Lang {
    asked(req)
        .or_else(|| req.cookie(UI_COOKIE).and_then(|c| Lang::parse(c.value())))
        .unwrap_or_else(|| super::widget::accept_language(req))
}

/// The cookie that keeps a language asked for with `?ui=` (a year, every path).
pub fn remember(req: &HttpRequest) -> Option<Cookie<'static>> {
    let lang = asked(req)?;
    Some(
        Cookie::build(UI_COOKIE, lang.code())
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(req.connection_info().scheme() == "https")
            .max_age(CookieDuration::days(365))
            .finish(),
    )
}

/// A page's own query parameters, read with `ui` taken out first: they are checked strictly
/// (an unknown one is a mistake worth saying), and the language switch may be on any page.
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequest for PageQuery<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(without_ui(req.query_string()).map(PageQuery))
    }
}

fn without_ui<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let invalid = |e: &dyn std::fmt::Display| {
        ApiError::new(
            ErrorCode::InvalidQuery,
            format!("The query string is not valid: {e}"),
        )
    };
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query).map_err(|e| invalid(&e))?;
    let rest: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| k != "ui").collect();
    let rest = serde_urlencoded::to_string(&rest).map_err(|e| invalid(&e))?;
    serde_urlencoded::from_str(&rest).map_err(|e| invalid(&e))
}

#[cfg(test)]
mod tests {
    use super::without_ui;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Filter {
        q: Option<String>,
        all: Option<bool>,
    }

    #[test]
    fn the_language_switch_is_taken_out_and_the_rest_still_checked() {
        let f: Filter = without_ui("q=colis%20perdu&ui=fr&all=true").unwrap();
        assert_eq!(f.q.as_deref(), Some("colis perdu"));
        assert_eq!(f.all, Some(true));
        assert!(without_ui::<Filter>("q=x&typo=1").is_err());
        assert!(without_ui::<Filter>("all=maybe").is_err());
    }
}
