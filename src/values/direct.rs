//! Values texts read straight into JSON values on the YAML fast path, without the node tree
//! that [`yaml::load`] builds first: values files are large and plain, so this is the
//! common case and the one worth making cheap. Whatever the fast path or this reader does
//! not take (merge keys, duplicate keys, a limit passed, any error) returns `None`; the
//! caller then takes the full route, which reads everything and words every error. A large
//! text whose bulk is one long top-level list is read in two halves, one on each thread.

use serde_json::{Map, Value};

use super::{Source, Warning, key_warning, scalar_value};
use crate::yaml::{self, Event, Mark, Scalar, Sink, Style, TScalarStyle};

/// Every document of `text` as values, with their warnings added to `warnings`; `None`
/// when the full route must read the text.
pub(super) fn read(text: &str, source: &Source, warnings: &mut Vec<Warning>) -> Option<Vec<Value>> {
    let limits = yaml::Limits::default();
    let (documents, mut found) = (text.len() >= crate::parallel::SPLIT_BYTES)
        .then(|| in_halves(text, source, &limits))
        .flatten()
        .or_else(|| {
            let reader = Reader::new(&limits, source).run(text, 1)?;
            Some((reader.documents, reader.warnings))
        })?;
    warnings.append(&mut found);
    Some(documents)
}

/// Ends the first half: an item no values file holds, on the line where the second half
/// starts, so the first half is read up to that line exactly as the whole text is.
const SENTINEL: &str = "keelson-first-half-ends-here-7c1d0f";

/// Starts the second half, as the key whose list the first half leaves open.
const PLACEHOLDER: &str = "keelson-second-half-starts-here-7c1d0f";

/// A values text cut at an item of a list that is the value of a top-level key, read in
/// two halves in parallel and joined; `None` when there is no such cut or the halves do
/// not prove it (then read the whole text).
///
/// The first half is the text up to the cut plus a [`SENTINEL`] item indented as the item
/// at the cut: whatever came before reads the same when followed by the sentinel as by the
/// real item, and the sentinel must arrive as an item of a list that is the value of a key
/// of the top-level mapping. The second half is a [`PLACEHOLDER`] key followed by the text
/// from the cut on: the list's remaining items and the top-level keys after it.
fn in_halves(
    text: &str,
    source: &Source,
    limits: &yaml::Limits,
) -> Option<(Vec<Value>, Vec<Warning>)> {
    let (cut, indent) = cut(text)?;
    let line = 1 + yaml::count_newlines(&text.as_bytes()[..cut]);
    let mut first = String::with_capacity(cut + indent + SENTINEL.len() + 3);
    first.push_str(&text[..cut]);
    first.extend(std::iter::repeat_n(' ', indent));
    first.push_str("- ");
    first.push_str(SENTINEL);
    first.push('\n');
    let second = format!("{PLACEHOLDER}:\n{}", &text[cut..]);
    let halves = [(first.as_str(), 1), (second.as_str(), line - 1)];
    let [head, tail]: [Option<Reader<'_>>; 2] = crate::parallel::map(
        &halves,
        |(half, _)| half.len(),
        |&(half, first_line)| {
            let mut reader = Reader::new(limits, source);
            if first_line == 1 {
                reader.sentinel = Some(Sentinel { line, key: None });
            }
            reader.run(half, first_line)
        },
    )
    .try_into()
    .ok()?;
    let (mut head, tail) = (head?, tail?);
    let key = head.sentinel.take()?.key?;
    if head.nodes.saturating_add(tail.nodes) > limits.max_nodes {
        return None;
    }
    let ([Value::Object(mut joined)], [Value::Object(rest)]) = (
        <[Value; 1]>::try_from(head.documents).ok()?,
        <[Value; 1]>::try_from(tail.documents).ok()?,
    ) else {
        return None;
    };
    let mut rest = rest.into_iter();
    let (Some((placeholder, Value::Array(items))), Some(Value::Array(list))) =
        (rest.next(), joined.get_mut(&key))
    else {
        return None;
    };
    if placeholder != PLACEHOLDER {
        return None;
    }
    list.extend(items);
    for (key, value) in rest {
        if joined.insert(key, value).is_some() {
            // A key in both halves: the whole text's reading reports the duplicate.
            return None;
        }
    }
    let mut warnings = head.warnings;
    warnings.extend(tail.warnings);
    Some((vec![Value::Object(joined)], warnings))
}

