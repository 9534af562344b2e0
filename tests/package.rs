//! Packaging: reproducible archives, archive loading (round trip and hostile input),
//! `.helmignore`, `repo index` and `verify`, through the real binary.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use sha2::{Digest as _, Sha256};
use support::Run;

/// Runs `keelson ARGS` in `dir` with `env` (and without any inherited SOURCE_DATE_EPOCH).
fn keelson_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_keelson"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .env("NO_COLOR", "1");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn keelson(args: &[&str]) -> Run {
    keelson_env(&support::root(), args, &[])
}

/// Packages `chart` into `dest` and returns (archive path, `sha256:` digest).
fn package(chart: &Path, dest: &Path, env: &[(&str, &str)]) -> (PathBuf, String) {
    let run = keelson_env(
        &support::root(),
        &[
            "package",
            chart.to_str().unwrap(),
            "-d",
            dest.to_str().unwrap(),
        ],
        env,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let (path, digest) = run.stdout.trim_end().split_once(' ').unwrap();
    (PathBuf::from(path), digest.to_owned())
}

fn sha256_file(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// How a copy of a chart is made, to vary everything that must not matter.
struct Copy {
    reverse: bool,
    file_mode: u32,
    dir_mode: u32,
    mtime: SystemTime,
}

/// Copies the directory `from` to `to` file by file, creating entries in the given order
/// and with the given permissions and mtimes.
fn copy_dir(from: &Path, to: &Path, how: &Copy) {
    std::fs::create_dir_all(to).unwrap();
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    if how.reverse {
        entries.reverse();
    }
    for source in entries {
        let target = to.join(source.file_name().unwrap());
        if source.is_dir() {
            copy_dir(&source, &target, how);
        } else {
            std::fs::copy(&source, &target).unwrap();
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(how.file_mode))
                .unwrap();
            let file = std::fs::File::options().write(true).open(&target).unwrap();
            file.set_modified(how.mtime).unwrap();
        }
    }
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(how.dir_mode)).unwrap();
}

#[test]
fn packaging_is_reproducible_across_mtimes_modes_and_creation_order() {
    let temp = tempfile::tempdir().unwrap();
    let chart = support::root().join("chart");
    let first = temp.path().join("a/todo-app");
    let second = temp.path().join("b/todo-app");
    copy_dir(
        &chart,
        &first,
        &Copy {
            reverse: false,
            file_mode: 0o644,
            dir_mode: 0o755,
            mtime: SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000),
        },
    );
    copy_dir(
        &chart,
        &second,
        &Copy {
            reverse: true,
            file_mode: 0o600,
            dir_mode: 0o700,
            mtime: SystemTime::now(),
        },
    );
    let (path_a, digest_a) = package(&first, &temp.path().join("out-a"), &[]);
    // A different umask for the packaging process changes nothing inside the archive.
    let out_b = temp.path().join("out-b");
    let run = Command::new("sh")
        .args(["-c", "umask 077 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_keelson"))
        .args([
            "package",
            second.to_str().unwrap(),
            "-d",
            out_b.to_str().unwrap(),
        ])
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8(run.stdout).unwrap();
    let (path_b, digest_b) = stdout.trim_end().split_once(' ').unwrap();
    assert_eq!(digest_a, digest_b);
    assert_eq!(
        std::fs::read(&path_a).unwrap(),
        std::fs::read(path_b).unwrap()
    );
    // And the packaged chart is byte for byte what the original packs to.
    let (_, original) = package(&chart, &temp.path().join("out-c"), &[]);
    assert_eq!(digest_a, original);
    assert_eq!(digest_a, format!("sha256:{}", sha256_file(&path_a)));
}

#[test]
fn touching_files_does_not_change_the_digest() {
    let temp = tempfile::tempdir().unwrap();
    let chart = temp.path().join("todo-app");
    let copy = Copy {
        reverse: false,
        file_mode: 0o644,
        dir_mode: 0o755,
        mtime: SystemTime::UNIX_EPOCH,
    };
    copy_dir(&support::root().join("chart"), &chart, &copy);
    let (_, before) = package(&chart, &temp.path().join("out"), &[]);
    let later = Copy {
        mtime: SystemTime::now(),
        ..copy
    };
    copy_dir(&support::root().join("chart"), &chart, &later);
    let (_, after) = package(&chart, &temp.path().join("out"), &[]);
    assert_eq!(before, after);
}

