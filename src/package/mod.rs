//! Chart archives: packing a chart into reproducible bytes, reading archives safely,
//! verifying them, and `.helmignore` rules.
//!
//! An archive is a gzip-compressed tar with Helm's layout (`NAME/Chart.yaml`,
//! `NAME/templates/...`). [`pack`] makes the same bytes for the same chart on any machine
//! at any time: entries sorted by path, directories before their contents, GNU headers
//! with modes 0644 (0755 for directories and executables), uid/gid 0, empty owner names
//! and one fixed mtime; a gzip header without name or time. The bytes also depend on the
//! deflate implementation (`miniz_oxide`, pinned by `Cargo.lock`); a snapshot test records
//! the digest of the example chart so that any change is noticed.

mod ignore;
pub mod index;

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use flate2::bufread::MultiGzDecoder;
use sha2::{Digest as _, Sha256};

use crate::chart::{Chart, ChartMeta, Limits, LoadError};

pub use self::ignore::{IGNORE_FILES, Ignore, VCS_DIRS};
pub use self::index::{Index, IndexOptions};

/// Why packing, verifying or indexing failed.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// The chart (or an archive) could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// `--version` is not SemVer.
    #[error(
        "`--version`: `{value}` is not SemVer: {reason}\n  hint: write MAJOR.MINOR.PATCH, e.g. `1.2.0`"
    )]
    Version {
        /// The flag's value.
        value: String,
        /// What the SemVer parser said.
        reason: String,
    },
    /// `--app-version` cannot be written into Chart.yaml.
    #[error(
        "`--app-version`: `{value}` {reason}\n  hint: use a single line of printable text, e.g. `3.1.0`"
    )]
    AppVersion {
        /// The flag's value.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// The new version could not be written into Chart.yaml.
    #[error(
        "{path}: cannot set {what}: {message}\n  hint: edit Chart.yaml by hand instead of passing the flag"
    )]
    ChartYaml {
        /// Display path of Chart.yaml.
        path: String,
        /// `version` or `appVersion`.
        what: String,
        /// What went wrong.
        message: String,
    },
    /// A file could not be read.
    #[error("{}: cannot read", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("{}: cannot write\n  hint: check that the directory exists and is writable", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// `--digest` is not `sha256:` and 64 hex digits.
    #[error(
        "`--digest`: `{value}` is not a sha256 digest\n  hint: write `sha256:` and 64 hex digits, as `keelson package` prints them"
    )]
    DigestSyntax {
        /// The flag's value.
        value: String,
    },
    /// The archive is not the one expected.
    #[error("{}: digest is `{actual}`, expected `{expected}`\n  hint: the archive changed or is not the one you meant; fetch or package it again", path.display())]
    DigestMismatch {
        /// The archive.
        path: PathBuf,
        /// What the caller expected.
        expected: String,
        /// What the archive hashes to.
        actual: String,
    },
    /// The archive's top-level directory is not named after the chart.
    #[error("{}: top-level directory `{top}` is not the chart's name `{name}`\n  hint: package the chart with `keelson package` (or `helm package`)", path.display())]
    TopLevel {
        /// The archive.
        path: PathBuf,
        /// Its top-level directory.
        top: String,
        /// The chart's name.
        name: String,
    },
    /// `SOURCE_DATE_EPOCH` is not a number of seconds.
    #[error(
        "`SOURCE_DATE_EPOCH`: `{value}` is not a number of seconds since 1970\n  hint: set it to e.g. `$(git log -1 --format=%ct)`, or unset it"
    )]
    Epoch {
        /// The variable's value.
        value: String,
    },
    /// A chart repository directory cannot be indexed.
    #[error("{}: {message}\n  hint: {hint}", path.display())]
    Index {
        /// The directory or archive at fault.
        path: PathBuf,
        /// What is wrong.
        message: String,
        /// What to do.
        hint: String,
    },
}

