//! Offline, strict validation against the Kubernetes OpenAPI schema of one version.
//!
//! The schemas are vendored in `schemas/kubernetes-1.X.json.gz` (see `schemas/update.py`),
//! compiled into the binary and decompressed only for the version asked for. The validator
//! reads the small subset of JSON Schema those bundles use: `type`, `properties`,
//! `additionalProperties`, `items`, `required`, `enum`, `format`, `oneOf`, `$ref`.

use std::collections::BTreeMap;
use std::io::Read;

use serde_json::{Map, Value};

use super::{FieldPath, ValidateError};

/// The vendored versions, `MAJOR.MINOR` and gzip-compressed bundle.
const BUNDLES: [(&str, &[u8]); 4] = [
    (
        "1.34",
        include_bytes!("../../schemas/kubernetes-1.34.json.gz"),
    ),
    (
        "1.35",
        include_bytes!("../../schemas/kubernetes-1.35.json.gz"),
    ),
    (
        "1.36",
        include_bytes!("../../schemas/kubernetes-1.36.json.gz"),
    ),
    (
        "1.37",
        include_bytes!("../../schemas/kubernetes-1.37.json.gz"),
    ),
];

/// Deepest schema nesting followed; Kubernetes objects are far shallower.
const MAX_DEPTH: usize = 64;

/// The Kubernetes versions keelson can validate against.
pub fn versions() -> Vec<&'static str> {
    BUNDLES.iter().map(|(v, _)| *v).collect()
}

/// The schema of one Kubernetes version.
#[derive(Debug)]
pub struct Schema {
    /// `MAJOR.MINOR`.
    pub version: String,
    kinds: BTreeMap<String, String>,
    defs: Map<String, Value>,
}

/// One way an object breaks the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The field at fault.
    pub path: FieldPath,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

/// What the schema says about an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The kind is known; these are its problems (none when valid).
    Checked(Vec<Issue>),
    /// The schema has no such `apiVersion`/`kind` (a custom resource).
    UnknownKind,
}

impl Schema {
    /// Decompresses and parses the bundle of `version` (only its major and minor count).
    ///
    /// # Errors
    /// [`ValidateError::KubeVersion`] when keelson has no schema for that version.
    pub fn load(version: &semver::Version) -> Result<Schema, ValidateError> {
        let wanted = format!("{}.{}", version.major, version.minor);
        let (name, bytes) = BUNDLES.iter().find(|(v, _)| *v == wanted).ok_or_else(|| {
            ValidateError::KubeVersion {
                version: wanted.clone(),
                known: versions().iter().map(|v| (*v).to_owned()).collect(),
            }
        })?;
        let corrupt = |e: String| ValidateError::Bundle {
            version: (*name).to_owned(),
            message: e,
        };
        let mut text = String::new();
        flate2::read::GzDecoder::new(*bytes)
            .read_to_string(&mut text)
            .map_err(|e| corrupt(e.to_string()))?;
        let mut bundle: Map<String, Value> =
            serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
        let kinds = match bundle.remove("kinds") {
            Some(Value::Object(kinds)) => kinds
                .into_iter()
                .filter_map(|(k, v)| Some((k, v.as_str()?.to_owned())))
                .collect(),
            _ => return Err(corrupt("no `kinds`".into())),
        };
        let Some(Value::Object(defs)) = bundle.remove("defs") else {
            return Err(corrupt("no `defs`".into()));
        };
        Ok(Schema {
            version: (*name).to_owned(),
            kinds,
            defs,
        })
    }

    /// The API versions that serve `kind` in this Kubernetes version.
    fn api_versions_of(&self, kind: &str) -> Vec<&str> {
        self.kinds
            .keys()
            .filter_map(|key| {
                let (api, k) = key.rsplit_once('/')?;
                (k == kind).then_some(api)
            })
            .collect()
    }

