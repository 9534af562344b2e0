//! Rendering: every template of the chart through Tera, with keelson's context and filters.

mod filters;

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;
use tera::{Context, Tera};

use crate::chart::{Chart, TemplateKind};
use crate::values::Values;

pub(crate) use filters::hex;

/// The release a render is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseInfo {
    /// Release name (default: the chart name).
    pub name: String,
    /// Namespace (default: `default`).
    pub namespace: String,
    /// Revision number, 1 for a first install.
    pub revision: u64,
    /// Whether this render installs (true) or upgrades (false) the release.
    pub is_install: bool,
    /// The opposite of `is_install`.
    pub is_upgrade: bool,
    /// Always `keelson`.
    pub service: String,
}

impl ReleaseInfo {
    /// A first install of release `name` into `namespace`.
    pub fn install(name: impl Into<String>, namespace: impl Into<String>) -> ReleaseInfo {
        ReleaseInfo {
            name: name.into(),
            namespace: namespace.into(),
            revision: 1,
            is_install: true,
            is_upgrade: false,
            service: "keelson".into(),
        }
    }

    /// An upgrade to `revision` of an existing release.
    pub fn upgrade(self, revision: u64) -> ReleaseInfo {
        ReleaseInfo {
            revision,
            is_install: false,
            is_upgrade: true,
            ..self
        }
    }
}

/// What the cluster is assumed to offer (there is no cluster to ask).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// The Kubernetes version.
    pub kube_version: semver::Version,
    /// Group/versions available, such as `apps/v1`.
    pub api_versions: Vec<String>,
}

/// The Kubernetes version assumed when none is given (Helm v4.2's default too).
pub const DEFAULT_KUBE_VERSION: semver::Version = semver::Version::new(1, 36, 0);

/// Group/versions every supported Kubernetes release serves.
const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "apiregistration.k8s.io/v1",
    "apps/v1",
    "authentication.k8s.io/v1",
    "authorization.k8s.io/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "certificates.k8s.io/v1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "events.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1",
    "networking.k8s.io/v1",
    "node.k8s.io/v1",
    "policy/v1",
    "rbac.authorization.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1",
];

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities {
            kube_version: DEFAULT_KUBE_VERSION,
            api_versions: DEFAULT_API_VERSIONS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        }
    }
}

/// One rendered template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedTemplate {
    /// Chart-relative path, e.g. `templates/service.yaml`.
    pub path: String,
    /// The rendered text.
    pub output: String,
}

/// Every manifest template rendered, sorted by path, and the rendered notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The chart's name (for `# Source:` lines).
    pub chart_name: String,
    /// Manifest templates in path order.
    pub templates: Vec<RenderedTemplate>,
    /// `templates/NOTES.txt`, rendered, when the chart has one.
    pub notes: Option<String>,
}

/// Why rendering failed.
#[derive(Debug)]
pub enum RenderError {
    /// A template failed to parse or to render.
    Template {
        /// Display path of the template.
        path: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column.
        column: usize,
        /// What went wrong.
        message: String,
        /// The source line and a caret under the problem.
        excerpt: String,
    },
    /// The chart cannot be rendered at all.
    Chart {
        /// Display path of the chart.
        path: String,
        /// Why.
        message: String,
        /// What to do.
        hint: String,
    },
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::Template {
                path,
                line,
                column,
                message,
                excerpt,
            } => {
                if *line > 0 {
                    write!(f, "{path}:{line}:{column}: {message}")?;
                } else {
                    write!(f, "{path}: {message}")?;
                }
                if !excerpt.is_empty() {
                    write!(f, "\n{excerpt}")?;
                }
                Ok(())
            }
            RenderError::Chart {
                path,
                message,
                hint,
            } => write!(f, "{path}: {message}\n  hint: {hint}"),
        }
    }
}

impl std::error::Error for RenderError {}

#[derive(Serialize)]
struct ChartContext<'a> {
    name: &'a str,
    version: &'a str,
    app_version: &'a str,
    description: &'a str,
    #[serde(rename = "type")]
    chart_type: &'a str,
    annotations: &'a indexmap::IndexMap<String, String>,
}