/// What to change while packing.
#[derive(Debug, Clone, Default)]
pub struct PackOptions {
    /// Replaces `version` in the packaged Chart.yaml (must be SemVer).
    pub version: Option<String>,
    /// Replaces (or adds) `appVersion` in the packaged Chart.yaml.
    pub app_version: Option<String>,
    /// The mtime of every entry, in seconds since 1970 (`SOURCE_DATE_EPOCH`, or 0).
    pub mtime: u64,
}

/// A packed chart: the archive's bytes and what names it.
#[derive(Debug, Clone)]
pub struct Package {
    /// The chart's name (and the archive's top-level directory).
    pub name: String,
    /// The packaged version.
    pub version: String,
    /// The `.tgz` bytes.
    pub bytes: Vec<u8>,
}

impl Package {
    /// `NAME-VERSION.tgz`, as Helm names archives.
    pub fn file_name(&self) -> String {
        format!("{}-{}.tgz", self.name, self.version)
    }

    /// `sha256:<hex>` of the archive's bytes.
    pub fn digest(&self) -> String {
        format!("sha256:{}", sha256_hex(&self.bytes))
    }

    /// Writes the archive into `dir` (created if missing) atomically; returns its path.
    ///
    /// # Errors
    /// [`PackageError::Write`] when the directory or the file cannot be written.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, PackageError> {
        std::fs::create_dir_all(dir).map_err(|source| PackageError::Write {
            path: dir.to_owned(),
            source,
        })?;
        let path = dir.join(self.file_name());
        write_atomic(&path, &self.bytes)?;
        Ok(path)
    }
}

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::render::hex(&Sha256::digest(bytes))
}

/// Reads `SOURCE_DATE_EPOCH`'s value: unset or empty means 0.
///
/// # Errors
/// [`PackageError::Epoch`] when it is set but not a whole number of seconds.
pub fn source_date_epoch(value: Option<&str>) -> Result<Option<u64>, PackageError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => text
            .parse::<u64>()
            .map(Some)
            .map_err(|_| PackageError::Epoch {
                value: text.to_owned(),
            }),
    }
}

/// Packs `chart` into a reproducible `.tgz`, applying `options`.
///
/// Chart.yaml is kept byte for byte unless `--version`/`--app-version` change it; then
/// only the `version:`/`appVersion:` line is rewritten (comments and layout survive), or,
/// when the file's layout does not allow that (flow style, a value over several lines),
/// the whole file is re-serialised from the parsed metadata. Either way the result is
/// parsed again and must say exactly what was asked.
///
/// # Errors
/// [`PackageError::Version`]/[`PackageError::AppVersion`] for bad flags,
/// [`PackageError::Load`] when the resulting chart is not valid.
pub fn pack(chart: &Chart, options: &PackOptions) -> Result<Package, PackageError> {
    let mut files = (*chart.files).clone();
    if let Some(text) = with_versions(chart, options)? {
        files.insert("Chart.yaml".into(), text.into_bytes());
    }
    let packed = Chart::from_files(chart.origin.clone(), files)?;
    let name = packed.meta.name.clone();
    let executable = |relative: &str| is_executable(&chart.origin, relative);
    let tar = tar_bytes(&name, &packed.files, &executable, options.mtime)?;
    let bytes = gzip(&tar)?;
    Ok(Package {
        name,
        version: packed.meta.version.clone(),
        bytes,
    })
}

/// The archive's entries, in the order they are written: directories (ending in `/`)
/// before their contents.
fn tar_bytes(
    name: &str,
    files: &BTreeMap<String, Vec<u8>>,
    executable: &dyn Fn(&str) -> bool,
    mtime: u64,
) -> Result<Vec<u8>, PackageError> {
    let mut entries: BTreeMap<String, Option<(&[u8], u32)>> = BTreeMap::new();
    entries.insert(format!("{name}/"), None);
    for (relative, bytes) in files {
        let mut prefix = format!("{name}/");
        let mut parts = relative.split('/').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_some() {
                prefix.push_str(part);
                prefix.push('/');
                entries.insert(prefix.clone(), None);
            }
        }
        let mode = if executable(relative) { 0o755 } else { 0o644 };
        entries.insert(format!("{name}/{relative}"), Some((bytes.as_slice(), mode)));
    }
    let mut builder = tar::Builder::new(Vec::new());
    let io = |source| PackageError::Write {
        path: PathBuf::from(format!("{name}.tgz")),
        source,
    };
    for (path, entry) in &entries {
        let mut header = tar::Header::new_gnu();
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(mtime);
        header.set_username("").map_err(io)?;
        header.set_groupname("").map_err(io)?;
        match entry {
            None => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(0o755);
                header.set_size(0);
                builder
                    .append_data(&mut header, path, std::io::empty())
                    .map_err(io)?;
            }
            Some((bytes, mode)) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(*mode);
                header.set_size(bytes.len() as u64);
                builder.append_data(&mut header, path, *bytes).map_err(io)?;
            }
        }
    }
    builder.into_inner().map_err(io)
}

