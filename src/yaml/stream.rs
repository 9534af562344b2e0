//! Rendered manifests re-emitted as they are read, without the node tree in between.
//!
//! `keelson render` prints each object as [`emit_document`](super::emit_document) would
//! print its tree, and needs of the tree only what identifies the object. Building every
//! node, walking them to print and dropping them again is most of the work of splitting a
//! large render; here the fast path's events are printed as they come, and only the values
//! of a few top-level keys (`apiVersion`, `kind`, `metadata`) are built as nodes, held back
//! for the caller to check and change, and printed in their place at the end.
//!
//! Whatever this route does not take (a document that is not a mapping, anchors, tags,
//! merge or duplicate keys, a limit passed, any error) returns `None`; the caller then
//! loads the text into trees, which reads everything and words every error. The output is
//! the same either way: `tests` compares the two on every corpus and on random mutants.

use std::collections::HashSet;
use std::ops::Range;

use super::emit::{Position, scalar_atom, write_atom, write_key, write_nested};
use super::load::{Builder, Chunk, Limits, SCAN_KEYS, Sink, core_tag};
use super::{Event, Mark, Node, NodeValue, Scalar, Style, TScalarStyle};

/// The documents of a text, printed as they were read, except for the values of the held
/// keys.
#[derive(Debug)]
pub struct Printed {
    /// Every document's text, one after the other.
    text: String,
    /// Where in `text` each held value goes.
    holes: Vec<usize>,
    /// The documents, in order.
    pub documents: Vec<Streamed>,
}

/// One document of [`Printed`].
#[derive(Debug)]
pub struct Streamed {
    /// The document's held entries, as a mapping in document order, marked where the
    /// document starts. Change the values freely; entries added or taken away make
    /// [`Printed::finish`] give up.
    pub root: Node,
    /// Its part of [`Printed::text`].
    text: Range<usize>,
    /// Its part of [`Printed::holes`].
    holes: Range<usize>,
}

impl Printed {
    /// The whole of `document` as [`emit_document`](super::emit_document) prints its tree,
    /// with the held values as they are now; `None` if the held entries changed in number.
    pub fn finish(&self, document: &Streamed) -> Option<String> {
        let NodeValue::Mapping(entries) = &document.root.value else {
            return None;
        };
        let holes = self.holes.get(document.holes.clone())?;
        if entries.len() != holes.len() {
            return None;
        }
        let text = self.text.get(document.text.clone())?;
        let mut out = String::with_capacity(text.len() + 256);
        let mut done = document.text.start;
        for (&hole, (_, value)) in holes.iter().zip(entries) {
            out.push_str(self.text.get(done..hole)?);
            write_nested(&mut out, value, 2, Position::MapValue);
            done = hole;
        }
        out.push_str(self.text.get(done..document.text.end)?);
        out.push('\n');
        Some(out)
    }
}

/// Reads `chunk` on the fast path and prints each of its documents, holding back the
/// values of the top-level keys in `hold`. Documents that are an empty scalar (`~`,
/// `null`, nothing) are left out. Also returns how many nodes the chunk holds, counted as
/// [`load_chunk`](super::load_chunk) counts them. `None`: load the chunk into trees.
pub fn restream(chunk: &Chunk<'_>, limits: &Limits, hold: &[&str]) -> Option<(Printed, usize)> {
    let mut printer = Printer {
        limits,
        hold,
        stack: Vec::new(),
        keys: Vec::new(),
        printed: Printed {
            text: String::with_capacity(chunk.text.len() + chunk.text.len() / 8),
            holes: Vec::new(),
            documents: Vec::new(),
        },
        start: 0,
        holes_start: 0,
        held: Vec::new(),
        holding: None,
        builder: Builder::new(&HELD_LIMITS),
        root_mark: Mark::default(),
        nodes: 0,
    };
    super::fast::parse(chunk.text, chunk.first_line, &mut printer).ok()?;
    if !printer.stack.is_empty() || printer.holding.is_some() {
        return None;
    }
    Some((printer.printed, printer.nodes))
}

struct Printer<'a> {
    limits: &'a Limits,
    hold: &'a [&'a str],
    stack: Vec<Frame>,
    /// Keys of the open mappings, innermost last, to find duplicates.
    keys: Vec<String>,
    printed: Printed,
    /// Where the current document starts in the printed text and holes.
    start: usize,
    holes_start: usize,
    held: Vec<(Node, Node)>,
    /// The key whose value is being held, while its value is built.
    holding: Option<Holding>,
    /// Builds held values, one at a time.
    builder: Builder<'static>,
    root_mark: Mark,
    nodes: usize,
}

