//! Block-style YAML emitter shared by manifests and the `to_yaml` filter.
//!
//! Sequences are indented under their key, strings are quoted whenever a YAML 1.1 or 1.2
//! reader could take them for something else, and multi-line strings become literal blocks
//! when that is lossless.

use std::fmt::Write as _;

use serde_json::Value;
use tera::value::ValueKind;

use super::{CoreTag, Node, NodeValue, Scalar, Style, is_plain_syntax, needs_quotes};

/// Emits one manifest document, ending with a newline.
///
/// Plain scalars that kubectl reads as non-strings (`yes`, `0644`, `1_000`) are written
/// verbatim so kubectl reads the same value; strings are re-quoted as needed.
pub fn emit_document(node: &Node) -> String {
    let mut out = String::with_capacity(1024);
    write_document(node, &mut out);
    out
}

/// [`emit_document`] into `buffer`, which is cleared first: one buffer serves many documents.
pub fn write_document(node: &Node, buffer: &mut String) {
    buffer.clear();
    emit(buffer, node, 0);
    buffer.push('\n');
}

/// Emits a value as `to_yaml` does: block style, no trailing newline.
pub fn emit_value(value: &Value) -> String {
    let mut out = String::new();
    emit(&mut out, value, 0);
    out
}

/// [`emit_value`] straight from a Tera value, without building its JSON form first: what
/// `to_yaml` prints for the values templates pass it. `None` for values whose JSON form
/// differs in shape (keys that are not strings, 128-bit integers, bytes): emit their JSON.
pub fn emit_tera(value: &tera::Value) -> Option<String> {
    if !is_json_shaped(value) {
        return None;
    }
    let mut out = String::new();
    emit(&mut out, value, 0);
    Some(out)
}

/// Whether every part of `value` maps one to one onto a JSON value.
fn is_json_shaped(value: &tera::Value) -> bool {
    match value.kind() {
        ValueKind::Undefined
        | ValueKind::None
        | ValueKind::Bool
        | ValueKind::U64
        | ValueKind::I64
        | ValueKind::F64
        | ValueKind::String => true,
        ValueKind::Array => value
            .as_array()
            .is_some_and(|items| items.iter().all(is_json_shaped)),
        ValueKind::Map => value.as_map().is_some_and(|map| {
            map.iter()
                .all(|(key, item)| key.as_str().is_some() && is_json_shaped(item))
        }),
        _ => false,
    }
}

