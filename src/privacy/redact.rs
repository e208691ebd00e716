//! Redaction before storage: emails, phone numbers, payment cards, IBANs, French social
//! security numbers and IP addresses become `[email]`, `[phone]`, `[card]`, `[iban]`,
//! `[id-number]` and `[ip]` before a message, why record or log line is written.
//!
//! Checksums keep false positives down: a 16-digit number is a card only if it passes
//! Luhn, an IBAN only if it passes mod 97, a social security number only with its key.
//! Order numbers, prices, dates and postcodes are left alone. Operators can add patterns
//! and switch built-in ones off.

use regex::Regex;
use serde::Deserialize;

/// An operator-defined pattern, from the `[[redaction.patterns]]` config tables.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomPattern {
    /// Placeholder label: matches become `[label]`.
    pub label: String,
    pub regex: String,
}

/// Redaction settings from the config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedactionSettings {
    #[serde(default)]
    pub patterns: Vec<CustomPattern>,
    /// Built-in kinds to switch off, e.g. `["ip"]`.
    #[serde(default)]
    pub disable: Vec<String>,
}

type Check = fn(&str) -> bool;

/// Built-in kinds a shop's team writes to visitors as its own contact or bank details.
const TEAM_GIVES_OUT: &[&str] = &["email", "phone", "iban"];

struct Rule {
    label: String,
    regex: Regex,
    check: Option<Check>,
}

/// The compiled redaction rules, applied in order.
pub struct Redactor {
    rules: Vec<Rule>,
}

/// Text after redaction, with the kinds of data that were removed.
#[derive(Debug, Clone, PartialEq)]
pub struct Redacted {
    pub text: String,
    pub kinds: Vec<String>,
}

const BUILT_IN: &[(&str, &str, Option<Check>)] = &[
    (
        "email",
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
        None,
    ),
    (
        "iban",
        // Country, check digits, then groups of four (the last may be shorter), any case:
        // the groups stop the match before the next word ("… 189 merci").
        r"(?i)\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b",
        Some(iban_ok),
    ),
    (
        "id-number",
        r"\b[12][ ]?\d{2}[ ]?\d{2}[ ]?(?:\d{2}|2A|2B)[ ]?\d{3}[ ]?\d{3}[ ]?\d{2}\b",
        Some(nir_ok),
    ),
    ("card", r"\b\d(?:[ -]?\d){12,18}\b", Some(luhn_ok)),
    (
        "phone",
        r"(?:(?:\+|\b00)33[ .-]?(?:\(0\)[ .-]?)?[1-9]|\b0[1-9])(?:[ .-]?\d{2}){4}\b",
        None,
    ),
    (
        "phone",
        r"(?:\+|\b00)[1-9]\d{0,2}[ .-]?\(?\d{1,4}\)?(?:[ .-]?\d{2,4}){2,5}\b",
        None,
    ),
    (
        "ip",
        r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b",
        None,
    ),
    ("ip", r"\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\b", None),
];

impl Redactor {
    /// Compiles the built-in rules (minus disabled ones) and the operator's patterns.
    pub fn new(settings: &RedactionSettings) -> Result<Redactor, regex::Error> {
        let mut rules = Vec::new();
        for (label, pattern, check) in BUILT_IN {
            if !settings.disable.iter().any(|d| d == label) {
                rules.push(Rule {
                    label: label.to_string(),
                    regex: Regex::new(pattern)?,
                    check: *check,
                });
            }
        }
        for p in &settings.patterns {
            rules.push(Rule {
                label: p.label.clone(),
                regex: Regex::new(&p.regex)?,
                check: None,
            });
        }
        Ok(Redactor { rules })
    }

    /// Replaces every match by its placeholder, in the text's `plain_form`.
    pub fn redact(&self, text: &str) -> Redacted {
        self.redact_all_but(text, &[])
    }

    /// For a message a person of the team sends the visitor: the shop's own email address,
    /// phone number and IBAN are what an agent gives out ("pay by transfer to FR76…"), so
    /// they stay; a card or social security number an agent types back (read out on the
    /// phone, copied from elsewhere) is never needed in writing and is masked like the
    /// visitor's, as are IP addresses and the operator's own patterns.
    pub fn redact_team_message(&self, text: &str) -> Redacted {
        self.redact_all_but(text, TEAM_GIVES_OUT)
    }

    /// Rules run in their order (an earlier kind wins over a later one on the same digits);
    /// a kept kind's matches are set aside behind marks, so no later rule masks a part of
    /// them (the digits of a kept IBAN can look like a card number), and put back at the end.
    fn redact_all_but(&self, text: &str, kept: &[&str]) -> Redacted {
        let mut current = plain_form(text);
        let mut aside: Vec<String> = Vec::new();
        if !kept.is_empty() {
            current.retain(|c| !PRIVATE_USE.contains(&(c as u32)));
        }
        let mut kinds = Vec::new();
        for rule in &self.rules {
            let keep = kept.contains(&rule.label.as_str());
            let placeholder = format!("[{}]", rule.label);
            let mut hit = false;
            let replaced = rule.regex.replace_all(&current, |c: &regex::Captures| {
                let m = &c[0];
                if !rule.check.is_none_or(|check| check(m)) {
                    return m.to_string();
                }
                hit = true;
                if keep {
                    aside.push(m.to_string());
                    set_aside_mark(aside.len() - 1)
                } else {
                    placeholder.clone()
                }
            });
            if hit {
                current = replaced.into_owned();
                if !keep && !kinds.contains(&rule.label) {
                    kinds.push(rule.label.clone());
                }
            }
        }
        for (i, original) in aside.iter().enumerate() {
            current = current.replacen(&set_aside_mark(i), original, 1);
        }
        Redacted {
            text: current,
            kinds,
        }
    }
}

