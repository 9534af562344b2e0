//! The chart's `values.schema.json`: the merged values checked against it, each violation
//! traced back to the layer (file or flag) that set the value.

use serde_json::Value;

use super::{Source, Values, ValuesError, pattern};
use crate::chart::Chart;
use crate::yaml::{Node, NodeValue};

/// Where charts keep their values schema.
pub const SCHEMA_FILE: &str = "values.schema.json";

/// One way the merged values break the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Dotted values path, e.g. `components.frontend.replicas` (empty for the root).
    pub path: String,
    /// What the schema says is wrong.
    pub message: String,
    /// The most precedent layer that sets the value (None: nobody sets it, e.g. a missing
    /// required key).
    pub origin: Option<Source>,
    /// 1-based line and column of the value in that layer's YAML, when it is a file.
    pub position: Option<(usize, usize)>,
}

impl Violation {
    /// `path: message (set by SOURCE:LINE)`, as `ValuesError::Schema` lists them.
    pub fn describe(&self) -> String {
        let path = if self.path.is_empty() {
            "(root)"
        } else {
            &self.path
        };
        match (&self.origin, self.position) {
            (Some(source), Some((line, column))) => {
                format!(
                    "`{path}`: {} (set by {source}:{line}:{column})",
                    self.message
                )
            }
            (Some(source), None) => format!("`{path}`: {} (set by {source})", self.message),
            (None, _) => format!("`{path}`: {}", self.message),
        }
    }
}

/// Checks `values` against the chart's `values.schema.json`, when the chart has one.
///
/// # Errors
/// [`ValuesError::Schema`] listing every violation, or saying why the schema itself is
/// unusable.
pub fn check(chart: &Chart, values: &mut Values) -> Result<(), ValuesError> {
    let violations = violations(chart, values)?;
    if violations.is_empty() {
        return Ok(());
    }
    Err(ValuesError::Schema {
        violations: violations.iter().map(Violation::describe).collect(),
        schema: chart.display_path(SCHEMA_FILE),
    })
}

/// Every violation of the chart's `values.schema.json` (none when the chart has no schema),
/// in the order the validator finds them. `values` is checked in place (its map is lent to
/// the validator, not copied) and is the same afterwards.
///
/// # Errors
/// [`ValuesError::Schema`] when the schema is not valid JSON or not a valid JSON Schema.
pub fn violations(chart: &Chart, values: &mut Values) -> Result<Vec<Violation>, ValuesError> {
    violations_with(chart, values, true)
}

/// [`violations`], with `pattern` keywords compiled by regex-lite where it reads them as
/// jsonschema would (`lite_patterns`, see [`pattern`]) or all by jsonschema.
fn violations_with(
    chart: &Chart,
    values: &mut Values,
    lite_patterns: bool,
) -> Result<Vec<Violation>, ValuesError> {
    let Some(bytes) = chart.file(SCHEMA_FILE) else {
        return Ok(Vec::new());
    };
    let unusable = |message: String| ValuesError::Schema {
        violations: vec![format!(
            "{message}\n  hint: fix the schema, or remove it to skip the check"
        )],
        schema: chart.display_path(SCHEMA_FILE),
    };
    let schema: Value = serde_json::from_slice(bytes)
        .map_err(|e| unusable(format!("the schema is not valid JSON: {e}")))?;
    let options = jsonschema::options();
    let factory = lite_patterns.then(|| pattern::keyword(&schema)).flatten();
    let validator = match factory {
        Some(factory) => options
            .with_keyword("pattern", move |_, value, _| factory.build(value))
            .build(&schema),
        None => options.build(&schema),
    }
    .map_err(|e| unusable(format!("the schema is not a valid JSON Schema: {e}")))?;
    let instance = Value::Object(std::mem::take(&mut values.map));
    let mut found = Vec::new();
    for error in validator.iter_errors(&instance) {
        let base: Vec<String> = error
            .instance_path()
            .iter()
            .map(|segment| match segment {
                jsonschema::paths::LocationSegment::Property(p) => p.into_owned(),
                jsonschema::paths::LocationSegment::Index(i) => i.to_string(),
            })
            .collect();
        // An unexpected key is the fault of whoever set that key, not of its parent.
        let paths: Vec<(Vec<String>, String)> = match error.kind() {
            jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                unexpected
                    .iter()
                    .map(|key| {
                        let mut path = base.clone();
                        path.push(key.clone());
                        (path, "is not allowed by the schema".to_owned())
                    })
                    .collect()
            }
            jsonschema::error::ValidationErrorKind::Not { schema } => {
                let message = match schema.get("const") {
                    Some(forbidden) => format!("must not be {forbidden}"),
                    None => format!("must not match the schema {schema}"),
                };
                vec![(base, message)]
            }
            _ => vec![(base, error.to_string())],
        };
        found.extend(paths);
    }
    // Always an object: the map goes back where it came from.
    if let Value::Object(map) = instance {
        values.map = map;
    }
    Ok(found
        .into_iter()
        .map(|(path, message)| locate(values, path, message))
        .collect())
}

