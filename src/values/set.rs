//! Interim `--set` parser (dotted keys only); replaced by the full strvals port.

use serde_json::{Map, Value};

/// Which flag an expression came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetKind {
    /// `--set-json`
    Json,
    /// `--set`
    Value,
    /// `--set-string`
    String,
    /// `--set-file`
    File,
    /// `--set-literal`
    Literal,
}

/// A malformed or unusable --set expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetError {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

/// Applies one flag's expression to `target`.
///
/// # Errors
/// [`SetError`] for malformed expressions.
pub fn apply(
    target: &mut Map<String, Value>,
    kind: SetKind,
    expr: &str,
    read_file: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<(), SetError> {
    let (key, raw) = expr.split_once('=').ok_or_else(|| SetError {
        message: format!("key `{expr}` has no value"),
        hint: Some(format!("write `{expr}=VALUE`")),
    })?;
    let value = match kind {
        SetKind::Json => serde_json::from_str(raw).map_err(|e| SetError {
            message: e.to_string(),
            hint: None,
        })?,
        SetKind::File => Value::String(read_file(raw).map_err(|m| SetError {
            message: m,
            hint: None,
        })?),
        SetKind::String | SetKind::Literal => Value::String(raw.to_owned()),
        SetKind::Value => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            _ => raw
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::String(raw.to_owned())),
        },
    };
    let mut parts = key.split('.').peekable();
    let mut map = target;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            map.insert(part.to_owned(), value);
            return Ok(());
        }
        let entry = map
            .entry(part.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else {
            return Ok(());
        };
        map = next;
    }
    Ok(())
}
