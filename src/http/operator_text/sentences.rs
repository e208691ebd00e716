//! The operator pages' sentences with numbers or names in them, one method each, because
//! French and English put them in different places.

use super::OperatorText;
use crate::audit::equity::{Cause, Warning};
use crate::storage::ArticleUsage;
use std::fmt::Display;

/// Text put into an HTML sentence built here.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The plural "s" of both languages.
fn plural(n: i64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

impl OperatorText {
    fn fr(&self) -> bool {
        self.lang == "fr"
    }

    /// "3 of 12 articles."
    pub fn articles_shown(&self, shown: impl Display, total: impl Display) -> String {
        if self.fr() {
            format!("{shown} articles sur {total}.")
        } else {
            format!("{shown} of {total} articles.")
        }
    }

    /// Visitors' verdicts on an article's answers: "4 helpful · 1 not" (empty: no verdict).
    pub fn verdicts(&self, u: &ArticleUsage) -> String {
        match (self.fr(), u.helpful + u.not_helpful) {
            (_, 0) => String::new(),
            (true, _) => format!("{} utiles · {} non", u.helpful, u.not_helpful),
            (false, _) => format!("{} helpful · {} not", u.helpful, u.not_helpful),
        }
    }

    /// The editor's line on how the article served visitors.
    pub fn usage_line(&self, u: &ArticleUsage) -> String {
        let days = crate::knowledge::usage::DAYS;
        match (self.fr(), u.answers) {
            (true, 0) => format!("Aucune réponse tirée de cet article ces {days} derniers jours (conversations gardées avec l'accord des visiteurs)."),
            (false, 0) => format!("No answer came from this article in the last {days} days (conversations kept with the visitors' agreement)."),
            (true, n) => format!("Ces {days} derniers jours : {n} réponse{} tirée{} de cet article ; les visiteurs en ont jugé {} utile{} et {} pas utile{}.", plural(n), plural(n), u.helpful, plural(u.helpful), u.not_helpful, plural(u.not_helpful)),
            (false, n) => format!("In the last {days} days: {n} answer{} came from this article; visitors found {} helpful and {} not helpful.", plural(n), u.helpful, u.not_helpful),
        }
    }

    /// An article's state as a badge shows it (`published`, `draft`, `unpublished`).
    pub fn state_name<'a>(&self, state: &'a str) -> &'a str {
        match (self.fr(), state) {
            (true, "published") => "publié",
            (true, "draft") => "brouillon",
            (true, "unpublished") => "dépublié",
            _ => state,
        }
    }

    /// A line of a diff, for screen readers (`same`, `added`, `removed`).
    pub fn line_kind<'a>(&self, kind: &'a str) -> &'a str {
        match (self.fr(), kind) {
            (true, "same") => "inchangée",
            (true, "added") => "ajoutée",
            (true, "removed") => "retirée",
            (true, "folded") => "repliées",
            _ => kind,
        }
    }

    /// What was done about a "not helpful" vote (`fixed_article:…`, `acceptable`, `escalated`).
    pub fn resolution(&self, r: &str) -> String {
        let fixed = r.strip_prefix("fixed_article:");
        match (self.fr(), r, fixed) {
            (true, _, Some(v)) => format!("article corrigé ({v})"),
            (false, _, Some(v)) => format!("article fixed ({v})"),
            (true, "escalated", _) => "remontée".into(),
            (false, "escalated", _) => "escalated".into(),
            _ => r.into(),
        }
    }

    /// A folded run of unchanged lines in a diff.
    pub fn unchanged_lines(&self, n: usize) -> String {
        let s = plural(n as i64);
        if self.fr() {
            format!("{n} ligne{s} inchangée{s}")
        } else {
            format!("{n} unchanged line{s}")
        }
    }

    /// A group of unanswered questions: `open`, `dismissed` or `linked:article-id`.
    pub fn gap_status(&self, status: &str) -> String {
        let linked = status.strip_prefix("linked:");
        match (self.fr(), status, linked) {
            (true, _, Some(id)) => format!("lié à {id}"),
            (false, _, Some(id)) => format!("linked to {id}"),
            (true, "open", _) => "ouvert".into(),
            (true, "dismissed", _) => "écarté".into(),
            _ => status.into(),
        }
    }

    /// A console role (`agent`, `operator`, `admin`).
    pub fn role_name<'a>(&self, role: &'a str) -> &'a str {
        match (self.fr(), role) {
            (true, "operator") => "opérateur",
            (true, "admin") => "administrateur",
            _ => role,
        }
    }

    /// A conversation's state, as the requests page lists it.
    pub fn conversation_status<'a>(&self, status: &'a str) -> &'a str {
        use crate::conversation::service::status::*;
        match (self.fr(), status) {
            (true, BOT) => "avec l'assistant",
            (true, WAITING) => "attend une personne",
            (true, WITH_AGENT) => "avec un agent",
            (true, CLOSED) => "close",
            (false, BOT) => "with the assistant",
            (false, WAITING) => "waiting for a person",
            (false, WITH_AGENT) => "with an agent",
            (false, CLOSED) => "closed",
            _ => status,
        }
    }

    /// "Only the 50 newest are shown: narrow the search."
    pub fn only_newest(&self, limit: impl Display) -> String {
        if self.fr() {
            format!("Seules les {limit} plus récentes sont affichées : affinez la recherche.")
        } else {
            format!("Only the {limit} newest are shown: narrow the search.")
        }
    }

    /// A dimension of the equity report (`language`, `site`, `channel`).
    pub fn dimension_name<'a>(&self, dimension: &'a str) -> &'a str {
        match (self.fr(), dimension) {
            (true, "language") => "langue",
            (true, "channel") => "canal",
            _ => dimension,
        }
    }

    /// The report's period (HTML: it names the query and the API).
    pub fn period(&self, from: &str, to: &str) -> String {
        let (from, to) = (escape(from), escape(to));
        if self.fr() {
            format!("Du {from} au {to} — conversations dont les visiteurs ont accepté la conservation. Ajoutez <code>?from=…&amp;to=…</code> (RFC 3339) pour changer de période ; les mêmes données sont sur <code>/api/v1/audit/report</code>.")
        } else {
            format!("From {from} to {to} — conversations whose visitors agreed to keep them. Add <code>?from=…&amp;to=…</code> (RFC 3339) to change the period; the same data is at <code>/api/v1/audit/report</code>.")
        }
    }

    /// A warning of the equity report after its group's name: the rates and the likely cause.
    pub fn warning(&self, w: &Warning) -> String {
        let (g, best) = (&w.group, &w.best_group);
        let (rate, best_rate) = (w.rate, w.best_rate);
        if !self.fr() {
            let what = if w.measure == "answer_rate" {
                "is answered"
            } else {
                "says a person helped"
            };
            let cause = w.cause.english(g, best);
            return format!("{what} {rate} % of the time, against {best_rate} % for “{best}”. Likely cause: {cause}.");
        }
        let what = if w.measure == "answer_rate" {
            "obtient une réponse"
        } else {
            "dit avoir été aidé par une personne"
        };
        let cause = match &w.cause {
            Cause::FewArticles { articles, best_articles } => format!("peu d'articles en {g} : {articles} contre {best_articles} en {best} ; les questions en {g} restent plus souvent sans article d'où répondre"),
            Cause::OutsideCoverage => format!("les questions de {g} sortent plus souvent de ce que couvre le centre d'aide : lisez les questions sans réponse de ce groupe"),
            Cause::UnsupportedLanguage => format!("l'assistant ne répond pas en {g} : ses visiteurs en sont avertis et se voient proposer une personne ; comptez-les avant de décider s'il faut dans l'équipe des personnes qui lisent le {g}"),
            Cause::LessUseful => format!("les visiteurs de {g} trouvent l'aide de l'équipe moins utile que ceux de {best} : vérifiez que des personnes qui parlent leur langue sont dans l'équipe quand ils écrivent, et lisez leurs commentaires dans les dernières évaluations ci-dessous"),
        };
        format!("{what} {rate} % du temps, contre {best_rate} % pour « {best} ». Cause probable : {cause}.")
    }

    /// What the ratings table holds.
    pub fn ratings_help(&self, n: usize) -> String {
        if self.fr() {
            format!("Les {n} dernières évaluations de la période (au plus 50), de visiteurs qui ont accepté de garder leur conversation ; les données personnelles des commentaires ont été masquées avant l'enregistrement. Aucun agent n'est nommé : ce rapport compare la façon dont des groupes de visiteurs sont servis.")
        } else {
            format!("The latest {n} ratings in the period (at most 50), from visitors who agreed to keep their conversation; personal data in comments was masked before storage. No agent is named: this report compares how groups of visitors are served.")
        }
    }

    /// The audit log's verdict when every entry checks out.
    pub fn chain_intact(&self, total: impl Display) -> String {
        if self.fr() {
            format!("Chaîne de hachage intacte : aucune des {total} entrées n'a été modifiée depuis son écriture.")
        } else {
            format!(
                "Hash chain intact: none of the {total} entries was altered since it was written."
            )
        }
    }

    /// The audit log's alarm (HTML: it names the command to run).
    pub fn chain_broken(&self, seq: impl Display) -> String {
        if self.fr() {
            format!("<strong>La chaîne de hachage est rompue à l'entrée {seq} :</strong> cette entrée ou une précédente a été modifiée après son écriture. Lancez <code>candor audit verify</code> et gardez une copie de la base de données pour l'enquête.")
        } else {
            format!("<strong>The hash chain is broken at entry {seq}:</strong> that entry or one before it was altered after it was written. Run <code>candor audit verify</code> and keep a copy of the database for investigation.")
        }
    }
}
