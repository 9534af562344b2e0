//! `keelson lint`: every rendered object checked against the Kubernetes schema of the target
//! version and against the deployment rules, the values against the chart's schema and for
//! plain secrets. Checks produce findings, never errors, and never stop at the first one.
//!
//! ```text
//! validate::lint(&request)  → Report    render, then check()
//! validate::check(&release) → Report    one function per rule in rules.rs
//! Report::to_text / to_json / to_sarif
//! ```

pub mod kube;
mod output;
pub mod quantity;
mod rules;
mod secrets;

use std::fmt;

use crate::values::Source;
use crate::values::schema::Violation;
use crate::{Error, Release, RenderRequest};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The release would be rejected or would not work: `lint` exits 1.
    Error,
    /// Likely a mistake: `lint --strict` exits 1.
    Warning,
    /// Worth knowing; never fails.
    Info,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A check keelson runs, for `--help`, the README and SARIF's rule list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable id, e.g. `image-tag`.
    pub id: &'static str,
    /// Severity of its findings.
    pub severity: Severity,
    /// What it checks, one line.
    pub summary: &'static str,
    /// How to fix what it finds.
    pub help: &'static str,
}

/// Every rule, in the order the README lists them.
pub const RULES: &[Rule] = &[
    Rule {
        id: "values-schema",
        severity: Severity::Error,
        summary: "the merged values match the chart's values.schema.json",
        help: "change the value in the layer (file or flag) named in the finding, or the schema",
    },
    Rule {
        id: "kube-schema",
        severity: Severity::Error,
        summary: "every object matches the Kubernetes OpenAPI schema of --kube-version, strictly: no unknown fields, right types, required fields present, apiVersion served",
        help: "fix the field in the template; unknown fields are usually typos (`replica` for `replicas`)",
    },
    Rule {
        id: "unknown-kind",
        severity: Severity::Info,
        summary: "the object's apiVersion/kind is not a built-in Kubernetes kind (a custom resource), so it is not schema-checked",
        help: "nothing to do if the cluster has the CRD installed",
    },
    Rule {
        id: "image-tag",
        severity: Severity::Error,
        summary: "every container image has a tag that is not `latest`, or is pinned by digest (`@sha256:`)",
        help: "set a version tag such as `3.0.0`, or pin `image@sha256:...`",
    },
    Rule {
        id: "dns-name",
        severity: Severity::Error,
        summary: "object and container names are DNS-1123 (lowercase letters, digits, `-`, `.` in object names only) and at most 63 characters; Service names start with a letter",
        help: "shorten or rename: lowercase letters, digits and `-`, starting and ending with a letter or digit",
    },
    Rule {
        id: "replicas",
        severity: Severity::Error,
        summary: "workloads ask for at least one replica",
        help: "set `replicas` to 1 or more (remove the object to scale to zero)",
    },
    Rule {
        id: "rolling-update",
        severity: Severity::Error,
        summary: "Deployments use the RollingUpdate strategy with maxSurge + maxUnavailable > 0",
        help: "set `strategy.type: RollingUpdate` and e.g. `maxSurge: 1`, `maxUnavailable: 0`",
    },
    Rule {
        id: "selector-labels",
        severity: Severity::Error,
        summary: "a workload's selector matches its own pod template labels",
        help: "make `spec.selector.matchLabels` a subset of `spec.template.metadata.labels`",
    },
    Rule {
        id: "service-selector",
        severity: Severity::Error,
        summary: "every Service selector matches the pod template of a workload in the release",
        help: "use the same labels in the Service's `selector` as in the workload's pod template",
    },
    Rule {
        id: "service-target-port",
        severity: Severity::Error,
        summary: "every Service targetPort (a number or a port name) exists on a container of a selected pod",
        help: "name the container port (`ports[].name`) and use that name as `targetPort`, or use its number",
    },
    Rule {
        id: "port-range",
        severity: Severity::Error,
        summary: "ports are 1-65535, nodePorts 30000-32767 and only on NodePort or LoadBalancer Services",
        help: "pick a port in range; nodePorts need `type: NodePort` or `LoadBalancer`",
    },
    Rule {
        id: "resources",
        severity: Severity::Warning,
        summary: "every container sets cpu and memory requests and limits",
        help: "add `resources.requests` and `resources.limits` for `cpu` and `memory`",
    },
    Rule {
        id: "requests-exceed-limits",
        severity: Severity::Error,
        summary: "resource quantities parse, and requests are at most limits",
        help: "lower the request or raise the limit; quantities look like `250m`, `0.5`, `128Mi`, `1Gi`",
    },
    Rule {
        id: "probes",
        severity: Severity::Warning,
        summary: "long-running containers (Deployment, StatefulSet, DaemonSet) have liveness and readiness probes",
        help: "add `livenessProbe` and `readinessProbe` (e.g. `httpGet` on a health endpoint)",
    },
    Rule {
        id: "run-as-non-root",
        severity: Severity::Error,
        summary: "containers run as non-root: runAsNonRoot true or runAsUser >= 1000, at pod or container level",
        help: "set `securityContext.runAsNonRoot: true` and `runAsUser: 1000` on the pod",
    },
    Rule {
        id: "privileged",
        severity: Severity::Error,
        summary: "no container is privileged",
        help: "remove `securityContext.privileged: true`; grant single capabilities instead",
    },
    Rule {
        id: "config-data",
        severity: Severity::Error,
        summary: "ConfigMap and Secret data stays under 1 MiB, keys match `[-._a-zA-Z0-9]+`, Secret `data` is valid base64",
        help: "rename keys, split large data, or encode values with `b64encode` (or use `stringData`)",
    },
    Rule {
        id: "env-refs",
        severity: Severity::Error,
        summary: "every secretKeyRef, configMapKeyRef, envFrom and configMap/secret volume names an object (and key) the release renders, unless marked optional",
        help: "fix the name or key, render the object in the chart, or mark the reference `optional: true`",
    },
    Rule {
        id: "hpa",
        severity: Severity::Error,
        summary: "HorizontalPodAutoscalers have minReplicas <= maxReplicas, a scaleTargetRef in the release, and at least one metric",
        help: "fix the replica range, the target's kind and name, or add a `metrics` entry",
    },
    Rule {
        id: "name-label",
        severity: Severity::Warning,
        summary: "every object carries the `app.kubernetes.io/name` (or `app`) label",
        help: "add `app.kubernetes.io/name` to `metadata.labels`",
    },
    Rule {
        id: "hook-annotations",
        severity: Severity::Error,
        summary: "`helm.sh/hook-delete-policy` names known policies (unknown hook events and non-integer weights already stop the render)",
        help: "use `before-hook-creation`, `hook-succeeded` or `hook-failed`",
    },
    Rule {
        id: "plain-secret",
        severity: Severity::Warning,
        summary: "values files hold no real secrets under keys like password, token, secret, api_key (placeholders such as `change-me`, `<...>`, `${...}`, `ref+...` are fine)",
        help: "keep a placeholder in the file and pass the value with `--set-file KEY=PATH` or `-f -` on stdin",
    },
];