#[derive(Serialize)]
struct KubeVersion {
    version: String,
    major: String,
    minor: String,
}

#[derive(Serialize)]
struct CapabilitiesContext<'a> {
    kube_version: KubeVersion,
    api_versions: &'a [String],
}

/// Renders every manifest template and the notes of `chart` with `values`.
///
/// # Errors
/// [`RenderError::Template`] with the template, line and column of the first failure;
/// [`RenderError::Chart`] for charts that cannot render (library charts, subcharts,
/// an unmet `kubeVersion`).
pub fn render(
    chart: &Chart,
    values: &Values,
    release: &ReleaseInfo,
    capabilities: &Capabilities,
) -> Result<Rendered, RenderError> {
    Engine::new(chart, capabilities)?.render(chart, values, release, capabilities)
}

/// [`render`], taking the merged values into the templates' context: large values move
/// there piece by piece, so that they are held once while rendering, and small ones
/// (under [`crate::parallel::SPLIT_BYTES`] of YAML) are copied in one pass, which is
/// quicker, and freed. `values.map` is left empty either way.
///
/// # Errors
/// As [`render`].
pub fn render_taking(
    chart: &Chart,
    values: &mut Values,
    release: &ReleaseInfo,
    capabilities: &Capabilities,
) -> Result<Rendered, RenderError> {
    Engine::new(chart, capabilities)?.render_taking(chart, values, release, capabilities)
}

