//! Event-driven YAML loader with bounded cost.

use std::collections::{HashMap, HashSet};
use std::fmt;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::{CoreTag, Mark, Node, NodeValue, Scalar, Style};

/// What one YAML text may cost to load.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting of sequences and mappings.
    pub max_depth: usize,
    /// Most nodes, counting every copy an alias makes (alias bombs stop here).
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 128,
            max_nodes: 5_000_000,
        }
    }
}

/// Why a YAML text could not be loaded, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// Where the problem is.
    pub mark: Mark,
    /// What is wrong, lowercase, no trailing period.
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}",
            self.mark.line, self.mark.column, self.message
        )
    }
}

impl std::error::Error for YamlError {}

/// Loads every document of `text`.
///
/// Keys must be unique scalars. Anchors and aliases are expanded, within `limits`.
///
/// # Errors
/// [`YamlError`] for invalid YAML, duplicate or complex keys, unknown tags, and input that
/// goes past `limits`.
pub fn load(text: &str, limits: &Limits) -> Result<Vec<Node>, YamlError> {
    let mut builder = Builder::new(limits);
    if super::fast::parse(text, 1, &mut builder).is_ok()
        && let Some(documents) = builder.into_documents()
    {
        return Ok(documents);
    }
    load_slow(text, limits)
}

/// Feeds every document of `text`, whose first line is line `first_line` of its file, to
/// `sink` on the fast path alone; `false` when the fast path cannot read the text or `sink`
/// refused an event: then use [`load`].
pub(crate) fn read_fast(text: &str, first_line: usize, sink: &mut impl Sink) -> bool {
    super::fast::parse(text, first_line, sink).is_ok()
}

/// Loads a text in pieces that may be read in parallel: each piece of [`chunks`] through
/// the fast path, with marks counted from the whole text's start. `None` when the fast path
/// gives up on a piece or the pieces together go past `limits`: then [`load`] the whole
/// text, which also words any error exactly as before.
pub fn load_chunk(chunk: &Chunk<'_>, limits: &Limits) -> Option<(Vec<Node>, usize)> {
    let mut builder = Builder::new(limits);
    super::fast::parse(chunk.text, chunk.first_line, &mut builder).ok()?;
    let nodes = builder.nodes;
    builder.into_documents().map(|documents| (documents, nodes))
}

/// A piece of a YAML stream that starts at a document boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk<'a> {
    /// The piece's text.
    pub text: &'a str,
    /// The line of the whole text it starts at, 1-based.
    pub first_line: usize,
}

/// `text` cut into pieces of about `size` bytes or more, each cut made just before a `---`
/// line, so that every piece holds whole documents.
pub fn chunks(text: &str, size: usize) -> Vec<Chunk<'_>> {
    let mut pieces = Vec::new();
    let (mut start, mut first_line) = (0, 1);
    let bytes = text.as_bytes();
    let mut search = size.max(1);
    loop {
        while search < text.len() && !text.is_char_boundary(search) {
            search += 1;
        }
        let Some(found) = text.get(search..).and_then(|rest| rest.find("\n---")) else {
            break;
        };
        let cut = search + found + 1;
        let after = bytes.get(cut + 3).copied();
        if matches!(after, None | Some(b'\n' | b' ')) {
            let piece = &text[start..cut];
            pieces.push(Chunk {
                text: piece,
                first_line,
            });
            first_line += super::count_newlines(piece.as_bytes());
            start = cut;
            search = cut + size.max(1);
        } else {
            search = cut;
        }
    }
    pieces.push(Chunk {
        text: &text[start..],
        first_line,
    });
    pieces
}

