//! A chart, loaded whole into memory: the only stage that reads the chart directory.

mod meta;
mod range;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use meta::{ChartMeta, ChartType, Dependency, Maintainer, is_dns1123_label};
pub use range::Range;

/// What loading a chart may cost (Helm's archive limits, applied to directories too).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest single file.
    pub max_file_bytes: u64,
    /// Largest chart, all files together.
    pub max_total_bytes: u64,
    /// Most files.
    pub max_files: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 5 * 1024 * 1024,
            max_total_bytes: 100 * 1024 * 1024,
            max_files: 10_000,
        }
    }
}

/// A chart: metadata, templates and every other file, keyed by chart-relative path.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Where the chart came from, as the user named it (a directory or an archive).
    pub origin: PathBuf,
    /// `Chart.yaml`.
    pub meta: ChartMeta,
    /// Files under `templates/`, sorted by path.
    pub templates: Vec<Template>,
    /// Every file of the chart (templates included), by `/`-separated relative path; shared
    /// with the template functions that read chart files.
    pub files: Arc<BTreeMap<String, Vec<u8>>>,
}

/// One file under `templates/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Chart-relative path, e.g. `templates/deployment.yaml`.
    pub path: String,
    /// UTF-8 source.
    pub source: String,
    /// What the file is for.
    pub kind: TemplateKind,
}

/// The role of a file under `templates/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    /// `*.yaml`/`*.yml` not starting with `_`: renders manifests.
    Manifest,
    /// `NOTES.txt`: rendered by `keelson notes`.
    Notes,
    /// Anything else (`_helpers.tera`, …): defines components, renders nothing itself.
    Partial,
}

