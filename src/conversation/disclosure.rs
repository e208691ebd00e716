//! The notices every conversation starts with (EU AI Act art. 50, GDPR art. 13).
//!
//! Operators may replace the texts in the config file; the version is a hash of all texts,
//! so a conversation's receipt proves exactly which wording the visitor was shown.

use crate::knowledge::Lang;
use crate::privacy::retention::RetentionSettings;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One language's notices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureText {
    pub ai_notice: String,
    pub data_use: String,
}

/// Operator replacements from the `[disclosure.fr]` / `[disclosure.en]` config tables.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureOverrides {
    pub fr: Option<DisclosureText>,
    pub en: Option<DisclosureText>,
}

/// The notices in force, with their version.
#[derive(Debug, Clone)]
pub struct Disclosures {
    pub version: String,
    fr: DisclosureText,
    en: DisclosureText,
}

impl Disclosures {
    /// The operator's texts where given, Candor's defaults elsewhere.
    pub fn new(overrides: &DisclosureOverrides, retention: &RetentionSettings) -> Disclosures {
        let fr = overrides
            .fr
            .clone()
            .unwrap_or_else(|| default_text(Lang::Fr, retention));
        let en = overrides
            .en
            .clone()
            .unwrap_or_else(|| default_text(Lang::En, retention));
        let mut h = Sha256::new();
        for t in [&fr, &en] {
            h.update(t.ai_notice.as_bytes());
            h.update([0]);
            h.update(t.data_use.as_bytes());
            h.update([0]);
        }
        let digest = h.finalize();
        let version = format!(
            "d-{}",
            digest
                .iter()
                .take(4)
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        Disclosures { version, fr, en }
    }

    /// The notices in one language.
    pub fn text(&self, lang: Lang) -> &DisclosureText {
        match lang {
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        }
    }
}

fn default_text(lang: Lang, r: &RetentionSettings) -> DisclosureText {
    let (short, long) = (r.transcript_days_without_consent, r.transcript_days);
    let (jours, days) = if short == 1 {
        ("jour", "day")
    } else {
        ("jours", "days")
    };
    match lang {
        Lang::Fr => DisclosureText {
            ai_notice: "Vous parlez à un assistant automatique (une IA), pas à une personne. Il répond uniquement à partir des articles du centre d'aide et vous dit quand il ne sait pas. Vous pouvez demander à parler à une personne à tout moment.".into(),
            data_use: format!("Ce que nous gardons : vos messages (numéros de carte, e-mails, téléphones et autres données personnelles sont masqués avant d'être enregistrés), les réponses de l'assistant et la raison de chaque réponse. Pourquoi : pour vous répondre et pour qu'une personne de l'équipe puisse reprendre la conversation. Combien de temps : {short} {jours} après votre dernier message ; {long} jours seulement si vous acceptez que nous la gardions pour améliorer le service (non par défaut). Qui peut la lire : l'équipe du service client de la boutique. Aucun cookie, aucune adresse IP conservée. Vos droits : télécharger ou effacer cette conversation à tout moment depuis cette fenêtre ; pour le reste, écrivez au délégué à la protection des données (page Confidentialité)."),
        },
        Lang::En => DisclosureText {
            ai_notice: "You are talking to an automated assistant (an AI), not a person. It answers only from the help-centre articles and tells you when it does not know. You can ask for a person at any time.".into(),
            data_use: format!("What we keep: your messages (card numbers, emails, phone numbers and other personal data are masked before they are stored), the assistant's replies and the reason for each reply. Why: to answer you and so that a person from the team can take over. How long: {short} {days} after your last message; {long} days only if you agree that we keep it to improve the service (off by default). Who can read it: the shop's customer-service team. No cookies, no IP address kept. Your rights: download or erase this conversation at any time from this window; for anything else, write to the data-protection officer (Privacy page)."),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_follows_the_operator_texts() {
        let retention = RetentionSettings::default();
        let default = Disclosures::new(&DisclosureOverrides::default(), &retention);
        let custom = Disclosures::new(
            &DisclosureOverrides {
                fr: Some(DisclosureText {
                    ai_notice: "IA".into(),
                    data_use: "Rien".into(),
                }),
                en: None,
            },
            &retention,
        );
        assert_ne!(default.version, custom.version);
        assert_eq!(custom.text(Lang::Fr).ai_notice, "IA");
        assert!(default
            .text(Lang::En)
            .data_use
            .contains("30 days only if you agree"));
    }
}