/// gzip with a fixed level, no file name, mtime 0 and OS "unknown".
fn gzip(bytes: &[u8]) -> Result<Vec<u8>, PackageError> {
    let io = |source| PackageError::Write {
        path: PathBuf::from("<gzip>"),
        source,
    };
    let mut encoder = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::new(9));
    encoder.write_all(bytes).map_err(io)?;
    encoder.finish().map_err(io)
}

/// Whether a chart file should be packed as 0755: any execute bit set in the directory it
/// came from (never for files read from an archive).
fn is_executable(origin: &Path, relative: &str) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        origin.is_dir()
            && std::fs::metadata(origin.join(relative))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = (origin, relative);
        false
    }
}

/// Chart.yaml with `options`' versions written in, or `None` when nothing changes.
fn with_versions(chart: &Chart, options: &PackOptions) -> Result<Option<String>, PackageError> {
    if options.version.is_none() && options.app_version.is_none() {
        return Ok(None);
    }
    let mut expected = chart.meta.clone();
    if let Some(version) = &options.version {
        semver::Version::parse(version).map_err(|e| PackageError::Version {
            value: version.clone(),
            reason: e.to_string(),
        })?;
        expected.version = version.clone();
    }
    if let Some(app_version) = &options.app_version {
        if app_version.is_empty() || app_version.chars().any(char::is_control) {
            return Err(PackageError::AppVersion {
                value: app_version.escape_debug().to_string(),
                reason: "is empty or holds control characters".into(),
            });
        }
        expected.app_version = Some(app_version.clone());
    }
    let path = chart.display_path("Chart.yaml");
    let original = chart
        .file("Chart.yaml")
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let mut patched = Some(original);
    if let Some(version) = &options.version {
        patched = patched.and_then(|t| set_line(&t, "version", version, false));
    }
    if let Some(app_version) = &options.app_version {
        let quoted = serde_json::Value::String(app_version.clone()).to_string();
        patched = patched.and_then(|t| set_line(&t, "appVersion", &quoted, true));
    }
    if let Some(text) = patched
        && ChartMeta::parse(&text, &path).is_ok_and(|meta| meta == expected)
    {
        return Ok(Some(text));
    }
    let what = if options.version.is_some() {
        "version"
    } else {
        "appVersion"
    };
    let fail = |message: String| PackageError::ChartYaml {
        path: path.clone(),
        what: what.into(),
        message,
    };
    let text = serde_yaml_ng::to_string(&expected).map_err(|e| fail(e.to_string()))?;
    match ChartMeta::parse(&text, &path) {
        Ok(meta) if meta == expected => Ok(Some(text)),
        Ok(_) => Err(fail("the re-written file reads differently".into())),
        Err(e) => Err(fail(e.to_string())),
    }
}

