//! The real binary, run the way users run it: every error class exits 2 with a message on
//! stderr and nothing on stdout; the happy paths print what they promise.
#![allow(clippy::unwrap_used)]

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use support::{Run, keelson, keelson_in, root, settings};

/// A scratch chart: `files` are (relative path, contents).
fn chart(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, contents) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }
    dir
}

const CHART_YAML: &[u8] = b"apiVersion: v2\nname: demo\nversion: 0.1.0\n";
const CONFIGMAP: &[u8] =
    b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  mode: {{ values.mode | quote }}\n";

fn demo(values: &[u8]) -> tempfile::TempDir {
    chart(&[
        ("Chart.yaml", CHART_YAML),
        ("values.yaml", values),
        ("templates/cm.yaml", CONFIGMAP),
    ])
}

fn render(dir: &Path, extra: &[&str]) -> Run {
    let dir = dir.display().to_string();
    let mut args = vec!["render", dir.as_str()];
    args.extend_from_slice(extra);
    keelson(&args)
}

/// An error run: exit 2, nothing on stdout, the transcript snapshotted under `name`.
fn assert_error(name: &str, run: &Run) {
    assert_eq!(run.code, 2, "{name}: {}", run.transcript());
    assert!(
        run.stdout.is_empty(),
        "{name}: stdout must be empty: {}",
        run.stdout
    );
    assert!(run.stderr.starts_with("error: "), "{name}: {}", run.stderr);
    settings().bind(|| insta::assert_snapshot!(format!("cli-{name}"), run.transcript()));
}

#[test]
fn missing_chart_directory() {
    assert_error("missing-chart", &keelson(&["render", "no/such/chart"]));
}

#[test]
fn directory_without_chart_yaml() {
    let dir = chart(&[("templates/cm.yaml", CONFIGMAP)]);
    assert_error("not-a-chart", &render(dir.path(), &[]));
}

#[test]
fn chart_yaml_rules() {
    for (name, text) in [
        (
            "chart-bad-version",
            "apiVersion: v2\nname: demo\nversion: 1.0\n",
        ),
        (
            "chart-bad-name",
            "apiVersion: v2\nname: Demo_App\nversion: 1.0.0\n",
        ),
        ("chart-v1", "apiVersion: v1\nname: demo\nversion: 1.0.0\n"),
        (
            "chart-typo",
            "apiVersion: v2\nname: demo\nversion: 1.0.0\nappversion: \"1\"\n",
        ),
        ("chart-not-yaml", "apiVersion: v2\nname: [demo\n"),
    ] {
        let dir = chart(&[
            ("Chart.yaml", text.as_bytes()),
            ("templates/cm.yaml", CONFIGMAP),
        ]);
        assert_error(name, &render(dir.path(), &[]));
    }
}

#[test]
fn values_file_errors_name_file_line_and_column() {
    let cases: [(&str, &[u8]); 6] = [
        ("values-syntax", b"mode: [a, b\nother: 1\n"),
        ("values-duplicate-key", b"mode: a\nother: 1\nmode: b\n"),
        ("values-not-a-map", b"- a\n- b\n"),
        ("values-invalid-utf8", b"mode: \xff\xfe\n"),
        (
            "values-deep-nesting",
            &[b"mode: ".as_slice(), &[b'['; 300]].concat(),
        ),
        ("values-unknown-tag", b"mode: !vault secret/x\n"),
    ];
    for (name, text) in cases {
        let dir = demo(b"mode: x\n");
        let file = dir.path().join("override.yaml");
        fs::write(&file, text).unwrap();
        assert_error(name, &render(dir.path(), &["-f", file.to_str().unwrap()]));
    }
}

#[test]
fn values_alias_bomb_is_refused_quickly() {
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{p}"); 10].join(", ")
        ));
    }
    bomb.push_str("mode: x\n");
    let dir = demo(bomb.as_bytes());
    let started = std::time::Instant::now();
    let run = render(dir.path(), &[]);
    assert!(started.elapsed().as_secs() < 10, "alias bomb took too long");
    assert_error("values-alias-bomb", &run);
}

