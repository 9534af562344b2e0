//! Test support: the YAML texts keelson meets, and small random edits of them, to check
//! that the fast paths read what they take exactly as the full routes do.

/// A small deterministic generator (xorshift), so failures reproduce.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The generator and the number of mutants for a mutant test: `seed` and `runs` unless
/// `KEELSON_MUTANT_SEED=N` (not 0, which would stall xorshift) or `KEELSON_MUTANTS=N` say
/// otherwise, e.g. `KEELSON_MUTANTS=1000000 cargo test --release --lib mutated` for a
/// longer search.
pub(crate) fn knobs(seed: u64, runs: usize) -> (Rng, usize) {
    let env = |name: &str| std::env::var(name).ok().and_then(|n| n.parse::<u64>().ok());
    let seed = env("KEELSON_MUTANT_SEED")
        .filter(|&n| n != 0)
        .unwrap_or(seed);
    let runs = env("KEELSON_MUTANTS").map_or(runs, |n| usize::try_from(n).unwrap_or(runs));
    (Rng(seed), runs)
}

const PIECES: &[&str] = &[
    "- ",
    ": ",
    ":",
    "#",
    " #",
    "'",
    "\"",
    "|",
    ">",
    "|-",
    ">+",
    "---\n",
    "...\n",
    "\t",
    " ",
    "  ",
    "\n",
    "\n\n",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "!!str ",
    "? ",
    "é",
    "\\",
    "\\n",
    "-",
    "x",
    "0",
    "key: value\n",
    "- item\n",
    "  ",
    "''",
    "\\u00e9",
    "|\n  z\n",
];

pub(crate) fn mutate(rng: &mut Rng, text: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = rng.below(lines.len());
    let count = 1 + rng.below(30);
    let mut window: Vec<String> = lines
        .iter()
        .skip(start)
        .take(count)
        .map(|l| (*l).to_owned())
        .collect();
    for _ in 0..1 + rng.below(3) {
        if window.is_empty() {
            break;
        }
        let i = rng.below(window.len());
        match rng.below(6) {
            0 => {
                let line = &mut window[i];
                let cut: Vec<usize> = line.char_indices().map(|(p, _)| p).collect();
                let at = cut.get(rng.below(cut.len())).copied().unwrap_or(0);
                line.insert_str(at, PIECES[rng.below(PIECES.len())]);
            }
            1 => {
                let line = &mut window[i];
                let cut: Vec<usize> = line.char_indices().map(|(p, _)| p).collect();
                if let Some(&at) = cut.get(rng.below(cut.len())) {
                    line.remove(at);
                }
            }
            2 => window[i] = format!("  {}", window[i]),
            3 => window[i] = window[i].trim_start_matches(' ').to_owned(),
            4 => {
                let j = rng.below(window.len());
                window.swap(i, j);
            }
            _ => {
                let copy = window[i].clone();
                window.insert(i, copy);
            }
        }
    }
    window.concat()
}

/// Rendered templates and streams of every fixture chart and of the example chart,
/// and every values file in the repository.
pub(crate) fn corpus() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut texts = Vec::new();
    let mut requests = Vec::new();
    for values in ["dev", "staging", "prod"] {
        let mut request = crate::RenderRequest::new(root.join("chart"));
        request.layers = vec![crate::Layer::File(
            root.join(format!("values/{values}.yaml")),
        )];
        requests.push(request);
        texts.push(
            std::fs::read_to_string(root.join(format!("values/{values}.yaml"))).unwrap_or_default(),
        );
    }
    let mut fixtures: Vec<_> = std::fs::read_dir(root.join("tests/fixtures"))
        .map(|dir| dir.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    fixtures.sort();
    // The benchmarks' synthetic charts too, when Python is there to generate them.
    // One directory per call: tests run side by side in one process.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let synthetic =
        std::env::temp_dir().join(format!("keelson-corpus-{}-{call}", std::process::id()));
    let generated = std::process::Command::new("python3")
        .arg(root.join("benches/gen_synthetic.py"))
        .args(["3", "--tera", "--out"])
        .arg(&synthetic)
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if generated {
        fixtures.push(synthetic.join("tera-3"));
    }
    for fixture in fixtures.into_iter().chain([root.join("chart")]) {
        if let Ok(values) = std::fs::read_to_string(fixture.join("values.yaml")) {
            texts.push(values);
        }
        requests.push(crate::RenderRequest::new(fixture));
    }
    for request in &requests {
        let Ok(release) = crate::render_chart(request) else {
            continue;
        };
        texts.extend(release.rendered.templates.iter().map(|t| t.output.clone()));
        if let Ok(stream) = release.stream(&crate::Selection::default()) {
            texts.push(stream);
        }
    }
    let _ = std::fs::remove_dir_all(&synthetic);
    texts
}
