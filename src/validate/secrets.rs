//! Rule `plain-secret`: real secrets written into values files.

use super::{FieldPath, Finding, Severity};
use crate::values::{Source, Values};
use crate::yaml::{Node, NodeValue, Style};

/// Key fragments that mark a value as secret (compared without `_`, `-` and case).
const SECRET_WORDS: [&str; 7] = [
    "password",
    "passwd",
    "token",
    "secret",
    "apikey",
    "privatekey",
    "credentials",
];

/// Key endings that name or point at a secret rather than hold one.
const REFERENCE_ENDINGS: [&str; 7] = ["name", "ref", "path", "file", "keyref", "enabled", "id"];

/// Warns about every non-placeholder string under a secret-looking key in the chart's
/// `values.yaml` and the `-f` files (stdin and `--set` flags are how secrets should come in).
pub fn check(values: &Values, out: &mut Vec<Finding>) {
    for document in &values.documents {
        if !matches!(document.source, Source::Chart(_) | Source::File(_)) {
            continue;
        }
        for root in document.roots() {
            walk(root, &FieldPath::root(), false, &document.source, out);
        }
    }
}

fn walk(node: &Node, path: &FieldPath, secret: bool, source: &Source, out: &mut Vec<Finding>) {
    match &node.value {
        NodeValue::Mapping(entries) => {
            for (key, value) in entries {
                let Some(key) = key.as_scalar() else { continue };
                walk(
                    value,
                    &path.key(&key.text),
                    secret || is_secret_key(&key.text),
                    source,
                    out,
                );
            }
        }
        NodeValue::Sequence(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &path.index(i), secret, source, out);
            }
        }
        NodeValue::Scalar(scalar) => {
            let is_string = scalar.style == Style::Quoted
                || matches!(
                    crate::yaml::resolve_core(scalar),
                    Ok(serde_json::Value::String(_))
                );
            if secret && is_string && !is_placeholder(&scalar.text) {
                out.push(Finding {
                    rule: "plain-secret",
                    severity: Severity::Warning,
                    resource: None,
                    field: Some(path.to_string()),
                    file: source.to_string(),
                    line: Some(node.mark.line),
                    message: format!("`{path}` holds what looks like a real secret"),
                    hint: format!(
                        "keep a placeholder (`change-me`) in the file and pass the value at render time: `--set-file {path}=PATH` or `-f -` on stdin"
                    ),
                });
            }
        }
    }
}

fn is_secret_key(key: &str) -> bool {
    let normal: String = key
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_WORDS.iter().any(|w| normal.contains(w))
        && !REFERENCE_ENDINGS.iter().any(|e| normal.ends_with(e))
        && !normal.starts_with("existing")
}

fn is_placeholder(text: &str) -> bool {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    text.is_empty()
        || matches!(
            lower.as_str(),
            "change-me" | "changeme" | "change_me" | "replace_me" | "replace-me" | "replaceme"
        )
        || (text.starts_with('<') && text.ends_with('>'))
        || (text.starts_with("${") && text.ends_with('}'))
        || text.starts_with("ref+")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(yaml: &str) -> Vec<(String, usize)> {
        let source = Source::File("values/prod.yaml".into());
        crate::values::parse(yaml, &source, &mut Vec::new()).expect("valid");
        let document = crate::values::Document::new(source.clone(), yaml.to_owned());
        let mut out = Vec::new();
        for root in document.roots() {
            walk(root, &FieldPath::root(), false, &source, &mut out);
        }
        out.into_iter()
            .map(|f| (f.field.unwrap_or_default(), f.line.unwrap_or(0)))
            .collect()
    }

    #[test]
    fn real_values_under_secret_keys_are_found_with_their_line() {
        let yaml = "db:\n  password: hunter2\n  host: db\napi_key: \"sk-123\"\nsecrets:\n  DATABASE_URL: postgres://u:p@h/db\n";
        assert_eq!(
            findings(yaml),
            [
                ("db.password".to_owned(), 2),
                ("api_key".to_owned(), 4),
                ("secrets.DATABASE_URL".to_owned(), 6)
            ]
        );
    }

    #[test]
    fn placeholders_references_and_non_strings_are_fine() {
        let yaml = "password: change-me\ntoken: \"\"\napiKey: <your key>\nsecret: ${SECRET}\nauthToken: ref+vault://x\nsecretName: my-secret\nexistingSecret: s\ntokenTTL: 3600\nREPLACE: {password: REPLACE_ME}\n";
        assert_eq!(findings(yaml), Vec::<(String, usize)>::new());
    }
}