#[test]
fn endless_inputs_are_bounded() {
    for args in [
        ["values", "-f", "/dev/zero"],
        ["values", "--set-file", "a=/dev/zero"],
    ] {
        let run = keelson(&args);
        assert_eq!(run.code, 2, "{}", run.transcript());
        assert!(run.stdout.is_empty());
        assert!(run.stderr.contains("larger than 64 MiB"), "{}", run.stderr);
    }
}

#[test]
fn empty_and_comment_only_values_files_are_empty_maps() {
    let dir = demo(b"mode: x\n");
    let file = dir.path().join("empty.yaml");
    fs::write(&file, "# nothing here\n").unwrap();
    let run = render(dir.path(), &["-f", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    fs::write(&file, "").unwrap();
    let run = render(dir.path(), &["-f", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn set_errors_name_the_flag() {
    let dir = demo(b"mode: x\n");
    assert_error(
        "set-empty-key",
        &render(dir.path(), &["--set", "mode=a", "--set", "=1"]),
    );
    assert_error(
        "set-index-too-large",
        &render(dir.path(), &["--set", "list[65537]=x"]),
    );
    assert_error(
        "set-unclosed-index",
        &render(dir.path(), &["--set", "a[0=1"]),
    );
    assert_error(
        "set-json-invalid",
        &render(dir.path(), &["--set-json", "mode={nope}"]),
    );
    assert_error(
        "set-file-missing",
        &render(dir.path(), &["--set-file", "mode=no/such/file"]),
    );
}

#[test]
fn set_family_precedence_and_stdin() {
    let dir = demo(b"mode: chart\n");
    let file = dir.path().join("secret.txt");
    fs::write(&file, "from-file").unwrap();
    let run = keelson_in(
        &root(),
        &[
            "values",
            dir.path().to_str().unwrap(),
            "-f",
            "-",
            "--set-literal",
            "lit=a,b=c",
            "--set-file",
            &format!("file={}", file.display()),
            "--set-string",
            "n=5",
            "--set",
            "n=6,list={a,b}",
            "--set-json",
            "n=7",
            "-o",
            "json",
        ],
        "mode: stdin\nextra: [1, 2]\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        value,
        serde_json::json!({
            "mode": "stdin", "extra": [1, 2], "n": "5", "list": ["a", "b"],
            "file": "from-file", "lit": "a,b=c"
        })
    );
}

#[test]
fn yaml11_words_in_values_draw_a_warning() {
    let dir = demo(b"mode: yes\n");
    let run = render(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("mode: \"yes\""), "{}", run.stdout);
    let stderr = run
        .stderr
        .replace(&dir.path().display().to_string(), "[CHART]");
    settings().bind(|| insta::assert_snapshot!("cli-warning-yes", stderr));
}

#[test]
fn template_syntax_error() {
    let dir = chart(&[
        ("Chart.yaml", CHART_YAML),
        (
            "templates/cm.yaml",
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ values.name | }}\n",
        ),
    ]);
    assert_error("template-syntax", &render(dir.path(), &[]));
}

#[test]
fn schema_violations_come_before_template_errors() {
    // Layering and checking the values and parsing the templates may run side by side;
    // the values' verdict is still the one reported, whichever finishes first, and a
    // clean schema lets the template's error through.
    let schema: &[u8] = br#"{"properties": {"mode": {"type": "string", "pattern": "^[a-z]+$"}}}"#;
    let broken: &[u8] =
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ values.mode | }}\n";
    let files = |values: &'static [u8]| {
        chart(&[
            ("Chart.yaml", CHART_YAML),
            ("values.yaml", values),
            ("values.schema.json", schema),
            ("templates/cm.yaml", broken),
        ])
    };
    // A small chart runs the two one after the other; a large partial makes it worth
    // two threads (`parallel::join_weighing`). The verdicts are the same either way.
    let padding = format!("{{# {} #}}\n", "x".repeat(96 * 1024));
    for pad in [false, true] {
        let dir = files(b"mode: Not-Lower\n");
        if pad {
            fs::write(dir.path().join("templates/_padding.tera"), &padding).unwrap();
        }
        assert_error("schema-before-template", &render(dir.path(), &[]));
        fs::write(dir.path().join("values.yaml"), "mode: lower\n").unwrap();
        let run = render(dir.path(), &[]);
        assert_eq!(run.code, 2, "{}", run.transcript());
        assert!(run.stderr.contains("cm.yaml"), "{}", run.stderr);
    }
}

