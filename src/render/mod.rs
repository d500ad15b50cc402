//! Handlebars templates: the built-in ones are compiled in; a directory of
//! `NAME.md.hbs` files overrides them one by one. Strict mode: a field the
//! template names but the data lacks is an error naming the template line.

use std::path::{Path, PathBuf};

use handlebars::Handlebars;
use serde::Serialize;

use crate::check::report::md_escape;

/// Template name and built-in text.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "submission",
        include_str!("../../policies/templates/submission.md.hbs"),
    ),
    (
        "submission-updated",
        include_str!("../../policies/templates/submission-updated.md.hbs"),
    ),
    (
        "announcement",
        include_str!("../../policies/templates/announcement.md.hbs"),
    ),
];

/// HTML templates (`NAME.html.hbs`): `{{x}}` is HTML-escaped there.
pub const BUILTIN_HTML: &[(&str, &str)] = &[(
    "announcement",
    include_str!("../../policies/templates/announcement.html.hbs"),
)];

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("{}: cannot read the template: {source}\n  check the --templates directory", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("template `{name}`{}: {message}\n  fix the template (built-in ones are in policies/templates/)", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Invalid {
        name: String,
        line: Option<usize>,
        message: String,
    },
}

pub struct Templates {
    hb: Handlebars<'static>,
    html: Handlebars<'static>,
}

fn register(
    hb: &mut Handlebars<'static>,
    dir: Option<&Path>,
    builtin: &[(&str, &str)],
    ext: &str,
) -> Result<(), TemplateError> {
    for (name, text) in builtin {
        let text = match dir.map(|d| d.join(format!("{name}.{ext}.hbs"))) {
            Some(path) if path.is_file() => std::fs::read_to_string(&path)
                .map_err(|source| TemplateError::Read { path, source })?,
            _ => text.to_string(),
        };
        hb.register_template_string(name, text)
            .map_err(|e| TemplateError::Invalid {
                name: format!("{name}.{ext}"),
                line: e.pos().map(|(line, _)| line),
                message: e.reason().to_string(),
            })?;
    }
    Ok(())
}

impl Templates {
    /// The built-in templates, each overridden by `DIR/NAME.md.hbs` when present.
    pub fn load(dir: Option<&Path>) -> Result<Templates, TemplateError> {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        // `{{x}}` is Markdown-escaped: untrusted values cannot inject markup or mentions.
        hb.register_escape_fn(md_escape);
        register(&mut hb, dir, BUILTIN, "md")?;
        let mut html = Handlebars::new();
        html.set_strict_mode(true);
        // Handlebars' own HTML escaping: & < > " ' ` = all encoded.
        register(&mut html, dir, BUILTIN_HTML, "html")?;
        Ok(Templates { hb, html })
    }

    /// Renders an HTML template.
    pub fn render_html(&self, name: &str, data: &impl Serialize) -> Result<String, TemplateError> {
        self.html
            .render(name, data)
            .map_err(|e| TemplateError::Invalid {
                name: format!("{name}.html"),
                line: e.line_no,
                message: e.reason().to_string(),
            })
    }

    pub fn render(&self, name: &str, data: &impl Serialize) -> Result<String, TemplateError> {
        self.hb
            .render(name, data)
            .map_err(|e| TemplateError::Invalid {
                name: name.to_string(),
                line: e.line_no,
                message: e.reason().to_string(),
            })
    }
}

pub use crate::markdown::{md_link, quote};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_templates_compile() {
        Templates::load(None).unwrap();
    }

    #[test]
    fn strict_mode_names_the_missing_field_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("submission.md.hbs"),
            "line one\n{{no_such_field}}\n",
        )
        .unwrap();
        let t = Templates::load(Some(dir.path())).unwrap();
        let err = t
            .render("submission", &serde_json::json!({}))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 2") && err.contains("no_such_field"),
            "{err}"
        );
    }

    #[test]
    fn links_only_for_http_and_never_broken_out_of() {
        assert_eq!(md_link("x", Some("javascript:alert(1)")), "x");
        assert_eq!(
            md_link("a", Some("https://e.org/a) [b](c")),
            "[a](https://e.org/a%29%20[b]%28c)"
        );
    }

    #[test]
    fn quotes_are_neutralized() {
        assert_eq!(
            quote("hi <!-- x -->\n@all"),
            "> hi &lt;!-- x --&gt;\n> @\u{200b}all"
        );
        assert_eq!(quote("  "), "_(none)_");
    }
}
