//! Strict YAML loading shared by policies and Product ID Cards: unknown keys and
//! wrong types are errors that name the file, line and column.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

/// A YAML document that could not be turned into the expected type.
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {message}\n  {hint}", file.display(), position(*line, *column))]
pub struct YamlError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub hint: String,
}

fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

/// Parses `text` (read from `file`) into `T`. `what` names the document in the hint,
/// e.g. "policy" or "Product ID Card", and `schema` the `umd-release schema` argument.
pub fn parse<T: DeserializeOwned>(
    file: &Path,
    text: &str,
    what: &str,
    schema: &str,
) -> Result<T, YamlError> {
    // Budgets guard against billion-laughs style documents in untrusted cards.
    serde_saphyr::from_str::<T>(text).map_err(|e| {
        let loc = e.location();
        YamlError {
            file: file.to_path_buf(),
            line: loc.map(|l| l.line() as usize),
            column: loc.map(|l| l.column() as usize),
            message: first_line(&e.to_string()),
            hint: format!(
                "fix this {what}: `umd-release schema {schema}` prints the JSON schema of every key it accepts"
            ),
        }
    })
}

/// serde-saphyr appends a rendered snippet after the first line; the location is
/// already in our prefix, so keep the message itself.
fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or(s).trim();
    // Drop a trailing " at line X column Y" that duplicates our prefix.
    match line.rfind(" at line ") {
        Some(i) => line[..i].to_string(),
        None => line.to_string(),
    }
}
