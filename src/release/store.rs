//! The state directory on disk: private directories, a lock per release, atomic writes.
//!
//! ```text
//! DIR/releases/NAME/.lock                  flock'd: exclusive to record, shared to read
//! DIR/releases/NAME/revision-000001.json   one revision per file, written atomically
//! ```

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::ReleaseError;

/// Name of the lock file in a release directory.
const LOCK: &str = ".lock";

/// `revision-000042.json`
pub fn file_name(revision: u64) -> String {
    format!("revision-{revision:06}.json")
}

/// The revision number a file name stands for, if it is a revision file.
fn parse_file_name(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("revision-")?.strip_suffix(".json")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn io(path: &Path, action: &'static str) -> impl FnOnce(std::io::Error) -> ReleaseError {
    let path = path.to_owned();
    move |source| ReleaseError::Io {
        path,
        action,
        source,
    }
}

/// Creates `dir` and its missing parents, each new one readable by the owner only.
pub fn create_private_dir(dir: &Path) -> Result<(), ReleaseError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io(dir, "create directory"))
}

/// The revision numbers recorded in `dir`, ascending; `None` when `dir` does not exist.
pub fn numbers(dir: &Path) -> Result<Option<Vec<u64>>, ReleaseError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(dir, "read directory")(e)),
    };
    let mut numbers = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io(dir, "read directory"))?;
        if let Some(number) = entry.file_name().to_str().and_then(parse_file_name) {
            numbers.push(number);
        }
    }
    numbers.sort_unstable();
    Ok(Some(numbers))
}

/// An open lock file; the lock is released when it is dropped.
pub struct Lock(#[expect(dead_code, reason = "held for its drop")] File);

/// Takes the release's lock exclusively, creating the lock file; blocks until it is free.
pub fn lock_exclusive(dir: &Path) -> Result<Lock, ReleaseError> {
    let path = dir.join(LOCK);
    let mut options = OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(&path).map_err(io(&path, "open lock file"))?;
    file.lock().map_err(io(&path, "lock"))?;
    Ok(Lock(file))
}

/// Takes the release's lock shared (readers wait for a record or prune to finish); no lock
/// when the lock file is missing, since reading must never write to the state directory.
pub fn lock_shared(dir: &Path) -> Result<Option<Lock>, ReleaseError> {
    let path = dir.join(LOCK);
    match File::open(&path) {
        Ok(file) => {
            file.lock_shared().map_err(io(&path, "lock"))?;
            Ok(Some(Lock(file)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(&path, "open lock file")(e)),
    }
}

/// Writes `bytes` to `dir/name` atomically: a private temporary file in the same directory,
/// flushed to disk, renamed over the target, then the directory flushed so the rename lasts.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, ReleaseError> {
    let target = dir.join(name);
    let temporary = dir.join(format!(".{name}.tmp"));
    let result = (|| {
        let mut options = OpenOptions::new();
        options.create(true).truncate(true).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options
            .open(&temporary)
            .map_err(io(&temporary, "create file"))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(io(&temporary, "write file"))?;
        fs::rename(&temporary, &target).map_err(io(&target, "rename into place"))?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result.map(|()| target)
}

fn sync_dir(dir: &Path) -> Result<(), ReleaseError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir, "flush directory"))?;
    Ok(())
}

/// Removes the oldest revisions so that at most `keep` remain (0 keeps all). Best effort:
/// a file that cannot be removed now is removed by the next record.
pub fn prune(dir: &Path, numbers: &[u64], keep: usize) {
    if keep == 0 || numbers.len() <= keep {
        return;
    }
    for number in numbers.iter().take(numbers.len() - keep) {
        let _ = fs::remove_file(dir.join(file_name(*number)));
    }
    let _ = sync_dir(dir);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revision_file_names_round_trip_and_others_are_ignored() {
        assert_eq!(file_name(7), "revision-000007.json");
        assert_eq!(parse_file_name("revision-000007.json"), Some(7));
        assert_eq!(parse_file_name("revision-1234567.json"), Some(1_234_567));
        assert_eq!(parse_file_name(".revision-000007.json.tmp"), None);
        assert_eq!(parse_file_name("revision-.json"), None);
        assert_eq!(parse_file_name("revision-+1.json"), None);
        assert_eq!(parse_file_name(".lock"), None);
    }

    #[cfg(unix)]
    #[test]
    fn files_and_directories_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path().join("state/releases/x");
        create_private_dir(&dir).expect("created");
        let path = write_atomic(&dir, "revision-000001.json", b"{}").expect("written");
        let mode = |p: &Path| fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&temp.path().join("state")), 0o700);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(fs::read(&path).expect("read"), b"{}");
        assert_eq!(numbers(&dir).expect("listed"), Some(vec![1]));
    }

    #[test]
    fn pruning_removes_the_oldest_only() {
        let temp = tempfile::tempdir().expect("temp dir");
        for n in 1..=5 {
            write_atomic(temp.path(), &file_name(n), b"{}").expect("written");
        }
        prune(temp.path(), &[1, 2, 3, 4, 5], 2);
        assert_eq!(numbers(temp.path()).expect("listed"), Some(vec![4, 5]));
        prune(temp.path(), &[4, 5], 0);
        assert_eq!(numbers(temp.path()).expect("listed"), Some(vec![4, 5]));
    }
}
