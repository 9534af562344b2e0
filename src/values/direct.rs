//! Values texts read straight into JSON values on the YAML fast path, without the node tree
//! that [`yaml::load`] builds first: values files are large and plain, so this is the
//! common case and the one worth making cheap. Whatever the fast path or this reader does
//! not take (merge keys, duplicate keys, a limit passed, any error) returns `None`; the
//! caller then takes the full route, which reads everything and words every error.

use serde_json::{Map, Value};

use super::{Source, Warning, key_warning, scalar_value};
use crate::yaml::{self, Event, Mark, Scalar, Sink, Style, TScalarStyle};

/// Every document of `text` as values, with their warnings added to `warnings`; `None`
/// when the full route must read the text.
pub(super) fn read(text: &str, source: &Source, warnings: &mut Vec<Warning>) -> Option<Vec<Value>> {
    let limits = yaml::Limits::default();
    let mut reader = Reader {
        limits: &limits,
        source,
        stack: Vec::new(),
        items: Vec::new(),
        entries: Vec::new(),
        documents: Vec::new(),
        warnings: Vec::new(),
        nodes: 0,
    };
    if !yaml::read_fast(text, &mut reader) || !reader.stack.is_empty() {
        return None;
    }
    warnings.append(&mut reader.warnings);
    Some(reader.documents)
}

struct Reader<'a> {
    limits: &'a yaml::Limits,
    source: &'a Source,
    stack: Vec<Open>,
    /// Items of the open sequences, innermost last.
    items: Vec<Value>,
    /// Entries of the open mappings, innermost last.
    entries: Vec<(String, Value)>,
    documents: Vec<Value>,
    /// Kept apart until the whole text is read: a text the full route reads again warns there.
    warnings: Vec<Warning>,
    /// Scalars and collections so far, bounded as the node loader bounds them.
    nodes: usize,
}

/// An open collection; its children wait on the reader's shared stacks from `start` on and
/// move into a collection of exactly their number when it closes.
enum Open {
    Sequence { start: usize },
    Mapping { start: usize, key: Option<String> },
}

impl Reader<'_> {
    fn count(&mut self) -> Result<(), ()> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            return Err(());
        }
        Ok(())
    }

    fn open(&mut self, open: Open) -> Result<(), ()> {
        if self.stack.len() >= self.limits.max_depth || self.awaits_key() {
            // Too deep, or a collection as a mapping key: the full route says which.
            return Err(());
        }
        self.count()?;
        self.stack.push(open);
        Ok(())
    }

    fn awaits_key(&self) -> bool {
        matches!(self.stack.last(), Some(Open::Mapping { key: None, .. }))
    }

    fn close(&mut self) -> Result<(), ()> {
        let value = match self.stack.pop().ok_or(())? {
            Open::Sequence { start } => Value::Array(self.items.drain(start..).collect()),
            Open::Mapping { start, key: None } => {
                let mut map = Map::with_capacity(self.entries.len() - start);
                for (key, value) in self.entries.drain(start..) {
                    if map.insert(key, value).is_some() {
                        // A duplicate key: an error the full route reports where it is.
                        return Err(());
                    }
                }
                Value::Object(map)
            }
            Open::Mapping { key: Some(_), .. } => return Err(()),
        };
        self.finish(value);
        Ok(())
    }

    /// Places a complete value into its parent, or makes it a document.
    fn finish(&mut self, value: Value) {
        match self.stack.last_mut() {
            None => self.documents.push(value),
            Some(Open::Sequence { .. }) => self.items.push(value),
            Some(Open::Mapping { key, .. }) => {
                if let Some(key) = key.take() {
                    self.entries.push((key, value));
                }
            }
        }
    }
}

