//! In-process cost of each pipeline stage (load, layer, render, split, emit) on the example
//! chart and on synthetic charts of 1, 100 and 1,000 components. `split-text` is the split
//! `keelson render` runs: each object emitted as soon as it is checked (`Keep::Text`), so it
//! includes what `emit` measures for trees.
//!
//! The synthetic charts come from `benches/gen_synthetic.py --tera` (a vendored copy of
//! the Helm harness's generator), written to a temporary directory at setup.
//! Run with `cargo bench --bench pipeline`; add `-- tera-1000` to pick one chart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use keelson::manifest::{self, Selection};
use keelson::render::{self, Capabilities, ReleaseInfo};
use keelson::values::{self, Layer};
use keelson::{Event, chart};

struct Case {
    name: String,
    chart: PathBuf,
    layers: Vec<Layer>,
    release: ReleaseInfo,
}

fn cases(synthetic: &Path) -> Vec<Case> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut cases = vec![Case {
        name: "example".into(),
        chart: root.join("chart"),
        layers: vec![Layer::File(root.join("values/dev.yaml"))],
        release: ReleaseInfo::install("todo-app", "todo-app"),
    }];
    for n in [1, 100, 1000] {
        cases.push(Case {
            name: format!("tera-{n}"),
            chart: synthetic.join(format!("tera-{n}")),
            layers: Vec::new(),
            release: ReleaseInfo::install("synth", "bench"),
        });
    }
    cases
}

fn generate(out: &Path) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/gen_synthetic.py");
    let status = std::process::Command::new("python3")
        .arg(script)
        .args(["1", "100", "1000", "--tera", "--out"])
        .arg(out)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3 runs benches/gen_synthetic.py");
    assert!(status.success(), "gen_synthetic.py failed");
}

// The allocator the keelson binary uses (src/main.rs), so stage timings match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn no_set_file(path: &str) -> Result<String, String> {
    Err(format!("no --set-file in benchmarks: `{path}`"))
}

fn stages(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path());
    let capabilities = Capabilities::default();
    for case in cases(dir.path()) {
        let mut group = c.benchmark_group(&case.name);
        if case.name == "tera-1000" {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(8));
        }
        let limits = chart::Limits::default();
        group.bench_function("load", |b| {
            b.iter(|| chart::load(black_box(&case.chart), &limits).unwrap())
        });
        let chart = chart::load(&case.chart, &limits).unwrap();
        group.bench_function("layer", |b| {
            b.iter(|| values::layer(black_box(&chart), &case.layers, &mut no_set_file).unwrap())
        });
        let values = values::layer(&chart, &case.layers, &mut no_set_file).unwrap();
        group.bench_function("render", |b| {
            b.iter(|| render::render(black_box(&chart), &values, &case.release, &capabilities))
        });
        // What `keelson render` runs: the values move into the render (cloned outside the timing).
        group.bench_function("render-taking", |b| {
            b.iter_batched(
                || values.clone(),
                |mut values| {
                    render::render_taking(
                        black_box(&chart),
                        &mut values,
                        &case.release,
                        &capabilities,
                    )
                },
                BatchSize::LargeInput,
            )
        });
        let rendered = render::render(&chart, &values, &case.release, &capabilities).unwrap();
        let display = |p: &str| chart.display_path(p);
        group.bench_function("split", |b| {
            b.iter(|| manifest::split(black_box(&rendered), &case.release.namespace, &display))
        });
        group.bench_function("split-text", |b| {
            b.iter(|| {
                manifest::split_with(
                    black_box(&rendered),
                    &case.release.namespace,
                    &display,
                    manifest::HookCheck::Refuse,
                    manifest::Keep::Text,
                )
            })
        });
        let manifests = manifest::split(&rendered, &case.release.namespace, &display).unwrap();
        let paths: Vec<String> = rendered.templates.iter().map(|t| t.path.clone()).collect();
        group.bench_function("emit", |b| {
            b.iter(|| {
                let objects = manifests
                    .select(Event::Install, &Selection::default(), &paths)
                    .unwrap();
                manifests.to_stream(black_box(&objects))
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = stages
}
criterion_main!(benches);