/// The rule with `id`.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// One segment of a field path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Segment {
    /// A mapping key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// A field inside an object or values, e.g. `spec.template.spec.containers[0].image`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct FieldPath(pub Vec<Segment>);

impl FieldPath {
    /// The object itself.
    pub fn root() -> FieldPath {
        FieldPath(Vec::new())
    }

    /// This path followed by `key`.
    pub fn key(&self, key: &str) -> FieldPath {
        let mut path = self.clone();
        path.0.push(Segment::Key(key.to_owned()));
        path
    }

    /// This path followed by the list index `i`.
    pub fn index(&self, i: usize) -> FieldPath {
        let mut path = self.clone();
        path.0.push(Segment::Index(i));
        path
    }

    /// Builds a path from dotted keys (no indexes, no dots inside keys).
    pub fn parse(dotted: &str) -> FieldPath {
        FieldPath(
            dotted
                .split('.')
                .filter(|k| !k.is_empty())
                .map(|k| Segment::Key(k.to_owned()))
                .collect(),
        )
    }

    /// The path, or `(root)` when empty.
    pub fn or_root(&self) -> String {
        if self.0.is_empty() {
            "(root)".into()
        } else {
            self.to_string()
        }
    }

    /// Where the deepest field of `root` along this path is written: the key's position
    /// for a mapping entry (`selector:`), the item's for a list entry.
    pub fn mark_in(&self, root: &crate::yaml::Node) -> crate::yaml::Mark {
        let mut node = root;
        let mut mark = root.mark;
        for segment in &self.0 {
            let next = match (segment, &node.value) {
                (Segment::Key(k), crate::yaml::NodeValue::Mapping(entries)) => entries
                    .iter()
                    .find(|(key, _)| key.as_scalar().is_some_and(|s| &s.text == k))
                    .map(|(key, value)| (key.mark, value)),
                (Segment::Index(i), crate::yaml::NodeValue::Sequence(items)) => {
                    items.get(*i).map(|item| (item.mark, item))
                }
                _ => None,
            };
            match next {
                Some((at, value)) => {
                    mark = at;
                    node = value;
                }
                None => break,
            }
        }
        mark
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Index(n) => write!(f, "[{n}]")?,
                Segment::Key(k) if k.contains(['.', '[', ']', ' ']) || k.is_empty() => {
                    write!(f, "[\"{k}\"]")?;
                }
                Segment::Key(k) if i == 0 => f.write_str(k)?,
                Segment::Key(k) => write!(f, ".{k}")?,
            }
        }
        Ok(())
    }
}

