//! Comparing two revisions object by object, as kubectl would see the change.

use std::cmp::Ordering;
use std::path::PathBuf;

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::{Digest, MARKER, ReleaseError, ResourceDigest, Revision, document, split_document};
use crate::manifest::kind_rank;
use crate::yaml::{Node, NodeValue};

/// What happened to one object between two revisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// Only in the newer revision.
    Added,
    /// Only in the older revision.
    Removed,
    /// In both, with different digests.
    Changed,
}

impl ChangeKind {
    /// `added`, `removed`, `changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }
}

/// One object that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// `apiVersion` (the newer one when it changed).
    pub api_version: String,
    /// `kind`
    pub kind: String,
    /// `metadata.namespace`, none for cluster-scoped objects.
    pub namespace: Option<String>,
    /// `metadata.name`
    pub name: String,
    /// Digest in the older revision.
    pub from_digest: Option<Digest>,
    /// Digest in the newer revision.
    pub to_digest: Option<Digest>,
    /// Unified diff of the two objects' YAML, for changed objects; Secret values masked
    /// unless asked otherwise.
    pub patch: Option<String>,
}

impl Change {
    /// `Kind/namespace/name` or `Kind/name`.
    pub fn id(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{ns}/{}", self.kind, self.name),
            None => format!("{}/{}", self.kind, self.name),
        }
    }
}

/// The differences between two revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// The release.
    pub release: String,
    /// The older revision's number.
    pub from: u64,
    /// The newer revision's number.
    pub to: u64,
    /// Objects that differ, in install order of their kind, then namespace and name.
    pub changes: Vec<Change>,
    /// How many objects are the same in both.
    pub unchanged: usize,
}

impl Diff {
    /// Whether the two revisions hold the same objects.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// How to compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DiffOptions {
    /// Show Secret `data`/`stringData` values instead of their digests.
    pub show_secrets: bool,
    /// Lines of context around each change.
    pub context: usize,
}

/// Objects are the same object when group, kind, namespace and name match (a new version
/// of the same API is a change, not a removal and an addition).
type Identity<'a> = (&'a str, &'a str, Option<&'a str>, &'a str);

fn identity(resource: &ResourceDigest) -> Identity<'_> {
    (
        group(&resource.api_version),
        &resource.kind,
        resource.namespace.as_deref(),
        &resource.name,
    )
}

/// The entries of `revision` sorted by identity, each identity once.
fn by_identity(revision: &Revision) -> Vec<&ResourceDigest> {
    let mut entries: Vec<&ResourceDigest> = revision.resources.iter().collect();
    entries.sort_by(|a, b| identity(a).cmp(&identity(b)));
    entries.dedup_by(|a, b| identity(a) == identity(b));
    entries
}

/// The API group (`apps` for `apps/v1`, empty for the core `v1`).
fn group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// Compares `from` with `to` object by object: by their recorded digests, so only the
/// objects that changed are read again, to show how.
///
/// # Errors
/// [`ReleaseError::Unreadable`] when an object's document cannot be found or read in its
/// manifest (revisions read through [`super::History`] are verified and always can be).
pub fn diff(from: &Revision, to: &Revision, options: &DiffOptions) -> Result<Diff, ReleaseError> {
    // Both sides sorted by identity and walked together: no lookups, and duplicates (an
    // object printed twice) count once, as in a map.
    let (old, new) = (by_identity(from), by_identity(to));
    let (mut old, mut new) = (old.into_iter().peekable(), new.into_iter().peekable());
    let mut changes = Vec::new();
    let mut unchanged = 0;
    loop {
        let order = match (old.peek(), new.peek()) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(before), Some(after)) => identity(before).cmp(&identity(after)),
        };
        let before = old.next_if(|_| order != Ordering::Greater);
        let after = new.next_if(|_| order != Ordering::Less);
        match (before, after) {
            (Some(before), None) => {
                changes.push(change(ChangeKind::Removed, before, Some(before), None));
            }
            (None, Some(after)) => {
                changes.push(change(ChangeKind::Added, after, None, Some(after)));
            }
            (Some(before), Some(after)) if before.digest == after.digest => unchanged += 1,
            (Some(before), Some(after)) => {
                let mut changed = change(ChangeKind::Changed, after, Some(before), Some(after));
                let (a, b) = (view(from, before, options)?, view(to, after, options)?);
                let id = changed.id();
                changed.patch = Some(
                    similar::TextDiff::from_lines(&a, &b)
                        .unified_diff()
                        .context_radius(options.context)
                        .header(
                            &format!("{id} (revision {})", from.revision),
                            &format!("{id} (revision {})", to.revision),
                        )
                        .to_string(),
                );
                changes.push(changed);
            }
            (None, None) => break,
        }
    }
    changes.sort_by(|a, b| {
        kind_rank(&a.kind)
            .cmp(&kind_rank(&b.kind))
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.namespace.cmp(&b.namespace))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.change.cmp(&b.change))
    });
    Ok(Diff {
        release: to.release.clone(),
        from: from.revision,
        to: to.revision,
        changes,
        unchanged,
    })
}

fn change(
    kind: ChangeKind,
    either: &ResourceDigest,
    before: Option<&ResourceDigest>,
    after: Option<&ResourceDigest>,
) -> Change {
    Change {
        change: kind,
        api_version: either.api_version.clone(),
        kind: either.kind.clone(),
        namespace: either.namespace.clone(),
        name: either.name.clone(),
        from_digest: before.map(|r| r.digest.clone()),
        to_digest: after.map(|r| r.digest.clone()),
        patch: None,
    }
}