/// A scalar ready to print: verbatim, or a string that gets quoting as needed.
pub(super) enum Atom<'a> {
    Verbatim(std::borrow::Cow<'a, str>),
    Text(&'a str),
}

pub(super) enum View<'a, T: Tree + 'a> {
    Atom(Atom<'a>),
    Seq(&'a [T]),
    Map(T::Entries<'a>),
}

pub(super) trait Tree: Sized {
    /// A mapping's entries, walked in place rather than collected per mapping.
    type Entries<'a>: ExactSizeIterator<Item = (Atom<'a>, &'a Self)>
    where
        Self: 'a;

    fn view(&self) -> View<'_, Self>;
}

type ValueEntries<'a> =
    std::iter::Map<serde_json::map::Iter<'a>, fn((&'a String, &'a Value)) -> (Atom<'a>, &'a Value)>;

impl Tree for Value {
    type Entries<'a> = ValueEntries<'a>;

    fn view(&self) -> View<'_, Self> {
        match self {
            Value::Null => View::Atom(Atom::Verbatim("null".into())),
            Value::Bool(b) => View::Atom(Atom::Verbatim(if *b { "true" } else { "false" }.into())),
            Value::Number(n) => View::Atom(Atom::Verbatim(n.to_string().into())),
            Value::String(s) => View::Atom(Atom::Text(s)),
            Value::Array(items) => View::Seq(items),
            Value::Object(map) => View::Map(map.iter().map(value_entry as _)),
        }
    }
}

type TeraEntries<'a> = std::iter::Map<
    indexmap::map::Iter<'a, tera::value::Key<'static>, tera::Value>,
    fn((&'a tera::value::Key<'static>, &'a tera::Value)) -> (Atom<'a>, &'a tera::Value),
>;

/// Only for values [`is_json_shaped`] accepts; each part prints as its JSON form would.
impl Tree for tera::Value {
    type Entries<'a> = TeraEntries<'a>;

    fn view(&self) -> View<'_, Self> {
        let verbatim = |text: String| View::Atom(Atom::Verbatim(text.into()));
        match self.kind() {
            ValueKind::Bool => View::Atom(Atom::Verbatim(
                if self.as_bool() == Some(true) {
                    "true"
                } else {
                    "false"
                }
                .into(),
            )),
            ValueKind::U64 | ValueKind::I64 | ValueKind::F64 => {
                let number = match (self.as_u64(), self.as_i64(), self.as_f64()) {
                    (Some(u), _, _) => Some(serde_json::Number::from(u)),
                    (None, Some(i), _) => Some(serde_json::Number::from(i)),
                    (None, None, Some(f)) => serde_json::Number::from_f64(f),
                    _ => None,
                };
                number.map_or_else(|| verbatim("null".into()), |n| verbatim(n.to_string()))
            }
            ValueKind::String => View::Atom(Atom::Text(self.as_str().unwrap_or_default())),
            ValueKind::Array => View::Seq(self.as_array().unwrap_or_default()),
            ValueKind::Map => match self.as_map() {
                Some(map) => View::Map(map.iter().map(tera_entry as _)),
                None => verbatim("null".into()),
            },
            _ => View::Atom(Atom::Verbatim("null".into())),
        }
    }
}

fn tera_entry<'a>(
    (key, value): (&'a tera::value::Key<'static>, &'a tera::Value),
) -> (Atom<'a>, &'a tera::Value) {
    (Atom::Text(key.as_str().unwrap_or_default()), value)
}

type NodeEntries<'a> = std::iter::Map<
    std::slice::Iter<'a, (Node, Node)>,
    fn(&'a (Node, Node)) -> (Atom<'a>, &'a Node),
>;

impl Tree for Node {
    type Entries<'a> = NodeEntries<'a>;

    fn view(&self) -> View<'_, Self> {
        match &self.value {
            NodeValue::Scalar(_) => View::Atom(node_atom(self)),
            NodeValue::Sequence(items) => View::Seq(items),
            NodeValue::Mapping(entries) => View::Map(entries.iter().map(node_entry as _)),
        }
    }
}

fn value_entry<'a>((key, value): (&'a String, &'a Value)) -> (Atom<'a>, &'a Value) {
    (Atom::Text(key), value)
}

fn node_entry((key, value): &(Node, Node)) -> (Atom<'_>, &Node) {
    (node_atom(key), value)
}

fn node_atom(node: &Node) -> Atom<'_> {
    match &node.value {
        NodeValue::Scalar(scalar) => scalar_atom(scalar),
        _ => Atom::Verbatim("null".into()),
    }
}

/// How a scalar read from a template prints.
pub(super) fn scalar_atom(scalar: &Scalar) -> Atom<'_> {
    match scalar.tag {
        Some(CoreTag::Str) => return Atom::Text(&scalar.text),
        Some(CoreTag::Collection) | None => {}
        Some(tag) => {
            let name = match tag {
                CoreTag::Int => "int",
                CoreTag::Float => "float",
                CoreTag::Bool => "bool",
                _ => "null",
            };
            return Atom::Verbatim(format!("!!{name} {}", quoted(&scalar.text)).into());
        }
    }
    if scalar.style == Style::Plain {
        // Written plain in the template, so valid plain text: kept verbatim, every reader
        // resolves it exactly as it would have (`yes`, `0644`, `2001-12-14`, `1:20`).
        if scalar.text.is_empty() {
            return Atom::Verbatim("null".into());
        }
        // A line break is no plain syntax: multi-line text is written as a block.
        if is_plain_syntax(&scalar.text) {
            return Atom::Verbatim(scalar.text.as_str().into());
        }
    }
    Atom::Text(&scalar.text)
}

fn emit<T: Tree>(out: &mut String, tree: &T, indent: usize) {
    match tree.view() {
        View::Atom(atom) => write_atom(out, &atom, indent + 2),
        View::Seq([]) => out.push_str("[]"),
        View::Map(entries) if entries.len() == 0 => out.push_str("{}"),
        View::Seq(items) => write_seq(out, items, indent, false),
        View::Map(entries) => write_map(out, entries, indent, false),
    }
}

/// Writes a sequence at `indent`; when `inline`, the first item continues the current line.
fn write_seq<T: Tree>(out: &mut String, items: &[T], indent: usize, inline: bool) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !inline {
            newline(out, indent);
        }
        out.push_str("- ");
        write_nested(out, item, indent + 2, Position::SeqItem);
    }
}