#[test]
fn example_chart_digest_is_recorded() {
    // A change to this digest is a change to the archive format: make it on purpose.
    let temp = tempfile::tempdir().unwrap();
    let run = keelson_env(
        temp.path(),
        &[
            "package",
            support::root().join("chart").to_str().unwrap(),
            "-d",
            "dist",
        ],
        &[],
    );
    let with_epoch = keelson_env(
        temp.path(),
        &[
            "package",
            support::root().join("chart").to_str().unwrap(),
            "-d",
            "epoch",
        ],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    support::settings().bind(|| {
        insta::assert_snapshot!("package-chart-digest", run.transcript());
        insta::assert_snapshot!("package-chart-digest-epoch", with_epoch.transcript());
    });
}

#[test]
fn archive_layout_modes_owners_and_times_are_normalized() {
    let temp = tempfile::tempdir().unwrap();
    let chart = temp.path().join("demo");
    write_chart(&chart, "demo", "0.1.0");
    std::fs::write(chart.join("files/run.sh"), "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(
        chart.join("files/run.sh"),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    std::fs::set_permissions(
        chart.join("values.yaml"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let (path, _) = package(&chart, temp.path(), &[("SOURCE_DATE_EPOCH", "1234567890")]);
    assert_eq!(path, temp.path().join("demo-0.1.0.tgz"));
    let listing = list(&path);
    assert_eq!(
        listing,
        [
            "Directory demo/ 755 0/0 ''/'' 1234567890",
            "Regular demo/Chart.yaml 644 0/0 ''/'' 1234567890",
            "Directory demo/files/ 755 0/0 ''/'' 1234567890",
            "Regular demo/files/run.sh 755 0/0 ''/'' 1234567890",
            "Directory demo/templates/ 755 0/0 ''/'' 1234567890",
            "Regular demo/templates/cm.yaml 644 0/0 ''/'' 1234567890",
            "Regular demo/values.yaml 644 0/0 ''/'' 1234567890",
        ]
    );
    let bytes = std::fs::read(&path).unwrap();
    // gzip: no FNAME flag, mtime 0.
    assert_eq!(bytes.get(3..8).unwrap(), [0, 0, 0, 0, 0]);
}

/// One line per entry: type, path, mode, uid/gid, owner names, mtime.
fn list(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    archive
        .entries()
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let header = entry.header();
            assert!(header.as_gnu().is_some(), "GNU headers throughout");
            format!(
                "{:?} {} {:o} {}/{} '{}'/'{}' {}",
                header.entry_type(),
                String::from_utf8_lossy(&entry.path_bytes()),
                header.mode().unwrap(),
                header.uid().unwrap(),
                header.gid().unwrap(),
                header.username().unwrap().unwrap_or("?"),
                header.groupname().unwrap().unwrap_or("?"),
                header.mtime().unwrap()
            )
        })
        .collect()
}

/// A minimal valid chart at `dir`.
fn write_chart(dir: &Path, name: &str, version: &str) {
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::create_dir_all(dir.join("files")).unwrap();
    std::fs::write(
        dir.join("Chart.yaml"),
        format!("apiVersion: v2\nname: {name}\nversion: {version}\ndescription: a demo\n"),
    )
    .unwrap();
    std::fs::write(dir.join("values.yaml"), "greeting: hello\n").unwrap();
    std::fs::write(
        dir.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ release.name }}\ndata:\n  greeting: {{ values.greeting }}\n",
    )
    .unwrap();
}

#[test]
fn an_archive_renders_exactly_like_its_directory() {
    let temp = tempfile::tempdir().unwrap();
    let (archive, _) = package(&support::root().join("chart"), temp.path(), &[]);
    let from_dir = keelson(&["render", "chart", "-f", "values/dev.yaml"]);
    let from_tgz = keelson(&["render", archive.to_str().unwrap(), "-f", "values/dev.yaml"]);
    assert_eq!(from_dir.code, 0, "{}", from_dir.stderr);
    assert_eq!(from_tgz.code, 0, "{}", from_tgz.stderr);
    assert_eq!(from_dir.stdout, from_tgz.stdout);
    assert!(from_tgz.stdout.contains("# Source: todo-app/templates/"));
    let notes_dir = keelson(&["notes", "chart"]);
    let notes_tgz = keelson(&["notes", archive.to_str().unwrap()]);
    assert_eq!(notes_dir.stdout, notes_tgz.stdout);
}