fn locate(values: &Values, path: Vec<String>, message: String) -> Violation {
    let keys: Vec<&str> = path.iter().map(String::as_str).collect();
    // A missing required key has no origin; the object that lacks it does.
    let origin = (1..=keys.len())
        .rev()
        .find_map(|n| keys.get(..n).and_then(|k| values.origin(k)))
        .cloned();
    let position = origin.as_ref().and_then(|source| {
        let document = values
            .documents
            .iter()
            .rev()
            .find(|d| &d.source == source)?;
        // Later documents of a file override earlier ones: the last that has the key.
        let roots = document.roots();
        let mut node = roots
            .iter()
            .rev()
            .find(|root| keys.first().is_none_or(|key| child(root, key).is_some()))
            .or(roots.first())?;
        let mut found = node.mark;
        for key in &keys {
            match child(node, key) {
                Some((at, next)) => {
                    node = next;
                    found = at;
                }
                None => break,
            }
        }
        Some((found.line, found.column))
    });
    Violation {
        path: path.join("."),
        message,
        origin,
        position,
    }
}

/// The child of a mapping by key (with the key's position) or of a sequence by index.
fn child<'a>(node: &'a Node, key: &str) -> Option<(crate::yaml::Mark, &'a Node)> {
    match &node.value {
        NodeValue::Mapping(entries) => entries
            .iter()
            .find(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key))
            .map(|(k, v)| (k.mark, v)),
        NodeValue::Sequence(items) => key
            .parse::<usize>()
            .ok()
            .and_then(|i| items.get(i))
            .map(|item| (item.mark, item)),
        NodeValue::Scalar(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::{Layer, SetKind, pattern};
    use std::collections::BTreeMap;

    fn chart(schema: &str, values: &str) -> Chart {
        let mut files = BTreeMap::new();
        files.insert(
            "Chart.yaml".to_owned(),
            b"apiVersion: v2\nname: demo\nversion: 1.0.0\n".to_vec(),
        );
        files.insert("values.yaml".to_owned(), values.as_bytes().to_vec());
        files.insert(SCHEMA_FILE.to_owned(), schema.as_bytes().to_vec());
        Chart::from_files(std::path::PathBuf::from("demo"), files).expect("valid chart")
    }

    const SCHEMA: &str = r#"{"type": "object", "properties": {
        "replicas": {"type": "integer", "minimum": 1},
        "image": {"type": "object", "required": ["tag"], "additionalProperties": false,
                  "properties": {"tag": {"type": "string"}}}}}"#;

    #[test]
    fn violation_names_the_path_and_the_flag_that_set_it() {
        let chart = chart(SCHEMA, "replicas: 1\nimage:\n  tag: a\n");
        let layers = [Layer::Set {
            kind: SetKind::Value,
            index: 1,
            expr: "replicas=0".into(),
        }];
        let mut values =
            crate::values::layer(&chart, &layers, &mut |_| Err("no".into())).expect("layered");
        let found = violations(&chart, &mut values).expect("usable schema");
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].describe(),
            "`replicas`: 0 is less than the minimum of 1 (set by --set #1)"
        );
    }

    #[test]
    fn checking_leaves_the_values_as_they_were() {
        let chart = chart(SCHEMA, "replicas: 0\nimage:\n  tag: a\n  tagg: b\n");
        let mut values =
            crate::values::layer(&chart, &[], &mut |_| Err("no".into())).expect("layered");
        let before = values.map.clone();
        assert_eq!(
            violations(&chart, &mut values)
                .expect("usable schema")
                .len(),
            2
        );
        assert_eq!(values.map, before);
        assert!(check(&chart, &mut values).is_err());
        assert_eq!(values.map, before);
    }

    #[test]
    fn violation_in_the_chart_values_has_a_line() {
        let chart = chart(SCHEMA, "replicas: 1\nimage:\n  tag: a\n  tagg: b\n");
        let mut values =
            crate::values::layer(&chart, &[], &mut |_| Err("no".into())).expect("layered");
        let found = violations(&chart, &mut values).expect("usable schema");
        assert_eq!(
            found[0].describe(),
            "`image.tagg`: is not allowed by the schema (set by demo/values.yaml:4:3)"
        );
    }

    #[test]
    fn violation_in_a_later_document_of_a_layer_has_its_line() {
        let chart = chart(SCHEMA, "replicas: 1\nimage:\n  tag: a\n");
        let layers = [Layer::Text {
            source: crate::values::Source::Stdin,
            text: "image:\n  tag: b\n---\nreplicas: 0\n".into(),
        }];
        let mut values =
            crate::values::layer(&chart, &layers, &mut |_| Err("no".into())).expect("layered");
        let found = violations(&chart, &mut values).expect("usable schema");
        assert_eq!(
            found[0].describe(),
            "`replicas`: 0 is less than the minimum of 1 (set by <stdin>:4:1)"
        );
    }

    #[test]
    fn broken_schema_is_an_error_not_a_pass() {
        let chart = chart("{not json", "a: 1\n");
        let mut values =
            crate::values::layer(&chart, &[], &mut |_| Err("no".into())).expect("layered");
        let err = check(&chart, &mut values).expect_err("unusable");
        assert!(err.to_string().contains("not valid JSON"), "{err}");
    }

    #[test]
    fn lookahead_and_backreference_patterns_validate() {
        // Schemas are ECMA-262 patterns: lookahead and backreferences work beside simple
        // patterns.
        let schema = r#"{"properties": {
            "tag": {"type": "string", "pattern": "^(?!latest$)[a-z0-9.]+$"},
            "pair": {"type": "string", "pattern": "^(a+)-\\1$"},
            "name": {"type": "string", "pattern": "^[a-z]+$"}}}"#;
        let check_values = |text: &str| {
            let chart = chart(schema, text);
            let mut values =
                crate::values::layer(&chart, &[], &mut |_| Err("no".into())).expect("layered");
            violations(&chart, &mut values)
                .expect("usable schema")
                .iter()
                .map(Violation::describe)
                .collect::<Vec<_>>()
        };
        assert!(check_values("tag: v1.2\npair: aa-aa\nname: x\n").is_empty());
        let found = check_values("tag: latest\npair: aa-a\nname: X\n");
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].starts_with("`tag`: "), "{found:?}");
    }

    #[test]
    fn patterns_read_the_same_by_either_engine() {
        // Every pattern, taken by regex-lite or left to jsonschema, on values and on key
        // names: the violations and their wording must not depend on the route.
        let example: Value =
            serde_json::from_str(include_str!("../../chart/values.schema.json")).expect("JSON");
        let mut example_patterns = Vec::new();
        pattern::visit_patterns(&example, &mut |p| example_patterns.push(p));
        let texts = [
            "",
            "a",
            "abc",
            "a-b",
            "-a",
            "a-",
            "A",
            "Ab_9",
            "ab",
            "abab",
            "xx",
            "xxx",
            "b",
            "ab.",
            "a.b/c:d",
            "1.5Gi",
            "500m",
            "1e3",
            ".5",
            "50%",
            "%",
            "latest",
            "aa-aa",
            "é",
            "日本",
            "a\nb",
            "a\n",
            " x",
            "x ",
            "\t",
            "v1.2.3",
            "sha256:0af3",
            "word",
            "A1",
            "//",
        ];
        let mut values = String::new();
        let mut names = String::new();
        for (i, text) in texts.iter().enumerate() {
            let quoted = serde_json::to_string(text).expect("JSON string");
            values.push_str(&format!("k{i}: {quoted}\n"));
            names.push_str(&format!("{quoted}: {i}\n"));
        }
        let patterns = pattern::tests::TAKEN
            .iter()
            .chain(pattern::tests::LEFT)
            .chain(&example_patterns);
        let mut checked = 0;
        for pattern in patterns {
            let on_values = serde_json::json!({"additionalProperties": {"pattern": pattern}});
            let on_names = serde_json::json!({"propertyNames": {"pattern": pattern}});
            for (schema, text) in [(on_values, &values), (on_names, &names)] {
                let chart = chart(&schema.to_string(), text);
                let mut values =
                    crate::values::layer(&chart, &[], &mut |_| Err("no".into())).expect("layered");
                let mut describe = |lite| {
                    violations_with(&chart, &mut values, lite)
                        .expect("usable schema")
                        .iter()
                        .map(Violation::describe)
                        .collect::<Vec<_>>()
                };
                let reference = describe(false);
                assert_eq!(describe(true), reference, "{pattern:?} on {schema}");
                checked += reference.len();
            }
        }
        // The texts are chosen so that every pattern both matches some and misses some.
        assert!(checked > 500, "only {checked} violations compared");
    }

    #[test]
    fn an_invalid_pattern_is_an_unusable_schema() {
        let chart = chart(
            r#"{"properties": {"a": {"pattern": "(unclosed"}}}"#,
            "a: x\n",
        );
        let mut values =
            crate::values::layer(&chart, &[], &mut |_| Err("no".into())).expect("layered");
        let err = check(&chart, &mut values).expect_err("unusable");
        assert!(err.to_string().contains("not a valid JSON Schema"), "{err}");
    }
}