/// Where to cut `text` in two: the start of a line that is a `- ` item, the least indented
/// such line in the 32 KiB after the middle, with its indentation.
fn cut(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut at = text.len() / 2;
    at += bytes.get(at..)?.iter().position(|&b| b == b'\n')? + 1;
    let end = (at + 32 * 1024).min(bytes.len());
    let mut best: Option<(usize, usize)> = None;
    while at < end {
        let line_end = bytes[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| at + i);
        let line = &bytes[at..line_end];
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        if line[indent..].starts_with(b"- ") && best.is_none_or(|(_, least)| indent < least) {
            best = Some((at, indent));
            if indent == 0 {
                break;
            }
        }
        at = line_end + 1;
    }
    best
}

/// What the first half's reader checks of its [`SENTINEL`].
struct Sentinel {
    /// The line it stands on.
    line: usize,
    /// The top-level key whose list it ended, once it arrived where it must.
    key: Option<String>,
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
    /// The column of the first document's first top-level key.
    root_column: usize,
    /// For the first half of a text read in halves.
    sentinel: Option<Sentinel>,
}

/// An open collection; its children wait on the reader's shared stacks from `start` on and
/// move into a collection of exactly their number when it closes.
enum Open {
    Sequence { start: usize },
    Mapping { start: usize, key: Option<String> },
}

