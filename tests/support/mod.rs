//! Shared helpers for the integration tests: run the real binary, snapshot settings.
#![allow(clippy::unwrap_used, dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The project root (where Cargo.toml is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What one run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Exit code, stdout and stderr in one string, for snapshots.
    pub fn transcript(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `keelson ARGS` in `dir` with `stdin`.
pub fn keelson_in(dir: &Path, args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keelson"))
        .args(args)
        .current_dir(dir)
        .env_remove("KEELSON_STATE_DIR")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `keelson ARGS` from the project root.
pub fn keelson(args: &[&str]) -> Run {
    keelson_in(&root(), args, "")
}

/// insta settings: snapshots in `snapshots/`, no module prefix, temp paths filtered.
pub fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    // The checkout itself may live under /tmp (CI clones anywhere): name it first.
    settings.add_filter(&regex_escape(&root().display().to_string()), "[ROOT]");
    settings.add_filter(r"/tmp/[^/\s:]+", "[TMP]");
    settings
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '/' || c == '_' || c == '-' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

/// Renders a fixture chart directory (with its `values.test.yaml` layered on top if present).
pub fn render_dir(dir: &Path) -> String {
    let mut args = vec!["render".to_owned(), dir.display().to_string()];
    let extra = dir.join("values.test.yaml");
    if extra.exists() {
        args.push("-f".into());
        args.push(extra.display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    keelson(&args).transcript()
}