/// An open collection and how its children print, as `emit`'s `write_seq` and
/// `write_map` print them.
struct Frame {
    /// The column its entries or items start at.
    indent: usize,
    /// Whether the first child continues the current line (a collection in a sequence).
    inline: bool,
    /// Whether it is the value of a mapping key, which prints `key: {}` when empty.
    after_key: bool,
    children: usize,
    map: Option<MapFrame>,
}

struct MapFrame {
    /// Where this mapping's keys begin in [`Printer::keys`].
    start: usize,
    /// Whether the next event is a key's value.
    value_next: bool,
    /// Every key, once the mapping is larger than [`SCAN_KEYS`].
    set: Option<HashSet<String>>,
}

struct Holding {
    key: Node,
    /// Collections open inside the held value.
    depth: usize,
}

/// The builder of held values checks no limits: the printer counts nodes and depth for the
/// whole document itself.
static HELD_LIMITS: Limits = Limits {
    max_depth: usize::MAX,
    max_nodes: usize::MAX,
};

type Step = Result<(), ()>;

impl Printer<'_> {
    fn count(&mut self) -> Step {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            return Err(());
        }
        Ok(())
    }

    fn depth(&self) -> usize {
        self.stack.len() + self.holding.as_ref().map_or(0, |h| h.depth)
    }

    /// Starts a child of the innermost collection: its line break and indentation, and
    /// for a sequence its `- `.
    fn start_child(&mut self) {
        let Some(frame) = self.stack.last_mut() else {
            return;
        };
        if frame.children > 0 || !frame.inline {
            // As `newline`, within this document.
            if self.printed.text.len() > self.start {
                self.printed.text.push('\n');
            }
            let indent = frame.indent;
            self.printed.text.extend(std::iter::repeat_n(' ', indent));
        }
        frame.children += 1;
        if frame.map.is_none() {
            self.printed.text.push_str("- ");
        }
    }

    /// Prints a key of the innermost mapping, or starts holding its value.
    fn key(&mut self, scalar: Scalar, at: Mark) -> Step {
        if scalar.text == "<<" || self.is_duplicate(&scalar.text) {
            return Err(());
        }
        self.start_child();
        write_key(&mut self.printed.text, &scalar_atom(&scalar));
        self.printed.text.push(':');
        if self.stack.len() == 1 && self.hold.contains(&scalar.text.as_str()) {
            self.printed.holes.push(self.printed.text.len());
            let key = Node {
                value: NodeValue::Scalar(scalar.clone()),
                mark: at,
            };
            self.holding = Some(Holding { key, depth: 0 });
        }
        self.keys.push(scalar.text);
        if let Some(map) = self.stack.last_mut().and_then(|f| f.map.as_mut()) {
            map.value_next = true;
        }
        Ok(())
    }

    /// Whether the innermost mapping has `key` already.
    fn is_duplicate(&mut self, key: &str) -> bool {
        let Some(map) = self.stack.last_mut().and_then(|f| f.map.as_mut()) else {
            return false;
        };
        let keys = &self.keys[map.start..];
        if map.set.is_none() && keys.len() >= SCAN_KEYS {
            map.set = Some(keys.iter().cloned().collect());
        }
        match &mut map.set {
            Some(set) => !set.insert(key.to_owned()),
            None => keys.iter().any(|k| k == key),
        }
    }

    /// Marks the innermost mapping's value as printed.
    fn value_done(&mut self) {
        if let Some(map) = self.stack.last_mut().and_then(|f| f.map.as_mut()) {
            map.value_next = false;
        }
    }

    fn awaits_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                map: Some(MapFrame {
                    value_next: false,
                    ..
                }),
                ..
            })
        )
    }

    fn scalar(&mut self, scalar: Scalar, at: Mark) -> Step {
        let Some((indent, in_map)) = self.stack.last().map(|f| (f.indent + 2, f.map.is_some()))
        else {
            // A document that is a scalar: nothing when empty, else no object.
            return if scalar.is_empty_document() {
                Ok(())
            } else {
                Err(())
            };
        };
        if self.awaits_key() {
            return self.key(scalar, at);
        }
        if in_map {
            self.printed.text.push(' ');
            self.value_done();
        } else {
            self.start_child();
        }
        write_atom(&mut self.printed.text, &scalar_atom(&scalar), indent);
        Ok(())
    }

    fn open(&mut self, at: Mark, map: bool) -> Step {
        if self.depth() >= self.limits.max_depth || self.awaits_key() {
            // Too deep, or a collection as a mapping key: the tree route says which.
            return Err(());
        }
        let frame = match self.stack.last() {
            None if map => {
                self.root_mark = at;
                Frame {
                    indent: 0,
                    inline: false,
                    after_key: false,
                    children: 0,
                    map: None,
                }
            }
            // A document that is a sequence is no object.
            None => return Err(()),
            Some(parent) if parent.map.is_some() => Frame {
                indent: parent.indent + 2,
                inline: false,
                after_key: true,
                children: 0,
                map: None,
            },
            Some(parent) => {
                let indent = parent.indent + 2;
                self.start_child();
                Frame {
                    indent,
                    inline: true,
                    after_key: false,
                    children: 0,
                    map: None,
                }
            }
        };
        let frame = Frame {
            map: map.then(|| MapFrame {
                start: self.keys.len(),
                value_next: false,
                set: None,
            }),
            ..frame
        };
        self.stack.push(frame);
        Ok(())
    }

    fn close(&mut self) -> Step {
        let frame = self.stack.pop().ok_or(())?;
        if frame.children == 0 {
            let empty = if frame.map.is_some() { "{}" } else { "[]" };
            if frame.after_key {
                self.printed.text.push(' ');
            }
            self.printed.text.push_str(empty);
        }
        if let Some(map) = frame.map {
            if map.value_next {
                return Err(());
            }
            self.keys.truncate(map.start);
        }
        if self.stack.is_empty() {
            let (text, holes) = (self.printed.text.len(), self.printed.holes.len());
            self.printed.documents.push(Streamed {
                root: Node {
                    value: NodeValue::Mapping(std::mem::take(&mut self.held)),
                    mark: self.root_mark,
                },
                text: self.start..text,
                holes: self.holes_start..holes,
            });
            (self.start, self.holes_start) = (text, holes);
        } else {
            self.value_done();
        }
        Ok(())
    }

    /// Feeds an event of a held value to its builder.
    fn hold(&mut self, event: Event, at: Mark) -> Step {
        let too_deep = self.depth() >= self.limits.max_depth;
        let Some(holding) = self.holding.as_mut() else {
            return Err(());
        };
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) if too_deep => return Err(()),
            Event::SequenceStart(..) | Event::MappingStart(..) => holding.depth += 1,
            Event::SequenceEnd | Event::MappingEnd => {
                holding.depth = holding.depth.saturating_sub(1)
            }
            _ => {}
        }
        self.builder.event(event, at).map_err(|_| ())?;
        if let Some(value) = self.builder.take_node() {
            let key = self.holding.take().ok_or(())?.key;
            self.held.push((key, value));
            self.value_done();
        }
        Ok(())
    }
}