#[test]
fn version_flags_change_only_the_packaged_chart_yaml() {
    let temp = tempfile::tempdir().unwrap();
    let chart = temp.path().join("demo");
    write_chart(&chart, "demo", "0.1.0");
    let before = std::fs::read(chart.join("Chart.yaml")).unwrap();
    let run = keelson_env(
        temp.path(),
        &[
            "package",
            "demo",
            "--version",
            "1.2.3",
            "--app-version",
            "4.5",
            "-d",
            "dist",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("dist/demo-1.2.3.tgz sha256:"),
        "{}",
        run.stdout
    );
    assert_eq!(std::fs::read(chart.join("Chart.yaml")).unwrap(), before);
    let files = unpack_lib(&temp.path().join("dist/demo-1.2.3.tgz"));
    assert_eq!(
        String::from_utf8(files["Chart.yaml"].clone()).unwrap(),
        "apiVersion: v2\nname: demo\nversion: 1.2.3\ndescription: a demo\nappVersion: \"4.5\"\n"
    );
}

fn unpack_lib(path: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    keelson::package::unpack(path, &keelson::chart::Limits::default()).unwrap()
}

#[test]
fn packaging_errors_write_nothing() {
    let temp = tempfile::tempdir().unwrap();
    let chart = temp.path().join("demo");
    write_chart(&chart, "demo", "0.1.0");
    let bad_version = keelson_env(
        temp.path(),
        &["package", "demo", "--version", "v1", "-d", "dist"],
        &[],
    );
    let bad_epoch = keelson_env(
        temp.path(),
        &["package", "demo", "-d", "dist"],
        &[("SOURCE_DATE_EPOCH", "yesterday")],
    );
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: Demo\nversion: 1.0.0\n",
    )
    .unwrap();
    let invalid = keelson_env(temp.path(), &["package", "demo", "-d", "dist"], &[]);
    assert!(!temp.path().join("dist").exists());
    support::settings().bind(|| {
        insta::assert_snapshot!("package-err-version", bad_version.transcript());
        insta::assert_snapshot!("package-err-invalid-chart", invalid.transcript());
        insta::assert_snapshot!("package-err-epoch", bad_epoch.transcript());
    });
}