impl Sink for Reader<'_> {
    fn event(&mut self, event: Event, at: Mark) -> Result<(), ()> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return Err(());
                }
                self.count()?;
                let style = match style {
                    TScalarStyle::Plain => Style::Plain,
                    _ => Style::Quoted,
                };
                let scalar = Scalar {
                    text,
                    style,
                    tag: None,
                };
                if let Some(Open::Mapping {
                    key: key @ None, ..
                }) = self.stack.last_mut()
                {
                    if scalar.style == Style::Plain && scalar.text == "<<" {
                        // A merge key: the full route merges.
                        return Err(());
                    }
                    self.warnings.extend(key_warning(&scalar, at, self.source));
                    *key = Some(scalar.text);
                    return Ok(());
                }
                let value =
                    scalar_value(scalar, at, self.source, &mut self.warnings).map_err(|_| ())?;
                self.finish(value);
                Ok(())
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag)
                if anchor != 0 || tag.is_some() =>
            {
                Err(())
            }
            Event::SequenceStart(..) => self.open(Open::Sequence {
                start: self.items.len(),
            }),
            Event::MappingStart(..) => self.open(Open::Mapping {
                start: self.entries.len(),
                key: None,
            }),
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            Event::Alias(_) => Err(()),
            Event::DocumentEnd
            | Event::DocumentStart
            | Event::StreamStart
            | Event::StreamEnd
            | Event::Nothing => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::yaml::mutants::{Rng, mutate};

    /// The full route: nodes first, then values; `None` for an error.
    fn try_full(text: &str) -> Option<(Vec<Value>, Vec<Warning>)> {
        let mut warnings = Vec::new();
        let values = yaml::load(text, &yaml::Limits::default())
            .ok()?
            .into_iter()
            .map(|node| super::super::to_json(node, &Source::Stdin, &mut warnings))
            .collect::<Result<_, _>>()
            .ok()?;
        Some((values, warnings))
    }

    fn full(text: &str) -> (Vec<Value>, Vec<Warning>) {
        try_full(text).unwrap_or_else(|| panic!("valid values: {text:?}"))
    }

    fn same(a: &(Vec<Value>, Vec<Warning>), b: &(Vec<Value>, Vec<Warning>)) -> bool {
        let render = |w: &[Warning]| w.iter().map(ToString::to_string).collect::<Vec<_>>();
        a.0 == b.0 && render(&a.1) == render(&b.1)
    }

    const CORPUS: [&str; 11] = [
        include_str!("../../chart/values.yaml"),
        include_str!("../../values/dev.yaml"),
        include_str!("../../values/staging.yaml"),
        include_str!("../../values/prod.yaml"),
        "a: 1\nb:\n  c: [x, 'y', 2]\n  d: {e: f}\nlist:\n- a: 1\n  b: yes\n- - nested\n  - 0644\n",
        "on: 1\nyes: no\n0644: x\n'quoted': ~\n\"dq\": \"a\\tb\"\nempty:\nnull_key: null\n",
        "text: |\n  line one\n  line two\nfolded: >-\n  a\n  b\nnum: 1e3\nhex: 0x1F\nf: .5\n",
        "---\na: 1\n---\nb: 2\n",
        "---\n---\n",
        "# only a comment\n",
        "key: value # trailing comment\nurl: http://x:80/y\ntime: 12:30:00\n",
    ];

    fn direct(text: &str) -> Option<(Vec<Value>, Vec<Warning>)> {
        let mut warnings = Vec::new();
        read(text, &Source::Stdin, &mut warnings).map(|values| (values, warnings))
    }

    #[test]
    fn reads_values_as_the_full_route_does() {
        for text in CORPUS.iter().copied().chain([""]) {
            let got = direct(text).unwrap_or_else(|| panic!("read directly: {text:?}"));
            assert!(same(&got, &full(text)), "{text:?}");
        }
    }

    #[test]
    fn reads_mutated_values_as_the_full_route_does_or_gives_up() {
        // The same knobs as the fast path's mutant test: `KEELSON_MUTANT_SEED=N` (not 0) and
        // `KEELSON_MUTANTS=1000000 cargo test --release --lib mutated` for a longer search.
        let env = |name: &str| std::env::var(name).ok().and_then(|n| n.parse().ok());
        let mut rng = Rng(env("KEELSON_MUTANT_SEED")
            .filter(|&n: &u64| n != 0)
            .unwrap_or(0x2545_f491_4f6c_dd1d));
        let runs = env("KEELSON_MUTANTS").map_or(20_000, |n: u64| n as usize);
        let mut taken = 0;
        for _ in 0..runs {
            let original = CORPUS[rng.below(CORPUS.len())];
            let text = mutate(&mut rng, original);
            if let Some(got) = direct(&text) {
                let expected = try_full(&text)
                    .unwrap_or_else(|| panic!("read directly, refused in full: {text:?}"));
                assert!(same(&got, &expected), "{text:?}");
                taken += 1;
            }
        }
        // Mutants are often still valid values: the direct reader must take a fair share.
        assert!(
            taken > runs / 10,
            "read only {taken} of {runs} mutants directly"
        );
    }

    #[test]
    fn leaves_what_it_does_not_take_to_the_full_route() {
        let deep = format!("{}x\n", "- ".repeat(200));
        for text in [
            "a: 1\na: 2\n",
            "f: .inf\n",
            "base: &b {x: 1}\nuse:\n  <<: *b\n",
            "<<: {a: 1}\n",
            "a: !!str 1\n",
            "[a, b]: 1\n",
            "a: [1\n",
            deep.as_str(),
        ] {
            let mut warnings = Vec::new();
            assert!(
                read(text, &Source::Stdin, &mut warnings).is_none(),
                "{text:?}"
            );
            assert!(warnings.is_empty(), "{text:?}");
        }
    }
}