#[test]
fn undefined_values_fail_with_their_path() {
    let dir = demo(b"mode: x\nimage: {tag: v1}\n");
    fs::write(
        dir.path().join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  tag: {{ values.image.tagg }}\n",
    )
    .unwrap();
    assert_error("undefined-value", &render(dir.path(), &[]));
    fs::write(
        dir.path().join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n{% for k in values.missing %}  {{ k }}: x\n{% endfor %}",
    )
    .unwrap();
    assert_error("undefined-iterated", &render(dir.path(), &[]));
}

#[test]
fn invalid_utf8_template() {
    let dir = chart(&[
        ("Chart.yaml", CHART_YAML),
        ("templates/cm.yaml", b"kind: \xff\n"),
    ]);
    assert_error("template-not-utf8", &render(dir.path(), &[]));
}

#[test]
fn rendered_output_problems() {
    let dup = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  name: again\n";
    let dir = chart(&[("Chart.yaml", CHART_YAML), ("templates/cm.yaml", dup)]);
    assert_error("output-duplicate-key", &render(dir.path(), &[]));
    let no_kind = b"apiVersion: v1\nmetadata:\n  name: cm\n";
    let dir = chart(&[("Chart.yaml", CHART_YAML), ("templates/cm.yaml", no_kind)]);
    assert_error("output-no-kind", &render(dir.path(), &[]));
    let bad_hook = b"apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: pre-instal\n";
    let dir = chart(&[("Chart.yaml", CHART_YAML), ("templates/job.yaml", bad_hook)]);
    assert_error("output-unknown-hook", &render(dir.path(), &[]));
}

#[test]
fn symlink_leading_outside_the_chart_is_refused() {
    let dir = demo(b"mode: x\n");
    std::os::unix::fs::symlink("/etc", dir.path().join("templates/etc")).unwrap();
    let run = render(dir.path(), &[]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("symbolic link leads outside the chart"),
        "{}",
        run.stderr
    );
}

