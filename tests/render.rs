//! Renders the example chart with each environment and every fixture chart, as snapshots.
#![allow(clippy::unwrap_used)]

mod support;

#[test]
fn example_chart_per_environment() {
    support::settings().bind(|| {
        for env in ["dev", "staging", "prod"] {
            let values = format!("values/{env}.yaml");
            let run = support::keelson(&["render", "chart", "-f", &values, "--release", "todo"]);
            assert_eq!(run.code, 0, "{}", run.stderr);
            insta::assert_snapshot!(format!("chart-{env}"), run.stdout);
        }
    });
}

#[test]
fn example_chart_defaults() {
    support::settings().bind(|| {
        let run = support::keelson(&["render"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        insta::assert_snapshot!("chart-defaults", run.stdout);
    });
}

#[test]
fn fixtures() {
    support::settings().bind(|| {
        insta::glob!("fixtures/*/Chart.yaml", |path| {
            insta::assert_snapshot!("fixture", support::render_dir(path.parent().unwrap()));
        });
    });
}

#[test]
fn rendering_is_deterministic() {
    let first = support::keelson(&["render", "-f", "values/prod.yaml"]);
    for _ in 0..3 {
        let again = support::keelson(&["render", "-f", "values/prod.yaml"]);
        assert_eq!(first.stdout, again.stdout);
    }
}
