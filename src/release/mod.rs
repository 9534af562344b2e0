//! Release history kept in a local state directory: every recorded render is a revision
//! that can be listed, verified, compared and restored without a cluster.
//!
//! A [`Revision`] holds the exact stream that was printed, the values and chart it came
//! from, and sha256 digests of all three and of every object. Every read checks the
//! digests, so an edited or damaged revision is reported and never used. History only
//! grows: a rollback records a copy of an old revision under a new number, and pruning
//! removes the oldest revisions without ever reusing a number.
//!
//! Reads stay cheap on large releases: each object's entry records where its document lies
//! in the manifest and a seal binding the entry to the manifest's digest, and the values
//! have a seal over their stored text, so a read hashes the manifest and values once and
//! parses neither. Only when a check fails are they parsed again, to name the object and
//! digest that disagree.

mod canonical;
mod diff;
mod store;
mod time;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::manifest::{self, Manifest, Selection};
use crate::render::{Rendered, RenderedTemplate};
use crate::{Error, Event, Release, RenderRequest};

pub use canonical::object_digest;
pub use diff::{Change, ChangeKind, Diff, DiffOptions, diff};
pub use time::rfc3339;

/// Version of the revision file format this keelson writes.
pub const FORMAT: u32 = 2;

/// The first format, without byte ranges and seals: still read, verified by parsing.
const FORMAT_1: u32 = 1;

/// How every document of a recorded stream starts.
const MARKER: &str = "---\n# Source: ";

/// Longest release name (Helm's limit: names are used in object names and labels).
pub const MAX_NAME_LENGTH: usize = 53;

/// A sha256 digest, written `sha256:<64 hex digits>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Digest(String);

impl Digest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Digest {
        Digest::from_hash(&Sha256::digest(bytes))
    }

    fn from_hash(hash: &[u8]) -> Digest {
        Digest(format!("sha256:{}", crate::render::hex(hash)))
    }

    /// The full `sha256:…` text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 12 hex digits, for tables.
    pub fn short(&self) -> &str {
        let hex = self.0.strip_prefix("sha256:").unwrap_or(&self.0);
        hex.get(..12).unwrap_or(hex)
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The chart a revision was rendered from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartRecord {
    /// `name` from Chart.yaml.
    pub name: String,
    /// `version` from Chart.yaml.
    pub version: String,
    /// `appVersion` from Chart.yaml.
    pub app_version: Option<String>,
    /// sha256 over every chart file: sorted paths, each with its length and bytes.
    pub digest: Digest,
}

/// The digest of one object of a revision.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceDigest {
    /// `apiVersion`
    pub api_version: String,
    /// `kind`
    pub kind: String,
    /// `metadata.namespace`, none for cluster-scoped objects.
    pub namespace: Option<String>,
    /// `metadata.name`
    pub name: String,
    /// [`Manifest::digest`]: sha256 over canonical JSON of what kubectl reads.
    pub digest: Digest,
    /// Where the object's document (`---`, `# Source:` line, object) lies in the manifest
    /// (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<ByteRange>,
    /// sha256 over the manifest digest and this entry's identity, digest and range: ties
    /// the entry to the exact text it was computed from (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<Digest>,
}

/// Byte offsets of a document in a revision's manifest, `start` included, `end` not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByteRange {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl fmt::Display for ByteRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

impl ResourceDigest {
    fn of(object: &Manifest, range: ByteRange) -> ResourceDigest {
        ResourceDigest {
            api_version: object.api_version.clone(),
            kind: object.kind.clone(),
            namespace: object.namespace.clone(),
            name: object.name.clone(),
            digest: match object.node() {
                Some(node) => object_digest(node),
                None => Digest(object.digest()),
            },
            range: Some(range),
            seal: None,
        }
    }

    /// The seal of this entry in a manifest whose digest is `manifest`: sha256 over each
    /// field as its length (8 bytes, big-endian) then its bytes.
    fn seal(&self, manifest: &Digest, range: ByteRange) -> Digest {
        let mut hasher = Sha256::new();
        let namespace = self.namespace.as_deref();
        for field in [
            manifest.as_str(),
            &self.api_version,
            &self.kind,
            if namespace.is_some() { "1" } else { "0" },
            namespace.unwrap_or(""),
            &self.name,
            self.digest.as_str(),
        ] {
            hasher.update((field.len() as u64).to_be_bytes());
            hasher.update(field.as_bytes());
        }
        hasher.update((range.start as u64).to_be_bytes());
        hasher.update((range.end as u64).to_be_bytes());
        Digest::from_hash(&hasher.finalize())
    }

    /// `apiVersion kind namespace/name`, as tables print it.
    pub fn label(&self) -> String {
        format!(
            "{} {} {}/{}",
            self.api_version,
            self.kind,
            self.namespace.as_deref().unwrap_or(""),
            self.name
        )
    }
}

/// One recorded render of a release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revision {
    /// [`FORMAT`].
    pub format: u32,
    /// Release name.
    pub release: String,
    /// Release namespace.
    pub namespace: String,
    /// Revision number, from 1, never reused.
    pub revision: u64,
    /// When it was recorded, RFC 3339 UTC (stored, never hashed).
    pub updated: String,
    /// `Install`, `Upgrade` or `Rollback to N`.
    pub description: String,
    /// The keelson version that recorded it.
    pub keelson_version: String,
    /// The chart.
    pub chart: ChartRecord,
    /// sha256 over canonical JSON of `values`.
    pub values_digest: Digest,
    /// sha256 over `values_digest` and the text of `values` as stored: lets a read check
    /// the values without parsing them (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_seal: Option<Digest>,
    /// sha256 over `manifest`.
    pub manifest_digest: Digest,
    /// One digest per object, sorted by apiVersion, kind, namespace and name.
    pub resources: Vec<ResourceDigest>,
    /// The merged values the templates saw, as stored.
    pub values: StoredValues,
    /// The stream that was printed, byte for byte.
    pub manifest: String,
}

impl Revision {
    /// The merged values the templates saw.
    ///
    /// # Errors
    /// [`ReleaseError::Unreadable`] when they are not JSON (never for a revision read
    /// through [`History`], which checks them).
    pub fn parse_values(&self) -> Result<serde_json::Value, ReleaseError> {
        self.values.parse().map_err(|e| ReleaseError::Unreadable {
            path: PathBuf::from(format!(
                "release `{}` revision {}",
                self.release, self.revision
            )),
            message: format!("its values are not JSON: {e}"),
        })
    }
}

/// The JSON text of a revision's values, parsed only when asked for: the values of a large
/// release cost more to parse than its manifest costs to hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StoredValues(Box<serde_json::value::RawValue>);