impl Sink for Printer<'_> {
    fn event(&mut self, event: Event, at: Mark) -> Step {
        match &event {
            Event::Scalar(_, _, anchor, _)
            | Event::SequenceStart(anchor, _)
            | Event::MappingStart(anchor, _)
                if *anchor != 0 =>
            {
                return Err(());
            }
            Event::Alias(_) => return Err(()),
            Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..) => {
                self.count()?;
            }
            _ => {}
        }
        if self.holding.is_some() {
            return match event {
                Event::Scalar(..)
                | Event::SequenceStart(..)
                | Event::MappingStart(..)
                | Event::SequenceEnd
                | Event::MappingEnd => self.hold(event, at),
                _ => Err(()),
            };
        }
        match event {
            Event::Scalar(text, style, _, tag) => {
                let tag = core_tag(tag.as_ref(), at).map_err(|_| ())?;
                let style = match style {
                    TScalarStyle::Plain => Style::Plain,
                    _ => Style::Quoted,
                };
                self.scalar(Scalar { text, style, tag }, at)
            }
            Event::SequenceStart(_, tag) | Event::MappingStart(_, tag)
                if core_tag(tag.as_ref(), at).is_err() =>
            {
                Err(())
            }
            Event::SequenceStart(..) => self.open(at, false),
            Event::MappingStart(..) => self.open(at, true),
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            Event::Alias(_) => Err(()),
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::mutants::{corpus, knobs, mutate};
    use crate::yaml::{emit_document, load_chunk};

    const HOLD: &[&str] = &["apiVersion", "kind", "metadata"];

    fn whole(text: &str) -> Chunk<'_> {
        Chunk {
            text,
            first_line: 1,
        }
    }

    /// What the printed route gives for `text`: each document's held entries and text.
    fn printed(text: &str) -> Option<(Vec<(Node, String)>, usize)> {
        let (printed, nodes) = restream(&whole(text), &Limits::default(), HOLD)?;
        let documents = printed
            .documents
            .iter()
            .map(|d| Some((d.root.clone(), printed.finish(d)?)))
            .collect::<Option<_>>()?;
        Some((documents, nodes))
    }

    /// What the tree route gives for `text`, shaped as [`printed`]; `None` when a document
    /// is no mapping (the printed route leaves those to it).
    fn from_trees(text: &str) -> Option<(Vec<(Node, String)>, usize)> {
        let (documents, nodes) = load_chunk(&whole(text), &Limits::default())?;
        let mut out = Vec::new();
        for document in documents {
            let held = match &document.value {
                NodeValue::Mapping(entries) => entries
                    .iter()
                    .filter(|(k, _)| k.as_str().is_some_and(|k| HOLD.contains(&k)))
                    .cloned()
                    .collect(),
                NodeValue::Scalar(s) if s.is_empty_document() => continue,
                _ => return None,
            };
            let root = Node {
                value: NodeValue::Mapping(held),
                mark: document.mark,
            };
            out.push((root, emit_document(&document)));
        }
        Some((out, nodes))
    }

    /// Whatever the printed route takes, it prints as the tree route does; returns whether
    /// it took `text`.
    fn agrees(text: &str) -> bool {
        let Some(got) = printed(text) else {
            return false;
        };
        let expected = from_trees(text);
        assert_eq!(
            Some(&got),
            expected.as_ref(),
            "printed route differs on {text:?}"
        );
        true
    }

    #[test]
    fn prints_the_corpus_as_the_tree_route_does() {
        let corpus = corpus();
        let taken = corpus.iter().filter(|text| agrees(text)).count();
        // Rendered manifests are what this route is for: it must take nearly all of them.
        // Values files and NOTES-like texts that are no objects go to the tree route.
        assert!(
            taken * 2 >= corpus.len(),
            "printed only {taken} of {} texts",
            corpus.len()
        );
    }

    #[test]
    fn prints_mutants_as_the_tree_route_does_or_gives_up() {
        let (mut rng, runs) = knobs(0x9e37_79b9_7f4a_7c15, 20_000);
        let corpus: Vec<String> = corpus()
            .into_iter()
            .filter(|text| printed(text).is_some())
            .collect();
        assert!(!corpus.is_empty());
        let mut taken = 0;
        for _ in 0..runs {
            let original = &corpus[rng.below(corpus.len())];
            let text = mutate(&mut rng, original);
            if agrees(&text) {
                taken += 1;
            }
        }
        assert!(taken > runs / 10, "printed only {taken} of {runs} mutants");
    }

    #[test]
    fn held_values_print_in_place_as_they_are_changed() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"1\"\n";
        let (mut printed, nodes) = restream(&whole(text), &Limits::default(), HOLD).expect("taken");
        assert_eq!(nodes, 13);
        let mut document = printed.documents.remove(0);
        let NodeValue::Mapping(entries) = &mut document.root.value else {
            panic!("a mapping");
        };
        let NodeValue::Mapping(metadata) = &mut entries[2].1.value else {
            panic!("metadata is a mapping");
        };
        let mark = Mark::default();
        metadata.push((Node::string("namespace", mark), Node::string("yes", mark)));
        assert_eq!(
            printed.finish(&document).as_deref(),
            Some(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: \"yes\"\ndata:\n  a: \"1\"\n"
            )
        );
        // Entries added or taken away: the holes no longer fit.
        let NodeValue::Mapping(entries) = &mut document.root.value else {
            panic!("a mapping");
        };
        entries.pop();
        assert_eq!(printed.finish(&document), None);
    }

    #[test]
    fn leaves_what_it_does_not_take_to_the_tree_route() {
        let deep = format!("a:\n{}x\n", "- ".repeat(200));
        for text in [
            "- a\n- b\n",
            "just text\n",
            "a: 1\na: 2\n",
            "metadata: {}\nmetadata: {}\n",
            "<<: {a: 1}\n",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: [1\n",
            deep.as_str(),
        ] {
            assert!(
                restream(&whole(text), &Limits::default(), HOLD).is_none(),
                "{text:?}"
            );
        }
        // Empty documents are left out; the others print.
        let (printed, _) =
            restream(&whole("---\n~\n---\na: 1\n---\n"), &Limits::default(), HOLD).expect("taken");
        assert_eq!(printed.documents.len(), 1);
    }

    #[test]
    fn counts_nodes_as_the_tree_route_does_and_stops_at_the_limit() {
        let text = "a:\n  - 1\n  - {b: c}\nmetadata:\n  name: x\n";
        let (_, nodes) = restream(&whole(text), &Limits::default(), HOLD).expect("taken");
        let (_, expected) = load_chunk(&whole(text), &Limits::default()).expect("loads");
        assert_eq!(nodes, expected);
        let tight = Limits {
            max_nodes: nodes - 1,
            ..Limits::default()
        };
        assert!(restream(&whole(text), &tight, HOLD).is_none());
    }
}