/// [`load`] without the fast path: every text through yaml-rust2.
pub(super) fn load_slow(text: &str, limits: &Limits) -> Result<Vec<Node>, YamlError> {
    // yaml-rust2 takes the end of a text for a line break; YAML and kubectl's reader do not.
    // A block scalar that runs to the end gets no final break (see `unbreak_last_block`).
    let text = without_trailing_spaces(text);
    let mut builder = Builder::new(limits);
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, marker) = parser.next_token().map_err(|e| YamlError {
            mark: mark(e.marker()),
            message: scan_message(&e.to_string()),
        })?;
        if matches!(event, Event::StreamEnd) {
            break;
        }
        builder.event(event, mark(&marker))?;
    }
    let mut documents = builder.documents;
    if builder.last_block && !text.is_empty() && !text.ends_with('\n') {
        unbreak_last_block(&mut documents, text);
    }
    Ok(documents)
}

/// `text` without the spaces after its last line break: they make no empty line (a block
/// scalar keeps no break for them) and nothing else reads them. Both loaders start here, so
/// they also agree on where such a text ends.
pub(super) fn without_trailing_spaces(text: &str) -> &str {
    match text.rfind('\n') {
        Some(i) if text[i + 1..].bytes().all(|b| b == b' ') => &text[..=i],
        _ => text,
    }
}

/// Takes off the line break yaml-rust2 ends a block scalar with when the scalar's last line
/// is the text's last and has none (`a: |` then `  kept` then the end reads `kept`). The
/// scalar is the last leaf of the last document; the text's last line is its content when
/// indented at least as its first line and its value ends with that line.
fn unbreak_last_block(documents: &mut [Node], text: &str) {
    let Some(document) = documents.last_mut() else {
        return;
    };
    // The way down to the last leaf, found by looking, then walked to change it.
    let mut path = Vec::new();
    let mut node: &Node = document;
    loop {
        match &node.value {
            NodeValue::Mapping(entries) if !entries.is_empty() => {
                path.push(entries.len() - 1);
                node = &entries[entries.len() - 1].1;
            }
            NodeValue::Sequence(items) if !items.is_empty() => {
                path.push(items.len() - 1);
                node = &items[items.len() - 1];
            }
            _ => break,
        }
    }
    let mut leaf = document;
    for i in path {
        leaf = match &mut leaf.value {
            NodeValue::Mapping(entries) => &mut entries[i].1,
            NodeValue::Sequence(items) => &mut items[i],
            NodeValue::Scalar(_) => return,
        };
    }
    let indent = leaf.mark.column.saturating_sub(1);
    let NodeValue::Scalar(scalar) = &mut leaf.value else {
        return;
    };
    let last_line = &text[text.rfind('\n').map_or(0, |i| i + 1)..];
    let leading = last_line.len() - last_line.trim_start_matches(' ').len();
    let content = last_line.get(indent..).unwrap_or_default();
    let ends_with_it = scalar
        .text
        .strip_suffix('\n')
        .is_some_and(|value| value.ends_with(content));
    if leading >= indent && !content.is_empty() && ends_with_it {
        scalar.text.pop();
    }
}

fn mark(marker: &Marker) -> Mark {
    Mark {
        line: marker.line(),
        column: marker.col() + 1,
    }
}

/// yaml-rust2 appends " at byte N line L column C" to its messages; we print our own.
fn scan_message(message: &str) -> String {
    let message = match message.find(" at byte ") {
        Some(cut) => &message[..cut],
        None => message,
    };
    if message.contains("recursion limit exceeded") {
        return "invalid YAML: nesting is too deep".into();
    }
    format!("invalid YAML: {message}")
}

/// What the fast path feeds its events to: the node [`Builder`], or a reader that builds
/// values directly.
pub(crate) trait Sink {
    /// Takes the next event, which starts at `at`; `Err` makes the fast path give up.
    ///
    /// # Errors
    /// Whatever the sink refuses: the text is then read again by the full loader, which
    /// words the error.
    fn event(&mut self, event: Event, at: Mark) -> Result<(), ()>;
}

impl Sink for Builder<'_> {
    fn event(&mut self, event: Event, at: Mark) -> Result<(), ()> {
        Builder::event(self, event, at).map_err(|_| ())
    }
}