/// Stands in for the `i`-th match set aside: one character of Unicode's private use area,
/// which no rule's digits, letters or `@` match (a message's characters from that area are
/// dropped first, so none can pass for a mark). A message is at most a few thousand
/// characters, so it never has more kept matches than the area has characters.
fn set_aside_mark(i: usize) -> String {
    char::from_u32(PRIVATE_USE.start() + i as u32)
        .filter(|c| PRIVATE_USE.contains(&(*c as u32)))
        .unwrap_or(char::REPLACEMENT_CHARACTER)
        .to_string()
}

/// Unicode's private use area in the basic plane.
const PRIVATE_USE: std::ops::RangeInclusive<u32> = 0xE000..=0xF8FF;

/// The text as a person reads it, which is what the rules must match: characters that show
/// nothing dropped (control characters other than line breaks and tabs, zero-width spaces,
/// soft hyphens, byte-order marks, direction controls),
/// every kind of space a plain space, full-width letters, digits and signs their ASCII
/// selves, the non-breaking and figure hyphens and the minus sign a hyphen. Without it a
/// card number copied with non-breaking spaces (as French pages format numbers) or split by
/// zero-width spaces looked like a card to the agent reading it but not to the rules, and
/// was stored as typed. The zero-width joiner stays where it builds an emoji (👩‍💻),
/// after something that is not a letter or digit.
pub fn plain_form(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous: Option<char> = None;
    for c in text.chars() {
        let mapped = match c {
            '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200E}' | '\u{200F}' => None,
            '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' => None,
            '\u{FEFF}' => None,
            c if c.is_control() && c != '\n' && c != '\t' => None,
            '\u{200D}' if previous.is_none_or(char::is_alphanumeric) => None,
            '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => {
                Some(' ')
            }
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2212}' => Some('-'),
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
            c => Some(c),
        };
        if let Some(m) = mapped {
            out.push(m);
            previous = Some(m);
        }
    }
    out
}

fn digits(s: &str) -> Vec<u32> {
    s.chars().filter_map(|c| c.to_digit(10)).collect()
}