impl StoredValues {
    /// `values` as compact JSON.
    pub fn of(values: &serde_json::Value) -> StoredValues {
        StoredValues(
            serde_json::value::to_raw_value(values)
                .expect("a JSON value has string keys, so it always serializes"),
        )
    }

    /// The JSON text, exactly as stored.
    pub fn text(&self) -> &str {
        self.0.get()
    }

    /// The values.
    ///
    /// # Errors
    /// When the text is not JSON.
    pub fn parse(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }

    /// sha256 over `digest` and the text, each as its length (8 bytes, big-endian) then
    /// its bytes.
    fn seal(&self, digest: &Digest) -> Digest {
        let mut hasher = Sha256::new();
        for field in [digest.as_str(), self.text()] {
            hasher.update((field.len() as u64).to_be_bytes());
            hasher.update(field.as_bytes());
        }
        Digest::from_hash(&hasher.finalize())
    }
}

impl PartialEq for StoredValues {
    fn eq(&self, other: &StoredValues) -> bool {
        self.text() == other.text()
    }
}

/// What a render produced, before it gets a number and a time.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// Release namespace.
    pub namespace: String,
    /// The chart.
    pub chart: ChartRecord,
    /// The merged values.
    pub values: serde_json::Value,
    /// The full stream (`--phase all`).
    pub manifest: String,
    /// One digest per object of the stream, sorted; each with its document's range (an
    /// entry without one makes recording parse the manifest to find it).
    pub resources: Vec<ResourceDigest>,
}

impl Draft {
    /// The record of `release`: its full stream, values and chart.
    ///
    /// # Errors
    /// None in practice: the full selection names no template.
    pub fn of(release: &Release) -> Result<Draft, Error> {
        let objects = release.manifests.select(
            release.event,
            &Selection::default(),
            &release.template_paths(),
        )?;
        // Printing object by object gives the stream `to_stream` prints for all of them,
        // and where each object's document lies in it.
        let mut manifest = String::new();
        let mut resources = Vec::with_capacity(objects.len());
        for object in &objects {
            let start = manifest.len();
            manifest.push_str(&release.manifests.to_stream(&[object]));
            let range = ByteRange {
                start,
                end: manifest.len(),
            };
            resources.push(ResourceDigest::of(object, range));
        }
        resources.sort();
        Ok(Draft {
            namespace: release.info.namespace.clone(),
            chart: ChartRecord {
                name: release.chart.meta.name.clone(),
                version: release.chart.meta.version.clone(),
                app_version: release.chart.meta.app_version.clone(),
                digest: chart_digest(&release.chart.files),
            },
            values: serde_json::Value::Object(release.values.map.clone()),
            manifest,
            resources,
        })
    }
}

/// sha256 over the canonical JSON of `value` (keys sorted, no whitespace): the same bytes
/// as [`crate::manifest::canonical_json`], streamed into the hasher without building a
/// sorted copy. For objects, [`object_digest`] starts from the YAML node instead.
pub fn digest_json(value: &serde_json::Value) -> Digest {
    struct Sorted<'a>(&'a serde_json::Value);
    impl Serialize for Sorted<'_> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::{SerializeMap, SerializeSeq};
            match self.0 {
                serde_json::Value::Object(map) => {
                    let mut entries: Vec<(&String, &serde_json::Value)> = map.iter().collect();
                    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                    let mut out = serializer.serialize_map(Some(entries.len()))?;
                    for (key, value) in entries {
                        out.serialize_entry(key, &Sorted(value))?;
                    }
                    out.end()
                }
                serde_json::Value::Array(items) => {
                    let mut out = serializer.serialize_seq(Some(items.len()))?;
                    for item in items {
                        out.serialize_element(&Sorted(item))?;
                    }
                    out.end()
                }
                other => other.serialize(serializer),
            }
        }
    }
    // One buffer, hashed at once: serde_json writes a token at a time.
    let mut json = Vec::with_capacity(4096);
    // Writing JSON into a Vec cannot fail: the writer never errs and keys are strings.
    let _ = serde_json::to_writer(&mut json, &Sorted(value));
    Digest::of(&json)
}

/// sha256 over chart files in path order: for each, the path, a NUL, the length as 8
/// big-endian bytes, then the bytes (lengths keep file boundaries unambiguous).
pub fn chart_digest(files: &BTreeMap<String, Vec<u8>>) -> Digest {
    let mut hasher = Sha256::new();
    for (path, bytes) in files {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    }
    Digest(format!("sha256:{}", crate::render::hex(&hasher.finalize())))
}

/// The revision a record will create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Next {
    /// Its number.
    pub revision: u64,
    /// Install when the release has no revision yet, else upgrade.
    pub event: Event,
}

/// How recording treats older revisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordOptions {
    /// Keep at most this many revisions, removing the oldest; 0 keeps all.
    pub history_max: usize,
}

impl Default for RecordOptions {
    fn default() -> Self {
        RecordOptions { history_max: 10 }
    }
}

/// Why the history could not be read or written.
#[derive(Debug)]
pub enum ReleaseError {
    /// The release name is not a DNS-1123 label of at most 53 characters.
    InvalidName {
        /// The name given.
        name: String,
    },
    /// A file or directory of the state directory could not be used.
    Io {
        /// The path.
        path: PathBuf,
        /// What was being done (`create directory`, `write file`, …).
        action: &'static str,
        /// The cause.
        source: std::io::Error,
    },
    /// The state directory holds no revision of the release.
    UnknownRelease {
        /// The release.
        name: String,
        /// The state directory.
        dir: PathBuf,
    },
    /// The release has no such revision.
    UnknownRevision {
        /// The release.
        name: String,
        /// The revision asked for.
        revision: u64,
        /// The revisions there are.
        known: Vec<u64>,
    },
    /// A revision file is not a valid revision record.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A stored digest does not match what the revision holds.
    Tampered {
        /// The file.
        path: PathBuf,
        /// Which digest (`manifest`, `values`, `resource Deployment/ns/x`).
        what: String,
        /// The digest recorded.
        expected: String,
        /// The digest of what is there now.
        found: String,
    },
    /// A diff needs two revisions and the release has one.
    NothingToCompare {
        /// The release.
        name: String,
        /// Its only revision.
        revision: u64,
    },
}

impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNUSABLE: &str = "the file was changed or damaged after it was recorded, so keelson will not use it; restore it from a backup, or remove it to drop that revision from the history";
        match self {
            ReleaseError::InvalidName { name } => write!(
                f,
                "release name `{name}` is not valid\n  hint: a release name is a DNS-1123 label of at most {MAX_NAME_LENGTH} characters: lowercase letters, digits and `-`, starting and ending with a letter or digit"
            ),
            ReleaseError::Io { path, action, .. } => write!(
                f,
                "{}: cannot {action}\n  hint: the state directory (--state-dir, $KEELSON_STATE_DIR, default ./.keelson) must be a directory you can write to",
                path.display()
            ),
            ReleaseError::UnknownRelease { name, dir } => write!(
                f,
                "{}: no history for release `{name}`\n  hint: record one with `keelson render CHART --release {name} --record`, or pass the --state-dir it was recorded in",
                dir.display()
            ),
            ReleaseError::UnknownRevision {
                name,
                revision,
                known,
            } => write!(
                f,
                "release `{name}` has no revision {revision}\n  hint: its revisions are {}",
                known
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ReleaseError::Unreadable { path, message } => write!(
                f,
                "{}: not a valid revision record: {message}\n  hint: {UNUSABLE}",
                path.display()
            ),
            ReleaseError::Tampered {
                path,
                what,
                expected,
                found,
            } => write!(
                f,
                "{}: {what} digest mismatch: recorded `{expected}`, found `{found}`\n  hint: {UNUSABLE}",
                path.display()
            ),
            ReleaseError::NothingToCompare { name, revision } => write!(
                f,
                "release `{name}` has only revision {revision}, nothing to compare it with\n  hint: record another revision, or compare with a render: `keelson diff {name} CHART [values flags]`"
            ),
        }
    }
}

impl std::error::Error for ReleaseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReleaseError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Checks that `name` can name a release (and so a directory: `../x` cannot).
///
/// # Errors
/// [`ReleaseError::InvalidName`].
pub fn check_name(name: &str) -> Result<(), ReleaseError> {
    if name.len() <= MAX_NAME_LENGTH && crate::chart::is_dns1123_label(name) {
        Ok(())
    } else {
        Err(ReleaseError::InvalidName {
            name: name.to_owned(),
        })
    }
}

/// Seconds since the Unix epoch.
type Clock = Box<dyn Fn() -> u64 + Send + Sync>;

/// The history of every release in one state directory.
pub struct History {
    dir: PathBuf,
    clock: Clock,
}

impl fmt::Debug for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("History").field("dir", &self.dir).finish()
    }
}

impl History {
    /// The history in `dir`, timestamped by the system clock.
    pub fn new(dir: impl Into<PathBuf>) -> History {
        History::with_clock(dir, || {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        })
    }

    /// The history in `dir`, timestamped by `clock` (seconds since the Unix epoch).
    pub fn with_clock(
        dir: impl Into<PathBuf>,
        clock: impl Fn() -> u64 + Send + Sync + 'static,
    ) -> History {
        History {
            dir: dir.into(),
            clock: Box::new(clock),
        }
    }

    /// The state directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn release_dir(&self, name: &str) -> Result<PathBuf, ReleaseError> {
        check_name(name)?;
        Ok(self.dir.join("releases").join(name))
    }

    /// The revision numbers of release `name`, ascending.
    ///
    /// # Errors
    /// [`ReleaseError::UnknownRelease`] when it has none.
    pub fn numbers(&self, name: &str) -> Result<Vec<u64>, ReleaseError> {
        let dir = self.release_dir(name)?;
        let _lock = store::lock_shared(&dir)?;
        self.numbers_unlocked(name, &dir)
    }

    fn numbers_unlocked(&self, name: &str, dir: &Path) -> Result<Vec<u64>, ReleaseError> {
        match store::numbers(dir)? {
            Some(numbers) if !numbers.is_empty() => Ok(numbers),
            _ => Err(ReleaseError::UnknownRelease {
                name: name.to_owned(),
                dir: self.dir.clone(),
            }),
        }
    }

    /// Reads and verifies revision `revision` of `name`; `None` picks the latest.
    ///
    /// # Errors
    /// [`ReleaseError::UnknownRelease`], [`ReleaseError::UnknownRevision`], and
    /// [`ReleaseError::Unreadable`] or [`ReleaseError::Tampered`] when the file does not
    /// hold what was recorded.
    pub fn read(&self, name: &str, revision: Option<u64>) -> Result<Revision, ReleaseError> {
        let dir = self.release_dir(name)?;
        let _lock = store::lock_shared(&dir)?;
        let numbers = self.numbers_unlocked(name, &dir)?;
        let number = pick(name, &numbers, revision)?;
        read_file(&dir.join(store::file_name(number)), name, number)
    }

    /// Reads and verifies every revision of `name`, oldest first.
    ///
    /// # Errors
    /// As [`History::read`], for the first revision that fails.
    pub fn list(&self, name: &str) -> Result<Vec<Revision>, ReleaseError> {
        let dir = self.release_dir(name)?;
        let _lock = store::lock_shared(&dir)?;
        self.numbers_unlocked(name, &dir)?
            .into_iter()
            .map(|number| read_file(&dir.join(store::file_name(number)), name, number))
            .collect()
    }

    /// Records the next revision of `name`: `make` renders it while the release is locked,
    /// so concurrent records get distinct, consecutive numbers that match their renders.
    ///
    /// # Errors
    /// `make`'s error (nothing is recorded), or [`ReleaseError::Io`] when the state
    /// directory cannot be written.
    pub fn record<E: From<ReleaseError>>(
        &self,
        name: &str,
        options: &RecordOptions,
        make: impl FnOnce(Next) -> Result<Draft, E>,
    ) -> Result<Revision, E> {
        let dir = self.release_dir(name)?;
        store::create_private_dir(&dir)?;
        let _lock = store::lock_exclusive(&dir)?;
        let numbers = store::numbers(&dir)?.unwrap_or_default();
        let next = Next {
            revision: numbers.last().map_or(1, |last| last + 1),
            event: if numbers.is_empty() {
                Event::Install
            } else {
                Event::Upgrade
            },
        };
        let draft = make(next)?;
        let description = match next.event {
            Event::Install => "Install",
            Event::Upgrade => "Upgrade",
        };
        let revision = seal(
            name,
            next.revision,
            description.to_owned(),
            rfc3339((self.clock)()),
            draft,
        )?;
        self.write(&dir, &revision, &numbers, options)?;
        Ok(revision)
    }

    /// Records a copy of revision `target` as the next revision, described as
    /// `Rollback to TARGET`, and returns it.
    ///
    /// # Errors
    /// As [`History::read`] for `target`; [`ReleaseError::Io`] when it cannot be recorded.
    pub fn rollback(
        &self,
        name: &str,
        target: u64,
        options: &RecordOptions,
    ) -> Result<Revision, ReleaseError> {
        let dir = self.release_dir(name)?;
        let numbers = self.numbers(name)?;
        let _lock = store::lock_exclusive(&dir)?;
        let numbers = store::numbers(&dir)?.unwrap_or(numbers);
        let number = pick(name, &numbers, Some(target))?;
        let old = read_file(&dir.join(store::file_name(number)), name, number)?;
        let next = numbers.last().map_or(1, |last| last + 1);
        let revision = Revision {
            format: FORMAT,
            revision: next,
            updated: rfc3339((self.clock)()),
            description: format!("Rollback to {target}"),
            keelson_version: env!("CARGO_PKG_VERSION").to_owned(),
            ..old
        };
        self.write(&dir, &revision, &numbers, options)?;
        Ok(revision)
    }

    fn write(
        &self,
        dir: &Path,
        revision: &Revision,
        numbers: &[u64],
        options: &RecordOptions,
    ) -> Result<(), ReleaseError> {
        let mut text =
            serde_json::to_string_pretty(revision).map_err(|e| ReleaseError::Unreadable {
                path: dir.join(store::file_name(revision.revision)),
                message: e.to_string(),
            })?;
        text.push('\n');
        store::write_atomic(dir, &store::file_name(revision.revision), text.as_bytes())?;
        let mut all = numbers.to_vec();
        all.push(revision.revision);
        store::prune(dir, &all, options.history_max);
        Ok(())
    }
}