#[test]
fn helmignore_rules_apply_to_packaging_and_loading() {
    let temp = tempfile::tempdir().unwrap();
    let chart = temp.path().join("demo");
    write_chart(&chart, "demo", "0.1.0");
    std::fs::write(
        chart.join(".helmignore"),
        "# editor files\n*.swp\n*.md\n!KEEP.md\nscratch/\n/top-only.txt\nfiles/**/*.bak\ntemplates/broken.yaml\n",
    )
    .unwrap();
    std::fs::write(chart.join(".keelsonignore"), "ci/\n").unwrap();
    for (path, text) in [
        ("README.md", "x"),
        ("KEEP.md", "kept"),
        (".cm.yaml.swp", "x"),
        ("templates/.cm.yaml.swp", "x"),
        ("scratch/notes.txt", "x"),
        ("top-only.txt", "x"),
        ("files/top-only.txt", "kept"),
        ("files/a/b/old.bak", "x"),
        ("files/keep.bak.txt", "kept"),
        ("ci/pipeline.yaml", "x"),
        (".git/HEAD", "x"),
        ("templates/.svn/entries", "x"),
        ("templates/broken.yaml", "{{ values.missing.key }}"),
    ] {
        let path = chart.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let (archive, _) = package(&chart, temp.path(), &[]);
    let files: Vec<String> = unpack_lib(&archive).into_keys().collect();
    assert_eq!(
        files,
        [
            ".helmignore",
            ".keelsonignore",
            "Chart.yaml",
            "KEEP.md",
            "files/keep.bak.txt",
            "files/top-only.txt",
            "templates/cm.yaml",
            "values.yaml",
        ]
    );
    // Loading the directory honours the same rules: the broken template is not rendered.
    let run = keelson(&["render", chart.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

// ---------------------------------------------------------------- hostile archives

/// One raw tar entry, written with its name bytes as given (the tar crate's own path
/// setter refuses `..`, which is the point here).
struct Raw<'a> {
    name: &'a str,
    kind: tar::EntryType,
    data: &'a [u8],
    link: &'a str,
}

fn raw<'a>(name: &'a str, data: &'a [u8]) -> Raw<'a> {
    Raw {
        name,
        kind: tar::EntryType::Regular,
        data,
        link: "",
    }
}

const CHART_YAML: &[u8] = b"apiVersion: v2\nname: demo\nversion: 0.1.0\n";

fn tar_of(entries: &[Raw<'_>]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for entry in entries {
        builder
            .append(&header(entry, entry.data.len() as u64), entry.data)
            .unwrap();
    }
    builder.into_inner().unwrap()
}

fn header(entry: &Raw<'_>, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    let gnu = header.as_gnu_mut().unwrap();
    gnu.name[..entry.name.len()].copy_from_slice(entry.name.as_bytes());
    gnu.linkname[..entry.link.len()].copy_from_slice(entry.link.as_bytes());
    header.set_entry_type(entry.kind);
    header.set_size(size);
    header.set_mode(0o644);
    header.set_cksum();
    header
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// Writes `bytes` as `dir/name` and returns the path.
fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A gzip stream that inflates to one tar entry claiming (and holding) 200 MiB of zeros,
/// while being about 200 KiB: gzip members may be concatenated, so one compressed MiB of
/// zeros is repeated.
fn zero_bomb() -> Vec<u8> {
    const MIB: usize = 1 << 20;
    let entry = raw("demo/templates/bomb.yaml", b"");
    let mut bytes = gzip(header(&entry, 200 * MIB as u64).as_bytes());
    let zeros = gzip(&vec![0u8; MIB]);
    for _ in 0..200 {
        bytes.extend_from_slice(&zeros);
    }
    bytes
}

#[test]
fn hostile_archives_are_refused_with_the_entry_named() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let link = |name: &'static str, kind, target: &'static str| Raw {
        name,
        kind,
        data: b"",
        link: target,
    };
    let chart = raw("demo/Chart.yaml", CHART_YAML);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "absolute",
            gzip(&tar_of(&[chart, raw("/etc/cron.d/x", b"x")])),
        ),
        (
            "dotdot",
            gzip(&tar_of(&[
                raw("demo/Chart.yaml", CHART_YAML),
                raw("demo/../../evil", b"x"),
            ])),
        ),
        (
            "symlink",
            gzip(&tar_of(&[
                raw("demo/Chart.yaml", CHART_YAML),
                link(
                    "demo/templates/x.yaml",
                    tar::EntryType::Symlink,
                    "/etc/passwd",
                ),
            ])),
        ),
        (
            "hardlink",
            gzip(&tar_of(&[
                raw("demo/Chart.yaml", CHART_YAML),
                link("demo/values.yaml", tar::EntryType::Link, "demo/Chart.yaml"),
            ])),
        ),
        (
            "device",
            gzip(&tar_of(&[
                raw("demo/Chart.yaml", CHART_YAML),
                link("demo/null", tar::EntryType::Char, ""),
            ])),
        ),
        (
            "fifo",
            gzip(&tar_of(&[
                raw("demo/Chart.yaml", CHART_YAML),
                link("demo/pipe", tar::EntryType::Fifo, ""),
            ])),
        ),
        (
            "two-top-level-dirs",
            gzip(&tar_of(&[
                raw("demo/Chart.yaml", CHART_YAML),
                raw("other/values.yaml", b"a: 1\n"),
            ])),
        ),
        (
            "file-at-top-level",
            gzip(&tar_of(&[raw("Chart.yaml", CHART_YAML)])),
        ),
        (
            "duplicate-entry",
            gzip(&tar_of(&[
                raw("demo/Chart.yaml", CHART_YAML),
                raw("demo/Chart.yaml", CHART_YAML),
            ])),
        ),
        ("not-gzip", b"apiVersion: v2\nname: demo\n".to_vec()),
        ("plain-tar", tar_of(&[raw("demo/Chart.yaml", CHART_YAML)])),
        ("gzip-not-tar", gzip(&[0x55; 2000])),
        ("truncated", {
            let mut bytes = gzip(&tar_of(&[raw("demo/Chart.yaml", CHART_YAML)]));
            bytes.truncate(bytes.len() / 2);
            bytes
        }),
        ("empty", gzip(&[0; 1024])),
        ("bomb", zero_bomb()),
        ("too-many-files", {
            let names: Vec<String> = (0..10_001).map(|i| format!("demo/f{i}")).collect();
            let mut entries = vec![raw("demo/Chart.yaml", CHART_YAML)];
            entries.extend(names.iter().map(|n| raw(n, b"")));
            gzip(&tar_of(&entries))
        }),
    ];
    let mut transcripts = String::new();
    for (case, bytes) in cases {
        let path = write(dir, &format!("{case}.tgz"), &bytes);
        let render = keelson_env(dir, &["render", &format!("{case}.tgz")], &[]);
        let verify = keelson_env(dir, &["verify", path.to_str().unwrap()], &[]);
        assert_eq!(render.code, 2, "{case}: {}", render.stderr);
        assert_eq!(render.stdout, "", "{case}");
        assert_eq!(verify.code, 2, "{case}: {}", verify.stderr);
        assert_eq!(verify.stdout, "", "{case}");
        assert!(
            render.stderr.starts_with(&format!("error: {case}.tgz: ")),
            "{case}: {}",
            render.stderr
        );
        transcripts.push_str(&format!("## {case}\n{}", render.stderr));
    }
    // Nothing was extracted anywhere next to the archives.
    let mut left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".tgz"))
        .collect();
    left.sort();
    assert!(left.is_empty(), "{left:?}");
    support::settings().bind(|| insta::assert_snapshot!("package-hostile-archives", transcripts));
}