/// Luhn checksum of a card number.
fn luhn_ok(s: &str) -> bool {
    let d = digits(s);
    if !(13..=19).contains(&d.len()) {
        return false;
    }
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            if i % 2 == 1 {
                if x * 2 > 9 {
                    x * 2 - 9
                } else {
                    x * 2
                }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97.
fn iban_ok(s: &str) -> bool {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if !(15..=34).contains(&compact.len()) {
        return false;
    }
    let rearranged = format!("{}{}", &compact[4..], &compact[..4]);
    let mut rem: u64 = 0;
    for c in rearranged.chars() {
        let v = match c.to_digit(36) {
            Some(v) => v as u64,
            None => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// French social security number (NIR): key = 97 - (first 13 digits mod 97), with Corsica's
/// 2A/2B departments counted as 19/18.
fn nir_ok(s: &str) -> bool {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() != 15 {
        return false;
    }
    let body = compact[..13].replace("2A", "19").replace("2B", "18");
    let (Ok(n), Ok(key)) = (body.parse::<u64>(), compact[13..].parse::<u64>()) else {
        return false;
    };
    97 - n % 97 == key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> String {
        Redactor::new(&RedactionSettings::default())
            .unwrap()
            .redact(text)
            .text
    }

    /// An agent gives out the shop's email, phone and IBAN, never a card or social security
    /// number: those are masked, and a kept IBAN is not cut into by the card rule.
    #[test]
    fn a_team_message_keeps_the_shops_contact_and_bank_details() {
        let redactor = Redactor::new(&RedactionSettings::default()).unwrap();
        let out = redactor.redact_team_message(
            "Virement à FR76 3000 6000 0112 3456 7890 189, ou écrivez à compta@boutique.fr \
             (01 23 45 67 89). Votre carte 4970 1012 3456 7893 et le n° 1 85 05 78 006 084 91 \
             ne sont pas nécessaires.",
        );
        assert_eq!(
            out.text,
            "Virement à FR76 3000 6000 0112 3456 7890 189, ou écrivez à compta@boutique.fr \
             (01 23 45 67 89). Votre carte [card] et le n° [id-number] ne sont pas nécessaires."
        );
        assert_eq!(out.kinds, ["id-number", "card"]);
        // The marks that hold kept text aside cannot be forged by typing them.
        let forged = redactor.redact_team_message("\u{E000}\u{E001} compta@boutique.fr");
        assert_eq!(forged.text, " compta@boutique.fr");
        assert!(forged.kinds.is_empty());
        assert_eq!(
            redactor.redact("compta@boutique.fr").text,
            "[email]",
            "a visitor's is masked"
        );
    }

    #[test]
    fn personal_data_is_replaced_in_french_and_english() {
        let cases = [
            (
                "écrivez-moi à jean.dupont@exemple.fr svp",
                "écrivez-moi à [email] svp",
            ),
            (
                "my mail is Jane_Doe+shop@mail.co.uk.",
                "my mail is [email].",
            ),
            ("mon numéro : 06 12 34 56 78", "mon numéro : [phone]"),
            ("appelez le 0612345678", "appelez le [phone]"),
            ("call +33 6 12 34 56 78 please", "call [phone] please"),
            ("or +44 20 7946 0958", "or [phone]"),
            (
                "ma carte 4970 1012 3456 7893 a été débitée",
                "ma carte [card] a été débitée",
            ),
            ("card 4111-1111-1111-1111", "card [card]"),
            (
                "IBAN FR76 3000 6000 0112 3456 7890 189 merci",
                "IBAN [iban] merci",
            ),
            ("n° sécu 1 85 05 78 006 084 91", "n° sécu [id-number]"),
            ("my IP is 192.168.1.20", "my IP is [ip]"),
        ];
        for (input, expected) in cases {
            assert_eq!(r(input), expected, "{input}");
        }
    }

    /// Numbers as they arrive when copied from a page or an app: non-breaking and narrow
    /// spaces, zero-width spaces, full-width digits and signs, an IBAN in lower case.
    #[test]
    fn personal_data_is_found_however_it_is_spaced() {
        let cases = [
            (
                "ma carte 4111\u{a0}1111\u{a0}1111\u{a0}1111",
                "ma carte [card]",
            ),
            (
                "ma carte 4111\u{200b}1111\u{200b}1111\u{200b}1111",
                "ma carte [card]",
            ),
            ("carte ４１１１ １１１１ １１１１ １１１１", "carte [card]"),
            (
                "card 4111\u{2011}1111\u{2011}1111\u{2011}1111",
                "card [card]",
            ),
            (
                "tél. 06\u{202f}12\u{202f}34\u{202f}56\u{202f}78",
                "tél. [phone]",
            ),
            (
                "tel +33\u{2009}6\u{2009}12\u{2009}34\u{2009}56\u{2009}78",
                "tel [phone]",
            ),
            (
                "mail jean\u{200b}.dupont@exem\u{200d}ple.fr",
                "mail [email]",
            ),
            (
                "IBAN FR76\u{a0}3000\u{a0}6000\u{a0}0112\u{a0}3456\u{a0}7890\u{a0}189",
                "IBAN [iban]",
            ),
            ("écrivez à jean＠exemple.fr", "écrivez à [email]"),
            (
                "iban fr76 3000 6000 0112 3456 7890 189 merci",
                "iban [iban] merci",
            ),
            (
                "IBAN FR7630006000011234567890189, merci",
                "IBAN [iban], merci",
            ),
            (
                "mon iban : de89 3704 0044 0532 0130 00",
                "mon iban : [iban]",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(r(input), expected, "{input:?}");
        }
    }

    /// What shows stays: emoji built with the joiner, accents, French punctuation spacing
    /// (a narrow space before "?" becomes a plain one).
    #[test]
    fn the_plain_form_keeps_what_a_person_sees() {
        assert_eq!(plain_form("👩\u{200d}💻 ok"), "👩\u{200d}💻 ok");
        assert_eq!(plain_form("déjà\u{202f}?"), "déjà ?");
        assert_eq!(plain_form("a\u{202e}b\u{feff}c\u{ad}d"), "abcd");
        assert_eq!(plain_form("\u{200b}\u{2060}"), "");
        assert_eq!(plain_form("a\u{7}\r\nb\tc\u{1b}"), "a\nb\tc");
    }

    #[test]
    fn order_numbers_prices_dates_and_postcodes_are_kept() {
        for text in [
            "ma commande 100234567 n'est pas arrivée",
            "order #FR-2024-88812 cost 49,90 € on 12/05/2024",
            "livraison au 69002 Lyon",
            "4970 1012 3456 7894 is not a valid card",
            "FR76 3000 6000 0112 3456 7890 188 is a wrong IBAN",
            "version 1.2.3 of the app",
        ] {
            assert_eq!(r(text), text);
        }
    }

    #[test]
    fn operators_add_patterns_and_switch_built_ins_off() {
        let settings = RedactionSettings {
            patterns: vec![CustomPattern {
                label: "loyalty".into(),
                regex: r"LC-\d{6}".into(),
            }],
            disable: vec!["ip".into()],
        };
        let red = Redactor::new(&settings)
            .unwrap()
            .redact("card LC-123456 from 10.0.0.1");
        assert_eq!(red.text, "card [loyalty] from 10.0.0.1");
        assert_eq!(red.kinds, vec!["loyalty"]);
    }
}