    /// Validates `object` (as kubectl reads it) against the schema of its kind.
    pub fn check(&self, api_version: &str, kind: &str, object: &Value) -> Outcome {
        let Some(name) = self.kinds.get(&format!("{api_version}/{kind}")) else {
            let served = self.api_versions_of(kind);
            let builtin_group = self.kinds.keys().any(|k| {
                k.rsplit_once('/')
                    .is_some_and(|(api, _)| api == api_version)
            });
            if served.is_empty() && !builtin_group {
                return Outcome::UnknownKind;
            }
            let hint = if served.is_empty() {
                format!("`{api_version}` has no kind `{kind}`; check the spelling of `kind`")
            } else {
                format!(
                    "Kubernetes {} serves `{kind}` as {}",
                    self.version,
                    served
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            return Outcome::Checked(vec![Issue {
                path: FieldPath::root().key("apiVersion"),
                message: format!(
                    "Kubernetes {} does not serve `{kind}` in `{api_version}`",
                    self.version
                ),
                hint,
            }]);
        };
        let mut issues = Vec::new();
        let schema = Value::String(name.clone());
        self.walk_ref(&schema, object, &FieldPath::root(), 0, &mut issues);
        Outcome::Checked(issues)
    }

    fn walk_ref(
        &self,
        name: &Value,
        value: &Value,
        path: &FieldPath,
        depth: usize,
        out: &mut Vec<Issue>,
    ) {
        if let Some(Value::Object(schema)) = name.as_str().and_then(|n| self.defs.get(n)) {
            self.walk(schema, value, path, depth + 1, out);
        }
    }

    fn walk(
        &self,
        schema: &Map<String, Value>,
        value: &Value,
        path: &FieldPath,
        depth: usize,
        out: &mut Vec<Issue>,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        if let Some(reference) = schema.get("$ref") {
            self.walk_ref(reference, value, path, depth, out);
            return;
        }
        if let Some(Value::Array(branches)) = schema.get("oneOf") {
            let fits = branches.iter().any(|branch| {
                let mut probe = Vec::new();
                if let Value::Object(branch) = branch {
                    self.walk(branch, value, path, depth + 1, &mut probe);
                }
                probe.is_empty()
            });
            if !fits {
                let wanted: Vec<String> = branches
                    .iter()
                    .filter_map(|b| b.get("type"))
                    .map(describe_types)
                    .collect();
                out.push(type_issue(path, &wanted.join(" or "), value));
            }
            return;
        }
        if value.is_null() {
            return;
        }
        if let Some(types) = schema.get("type")
            && !type_matches(types, value)
        {
            out.push(type_issue(path, &describe_types(types), value));
            return;
        }
        if let Some(Value::Array(allowed)) = schema.get("enum")
            && !allowed.contains(value)
        {
            out.push(Issue {
                path: path.clone(),
                message: format!("`{path}` is {}, which is not allowed here", show(value)),
                hint: format!(
                    "use one of {}",
                    allowed.iter().map(show).collect::<Vec<_>>().join(", ")
                ),
            });
            return;
        }
        if schema.get("format").and_then(Value::as_str) == Some("int32")
            && let Some(n) = value.as_i64()
            && i32::try_from(n).is_err()
        {
            out.push(Issue {
                path: path.clone(),
                message: format!("`{path}` is {n}, which does not fit in 32 bits"),
                hint: "use a number between -2147483648 and 2147483647".into(),
            });
        }
        match value {
            Value::Object(map) => self.walk_object(schema, map, path, depth, out),
            Value::Array(items) => {
                if let Some(Value::Object(item_schema)) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.walk(item_schema, item, &path.index(i), depth + 1, out);
                    }
                }
            }
            _ => {}
        }
    }

    fn walk_object(
        &self,
        schema: &Map<String, Value>,
        map: &Map<String, Value>,
        path: &FieldPath,
        depth: usize,
        out: &mut Vec<Issue>,
    ) {
        let properties = schema.get("properties").and_then(Value::as_object);
        if let Some(Value::Array(required)) = schema.get("required") {
            for field in required.iter().filter_map(Value::as_str) {
                if map.get(field).is_none_or(Value::is_null) {
                    let at = path.key(field);
                    out.push(Issue {
                        message: format!("`{at}` is required"),
                        hint: format!("add `{field}` under `{}`", path.or_root()),
                        path: at,
                    });
                }
            }
        }
        for (key, item) in map {
            let at = path.key(key);
            match (
                properties.and_then(|p| p.get(key)),
                schema.get("additionalProperties"),
            ) {
                (Some(Value::Object(sub)), _) | (None, Some(Value::Object(sub))) => {
                    self.walk(sub, item, &at, depth + 1, out);
                }
                (None, Some(Value::Bool(false))) => {
                    let known: Vec<&str> = properties
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    let hint = match closest(key, &known) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None if known.is_empty() => format!("`{}` takes no fields", path.or_root()),
                        None => format!(
                            "fields of `{}` are {}",
                            path.or_root(),
                            known
                                .iter()
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    out.push(Issue {
                        message: format!("unknown field `{at}`"),
                        path: at,
                        hint,
                    });
                }
                _ => {}
            }
        }
    }
}

fn type_matches(types: &Value, value: &Value) -> bool {
    let one = |t: &str| match t {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        _ => true,
    };
    match types {
        Value::String(t) => one(t),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(one),
        _ => true,
    }
}

fn describe_types(types: &Value) -> String {
    let name = |t: &str| match t {
        "boolean" => "a boolean",
        "string" => "a string",
        "number" => "a number",
        "integer" => "an integer",
        "object" => "a mapping",
        "array" => "a list",
        _ => "null",
    };
    match types {
        Value::String(t) => name(t).to_owned(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .map(name)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "anything".into(),
    }
}

fn type_issue(path: &FieldPath, wanted: &str, value: &Value) -> Issue {
    let hint = match value {
        Value::String(s) if wanted.contains("integer") && s.parse::<i64>().is_ok() => {
            format!("write `{s}` without quotes (or drop the `quote` filter)")
        }
        Value::Number(n) if wanted == "a string" => {
            format!("quote it: `\"{n}\"`")
        }
        _ => format!("write {wanted} here"),
    };
    Issue {
        path: path.clone(),
        message: format!("`{}` must be {wanted}, not {}", path.or_root(), show(value)),
        hint,
    }
}

fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("the string \"{s}\""),
        Value::Object(_) => "a mapping".into(),
        Value::Array(_) => "a list".into(),
        other => format!("`{other}`"),
    }
}

