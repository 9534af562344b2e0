//! `Chart.yaml`: the chart's metadata, parsed and checked.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::LoadError;

/// The contents of `Chart.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChartMeta {
    /// Must be `v2`.
    pub api_version: String,
    /// A DNS-1123 label.
    pub name: String,
    /// Strict SemVer.
    pub version: String,
    /// The version of the application the chart deploys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    /// One line about the chart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `application` (default) or `library`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub chart_type: Option<String>,
    /// A SemVer range of Kubernetes versions the chart supports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_version: Option<String>,
    /// Free-form string annotations.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub annotations: IndexMap<String, String>,
    /// Subcharts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Dependency>,
    /// Search keywords.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// Project home page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home: Option<String>,
    /// Source code URLs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// Maintainers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintainers: Vec<Maintainer>,
    /// Icon URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Whether the chart is deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<bool>,
}

/// A chart maintainer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Maintainer {
    /// Name.
    pub name: String,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Web page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A subchart the chart depends on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Dependency {
    /// The subchart's name.
    pub name: String,
    /// A SemVer range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Where to find it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// A values path that enables it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Tags that enable it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Another name for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// Values to import from it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub import_values: Vec<serde_yaml_ng::Value>,
}

/// Whether a chart renders resources or only provides shared partials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartType {
    /// Renders resources.
    Application,
    /// Only shares partials; cannot be rendered on its own.
    Library,
}

impl ChartMeta {
    /// Parses `Chart.yaml` text; `path` names it in errors.
    ///
    /// # Errors
    /// [`LoadError::ChartYaml`] for YAML or shape errors, [`LoadError::Invalid`] when a field
    /// breaks a rule (apiVersion, name, version, type, kubeVersion, dependencies).
    pub fn parse(text: &str, path: &str) -> Result<ChartMeta, LoadError> {
        let meta = match read_plain(text) {
            Some(meta) => meta,
            None => serde_yaml_ng::from_str(text).map_err(|e| LoadError::ChartYaml {
                path: path.to_owned(),
                line: e.location().map_or(0, |l| l.line()),
                column: e.location().map_or(0, |l| l.column()),
                message: strip_location(&e.to_string()),
            })?,
        };
        meta.check(path)?;
        Ok(meta)
    }

    fn check(&self, path: &str) -> Result<(), LoadError> {
        let invalid = |field: &str, message: String, hint: &str| LoadError::Invalid {
            path: path.to_owned(),
            field: field.to_owned(),
            message,
            hint: hint.to_owned(),
        };
        if self.api_version != "v2" {
            return Err(invalid(
                "apiVersion",
                format!("`{}` is not supported", self.api_version),
                "keelson reads apiVersion v2 charts (Helm 3 and later); set `apiVersion: v2`",
            ));
        }
        if !is_dns1123_label(&self.name) {
            return Err(invalid(
                "name",
                format!("`{}` is not a DNS-1123 label", self.name),
                "use at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit",
            ));
        }
        if let Err(e) = semver::Version::parse(&self.version) {
            return Err(invalid(
                "version",
                format!("`{}` is not SemVer: {e}", self.version),
                "write MAJOR.MINOR.PATCH, e.g. `1.0.0`",
            ));
        }
        self.chart_type_checked(path)?;
        if let Some(range) = &self.kube_version {
            super::range::Range::parse(range).map_err(|message| {
                invalid(
                    "kubeVersion",
                    message,
                    "write a SemVer range such as `>= 1.28.0-0` or `^1.30`",
                )
            })?;
        }
        for dependency in &self.dependencies {
            if dependency.name.is_empty() {
                return Err(invalid(
                    "dependencies",
                    "a dependency has no name".into(),
                    "give every dependency a `name`",
                ));
            }
            if let Some(range) = &dependency.version {
                super::range::Range::parse(range).map_err(|message| {
                    invalid(
                        "dependencies",
                        format!("`{}`: {message}", dependency.name),
                        "write a SemVer range such as `~1.2.0`",
                    )
                })?;
            }
        }
        Ok(())
    }

    /// The chart type, `application` when unset.
    pub fn chart_type(&self) -> ChartType {
        match self.chart_type.as_deref() {
            Some("library") => ChartType::Library,
            _ => ChartType::Application,
        }
    }

    fn chart_type_checked(&self, path: &str) -> Result<ChartType, LoadError> {
        match self.chart_type.as_deref() {
            None | Some("application") => Ok(ChartType::Application),
            Some("library") => Ok(ChartType::Library),
            Some(other) => Err(LoadError::Invalid {
                path: path.to_owned(),
                field: "type".into(),
                message: format!("`{other}` is not a chart type"),
                hint: "use `application` or `library`".into(),
            }),
        }
    }
}

/// `Chart.yaml` as charts mostly write it, read with keelson's own YAML loader: serde_yaml_ng's
/// buffers and cold code took a tenth of the example chart's render. Text with an anchor,
/// alias, tag, directive or merge key, anything that does not fit the fields, and every
/// error are left to serde_yaml_ng (`None`), which reads all of YAML and words the messages;
/// a test checks that both read every text the fast route takes alike.
fn read_plain(text: &str) -> Option<ChartMeta> {
    if text.contains(['&', '*', '!', '%', '<']) {
        return None;
    }
    let nodes = crate::yaml::load(text, &crate::yaml::Limits::default()).ok()?;
    let [node] = <[_; 1]>::try_from(nodes).ok()?;
    let value = crate::values::node_value(node).ok()?;
    serde_json::from_value(value).ok()
}