/// Builds nodes from parser events, checking keys and limits; fed by yaml-rust2 or by the
/// fast path.
pub(super) struct Builder<'a> {
    limits: &'a Limits,
    stack: Vec<Frame>,
    /// Items of the open sequences, innermost last; each frame remembers where its children
    /// begin.
    items: Vec<Node>,
    /// Entries of the open mappings, likewise.
    entries: Vec<(Node, Node)>,
    anchors: HashMap<usize, (Node, usize)>,
    documents: Vec<Node>,
    nodes: usize,
    /// Whether the last scalar was a literal or folded block.
    last_block: bool,
}

/// Mappings up to this size find duplicate keys by scanning; larger ones keep a set.
pub(super) const SCAN_KEYS: usize = 16;

struct Frame {
    mark: Mark,
    anchor: usize,
    /// Nodes in this collection's subtree so far, itself included.
    size: usize,
    kind: FrameKind,
}

/// An open collection. Its children wait on the builder's shared stacks from `start` on, and
/// move into a vector of exactly their number when it closes: no growth, no slack.
enum FrameKind {
    Sequence {
        start: usize,
    },
    Mapping {
        start: usize,
        pending_key: Option<Node>,
        /// Every key, once the mapping is larger than [`SCAN_KEYS`].
        keys: Option<HashSet<String>>,
    },
}

impl<'a> Builder<'a> {
    pub(super) fn new(limits: &'a Limits) -> Builder<'a> {
        Builder {
            limits,
            stack: Vec::new(),
            items: Vec::new(),
            entries: Vec::new(),
            anchors: HashMap::new(),
            documents: Vec::new(),
            nodes: 0,
            last_block: false,
        }
    }

    /// The one node built so far, once it is complete: for a builder fed a single node.
    pub(super) fn take_node(&mut self) -> Option<Node> {
        if self.stack.is_empty() {
            self.documents.pop()
        } else {
            None
        }
    }

    /// The documents built, if every collection was closed.
    pub(super) fn into_documents(self) -> Option<Vec<Node>> {
        self.stack.is_empty().then_some(self.documents)
    }

    pub(super) fn event(&mut self, event: Event, at: Mark) -> Result<(), YamlError> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let tag = core_tag(tag.as_ref(), at)?;
                self.last_block = matches!(style, TScalarStyle::Literal | TScalarStyle::Folded);
                let style = match style {
                    TScalarStyle::Plain => Style::Plain,
                    _ => Style::Quoted,
                };
                let node = Node {
                    value: NodeValue::Scalar(Scalar { text, style, tag }),
                    mark: at,
                };
                self.count(1, at)?;
                self.finish(node, 1, anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                core_tag(tag.as_ref(), at)?;
                let start = self.items.len();
                self.open(at, anchor, FrameKind::Sequence { start })
            }
            Event::MappingStart(anchor, tag) => {
                core_tag(tag.as_ref(), at)?;
                self.open(
                    at,
                    anchor,
                    FrameKind::Mapping {
                        start: self.entries.len(),
                        pending_key: None,
                        keys: None,
                    },
                )
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let frame = self.stack.pop().ok_or_else(|| YamlError {
                    mark: at,
                    message: "invalid YAML: unbalanced collection".into(),
                })?;
                let value = match frame.kind {
                    FrameKind::Sequence { start } => {
                        NodeValue::Sequence(self.items.drain(start..).collect())
                    }
                    FrameKind::Mapping { start, .. } => {
                        NodeValue::Mapping(self.entries.drain(start..).collect())
                    }
                };
                let node = Node {
                    value,
                    mark: frame.mark,
                };
                self.finish(node, frame.size, frame.anchor)
            }
            Event::Alias(id) => {
                // A copy ends no block here, even of one that did end a text.
                self.last_block = false;
                let (node, size) = self.anchors.get(&id).cloned().ok_or_else(|| YamlError {
                    mark: at,
                    message: "alias to an unknown anchor".into(),
                })?;
                self.count(size, at)?;
                self.finish(node, size, 0)
            }
            Event::DocumentEnd => {
                // Anchors are scoped to their document.
                self.anchors.clear();
                Ok(())
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart => Ok(()),
        }
    }