/// One thing `lint` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule's id.
    pub rule: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// `kind/namespace/name` of the object, when the finding is about one.
    pub resource: Option<String>,
    /// The field at fault (`spec.replicas`, or a values path).
    pub field: Option<String>,
    /// The file to fix: the template that rendered the object, or the values file.
    pub file: String,
    /// 1-based line in `file`, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

/// Everything `lint` found, sorted by file, resource, rule.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// The Kubernetes version the objects were checked against (`MAJOR.MINOR`).
    pub kube_version: String,
    /// The findings, sorted.
    pub findings: Vec<Finding>,
}

impl Report {
    /// How many findings have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// The exit code for `lint`: 1 when there is an error (or, with `strict`, a warning).
    pub fn exit_code(&self, strictness: Strictness) -> i32 {
        let fails = |f: &Finding| match strictness {
            Strictness::Normal => f.severity == Severity::Error,
            Strictness::Strict => f.severity <= Severity::Warning,
        };
        i32::from(self.findings.iter().any(fails))
    }

    fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            (&a.file, &a.resource, a.rule, a.line, &a.field, &a.message).cmp(&(
                &b.file,
                &b.resource,
                b.rule,
                b.line,
                &b.field,
                &b.message,
            ))
        });
        self.findings.dedup();
    }
}

/// Whether warnings fail `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strictness {
    /// Only errors fail.
    #[default]
    Normal,
    /// Warnings fail too.
    Strict,
}

/// Why `lint` could not run its checks.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// No vendored schema for the version asked for.
    #[error(
        "--kube-version `{version}`: keelson has no Kubernetes schema for this version\n  hint: use one of {}",
        known.join(", ")
    )]
    KubeVersion {
        /// `MAJOR.MINOR` asked for.
        version: String,
        /// The vendored versions.
        known: Vec<String>,
    },
    /// A vendored schema bundle is damaged (a build problem, not the user's).
    #[error(
        "the vendored Kubernetes {version} schema is damaged: {message}\n  hint: regenerate it with `python3 schemas/update.py` and rebuild"
    )]
    Bundle {
        /// Its version.
        version: String,
        /// What is wrong.
        message: String,
    },
}

