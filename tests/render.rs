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

#[test]
fn large_charts_print_what_their_trees_print() {
    // Values large enough to be read in halves and converted for Tera in halves, output
    // large enough to be split on two threads: `keelson render` takes those routes and
    // prints objects without building their trees; the library's default keeps trees.
    let dir = tempfile::tempdir().unwrap();
    let mut values = String::from("global:\n  team: yes\ncomponents:\n");
    for i in 0..1500 {
        values.push_str(&format!(
            "  - name: c{i}\n    port: {}\n    env:\n      - {{name: MODE, value: \"on\"}}\n      - name: ID\n        value: \"{i}\"\n    note: |\n      - not an item {i}\n",
            8000 + i
        ));
    }
    values.push_str("tail: 0644\n");
    assert!(values.len() > 128 * 1024);
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("Chart.yaml"),
        "apiVersion: v2\nname: big\nversion: 1.0.0\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("values.yaml"), &values).unwrap();
    std::fs::write(
        dir.path().join("templates/cm.yaml"),
        "{% for c in values.components %}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  \
         name: {{ c.name }}\n  labels: {team: {{ values.global.team }}}\ndata:\n  port: \"{{ c.port }}\"\n  \
         note: {{ c.note | quote }}\n  env: {{ c.env | to_json | quote }}\n  tail: {{ values.tail }}\n{% endfor %}",
    )
    .unwrap();
    let printed = support::keelson(&["render", dir.path().to_str().unwrap(), "-n", "big"]);
    assert_eq!(printed.code, 0, "{}", printed.stderr);
    let mut request = keelson::RenderRequest::new(dir.path().to_path_buf());
    request.namespace = "big".into();
    let trees = keelson::render_chart(&request)
        .unwrap()
        .stream(&keelson::Selection::default())
        .unwrap();
    assert_eq!(printed.stdout, trees);
    assert_eq!(printed.stdout.matches("kind: ConfigMap").count(), 1500);
    assert!(printed.stdout.contains("  namespace: big\n"));
}
