//! Test support: small random edits of YAML texts, to check that the fast paths read what
//! they take exactly as the full loader does.

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