#[test]
fn total_size_is_counted_while_decompressing() {
    use keelson::chart::Limits;
    let limits = Limits {
        max_file_bytes: 1000,
        max_total_bytes: 2500,
        max_files: 100,
    };
    let data = [b'a'; 900];
    let names: Vec<String> = (0..4).map(|i| format!("demo/f{i}")).collect();
    let mut entries = vec![raw("demo/Chart.yaml", CHART_YAML)];
    for name in &names {
        entries.push(Raw {
            name,
            kind: tar::EntryType::Regular,
            data: &data,
            link: "",
        });
    }
    let bytes = gzip(&tar_of(&entries));
    let err = keelson::package::read_archive_from(bytes.as_slice(), Path::new("x.tgz"), &limits)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("x.tgz: entry `demo/f2`: files add up to more than 2500 bytes"),
        "{err}"
    );
    // Within the limits the same archive is fine.
    let roomy = Limits {
        max_total_bytes: 10_000,
        ..limits
    };
    let archive =
        keelson::package::read_archive_from(bytes.as_slice(), Path::new("x.tgz"), &roomy).unwrap();
    assert_eq!(archive.files.len(), 5);
}

// ---------------------------------------------------------------- repo index

/// A repository directory with two versions of the example chart and one other chart.
fn repository(dir: &Path) {
    let chart = support::root().join("chart");
    for version in ["1.0.0", "1.10.0", "1.2.0"] {
        let run = keelson_env(
            dir,
            &[
                "package",
                chart.to_str().unwrap(),
                "--version",
                version,
                "-d",
                ".",
            ],
            &[],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    write_chart(&dir.join("src/demo"), "demo", "0.3.0");
    let run = keelson_env(dir, &["package", "src/demo", "-d", "."], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    std::fs::write(dir.join("README.txt"), "not a chart").unwrap();
}

#[test]
fn repo_index_is_helm_format_and_deterministic() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    repository(dir);
    let args = [
        "repo",
        "index",
        ".",
        "--url",
        "https://charts.example.com/stable/",
    ];
    let epoch = [("SOURCE_DATE_EPOCH", "1700000000")];
    let run = keelson_env(dir, &args, &epoch);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "./index.yaml\n");
    let first = std::fs::read_to_string(dir.join("index.yaml")).unwrap();
    // Again, after touching every archive: the same bytes.
    for name in ["todo-app-1.0.0.tgz", "demo-0.3.0.tgz"] {
        let file = std::fs::File::options()
            .write(true)
            .open(dir.join(name))
            .unwrap();
        file.set_modified(SystemTime::now()).unwrap();
    }
    let again = keelson_env(dir, &args, &epoch);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join("index.yaml")).unwrap(),
        first
    );

    let index: serde_yaml_ng::Value = serde_yaml_ng::from_str(&first).unwrap();
    assert_eq!(index["apiVersion"], "v1");
    let versions: Vec<&str> = index["entries"]["todo-app"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|e| e["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["1.10.0", "1.2.0", "1.0.0"]);
    for entry in index["entries"]["todo-app"].as_sequence().unwrap() {
        let file = format!("todo-app-{}.tgz", entry["version"].as_str().unwrap());
        assert_eq!(
            entry["digest"].as_str().unwrap(),
            sha256_file(&dir.join(&file))
        );
        assert_eq!(
            entry["urls"][0].as_str().unwrap(),
            format!("https://charts.example.com/stable/{file}")
        );
        assert_eq!(entry["created"], "2023-11-14T22:13:20Z");
    }
    support::settings().bind(|| insta::assert_snapshot!("package-repo-index", first));
}

#[test]
fn repo_index_without_epoch_uses_archive_times_and_relative_urls() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let chart = dir.join("demo");
    write_chart(&chart, "demo", "0.1.0");
    let (_, digest) = package(&chart, dir, &[("SOURCE_DATE_EPOCH", "86400")]);
    let run = keelson_env(dir, &["repo", "index", "."], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(dir.join("index.yaml")).unwrap();
    let hex = digest.strip_prefix("sha256:").unwrap();
    let index: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let entry = &index["entries"]["demo"][0];
    assert_eq!(entry["digest"].as_str().unwrap(), hex);
    assert_eq!(entry["urls"][0], "demo-0.1.0.tgz");
    assert_eq!(entry["created"], "1970-01-02T00:00:00Z");
    assert_eq!(index["generated"], "1970-01-02T00:00:00Z");
    let keys: Vec<&str> = entry
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "apiVersion",
            "created",
            "description",
            "digest",
            "name",
            "urls",
            "version"
        ]
    );
}