/// The object's YAML as recorded (keelson's canonical layout), with each Secret value
/// replaced by its digest unless asked otherwise.
fn view(
    revision: &Revision,
    resource: &ResourceDigest,
    options: &DiffOptions,
) -> Result<String, ReleaseError> {
    let document = document(revision, resource)?;
    if options.show_secrets || resource.kind != "Secret" || !group(&resource.api_version).is_empty()
    {
        // The document is `---`, the `# Source:` line, then the object as keelson emits it.
        let body = document
            .strip_prefix(MARKER)
            .and_then(|rest| rest.split_once('\n'))
            .map_or(document, |(_, body)| body);
        return Ok(body.to_owned());
    }
    let unreadable = |message: String| ReleaseError::Unreadable {
        path: PathBuf::from(format!(
            "release `{}` revision {}",
            revision.release, revision.revision
        )),
        message,
    };
    let objects =
        split_document(document, &revision.chart.name, &revision.namespace).map_err(unreadable)?;
    let [object] = objects.as_slice() else {
        return Err(unreadable(format!(
            "the document of resource `{}` holds {} objects",
            resource.label(),
            objects.len()
        )));
    };
    let Some(mut node) = object.node().cloned() else {
        return Err(unreadable(format!(
            "the document of resource `{}` was not kept as a tree",
            resource.label()
        )));
    };
    for field in ["data", "stringData"] {
        if let Some(Node {
            value: NodeValue::Mapping(entries),
            ..
        }) = node.get_mut(field)
        {
            for (_, value) in entries.iter_mut() {
                let json = crate::manifest::canonical_json(&value.to_kubectl_json());
                let digest = crate::render::hex(&Sha256::digest(json.as_bytes()));
                *value = Node::string(
                    format!("(masked sha256:{})", digest.get(..12).unwrap_or(&digest)),
                    value.mark,
                );
            }
        }
    }
    Ok(crate::yaml::emit_document(&node))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::{ChartRecord, Draft, seal, split_stream};

    /// Revision `number` of release `demo` holding `manifest`, sealed as a record seals it.
    fn revision(number: u64, manifest: &str) -> Revision {
        let draft = Draft {
            namespace: "team".into(),
            chart: ChartRecord {
                name: "demo".into(),
                version: "1.0.0".into(),
                app_version: None,
                digest: Digest::of(b""),
            },
            values: serde_json::Value::Null,
            manifest: manifest.into(),
            resources: split_stream(manifest, "demo", "team")
                .expect("split")
                .iter()
                .map(|(object, range)| ResourceDigest::of(object, *range))
                .collect(),
        };
        seal("demo", number, String::new(), String::new(), draft).expect("sealed")
    }

    fn cm(name: &str, value: &str) -> String {
        format!(
            "---\n# Source: demo/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  k: {value}\n"
        )
    }

    const SECRET: &str = "---\n# Source: demo/templates/s.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: hunter2\n  user: admin\n";

    #[test]
    fn reports_added_removed_and_changed_objects() {
        let a = revision(1, &(cm("a", "1") + &cm("b", "1") + &cm("c", "1")));
        let b = revision(2, &(cm("a", "1") + &cm("b", "2") + &cm("d", "1")));
        let diff = diff(&a, &b, &DiffOptions::default()).expect("diff");
        let summary: Vec<(ChangeKind, String)> =
            diff.changes.iter().map(|c| (c.change, c.id())).collect();
        assert_eq!(
            summary,
            [
                (ChangeKind::Changed, "ConfigMap/team/b".to_owned()),
                (ChangeKind::Removed, "ConfigMap/team/c".to_owned()),
                (ChangeKind::Added, "ConfigMap/team/d".to_owned()),
            ]
        );
        assert_eq!(diff.unchanged, 1);
        let patch = diff.changes[0].patch.as_deref().expect("patch");
        assert!(patch.contains("-  k: 1\n+  k: 2\n"), "{patch}");
    }

    #[test]
    fn formatting_alone_is_no_change() {
        let a = revision(1, &cm("a", "'1'"));
        let b = revision(2, &cm("a", "\"1\""));
        assert!(
            diff(&a, &b, &DiffOptions::default())
                .expect("diff")
                .is_empty()
        );
    }

    #[test]
    fn secret_values_are_masked_unless_asked() {
        let a = revision(1, SECRET);
        let b = revision(2, &SECRET.replace("hunter2", "hunter3"));
        let masked = diff(&a, &b, &DiffOptions::default()).expect("diff");
        let patch = masked.changes[0].patch.clone().expect("patch");
        assert!(!patch.contains("hunter"), "{patch}");
        assert!(patch.contains("-  password: (masked sha256:"), "{patch}");
        assert!(
            !patch.contains("-  user:"),
            "unchanged keys stay context: {patch}"
        );
        let shown = diff(
            &a,
            &b,
            &DiffOptions {
                show_secrets: true,
                context: 3,
            },
        )
        .expect("diff");
        assert!(
            shown.changes[0]
                .patch
                .as_deref()
                .is_some_and(|p| p.contains("+  password: hunter3"))
        );
    }
}
