//! The operator and admin pages' texts in English and French. Each line holds both
//! languages, so neither can be forgotten; texts with numbers in them are methods below,
//! because the two languages put the numbers in different places. The script's own texts
//! are in `templates/operator/operator.js`.

use crate::audit::equity::{Cause, Warning};
use crate::storage::ArticleUsage;
use std::fmt::Display;

/// The plural "s" of both languages.
fn plural(n: i64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Text put into an HTML sentence built here.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

super::texts::bilingual! {
    /// Every fixed text of the pages under `templates/operator/` and `templates/audit.html`.
    OperatorText, operator_text {
    lang: "en" / "fr",
    other_lang: "fr" / "en",
    other_lang_name: "Français" / "English",
    // The frame of every page.
    kb: "Knowledge base" / "Base de connaissances",
    kb_heading: "knowledge base" / "base de connaissances",
    nav_label: "Operator pages" / "Pages des opérateurs",
    nav_articles: "Articles" / "Articles",
    nav_new: "New article" / "Nouvel article",
    nav_gaps: "Unanswered questions" / "Questions sans réponse",
    nav_synonyms: "Synonyms" / "Synonymes",
    nav_review: "Not helpful" / "Réponses pas utiles",
    nav_team: "Team" / "Équipe",
    nav_equity: "Equity report" / "Rapport d'équité",
    nav_audit: "Audit log" / "Journal d'audit",
    nav_requests: "Visitors' requests" / "Demandes des visiteurs",
    my_password: "My password" / "Mon mot de passe",
    sign_out: "Sign out" / "Se déconnecter",
    open_quote: "“" / "« ",
    close_quote: "”" / " »",
    // Words several pages share.
    language: "Language" / "Langue",
    all: "All" / "Toutes",
    all_states: "All" / "Tous",
    filter: "Filter" / "Filtrer",
    clear: "Clear" / "Effacer",
    search: "Search" / "Rechercher",
    email: "Email" / "E-mail",
    status: "Status" / "Statut",
    title: "Title" / "Titre",
    id: "Id" / "Identifiant",
    version: "version" / "version",
    version_cap: "Version" / "Version",
    history: "history" / "historique",
    by: "by" / "par",
    // Sign-in and refusals.
    sign_in: "Sign in" / "Se connecter",
    signin_title: "Operator sign-in" / "Connexion des opérateurs",
    password: "Password" / "Mot de passe",
    not_operator: "Your account is not an operator account: the knowledge base is edited by operators and admins. Agents work at /agent." / "Votre compte n'est pas un compte d'opérateur : la base de connaissances est modifiée par les opérateurs et les administrateurs. Les agents travaillent sur /agent.",
    admins_only: "This page is for admins: sign in with an admin account." / "Cette page est réservée aux administrateurs : connectez-vous avec un compte administrateur.",
    // The article list.
    search_placeholder: "words in the title or text" / "mots du titre ou du texte",
    tag: "Tag" / "Étiquette",
    state: "State" / "État",
    state_published: "Published" / "Publié",
    state_draft: "Draft" / "Brouillon",
    state_unpublished: "Unpublished" / "Dépublié",
    files_note: "Articles from the knowledge dir show “from files” until someone saves them here; from then on the console’s version wins." / "Les articles du dossier de connaissances indiquent « depuis les fichiers » tant que personne ne les a enregistrés ici ; ensuite, la version de la console l'emporte.",
    tags: "Tags" / "Étiquettes",
    last_change: "Last change" / "Dernière modification",
    from_files: "from files" / "depuis les fichiers",
    no_article: "No article matches." / "Aucun article ne correspond.",
    answers_30d: "Answers (30 days)" / "Réponses (30 jours)",
    verdicts: "Visitors said" / "Avis des visiteurs",
    write_one: "Write one" / "En écrire un",
    // The editor.
    edit: "Edit" / "Modifier",
    from_dir: "from the knowledge dir (your first save here makes version 1)" / "depuis le dossier de connaissances (votre premier enregistrement ici crée la version 1)",
    id_help: "Lowercase letters, digits and dashes; it cannot change once saved." / "Lettres minuscules, chiffres et tirets ; il ne change plus une fois enregistré.",
    url_label: "Page on the shop (optional)" / "Page sur la boutique (facultatif)",
    tags_label: "Tags (comma-separated)" / "Étiquettes (séparées par des virgules)",
    questions_label: "Example questions (one per line; the assistant uses them as extra evidence)" / "Questions d'exemple (une par ligne ; l'assistant s'en sert comme indices supplémentaires)",
    body_label: "Text (Markdown; each paragraph under a heading is a passage the assistant can quote)" / "Texte (Markdown ; chaque paragraphe sous un titre est un passage que l'assistant peut citer)",
    reason_label: "Reason for this change (kept in the history)" / "Raison de cette modification (gardée dans l'historique)",
    reason_placeholder: "e.g. new delivery times" / "p. ex. nouveaux délais de livraison",
    publish: "Publish" / "Publier",
    save_draft: "Save as draft" / "Enregistrer comme brouillon",
    unpublish: "Unpublish" / "Dépublier",
    preview: "Preview" / "Aperçu",
    preview_label: "Preview of the text" / "Aperçu du texte",
    try_title: "Try a question" / "Essayer une question",
    try_help: "Ask as a visitor would: see what the assistant answers today and what it would answer with this draft published. Nothing is saved." / "Posez la question comme un visiteur : voyez ce que l'assistant répond aujourd'hui et ce qu'il répondrait avec ce brouillon publié. Rien n'est enregistré.",
    question: "Question" / "Question",
    try_placeholder: "How long does delivery take?" / "Quel est le délai de livraison ?",
    try_button: "Try" / "Essayer",
    // Version history.
    history_of: "History of" / "Historique de",
    back_to_editor: "Back to the editor" / "Retour à l'éditeur",
    current_version: "current version" / "version actuelle",
    lines: "lines" / "lignes",
    restore_version: "Restore version" / "Restaurer la version",
    changes_before: "Changes from the version before" / "Modifications depuis la version précédente",
    changes_in: "Changes in version" / "Modifications de la version",
    never_saved: "This article comes from the knowledge dir and was never saved here." / "Cet article vient du dossier de connaissances et n'a jamais été enregistré ici.",
    // Unanswered questions.
    gaps_help: "Questions the assistant declined, from visitors who agreed to keep their conversation; personal data was removed before storage. Similar questions are grouped, most frequent first." / "Les questions auxquelles l'assistant n'a pas répondu, de visiteurs qui ont accepté de garder leur conversation ; les données personnelles ont été retirées avant l'enregistrement. Les questions semblables sont regroupées, les plus fréquentes d'abord.",
    hide_dismissed: "Hide dismissed and linked groups" / "Masquer les groupes écartés et liés",
    show_dismissed: "Show dismissed and linked groups too" / "Afficher aussi les groupes écartés et liés",
    asked: "Asked" / "Posée",
    questions: "Questions" / "Questions",
    shared_words: "Shared words" / "Mots communs",
    last_seen: "Last seen" / "Dernière fois",
    action: "Action" / "Action",
    write_article: "Write an article" / "Écrire un article",
    dismiss: "Dismiss" / "Écarter",
    gaps_empty: "Nothing to show: every recent question found an answer, or none was kept." / "Rien à montrer : chaque question récente a trouvé une réponse, ou aucune n'a été gardée.",
    // Synonyms.
    syn_help: "When a visitor's question contains the phrase, the assistant also searches the expansion (“paquet” → “colis”, “money back” → “refund”). The built-in support vocabulary stays; these rules add to it, apply to the next question on every instance, and each change is in the audit log." / "Quand la question d'un visiteur contient l'expression, l'assistant cherche aussi son équivalent (« paquet » → « colis », « money back » → « refund »). Le vocabulaire intégré reste ; ces règles s'y ajoutent, valent dès la question suivante sur chaque instance, et chaque modification est dans le journal d'audit.",
    visitors_write: "Visitors write" / "Les visiteurs écrivent",
    also_search: "Also search" / "Chercher aussi",
    remove: "Remove" / "Retirer",
    add_rule: "Add a rule" / "Ajouter une règle",
    save_rules: "Save all rules" / "Enregistrer toutes les règles",
    // The team.
    team_heading: "team" / "équipe",
    team_help: "Everyone who can sign in to the console. Switching an account off takes effect at once on every instance: its sessions and API tokens stop working, open consoles stop receiving conversations, and the visitors it was helping go back to the queue with a message in their language. Transcripts and the audit log keep its name. Each change is in the <a href=\"/audit/log\">audit log</a>." / "Toutes les personnes qui peuvent se connecter à la console. Désactiver un compte prend effet aussitôt sur chaque instance : ses sessions et jetons d'API cessent de fonctionner, les consoles ouvertes ne reçoivent plus de conversations, et les visiteurs qu'il aidait retournent dans la file avec un message dans leur langue. Les transcriptions et le journal d'audit gardent son nom. Chaque modification est dans le <a href=\"/audit/log\">journal d'audit</a>.",
    name: "Name" / "Nom",
    role: "Role" / "Rôle",
    last_active: "Last active (UTC)" / "Dernière activité (UTC)",
    account: "Account" / "Compte",
    you: "(you)" / "(vous)",
    role_of: "Role of" / "Rôle de",
    switched_off: "switched off" / "désactivé",
    active: "active" / "actif",
    switch_on: "Switch on" / "Réactiver",
    switch_off: "Switch off" / "Désactiver",
    new_password: "New password" / "Nouveau mot de passe",
    new_password_for: "New password for" / "Nouveau mot de passe pour",
    at_least_10: "at least 10 characters" / "au moins 10 caractères",
    set_it: "Set it" / "Le définir",
    add_person: "Add a person" / "Ajouter une personne",
    name_shown: "Name shown to visitors" / "Nom montré aux visiteurs",
    first_password: "First password (at least 10 characters)" / "Premier mot de passe (au moins 10 caractères)",
    add: "Add" / "Ajouter",
    roles_help: "Agents answer visitors at <code>/agent</code>; operators edit the knowledge base here; admins do both and manage the team. Give the first password to the person directly; they sign in with it." / "Les agents répondent aux visiteurs sur <code>/agent</code> ; les opérateurs modifient la base de connaissances ici ; les administrateurs font les deux et gèrent l'équipe. Donnez le premier mot de passe à la personne directement ; elle se connecte avec.",
    // My password.
    my_password_heading: "my password" / "mon mot de passe",
    change_password: "Change my password" / "Changer mon mot de passe",
    password_for: "For" / "Pour",
    password_help: "Your other sign-ins (another browser, API tokens) end; this one stays." / "Vos autres connexions (un autre navigateur, des jetons d'API) prennent fin ; celle-ci reste.",
    current_password: "Current password" / "Mot de passe actuel",
    new_password_label: "New password (at least 10 characters)" / "Nouveau mot de passe (au moins 10 caractères)",
    save_password: "Save the new password" / "Enregistrer le nouveau mot de passe",
    // Visitors' requests.
    requests_heading: "visitors' requests" / "demandes des visiteurs",
    requests_title: "Visitors' requests by email or post" / "Demandes des visiteurs par e-mail ou courrier",
    requests_help: "A visitor who asks for their data or its erasure outside the chat no longer holds the widget's key. Find their conversation by the follow-up email or phone they left (kept only a few days), or by words they remember writing — an order number, a product — then send them the export or erase it. Personal data typed in the chat was masked before storage, so an email address or a card number cannot be searched as words. Each search, export and erasure is in the <a href=\"/audit/log\">audit log</a> under your name; what you searched for is not." / "Un visiteur qui demande ses données ou leur effacement hors du chat n'a plus la clé du widget. Retrouvez sa conversation par l'e-mail ou le téléphone de suivi qu'il a laissé (gardé quelques jours seulement), ou par des mots dont il se souvient — un numéro de commande, un produit — puis envoyez-lui l'export ou effacez-la. Les données personnelles tapées dans le chat ont été masquées avant l'enregistrement : une adresse e-mail ou un numéro de carte ne se cherche pas comme des mots. Chaque recherche, export et effacement est dans le <a href=\"/audit/log\">journal d'audit</a> à votre nom ; ce que vous avez cherché n'y est pas.",
    contact_label: "Follow-up email or phone" / "E-mail ou téléphone de suivi",
    words_label: "Words they wrote" / "Mots qu'il a écrits",
    from_day: "From (day)" / "Du (jour)",
    to_day: "To (day)" / "Au (jour)",
    no_conversation: "No conversation matches. It may have passed its retention period and been deleted already: say so to the visitor." / "Aucune conversation ne correspond. Elle a peut-être dépassé sa durée de conservation et déjà été supprimée : dites-le au visiteur.",
    started: "Started (UTC)" / "Commencée (UTC)",
    last_activity: "Last activity" / "Dernière activité",
    site: "Site" / "Site",
    answer_request: "Answer the request" / "Répondre à la demande",
    readable_export: "Readable export" / "Export lisible",
    json_export: "JSON export" / "Export JSON",
    erase: "Erase…" / "Effacer…",
    erase_before: "Erase the conversation started" / "Effacer pour de bon la conversation commencée le",
    erase_after: "for good?" / "?",
    erase_help: "Its messages, feedback and follow-up contact are deleted now, and cannot be brought back; only anonymous daily counts remain. The reason is kept in the audit log under your name." / "Ses messages, avis et contact de suivi sont supprimés maintenant, sans retour possible ; seuls restent des comptes quotidiens anonymes. La raison est gardée dans le journal d'audit à votre nom.",
    why: "Why" / "Pourquoi",
    erase_placeholder: "the visitor's email of 2 December" / "l'e-mail du visiteur du 2 décembre",
    erase_confirm: "Erase for good" / "Effacer pour de bon",
    keep_it: "Keep it" / "La garder",
    // The audit log.
    audit_heading: "audit" / "audit",
    audit_help: "Every sign-in and sign-out, claim, agent message, note, transfer, hand-back, close, export, erasure, review decision, article change, gap decision, synonym change, account change (added, switched off or on, new password, new role), search for a visitor's request (never what was searched), and the settings in force at each start. Newest first, at most 500 rows here; <code>/api/v1/audit/log</code> returns them all." / "Chaque connexion et déconnexion, prise en charge, message d'agent, note, transfert, remise à l'assistant, clôture, export, effacement, décision de relecture, modification d'article, décision sur une question sans réponse, modification de synonymes, modification de compte (ajout, désactivation ou réactivation, nouveau mot de passe, nouveau rôle), recherche pour la demande d'un visiteur (jamais ce qui a été cherché), et les réglages en vigueur à chaque démarrage. Les plus récentes d'abord, au plus 500 lignes ici ; <code>/api/v1/audit/log</code> les renvoie toutes.",
    who: "Who" / "Qui",
    when: "When (UTC)" / "Quand (UTC)",
    on: "On" / "Sur",
    details: "Details" / "Détails",
    no_entry: "No entry matches." / "Aucune entrée ne correspond.",
    // The review queue.
    review_title: "Answers visitors found unhelpful" / "Réponses jugées pas utiles par les visiteurs",
    review_help: "Each “not helpful” vote, with the visitor's question, the answer, the article it came from and how sure the assistant was. Fix the article (publishing the fix from here marks the vote fixed with that version), or mark the answer acceptable (the article is right; the visitor wanted something else) or escalated (it needs someone outside the help centre). Personal data was masked before storage; each decision is in the audit log." / "Chaque vote « pas utile », avec la question du visiteur, la réponse, l'article d'où elle venait et l'assurance de l'assistant. Corrigez l'article (publier la correction depuis ici marque le vote corrigé par cette version), ou marquez la réponse acceptable (l'article est juste ; le visiteur voulait autre chose) ou remontée (il faut quelqu'un hors du centre d'aide). Les données personnelles ont été masquées avant l'enregistrement ; chaque décision est dans le journal d'audit.",
    show_resolved: "Show resolved votes too" / "Afficher aussi les votes traités",
    hide_resolved: "Hide resolved votes" / "Masquer les votes traités",
    voted: "Voted (UTC)" / "Vote (UTC)",
    answer_given: "Answer given" / "Réponse donnée",
    source: "From" / "Source",
    visitor_comment: "Visitor's comment" / "Commentaire du visiteur",
    fix_article: "Fix the article" / "Corriger l'article",
    mark_acceptable: "Acceptable" / "Acceptable",
    mark_escalated: "Escalate" / "Faire remonter",
    confidence: "confidence" / "confiance",
    review_empty: "No vote waiting: visitors found every recent answer helpful, or said nothing." / "Aucun vote en attente : les visiteurs ont trouvé utiles les réponses récentes, ou n'ont rien dit.",
    // The equity report.
    equity_heading: "equity report" / "rapport d'équité",
    warnings: "Warnings" / "Alertes",
    no_warning: "No group is served markedly worse than another." / "Aucun groupe n'est servi nettement moins bien qu'un autre.",
    answer_rate_chart: "Answer rate by group" / "Taux de réponse par groupe",
    helpful_rate_chart: "Helpful rate by group" / "Taux de réponses utiles par groupe",
    no_questions: "No question kept in this period yet." / "Aucune question gardée sur cette période pour l'instant.",
    all_figures: "All figures" / "Tous les chiffres",
    dimension: "Dimension" / "Dimension",
    group: "Group" / "Groupe",
    answered: "Answered" / "Répondues",
    declined: "Declined" / "Sans réponse",
    handed_over: "Handed over" / "Transmises",
    median_wait: "Median wait" / "Attente médiane",
    p90_wait: "p90 wait" / "Attente p90",
    helpful_answers: "Helpful answers" / "Réponses utiles",
    person_helped: "Helped by a person (ratings)" / "Aidés par une personne (évaluations)",
    time_to_correction: "Time to correction" / "Délai de correction",
    ratings_title: "What visitors said about the team's help" / "Ce que les visiteurs disent de l'aide de l'équipe",
    no_rating: "No rating in this period." / "Aucune évaluation sur cette période.",
    helped: "Helped" / "Aidé",
    comment: "Comment" / "Commentaire",
    yes: "yes" / "oui",
    no: "no" / "non",
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
        match (self.fr(), n) {
            (true, 1) => "1 ligne inchangée".into(),
            (true, n) => format!("{n} lignes inchangées"),
            (false, 1) => "1 unchanged line".into(),
            (false, n) => format!("{n} unchanged lines"),
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