#[test]
fn charts_keelson_cannot_render() {
    let library = chart(&[
        (
            "Chart.yaml",
            b"apiVersion: v2\nname: lib\nversion: 0.1.0\ntype: library\n",
        ),
        ("templates/_x.tera", b""),
    ]);
    assert_error("library-chart", &render(library.path(), &[]));
    let umbrella = chart(&[
        (
            "Chart.yaml",
            b"apiVersion: v2\nname: umbrella\nversion: 0.1.0\ndependencies:\n  - name: redis\n    version: ~18.0.0\n    repository: https://charts.example.com\n",
        ),
        ("templates/cm.yaml", CONFIGMAP),
    ]);
    assert_error("subcharts", &render(umbrella.path(), &[]));
    let dir = chart(&[
        (
            "Chart.yaml",
            b"apiVersion: v2\nname: demo\nversion: 0.1.0\nkubeVersion: \">= 1.40.0-0\"\n",
        ),
        ("values.yaml", b"mode: x\n"),
        ("templates/cm.yaml", CONFIGMAP),
    ]);
    assert_error("kube-version-unmet", &render(dir.path(), &[]));
    let run = render(dir.path(), &["--kube-version", "1.40"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn bad_flags() {
    assert_error(
        "bad-kube-version",
        &keelson(&["render", "--kube-version", "one.two"]),
    );
    assert_error(
        "bad-release-name",
        &keelson(&["render", "--release", "../x"]),
    );
    assert_error(
        "bad-show-only",
        &keelson(&["render", "--show-only", "templates/nope.yaml"]),
    );
    let run = keelson(&["render", "--phase", "during"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
}

#[test]
fn phases_pick_hooks_and_main_resources() {
    let kinds = |run: &Run| -> Vec<String> {
        run.stdout
            .lines()
            .filter_map(|l| l.strip_prefix("kind: "))
            .map(str::to_owned)
            .collect()
    };
    let pre = keelson(&["render", "-f", "values/dev.yaml", "--phase", "pre"]);
    assert_eq!(kinds(&pre), ["Secret", "Job"]);
    let main = keelson(&["render", "-f", "values/dev.yaml", "--phase", "main"]);
    assert!(!kinds(&main).contains(&"Job".to_owned()));
    assert_eq!(
        main.stdout,
        keelson(&["render", "-f", "values/dev.yaml", "--no-hooks"]).stdout
    );
    let post = keelson(&["render", "-f", "values/dev.yaml", "--phase", "post"]);
    assert_eq!((post.code, post.stdout.as_str()), (0, ""));
    let all = keelson(&["render", "-f", "values/dev.yaml"]);
    assert_eq!(all.stdout, format!("{}{}", pre.stdout, main.stdout));
    let upgrade = keelson(&[
        "render",
        "-f",
        "values/dev.yaml",
        "--phase",
        "pre",
        "--is-upgrade",
    ]);
    assert_eq!(kinds(&upgrade), ["Secret", "Job"]);
    let only = keelson(&["render", "--show-only", "templates/hpa.yaml"]);
    assert_eq!(kinds(&only), ["HorizontalPodAutoscaler"]);
}

#[test]
fn output_dir_is_all_or_nothing() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("manifests");
    let run = keelson(&[
        "render",
        "-f",
        "values/dev.yaml",
        "--output-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    let mut written: Vec<PathBuf> = fs::read_dir(dir.join("todo-app/templates"))
        .unwrap()
        .map(|e| e.unwrap().path().strip_prefix(&dir).unwrap().to_owned())
        .collect();
    written.sort();
    assert_eq!(written.len(), 6, "{written:?}");
    let before = fs::read_to_string(dir.join("todo-app/templates/deployment.yaml")).unwrap();
    let failing = keelson(&[
        "render",
        "--set",
        "components.backend.replicas={{",
        "--set-json",
        "migration={\"enabled\": true, \"command\": 5}",
        "--output-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(failing.code, 2, "{}", failing.transcript());
    let after = fs::read_to_string(dir.join("todo-app/templates/deployment.yaml")).unwrap();
    assert_eq!(
        before, after,
        "a failed render must leave the output directory alone"
    );
    let leftovers: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["todo-app"]);
}

#[test]
fn notes_and_values_commands() {
    let notes = keelson(&["notes", "-f", "values/prod.yaml", "--release", "prod"]);
    assert_eq!(notes.code, 0, "{}", notes.stderr);
    assert!(
        notes
            .stdout
            .contains("kubectl get svc -n todo-app prod-todo-app-frontend -w"),
        "{}",
        notes.stdout
    );
    let values = keelson(&["values", "-f", "values/staging.yaml"]);
    assert_eq!(values.code, 0, "{}", values.stderr);
    settings().bind(|| insta::assert_snapshot!("cli-values-staging", values.stdout));
}

#[test]
fn help_texts() {
    // Every command `keelson --help` lists, so that a new one is snapshotted too.
    let top = keelson(&["--help"]);
    let commands: Vec<String> = top
        .stdout
        .lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .filter(|command| command != "help")
        .collect();
    assert!(commands.len() >= 11, "{}", top.stdout);
    for command in &commands {
        let run = keelson(&[command.as_str(), "--help"]);
        assert_eq!(run.code, 0);
        settings().bind(|| insta::assert_snapshot!(format!("cli-help-{command}"), run.stdout));
    }
}

#[test]
fn broken_pipe_exits_quietly() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_keelson"))
        .args(["render", "-f", "values/prod.yaml"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[cfg(unix)]
#[test]
fn a_closed_stdout_is_reopened_on_dev_null() {
    // Started with stdout closed, keelson must not let a file it opens take descriptor 1
    // and receive what it prints: it reopens the standard streams on /dev/null first. Here
    // that shows as /dev/stdout being readable (and empty) rather than missing.
    let output = std::process::Command::new("sh")
        .args(["-c", r#"exec "$0" values -f /dev/stdout >&-"#])
        .arg(env!("CARGO_BIN_EXE_keelson"))
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn diff_values_flags_need_a_chart() {
    let state = tempfile::tempdir().unwrap();
    let run = keelson(&[
        "diff",
        "todo",
        "-f",
        "values/dev.yaml",
        "--state-dir",
        state.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("pass the chart to render as CHART"),
        "{}",
        run.stderr
    );
}