/// Replaces the one top-level `key:` line of `text` with `key: value`, or appends it when
/// there is none and `append` is set; `None` when that cannot be done line-wise.
fn set_line(text: &str, key: &str, value: &str, append: bool) -> Option<String> {
    let is_key = |line: &str| {
        line.strip_prefix(key)
            .and_then(|rest| rest.strip_prefix(':'))
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
    };
    let count = text.lines().filter(|line| is_key(line)).count();
    let mut out = String::with_capacity(text.len() + value.len() + key.len() + 3);
    match count {
        0 if append => {
            out.push_str(text);
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&format!("{key}: {value}\n"));
        }
        1 => {
            for line in text.split_inclusive('\n') {
                if is_key(line.trim_end_matches(['\n', '\r'])) {
                    let ending = &line[line.trim_end_matches(['\n', '\r']).len()..];
                    out.push_str(&format!("{key}: {value}{ending}"));
                } else {
                    out.push_str(line);
                }
            }
        }
        _ => return None,
    }
    Some(out)
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename,
/// so readers see the old file or the new one, never half of one.
///
/// # Errors
/// [`PackageError::Write`] naming `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PackageError> {
    let fail = |source| PackageError::Write {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.keelson-{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map_err(fail)
}

/// A chart archive's contents.
#[derive(Debug, Clone)]
pub struct Archive {
    /// The one top-level directory.
    pub top: String,
    /// Files by chart-relative path (the top-level directory stripped).
    pub files: BTreeMap<String, Vec<u8>>,
    /// The latest mtime of any entry, in seconds since 1970.
    pub mtime: u64,
}

/// Reads a chart archive into chart-relative files.
///
/// # Errors
/// [`LoadError::Archive`] for anything unsafe or malformed; see [`read_archive`].
pub fn unpack(path: &Path, limits: &Limits) -> Result<BTreeMap<String, Vec<u8>>, LoadError> {
    read_archive(path, limits).map(|archive| archive.files)
}

/// Reads a chart archive into memory, refusing anything unsafe; nothing is written to
/// disk.
///
/// Refused, naming the archive and the entry: a file that is not gzip, or not tar inside;
/// absolute paths, `..`, backslashes, empty or `.` components; symbolic and hard links,
/// devices, fifos and other special entries; entries outside one top-level directory, or
/// more than one such directory; the same path twice; more than `limits.max_files`
/// files (or twice as many entries); a file over `limits.max_file_bytes`, or all files together over
/// `limits.max_total_bytes`. Sizes are counted while decompressing (the whole
/// decompressed stream is bounded too), never taken from headers, so a decompression bomb
/// costs at most the limits.
///
/// # Errors
/// [`LoadError::Io`] when the file cannot be opened, [`LoadError::Archive`] otherwise.
pub fn read_archive(path: &Path, limits: &Limits) -> Result<Archive, LoadError> {
    let file = std::fs::File::open(path).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    read_archive_from(BufReader::new(file), path, limits)
}

/// [`read_archive`] over any reader; `path` names the archive in errors.
///
/// # Errors
/// As [`read_archive`].
pub fn read_archive_from(
    mut reader: impl BufRead,
    path: &Path,
    limits: &Limits,
) -> Result<Archive, LoadError> {
    let refuse = |message: String| LoadError::Archive {
        path: path.to_owned(),
        message,
    };
    let head = reader.fill_buf().map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    if !head.starts_with(&[0x1f, 0x8b]) {
        return Err(refuse(
            "not a chart archive: the file is not gzip-compressed\n  hint: pass a chart directory, or a `.tgz` made by `keelson package` or `helm package`".into(),
        ));
    }
    // Headers, padding and long-name records are bounded too: at most 1.5 KiB for each of
    // the (at most twice `max_files`) entries on top of the file bytes, plus 1 MiB of slack.
    let max_entries = limits.max_files.saturating_mul(2);
    let stream_budget = limits
        .max_total_bytes
        .saturating_add((max_entries as u64).saturating_mul(1536))
        .saturating_add(1 << 20);
    let flags = Rc::new(Flags::default());
    let budget = Budget {
        inner: MultiGzDecoder::new(reader),
        left: stream_budget,
        flags: Rc::clone(&flags),
    };
    let mut archive = tar::Archive::new(budget);
    let too_large = |what: String| {
        refuse(format!(
            "{what}\n  hint: keep large data out of charts; this may be a decompression bomb"
        ))
    };
    let read_error = |entry: Option<&str>, e: std::io::Error| {
        if flags.exceeded.get() {
            return too_large(format!("decompresses to more than {stream_budget} bytes"));
        }
        let at = entry.map(|e| format!("entry `{e}`: ")).unwrap_or_default();
        if flags.inflate_failed.get() {
            return refuse(format!(
                "{at}the gzip stream is damaged or truncated: {e}\n  hint: download or package the archive again"
            ));
        }
        // The tar reader's messages may quote raw header bytes; show only short clean ones.
        let detail = e.to_string();
        let detail =
            if detail.len() <= 80 && detail.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
                format!(": {detail}")
            } else {
                String::new()
            };
        refuse(format!(
            "{at}the gzip stream does not hold a valid tar archive{detail}\n  hint: a chart archive is a .tgz made by `keelson package` or `helm package`"
        ))
    };
    let entries = archive.entries().map_err(|e| read_error(None, e))?;
    let mut top: Option<String> = None;
    let mut files = BTreeMap::new();
    let mut dirs = BTreeSet::new();
    let mut total: u64 = 0;
    let mut count: usize = 0;
    let mut mtime: u64 = 0;
    for entry in entries {
        let mut entry = entry.map_err(|e| read_error(None, e))?;
        // `git archive` and others start with a global pax header; Helm skips it too.
        if entry.header().entry_type().is_pax_global_extensions() {
            continue;
        }
        let raw = entry.path_bytes().into_owned();
        let name = String::from_utf8_lossy(&raw).into_owned();
        let entry_refused = |message: &str| refuse(format!("entry `{name}`: {message}"));
        // Files are limited like a chart directory's; directories (which packers may or
        // may not write) get as many again.
        count += 1;
        if count > max_entries {
            return Err(too_large(format!("holds more than {max_entries} entries")));
        }
        if std::str::from_utf8(&raw).is_err() {
            return Err(entry_refused("path is not valid UTF-8"));
        }
        let (first, relative) = entry_path(&name).map_err(|m| {
            entry_refused(&format!(
                "{m}\n  hint: refused because it could write outside the chart; package charts with `keelson package` or `helm package`"
            ))
        })?;
        match &top {
            None => top = Some(first.to_owned()),
            Some(top) if top != first => {
                return Err(entry_refused(&format!(
                    "a second top-level directory besides `{top}`\n  hint: a chart archive holds exactly one directory, named after the chart"
                )));
            }
            Some(_) => {}
        }
        let kind = entry.header().entry_type();
        let is_dir = kind.is_dir();
        if relative.is_empty() && !is_dir {
            return Err(entry_refused(
                "is outside the top-level directory\n  hint: a chart archive holds exactly one directory, named after the chart",
            ));
        }
        if !(kind.is_file() || is_dir) {
            let (what, hint) = match kind {
                tar::EntryType::Symlink => (
                    "is a symbolic link",
                    "replace links with copies of the files",
                ),
                tar::EntryType::Link => {
                    ("is a hard link", "replace links with copies of the files")
                }
                tar::EntryType::Char | tar::EntryType::Block => {
                    ("is a device file", "package only regular files")
                }
                tar::EntryType::Fifo => ("is a fifo", "package only regular files"),
                _ => (
                    "is not a regular file or directory",
                    "package only regular files",
                ),
            };
            return Err(entry_refused(&format!(
                "{what}; chart archives hold only files and directories\n  hint: {hint}"
            )));
        }
        mtime = mtime.max(entry.header().mtime().unwrap_or(0));
        if is_dir {
            if !relative.is_empty() && (files.contains_key(&relative) || !dirs.insert(relative)) {
                return Err(entry_refused(
                    "appears twice in the archive\n  hint: package the chart again with `keelson package`",
                ));
            }
            continue;
        }
        if files.contains_key(&relative) || dirs.contains(&relative) {
            return Err(entry_refused(
                "appears twice in the archive\n  hint: package the chart again with `keelson package`",
            ));
        }
        if files.len() >= limits.max_files {
            return Err(too_large(format!(
                "entry `{name}`: holds more than {} files",
                limits.max_files
            )));
        }
        // The header's size is only a hint: read at most one byte past the limit and count.
        let mut bytes = Vec::new();
        (&mut entry)
            .take(limits.max_file_bytes.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| read_error(Some(&name), e))?;
        if bytes.len() as u64 > limits.max_file_bytes {
            return Err(too_large(format!(
                "entry `{name}`: file is larger than {} bytes",
                limits.max_file_bytes
            )));
        }
        total = total.saturating_add(bytes.len() as u64);
        if total > limits.max_total_bytes {
            return Err(too_large(format!(
                "entry `{name}`: files add up to more than {} bytes",
                limits.max_total_bytes
            )));
        }
        files.insert(relative, bytes);
    }
    let Some(top) = top else {
        return Err(refuse(
            "the archive is empty\n  hint: package a chart with `keelson package`".into(),
        ));
    };
    Ok(Archive { top, files, mtime })
}

