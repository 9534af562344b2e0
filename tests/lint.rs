//! `keelson lint`: one fixture per rule trips it at the right place; the example chart is
//! clean with every environment; output formats are snapshotted; the values schema is
//! enforced at render.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::Value;

/// Runs `keelson lint FIXTURE -o json` and returns the exit code and the findings.
fn lint_json(fixture: &str) -> (i32, Vec<Value>) {
    let dir = format!("tests/lint-fixtures/{fixture}");
    let run = support::keelson(&["lint", &dir, "-o", "json"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    (run.code, report["findings"].as_array().unwrap().clone())
}

/// The 1-based line of the only line in `file` containing `marker`.
fn line_of(fixture: &str, file: &str, marker: &str) -> u64 {
    let path = support::root().join(format!("tests/lint-fixtures/{fixture}/{file}"));
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(marker))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(lines.len(), 1, "`{marker}` in {}", path.display());
    lines[0] as u64
}

/// (fixture = rule id, expected exit, file, resource, field, marker on the expected line)
const CASES: &[(&str, i32, &str, &str, &str, &str)] = &[
    (
        "kube-schema",
        1,
        "templates/deployment.yaml",
        "Deployment/default/web",
        "spec.replica",
        "replica: 2",
    ),
    (
        "unknown-kind",
        0,
        "templates/widget.yaml",
        "Widget/default/w",
        "kind",
        "kind: Widget",
    ),
    (
        "image-tag",
        1,
        "templates/deployment.yaml",
        "Deployment/default/web",
        "spec.template.spec.containers[0].image",
        "nginx:latest",
    ),
    (
        "dns-name",
        1,
        "templates/extra.yaml",
        "ConfigMap/default/Extra_Config",
        "metadata.name",
        "Extra_Config",
    ),
    (
        "replicas",
        1,
        "templates/deployment.yaml",
        "Deployment/default/web",
        "spec.replicas",
        "replicas: 0",
    ),
    (
        "rolling-update",
        1,
        "templates/deployment.yaml",
        "Deployment/default/web",
        "spec.strategy.rollingUpdate",
        "rollingUpdate:",
    ),
    (
        "selector-labels",
        1,
        "templates/deployment.yaml",
        "Deployment/default/web",
        "spec.selector",
        "selector:",
    ),
    (
        "service-selector",
        1,
        "templates/service.yaml",
        "Service/default/web",
        "spec.selector",
        "selector:",
    ),
    (
        "service-target-port",
        1,
        "templates/service.yaml",
        "Service/default/web",
        "spec.ports[0].targetPort",
        "targetPort: metrics",
    ),
    (
        "port-range",
        1,
        "templates/service.yaml",
        "Service/default/web",
        "spec.ports[0].nodePort",
        "nodePort: 40000",
    ),
    (
        "resources",
        0,
        "templates/deployment.yaml",
        "Deployment/default/web",
        "spec.template.spec.containers[0].resources.limits.memory",
        "limits:",
    ),
    (
        "requests-exceed-limits",
        1,
        "templates/deployment.yaml",
        "Deployment/default/web",
        "spec.template.spec.containers[0].resources.requests.cpu",
        "cpu: \"1.5\"",
    ),
    (
        "probes",
        0,
        "templates/deployment.yaml",
        "Deployment/default/web",
        "spec.template.spec.containers[0].readinessProbe",
        "",
    ),
    (
        "run-as-non-root",
        1,
        "templates/deployment.yaml",
        "Deployment/default/web",
        "spec.template.spec.containers[0].securityContext",
        "securityContext:",
    ),
    (
        "privileged",
        1,
        "templates/deployment.yaml",
        "Deployment/default/web",
        "spec.template.spec.containers[0].securityContext.privileged",
        "privileged: true",
    ),
    (
        "config-data",
        1,
        "templates/secret.yaml",
        "Secret/default/app-secret",
        "data.PLAIN",
        "PLAIN:",
    ),
    (
        "env-refs",
        1,
        "templates/deployment.yaml",
        "Deployment/default/web",
        "spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.key",
        "key: PASSWORD",
    ),
    (
        "hpa",
        1,
        "templates/hpa.yaml",
        "HorizontalPodAutoscaler/default/web",
        "spec.minReplicas",
        "minReplicas: 5",
    ),
    (
        "name-label",
        0,
        "templates/configmap.yaml",
        "ConfigMap/default/app-config",
        "metadata.labels",
        "",
    ),
    (
        "hook-annotations",
        1,
        "templates/job.yaml",
        "Job/default/migrate",
        "metadata.annotations[\"helm.sh/hook-delete-policy\"]",
        "hook-delete-policy: always",
    ),
    (
        "plain-secret",
        0,
        "values.yaml",
        "",
        "database.password",
        "password: hunter2",
    ),
    (
        "values-schema",
        1,
        "values.yaml",
        "",
        "replicas",
        "replicas: 0",
    ),
];

#[test]
fn each_rule_fixture_trips_its_rule_at_the_right_place() {
    for (rule, exit, file, resource, field, marker) in CASES {
        let (code, findings) = lint_json(rule);
        assert_eq!(code, *exit, "{rule}: exit code");
        let found = findings
            .iter()
            .find(|f| f["rule"] == *rule && f["field"].as_str() == Some(field));
        let Some(found) = found else {
            panic!("{rule}: no finding on `{field}` in {findings:#?}");
        };
        assert_eq!(
            found["file"],
            format!("tests/lint-fixtures/{rule}/{file}"),
            "{rule}"
        );
        if resource.is_empty() {
            assert!(found["resource"].is_null(), "{rule}");
        } else {
            assert_eq!(found["resource"], *resource, "{rule}");
        }
        if !marker.is_empty() {
            assert_eq!(found["line"], line_of(rule, file, marker), "{rule}: line");
        }
        // Nothing but the rule under test fires on its fixture.
        for other in &findings {
            assert_eq!(other["rule"], *rule, "{rule}: unexpected {other:#}");
        }
    }
}

#[test]
fn every_rule_has_a_fixture_or_a_documented_reason() {
    let fixtures: Vec<&str> = CASES.iter().map(|c| c.0).collect();
    for rule in keelson::validate::RULES {
        assert!(
            fixtures.contains(&rule.id),
            "rule `{}` has no fixture",
            rule.id
        );
    }
}

#[test]
fn clean_fixture_has_no_findings() {
    let (code, findings) = lint_json("clean");
    assert_eq!(code, 0);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn example_chart_is_clean_with_every_environment_and_kube_version() {
    for env in ["dev", "staging", "prod"] {
        for version in ["1.34", "1.35", "1.36"] {
            let values = format!("values/{env}.yaml");
            let run = support::keelson(&[
                "lint",
                "chart",
                "-f",
                &values,
                "--kube-version",
                version,
                "--strict",
            ]);
            assert_eq!(
                run.transcript(),
                "exit: 0\n--- stdout\n0 errors, 0 warnings, 0 info\n--- stderr\n",
                "{env} on {version}"
            );
        }
    }
}

#[test]
fn text_and_sarif_output_snapshots() {
    support::settings().bind(|| {
        let text = support::keelson(&["lint", "tests/lint-fixtures/env-refs"]);
        insta::assert_snapshot!("lint-text-env-refs", text.transcript());
        let sarif = support::keelson(&["lint", "tests/lint-fixtures/kube-schema", "-o", "sarif"]);
        insta::assert_snapshot!("lint-sarif-kube-schema", sarif.transcript());
    });
}

#[test]
fn sarif_is_2_1_0_with_rules_and_located_results() {
    let run = support::keelson(&["lint", "tests/lint-fixtures/image-tag", "-o", "sarif"]);
    assert_eq!(run.code, 1);
    let log: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run0 = &log["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), keelson::validate::RULES.len());
    assert!(rules.iter().all(|r| r["help"]["text"].is_string()));
    let result = &run0["results"][0];
    assert_eq!(result["ruleId"], "image-tag");
    assert_eq!(result["level"], "error");
    let physical = &result["locations"][0]["physicalLocation"];
    assert_eq!(
        physical["artifactLocation"]["uri"],
        "tests/lint-fixtures/image-tag/templates/deployment.yaml"
    );
    assert_eq!(physical["region"]["startLine"], 29);
}

#[test]
fn strict_fails_on_warnings() {
    let run = support::keelson(&["lint", "tests/lint-fixtures/probes"]);
    assert_eq!(run.code, 0);
    let run = support::keelson(&["lint", "tests/lint-fixtures/probes", "--strict"]);
    assert_eq!(run.code, 1);
}

#[test]
fn unreadable_hook_annotations_stop_render_but_are_lint_findings() {
    let render = support::keelson(&["render", "tests/lint-fixtures/err-hook-event"]);
    assert_eq!(render.code, 2, "{}", render.transcript());
    assert!(render.stdout.is_empty());
    let lint = support::keelson(&["lint", "tests/lint-fixtures/err-hook-event"]);
    assert_eq!(lint.code, 1, "{}", lint.transcript());
    assert!(
        lint.stdout.contains("error[hook-annotations]"),
        "{}",
        lint.stdout
    );
    assert!(lint.stdout.contains("unknown event"), "{}", lint.stdout);
    support::settings().bind(|| insta::assert_snapshot!("lint-hook-event-finding", lint.stdout));
}

#[test]
fn unrenderable_charts_and_unknown_versions_exit_2_with_nothing_on_stdout() {
    support::settings().bind(|| {
        let version = support::keelson(&["lint", "chart", "--kube-version", "1.20"]);
        insta::assert_snapshot!("lint-err-kube-version", version.transcript());
    });
}

#[test]
fn example_chart_findings_name_the_layer_that_set_the_value() {
    support::settings().bind(|| {
        let run = support::keelson(&[
            "lint",
            "chart",
            "-f",
            "values/prod.yaml",
            "--set",
            "components.backend.replicas=0",
            "--set",
            "components.frontend.image.tag=latest",
        ]);
        insta::assert_snapshot!("lint-values-schema-example", run.transcript());
    });
}

#[test]
fn render_refuses_values_that_break_the_schema_with_nothing_on_stdout() {
    support::settings().bind(|| {
        let run = support::keelson(&[
            "render",
            "chart",
            "-f",
            "values/dev.yaml",
            "--set",
            "components.frontend.service.type=External",
        ]);
        assert_eq!(run.code, 2);
        assert_eq!(run.stdout, "");
        insta::assert_snapshot!("lint-render-schema-violation", run.transcript());
    });
}

#[test]
fn example_chart_objects_fail_the_kube_schema_when_a_template_has_a_typo() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart");
    copy_dir(&support::root().join("chart"), &chart);
    let deployment = chart.join("templates/deployment.yaml");
    let text = std::fs::read_to_string(&deployment).unwrap();
    assert!(text.contains("  replicas:"));
    std::fs::write(&deployment, text.replacen("  replicas:", "  replica:", 1)).unwrap();
    let run = support::keelson_in(
        dir.path(),
        &[
            "lint",
            "chart",
            "-o",
            "json",
            "-f",
            &support::root()
                .join("values/dev.yaml")
                .display()
                .to_string(),
        ],
        "",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let typo = findings
        .iter()
        .find(|f| f["rule"] == "kube-schema" && f["field"] == "spec.replica")
        .unwrap();
    assert_eq!(typo["file"], "chart/templates/deployment.yaml");
    assert!(typo["line"].is_u64(), "{typo:#}");
    assert!(typo["hint"].as_str().unwrap().contains("`replicas`"));
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn readme_lists_every_rule() {
    let readme = std::fs::read_to_string(support::root().join("README.md")).unwrap();
    for rule in keelson::validate::RULES {
        let row = format!("| `{}` | {} |", rule.id, rule.severity.as_str());
        assert!(readme.contains(&row), "README has no row for `{}`", rule.id);
    }
}

#[test]
fn example_schema_bounds_names_tags_and_digests_by_length() {
    let label = "a".repeat(63);
    let tag = "t".repeat(128);
    let digest = format!("sha256:{}", "a".repeat(64));
    let fits = support::keelson(&[
        "values",
        "chart",
        "--set",
        &format!("namespace.name={label}"),
        "--set",
        &format!("components.frontend.image.tag={tag}"),
        "--set",
        &format!("components.frontend.image.digest={digest}"),
    ]);
    assert_eq!(fits.code, 0, "{}", fits.stderr);
    for (set, path) in [
        (format!("namespace.name={label}a"), "`namespace.name`"),
        (
            format!("components.frontend.image.tag={tag}t"),
            "`components.frontend.image.tag`",
        ),
        (
            format!("components.frontend.image.digest={digest}a"),
            "`components.frontend.image.digest`",
        ),
        (
            "components.frontend.image.digest=sha256:abc".to_owned(),
            "`components.frontend.image.digest`",
        ),
    ] {
        let run = support::keelson(&["values", "chart", "--set", &set]);
        assert_eq!(run.code, 2, "{set} passed the schema");
        assert_eq!(run.stdout, "");
        assert!(run.stderr.contains(path), "{set}: {}", run.stderr);
    }
}
