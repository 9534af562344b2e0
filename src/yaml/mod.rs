//! YAML as keelson needs it: a loader that keeps positions and scalar styles and bounds
//! what hostile input can cost, the two scalar schemas that matter (YAML 1.2 for values,
//! YAML 1.1 for what kubectl reads), and an emitter whose output both read the same way.
//!
//! serde-based YAML crates resolve scalars while parsing and forget how they were written;
//! keelson must know whether `yes` was quoted (to warn about it in values files) and must
//! re-emit rendered manifests so that kubectl reads exactly what the template said.

mod emit;
mod fast;
mod load;
#[cfg(test)]
pub(crate) mod mutants;
mod scalar;
mod stream;

pub(crate) use emit::quoted;
pub use emit::{emit_document, emit_tera, emit_value, write_document};
pub use load::{Chunk, Limits, YamlError, chunks, load, load_chunk};
pub(crate) use load::{Sink, read_fast};
pub use scalar::{
    core_value, is_plain_syntax, is_string_to_both, kubectl_reads_string, needs_quotes, read_alike,
    resolve_core, resolve_kubectl,
};
pub use stream::{Printed, Streamed, restream};
pub(crate) use yaml_rust2::parser::Event;
pub(crate) use yaml_rust2::scanner::TScalarStyle;

/// How many `\n` bytes `bytes` holds, counted in blocks the compiler vectorises.
pub(crate) fn count_newlines(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|block| usize::from(block.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n'))))
        .sum()
}

/// A position in a YAML text, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Mark {
    /// Line, starting at 1.
    pub line: usize,
    /// Column, starting at 1.
    pub column: usize,
}

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Plain (unquoted): its type depends on the schema that reads it.
    Plain,
    /// Single- or double-quoted, or a literal or folded block: always a string.
    Quoted,
}

/// A scalar as written: its text after YAML unescaping and folding, and its style.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The scalar's content.
    pub text: String,
    /// Whether the text was plain or quoted.
    pub style: Style,
    /// An explicit core tag (`str`, `int`, `float`, `bool`, `null`), when one was given.
    pub tag: Option<CoreTag>,
}

impl Scalar {
    /// Whether this, as a whole document, is an empty one (nothing, `~` or `null`, plain):
    /// rendered manifests drop such documents.
    pub fn is_empty_document(&self) -> bool {
        self.style == Style::Plain && matches!(self.text.as_str(), "" | "~" | "null")
    }
}

/// The explicit `!!` tags keelson understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoreTag {
    /// `!!str`
    Str,
    /// `!!int`
    Int,
    /// `!!float`
    Float,
    /// `!!bool`
    Bool,
    /// `!!null`
    Null,
    /// `!!map`, `!!seq`: no effect on the node they tag.
    Collection,
}

/// A YAML node with the position it started at.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What the node holds.
    pub value: NodeValue,
    /// Where it starts.
    pub mark: Mark,
}

/// The three kinds of YAML node.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// A scalar.
    Scalar(Scalar),
    /// A sequence, in order.
    Sequence(Vec<Node>),
    /// A mapping, in source order; keys are unique (the loader checks).
    Mapping(Vec<(Node, Node)>),
}

impl Node {
    /// The scalar text when this node is a scalar.
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.value {
            NodeValue::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The entries when this node is a mapping.
    pub fn as_mapping(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            NodeValue::Mapping(m) => Some(m),
            _ => None,
        }
    }

    /// The value under the scalar key `key`, when this node is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_mapping()?
            .iter()
            .find(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key))
            .map(|(_, v)| v)
    }

    /// A mutable reference to the value under `key` in a mapping.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.value {
            NodeValue::Mapping(m) => m
                .iter_mut()
                .find(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string a kubectl (YAML 1.1) reader takes this node for, if it is a string scalar.
    pub fn as_str(&self) -> Option<&str> {
        let scalar = self.as_scalar()?;
        let string = match scalar.tag {
            Some(CoreTag::Str) => true,
            Some(CoreTag::Null) => false,
            _ => scalar.style == Style::Quoted || kubectl_reads_string(&scalar.text),
        };
        string.then_some(scalar.text.as_str())
    }

    /// A plain string scalar node, as keelson adds to manifests.
    pub fn string(text: impl Into<String>, mark: Mark) -> Node {
        Node {
            value: NodeValue::Scalar(Scalar {
                text: text.into(),
                style: Style::Quoted,
                tag: None,
            }),
            mark,
        }
    }

    /// The value as a kubectl (YAML 1.1) reader sees it; keys become strings as in JSON.
    pub fn to_kubectl_json(&self) -> serde_json::Value {
        match &self.value {
            NodeValue::Scalar(s) => resolve_kubectl(s),
            NodeValue::Sequence(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_kubectl_json).collect())
            }
            NodeValue::Mapping(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (kubectl_key(k), v.to_kubectl_json()))
                    .collect(),
            ),
        }
    }
}

/// A key as kubectl's YAML-to-JSON conversion names it: plain `yes` is `"true"`, plain
/// `0644` is `"420"`, an empty plain key is `"null"`.
fn kubectl_key(key: &Node) -> String {
    match &key.value {
        NodeValue::Scalar(s) => match resolve_kubectl(s) {
            serde_json::Value::String(text) => text,
            other => other.to_string(),
        },
        _ => String::new(),
    }
}

/// The string a mapping key stands for: its scalar text (as JSON object keys are strings).
pub fn key_string(key: &Node) -> String {
    match &key.value {
        NodeValue::Scalar(s) => s.text.clone(),
        // The loader refuses non-scalar keys; this is only reached for nodes built by hand.
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::count_newlines;

    #[test]
    fn counts_newlines_across_block_edges() {
        for len in [0, 1, 254, 255, 256, 510, 511, 1000] {
            for every in [1, 2, 7, 255] {
                let text: Vec<u8> = (0..len)
                    .map(|i| if i % every == 0 { b'\n' } else { b'x' })
                    .collect();
                let expected = text.iter().filter(|&&b| b == b'\n').count();
                assert_eq!(count_newlines(&text), expected, "len {len}, every {every}");
            }
        }
    }
}