/// Writes a mapping at `indent`; when `inline`, the first entry continues the current line.
fn write_map<'a, T: Tree + 'a>(
    out: &mut String,
    entries: impl Iterator<Item = (Atom<'a>, &'a T)>,
    indent: usize,
    inline: bool,
) {
    for (i, (key, value)) in entries.enumerate() {
        if i > 0 || !inline {
            newline(out, indent);
        }
        write_key(out, &key);
        out.push(':');
        write_nested(out, value, indent + 2, Position::MapValue);
    }
}

#[derive(PartialEq)]
pub(super) enum Position {
    SeqItem,
    MapValue,
}

/// Writes a value after `- ` or `key:`; nested content sits at `indent`.
pub(super) fn write_nested<T: Tree>(
    out: &mut String,
    value: &T,
    indent: usize,
    position: Position,
) {
    let after_key = position == Position::MapValue;
    match value.view() {
        View::Atom(atom) => {
            if after_key {
                out.push(' ');
            }
            write_atom(out, &atom, indent);
        }
        View::Seq([]) => out.push_str(if after_key { " []" } else { "[]" }),
        View::Map(entries) if entries.len() == 0 => {
            out.push_str(if after_key { " {}" } else { "{}" });
        }
        View::Seq(items) => write_seq(out, items, indent, !after_key),
        View::Map(entries) => write_map(out, entries, indent, !after_key),
    }
}

pub(super) fn newline(out: &mut String, indent: usize) {
    if !out.is_empty() {
        out.push('\n');
    }
    out.extend(std::iter::repeat_n(' ', indent));
}

pub(super) fn write_key(out: &mut String, key: &Atom<'_>) {
    match key {
        Atom::Verbatim(text) => out.push_str(text),
        Atom::Text(text) if text.contains('\n') || needs_quotes(text) => {
            out.push_str(&quoted(text));
        }
        Atom::Text(text) => out.push_str(text),
    }
}

pub(super) fn write_atom(out: &mut String, atom: &Atom<'_>, indent: usize) {
    match atom {
        Atom::Verbatim(text) => out.push_str(text),
        Atom::Text(text) if text.contains('\n') && literal_ok(text) => {
            write_literal(out, text, indent);
        }
        Atom::Text(text) if needs_quotes(text) || text.contains('\n') => {
            out.push_str(&quoted(text));
        }
        Atom::Text(text) => out.push_str(text),
    }
}

/// A literal block keeps `text` exactly when every line is printable, carries no trailing
/// blanks (which yamllint rejects and editors strip) and the first line does not start
/// with a space (which would need an indentation indicator).
fn literal_ok(text: &str) -> bool {
    !text.starts_with([' ', '\n'])
        && text
            .split('\n')
            .all(|line| !line.ends_with([' ', '\t']) && !line.chars().any(is_unprintable))
}