/// Renders `request` and checks everything: the values schema, plain secrets in values
/// files, every object against the Kubernetes schema of the request's version, and the
/// deployment rules.
///
/// Values that break `values.schema.json` are findings here (render refuses them): the
/// objects are then not checked, as the templates may assume valid values.
///
/// # Errors
/// [`Error::Validate`] for a Kubernetes version keelson has no schema for, or any
/// load or render error (the chart cannot be checked at all).
pub fn lint(request: &RenderRequest) -> Result<Report, Error> {
    let schema = kube::Schema::load(&request.capabilities.kube_version)?;
    // Unreadable hook annotations stop `render`; here they are one more finding.
    let noting = RenderRequest {
        hook_check: crate::manifest::HookCheck::Note,
        ..request.clone()
    };
    // Loaded once: schema violations are findings, and a chart whose values break its
    // schema is not rendered (its templates may rely on what the schema promises).
    let (chart, mut values) = crate::load_layers(&noting)?;
    let violations = crate::values::schema::violations(&chart, &mut values)?;
    if violations.is_empty() {
        let release = crate::render_loaded(&noting, chart, values)?;
        return Ok(check(&release, &schema));
    }
    let mut report = Report {
        kube_version: schema.version.clone(),
        findings: Vec::new(),
    };
    for violation in violations {
        report.findings.push(schema_finding(
            &chart.display_path("values.schema.json"),
            violation,
        ));
    }
    secrets::check(&values, &mut report.findings);
    report.sort();
    Ok(report)
}

fn schema_finding(schema_file: &str, violation: Violation) -> Finding {
    let (file, line) = match (&violation.origin, violation.position) {
        (Some(source @ (Source::Chart(_) | Source::File(_) | Source::Stdin)), position) => {
            (source.to_string(), position.map(|(line, _)| line))
        }
        _ => (schema_file.to_owned(), None),
    };
    let set_by = match &violation.origin {
        Some(source @ Source::Flag { expr, .. }) => format!(" (set by {source} `{expr}`)"),
        _ => String::new(),
    };
    Finding {
        rule: "values-schema",
        severity: Severity::Error,
        resource: None,
        field: Some(if violation.path.is_empty() {
            "(root)".into()
        } else {
            violation.path.clone()
        }),
        file,
        line,
        message: format!("{}{set_by}", violation.message),
        hint: format!(
            "change the value, or see {schema_file} for what `{}` accepts",
            if violation.path.is_empty() {
                "(root)"
            } else {
                &violation.path
            }
        ),
    }
}

/// Checks a rendered release: every object against `schema`, the deployment rules, and
/// plain secrets in its values files.
pub fn check(release: &Release, schema: &kube::Schema) -> Report {
    let mut findings = Vec::new();
    secrets::check(&release.values, &mut findings);
    rules::check(release, schema, &mut findings);
    let mut report = Report {
        kube_version: schema.version.clone(),
        findings,
    };
    report.sort();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_print_like_kubectl_explain() {
        let path = FieldPath::root()
            .key("spec")
            .key("containers")
            .index(0)
            .key("image");
        assert_eq!(path.to_string(), "spec.containers[0].image");
        let label = FieldPath::parse("metadata.labels").key("app.kubernetes.io/name");
        assert_eq!(
            label.to_string(),
            "metadata.labels[\"app.kubernetes.io/name\"]"
        );
        assert_eq!(FieldPath::root().or_root(), "(root)");
    }

    #[test]
    fn every_rule_id_is_unique_and_kebab_case() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        assert!(
            ids.iter()
                .all(|id| id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
        );
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }

    #[test]
    fn strict_fails_on_warnings_only_when_asked() {
        let finding = |severity| Finding {
            rule: "probes",
            severity,
            resource: None,
            field: None,
            file: "f".into(),
            line: None,
            message: String::new(),
            hint: String::new(),
        };
        let report = Report {
            kube_version: "1.36".into(),
            findings: vec![finding(Severity::Warning), finding(Severity::Info)],
        };
        assert_eq!(report.exit_code(Strictness::Normal), 0);
        assert_eq!(report.exit_code(Strictness::Strict), 1);
    }
}