#[test]
fn repo_index_refuses_bad_archives_and_duplicates() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let chart = dir.join("demo");
    write_chart(&chart, "demo", "0.1.0");
    package(&chart, dir, &[]);
    std::fs::copy(dir.join("demo-0.1.0.tgz"), dir.join("copy.tgz")).unwrap();
    let duplicate = keelson_env(dir, &["repo", "index", "."], &[]);
    std::fs::remove_file(dir.join("copy.tgz")).unwrap();
    std::fs::write(dir.join("broken.tgz"), "not gzip").unwrap();
    let broken = keelson_env(dir, &["repo", "index", "."], &[]);
    assert!(!dir.join("index.yaml").exists());
    support::settings().bind(|| {
        insta::assert_snapshot!("package-repo-index-duplicate", duplicate.transcript());
        insta::assert_snapshot!("package-repo-index-broken", broken.transcript());
    });
}

// ---------------------------------------------------------------- verify

#[test]
fn verify_checks_digest_structure_and_chart() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let chart = dir.join("demo");
    write_chart(&chart, "demo", "0.1.0");
    let (archive, digest) = package(&chart, dir, &[]);
    let archive = archive.to_str().unwrap();
    let ok = keelson_env(dir, &["verify", archive, "--digest", &digest], &[]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert_eq!(ok.stdout, format!("{archive}: ok: demo 0.1.0 {digest}\n"));
    let wrong = format!("sha256:{}", "0".repeat(64));
    let mismatch = keelson_env(dir, &["verify", "demo-0.1.0.tgz", "--digest", &wrong], &[]);
    let syntax = keelson_env(
        dir,
        &["verify", "demo-0.1.0.tgz", "--digest", "md5:abc"],
        &[],
    );
    write(
        dir,
        "renamed.tgz",
        &gzip(&tar_of(&[raw("other/Chart.yaml", CHART_YAML)])),
    );
    let renamed = keelson_env(dir, &["verify", "renamed.tgz"], &[]);
    write(
        dir,
        "invalid.tgz",
        &gzip(&tar_of(&[raw(
            "demo/Chart.yaml",
            b"apiVersion: v2\nname: demo\nversion: one\n",
        )])),
    );
    let invalid = keelson_env(dir, &["verify", "invalid.tgz"], &[]);
    support::settings().bind(|| {
        insta::assert_snapshot!("package-verify-mismatch", mismatch.transcript());
        insta::assert_snapshot!("package-verify-digest-syntax", syntax.transcript());
        insta::assert_snapshot!("package-verify-top-level", renamed.transcript());
        insta::assert_snapshot!("package-verify-invalid-chart", invalid.transcript());
    });
}

#[test]
fn an_invalid_ignore_pattern_names_the_file_and_line() {
    let temp = tempfile::tempdir().unwrap();
    let chart = temp.path().join("demo");
    write_chart(&chart, "demo", "0.1.0");
    std::fs::write(chart.join(".helmignore"), "*.bak\n[z-a].txt\n").unwrap();
    let run = keelson_env(temp.path(), &["package", "demo", "-d", "dist"], &[]);
    assert!(!temp.path().join("dist").exists());
    support::settings()
        .bind(|| insta::assert_snapshot!("package-err-ignore-pattern", run.transcript()));
}
