//! Comparing two revisions object by object, as kubectl would see the change.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::{Digest, ReleaseError, Revision, objects};
use crate::manifest::{Manifest, kind_rank};
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
type Identity = (String, String, Option<String>, String);

fn identity(object: &Manifest) -> Identity {
    (
        object.group().to_owned(),
        object.kind.clone(),
        object.namespace.clone(),
        object.name.clone(),
    )
}

/// Compares `from` with `to` object by object.
///
/// # Errors
/// [`ReleaseError::Unreadable`] when a manifest does not split into objects (revisions
/// read through [`super::History`] are verified and always do).
pub fn diff(from: &Revision, to: &Revision, options: &DiffOptions) -> Result<Diff, ReleaseError> {
    let old: BTreeMap<Identity, Manifest> = objects(from)?
        .into_iter()
        .map(|o| (identity(&o), o))
        .collect();
    let new: BTreeMap<Identity, Manifest> = objects(to)?
        .into_iter()
        .map(|o| (identity(&o), o))
        .collect();
    let mut changes = Vec::new();
    let mut unchanged = 0;
    for (key, before) in &old {
        match new.get(key) {
            None => changes.push(change(
                ChangeKind::Removed,
                before,
                Some(before),
                None,
                from,
                to,
                options,
            )),
            Some(after) => {
                let (a, b) = (object_digest(before), object_digest(after));
                if a == b {
                    unchanged += 1;
                } else {
                    changes.push(change(
                        ChangeKind::Changed,
                        after,
                        Some(before),
                        Some(after),
                        from,
                        to,
                        options,
                    ));
                }
            }
        }
    }
    for (key, after) in &new {
        if !old.contains_key(key) {
            changes.push(change(
                ChangeKind::Added,
                after,
                None,
                Some(after),
                from,
                to,
                options,
            ));
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
    either: &Manifest,
    before: Option<&Manifest>,
    after: Option<&Manifest>,
    from: &Revision,
    to: &Revision,
    options: &DiffOptions,
) -> Change {
    let patch = match (before, after) {
        (Some(before), Some(after)) => {
            let id = match &either.namespace {
                Some(ns) => format!("{}/{ns}/{}", either.kind, either.name),
                None => format!("{}/{}", either.kind, either.name),
            };
            let (a, b) = (view(before, options), view(after, options));
            let text = similar::TextDiff::from_lines(&a, &b)
                .unified_diff()
                .context_radius(options.context)
                .header(
                    &format!("{id} (revision {})", from.revision),
                    &format!("{id} (revision {})", to.revision),
                )
                .to_string();
            Some(text)
        }
        _ => None,
    };
    Change {
        change: kind,
        api_version: either.api_version.clone(),
        kind: either.kind.clone(),
        namespace: either.namespace.clone(),
        name: either.name.clone(),
        from_digest: before.map(object_digest),
        to_digest: after.map(object_digest),
        patch,
    }
}

fn object_digest(object: &Manifest) -> Digest {
    super::digest_json(&object.node.to_kubectl_json())
}

/// The object's YAML, with each Secret value replaced by its digest unless asked otherwise.
fn view(object: &Manifest, options: &DiffOptions) -> String {
    if options.show_secrets || object.kind != "Secret" || !object.group().is_empty() {
        return object.to_yaml();
    }
    let mut node = object.node.clone();
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
    crate::yaml::emit_document(&node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::{ChartRecord, FORMAT};

    fn revision(number: u64, manifest: &str) -> Revision {
        Revision {
            format: FORMAT,
            release: "demo".into(),
            namespace: "team".into(),
            revision: number,
            updated: String::new(),
            description: String::new(),
            keelson_version: String::new(),
            chart: ChartRecord {
                name: "demo".into(),
                version: "1.0.0".into(),
                app_version: None,
                digest: Digest::of(b""),
            },
            values_digest: Digest::of(b""),
            manifest_digest: Digest::of(b""),
            resources: Vec::new(),
            values: serde_json::Value::Null,
            manifest: manifest.into(),
        }
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