    fn count(&mut self, nodes: usize, at: Mark) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > self.limits.max_nodes {
            return Err(YamlError {
                mark: at,
                message: format!(
                    "the document expands to more than {} nodes (aliases repeating aliases?)",
                    self.limits.max_nodes
                ),
            });
        }
        Ok(())
    }

    fn open(&mut self, at: Mark, anchor: usize, kind: FrameKind) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(YamlError {
                mark: at,
                message: format!("nesting deeper than {} levels", self.limits.max_depth),
            });
        }
        self.count(1, at)?;
        self.stack.push(Frame {
            mark: at,
            anchor,
            size: 1,
            kind,
        });
        Ok(())
    }

    /// Places a completed node into its parent, or makes it a document.
    fn finish(&mut self, node: Node, size: usize, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), size));
        }
        let Some(parent) = self.stack.last_mut() else {
            self.documents.push(node);
            return Ok(());
        };
        parent.size = parent.size.saturating_add(size);
        match &mut parent.kind {
            FrameKind::Sequence { .. } => self.items.push(node),
            FrameKind::Mapping {
                start,
                pending_key,
                keys,
            } => match pending_key.take() {
                Some(key) => self.entries.push((key, node)),
                None => {
                    let NodeValue::Scalar(scalar) = &node.value else {
                        return Err(YamlError {
                            mark: node.mark,
                            message: "a mapping key must be a scalar".into(),
                        });
                    };
                    if is_duplicate(&self.entries[*start..], keys, &scalar.text)
                        && scalar.text != "<<"
                    {
                        return Err(YamlError {
                            mark: node.mark,
                            message: format!("duplicate key `{}`", scalar.text),
                        });
                    }
                    *pending_key = Some(node);
                }
            },
        }
        Ok(())
    }
}

/// Whether `key` is already among `entries`; records it.
fn is_duplicate(entries: &[(Node, Node)], keys: &mut Option<HashSet<String>>, key: &str) -> bool {
    if keys.is_none() && entries.len() >= SCAN_KEYS {
        *keys = Some(entries.iter().map(|(k, _)| super::key_string(k)).collect());
    }
    match keys {
        Some(set) => !set.insert(key.to_owned()),
        None => entries
            .iter()
            .any(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key)),
    }
}

/// The core tag `tag` names; untagged nodes, nearly all of them, return at once.
#[inline]
pub(super) fn core_tag(tag: Option<&Tag>, at: Mark) -> Result<Option<CoreTag>, YamlError> {
    match tag {
        None => Ok(None),
        Some(tag) => named_core_tag(tag, at),
    }
}