impl<'a> Reader<'a> {
    fn new(limits: &'a yaml::Limits, source: &'a Source) -> Reader<'a> {
        Reader {
            limits,
            source,
            stack: Vec::new(),
            items: Vec::new(),
            entries: Vec::new(),
            documents: Vec::new(),
            warnings: Vec::new(),
            nodes: 0,
            root_column: 0,
            sentinel: None,
        }
    }

    /// Reads `text`, whose first line is `first_line`; `None` when the full route must.
    fn run(mut self, text: &str, first_line: usize) -> Option<Reader<'a>> {
        (yaml::read_fast(text, first_line, &mut self) && self.stack.is_empty()).then_some(self)
    }

    /// Takes the first half's sentinel: it must be an item of a list that is the value of
    /// a key of the top-level mapping, written at column 1.
    fn sentinel(&mut self) -> Result<(), ()> {
        let sentinel = self.sentinel.as_mut().ok_or(())?;
        match self.stack.as_slice() {
            [Open::Mapping { key: Some(key), .. }, Open::Sequence { .. }]
                if self.root_column == 1 && self.documents.is_empty() && sentinel.key.is_none() =>
            {
                sentinel.key = Some(key.clone());
                Ok(())
            }
            _ => Err(()),
        }
    }

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
                if style == Style::Plain
                    && text == SENTINEL
                    && self.sentinel.as_ref().is_some_and(|s| s.line == at.line)
                {
                    return self.sentinel();
                }
                let scalar = Scalar {
                    text,
                    style,
                    tag: None,
                };
                if self.stack.len() == 1 && self.documents.is_empty() && self.root_column == 0 {
                    // The first top-level key (the first scalar in a top-level mapping).
                    self.root_column = at.column;
                }
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

    use crate::yaml::mutants::{knobs, mutate};

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

    /// What a fast route read from `text` (`how`) is what the full route reads.
    fn agrees_with_full(got: &(Vec<Value>, Vec<Warning>), text: &str, how: &str) {
        let expected = try_full(text).unwrap_or_else(|| panic!("{how}, refused in full: {text:?}"));
        assert!(same(got, &expected), "{text:?}");
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
        let (mut rng, runs) = knobs(0x2545_f491_4f6c_dd1d, 20_000);
        let mut taken = 0;
        for _ in 0..runs {
            let original = CORPUS[rng.below(CORPUS.len())];
            let text = mutate(&mut rng, original);
            if let Some(got) = direct(&text) {
                agrees_with_full(&got, &text, "read directly");
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

    fn halves(text: &str) -> Option<(Vec<Value>, Vec<Warning>)> {
        in_halves(text, &Source::Stdin, &yaml::Limits::default())
    }

    /// A values text whose top-level `items` list holds `n` entries, with keys before and
    /// after it and YAML 1.1 traps (warned about) on both sides of any cut.
    fn listed(n: usize) -> String {
        let mut text = String::from("# header\nfirst: yes\nitems:\n");
        for i in 0..n {
            text.push_str(&format!(
                "  - name: item-{i}\n    on: {}\n    tags:\n      - a\n      - {i}\n    note: |\n      - not an item\n      text\n",
                if i % 7 == 0 { "no" } else { "true" }
            ));
        }
        text.push_str("after: off\nlast: [1, 2]\n");
        text
    }

    #[test]
    fn reads_a_long_list_in_halves_as_the_whole_text() {
        for n in [2, 3, 10, 2_000] {
            let text = listed(n);
            let got = halves(&text).unwrap_or_else(|| panic!("read in halves: {n} items"));
            assert!(same(&got, &full(&text)), "{n} items");
            assert!(!got.1.is_empty());
        }
        // Large enough for `read` to take this route by itself, and on two threads.
        let text = listed(2_000);
        assert!(text.len() >= crate::parallel::SPLIT_BYTES);
        assert!(same(&direct(&text).expect("read directly"), &full(&text)));
        // The list at column 1 (no indentation under its key) cuts as well.
        let flush = listed(50).replace("\n  - name", "\n- name");
        let flush = flush.replace("\n    ", "\n  ");
        assert!(same(
            &halves(&flush).expect("read in halves"),
            &full(&flush)
        ));
    }

    #[test]
    fn gives_up_halves_the_cut_does_not_prove() {
        let nested = format!("outer:\n{}", listed(40).replace('\n', "\n  "));
        let indented = listed(40).replace('\n', "\n  ");
        let duplicate = format!("{}first: again\n", listed(40));
        let two_documents = format!("{}---\nother: 1\n", listed(40));
        let in_a_block = format!(
            "text: |\n{}\nkey: 1\n",
            (0..80)
                .map(|i| format!("  - line {i}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        for text in [nested, indented, duplicate, two_documents, in_a_block] {
            assert_eq!(halves(&text).map(|(v, _)| v), None, "{text}");
        }
    }

    #[test]
    fn reads_mutated_values_in_halves_as_the_full_route_does_or_gives_up() {
        let (mut rng, runs) = knobs(0x0bad_5eed_cafe_f00d, 5_000);
        let originals = [
            listed(3),
            listed(8),
            CORPUS[4].to_owned(),
            CORPUS[0].to_owned(),
        ];
        let mut taken = 0;
        for _ in 0..runs {
            // Mutated around the middle, where the text is cut.
            let lines: Vec<&str> = originals[rng.below(originals.len())]
                .split_inclusive('\n')
                .collect();
            let start = (lines.len() / 2).saturating_sub(rng.below(6));
            let end = (start + 1 + rng.below(8)).min(lines.len());
            let text = format!(
                "{}{}{}",
                lines[..start].concat(),
                mutate(&mut rng, &lines[start..end].concat()),
                lines[end..].concat()
            );
            if let Some(got) = halves(&text) {
                agrees_with_full(&got, &text, "read in halves");
                taken += 1;
            }
        }
        assert!(
            taken > runs / 20,
            "read only {taken} of {runs} mutants in halves"
        );
    }
}
