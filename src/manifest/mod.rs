//! Manifests: rendered text split into Kubernetes objects, checked, placed in their release
//! namespace, and ordered for installation.

mod order;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{self, Write};

use sha2::{Digest as _, Sha256};

use crate::render::{Rendered, RenderedTemplate};
use crate::yaml::{self, Node, NodeValue};

pub use order::{is_cluster_scoped, kind_rank};

/// When a hook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HookEvent {
    /// `pre-install`
    PreInstall,
    /// `post-install`
    PostInstall,
    /// `pre-upgrade`
    PreUpgrade,
    /// `post-upgrade`
    PostUpgrade,
    /// `pre-delete`
    PreDelete,
    /// `post-delete`
    PostDelete,
    /// `pre-rollback`
    PreRollback,
    /// `post-rollback`
    PostRollback,
    /// `test` (and Helm 2's `test-success`)
    Test,
}

impl HookEvent {
    /// Every event with its annotation spelling.
    pub const ALL: [(&'static str, HookEvent); 10] = [
        ("pre-install", HookEvent::PreInstall),
        ("post-install", HookEvent::PostInstall),
        ("pre-upgrade", HookEvent::PreUpgrade),
        ("post-upgrade", HookEvent::PostUpgrade),
        ("pre-delete", HookEvent::PreDelete),
        ("post-delete", HookEvent::PostDelete),
        ("pre-rollback", HookEvent::PreRollback),
        ("post-rollback", HookEvent::PostRollback),
        ("test", HookEvent::Test),
        ("test-success", HookEvent::Test),
    ];

    fn parse(text: &str) -> Option<HookEvent> {
        Self::ALL
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, e)| *e)
    }
}

/// A hook: the events it runs at and its weight (lower runs first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    /// Events from `helm.sh/hook`.
    pub events: Vec<HookEvent>,
    /// `helm.sh/hook-weight`, 0 when unset.
    pub weight: i64,
}

/// One Kubernetes object from a rendered template.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The template it came from, e.g. `templates/service.yaml`.
    pub source: String,
    /// `apiVersion`
    pub api_version: String,
    /// `kind`
    pub kind: String,
    /// `metadata.name`
    pub name: String,
    /// `metadata.namespace` (set to the release namespace for namespaced kinds).
    pub namespace: Option<String>,
    /// Present when the object is a hook.
    pub hook: Option<Hook>,
    /// Why the hook annotations could not be read, when [`split_with`] was asked to
    /// [`HookCheck::Note`] such problems instead of refusing them.
    pub hook_problem: Option<String>,
    /// The object, as [`Keep`] asked.
    pub body: Body,
}

/// How much of each object [`split_with`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Keep {
    /// The parsed tree, with its positions in the rendered output: for lint, history and
    /// diff, which read objects field by field.
    #[default]
    Tree,
    /// Only the canonical YAML, printed as the object is read (no tree is built beyond the
    /// fields that identify it; see [`yaml::restream`]): for printing. The pipeline ([`crate::render_chart`]) then also moves
    /// the merged values into the render instead of copying them, so the release's
    /// `values.map` is left empty.
    Text,
}

/// An object as [`Keep`] asked for it.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// The parsed tree.
    Tree(Node),
    /// The object in keelson's canonical layout, as printed after its `# Source:` line.
    Text(String),
}

/// What [`split_with`] does with hook annotations it cannot read (an unknown event, a
/// weight that is not an integer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HookCheck {
    /// Refuse them: the order of a release depends on its hooks, so `render` stops.
    #[default]
    Refuse,
    /// Keep the object as a main resource and note the problem in
    /// [`Manifest::hook_problem`], so that `lint` can report it among its findings.
    Note,
}