fn named_core_tag(tag: &Tag, at: Mark) -> Result<Option<CoreTag>, YamlError> {
    let core = match (tag.handle.as_str(), tag.suffix.as_str()) {
        ("!!" | "tag:yaml.org,2002:", suffix) => match suffix {
            "str" => Some(CoreTag::Str),
            "int" => Some(CoreTag::Int),
            "float" => Some(CoreTag::Float),
            "bool" => Some(CoreTag::Bool),
            "null" => Some(CoreTag::Null),
            "map" | "seq" => Some(CoreTag::Collection),
            _ => None,
        },
        ("!", "") => return Ok(None),
        _ => None,
    };
    core.map(Some).ok_or_else(|| YamlError {
        mark: at,
        message: format!(
            "unsupported tag `{}{}`; keelson reads the core tags !!str, !!int, !!float, !!bool, !!null",
            tag.handle, tag.suffix
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let mut docs = load(text, &Limits::default()).expect("valid YAML");
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    fn err(text: &str) -> YamlError {
        load(text, &Limits::default()).expect_err("invalid YAML")
    }

    #[test]
    fn keeps_positions_and_styles() {
        let doc = one("a: 1\nb:\n  c: 'yes'\n");
        let c = doc.get("b").and_then(|b| b.get("c")).expect("b.c");
        assert_eq!(c.mark, Mark { line: 3, column: 6 });
        assert_eq!(c.as_scalar().map(|s| s.style), Some(Style::Quoted));
        let a = doc.get("a").expect("a");
        assert_eq!(a.as_scalar().map(|s| s.style), Some(Style::Plain));
    }

    #[test]
    fn duplicate_keys_are_refused_with_their_position() {
        let e = err("a: 1\nb: 2\na: 3\n");
        assert_eq!(e.message, "duplicate key `a`");
        assert_eq!(e.mark, Mark { line: 3, column: 1 });
    }

    #[test]
    fn alias_bombs_stop_at_the_node_budget() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = err(&text);
        assert!(e.message.contains("more than"), "{}", e.message);
    }

    #[test]
    fn aliases_within_budget_are_expanded() {
        let doc = one("base: &b {x: 1}\ncopy: *b\n");
        assert_eq!(doc.get("copy"), doc.get("base"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(500) + &"]".repeat(500);
        let e = err(&text);
        assert!(
            e.message.contains("nesting deeper") || e.message.contains("nesting is too deep"),
            "{}",
            e.message
        );
    }

    #[test]
    fn complex_keys_and_unknown_tags_are_refused() {
        assert_eq!(
            err("? [a]\n: 1\n").message,
            "a mapping key must be a scalar"
        );
        assert!(
            err("a: !Ref x\n")
                .message
                .contains("unsupported tag `!Ref`")
        );
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let e = err("a: [1, 2\nb: 3\n");
        assert!(e.message.starts_with("invalid YAML"), "{}", e.message);
        assert!(e.mark.line >= 1);
    }

    #[test]
    fn documents_are_split() {
        let docs = load("a: 1\n---\nb: 2\n", &Limits::default()).expect("valid");
        assert_eq!(docs.len(), 2);
    }

    #[test]
    fn a_block_scalar_at_the_end_of_a_text_without_a_line_break_has_none() {
        // Expected values are PyYAML's (libyaml's, as kubectl's go-yaml): the end of a text
        // is no line break, and spaces after the last break are no empty line.
        let cases = [
            ("a: |\n  kept", "kept"),
            ("a: |+\n  kept", "kept"),
            ("a: |-\n  kept", "kept"),
            ("a: |+\n  kept\n  ", "kept\n"),
            ("a: |\n  kept\n  ", "kept\n"),
            ("a: >\n  kept\n  more", "kept more"),
            ("a: |+\n  kept\n\n  ", "kept\n\n"),
            ("a: >+\n  x\n\n  ", "x\n\n"),
            ("a: |\n  kept\n# c", "kept\n"),
            ("a: |\n  x # c\n# c", "x # c\n"),
            ("a: |\n  x\n   # c", "x\n # c"),
            ("a: |\n  kept\n", "kept\n"),
            ("a: &x |\n  kept\nb: *x", "kept\n"),
        ];
        for (text, expected) in cases {
            for (route, documents) in [
                ("load", load(text, &Limits::default())),
                ("yaml-rust2", load_slow(text, &Limits::default())),
            ] {
                let documents = documents.expect("valid YAML");
                let value = documents[0]
                    .get("a")
                    .and_then(Node::as_scalar)
                    .map(|s| s.text.as_str());
                assert_eq!(value, Some(expected), "{route}: {text:?}");
            }
        }
        // The last leaf of the last document, in a list and under nesting.
        for text in ["- |\n  x", "a:\n  b:\n  - |\n    x"] {
            let documents = load_slow(text, &Limits::default()).expect("valid YAML");
            let fast = load(text, &Limits::default()).expect("valid YAML");
            assert_eq!(documents, fast, "{text:?}");
            assert!(
                !format!("{documents:?}").contains("x\\n"),
                "{text:?}: {documents:?}"
            );
        }
    }
}