fn is_unprintable(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(
            c,
            '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        )
}

fn write_literal(out: &mut String, text: &str, indent: usize) {
    let body = text.trim_end_matches('\n');
    let trailing = text.len() - body.len();
    out.push_str(match trailing {
        0 => "|-",
        1 => "|",
        _ => "|+",
    });
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.extend(std::iter::repeat_n(' ', indent));
            out.push_str(line);
        }
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

/// A double-quoted YAML string with every unprintable character escaped.
pub(crate) fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{1b}' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if is_unprintable(c) => {
                let code = u32::from(c);
                if code <= 0xff {
                    let _ = write!(out, "\\x{code:02x}");
                } else {
                    let _ = write!(out, "\\u{code:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, load};
    use serde_json::json;

    #[test]
    fn values_emit_as_block_yaml() {
        let value = json!({
            "a": 1, "b": "yes", "c": [1, {"d": "x", "e": [true]}], "f": {}, "g": [],
            "h": {"i": null}, "j": "0644", "k": "multi\nline\n", "l": "plain text"
        });
        let text = emit_value(&value);
        insta::assert_snapshot!(text, @r#"
        a: 1
        b: "yes"
        c:
          - 1
          - d: x
            e:
              - true
        f: {}
        g: []
        h:
          i: null
        j: "0644"
        k: |
          multi
          line
        l: plain text
        "#);
    }

    #[test]
    fn emitted_values_read_back_identically() {
        let value = json!({
            "weird": ["", " lead", "trail ", "a: b", "#c", "x\u{2028}y", "ctl\u{7}", "no", "~",
                      "2024-01-01", "12:30", "1e3", "tab\tin", "- dash", "q\"uote", "back\\slash",
                      "end\n\n", "nl\nkeep  \ntrailing", "\nlead", "é ü"],
            "yes": {"on": 1}, "": "empty key"
        });
        let text = emit_value(&value);
        let docs = load(&text, &Limits::default()).expect("emitted YAML parses");
        assert_eq!(docs[0].to_kubectl_json(), value, "{text}");
    }

    #[test]
    fn documents_keep_what_kubectl_reads() {
        let source = "a: yes\nb: 0644\nc: 'yes'\nd: 1_000\ne: >\n  folded\n  text\nf: ~\ng:\n";
        let doc = load(source, &Limits::default()).expect("valid").remove(0);
        let out = emit_document(&doc);
        let again = load(&out, &Limits::default()).expect("valid").remove(0);
        assert_eq!(doc.to_kubectl_json(), again.to_kubectl_json());
        insta::assert_snapshot!(out, @r#"
        a: yes
        b: 0644
        c: "yes"
        d: 1_000
        e: |
          folded text
        f: ~
        g: null
        "#);
    }

    #[test]
    fn tera_values_emit_as_their_json_form_does() {
        let json_forms = [
            json!({
                "a": 1, "b": "yes", "c": [1, {"d": "x", "e": [true]}], "f": {}, "g": [],
                "h": {"i": null}, "j": "0644", "k": "multi\nline\n", "l": "plain text",
                "neg": -3, "big": 18_446_744_073_709_551_615u64, "f1": 1.5, "f2": 2.0,
                "f3": 1e300, "tiny": 5e-324, "quote": "a: b", "empty": "", "on": "on"
            }),
            json!([[], {}, [[1]], "x", null]),
            json!("top"),
            json!(null),
        ];
        for json_form in json_forms {
            let value = tera::Value::from_serializable(&json_form);
            assert_eq!(
                emit_tera(&value),
                Some(emit_value(&json_form)),
                "{json_form}"
            );
        }
        // Floats JSON cannot hold are null in both.
        let nan = tera::Value::from(f64::NAN);
        let via_json = serde_json::to_value(&nan).expect("serializable");
        assert_eq!(emit_tera(&nan), Some(emit_value(&via_json)));
        // Shapes JSON changes are left to the JSON route.
        let mut map = tera::value::Map::new();
        map.insert(tera::value::Key::U64(1), tera::Value::from("x"));
        for value in [
            tera::Value::from(map),
            tera::Value::from(u128::MAX),
            tera::Value::from(vec![tera::Value::bytes(vec![1u8])]),
        ] {
            assert_eq!(emit_tera(&value), None, "{value:?}");
        }
    }
}
