//! `index.yaml`: a Helm chart repository's index, made from the archives in a directory.
//!
//! The format is Helm's (`apiVersion: v1`, `entries` by chart name, `generated`), so any
//! static web server over the directory is a chart repository `helm repo add` accepts.
//! Each entry holds the fields of the archive's Chart.yaml plus `created`, `digest` (hex
//! sha256 of the archive file) and `urls`, keys sorted as Helm writes them.
//!
//! The index is deterministic for the same archives: charts by name, versions newest first
//! (SemVer order, as Helm sorts them). Times never come from the wall clock: `created` is
//! `SOURCE_DATE_EPOCH` when set, otherwise the latest mtime recorded inside the archive
//! (the packaging time for `helm package`, `SOURCE_DATE_EPOCH` or 1970 for
//! `keelson package`); `generated` is `SOURCE_DATE_EPOCH`, otherwise the latest `created`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{PackageError, file_sha256, read_archive, write_atomic};
use crate::chart::{Chart, Limits};

/// How to index a directory.
#[derive(Debug, Clone, Default)]
pub struct IndexOptions {
    /// Base URL the archives are served from; without one, `urls` are file names, which
    /// Helm resolves against the repository's URL.
    pub url: Option<String>,
    /// `SOURCE_DATE_EPOCH`: overrides every timestamp.
    pub now: Option<u64>,
    /// Limits for reading each archive.
    pub limits: Limits,
}

/// A repository index, ready to write.
#[derive(Debug, Clone)]
pub struct Index {
    /// The `index.yaml` text.
    pub text: String,
    /// How many archives it lists.
    pub charts: usize,
}

impl Index {
    /// Writes `dir/index.yaml` atomically; returns its path.
    ///
    /// # Errors
    /// [`PackageError::Write`].
    pub fn write(&self, dir: &Path) -> Result<PathBuf, PackageError> {
        let path = dir.join("index.yaml");
        write_atomic(&path, self.text.as_bytes())?;
        Ok(path)
    }
}

/// One archive's entry, before sorting.
struct Entry {
    version: semver::Version,
    file: String,
    fields: Value,
    created: u64,
}

/// Indexes every `*.tgz` directly in `dir`.
///
/// # Errors
/// [`PackageError::Read`] when the directory cannot be listed, [`PackageError::Load`] or
/// [`PackageError::TopLevel`] for an archive that is not a valid chart,
/// [`PackageError::Index`] when two archives hold the same chart version or a file name is
/// not UTF-8.
pub fn build(dir: &Path, options: &IndexOptions) -> Result<Index, PackageError> {
    let read_error = |source| PackageError::Read {
        path: dir.to_owned(),
        source,
    };
    let mut archives = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "tgz") || !path.is_file() {
            continue;
        }
        let Some(file) = entry.file_name().to_str().map(str::to_owned) else {
            return Err(PackageError::Index {
                path,
                message: "file name is not valid UTF-8".into(),
                hint: "rename the archive to `NAME-VERSION.tgz`".into(),
            });
        };
        archives.push((file, path));
    }
    archives.sort();
    let mut charts: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for (file, path) in &archives {
        let digest = file_sha256(path)?;
        let archive = read_archive(path, &options.limits)?;
        let chart = Chart::from_files(path.clone(), archive.files)?;
        if archive.top != chart.meta.name {
            return Err(PackageError::TopLevel {
                path: path.clone(),
                top: archive.top,
                name: chart.meta.name,
            });
        }
        let created = options.now.unwrap_or(archive.mtime);
        let url = match &options.url {
            Some(base) => format!("{}/{}", base.trim_end_matches('/'), url_escape(file)),
            None => url_escape(file),
        };
        let mut fields: BTreeMap<String, Value> = match serde_json::to_value(&chart.meta) {
            Ok(Value::Object(map)) => map.into_iter().collect(),
            _ => BTreeMap::new(),
        };
        fields.insert("created".into(), Value::String(rfc3339(created)));
        fields.insert("digest".into(), Value::String(digest));
        fields.insert("urls".into(), Value::Array(vec![Value::String(url)]));
        let version =
            semver::Version::parse(&chart.meta.version).map_err(|e| PackageError::Index {
                path: path.clone(),
                message: format!("version `{}` is not SemVer: {e}", chart.meta.version),
                hint: "package the chart again with `keelson package`".into(),
            })?;
        let versions = charts.entry(chart.meta.name.clone()).or_default();
        if let Some(twin) = versions.iter().find(|e| e.version == version) {
            return Err(PackageError::Index {
                path: path.clone(),
                message: format!(
                    "holds `{}` version `{version}`, as `{}` does",
                    chart.meta.name, twin.file
                ),
                hint: "a repository serves each chart version once; remove one of the archives"
                    .into(),
            });
        }
        versions.push(Entry {
            version,
            file: file.clone(),
            fields: Value::Object(fields.into_iter().collect::<Map<_, _>>()),
            created,
        });
    }
    let mut entries = Map::new();
    let mut latest = 0;
    for (name, mut versions) in charts {
        versions.sort_by(|a, b| b.version.cmp(&a.version));
        latest = versions.iter().map(|e| e.created).fold(latest, u64::max);
        entries.insert(
            name,
            Value::Array(versions.into_iter().map(|e| e.fields).collect()),
        );
    }
    let generated = options.now.unwrap_or(latest);
    let mut document = Map::new();
    document.insert("apiVersion".into(), Value::String("v1".into()));
    document.insert("entries".into(), Value::Object(entries));
    document.insert("generated".into(), Value::String(rfc3339(generated)));
    let mut text = crate::yaml::emit_value(&Value::Object(document));
    text.push('\n');
    Ok(Index {
        text,
        charts: archives.len(),
    })
}

/// `seconds` since 1970 as RFC 3339 in UTC, e.g. `2024-05-01T12:00:00Z`.
pub fn rfc3339(seconds: u64) -> String {
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm, for days since 1970-01-01 (non-negative).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `+`.
fn url_escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~+".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(4_107_542_399), "2100-02-28T23:59:59Z");
    }

    #[test]
    fn file_names_are_url_escaped() {
        assert_eq!(
            url_escape("demo-1.0.0+build.1.tgz"),
            "demo-1.0.0+build.1.tgz"
        );
        assert_eq!(url_escape("my chart#1.tgz"), "my%20chart%231.tgz");
    }
}