/// Gives `draft` its number, time, digests and seals.
fn seal(
    name: &str,
    number: u64,
    description: String,
    updated: String,
    draft: Draft,
) -> Result<Revision, ReleaseError> {
    let values_digest = digest_json(&draft.values);
    let values = StoredValues::of(&draft.values);
    let mut revision = Revision {
        format: FORMAT,
        release: name.to_owned(),
        namespace: draft.namespace,
        revision: number,
        updated,
        description,
        keelson_version: env!("CARGO_PKG_VERSION").to_owned(),
        chart: draft.chart,
        values_seal: Some(values.seal(&values_digest)),
        values_digest,
        manifest_digest: Digest::of(draft.manifest.as_bytes()),
        resources: draft.resources,
        values,
        manifest: draft.manifest,
    };
    if revision.resources.iter().all(|r| r.range.is_some()) {
        let manifest = &revision.manifest_digest;
        for resource in &mut revision.resources {
            resource.seal = resource.range.map(|range| resource.seal(manifest, range));
        }
    } else {
        let unreadable = |message| ReleaseError::Unreadable {
            path: PathBuf::from(format!("release `{name}` revision {number}")),
            message,
        };
        let objects = scan(&revision).map_err(unreadable)?;
        locate(&mut revision, &objects).map_err(unreadable)?;
    }
    Ok(revision)
}

/// Picks `wanted` (or the latest) among `numbers`.
fn pick(name: &str, numbers: &[u64], wanted: Option<u64>) -> Result<u64, ReleaseError> {
    match wanted {
        Some(number) if numbers.contains(&number) => Ok(number),
        Some(number) => Err(ReleaseError::UnknownRevision {
            name: name.to_owned(),
            revision: number,
            known: numbers.to_vec(),
        }),
        None => numbers
            .last()
            .copied()
            .ok_or_else(|| ReleaseError::UnknownRevision {
                name: name.to_owned(),
                revision: 0,
                known: Vec::new(),
            }),
    }
}

