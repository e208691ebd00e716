//! Settings refused at start, each with what is wrong and how to write it: a server that
//! starts with a threshold of 7 or a widget origin no browser sends fails later, silently.

use super::Settings;

impl Settings {
    pub(super) fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            (0.0..=1.0).contains(&self.threshold),
            "threshold must be between 0 and 1, got {}",
            self.threshold
        );
        anyhow::ensure!(
            matches!(self.log_format.as_str(), "text" | "json"),
            "log format must be text or json"
        );
        let e = &self.embedding;
        for (name, v) in [
            ("consult_below", e.consult_below),
            ("answer_from", e.answer_from),
            ("fr.consult_below", e.fr.consult_below),
            ("fr.answer_from", e.fr.answer_from),
        ] {
            // Above 1: consult every question / never answer from the model.
            anyhow::ensure!(
                (0.0..=2.0).contains(&v),
                "[embedding] {name} must be between 0 and 2, got {v}"
            );
        }
        e.precision
            .parse::<candor_embed::Precision>()
            .map_err(|err| anyhow::anyhow!("[embedding] precision: {err}"))?;
        if let Some(t) = &self.metrics_token {
            anyhow::ensure!(
                t.chars().count() >= 16 && !t.chars().any(char::is_whitespace),
                "metrics token must be at least 16 characters, without spaces"
            );
        }
        for o in &self.widget_origins {
            check_origin(o).map_err(|why| anyhow::anyhow!("widget origin {o:?}: {why}"))?;
        }
        Ok(())
    }
}

/// A site allowed to embed the widget must be written exactly as browsers send it in the
/// `Origin` header (`https://shop.example` or `http://localhost:3000`): anything else would
/// never match, and the widget would fail on that site with nothing in the server's log.
fn check_origin(origin: &str) -> Result<(), String> {
    let example = "write it as https://shop.example or http://localhost:3000";
    let (scheme, rest) = origin
        .split_once("://")
        .ok_or_else(|| format!("no http:// or https://; {example}"))?;
    if scheme != "https" && scheme != "http" {
        return Err(format!("the scheme must be https or http; {example}"));
    }
    if let Some(cut) = rest.find(['/', '?', '#']) {
        return Err(format!(
            "an origin has no path, not even a trailing /: write {scheme}://{}",
            &rest[..cut]
        ));
    }
    // The last colon starts the port unless it is inside an IPv6 address's brackets.
    let (host, port) = match rest.rfind(':') {
        Some(i) if !rest[i..].contains(']') => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    if let Some(p) = port {
        if !matches!(p.parse::<u16>(), Ok(n) if n > 0) {
            return Err(format!("{p:?} is not a port; {example}"));
        }
    }
    let ipv6 = host.len() > 2
        && host.starts_with('[')
        && host.ends_with(']')
        && host[1..host.len() - 1]
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
    let plain = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    if !ipv6 && !plain {
        return Err(format!(
            "the host must be a lower-case name or an address, as browsers send it; {example}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{FileSettings, ServeArgs};
    use super::*;

    #[test]
    fn embedding_rules_out_of_range_are_refused_with_their_name() {
        let mut s = ServeArgs::default().merge(FileSettings::default());
        assert!(s.validate().is_ok());
        s.embedding.answer_from = 46.0;
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("answer_from") && e.contains("46"), "{e}");
        s.embedding.answer_from = 0.46;
        s.embedding.consult_below = f32::NAN;
        assert!(s.validate().is_err(), "NaN is not in range");
        s.embedding.consult_below = 0.95;
        s.embedding.precision = "int4".into();
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("precision") && e.contains("int4"), "{e}");
    }

    #[test]
    fn widget_origins_must_be_written_as_browsers_send_them() {
        for good in [
            "https://shop.example",
            "http://localhost:3000",
            "https://xn--bcher-kva.example",
            "http://127.0.0.1:8080",
            "http://[::1]:8080",
            "http://[::1]",
        ] {
            assert_eq!(check_origin(good), Ok(()), "{good}");
        }
        for (bad, says) in [
            (
                "https://shop.example/",
                "trailing /: write https://shop.example",
            ),
            ("https://shop.example/aide", "no path"),
            ("shop.example", "no http://"),
            ("ftp://shop.example", "scheme"),
            ("https://Shop.example", "lower-case"),
            ("https://shop.example:99999", "not a port"),
            ("https://", "host"),
            ("*", "no http://"),
            ("https://shop example", "host"),
            ("https://shop.example:", "not a port"),
            ("http://[::g]", "host"),
        ] {
            let e = check_origin(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
        let listed = ServeArgs {
            widget_origins: Some(vec![
                "https://a.example".into(),
                " https://b.example".into(),
                "".into(),
            ]),
            ..Default::default()
        };
        let s = listed.merge(FileSettings::default());
        assert_eq!(s.widget_origins, ["https://a.example", "https://b.example"]);
        assert!(
            s.validate().is_ok(),
            "spaces after commas and empty entries are fine"
        );
        let mut s = ServeArgs::default().merge(FileSettings::default());
        s.widget_origins = vec!["https://shop.example/".into()];
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("https://shop.example/"), "names the origin: {e}");
    }

    #[test]
    fn a_short_metrics_token_is_refused() {
        let mut s = ServeArgs::default().merge(FileSettings::default());
        s.metrics_token = Some("short".into());
        assert!(s.validate().unwrap_err().to_string().contains("16"));
        s.metrics_token = Some("a long enough token".into());
        assert!(s.validate().is_err(), "no spaces");
        s.metrics_token = Some("a-long-enough-token".into());
        assert!(s.validate().is_ok());
    }
}