/// The known name closest to `key` by edit distance, if it is close enough to be a typo.
fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (distance(key, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| k)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row.get(j + 1).copied().unwrap_or(0);
            let best = substitute
                .min(previous + 1)
                .min(row.get(j).copied().unwrap_or(0) + 1);
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = best;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Schema {
        Schema::load(&semver::Version::new(1, 36, 0)).expect("vendored")
    }

    fn issues(object: &Value) -> Vec<String> {
        let api = object["apiVersion"].as_str().unwrap_or_default();
        let kind = object["kind"].as_str().unwrap_or_default();
        match schema().check(api, kind, object) {
            Outcome::Checked(issues) => issues
                .into_iter()
                .map(|i| format!("{}: {} ({})", i.path, i.message, i.hint))
                .collect(),
            Outcome::UnknownKind => vec!["unknown kind".into()],
        }
    }

    fn deployment(spec: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
               "spec": spec})
    }

    fn valid_spec() -> Value {
        json!({"selector": {"matchLabels": {"app": "a"}},
               "template": {"metadata": {"labels": {"app": "a"}},
                            "spec": {"containers": [{"name": "c", "image": "i:1",
                                     "ports": [{"containerPort": 80}]}]}}})
    }

    #[test]
    fn a_valid_deployment_has_no_issues() {
        assert_eq!(issues(&deployment(valid_spec())), Vec::<String>::new());
    }

    #[test]
    fn unknown_fields_are_named_with_a_suggestion() {
        let mut spec = valid_spec();
        spec["replica"] = json!(3);
        assert_eq!(
            issues(&deployment(spec)),
            ["spec.replica: unknown field `spec.replica` (did you mean `replicas`?)"]
        );
    }

    #[test]
    fn a_string_where_an_integer_belongs_is_an_error() {
        let mut spec = valid_spec();
        spec["replicas"] = json!("3");
        spec["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = json!(80.5);
        assert_eq!(
            issues(&deployment(spec)),
            [
                "spec.template.spec.containers[0].ports[0].containerPort: `spec.template.spec.containers[0].ports[0].containerPort` must be an integer, not `80.5` (write an integer here)",
                "spec.replicas: `spec.replicas` must be an integer, not the string \"3\" (write `3` without quotes (or drop the `quote` filter))"
            ]
        );
    }

    #[test]
    fn int_or_string_and_quantities_accept_both() {
        let mut spec = valid_spec();
        spec["strategy"] = json!({"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}});
        spec["template"]["spec"]["containers"][0]["resources"] =
            json!({"limits": {"cpu": 1, "memory": "1Gi"}});
        assert_eq!(issues(&deployment(spec)), Vec::<String>::new());
        let mut spec = valid_spec();
        spec["strategy"] = json!({"rollingUpdate": {"maxSurge": true}});
        assert_eq!(
            issues(&deployment(spec)),
            [
                "spec.strategy.rollingUpdate.maxSurge: `spec.strategy.rollingUpdate.maxSurge` must be a string or an integer, not `true` (write a string or an integer here)"
            ]
        );
    }

    #[test]
    fn missing_required_fields_and_removed_api_versions_are_errors() {
        let mut spec = valid_spec();
        spec["template"]["spec"]["containers"][0]
            .as_object_mut()
            .map(|c| c.remove("name"));
        assert_eq!(
            issues(&deployment(spec)),
            [
                "spec.template.spec.containers[0].name: `spec.template.spec.containers[0].name` is required (add `name` under `spec.template.spec.containers[0]`)"
            ]
        );
        let hpa = json!({"apiVersion": "autoscaling/v2beta2", "kind": "HorizontalPodAutoscaler",
                         "metadata": {"name": "h"}});
        assert_eq!(
            issues(&hpa),
            [
                "apiVersion: Kubernetes 1.36 does not serve `HorizontalPodAutoscaler` in `autoscaling/v2beta2` (Kubernetes 1.36 serves `HorizontalPodAutoscaler` as `autoscaling/v1`, `autoscaling/v2`)"
            ]
        );
    }

    #[test]
    fn custom_resources_are_unknown_not_invalid() {
        let cr =
            json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}});
        assert_eq!(issues(&cr), ["unknown kind"]);
    }

    #[test]
    fn every_vendored_version_loads_and_others_are_refused() {
        for version in versions() {
            let v = semver::Version::parse(&format!("{version}.0")).expect("version");
            let schema = Schema::load(&v).expect("vendored");
            assert!(schema.kinds.contains_key("apps/v1/Deployment"));
        }
        let err = Schema::load(&semver::Version::new(1, 20, 0)).expect_err("not vendored");
        assert!(err.to_string().contains("1.34"), "{err}");
    }
}