/// Reads a revision file and verifies every digest it holds.
fn read_file(path: &Path, name: &str, number: u64) -> Result<Revision, ReleaseError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReleaseError::Io {
        path: path.to_owned(),
        action: "read revision",
        source,
    })?;
    let mut revision: Revision =
        serde_json::from_str(&text).map_err(|e| ReleaseError::Unreadable {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
    verify(&mut revision, path, name, number)?;
    Ok(revision)
}

/// Checks the digests of `revision`: the manifest's by hashing it again, the values' and
/// each object's by their seals (and each object's range). A format 1 revision has no
/// seals, so its values and manifest are parsed to recompute every digest, and the ranges
/// and seals it lacks are filled in.
fn verify(
    revision: &mut Revision,
    path: &Path,
    name: &str,
    number: u64,
) -> Result<(), ReleaseError> {
    let unreadable = |message: String| ReleaseError::Unreadable {
        path: path.to_owned(),
        message,
    };
    if revision.format != FORMAT && revision.format != FORMAT_1 {
        return Err(unreadable(format!(
            "format {} is not supported (this keelson reads formats {FORMAT_1} and {FORMAT})",
            revision.format
        )));
    }
    if revision.release != name || revision.revision != number {
        return Err(unreadable(format!(
            "it says release `{}` revision {}, but its place is release `{name}` revision {number}",
            revision.release, revision.revision
        )));
    }
    let tampered = |what: String, expected: &Digest, found: &Digest| ReleaseError::Tampered {
        path: path.to_owned(),
        what,
        expected: expected.to_string(),
        found: found.to_string(),
    };
    let manifest = Digest::of(revision.manifest.as_bytes());
    if manifest != revision.manifest_digest {
        return Err(tampered(
            "manifest".into(),
            &revision.manifest_digest,
            &manifest,
        ));
    }
    let sealed = revision.values.seal(&revision.values_digest);
    if revision.format == FORMAT_1 || revision.values_seal.as_ref() != Some(&sealed) {
        let parsed = revision
            .values
            .parse()
            .map_err(|e| unreadable(format!("its values are not JSON: {e}")))?;
        let values = digest_json(&parsed);
        if values != revision.values_digest {
            return Err(tampered("values".into(), &revision.values_digest, &values));
        }
        match &revision.values_seal {
            _ if revision.format == FORMAT_1 => revision.values_seal = Some(sealed),
            None => {
                return Err(unreadable(format!(
                    "it has no `values_seal` (format {FORMAT} records one)"
                )));
            }
            Some(recorded) => return Err(tampered("values seal".into(), recorded, &sealed)),
        }
    }
    if revision.format == FORMAT_1 {
        let objects = verify_objects(revision, path)?;
        return locate(revision, &objects).map_err(unreadable);
    }
    if let Err(problem) = check_entries(revision) {
        // Name the object whose text and digest disagree when there is one; otherwise the
        // text is sound and an entry's range or seal was changed.
        verify_objects(revision, path)?;
        return Err(problem.into_error(path));
    }
    Ok(())
}

/// Why the entries of a format 2 revision do not fit its manifest.
enum Problem {
    /// An entry has no range or no seal.
    Missing { label: String, field: &'static str },
    /// An entry's range is not a document of the manifest.
    NotADocument { label: String, range: ByteRange },
    /// An entry's seal is not the one its fields and the manifest digest give.
    Seal {
        label: String,
        expected: Digest,
        found: Digest,
    },
    /// Two entries claim the same bytes.
    Overlap {
        label: String,
        range: ByteRange,
        other: String,
        other_range: ByteRange,
    },
    /// Bytes of the manifest that no entry claims.
    Unclaimed { range: ByteRange },
}

impl Problem {
    fn into_error(self, path: &Path) -> ReleaseError {
        let unreadable = |message: String| ReleaseError::Unreadable {
            path: path.to_owned(),
            message,
        };
        match self {
            Problem::Missing { label, field } => unreadable(format!(
                "{label} has no `{field}` (format {FORMAT} records one for every resource)"
            )),
            Problem::NotADocument { label, range } => unreadable(format!(
                "{label}: bytes {range} of the manifest are not one of its documents"
            )),
            Problem::Seal {
                label,
                expected,
                found,
            } => ReleaseError::Tampered {
                path: path.to_owned(),
                what: format!("{label} seal"),
                expected: expected.to_string(),
                found: found.to_string(),
            },
            Problem::Overlap {
                label,
                range,
                other,
                other_range,
            } => unreadable(format!(
                "{label} (bytes {range}) overlaps {other} (bytes {other_range}) in the manifest"
            )),
            Problem::Unclaimed { range } => unreadable(format!(
                "bytes {range} of the manifest belong to no resource"
            )),
        }
    }
}

fn label(resource: &ResourceDigest) -> String {
    format!("resource `{}`", resource.label())
}

/// Checks without parsing that each entry's seal holds and that the entries' ranges are
/// documents of the manifest that cover it exactly, each byte once.
fn check_entries(revision: &Revision) -> Result<(), Problem> {
    let mut spans = Vec::with_capacity(revision.resources.len());
    for resource in &revision.resources {
        let missing = |field| Problem::Missing {
            label: label(resource),
            field,
        };
        let range = resource.range.ok_or_else(|| missing("range"))?;
        let recorded = resource.seal.as_ref().ok_or_else(|| missing("seal"))?;
        if !revision
            .manifest
            .get(range.start..range.end)
            .is_some_and(|document| document.starts_with(MARKER))
        {
            return Err(Problem::NotADocument {
                label: label(resource),
                range,
            });
        }
        let found = resource.seal(&revision.manifest_digest, range);
        if found != *recorded {
            return Err(Problem::Seal {
                label: label(resource),
                expected: recorded.clone(),
                found,
            });
        }
        spans.push((range, resource));
    }
    spans.sort_by_key(|(range, _)| (range.start, range.end));
    let mut covered = 0;
    let mut previous: Option<(ByteRange, &ResourceDigest)> = None;
    for (range, resource) in spans {
        if range.start < covered
            && let Some((other_range, other)) = previous
        {
            return Err(Problem::Overlap {
                label: label(resource),
                range,
                other: label(other),
                other_range,
            });
        }
        if range.start > covered {
            return Err(Problem::Unclaimed {
                range: ByteRange {
                    start: covered,
                    end: range.start,
                },
            });
        }
        covered = range.end;
        previous = Some((range, resource));
    }
    if covered != revision.manifest.len() {
        return Err(Problem::Unclaimed {
            range: ByteRange {
                start: covered,
                end: revision.manifest.len(),
            },
        });
    }
    Ok(())
}

/// Parses the manifest and recomputes every object's digest, reporting the first object
/// whose digest differs from the recorded one, or that only one side has.
fn verify_objects(
    revision: &Revision,
    path: &Path,
) -> Result<Vec<(Manifest, ByteRange)>, ReleaseError> {
    let objects = scan(revision).map_err(|message| ReleaseError::Unreadable {
        path: path.to_owned(),
        message,
    })?;
    let found: Vec<ResourceDigest> = objects
        .iter()
        .map(|(object, range)| ResourceDigest::of(object, *range))
        .collect();
    let recorded: BTreeMap<Key, &Digest> = revision.resources.iter().map(digest_key).collect();
    let now: BTreeMap<Key, &Digest> = found.iter().map(digest_key).collect();
    let missing = Digest("(none)".into());
    let label = |(api_version, kind, namespace, name): &Key| {
        format!(
            "resource `{api_version} {kind} {}/{name}`",
            namespace.unwrap_or("")
        )
    };
    let tampered = |what: String, expected: &Digest, found: &Digest| ReleaseError::Tampered {
        path: path.to_owned(),
        what,
        expected: expected.to_string(),
        found: found.to_string(),
    };
    for (k, expected) in &recorded {
        let found = now.get(k).copied().unwrap_or(&missing);
        if found != *expected {
            return Err(tampered(label(k), expected, found));
        }
    }
    if let Some((k, extra)) = now.iter().find(|(k, _)| !recorded.contains_key(*k)) {
        return Err(tampered(label(k), &missing, extra));
    }
    Ok(objects)
}

/// Gives each entry of `revision` the range of its object among `objects` (its manifest,
/// parsed), and its seal.
fn locate(revision: &mut Revision, objects: &[(Manifest, ByteRange)]) -> Result<(), String> {
    let mut ranges: BTreeMap<Key, Vec<ByteRange>> = BTreeMap::new();
    for (object, range) in objects.iter().rev() {
        let key = (
            object.api_version.as_str(),
            object.kind.as_str(),
            object.namespace.as_deref(),
            object.name.as_str(),
        );
        ranges.entry(key).or_default().push(*range);
    }
    let mut located = Vec::with_capacity(revision.resources.len());
    for resource in &revision.resources {
        let key = digest_key(resource).0;
        let range = ranges
            .get_mut(&key)
            .and_then(Vec::pop)
            .ok_or_else(|| format!("{} is not in its manifest", label(resource)))?;
        located.push(range);
    }
    let shared = objects
        .windows(2)
        .find(|pair| matches!(pair, [(_, a), (_, b)] if a == b));
    if let Some([(object, range), _]) = shared {
        return Err(format!(
            "bytes {range} of its manifest hold more than one object (`{}`); keelson records one object per document",
            object.id()
        ));
    }
    let manifest = revision.manifest_digest.clone();
    for (resource, range) in revision.resources.iter_mut().zip(located) {
        resource.seal = Some(resource.seal(&manifest, range));
        resource.range = Some(range);
    }
    Ok(())
}

/// apiVersion, kind, namespace, name.
type Key<'a> = (&'a str, &'a str, Option<&'a str>, &'a str);

fn digest_key(r: &ResourceDigest) -> (Key<'_>, &Digest) {
    (
        (&r.api_version, &r.kind, r.namespace.as_deref(), &r.name),
        &r.digest,
    )
}

/// Splits a revision's manifest (`---`, `# Source: CHART/PATH`, object, per document) back
/// into objects, in stream order, each with the range of its document.
fn scan(revision: &Revision) -> Result<Vec<(Manifest, ByteRange)>, String> {
    split_stream(
        &revision.manifest,
        &revision.chart.name,
        &revision.namespace,
    )
}

/// Splits a printed stream into objects, in stream order, each with its document's range.
fn split_stream(
    stream: &str,
    chart_name: &str,
    namespace: &str,
) -> Result<Vec<(Manifest, ByteRange)>, String> {
    let mut starts: Vec<usize> = stream
        .match_indices(MARKER)
        .map(|(at, _)| at)
        .filter(|&at| at == 0 || stream.as_bytes().get(at - 1) == Some(&b'\n'))
        .collect();
    if starts.first() != Some(&0) && !stream.is_empty() {
        // Text before the first document: parsed like one, so that it is reported.
        starts.insert(0, 0);
    }
    let mut objects = Vec::new();
    for (index, &start) in starts.iter().enumerate() {
        let range = ByteRange {
            start,
            end: starts.get(index + 1).copied().unwrap_or(stream.len()),
        };
        let document = stream.get(range.start..range.end).unwrap_or("");
        for object in split_document(document, chart_name, namespace)? {
            objects.push((object, range));
        }
    }
    Ok(objects)
}

/// The objects of one document of a recorded stream.
fn split_document(
    document: &str,
    chart_name: &str,
    namespace: &str,
) -> Result<Vec<Manifest>, String> {
    let (path, body) = match document.strip_prefix(MARKER) {
        Some(rest) => rest.split_once('\n').unwrap_or((rest, "")),
        None => ("", document),
    };
    let path = path
        .strip_prefix(chart_name)
        .and_then(|p| p.strip_prefix('/'))
        .unwrap_or(path);
    let rendered = Rendered {
        chart_name: chart_name.to_owned(),
        templates: vec![RenderedTemplate {
            path: path.to_owned(),
            output: body.to_owned(),
        }],
        notes: None,
    };
    let manifests = manifest::split(&rendered, namespace, &|p| p.to_owned())
        .map_err(|e| format!("its manifest does not split into objects: {e}"))?;
    Ok(manifests
        .resources
        .into_iter()
        .chain(manifests.hooks)
        .collect())
}

/// The text of `resource`'s document in `revision`'s manifest.
fn document<'a>(
    revision: &'a Revision,
    resource: &ResourceDigest,
) -> Result<&'a str, ReleaseError> {
    resource
        .range
        .and_then(|range| revision.manifest.get(range.start..range.end))
        .ok_or_else(|| ReleaseError::Unreadable {
            path: PathBuf::from(format!(
                "release `{}` revision {}",
                revision.release, revision.revision
            )),
            message: format!(
                "{} has no range in its manifest (read revisions through `History`)",
                label(resource)
            ),
        })
}