/// Why a chart could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    /// A file or directory could not be read.
    Io {
        /// What was being read.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// There is no `Chart.yaml`.
    NotAChart {
        /// The directory that was tried.
        path: PathBuf,
    },
    /// `Chart.yaml` is not valid YAML or has the wrong shape.
    ChartYaml {
        /// Display path of Chart.yaml.
        path: String,
        /// 1-based line, 0 when unknown.
        line: usize,
        /// 1-based column, 0 when unknown.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A `Chart.yaml` field breaks a rule.
    Invalid {
        /// Display path of Chart.yaml.
        path: String,
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
        /// How to fix it.
        hint: String,
    },
    /// A symbolic link leads outside the chart.
    LinkOutside {
        /// The link.
        path: PathBuf,
        /// Where it leads.
        target: PathBuf,
    },
    /// A file or the whole chart is larger than allowed.
    TooLarge {
        /// The file (or chart).
        path: String,
        /// What was exceeded.
        what: String,
    },
    /// A template is not UTF-8.
    NotUtf8 {
        /// Display path of the template.
        path: String,
    },
    /// An archive could not be read or was refused.
    Archive {
        /// The archive.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io { path, .. } => write!(f, "{}: cannot read", path.display()),
            LoadError::NotAChart { path } => write!(
                f,
                "{}: not a chart: there is no Chart.yaml\n  hint: pass the chart directory or archive as CHART (default: ./chart)",
                path.display()
            ),
            LoadError::ChartYaml {
                path,
                line,
                column,
                message,
            } => {
                if *line > 0 {
                    write!(f, "{path}:{line}:{column}: {message}")
                } else {
                    write!(f, "{path}: {message}")
                }
            }
            LoadError::Invalid {
                path,
                field,
                message,
                hint,
            } => write!(f, "{path}: `{field}`: {message}\n  hint: {hint}"),
            LoadError::LinkOutside { path, target } => write!(
                f,
                "{}: symbolic link leads outside the chart (to {})\n  hint: charts must be self-contained; copy the file into the chart",
                path.display(),
                target.display()
            ),
            LoadError::TooLarge { path, what } => write!(f, "{path}: {what}"),
            LoadError::NotUtf8 { path } => {
                write!(
                    f,
                    "{path}: template is not valid UTF-8\n  hint: save it as UTF-8"
                )
            }
            LoadError::Archive { path, message } => write!(f, "{}: {message}", path.display()),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl Chart {
    /// The chart's name.
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// How to name a chart file in messages: `chart/values.yaml`, `dist/x.tgz:values.yaml`.
    pub fn display_path(&self, relative: &str) -> String {
        display_path(&self.origin, relative)
    }

    /// A chart file's bytes, by chart-relative path.
    pub fn file(&self, relative: &str) -> Option<&[u8]> {
        self.files.get(relative).map(Vec::as_slice)
    }

    /// Builds a chart from its files (chart-relative `/` paths), as read from a directory or
    /// an archive.
    ///
    /// # Errors
    /// [`LoadError`] when `Chart.yaml` is missing or invalid, or a template is not UTF-8.
    pub fn from_files(
        origin: PathBuf,
        files: BTreeMap<String, Vec<u8>>,
    ) -> Result<Chart, LoadError> {
        let display = |relative: &str| display_path(&origin, relative);
        let Some(chart_yaml) = files.get("Chart.yaml") else {
            return Err(LoadError::NotAChart { path: origin });
        };
        let chart_yaml =
            String::from_utf8(chart_yaml.clone()).map_err(|_| LoadError::ChartYaml {
                path: display("Chart.yaml"),
                line: 0,
                column: 0,
                message: "not valid UTF-8".into(),
            })?;
        let meta = ChartMeta::parse(&chart_yaml, &display("Chart.yaml"))?;
        let mut templates = Vec::new();
        for (path, bytes) in
            files.range::<String, _>("templates/".to_owned().."templates0".to_owned())
        {
            let name = path.rsplit('/').next().unwrap_or(path);
            let kind = if path == "templates/NOTES.txt" {
                TemplateKind::Notes
            } else if !name.starts_with('_') && (name.ends_with(".yaml") || name.ends_with(".yml"))
            {
                TemplateKind::Manifest
            } else {
                TemplateKind::Partial
            };
            let source = String::from_utf8(bytes.clone()).map_err(|_| LoadError::NotUtf8 {
                path: display(path),
            })?;
            templates.push(Template {
                path: path.clone(),
                source,
                kind,
            });
        }
        Ok(Chart {
            origin,
            meta,
            templates,
            files: Arc::new(files),
        })
    }
}

/// A chart file named for messages: `chart/values.yaml` in a directory, and
/// `dist/todo-app-1.0.0.tgz:templates/job.yaml` inside an archive.
fn display_path(origin: &Path, relative: &str) -> String {
    if origin.is_file() {
        format!("{}:{relative}", origin.display())
    } else {
        origin.join(relative).display().to_string()
    }
}

/// Loads the chart at `path`: a directory, or a `.tgz` archive made by `keelson package`
/// or `helm package`.
///
/// # Errors
/// [`LoadError`] when the chart cannot be read, is malformed, links outside itself, or
/// exceeds `limits`.
pub fn load(path: &Path, limits: &Limits) -> Result<Chart, LoadError> {
    let metadata = std::fs::metadata(path).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    let files = if metadata.is_dir() {
        read_dir(path, limits)?
    } else {
        crate::package::unpack(path, limits)?
    };
    Chart::from_files(path.to_owned(), files)
}

/// Directories that never belong to a chart.
const VCS_DIRS: [&str; 4] = [".git", ".hg", ".svn", ".bzr"];

fn read_dir(root: &Path, limits: &Limits) -> Result<BTreeMap<String, Vec<u8>>, LoadError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| LoadError::Io { path, source }
    };
    let canonical_root = std::fs::canonicalize(root).map_err(io(root))?;
    let ignore = crate::package::Ignore::for_chart(root).map_err(|e| LoadError::Archive {
        path: root.to_owned(),
        message: e,
    })?;
    let mut files = BTreeMap::new();
    let mut total: u64 = 0;
    let mut pending = vec![(root.to_owned(), String::new())];
    while let Some((dir, prefix)) = pending.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .map_err(io(&dir))?
            .collect::<Result<_, _>>()
            .map_err(io(&dir))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                return Err(LoadError::Archive {
                    path,
                    message: "file name is not valid UTF-8".into(),
                });
            };
            let relative = format!("{prefix}{name}");
            let file_type = entry.file_type().map_err(io(&path))?;
            if file_type.is_symlink() {
                let target = std::fs::canonicalize(&path).map_err(io(&path))?;
                if !target.starts_with(&canonical_root) {
                    return Err(LoadError::LinkOutside { path, target });
                }
            }
            let metadata = std::fs::metadata(&path).map_err(io(&path))?;
            if metadata.is_dir() {
                if VCS_DIRS.contains(&name.as_str()) || ignore.is_ignored(&relative, true) {
                    continue;
                }
                pending.push((path, format!("{relative}/")));
                continue;
            }
            if !metadata.is_file() || ignore.is_ignored(&relative, false) {
                continue;
            }
            let too_large = |path: &Path| LoadError::TooLarge {
                path: path.display().to_string(),
                what: format!(
                    "file is larger than {} bytes\n  hint: keep large data out of charts, or list it in .helmignore",
                    limits.max_file_bytes
                ),
            };
            if metadata.len() > limits.max_file_bytes {
                return Err(too_large(&path));
            }
            total += metadata.len();
            if total > limits.max_total_bytes || files.len() >= limits.max_files {
                return Err(LoadError::TooLarge {
                    path: root.display().to_string(),
                    what: format!(
                        "chart is larger than {} bytes or {} files",
                        limits.max_total_bytes, limits.max_files
                    ),
                });
            }
            // Sized from the metadata above (a hint: the file may have changed since).
            let bytes = std::fs::File::open(&path)
                .and_then(|file| crate::bounded::read(file, metadata.len(), limits.max_file_bytes))
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::FileTooLarge => too_large(&path),
                    _ => io(&path)(e),
                })?;
            files.insert(relative, bytes);
        }
    }
    Ok(files)
}
