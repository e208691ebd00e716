//! Markdown to HTML for the editor's preview. Raw HTML in an article is shown as text,
//! never rendered: an article is typed by an operator but previewed in every operator's
//! signed-in browser, so it must not be able to run a script there.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};

/// Safe HTML for a Markdown body.
pub fn to_html(markdown: &str) -> String {
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
    .map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, parser);
    out
}

/// Links may go to the web, to a page of the shop or to an e-mail address; any other
/// scheme (`javascript:`, `data:`…) becomes `#`.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim().to_ascii_lowercase();
    let scheme = lower.split_once(':').map(|(s, _)| s);
    let has_scheme = scheme.is_some_and(|s| !s.contains(['/', '?', '#']));
    if !has_scheme || matches!(scheme, Some("http" | "https" | "mailto")) {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn renders_headings_lists_and_emphasis() {
        let html = to_html("## Délais\n\nLivraison en **2 jours**.\n\n- Colissimo\n- Relais");
        assert!(html.contains("<h2>Délais</h2>"), "{html}");
        assert!(html.contains("<strong>2 jours</strong>"));
        assert!(html.contains("<li>Colissimo</li>"));
    }

    #[test]
    fn raw_html_is_escaped_and_script_links_blocked() {
        let html = to_html("Hi <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n[x](JavaScript:alert(1)) [ok](/livraison)");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.to_lowercase().contains("javascript:"), "{html}");
        assert!(html.contains("href=\"/livraison\""), "{html}");
    }
}
