//! Chart archives: reading them safely, and `.helmignore` rules.

use std::collections::BTreeMap;
use std::path::Path;

use crate::chart::{Limits, LoadError};

/// `.helmignore`/`.keelsonignore` rules of a chart directory.
#[derive(Debug, Clone, Default)]
pub struct Ignore {}

impl Ignore {
    /// Reads the ignore files of the chart at `root` (none is fine).
    ///
    /// # Errors
    /// A message when an ignore file cannot be read.
    pub fn for_chart(_root: &Path) -> Result<Ignore, String> {
        Ok(Ignore::default())
    }

    /// Whether the chart-relative `path` is left out.
    pub fn is_ignored(&self, _path: &str, _is_dir: bool) -> bool {
        false
    }
}

/// Reads a chart archive into chart-relative files.
///
/// # Errors
/// [`LoadError::Archive`] for anything unsafe or malformed.
pub fn unpack(path: &Path, _limits: &Limits) -> Result<BTreeMap<String, Vec<u8>>, LoadError> {
    Err(LoadError::Archive {
        path: path.to_owned(),
        message: "not a chart directory (chart archives are not supported yet)".into(),
    })
}