/// Splits an entry's path into its top-level directory and the chart-relative rest
/// (empty for the top-level directory itself).
fn entry_path(name: &str) -> Result<(&str, String), String> {
    if name.starts_with('/') {
        return Err("absolute path; entries must be relative to the archive".into());
    }
    if name.contains('\\') {
        return Err("path contains a backslash".into());
    }
    if name.contains('\0') {
        return Err("path contains a NUL byte".into());
    }
    let trimmed = name.strip_suffix('/').unwrap_or(name);
    let mut parts = trimmed.split('/');
    let first = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    for part in std::iter::once(first).chain(rest.iter().copied()) {
        match part {
            ".." => return Err("path leads outside the archive (`..`)".into()),
            "" | "." => return Err("path has an empty or `.` component".into()),
            _ => {}
        }
    }
    if first.len() >= 2 && first.as_bytes().get(1) == Some(&b':') {
        return Err("path starts with a drive letter".into());
    }
    Ok((first, rest.join("/")))
}

/// What went wrong below the tar reader, which wraps (and sometimes replaces) the errors
/// it gets, so flags are the reliable signal.
#[derive(Debug, Default)]
struct Flags {
    /// The decompressed stream outgrew its budget.
    exceeded: Cell<bool>,
    /// The decompressor failed (not gzip, damaged, truncated).
    inflate_failed: Cell<bool>,
}