/// serde_yaml_ng ends messages with " at line L column C"; keelson puts the position first.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(cut) => message[..cut].to_owned(),
        None => message.to_owned(),
    }
}

/// RFC 1123 label: 1–63 of `[a-z0-9-]`, alphanumeric at both ends.
pub fn is_dns1123_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "apiVersion: v2\nname: demo\nversion: 1.2.3\nappVersion: \"2.0\"\n";

    #[test]
    fn parses_a_minimal_chart() {
        let meta = ChartMeta::parse(GOOD, "Chart.yaml").expect("valid");
        assert_eq!(meta.name, "demo");
        assert_eq!(meta.app_version.as_deref(), Some("2.0"));
        assert_eq!(meta.chart_type(), ChartType::Application);
    }

    #[test]
    fn refuses_bad_fields() {
        for (text, field) in [
            ("apiVersion: v1\nname: demo\nversion: 1.0.0\n", "apiVersion"),
            ("apiVersion: v2\nname: Demo_App\nversion: 1.0.0\n", "name"),
            ("apiVersion: v2\nname: demo\nversion: 1.0\n", "version"),
            (
                "apiVersion: v2\nname: demo\nversion: 1.0.0\ntype: app\n",
                "type",
            ),
            (
                "apiVersion: v2\nname: demo\nversion: 1.0.0\nkubeVersion: banana\n",
                "kubeVersion",
            ),
        ] {
            match ChartMeta::parse(text, "Chart.yaml") {
                Err(LoadError::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn unknown_fields_are_typos() {
        let err = ChartMeta::parse(
            "apiVersion: v2\nname: demo\nversion: 1.0.0\nappversion: x\n",
            "Chart.yaml",
        )
        .expect_err("typo");
        let LoadError::ChartYaml { line, message, .. } = err else {
            panic!("{err:?}")
        };
        assert_eq!(line, 4);
        assert!(message.contains("appversion"), "{message}");
    }

    #[test]
    fn dns_labels() {
        assert!(is_dns1123_label("todo-app"));
        assert!(!is_dns1123_label("-x"));
        assert!(!is_dns1123_label(&"a".repeat(64)));
    }

    /// Every Chart.yaml in the repository, and variants of the fields' shapes and scalars.
    fn corpus() -> Vec<String> {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).expect("readable").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.file_name().is_some_and(|n| n == "Chart.yaml")
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    out.push(text);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts = Vec::new();
        walk(&root.join("chart"), &mut texts);
        walk(&root.join("tests"), &mut texts);
        let head = "apiVersion: v2\nname: demo\nversion: 1.2.3\n";
        let tails = [
            "",
            "appVersion: 2.0\n",
            "appVersion: \"2.0\"\n",
            "appVersion: 3\n",
            "appVersion: ~\n",
            "appVersion:\n",
            "appVersion: null\n",
            "appVersion: 'it''s'\n",
            "appVersion: \"tab\\there \\u00e9\"\n",
            "description: >\n  folded\n  text\n",
            "description: |\n  literal\n  text\n",
            "description: plain\n  continued\n",
            "description: a # comment\n",
            "deprecated: true\n",
            "deprecated: True\n",
            "deprecated: TRUE\n",
            "deprecated: yes\n",
            "deprecated: 1\n",
            "deprecated: \"true\"\n",
            "type: library\n",
            "kubeVersion: \">= 1.28.0-0\"\n",
            "keywords: [a, b, 3]\n",
            "keywords:\n  - a\n  - 0x1F\n",
            "annotations: {a: b, c: \"d\"}\n",
            "annotations:\n  a: 1\n",
            "annotations:\n  1: x\n",
            "annotations:\n  \"k\": yes\n",
            "annotations:\n  a: b\n  a: c\n",
            "maintainers:\n  - name: x\n    email: x@example.com\n",
            "maintainers:\n  - name: x\n    extra: 1\n",
            "dependencies:\n  - name: db\n    version: ~1.2\n    repository: https://x\n    condition: db.enabled\n    tags: [a]\n    alias: d\n",
            "dependencies:\n  - name: db\n    importValues: [a, {child: b, parent: c}, 1, 2.5, null, true]\n",
            "icon: https://x/icon.png\nhome: https://x\nsources: [https://x]\n",
            "unknown: field\n",
            "name: again\n",
            "---\nextra: document\n",
            "description: \"*emphasis* & more\"\n",
            "annotations:\n  <<: {a: b}\n",
            "annotations:\n  a: !!str 1\n",
            "keywords: &k [a]\nsources: *k\n",
        ];
        texts.extend(tails.iter().map(|tail| format!("{head}{tail}")));
        texts.push("[1, 2]\n".into());
        texts.push(String::new());
        texts
    }

    #[test]
    fn the_fast_route_reads_chart_yaml_as_serde_yaml_ng_does() {
        let mut taken = 0;
        for text in corpus() {
            let Some(fast) = read_plain(&text) else {
                continue;
            };
            taken += 1;
            let slow: ChartMeta = serde_yaml_ng::from_str(&text).unwrap_or_else(|e| {
                panic!("the fast route took what serde_yaml_ng refuses ({e}):\n{text}")
            });
            assert_eq!(fast, slow, "{text}");
        }
        assert!(taken >= 20, "the fast route took only {taken} texts");
        let example = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("chart/Chart.yaml"),
        )
        .expect("example");
        assert!(
            read_plain(&example).is_some(),
            "the example chart takes the fast route"
        );
    }
}
