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

/// Where a release's own images live: the host of its release page and, on
/// GitHub, the hosts GitHub serves uploaded images from.
pub fn image_hosts(release_page: Option<&str>) -> Vec<String> {
    let Some(host) = release_page.and_then(host_of) else {
        return Vec::new();
    };
    let mut hosts = vec![host.clone()];
    if host == "github.com" {
        hosts.extend(
            [
                "user-images.githubusercontent.com",
                "private-user-images.githubusercontent.com",
            ]
            .map(String::from),
        );
    }
    hosts
}

/// Untrusted Markdown (release notes) with only http(s) links left: a link
/// to anything else (`javascript:`, `data:`, `file:`) keeps its text alone,
/// a reference definition to one is dropped, and an image is shown only
/// from `image_hosts` (the release's own forge): any other becomes a plain
/// link, so opening the issue loads nothing from a host the release chose.
/// Fenced code blocks are left as they are: forges render no links there.
pub fn safe_links(text: &str, image_hosts: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut fence: Option<&str> = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (Some(f), Some(m)) if f == m => fence = None,
            (None, Some(m)) => fence = Some(m),
            _ => {}
        }
        if fence.is_some() || marker.is_some() {
            out.push_str(line);
        } else if let Some(dest) = reference_destination(line) {
            if web_url(dest) {
                out.push_str(line);
            }
        } else {
            out.push_str(&inline_links(line, image_hosts));
        }
    }
    out
}

/// `[label]: destination` (up to three spaces of indent): the destination.
fn reference_destination(line: &str) -> Option<&str> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = line[indent..].strip_prefix('[').filter(|_| indent <= 3)?;
    let close = rest.find("]:")?;
    let dest = rest[close + 2..].split_whitespace().next().unwrap_or("");
    Some(dest.trim_start_matches('<').trim_end_matches('>'))
}

/// An absolute http(s) URL, whatever its letter case.
fn web_url(dest: &str) -> bool {
    let lower = dest.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// The host of an http(s) URL, lowercase.
pub fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?.split(':').next()?;
    Some(host.to_ascii_lowercase())
}

/// Rewrites each `[text](dest)` and `![alt](dest)` of one line.
fn inline_links(line: &str, image_hosts: &[&str]) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let image = rest[..open].ends_with('!');
        let Some((label, dest, after)) = link_at(&rest[open..]) else {
            out.push_str(&rest[..=open]);
            rest = &rest[open + 1..];
            continue;
        };
        out.push_str(&rest[..open - usize::from(image)]);
        let dest_url = dest.split_whitespace().next().unwrap_or("");
        let dest_url = dest_url.trim_start_matches('<').trim_end_matches('>');
        let shown = host_of(dest_url)
            .is_some_and(|h| image_hosts.iter().any(|a| a.eq_ignore_ascii_case(&h)));
        match (web_url(dest_url), image) {
            (true, true) if shown => out.push_str(&format!("![{label}]({dest})")),
            (true, _) => out.push_str(&format!("[{label}]({dest})")),
            (false, _) => out.push_str(label),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// At a `[`: the label, the destination inside `(...)` and what follows, for
/// a link on one line (nested brackets and parentheses counted).
fn link_at(s: &str) -> Option<(&str, &str, &str)> {
    let mut depth = 0usize;
    let mut close = None;
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close?;
    let tail = s[close + 1..].strip_prefix('(')?;
    let mut depth = 1usize;
    for (i, c) in tail.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some((&s[1..close], &tail[..i], &tail[i + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::safe_links;

    const FORGE: &[&str] = &["github.com", "user-images.githubusercontent.com"];

    #[test]
    fn only_web_links_survive() {
        let notes = "See [the docs](https://egi.eu/docs) and [click](javascript:alert(1)), \
                     [x](JavaScript:alert(1)) [y](data:text/html;base64,PHNjcmlwdD4=) [z](<file:///etc/passwd>)\n";
        assert_eq!(
            safe_links(notes, FORGE),
            "See [the docs](https://egi.eu/docs) and click, x y z\n"
        );
    }

    #[test]
    fn images_load_only_from_the_forge() {
        let notes = "![shot](https://user-images.githubusercontent.com/1/a.png)\n\
                     ![pixel](https://tracker.example/p.gif?u=1)\n![x](data:image/png;base64,AAAA)\n";
        assert_eq!(
            safe_links(notes, FORGE),
            "![shot](https://user-images.githubusercontent.com/1/a.png)\n\
             [pixel](https://tracker.example/p.gif?u=1)\nx\n"
        );
    }

    #[test]
    fn reference_definitions_to_other_schemes_are_dropped() {
        let notes =
            "Read [this][a] and [that][b].\n\n[a]: https://egi.eu\n[b]: javascript:alert(1)\n";
        assert_eq!(
            safe_links(notes, FORGE),
            "Read [this][a] and [that][b].\n\n[a]: https://egi.eu\n"
        );
    }

    #[test]
    fn code_and_plain_brackets_are_left_alone() {
        let notes = "```\n[x](javascript:keep-in-code)\n```\narray[0] (first) and [a] (b)\n";
        assert_eq!(safe_links(notes, FORGE), notes);
    }
}
