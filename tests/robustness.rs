//! No panics on hostile input: mutated YAML, values and --set expressions go through the
//! public API thousands of times; every outcome must be a value or an error, never a crash.
#![allow(clippy::unwrap_used)]

use keelson::values::{self, SetKind, Source};
use keelson::yaml::{self, Limits};

/// A small deterministic generator (SplitMix64), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: &[&str] = &[
    ":",
    " ",
    "\n",
    "  ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "!!str ",
    "!x ",
    "'",
    "\"",
    "|",
    ">",
    "#",
    "---\n",
    "...\n",
    "\t",
    "? ",
    "<<: ",
    "~",
    "yes",
    "0644",
    "1e3",
    "\\",
    "%YAML 1.2\n",
    "é",
    "\u{2028}",
    "\u{85}",
    "\u{feff}",
    "a",
    "key",
    "0",
    "-1",
    "null",
    "[[[[",
    "]]]]",
];

const CORPUS: &[&str] = &[
    "a: 1\nb:\n  - x\n  - {y: z}\n",
    "base: &b {x: 1}\ncopy: *b\nmerged:\n  <<: *b\n  y: 2\n",
    "text: |\n  line\n    more\nfolded: >-\n  a\n  b\n",
    "- [1, 2, {a: b}]\n- 'q''s'\n- \"esc\\n\"\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  k: v\n---\nkind: X\n",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut out = text.to_owned();
    for _ in 0..=rng.below(6) {
        let mut at = rng.below(out.len() + 1);
        while !out.is_char_boundary(at) {
            at -= 1;
        }
        match rng.below(3) {
            0 => out.insert_str(at, PIECES[rng.below(PIECES.len())]),
            1 => {
                let mut end = (at + rng.below(8)).min(out.len());
                while !out.is_char_boundary(end) {
                    end -= 1;
                }
                out.replace_range(at..end, "");
            }
            _ => {
                let piece = PIECES[rng.below(PIECES.len())];
                out.insert_str(at, &piece.repeat(rng.below(40)));
            }
        }
    }
    out
}

#[test]
fn mutated_yaml_never_panics() {
    let mut rng = Rng(7);
    let limits = Limits::default();
    for round in 0..20_000 {
        let text = mutate(&mut rng, CORPUS[round % CORPUS.len()]);
        let _ = yaml::load(&text, &limits);
        let _ = values::parse(&text, &Source::Stdin, &mut Vec::new());
        if let Ok(docs) = yaml::load(&text, &limits) {
            for doc in &docs {
                // Whatever loads must emit and load back to the same kubectl reading.
                let emitted = yaml::emit_document(doc);
                let again = yaml::load(&emitted, &limits).unwrap_or_else(|e| {
                    panic!("re-emitted YAML does not load: {e}\n{text:?}\n{emitted}")
                });
                assert_eq!(again.len(), 1, "{text:?}\n{emitted}");
                assert_eq!(
                    again[0].to_kubectl_json(),
                    doc.to_kubectl_json(),
                    "{text:?}\n{emitted}"
                );
            }
        }
    }
}

#[test]
fn mutated_set_expressions_never_panic() {
    let mut rng = Rng(11);
    let seeds = [
        "a.b=1",
        "a[0].b=x,c={1,2}",
        "a\\.b=x\\,y",
        "list[3]=z",
        "j={\"k\":[1]}",
        "x=",
    ];
    for round in 0..20_000 {
        let expr = mutate(&mut rng, seeds[round % seeds.len()]);
        for kind in [
            SetKind::Value,
            SetKind::String,
            SetKind::Json,
            SetKind::Literal,
            SetKind::File,
        ] {
            let mut target = serde_json::Map::new();
            target.insert("a".into(), serde_json::json!({"b": [1, 2]}));
            let _ = values::set::apply(&mut target, kind, &expr, &mut |_| Ok(String::new()));
        }
    }
}
