//! Markdown for forges: escaping, links, and neutralizing untrusted text
//! (release notes, comments) so it can neither mention people nor forge the
//! tool's markers. Leaf functions every rendering uses.

/// Escapes text for a Markdown table cell or paragraph, so release-controlled
/// strings cannot inject markup, HTML or mentions.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev = None;
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // A zero-width space after a mention's @ stops GitHub from notifying
            // anyone; an @ inside a word (an e-mail address) mentions nobody.
            '@' if !prev.is_some_and(|p: char| p.is_alphanumeric()) => out.push_str("@\u{200b}"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
        prev = Some(c);
    }
    out
}

/// Makes untrusted text (release notes, changelogs, titles) safe to embed in an
/// issue body: no HTML (so no hidden markers or comments), no mentions.
pub fn neutralize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev = None;
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // Only an @ that starts a word mentions someone (not one in an e-mail address).
            '@' if !prev.is_some_and(|p: char| p.is_alphanumeric()) => out.push_str("@\u{200b}"),
            '\r' => {}
            _ => out.push(c),
        }
        prev = Some(c);
    }
    out
}

/// A Markdown link to an http(s) URL, or the escaped text alone when the URL is
/// absent or not http(s). Characters that could end the link are encoded.
pub fn md_link(text: &str, url: Option<&str>) -> String {
    match url.filter(|u| u.starts_with("https://") || u.starts_with("http://")) {
        Some(u) => {
            let mut safe = String::with_capacity(u.len());
            for c in u.chars() {
                match c {
                    ' ' => safe.push_str("%20"),
                    '(' => safe.push_str("%28"),
                    ')' => safe.push_str("%29"),
                    '<' => safe.push_str("%3C"),
                    '>' => safe.push_str("%3E"),
                    '"' => safe.push_str("%22"),
                    c if c.is_control() => {}
                    c => safe.push(c),
                }
            }
            format!("[{}]({safe})", md_escape(text))
        }
        None => md_escape(text),
    }
}

/// Untrusted multi-line text as a Markdown block quote, neutralized.
pub fn quote(text: &str) -> String {
    let text = neutralize(text.trim());
    if text.is_empty() {
        return "_(none)_".to_string();
    }
    text.lines()
        .map(|l| format!("> {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