impl Manifest {
    /// `kind/namespace/name`, or `kind/name` for cluster-scoped objects.
    pub fn id(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{ns}/{}", self.kind, self.name),
            None => format!("{}/{}", self.kind, self.name),
        }
    }

    /// The API group (`apps` for `apps/v1`, empty for the core `v1`).
    pub fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }

    /// The parsed object, unless the split kept only its text ([`Keep::Text`]).
    pub fn node(&self) -> Option<&Node> {
        match &self.body {
            Body::Tree(node) => Some(node),
            Body::Text(_) => None,
        }
    }

    /// The object as kubectl reads it (JSON, keys in document order).
    pub fn to_kubectl_json(&self) -> serde_json::Value {
        match &self.body {
            Body::Tree(node) => node.to_kubectl_json(),
            // The canonical layout reads back as the tree it was emitted from
            // (tests/robustness.rs checks this on mutated YAML).
            Body::Text(text) => yaml::load(text, &yaml::Limits::default())
                .ok()
                .and_then(|documents| documents.into_iter().next())
                .map_or(serde_json::Value::Null, |node| node.to_kubectl_json()),
        }
    }

    /// The object as YAML, in keelson's canonical layout.
    pub fn to_yaml(&self) -> String {
        match &self.body {
            Body::Tree(node) => yaml::emit_document(node),
            Body::Text(text) => text.clone(),
        }
    }

    /// sha256 over the object as kubectl reads it (canonical JSON, keys sorted), so that
    /// formatting alone never changes it.
    pub fn digest(&self) -> String {
        let canonical = canonical_json(&self.to_kubectl_json());
        format!(
            "sha256:{}",
            crate::render::hex(&Sha256::digest(canonical.as_bytes()))
        )
    }
}

/// JSON with object keys sorted, no insignificant whitespace.
pub fn canonical_json(value: &serde_json::Value) -> String {
    fn sort(value: &serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(map) => {
                let sorted: BTreeMap<&String, serde_json::Value> =
                    map.iter().map(|(k, v)| (k, sort(v))).collect();
                serde_json::Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
            }
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(sort).collect())
            }
            other => other.clone(),
        }
    }
    sort(value).to_string()
}

/// Every object of a render: main resources in install order, and hooks.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifests {
    /// Chart name, for `# Source:` lines.
    pub chart_name: String,
    /// Non-hook objects, in install order.
    pub resources: Vec<Manifest>,
    /// Hook objects, in template order.
    pub hooks: Vec<Manifest>,
}

/// Which part of a release to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// Pre hooks, main resources, post hooks.
    #[default]
    All,
    /// Only the pre hooks of the event.
    Pre,
    /// Only the main resources.
    Main,
    /// Only the post hooks of the event.
    Post,
}

/// Whether the render installs or upgrades (picks the hook events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// First revision.
    Install,
    /// Later revisions.
    Upgrade,
}

/// What `write` prints.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selection {
    /// Which phase.
    pub phase: Phase,
    /// Only objects from these templates (chart-relative paths), when not empty.
    pub show_only: Vec<String>,
}

/// Why rendered output is not a valid set of Kubernetes objects.
#[derive(Debug)]
pub enum ManifestError {
    /// The rendered text is not valid YAML, or a document is not an object.
    Invalid {
        /// Display path of the template.
        template: String,
        /// 1-based line in the rendered output.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
        /// The rendered line.
        text: String,
    },
    /// Two objects share group, kind, namespace and name.
    Duplicate {
        /// `kind/namespace/name`.
        id: String,
        /// The first template.
        first: String,
        /// The second template.
        second: String,
    },
    /// `--show-only` names a template that renders nothing or does not exist.
    ShowOnly {
        /// The path given.
        path: String,
        /// The manifest templates there are.
        known: Vec<String>,
    },
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManifestError::Invalid {
                template,
                line,
                column,
                message,
                text,
            } => write!(
                f,
                "{template}: rendered output line {line}, column {column}: {message}\n  | {text}\n  hint: the line above is what the template rendered; fix the template that produced it"
            ),
            ManifestError::Duplicate { id, first, second } => write!(
                f,
                "{second}: `{id}` is also rendered by {first}\n  hint: give each object a unique name"
            ),
            ManifestError::ShowOnly { path, known } => write!(
                f,
                "--show-only `{path}`: no such manifest template\n  hint: templates are {}",
                known.join(", ")
            ),
        }
    }
}

impl std::error::Error for ManifestError {}