/// A reader that fails once more than `left` bytes have come through.
struct Budget<R> {
    inner: R,
    left: u64,
    flags: Rc<Flags>,
}

impl<R: Read> Budget<R> {
    fn inner_read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner
            .read(buf)
            .inspect_err(|_| self.flags.inflate_failed.set(true))
    }
}

impl<R: Read> Read for Budget<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One probe byte tells a stream that ends exactly at the budget from a longer one.
            let mut probe = [0u8; 1];
            return match self.inner_read(&mut probe)? {
                0 => Ok(0),
                _ => {
                    self.flags.exceeded.set(true);
                    Err(std::io::Error::other("decompressed size limit reached"))
                }
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner_read(buf.get_mut(..want).unwrap_or_default())?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The chart, as loaded from the archive.
    pub chart: Chart,
    /// `sha256:<hex>` of the archive.
    pub digest: String,
}

/// Checks an archive: digest (when `expected` is given), safe unpacking, one top-level
/// directory named after the chart, and a valid chart.
///
/// # Errors
/// [`PackageError::DigestSyntax`], [`PackageError::DigestMismatch`],
/// [`PackageError::TopLevel`], [`PackageError::Load`] or [`PackageError::Read`].
pub fn verify(
    path: &Path,
    expected: Option<&str>,
    limits: &Limits,
) -> Result<Verified, PackageError> {
    let expected = expected.map(parse_digest).transpose()?;
    let digest = format!("sha256:{}", file_sha256(path)?);
    if let Some(expected) = expected
        && expected != digest
    {
        return Err(PackageError::DigestMismatch {
            path: path.to_owned(),
            expected,
            actual: digest,
        });
    }
    let archive = read_archive(path, limits)?;
    let chart = Chart::from_files(path.to_owned(), archive.files)?;
    if archive.top != chart.meta.name {
        return Err(PackageError::TopLevel {
            path: path.to_owned(),
            top: archive.top,
            name: chart.meta.name,
        });
    }
    Ok(Verified { chart, digest })
}