/// A chart's templates, parsed and ready to render with any values: parsing needs no
/// values, so it can run beside the values' schema check (see `crate::render_chart`).
/// Crate-private: its renders take the chart it was made from, which the public
/// [`render`] and [`render_taking`] guarantee.
#[derive(Clone)]
pub(crate) struct Engine {
    tera: Arc<OnceLock<Tera>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl Engine {
    /// Parses every template of `chart`, after checking that the chart can render.
    ///
    /// # Errors
    /// As [`render`]: [`RenderError::Chart`] for a chart that cannot render,
    /// [`RenderError::Template`] for a template that does not parse.
    pub(crate) fn new(chart: &Chart, capabilities: &Capabilities) -> Result<Engine, RenderError> {
        check_renderable(chart, capabilities)?;
        let files: filters::Files = Arc::clone(&chart.files);
        let engine = Arc::new(OnceLock::new());
        let mut tera = Tera::new();
        tera.autoescape_on(Vec::<&str>::new());
        filters::register(&mut tera, &files, Arc::downgrade(&engine));
        tera.add_raw_templates(
            chart
                .templates
                .iter()
                .map(|t| (t.path.as_str(), t.source.as_str())),
        )
        .map_err(|e| template_error(chart, "templates", &e))?;
        // Set once here; `tpl` reaches the engine through its weak reference.
        let _ = engine.set(tera);
        Ok(Engine { tera: engine })
    }

    /// [`render`] with templates parsed already.
    ///
    /// # Errors
    /// As [`render`], but for parsing.
    pub(crate) fn render(
        &self,
        chart: &Chart,
        values: &Values,
        release: &ReleaseInfo,
        capabilities: &Capabilities,
    ) -> Result<Rendered, RenderError> {
        let context = tera::Value::from_serializable(&values.map);
        self.render_value(chart, context, values.source_bytes(), release, capabilities)
    }

    /// [`render_taking`] with templates parsed already.
    ///
    /// # Errors
    /// As [`render_taking`], but for parsing.
    pub(crate) fn render_taking(
        &self,
        chart: &Chart,
        values: &mut Values,
        release: &ReleaseInfo,
        capabilities: &Capabilities,
    ) -> Result<Rendered, RenderError> {
        let weight = values.source_bytes();
        let map = std::mem::take(&mut values.map);
        if weight < crate::parallel::SPLIT_BYTES {
            // Small values are copied in one pass, hashing each key once; converting them
            // piece by piece (below) hashes each key twice, as Tera rebuilds every map.
            let context = tera::Value::from_serializable(&map);
            return self.render_value(chart, context, weight, release, capabilities);
        }
        let context: tera::value::Map = map
            .into_iter()
            .map(|(key, value)| match value {
                serde_json::Value::Array(items)
                    if weight >= crate::parallel::SPLIT_BYTES
                        && items.len() >= LIST_HALVES_FROM =>
                {
                    (key.into(), tera_list_in_halves(items, weight))
                }
                value => (key.into(), tera_value(value)),
            })
            .collect();
        self.render_value(chart, context.into(), weight, release, capabilities)
    }

    /// Renders with the merged values as Tera holds them; `values_weight` says how much
    /// work templates that loop over them may do (bytes of values YAML).
    fn render_value(
        &self,
        chart: &Chart,
        values: tera::Value,
        values_weight: usize,
        release: &ReleaseInfo,
        capabilities: &Capabilities,
    ) -> Result<Rendered, RenderError> {
        let Some(tera) = self.tera.get() else {
            unreachable!("Engine::new sets the engine before returning it");
        };

        let meta = &chart.meta;
        let chart_context = ChartContext {
            name: &meta.name,
            version: &meta.version,
            app_version: meta.app_version.as_deref().unwrap_or(""),
            description: meta.description.as_deref().unwrap_or(""),
            chart_type: meta.chart_type.as_deref().unwrap_or("application"),
            annotations: &meta.annotations,
        };
        let version = &capabilities.kube_version;
        let capabilities_context = CapabilitiesContext {
            kube_version: KubeVersion {
                version: format!("v{}.{}.{}", version.major, version.minor, version.patch),
                major: version.major.to_string(),
                minor: version.minor.to_string(),
            },
            api_versions: &capabilities.api_versions,
        };
        let mut context = Context::new();
        context.insert_value("values", values);
        context.insert("chart", &chart_context);
        context.insert("release", release);
        context.insert("capabilities", &capabilities_context);

        let to_render: Vec<&crate::chart::Template> = chart
            .templates
            .iter()
            .filter(|t| t.kind != TemplateKind::Partial)
            .collect();
        // Templates render independently (Tera values are shared, so a context clone is
        // cheap); results come back in path order, and so does the first error. The work grows
        // with the templates' source and with the values they may loop over, which count once
        // in all (shared out evenly), not once per template.
        let values_share = values_weight / to_render.len().max(1);
        let outputs = crate::parallel::map(
            &to_render,
            |t| t.source.len() + values_share,
            |template| {
                let mut context = context.clone();
                context.insert(
                    "template",
                    &serde_json::json!({
                        "name": format!("{}/{}", meta.name, template.path),
                        "base_path": format!("{}/templates", meta.name),
                    }),
                );
                let mut output = Capped::default();
                match tera.render_to(&template.path, &context, &mut output) {
                    Ok(()) => String::from_utf8(output.bytes)
                        .map_err(|_| tera::Error::message("the template rendered invalid UTF-8")),
                    Err(_) if output.exceeded => Err(tera::Error::message(format!(
                        "the template renders more than {} MiB; does a loop run away?",
                        MAX_OUTPUT_BYTES >> 20
                    ))),
                    Err(e) => Err(e),
                }
            },
        );
        let mut templates = Vec::new();
        let mut notes = None;
        for (template, output) in to_render.iter().zip(outputs) {
            let output = output.map_err(|e| template_error(chart, &template.path, &e))?;
            match template.kind {
                TemplateKind::Notes => notes = Some(output),
                _ => templates.push(RenderedTemplate {
                    path: template.path.clone(),
                    output,
                }),
            }
        }
        Ok(Rendered {
            chart_name: meta.name.clone(),
            templates,
            notes,
        })
    }
}

/// Top-level lists of this many items, in values of [`crate::parallel::SPLIT_BYTES`] of
/// YAML or more, are converted for Tera in two halves on two threads: such a list is nearly
/// all of large values (components, tenants, routes), and converting it was the longest
/// step of a large render that ran on one thread only.
const LIST_HALVES_FROM: usize = 64;

/// [`tera_value`] of a list, each half on its own thread; `weight` is the values' size.
fn tera_list_in_halves(mut items: Vec<serde_json::Value>, weight: usize) -> tera::Value {
    let second = items.split_off(items.len() / 2);
    // Each half is taken out of its slot and consumed, so its items are dropped as they
    // are converted, as in `tera_value`.
    let halves = [Mutex::new(items), Mutex::new(second)];
    let converted = crate::parallel::map(
        &halves,
        |_| weight / 2,
        |half| {
            let items = half.lock().map(|mut h| std::mem::take(&mut *h));
            items
                .unwrap_or_default()
                .into_iter()
                .map(|item| tera::Value::from_serializable(&item))
                .collect::<Vec<_>>()
        },
    );
    converted.into_iter().flatten().collect::<Vec<_>>().into()
}

/// JSON values as Tera holds them, consuming `value` as it goes so that the two are not
/// both whole at once. List items are serialized (one hash per key, as Tera builds maps)
/// and then dropped; maps above them are rebuilt entry by entry.
fn tera_value(value: serde_json::Value) -> tera::Value {
    match value {
        serde_json::Value::Array(items) => items
            .into_iter()
            .map(|item| tera::Value::from_serializable(&item))
            .collect::<Vec<_>>()
            .into(),
        serde_json::Value::Object(map) => tera_map(map),
        other => tera::Value::from_serializable(&other),
    }
}

fn tera_map(map: serde_json::Map<String, serde_json::Value>) -> tera::Value {
    let map: tera::value::Map = map
        .into_iter()
        .map(|(key, value)| (key.into(), tera_value(value)))
        .collect();
    map.into()
}

fn check_renderable(chart: &Chart, capabilities: &Capabilities) -> Result<(), RenderError> {
    let path = chart.display_path("Chart.yaml");
    if chart.meta.chart_type() == crate::chart::ChartType::Library {
        return Err(RenderError::Chart {
            path,
            message: "a library chart cannot be rendered on its own".into(),
            hint: "render an application chart that uses it".into(),
        });
    }
    let subcharts: Vec<&str> = chart
        .meta
        .dependencies
        .iter()
        .map(|d| d.name.as_str())
        .chain(
            chart
                .files
                .keys()
                .filter_map(|p| p.strip_prefix("charts/"))
                .filter_map(|p| p.split('/').next()),
        )
        .collect();
    if let Some(first) = subcharts.first() {
        return Err(RenderError::Chart {
            path,
            message: format!(
                "the chart depends on subcharts (`{first}`), which keelson cannot render yet"
            ),
            hint: "render each subchart as its own release, or inline its templates".into(),
        });
    }
    if let Some(range) = &chart.meta.kube_version
        && let Ok(range) = crate::chart::Range::parse(range)
        && !range.matches(&capabilities.kube_version)
    {
        return Err(RenderError::Chart {
            path,
            message: format!(
                "the chart requires Kubernetes `{}`, but the target is {}",
                chart.meta.kube_version.as_deref().unwrap_or_default(),
                capabilities.kube_version
            ),
            hint: "pass the cluster's version with `--kube-version X.Y`".into(),
        });
    }
    Ok(())
}

/// Tera's message, reworded where keelson can say more (undefined values get their path).
pub(crate) fn describe_tera(error: &tera::Error) -> String {
    use std::error::Error as _;
    match error.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => {
            report.message().to_owned()
        }
        _ => {
            let mut message = error.to_string();
            let mut source = error.source();
            while let Some(cause) = source {
                message.push_str(": ");
                message.push_str(&cause.to_string());
                source = cause.source();
            }
            message
        }
    }
}