/// The release `request` names.
fn release_name(request: &RenderRequest) -> Result<&str, Error> {
    request.release_name.as_deref().ok_or_else(|| Error::Usage {
        message: "recording needs a release name".into(),
        hint: "pass `--release NAME`".into(),
    })
}

/// Renders `request` as the next revision of its release and records it: revision
/// last+1, an upgrade when the release has revisions, an install otherwise.
///
/// # Errors
/// The render's error (nothing is recorded), or [`ReleaseError`] when the state directory
/// cannot be written.
pub fn record(
    history: &History,
    request: &RenderRequest,
    options: &RecordOptions,
) -> Result<(Release, Revision), Error> {
    let name = release_name(request)?;
    let mut release = None;
    let revision = history.record(name, options, |next| {
        let rendered = crate::render_chart(&RenderRequest {
            event: next.event,
            revision: next.revision,
            ..request.clone()
        })?;
        let draft = Draft::of(&rendered)?;
        release = Some(rendered);
        Ok::<_, Error>(draft)
    })?;
    let release = release.ok_or_else(|| Error::Usage {
        message: "internal error: the render was not kept".into(),
        hint: "report this as a bug".into(),
    })?;
    Ok((release, revision))
}

/// Renders `request` as the next upgrade after `latest` would be rendered, without
/// recording it: the render as an unrecorded revision (described `Preview`), and the render.
///
/// # Errors
/// The render's error.
pub fn preview(latest: &Revision, request: &RenderRequest) -> Result<(Revision, Release), Error> {
    let name = release_name(request)?;
    let next = latest.revision + 1;
    let release = crate::render_chart(&RenderRequest {
        event: Event::Upgrade,
        revision: next,
        ..request.clone()
    })?;
    let draft = Draft::of(&release)?;
    let revision = seal(name, next, "Preview".into(), latest.updated.clone(), draft)?;
    Ok((revision, release))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::canonical_json;

    const STREAM: &str = "---\n# Source: demo/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: team\ndata:\n  k: v\n---\n# Source: demo/templates/b.yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n";

    fn draft(manifest: &str) -> Draft {
        Draft {
            namespace: "team".into(),
            chart: ChartRecord {
                name: "demo".into(),
                version: "1.0.0".into(),
                app_version: Some("2".into()),
                digest: Digest::of(b"chart"),
            },
            values: serde_json::json!({"b": 1, "a": {"y": true, "x": null}}),
            manifest: manifest.into(),
            resources: {
                let mut r: Vec<ResourceDigest> = split_stream(manifest, "demo", "team")
                    .expect("split")
                    .iter()
                    .map(|(object, range)| ResourceDigest::of(object, *range))
                    .collect();
                r.sort();
                r
            },
        }
    }

    fn history(dir: &Path) -> History {
        History::with_clock(dir, || 1_777_636_800)
    }

    fn record(history: &History, manifest: &str, max: usize) -> Revision {
        history
            .record("demo", &RecordOptions { history_max: max }, |_| {
                Ok::<_, ReleaseError>(draft(manifest))
            })
            .expect("recorded")
    }

    fn revision_path(dir: &Path, n: u64) -> PathBuf {
        dir.join("releases/demo").join(store::file_name(n))
    }

    #[test]
    fn records_number_from_one_and_read_back_verified() {
        let temp = tempfile::tempdir().expect("temp dir");
        let history = history(temp.path());
        let first = record(&history, STREAM, 10);
        assert_eq!((first.revision, first.description.as_str()), (1, "Install"));
        assert_eq!(first.updated, "2026-05-01T12:00:00Z");
        let second = record(&history, STREAM, 10);
        assert_eq!(
            (second.revision, second.description.as_str()),
            (2, "Upgrade")
        );
        assert_eq!(history.read("demo", None).expect("read"), second);
        assert_eq!(history.read("demo", Some(1)).expect("read"), first);
        let labels: Vec<String> = first.resources.iter().map(ResourceDigest::label).collect();
        assert_eq!(labels, ["v1 ConfigMap team/a", "v1 Namespace /team"]);
    }

    #[test]
    fn the_next_revision_is_passed_to_the_render() {
        let temp = tempfile::tempdir().expect("temp dir");
        let history = history(temp.path());
        let mut seen = Vec::new();
        for _ in 0..2 {
            history
                .record("demo", &RecordOptions::default(), |next| {
                    seen.push(next);
                    Ok::<_, ReleaseError>(draft(STREAM))
                })
                .expect("recorded");
        }
        assert_eq!(
            seen,
            [
                Next {
                    revision: 1,
                    event: Event::Install
                },
                Next {
                    revision: 2,
                    event: Event::Upgrade
                }
            ]
        );
    }

    #[test]
    fn a_failed_render_records_nothing() {
        let temp = tempfile::tempdir().expect("temp dir");
        let history = history(temp.path());
        let result = history.record("demo", &RecordOptions::default(), |_| {
            Err::<Draft, _>(ReleaseError::InvalidName { name: "x".into() })
        });
        assert!(result.is_err());
        assert!(matches!(
            history.numbers("demo"),
            Err(ReleaseError::UnknownRelease { .. })
        ));
    }

    #[test]
    fn pruning_keeps_numbers_growing() {
        let temp = tempfile::tempdir().expect("temp dir");
        let history = history(temp.path());
        for _ in 0..5 {
            record(&history, STREAM, 3);
        }
        assert_eq!(history.numbers("demo").expect("numbers"), [3, 4, 5]);
        assert_eq!(record(&history, STREAM, 3).revision, 6);
        assert_eq!(history.numbers("demo").expect("numbers"), [4, 5, 6]);
    }

    #[test]
    fn rollback_appends_a_copy() {
        let temp = tempfile::tempdir().expect("temp dir");
        let history = history(temp.path());
        let first = record(&history, STREAM, 10);
        record(&history, &STREAM.replace("k: v", "k: w"), 10);
        let back = history
            .rollback("demo", 1, &RecordOptions::default())
            .expect("rolled back");
        assert_eq!(back.revision, 3);
        assert_eq!(back.description, "Rollback to 1");
        assert_eq!(back.manifest, first.manifest);
        assert_eq!(back.resources, first.resources);
        assert_eq!(history.read("demo", Some(3)).expect("read"), back);
    }

    #[test]
    fn tampering_is_reported_with_the_digest() {
        let temp = tempfile::tempdir().expect("temp dir");
        let history = history(temp.path());
        record(&history, STREAM, 10);
        let path = revision_path(temp.path(), 1);
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, text.replace("k: v", "k: x")).expect("write");
        let error = history.read("demo", Some(1)).expect_err("tampered");
        assert!(
            matches!(&error, ReleaseError::Tampered { what, .. } if what == "manifest"),
            "{error}"
        );
    }

    #[test]
    fn a_rehashed_manifest_still_fails_on_resource_digests() {
        let temp = tempfile::tempdir().expect("temp dir");
        let history = history(temp.path());
        let mut revision = record(&history, STREAM, 10);
        revision.manifest = STREAM.replace("k: v", "k: x");
        revision.manifest_digest = Digest::of(revision.manifest.as_bytes());
        let path = revision_path(temp.path(), 1);
        std::fs::write(&path, serde_json::to_string(&revision).expect("json")).expect("write");
        let error = history
            .read("demo", Some(1))
            .expect_err("tampered")
            .to_string();
        assert!(
            error.contains("resource `v1 ConfigMap team/a` digest mismatch"),
            "{error}"
        );
    }

    #[test]
    fn streamed_digests_equal_manifest_digests() {
        for (object, _) in split_stream(STREAM, "demo", "team").expect("split") {
            assert_eq!(
                digest_json(&object.node().expect("tree").to_kubectl_json()).as_str(),
                object.digest()
            );
        }
        let value = serde_json::json!({"b": [1, {"z": "\u{1}", "a": 1.5}], "a": null});
        assert_eq!(
            digest_json(&value),
            Digest::of(canonical_json(&value).as_bytes())
        );
    }

    #[test]
    fn values_are_hashed_canonically() {
        let a = serde_json::json!({"b": 1, "a": {"y": true, "x": null}});
        let b = serde_json::json!({"a": {"x": null, "y": true}, "b": 1});
        assert_eq!(
            Digest::of(canonical_json(&a).as_bytes()),
            Digest::of(canonical_json(&b).as_bytes())
        );
    }

    #[test]
    fn invalid_names_are_refused() {
        for name in ["../x", "", "X", "a_b", &"a".repeat(54)] {
            assert!(check_name(name).is_err(), "{name}");
        }
        assert!(check_name(&"a".repeat(53)).is_ok());
    }

    #[test]
    fn the_stream_splits_back_into_its_documents() {
        let objects = split_stream(STREAM, "demo", "team").expect("split");
        let found: Vec<(&str, &str)> = objects
            .iter()
            .map(|(o, range)| {
                (
                    o.source.as_str(),
                    STREAM.get(range.start..range.end).expect("in the stream"),
                )
            })
            .collect();
        let (a, b) = STREAM.split_at(STREAM.find("---\n# Source: demo/templates/b").expect("b"));
        assert_eq!(found, [("templates/a.yaml", a), ("templates/b.yaml", b)]);
        assert!(split_stream("", "demo", "team").expect("empty").is_empty());
    }

    /// Records STREAM as revision 1, lets `edit` change its file as JSON, then reads it.
    fn read_edited(edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let temp = tempfile::tempdir().expect("temp dir");
        let history = history(temp.path());
        record(&history, STREAM, 10);
        let path = revision_path(temp.path(), 1);
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        edit(&mut json);
        std::fs::write(&path, serde_json::to_string(&json).expect("json")).expect("write");
        history
            .read("demo", Some(1))
            .expect_err("edited")
            .to_string()
    }

    /// The entry of the ConfigMap (resources are sorted: ConfigMap, then Namespace).
    fn config_map(json: &mut serde_json::Value) -> &mut serde_json::Value {
        &mut json["resources"][0]
    }

    #[test]
    fn records_a_range_and_a_seal_per_object() {
        let temp = tempfile::tempdir().expect("temp dir");
        let revision = record(&history(temp.path()), STREAM, 10);
        assert_eq!(revision.format, FORMAT);
        for resource in &revision.resources {
            let range = resource.range.expect("range");
            let document = &STREAM[range.start..range.end];
            assert!(
                document.contains(&format!("name: {}\n", resource.name)),
                "{document}"
            );
            assert_eq!(
                resource.seal.as_ref(),
                Some(&resource.seal(&revision.manifest_digest, range))
            );
        }
    }

    #[test]
    fn an_edited_object_digest_is_reported_with_the_true_one() {
        let error = read_edited(|json| {
            config_map(json)["digest"] = format!("sha256:{}", "0".repeat(64)).into();
        });
        let truth = split_stream(STREAM, "demo", "team").expect("split")[0]
            .0
            .digest();
        assert!(
            error.contains(&format!(
                "resource `v1 ConfigMap team/a` digest mismatch: recorded `sha256:{}`, found `{truth}`",
                "0".repeat(64)
            )),
            "{error}"
        );
    }

    #[test]
    fn an_edited_range_is_reported() {
        let error = read_edited(|json| config_map(json)["range"]["start"] = 1.into());
        assert!(
            error.contains("resource `v1 ConfigMap team/a`: bytes 1.."),
            "{error}"
        );
        let error = read_edited(|json| {
            let b = json["resources"][1]["range"].clone();
            json["resources"][1]["range"] = json["resources"][0]["range"].clone();
            json["resources"][0]["range"] = b;
        });
        assert!(
            error.contains("resource `v1 ConfigMap team/a` seal digest mismatch"),
            "swapped ranges break both seals: {error}"
        );
    }

    #[test]
    fn an_edited_seal_is_reported() {
        let error = read_edited(|json| config_map(json)["seal"] = Digest::of(b"x").0.into());
        assert!(
            error.contains(&format!(
                "resource `v1 ConfigMap team/a` seal digest mismatch: recorded `{}`",
                Digest::of(b"x")
            )),
            "{error}"
        );
    }

    #[test]
    fn a_missing_or_removed_entry_is_reported() {
        let error = read_edited(|json| {
            config_map(json)
                .as_object_mut()
                .expect("entry")
                .remove("seal");
        });
        assert!(
            error.contains("resource `v1 ConfigMap team/a` has no `seal`"),
            "{error}"
        );
        let error = read_edited(|json| {
            json["resources"]
                .as_array_mut()
                .expect("resources")
                .remove(0);
        });
        assert!(
            error.contains("resource `v1 ConfigMap team/a` digest mismatch: recorded `(none)`"),
            "{error}"
        );
    }

    #[test]
    fn edited_values_or_values_seal_are_reported() {
        let error = read_edited(|json| json["values"]["b"] = 2.into());
        assert!(error.contains("values digest mismatch"), "{error}");
        let error = read_edited(|json| json["values_seal"] = Digest::of(b"x").0.into());
        assert!(
            error.contains(&format!(
                "values seal digest mismatch: recorded `{}`",
                Digest::of(b"x")
            )),
            "{error}"
        );
        let error = read_edited(|json| {
            json.as_object_mut()
                .expect("revision")
                .remove("values_seal");
        });
        assert!(error.contains("it has no `values_seal`"), "{error}");
    }

    #[test]
    fn reformatted_values_are_an_edit() {
        let temp = tempfile::tempdir().expect("temp dir");
        let history = history(temp.path());
        let revision = record(&history, STREAM, 10);
        let path = revision_path(temp.path(), 1);
        let text = std::fs::read_to_string(&path).expect("read");
        let stored = format!("\"values\": {}", revision.values.text());
        assert!(text.contains(&stored), "values are stored as recorded");
        let spaced = format!("\"values\": {}", revision.values.text().replace(',', ", "));
        std::fs::write(&path, text.replace(&stored, &spaced)).expect("write");
        let error = history
            .read("demo", Some(1))
            .expect_err("edited")
            .to_string();
        assert!(error.contains("values seal digest mismatch"), "{error}");
    }

    #[test]
    fn an_edited_identity_is_reported() {
        let error = read_edited(|json| config_map(json)["name"] = "b".into());
        assert!(
            error.contains("resource `v1 ConfigMap team/b` digest mismatch"),
            "{error}"
        );
    }

    #[test]
    fn format_1_revisions_are_read_verified_and_rolled_back_as_format_2() {
        let temp = tempfile::tempdir().expect("temp dir");
        let history = history(temp.path());
        let recorded = record(&history, STREAM, 10);
        let path = revision_path(temp.path(), 1);
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        json["format"] = 1.into();
        json.as_object_mut()
            .expect("revision")
            .remove("values_seal");
        for entry in json["resources"].as_array_mut().expect("resources") {
            let entry = entry.as_object_mut().expect("entry");
            entry.remove("range");
            entry.remove("seal");
        }
        std::fs::write(&path, serde_json::to_string(&json).expect("json")).expect("write");
        let read = history.read("demo", Some(1)).expect("format 1 reads");
        assert_eq!(read.format, 1);
        assert_eq!(
            read.resources, recorded.resources,
            "ranges and seals filled in"
        );
        assert_eq!(read.values_seal, recorded.values_seal);
        let back = history
            .rollback("demo", 1, &RecordOptions::default())
            .expect("rolled back");
        assert_eq!(back.format, FORMAT);
        assert_eq!(history.read("demo", Some(2)).expect("read"), back);

        json["resources"][0]["digest"] = Digest::of(b"x").0.into();
        std::fs::write(&path, serde_json::to_string(&json).expect("json")).expect("write");
        let error = history
            .read("demo", Some(1))
            .expect_err("edited")
            .to_string();
        assert!(
            error.contains("resource `v1 ConfigMap team/a` digest mismatch"),
            "{error}"
        );
    }

    #[test]
    fn an_object_printed_twice_is_recorded_and_read() {
        // A hook for both pre- and post-install is printed before and after the resources.
        let twice = format!(
            "{STREAM}{}",
            &STREAM[..STREAM.find("---\n# Source: demo/templates/b").expect("b")]
        );
        let temp = tempfile::tempdir().expect("temp dir");
        let history = history(temp.path());
        let recorded = record(&history, &twice, 10);
        assert_eq!(recorded.resources.len(), 3);
        assert_eq!(history.read("demo", Some(1)).expect("read"), recorded);
    }

    #[test]
    fn chart_digest_separates_files() {
        let one: std::collections::BTreeMap<String, Vec<u8>> =
            [("a".to_owned(), b"bc".to_vec())].into();
        let two: std::collections::BTreeMap<String, Vec<u8>> = [
            ("a".to_owned(), b"b".to_vec()),
            ("c".to_owned(), Vec::new()),
        ]
        .into();
        assert_ne!(chart_digest(&one), chart_digest(&two));
    }
}