/// Splits rendered templates into objects, checks each, fills in the release namespace for
/// namespaced kinds, and orders them for installation.
///
/// # Errors
/// [`ManifestError`] for invalid YAML, documents that are not Kubernetes objects, invalid
/// hook annotations and duplicate objects.
pub fn split(
    rendered: &Rendered,
    namespace: &str,
    chart_display: &(dyn Fn(&str) -> String + Sync),
) -> Result<Manifests, ManifestError> {
    split_with(
        rendered,
        namespace,
        chart_display,
        HookCheck::Refuse,
        Keep::Tree,
    )
}

/// [`split`], with a choice of what to do with unreadable hook annotations and of what to
/// keep of each object.
///
/// # Errors
/// As [`split`]; hook annotation problems only with [`HookCheck::Refuse`].
pub fn split_with(
    rendered: &Rendered,
    namespace: &str,
    chart_display: &(dyn Fn(&str) -> String + Sync),
    hook_check: HookCheck,
    keep: Keep,
) -> Result<Manifests, ManifestError> {
    // Rendered text is loaded and checked in pieces of whole documents, shared between two
    // threads; results are then taken in template order, so the first error is the same as
    // in one pass.
    let limits = yaml::Limits::default();
    let pieces: Vec<(usize, yaml::Chunk<'_>)> = rendered
        .templates
        .iter()
        .enumerate()
        .flat_map(|(i, t)| {
            yaml::chunks(&t.output, crate::parallel::SPLIT_BYTES)
                .into_iter()
                .map(move |chunk| (i, chunk))
        })
        .collect();
    let checked = crate::parallel::map(
        &pieces,
        |(_, chunk)| chunk.text.len(),
        |(template, chunk)| {
            let template = &rendered.templates[*template];
            if keep == Keep::Text
                && let Some((manifests, nodes)) =
                    printed_objects(template, chunk, &limits, namespace, hook_check)
            {
                return Some((Ok(manifests), nodes));
            }
            let (documents, nodes) = yaml::load_chunk(chunk, &limits)?;
            Some((
                objects(template, documents, namespace, hook_check, keep),
                nodes,
            ))
        },
    );
    // Per template: the checked pieces and their node count, or None when a piece did not load.
    type Pieces = Vec<Result<Vec<Manifest>, (yaml::Mark, String)>>;
    let mut by_template: Vec<Option<(Pieces, usize)>> = rendered
        .templates
        .iter()
        .map(|_| Some((Vec::new(), 0)))
        .collect();
    for ((template, _), piece) in pieces.iter().zip(checked) {
        let slot = &mut by_template[*template];
        match (slot.as_mut(), piece) {
            (Some((all, nodes)), Some((more, count))) => {
                all.push(more);
                *nodes += count;
            }
            _ => *slot = None,
        }
    }
    // Every template's objects, in template order, up to the first template with an
    // invalid object; that error comes after any duplicate among the templates before it,
    // as in one pass.
    let mut per_template = Vec::with_capacity(rendered.templates.len());
    let mut failure = None;
    for (template, pieces) in rendered.templates.iter().zip(by_template) {
        let invalid = |(mark, message)| invalid(template, chart_display, mark, message);
        let manifests = match pieces.filter(|(_, nodes)| *nodes <= limits.max_nodes) {
            Some((pieces, _)) => pieces
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
                .map(|pieces| pieces.into_iter().flatten().collect::<Vec<_>>())
                .map_err(invalid),
            // A piece did not load, or the template holds too many nodes: loading the whole
            // text words the error as a single pass would.
            None => yaml::load(&template.output, &limits)
                .map_err(|e| invalid((e.mark, e.message)))
                .and_then(|documents| {
                    objects(template, documents, namespace, hook_check, keep).map_err(invalid)
                }),
        };
        match manifests {
            Ok(manifests) => per_template.push(manifests),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    // Only looked up, never iterated: a hash map keeps output order out of it; its keys
    // borrow the objects' own strings.
    let count = per_template.iter().map(Vec::len).sum();
    let mut seen: HashMap<(&str, &str, &str, &str), &str> = HashMap::with_capacity(count);
    for manifest in per_template.iter().flatten() {
        let key = (
            manifest.group(),
            manifest.kind.as_str(),
            manifest.namespace.as_deref().unwrap_or_default(),
            manifest.name.as_str(),
        );
        if let Some(first) = seen.insert(key, &manifest.source) {
            return Err(ManifestError::Duplicate {
                id: manifest.id(),
                first: chart_display(first),
                second: chart_display(&manifest.source),
            });
        }
    }
    drop(seen);
    if let Some(e) = failure {
        return Err(e);
    }
    let (hooks, mut resources): (Vec<Manifest>, Vec<Manifest>) = per_template
        .into_iter()
        .flatten()
        .partition(|m| m.hook.is_some());
    resources.sort_by(|a, b| {
        let (ra, rb) = (kind_rank(&a.kind), kind_rank(&b.kind));
        ra.cmp(&rb).then_with(|| {
            if ra == usize::MAX {
                a.kind.cmp(&b.kind)
            } else {
                std::cmp::Ordering::Equal
            }
        })
    });
    Ok(Manifests {
        chart_name: rendered.chart_name.clone(),
        resources,
        hooks,
    })
}

/// An error at `mark` in `template`'s rendered output, quoting the line.
fn invalid(
    template: &RenderedTemplate,
    chart_display: &(dyn Fn(&str) -> String + Sync),
    mark: yaml::Mark,
    message: String,
) -> ManifestError {
    ManifestError::Invalid {
        template: chart_display(&template.path),
        line: mark.line,
        column: mark.column,
        message,
        text: template
            .output
            .lines()
            .nth(mark.line.saturating_sub(1))
            .unwrap_or("")
            .to_owned(),
    }
}

/// The objects among `documents` (loaded from `template`), checked and placed in
/// `namespace`, kept as `keep` says.
fn objects(
    template: &RenderedTemplate,
    documents: Vec<Node>,
    namespace: &str,
    hook_check: HookCheck,
    keep: Keep,
) -> Result<Vec<Manifest>, (yaml::Mark, String)> {
    let mut manifests = Vec::new();
    for mut node in documents {
        if is_empty(&node) {
            continue;
        }
        let manifest = object(&mut node, namespace, hook_check)?;
        let body = match keep {
            Keep::Tree => Body::Tree(node),
            Keep::Text => Body::Text(yaml::emit_document(&node)),
        };
        manifests.push(Manifest {
            source: template.path.clone(),
            body,
            ..manifest
        });
    }
    Ok(manifests)
}

/// The objects of `chunk`, printed as [`objects`] prints them with [`Keep::Text`], but
/// without building their trees: only the fields [`object`] reads become nodes
/// ([`yaml::restream`]). `None` when that route does not take the chunk or an object is
/// invalid: [`objects`] then reads it and words the error.
fn printed_objects(
    template: &RenderedTemplate,
    chunk: &yaml::Chunk<'_>,
    limits: &yaml::Limits,
    namespace: &str,
    hook_check: HookCheck,
) -> Option<(Vec<Manifest>, usize)> {
    let (mut printed, nodes) = yaml::restream(chunk, limits, &["apiVersion", "kind", "metadata"])?;
    let mut manifests = Vec::with_capacity(printed.documents.len());
    for mut document in std::mem::take(&mut printed.documents) {
        let manifest = object(&mut document.root, namespace, hook_check).ok()?;
        manifests.push(Manifest {
            source: template.path.clone(),
            body: Body::Text(printed.finish(&document)?),
            ..manifest
        });
    }
    Some((manifests, nodes))
}

fn is_empty(node: &Node) -> bool {
    matches!(&node.value, NodeValue::Scalar(s) if s.is_empty_document())
}

/// Reads the identity of an object and places it in `namespace` when it is namespaced
/// and has none.
fn object(
    node: &mut Node,
    namespace: &str,
    hook_check: HookCheck,
) -> Result<Manifest, (yaml::Mark, String)> {
    let at = node.mark;
    let text = |parent: &Node, field: &str, label: &str| -> Result<String, (yaml::Mark, String)> {
        let value = parent
            .get(field)
            .ok_or_else(|| (parent.mark, format!("the object has no `{label}`")))?;
        match (value.as_str(), value.as_scalar()) {
            (Some(s), _) if !s.is_empty() => Ok(s.to_owned()),
            (None, Some(scalar)) if !scalar.text.is_empty() => Err((
                value.mark,
                format!(
                    "`{label}` is `{}`, which kubectl reads as {}; quote it",
                    scalar.text,
                    crate::values::kind_name(&yaml::resolve_kubectl(scalar))
                ),
            )),
            _ => Err((value.mark, format!("`{label}` must be a non-empty string"))),
        }
    };
    if node.as_mapping().is_none() {
        return Err((
            at,
            "a document must be a Kubernetes object (a mapping), not a scalar or list".into(),
        ));
    }
    let api_version = text(node, "apiVersion", "apiVersion")?;
    let kind = text(node, "kind", "kind")?;
    let metadata = node
        .get("metadata")
        .filter(|m| m.as_mapping().is_some())
        .ok_or((at, "the object has no `metadata` mapping".to_owned()))?;
    let name = text(metadata, "name", "metadata.name")?;
    let (hook, hook_problem) = match (hook(metadata), hook_check) {
        (Ok(hook), _) => (hook, None),
        (Err(problem), HookCheck::Note) => (None, Some(problem)),
        (Err(problem), HookCheck::Refuse) => return Err((metadata.mark, problem)),
    };
    let mut namespace_value = match metadata.get("namespace") {
        Some(_) => Some(text(metadata, "namespace", "metadata.namespace")?),
        None => None,
    };
    if namespace_value.is_none() && !is_cluster_scoped(&kind) {
        namespace_value = Some(namespace.to_owned());
        if let Some(metadata) = node.get_mut("metadata")
            && let NodeValue::Mapping(entries) = &mut metadata.value
        {
            let at = entries
                .iter()
                .position(|(k, _)| k.as_scalar().is_some_and(|s| s.text == "name"))
                .map_or(entries.len(), |i| i + 1);
            let mark = entries
                .get(at.saturating_sub(1))
                .map(|(k, _)| k.mark)
                .unwrap_or_default();
            entries.insert(
                at,
                (
                    Node::string("namespace", mark),
                    Node::string(namespace, mark),
                ),
            );
        }
    }
    if is_cluster_scoped(&kind) {
        namespace_value = None;
    }
    Ok(Manifest {
        source: String::new(),
        api_version,
        kind,
        name,
        namespace: namespace_value,
        hook,
        hook_problem,
        body: Body::Text(String::new()),
    })
}

fn hook(metadata: &Node) -> Result<Option<Hook>, String> {
    let Some(annotations) = metadata.get("annotations") else {
        return Ok(None);
    };
    let Some(events) = annotations.get("helm.sh/hook") else {
        return Ok(None);
    };
    let events_text = events
        .as_str()
        .ok_or("annotation `helm.sh/hook` must be a string")?;
    let mut parsed = Vec::new();
    for event in events_text
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let event = HookEvent::parse(event).ok_or_else(|| {
            format!(
                "`helm.sh/hook` names the unknown event `{event}`; known events are {}",
                HookEvent::ALL
                    .iter()
                    .map(|(n, _)| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        parsed.push(event);
    }
    let weight = match annotations.get("helm.sh/hook-weight") {
        None => 0,
        Some(w) => {
            let text = w
                .as_str()
                .ok_or("annotation `helm.sh/hook-weight` must be a quoted integer, e.g. \"-5\"")?;
            text.trim()
                .parse::<i64>()
                .map_err(|_| format!("`helm.sh/hook-weight` must be an integer, not `{text}`"))?
        }
    };
    Ok(Some(Hook {
        events: parsed,
        weight,
    }))
}

impl Manifests {
    /// The hooks of `event` that run before (`pre`) or after the main resources, by weight
    /// then name.
    pub fn hooks_for(&self, event: Event, pre: bool) -> Vec<&Manifest> {
        let wanted = match (event, pre) {
            (Event::Install, true) => HookEvent::PreInstall,
            (Event::Install, false) => HookEvent::PostInstall,
            (Event::Upgrade, true) => HookEvent::PreUpgrade,
            (Event::Upgrade, false) => HookEvent::PostUpgrade,
        };
        let mut hooks: Vec<&Manifest> = self
            .hooks
            .iter()
            .filter(|m| m.hook.as_ref().is_some_and(|h| h.events.contains(&wanted)))
            .collect();
        hooks.sort_by(|a, b| {
            let weight = |m: &Manifest| m.hook.as_ref().map_or(0, |h| h.weight);
            weight(a)
                .cmp(&weight(b))
                .then_with(|| kind_rank(&a.kind).cmp(&kind_rank(&b.kind)))
                .then_with(|| a.name.cmp(&b.name))
        });
        hooks
    }

    /// The objects `selection` picks for `event`, in the order they are applied.
    ///
    /// # Errors
    /// [`ManifestError::ShowOnly`] when `--show-only` names no manifest template.
    pub fn select(
        &self,
        event: Event,
        selection: &Selection,
        templates: &[String],
    ) -> Result<Vec<&Manifest>, ManifestError> {
        for path in &selection.show_only {
            if !templates.iter().any(|t| t == path) {
                return Err(ManifestError::ShowOnly {
                    path: path.clone(),
                    known: templates.to_vec(),
                });
            }
        }
        let mut out = Vec::new();
        if matches!(selection.phase, Phase::All | Phase::Pre) {
            out.extend(self.hooks_for(event, true));
        }
        if matches!(selection.phase, Phase::All | Phase::Main) {
            out.extend(self.resources.iter());
        }
        if matches!(selection.phase, Phase::All | Phase::Post) {
            out.extend(self.hooks_for(event, false));
        }
        if !selection.show_only.is_empty() {
            out.retain(|m| selection.show_only.contains(&m.source));
        }
        Ok(out)
    }

    /// Writes `objects` as a YAML stream: `---`, a `# Source:` line, the object.
    ///
    /// Objects are emitted and written one at a time: the stream is never held whole.
    ///
    /// # Errors
    /// I/O errors from `out`.
    pub fn write(&self, objects: &[&Manifest], out: &mut dyn Write) -> io::Result<()> {
        self.each_document(objects, |text| out.write_all(text.as_bytes()))
    }

    /// The YAML stream `write` prints.
    pub fn to_stream(&self, objects: &[&Manifest]) -> String {
        let mut stream = String::new();
        let Ok(()) = self.each_document::<std::convert::Infallible>(objects, |text| {
            stream.push_str(text);
            Ok(())
        });
        stream
    }

    /// Calls `f` with each object's part of the stream, in order.
    fn each_document<E>(
        &self,
        objects: &[&Manifest],
        mut f: impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut document = String::with_capacity(4096);
        for manifest in objects {
            f("---\n# Source: ")?;
            f(&self.chart_name)?;
            f("/")?;
            f(&manifest.source)?;
            f("\n")?;
            match &manifest.body {
                Body::Tree(node) => {
                    yaml::write_document(node, &mut document);
                    f(&document)?;
                }
                Body::Text(text) => f(text)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(files: &[(&str, &str)]) -> Rendered {
        Rendered {
            chart_name: "demo".into(),
            templates: files
                .iter()
                .map(|(p, o)| RenderedTemplate {
                    path: (*p).into(),
                    output: (*o).into(),
                })
                .collect(),
            notes: None,
        }
    }

    fn split_ok(files: &[(&str, &str)]) -> Manifests {
        split(&rendered(files), "team", &|p| format!("chart/{p}")).expect("valid")
    }

    #[test]
    fn large_renders_report_the_first_template_error_and_keep_order() {
        // Large enough to be parsed on two threads.
        let objects = |kind: &str| -> String {
            (0..2000)
                .map(|i| format!("apiVersion: v1\nkind: {kind}\nmetadata:\n  name: n{i}\n---\n"))
                .collect()
        };
        let (a, b) = (objects("ConfigMap"), objects("Service"));
        let ok = split_ok(&[("templates/a.yaml", &a), ("templates/b.yaml", &b)]);
        let names: Vec<&str> = ok
            .resources
            .iter()
            .map(|m| m.name.as_str())
            .take(3)
            .collect();
        assert_eq!(names, ["n0", "n1", "n2"]);
        assert_eq!(ok.resources.len(), 4000);
        // Kept as text (emitted on the split's two threads): the same stream as from trees.
        let files = [
            ("templates/a.yaml", a.as_str()),
            ("templates/b.yaml", b.as_str()),
        ];
        let text = split_with(
            &rendered(&files),
            "team",
            &|p| format!("chart/{p}"),
            HookCheck::Refuse,
            Keep::Text,
        )
        .expect("valid");
        assert!(text.resources.iter().all(|m| m.node().is_none()));
        let all: Vec<&Manifest> = ok.resources.iter().collect();
        let all_text: Vec<&Manifest> = text.resources.iter().collect();
        assert_eq!(ok.to_stream(&all), text.to_stream(&all_text));
        assert_eq!(ok.resources[7].digest(), text.resources[7].digest());
        let bad_a = format!("{a}kind: [\n");
        let bad_b = format!("{b}- not an object\n");
        let err = split_err(&[("templates/a.yaml", &bad_a), ("templates/b.yaml", &bad_b)]);
        assert!(err.starts_with("chart/templates/a.yaml:"), "{err}");
        let err = split_err(&[("templates/a.yaml", &a), ("templates/b.yaml", &bad_b)]);
        assert!(err.starts_with("chart/templates/b.yaml:"), "{err}");
    }

    fn split_err(files: &[(&str, &str)]) -> String {
        split(&rendered(files), "team", &|p| format!("chart/{p}"))
            .expect_err("invalid")
            .to_string()
    }

    #[test]
    fn orders_by_kind_and_keeps_template_order_within_a_kind() {
        let m = split_ok(&[
            (
                "templates/a.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s2}\n",
            ),
            (
                "templates/b.yaml",
                "apiVersion: v1\nkind: Service\nmetadata: {name: s1}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ns}\n---\napiVersion: x/v1\nkind: Zed\nmetadata: {name: z}\n---\napiVersion: x/v1\nkind: Alpha\nmetadata: {name: a}\n",
            ),
        ]);
        let order: Vec<String> = m
            .resources
            .iter()
            .map(|r| format!("{}/{}", r.kind, r.name))
            .collect();
        assert_eq!(
            order,
            [
                "Namespace/ns",
                "Service/s2",
                "Service/s1",
                "Deployment/d",
                "Alpha/a",
                "Zed/z"
            ]
        );
    }

    #[test]
    fn namespaced_kinds_get_the_release_namespace() {
        let m = split_ok(&[(
            "templates/a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {a: b}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n",
        )]);
        assert_eq!(
            m.resources[0].to_yaml(),
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n"
        );
        assert_eq!(
            m.resources[1].to_yaml(),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: team\n  labels:\n    a: b\n"
        );
    }

    #[test]
    fn empty_documents_are_dropped() {
        let m = split_ok(&[(
            "templates/a.yaml",
            "---\n# nothing\n---\n\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
        )]);
        assert_eq!(m.resources.len(), 1);
    }

    #[test]
    fn objects_need_identity() {
        assert!(
            split_err(&[("templates/a.yaml", "kind: ConfigMap\nmetadata: {name: c}\n")])
                .contains("no `apiVersion`")
        );
        assert!(
            split_err(&[(
                "templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n"
            )])
            .contains("`metadata.name`")
        );
        assert!(split_err(&[("templates/a.yaml", "- a\n")]).contains("not a scalar or list"));
        let boolean = split_err(&[(
            "templates/a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yes\n",
        )]);
        assert!(boolean.contains("line 4, column 9: `metadata.name` is `yes`, which kubectl reads as a boolean; quote it"), "{boolean}");
        let dup = split_err(&[
            (
                "templates/a.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
            ),
            (
                "templates/b.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: team}\n",
            ),
        ]);
        assert!(dup.starts_with("chart/templates/b.yaml: `ConfigMap/team/c` is also rendered by chart/templates/a.yaml"), "{dup}");
    }

    #[test]
    fn the_first_problem_in_template_order_is_reported() {
        let object = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
        let broken = "kind: ConfigMap\n";
        // A duplicate between earlier templates comes before a later invalid object...
        let dup = split_err(&[
            ("templates/a.yaml", object),
            ("templates/b.yaml", object),
            ("templates/c.yaml", broken),
        ]);
        assert!(
            dup.contains("is also rendered by chart/templates/a.yaml"),
            "{dup}"
        );
        // ...and an invalid object before a later duplicate.
        let invalid = split_err(&[
            ("templates/a.yaml", object),
            ("templates/b.yaml", broken),
            ("templates/c.yaml", object),
        ]);
        assert!(
            invalid.starts_with("chart/templates/b.yaml: rendered output line 1"),
            "{invalid}"
        );
    }

    #[test]
    fn hooks_sort_by_weight_then_name_and_filter_by_event() {
        let hook = |name: &str, events: &str, weight: &str| {
            format!(
                "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: {events}\n    helm.sh/hook-weight: \"{weight}\"\n---\n"
            )
        };
        let text = hook("b", "pre-install", "0")
            + &hook("a", "pre-install,pre-upgrade", "0")
            + &hook("c", "pre-install", "-5")
            + &hook("d", "post-install", "0")
            + &hook("e", "pre-upgrade", "1");
        let m = split_ok(&[("templates/h.yaml", &text)]);
        let names = |v: Vec<&Manifest>| v.iter().map(|m| m.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(m.hooks_for(Event::Install, true)), ["c", "a", "b"]);
        assert_eq!(names(m.hooks_for(Event::Install, false)), ["d"]);
        assert_eq!(names(m.hooks_for(Event::Upgrade, true)), ["a", "e"]);
    }

    #[test]
    fn bad_hook_annotations_can_be_noted_instead() {
        let bad_event = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: pre-instal\n";
        let m = split_with(
            &rendered(&[("templates/h.yaml", bad_event)]),
            "team",
            &|p| p.to_owned(),
            HookCheck::Note,
            Keep::Tree,
        )
        .expect("noted, not refused");
        assert!(m.hooks.is_empty());
        let problem = m.resources[0].hook_problem.as_deref().unwrap_or_default();
        assert!(problem.contains("unknown event `pre-instal`"), "{problem}");
    }

    #[test]
    fn bad_hook_annotations_are_errors() {
        let bad_event = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: pre-instal\n";
        assert!(
            split_err(&[("templates/h.yaml", bad_event)]).contains("unknown event `pre-instal`")
        );
        let bad_weight = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"heavy\"\n";
        assert!(split_err(&[("templates/h.yaml", bad_weight)]).contains("must be an integer"));
    }

    #[test]
    fn digests_ignore_formatting() {
        let a = split_ok(&[(
            "templates/a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: 'v', n: \"1\"}\n",
        )]);
        let b = split_ok(&[(
            "templates/a.yaml",
            "kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: c\ndata:\n  n: '1'\n  k: v\n",
        )]);
        assert_eq!(a.resources[0].digest(), b.resources[0].digest());
    }

    /// What `split_with` keeps of `text` as `keep`: each object's identity and printed
    /// form, resources then hooks, or the error.
    fn kept(text: &str, keep: Keep) -> Result<Vec<String>, String> {
        let rendered = rendered(&[("templates/t.yaml", text)]);
        let manifests = split_with(
            &rendered,
            "team",
            &|p| format!("chart/{p}"),
            HookCheck::Refuse,
            keep,
        )
        .map_err(|e| e.to_string())?;
        Ok(manifests
            .resources
            .iter()
            .chain(&manifests.hooks)
            .map(|m| format!("{} {:?} {:?}\n{}", m.id(), m.namespace, m.hook, m.to_yaml()))
            .collect())
    }

    #[test]
    fn printed_objects_are_the_objects_of_trees() {
        // `keep: Text` prints objects without building their trees (`printed_objects`);
        // `keep: Tree` builds them, and printing a tree is the reference.
        use crate::yaml::mutants::{corpus, knobs, mutate};
        let (mut rng, runs) = knobs(0x51a7_c0de_5eed_0001, 5_000);
        let corpus = corpus();
        let mut objects = 0;
        for text in &corpus {
            let printed = kept(text, Keep::Text);
            assert_eq!(printed, kept(text, Keep::Tree), "{text:?}");
            objects += printed.map_or(0, |o| o.len());
        }
        assert!(objects > 100, "only {objects} objects in the corpus");
        for _ in 0..runs {
            let original = &corpus[rng.below(corpus.len())];
            let text = mutate(&mut rng, original);
            assert_eq!(kept(&text, Keep::Text), kept(&text, Keep::Tree), "{text:?}");
        }
    }
}
