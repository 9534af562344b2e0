//! The crate's error: one variant per stage, and the exit code each maps to.

use crate::{
    LoadError, ManifestError, PackageError, ReleaseError, RenderError, ValidateError, ValuesError,
};

/// Any keelson failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The chart could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Values could not be layered.
    #[error(transparent)]
    Values(#[from] ValuesError),
    /// A template failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The rendered output is not a valid set of objects.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// Packing, verifying or indexing chart archives failed.
    #[error(transparent)]
    Package(#[from] PackageError),
    /// `lint` could not run its checks (e.g. no schema for the Kubernetes version).
    #[error(transparent)]
    Validate(#[from] ValidateError),
    /// The release history could not be read or written.
    #[error(transparent)]
    Release(#[from] ReleaseError),
    /// Writing output failed.
    #[error("{path}: cannot read or write")]
    Io {
        /// What was being written.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The command line asks for something impossible.
    #[error("{message}\n  hint: {hint}")]
    Usage {
        /// What is wrong.
        message: String,
        /// What to do.
        hint: String,
    },
}

impl Error {
    /// 2 for every error; 1 is kept for "found something" results (lint findings, diffs).
    pub fn exit_code(&self) -> i32 {
        2
    }
}