/// Most bytes one template may render: far above any real chart (the 1,000-component
/// benchmark renders 2.4 MB in all), low enough that a runaway loop stops long before
/// memory runs out.
pub const MAX_OUTPUT_BYTES: usize = 64 << 20;

/// A render target that refuses to grow past [`MAX_OUTPUT_BYTES`].
#[derive(Default)]
struct Capped {
    bytes: Vec<u8>,
    exceeded: bool,
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_OUTPUT_BYTES {
            self.exceeded = true;
            return Err(std::io::Error::other("render output limit"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `template` is the chart-relative path being rendered, for errors Tera does not place.
fn template_error(chart: &Chart, template: &str, error: &tera::Error) -> RenderError {
    let report = match error.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => report,
        _ => {
            return RenderError::Template {
                path: chart.display_path(template),
                line: 0,
                column: 0,
                message: describe_tera(error),
                excerpt: String::new(),
            };
        }
    };
    let template = chart.templates.iter().find(|t| t.path == report.filename());
    let source = template.map_or("", |t| t.source.as_str());
    let span = report.span();
    let message = reword(report.message(), source, span.range.clone());
    RenderError::Template {
        path: chart.display_path(report.filename()),
        line: span.start_line,
        column: span.start_col + 1,
        message,
        excerpt: excerpt(
            source,
            span.start_line,
            span.start_col,
            span.end_col,
            span.start_line == span.end_line,
        ),
    }
}

/// Undefined-value messages name the whole path (`values.image.tagg`), not just its last part.
fn reword(message: &str, source: &str, range: std::ops::Range<usize>) -> String {
    let path_at = || {
        let bytes = source.as_bytes();
        let is_path = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.';
        let mut start = range.start.min(bytes.len());
        while start > 0 && bytes.get(start - 1).copied().is_some_and(is_path) {
            start -= 1;
        }
        let mut end = range.end.min(bytes.len());
        while bytes.get(end).copied().is_some_and(is_path) {
            end += 1;
        }
        source
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches('.')
            .to_owned()
    };
    if let Some(rest) = message.strip_prefix("Field `") {
        let (field, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let path = path_at();
        let path = if path.ends_with(field) {
            path
        } else {
            field.to_owned()
        };
        let available = tail
            .split_once("Available fields: ")
            .map(|(_, f)| f.trim_end_matches('.'))
            .filter(|f| !f.is_empty());
        let parent = path.rsplit_once('.').map_or("", |(p, _)| p);
        let mut out = format!("undefined value `{path}`");
        match available {
            Some(fields) => out.push_str(&format!(
                "\n  hint: keys under `{parent}` are {}",
                backticks(fields)
            )),
            None => out.push_str(&format!("\n  hint: `{parent}` has no keys")),
        }
        out.push_str("; for an optional value use `| default(value=...)` or `is defined`");
        return out;
    }
    if message.starts_with("Iteration not possible on type `undefined`") {
        return format!(
            "undefined value `{}` cannot be iterated\n  hint: check the key, or guard the loop with `is defined`",
            path_at()
        );
    }
    if let Some(rest) = message.strip_prefix("Variable `") {
        let (name, _) = rest.split_once('`').unwrap_or((rest, ""));
        return format!(
            "undefined variable `{name}`\n  hint: templates see `values`, `chart`, `release`, `capabilities` and `template`; components see only their arguments (declare `@values` to use the caller's)"
        );
    }
    message.to_owned()
}

fn backticks(list: &str) -> String {
    list.split(", ")
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn excerpt(source: &str, line: usize, start_col: usize, end_col: usize, one_line: bool) -> String {
    let Some(text) = source.lines().nth(line.saturating_sub(1)) else {
        return String::new();
    };
    let width = if one_line {
        end_col.saturating_sub(start_col).max(1)
    } else {
        1
    };
    let number = line.to_string();
    format!(
        "{pad} |\n{number} | {text}\n{pad} | {spaces}{carets}",
        pad = " ".repeat(number.len()),
        spaces = " ".repeat(text.chars().take(start_col).count()),
        carets = "^".repeat(width),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(templates: &[(&str, String)]) -> Chart {
        let mut files: std::collections::BTreeMap<String, Vec<u8>> = templates
            .iter()
            .map(|(path, source)| ((*path).to_owned(), source.clone().into_bytes()))
            .collect();
        files.insert(
            "Chart.yaml".into(),
            b"apiVersion: v2\nname: demo\nversion: 1.0.0\n".to_vec(),
        );
        Chart::from_files("chart".into(), files).expect("chart")
    }

    #[test]
    fn long_lists_convert_in_halves_as_in_one_pass() {
        for n in [64, 65, 1001] {
            let items: Vec<serde_json::Value> = (0..n)
                .map(|i| serde_json::json!({"name": format!("c{i}"), "port": i, "on": i % 2 == 0, "l": [i, null]}))
                .collect();
            let whole = tera_value(serde_json::Value::Array(items.clone()));
            let halves = tera_list_in_halves(items, crate::parallel::SPLIT_BYTES);
            assert_eq!(format!("{halves:?}"), format!("{whole:?}"), "{n} items");
        }
    }

    #[test]
    fn moved_values_render_as_copied_ones() {
        let chart = chart(&[(
            "templates/a.yaml",
            "{{ values | to_json }}\n{% for k, v in values.m %}{{ k }}={{ v }};{% endfor %}\n\
             {{ values.big + 1 }} {{ values.neg - 1 }} {{ values.f * 2 }} {{ values.n is none }}"
                .to_owned(),
        )]);
        let map = serde_json::json!({
            "n": null, "t": true, "big": 18446744073709551614u64, "neg": -9223372036854775807i64,
            "f": 1.5, "s": "x", "l": [1, "a", [], {}], "m": {"z": 1, "a": {"b": [null]}}
        });
        let values = Values {
            map: map.as_object().cloned().expect("object"),
            warnings: Vec::new(),
            documents: Vec::new(),
            layers: Vec::new(),
        };
        // The same Tera values as serializing the JSON, variant for variant.
        assert_eq!(
            format!("{:?}", tera_map(values.map.clone())),
            format!("{:?}", tera::Value::from_serializable(&map))
        );
        let release = ReleaseInfo::install("r", "ns");
        let copied = render(&chart, &values, &release, &Capabilities::default()).expect("copied");
        assert!(
            copied.templates[0].output.contains("z=1;a="),
            "{}",
            copied.templates[0].output
        );
        // Small values are copied in one pass; the same values weighed as large ones (a
        // values file of SPLIT_BYTES) move piece by piece.
        let large = crate::values::Document::new(
            crate::values::Source::Stdin,
            " ".repeat(crate::parallel::SPLIT_BYTES),
        );
        for documents in [Vec::new(), vec![large]] {
            let mut taken = Values {
                map: values.map.clone(),
                documents,
                ..values.clone()
            };
            let moved = render_taking(&chart, &mut taken, &release, &Capabilities::default())
                .expect("moved");
            assert!(taken.map.is_empty());
            assert_eq!(copied.templates[0].output, moved.templates[0].output);
        }
    }

    fn render_chart(chart: &Chart) -> Result<Rendered, RenderError> {
        let values = Values {
            map: serde_json::Map::new(),
            warnings: Vec::new(),
            documents: Vec::new(),
            layers: Vec::new(),
        };
        render(
            chart,
            &values,
            &ReleaseInfo::install("r", "ns"),
            &Capabilities::default(),
        )
    }

    #[test]
    fn large_charts_render_in_path_order_and_report_the_first_error() {
        // Large enough to be rendered on two threads.
        let filler = "# filler line to make the template large\n".repeat(2000);
        let good = |name: &str| format!("{filler}name: {name} {{{{ template.name }}}}\n");
        let bad = format!("{filler}{{{{ values.missing }}}}\n");
        let ok = render_chart(&chart(&[
            ("templates/a.yaml", good("a")),
            ("templates/b.yaml", good("b")),
            ("templates/c.yaml", good("c")),
        ]))
        .expect("renders");
        let paths: Vec<&str> = ok.templates.iter().map(|t| t.path.as_str()).collect();
        assert_eq!(
            paths,
            ["templates/a.yaml", "templates/b.yaml", "templates/c.yaml"]
        );
        assert!(
            ok.templates[1]
                .output
                .ends_with("name: b demo/templates/b.yaml\n")
        );
        for failing in ["templates/a.yaml", "templates/b.yaml"] {
            let mut templates = vec![
                ("templates/a.yaml", good("a")),
                ("templates/b.yaml", bad.clone()),
                ("templates/c.yaml", bad.clone()),
            ];
            if failing == "templates/a.yaml" {
                templates[0].1 = bad.clone();
            }
            let err = render_chart(&chart(&templates))
                .expect_err("fails")
                .to_string();
            assert!(err.starts_with(&format!("chart/{failing}:")), "{err}");
        }
    }
}
