//! Release history from the command line: record, history, get, diff, rollback, and every
//! way a state directory can be missing, damaged or unwritable.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use support::Run;

const CHART: &str = "tests/fixtures/history/revision-aware";

/// A temporary state directory and the commands that use it.
struct State {
    dir: tempfile::TempDir,
}

impl State {
    fn new() -> State {
        State {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn release_dir(&self, name: &str) -> PathBuf {
        self.path().join("releases").join(name)
    }

    fn revision_file(&self, name: &str, revision: u64) -> PathBuf {
        self.release_dir(name)
            .join(format!("revision-{revision:06}.json"))
    }

    /// `keelson ARGS --state-dir DIR`.
    fn run(&self, args: &[&str]) -> Run {
        let mut all: Vec<&str> = args.to_vec();
        let dir = self.path().display().to_string();
        all.extend(["--state-dir", &dir]);
        support::keelson(&all)
    }

    /// Records a render of the fixture chart as release `demo` with extra flags.
    fn record(&self, extra: &[&str]) -> Run {
        let mut args = vec!["render", CHART, "--release", "demo", "--record"];
        args.extend(extra);
        let run = self.run(&args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run
    }
}

fn settings() -> insta::Settings {
    let mut settings = support::settings();
    settings.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "[TIME]");
    settings
}

#[test]
fn record_prints_the_render_and_numbers_revisions() {
    let state = State::new();
    let plain = support::keelson(&["render", CHART, "--release", "demo"]);
    let first = state.record(&[]);
    assert_eq!(
        first.stdout, plain.stdout,
        "recording changes nothing printed"
    );
    assert_eq!(
        first.stderr,
        "recorded release `demo` revision 1: Install\n"
    );
    let second = state.record(&["--set", "greeting=hi"]);
    assert!(
        second
            .stdout
            .contains("revision: \"2\"\n  upgrade: \"true\"")
    );
    assert_eq!(
        second.stderr,
        "recorded release `demo` revision 2: Upgrade\n"
    );
    let manifest = state.run(&["get", "manifest", "demo", "--revision", "1"]);
    assert_eq!(manifest.code, 0, "{}", manifest.stderr);
    assert_eq!(manifest.stdout, first.stdout);
    assert!(
        first
            .stdout
            .contains("revision: \"1\"\n  upgrade: \"false\"")
    );
}

#[test]
fn history_lists_revisions_as_a_table_and_json() {
    let state = State::new();
    state.record(&[]);
    state.record(&["--set", "replicas=3"]);
    settings().bind(|| {
        insta::assert_snapshot!(
            "history-table",
            state.run(&["history", "demo"]).transcript()
        );
    });
    let json = state.run(&["history", "demo", "-o", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(parsed[1]["revision"], 2);
    assert_eq!(parsed[1]["description"], "Upgrade");
    assert_eq!(parsed[0]["chart"]["app_version"], "4.5");
}

#[test]
fn get_values_and_digests() {
    let state = State::new();
    state.record(&["--set", "greeting=hi"]);
    settings().bind(|| {
        insta::assert_snapshot!(
            "history-get-values",
            state.run(&["get", "values", "demo"]).transcript()
        );
        insta::assert_snapshot!(
            "history-get-digests",
            state.run(&["get", "digests", "demo"]).transcript()
        );
    });
    let json = state.run(&["get", "values", "demo", "-o", "json"]);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(parsed["greeting"], "hi");
}

#[test]
fn diff_of_the_last_two_revisions() {
    let state = State::new();
    state.record(&[]);
    state.record(&[
        "--set",
        "replicas=3",
        "--set",
        "password=s3cret",
        "--set",
        "extra=1",
    ]);
    settings().bind(|| {
        let run = state.run(&["diff", "demo"]);
        assert_eq!(run.code, 1);
        assert!(!run.stdout.contains("s3cret"), "secrets are masked");
        insta::assert_snapshot!("history-diff-revisions", run.transcript());
    });
    let shown = state.run(&["diff", "demo", "--show-secrets"]);
    assert!(
        shown.stdout.contains("+  password: s3cret"),
        "{}",
        shown.stdout
    );
    let json = state.run(&["diff", "demo", "-o", "json"]);
    assert_eq!(json.code, 1);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let changes: Vec<(String, String)> = parsed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["change"].as_str().unwrap().to_owned(),
                c["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("changed".into(), "Secret".into()),
            ("changed".into(), "ConfigMap".into()),
            ("added".into(), "Service".into()),
            ("changed".into(), "Deployment".into()),
        ]
    );
}

#[test]
fn diff_of_identical_revisions_exits_zero() {
    let state = State::new();
    state.record(&["--set", "greeting=a"]);
    state.record(&["--set", "greeting=b"]);
    state.record(&["--set", "greeting=a"]);
    let run = state.run(&["diff", "demo", "--from", "1", "--to", "3"]);
    assert_eq!(
        run.code, 1,
        "the revision number is rendered into the config"
    );
    let run = state.run(&["diff", "demo", "--from", "2", "--to", "2"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "release `demo`: revision 2 -> revision 2: no changes (3 unchanged)\n"
    );
}

#[test]
fn diff_against_a_render_records_nothing() {
    let state = State::new();
    state.record(&[]);
    settings().bind(|| {
        let run = state.run(&["diff", "demo", CHART, "--set", "replicas=5"]);
        assert_eq!(run.code, 1);
        insta::assert_snapshot!("history-diff-render", run.transcript());
    });
    let history = state.run(&["history", "demo", "-o", "json"]);
    let parsed: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    assert_eq!(parsed.as_array().unwrap().len(), 1);
}

#[test]
fn diff_colours_only_when_asked_or_on_a_terminal() {
    let state = State::new();
    state.record(&[]);
    state.record(&["--set", "replicas=2"]);
    let plain = state.run(&["diff", "demo"]);
    assert!(!plain.stdout.contains('\x1b'));
    let coloured = state.run(&["diff", "demo", "--color", "always"]);
    assert!(coloured.stdout.contains("\x1b[32m+  replicas: 2\x1b[0m"));
}

#[test]
fn rollback_prints_the_old_revision_and_records_a_copy() {
    let state = State::new();
    let first = state.record(&[]);
    state.record(&["--set", "greeting=changed"]);
    let run = state.run(&["rollback", "demo", "1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, first.stdout, "byte for byte");
    assert_eq!(
        run.stderr,
        "recorded release `demo` revision 3: Rollback to 1\n"
    );
    let digests = |revision: &str| {
        let run = state.run(&[
            "get",
            "digests",
            "demo",
            "--revision",
            revision,
            "-o",
            "json",
        ]);
        let parsed: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        parsed["resources"].clone()
    };
    assert_eq!(digests("1"), digests("3"));
    assert_ne!(digests("2"), digests("3"));
    let diff = state.run(&["diff", "demo", "--from", "1", "--to", "3"]);
    assert_eq!(diff.code, 0, "{}", diff.stdout);
    let history = state.run(&["history", "demo"]);
    assert!(history.stdout.contains("Rollback to 1"));
}

#[test]
fn pruning_keeps_the_newest_and_never_reuses_numbers() {
    let state = State::new();
    for _ in 0..5 {
        state.record(&["--history-max", "3"]);
    }
    let numbers = |state: &State| {
        let run = state.run(&["history", "demo", "-o", "json"]);
        let parsed: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        parsed
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["revision"].as_u64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(numbers(&state), [3, 4, 5]);
    state.record(&["--history-max", "0"]);
    assert_eq!(numbers(&state), [3, 4, 5, 6]);
    state.record(&[]);
    assert_eq!(numbers(&state), [3, 4, 5, 6, 7]);
}

#[test]
fn concurrent_records_get_distinct_intact_revisions() {
    let state = State::new();
    let dir = state.path().display().to_string();
    let children: Vec<_> = (0..8)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_keelson"))
                .args(["render", CHART, "--release", "demo", "--record"])
                .args(["--state-dir", &dir, "--set", &format!("greeting=run{i}")])
                .current_dir(support::root())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut recorded = Vec::new();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success());
        let stdout = String::from_utf8(output.stdout).unwrap();
        let revision = stdout
            .lines()
            .find_map(|l| l.strip_prefix("  revision: "))
            .unwrap()
            .trim_matches('"')
            .parse::<u64>()
            .unwrap();
        recorded.push(revision);
    }
    recorded.sort_unstable();
    assert_eq!(recorded, [1, 2, 3, 4, 5, 6, 7, 8]);
    for revision in 1..=8 {
        let run = state.run(&[
            "get",
            "manifest",
            "demo",
            "--revision",
            &revision.to_string(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.contains(&format!("revision: \"{revision}\"")));
    }
    let leftovers: Vec<_> = std::fs::read_dir(state.release_dir("demo"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[cfg(unix)]
#[test]
fn state_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let state = State::new();
    let dir = state.path().join("fresh");
    let run = support::keelson(&[
        "render",
        CHART,
        "--release",
        "demo",
        "--record",
        "--state-dir",
        &dir.display().to_string(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("releases/demo")), 0o700);
    assert_eq!(mode(&dir.join("releases/demo/revision-000001.json")), 0o600);
}

/// Every failure: exit 2, nothing on stdout, and a message naming the file.
fn failure(run: &Run) -> String {
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert_eq!(run.stdout, "");
    run.transcript()
}

#[test]
fn unknown_release_and_revision_are_errors() {
    let state = State::new();
    settings().bind(|| {
        insta::assert_snapshot!(
            "history-err-unknown-release",
            failure(&state.run(&["history", "demo"]))
        );
        for args in [
            &["get", "manifest", "demo"][..],
            &["diff", "demo"],
            &["rollback", "demo", "1"],
        ] {
            assert!(failure(&state.run(args)).contains("no history for release `demo`"));
        }
        state.record(&[]);
        insta::assert_snapshot!(
            "history-err-unknown-revision",
            failure(&state.run(&["get", "values", "demo", "--revision", "7"]))
        );
        insta::assert_snapshot!(
            "history-err-nothing-to-compare",
            failure(&state.run(&["diff", "demo"]))
        );
        assert!(failure(&state.run(&["rollback", "demo", "2"])).contains("has no revision 2"));
    });
    assert!(!state.revision_file("demo", 2).exists(), "nothing recorded");
}

#[test]
fn invalid_release_names_are_refused() {
    let state = State::new();
    let long = "a".repeat(54);
    settings().bind(|| {
        insta::assert_snapshot!(
            "history-err-release-name",
            failure(&state.run(&["history", "../x"]))
        );
    });
    let run = state.run(&["render", CHART, "--release", &long, "--record"]);
    assert!(failure(&run).contains("at most 53 characters"));
    assert!(!state.path().join("releases").exists());
}

#[test]
fn corrupted_revision_files_are_reported_and_never_used() {
    let state = State::new();
    state.record(&[]);
    state.record(&["--set", "greeting=hi"]);
    std::fs::write(state.revision_file("demo", 1), "{ not json").unwrap();
    settings().bind(|| {
        insta::assert_snapshot!(
            "history-err-invalid-json",
            failure(&state.run(&["get", "manifest", "demo", "--revision", "1"]))
        );
    });
    failure(&state.run(&["history", "demo"]));
    failure(&state.run(&["rollback", "demo", "1"]));
    failure(&state.run(&["diff", "demo"]));
    let ok = state.run(&["get", "manifest", "demo", "--revision", "2"]);
    assert_eq!(ok.code, 0, "other revisions still read");
}

#[test]
fn a_tampered_manifest_is_a_digest_mismatch() {
    let state = State::new();
    state.record(&[]);
    let path = state.revision_file("demo", 1);
    let text = std::fs::read_to_string(&path).unwrap();
    let tampered = text.replacen("replicas: 1", "replicas: 9", 1);
    assert_ne!(text, tampered);
    std::fs::write(&path, tampered).unwrap();
    settings().bind(|| {
        insta::assert_snapshot!(
            "history-err-tampered",
            failure(&state.run(&["get", "manifest", "demo"]))
        );
    });
    failure(&state.run(&["rollback", "demo", "1"]));
    assert!(!state.revision_file("demo", 2).exists());
}

#[test]
fn tampered_values_are_a_digest_mismatch() {
    let state = State::new();
    state.record(&[]);
    let path = state.revision_file("demo", 1);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("\"hello\"", "\"hellO\"", 1)).unwrap();
    let error = failure(&state.run(&["get", "values", "demo"]));
    assert!(
        error.contains("revision-000001.json: values digest mismatch"),
        "{error}"
    );
}

#[test]
fn an_unwritable_state_dir_prints_nothing() {
    let state = State::new();
    let file = state.path().join("not-a-dir");
    std::fs::write(&file, "").unwrap();
    let run = support::keelson(&[
        "render",
        CHART,
        "--release",
        "demo",
        "--record",
        "--state-dir",
        &file.display().to_string(),
    ]);
    settings().bind(|| {
        insta::assert_snapshot!("history-err-unwritable", failure(&run));
    });
}

#[cfg(unix)]
#[test]
fn a_read_only_state_dir_prints_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let state = State::new();
    state.record(&[]);
    let dir = state.release_dir("demo");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500)).unwrap();
    let probe = dir.join("probe");
    if std::fs::write(&probe, "").is_ok() {
        // Running as root: permissions do not stop writes (the regular-file case above
        // covers an unwritable state directory).
        let _ = std::fs::remove_file(&probe);
        return;
    }
    let run = state.run(&["render", CHART, "--release", "demo", "--record"]);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    failure(&run);
    assert!(!state.revision_file("demo", 2).exists());
}

#[test]
fn a_failed_render_records_nothing() {
    let state = State::new();
    let run = state.run(&[
        "render",
        "tests/fixtures/err-required",
        "--release",
        "demo",
        "--record",
    ]);
    failure(&run);
    assert!(!state.revision_file("demo", 1).exists());
    assert!(failure(&state.run(&["history", "demo"])).contains("no history"));
}

#[test]
fn record_refuses_partial_output() {
    let state = State::new();
    for flags in [
        &["--phase", "main"][..],
        &["--no-hooks"],
        &["--show-only", "templates/config.yaml"],
        &["--is-upgrade"],
    ] {
        let mut args = vec!["render", CHART, "--release", "demo", "--record"];
        args.extend(flags);
        failure(&state.run(&args));
    }
    failure(&state.run(&["render", CHART, "--record"]));
}