/// `sha256:<hex>` in lowercase, from what a user typed (`sha256:` optional, any case).
fn parse_digest(value: &str) -> Result<String, PackageError> {
    let hex = value.strip_prefix("sha256:").unwrap_or(value);
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(format!("sha256:{}", hex.to_ascii_lowercase()))
    } else {
        Err(PackageError::DigestSyntax {
            value: value.to_owned(),
        })
    }
}

/// Lowercase hex sha256 of a file, streamed.
pub(crate) fn file_sha256(path: &Path) -> Result<String, PackageError> {
    let fail = |source| PackageError::Read {
        path: path.to_owned(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(fail)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf).map_err(fail)?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or_default());
    }
    Ok(crate::render::hex(&hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(files: &[(&str, &str)]) -> Chart {
        let files = files
            .iter()
            .map(|(p, t)| ((*p).to_owned(), t.as_bytes().to_vec()))
            .collect();
        Chart::from_files(PathBuf::from("demo"), files).expect("valid chart")
    }

    const CHART_YAML: &str = "apiVersion: v2\n# the name\nname: demo\nversion: 0.1.0 # bumped by CI\nappVersion: \"1.0\"\n";

    fn demo() -> Chart {
        chart(&[
            ("Chart.yaml", CHART_YAML),
            ("values.yaml", "a: 1\n"),
            ("templates/cm.yaml", "kind: ConfigMap\n"),
        ])
    }

    fn unpacked(package: &Package) -> Archive {
        read_archive_from(
            package.bytes.as_slice(),
            Path::new("demo.tgz"),
            &Limits::default(),
        )
        .expect("own archives unpack")
    }

    #[test]
    fn packing_is_deterministic_and_round_trips() {
        let chart = demo();
        let first = pack(&chart, &PackOptions::default()).expect("packs");
        let second = pack(&chart, &PackOptions::default()).expect("packs");
        assert_eq!(first.bytes, second.bytes);
        assert_eq!(first.file_name(), "demo-0.1.0.tgz");
        let archive = unpacked(&first);
        assert_eq!(archive.top, "demo");
        assert_eq!(archive.files, *chart.files);
        assert_eq!(archive.mtime, 0);
    }

    #[test]
    fn the_gzip_header_has_no_time_and_no_name() {
        let package = pack(&demo(), &PackOptions::default()).expect("packs");
        let header = package.bytes.get(..10).expect("a gzip header");
        // magic, deflate, no flags (no name), mtime 0, xfl 2 (best), os 255 (unknown)
        assert_eq!(header, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);
    }

    #[test]
    fn the_mtime_option_changes_every_entry() {
        let options = PackOptions {
            mtime: 1_700_000_000,
            ..PackOptions::default()
        };
        let package = pack(&demo(), &options).expect("packs");
        assert_eq!(unpacked(&package).mtime, 1_700_000_000);
        let plain = pack(&demo(), &PackOptions::default()).expect("packs");
        assert_ne!(package.bytes, plain.bytes);
    }

    #[test]
    fn version_flag_rewrites_only_the_version_line() {
        let options = PackOptions {
            version: Some("2.3.4-rc.1".into()),
            ..PackOptions::default()
        };
        let package = pack(&demo(), &options).expect("packs");
        assert_eq!(package.file_name(), "demo-2.3.4-rc.1.tgz");
        let text = String::from_utf8(unpacked(&package).files["Chart.yaml"].clone()).unwrap();
        assert_eq!(
            text,
            "apiVersion: v2\n# the name\nname: demo\nversion: 2.3.4-rc.1\nappVersion: \"1.0\"\n"
        );
    }

    #[test]
    fn app_version_flag_is_quoted_and_added_when_missing() {
        let chart = chart(&[("Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0")]);
        let options = PackOptions {
            app_version: Some("1.10".into()),
            ..PackOptions::default()
        };
        let package = pack(&chart, &options).expect("packs");
        let text = String::from_utf8(unpacked(&package).files["Chart.yaml"].clone()).unwrap();
        assert_eq!(
            text,
            "apiVersion: v2\nname: demo\nversion: 0.1.0\nappVersion: \"1.10\"\n"
        );
    }

    #[test]
    fn flow_style_chart_yaml_is_re_serialised() {
        let chart = chart(&[(
            "Chart.yaml",
            "{apiVersion: v2, name: demo, version: 0.1.0}\n",
        )]);
        let options = PackOptions {
            version: Some("0.2.0".into()),
            ..PackOptions::default()
        };
        let package = pack(&chart, &options).expect("packs");
        let text = String::from_utf8(unpacked(&package).files["Chart.yaml"].clone()).unwrap();
        let meta = ChartMeta::parse(&text, "Chart.yaml").expect("valid");
        assert_eq!(meta.version, "0.2.0");
    }

    #[test]
    fn a_version_that_is_not_semver_is_refused() {
        let options = PackOptions {
            version: Some("1.0".into()),
            ..PackOptions::default()
        };
        let err = pack(&demo(), &options).expect_err("not semver");
        assert!(
            err.to_string()
                .starts_with("`--version`: `1.0` is not SemVer"),
            "{err}"
        );
    }

    #[test]
    fn digests_are_parsed_leniently_but_checked_strictly() {
        let hex = "A".repeat(64);
        assert_eq!(
            parse_digest(&format!("sha256:{hex}")).unwrap(),
            format!("sha256:{}", "a".repeat(64))
        );
        assert!(parse_digest("sha256:abc").is_err());
        assert!(parse_digest(&format!("md5:{hex}")).is_err());
    }

    #[test]
    fn entry_paths_are_checked() {
        assert_eq!(
            entry_path("demo/templates/a.yaml").unwrap(),
            ("demo", "templates/a.yaml".into())
        );
        assert_eq!(entry_path("demo/").unwrap(), ("demo", String::new()));
        for bad in [
            "/etc/passwd",
            "demo/../x",
            "../x",
            "demo//x",
            "./demo/x",
            "demo\\x",
            "C:/x",
        ] {
            assert!(entry_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_budget_reader_stops_at_its_limit() {
        let flags = Rc::new(Flags::default());
        let mut reader = Budget {
            inner: [7u8; 100].as_slice(),
            left: 10,
            flags: Rc::clone(&flags),
        };
        let mut out = Vec::new();
        assert!(reader.read_to_end(&mut out).is_err());
        assert_eq!(out.len(), 10);
        assert!(flags.exceeded.get());
        let mut exact = Budget {
            inner: [7u8; 10].as_slice(),
            left: 10,
            flags: Rc::new(Flags::default()),
        };
        assert_eq!(exact.read_to_end(&mut Vec::new()).unwrap(), 10);
    }

    #[test]
    fn directory_entries_are_bounded_too() {
        let files = BTreeMap::from([("Chart.yaml".to_owned(), CHART_YAML.as_bytes().to_vec())]);
        let tar = tar_bytes("demo", &files, &|_| false, 0).expect("tar");
        let mut builder = tar::Builder::new(Vec::new());
        for i in 0..7 {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(tar::EntryType::Directory);
            header.set_size(0);
            builder
                .append_data(&mut header, format!("demo/d{i}/"), std::io::empty())
                .expect("append");
        }
        let mut bytes = builder.into_inner().expect("tar");
        // Our archive first (without its end blocks), then the directories.
        let mut both = tar.get(..tar.len() - 1024).expect("end blocks").to_vec();
        both.append(&mut bytes);
        let limits = Limits {
            max_files: 3,
            ..Limits::default()
        };
        let err = read_archive_from(
            gzip(&both).expect("gzip").as_slice(),
            Path::new("d.tgz"),
            &limits,
        )
        .expect_err("too many entries");
        assert!(
            err.to_string()
                .starts_with("d.tgz: holds more than 6 entries"),
            "{err}"
        );
    }

    #[test]
    fn source_date_epoch_is_parsed() {
        assert_eq!(source_date_epoch(None).unwrap(), None);
        assert_eq!(source_date_epoch(Some("")).unwrap(), None);
        assert_eq!(source_date_epoch(Some("42")).unwrap(), Some(42));
        assert!(source_date_epoch(Some("yesterday")).is_err());
    }
}
