//! Object digests computed straight from YAML nodes.
//!
//! The digest of an object is sha256 over the canonical JSON (keys sorted, no whitespace)
//! of what kubectl reads from it, [`crate::manifest::Manifest::digest`]. That reference
//! builds a `serde_json` tree, then a sorted copy, then a string; recording hashes every
//! object, so this writes the same bytes from the [`Node`] into one buffer instead.

use std::borrow::Cow;

use sha2::{Digest as _, Sha256};

use super::Digest;
use crate::yaml::{CoreTag, Node, NodeValue, Scalar, Style, resolve_kubectl};

/// sha256 over the canonical JSON of `node` as kubectl reads it: the same digest as
/// [`crate::manifest::Manifest::digest`] for an object.
pub fn object_digest(node: &Node) -> Digest {
    let mut json = Vec::with_capacity(4096);
    write_node(node, &mut json);
    Digest::from_hash(&Sha256::digest(&json))
}

fn write_node(node: &Node, out: &mut Vec<u8>) {
    match &node.value {
        NodeValue::Scalar(scalar) => write_scalar(scalar, out),
        NodeValue::Sequence(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_node(item, out);
            }
            out.push(b']');
        }
        NodeValue::Mapping(entries) => {
            let mut sorted: Vec<(Cow<'_, str>, &Node)> =
                entries.iter().map(|(k, v)| (key(k), v)).collect();
            // A JSON object holds each key once and the last one wins (two YAML keys can
            // name the same JSON key, `yes` and `true`); a stable sort keeps them in order.
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            out.push(b'{');
            let mut first = true;
            for (index, (name, value)) in sorted.iter().enumerate() {
                if sorted.get(index + 1).is_some_and(|next| next.0 == *name) {
                    continue;
                }
                if !first {
                    out.push(b',');
                }
                first = false;
                write_string(name, out);
                out.push(b':');
                write_node(value, out);
            }
            out.push(b'}');
        }
    }
}

/// The plain scalars YAML 1.1 reads as null or a boolean; every other plain scalar that
/// starts with a letter is a string (numbers start with a digit, a sign, `.` or `_`).
const WORDS: [&str; 25] = [
    "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true",
    "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
];

/// Whether kubectl reads `scalar` as the string it holds: quoted or `!!str`, or plain,
/// untagged and plainly not a null, boolean or number (most keys and names), which spares
/// resolving it.
fn is_string(scalar: &Scalar) -> bool {
    if scalar.style == Style::Quoted || scalar.tag == Some(CoreTag::Str) {
        return true;
    }
    scalar.tag.is_none()
        && scalar.text.bytes().next().is_some_and(|first| {
            !first.is_ascii_digit() && !matches!(first, b'+' | b'-' | b'.' | b'_' | b'~')
        })
        && !WORDS.contains(&scalar.text.as_str())
}

fn write_scalar(scalar: &Scalar, out: &mut Vec<u8>) {
    if is_string(scalar) {
        write_string(&scalar.text, out);
    } else {
        // Writing JSON into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, &resolve_kubectl(scalar));
    }
}

/// A mapping key as kubectl's YAML-to-JSON conversion names it: plain `yes` is `"true"`,
/// plain `0644` is `"420"` (as `Node::to_kubectl_json`).
fn key(node: &Node) -> Cow<'_, str> {
    match &node.value {
        NodeValue::Scalar(scalar) if is_string(scalar) => Cow::Borrowed(&scalar.text),
        NodeValue::Scalar(scalar) => match resolve_kubectl(scalar) {
            serde_json::Value::String(text) => Cow::Owned(text),
            other => Cow::Owned(other.to_string()),
        },
        _ => Cow::Borrowed(""),
    }
}

fn write_string(text: &str, out: &mut Vec<u8>) {
    // Writing JSON into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::canonical_json;

    fn reference(node: &Node) -> String {
        Digest::of(canonical_json(&node.to_kubectl_json()).as_bytes()).to_string()
    }

    fn same_digests(text: &str) {
        let documents = crate::yaml::load(text, &crate::yaml::Limits::default()).expect("yaml");
        assert!(!documents.is_empty());
        for node in &documents {
            assert_eq!(object_digest(node).to_string(), reference(node), "{text}");
        }
    }

    #[test]
    fn digests_equal_the_canonical_json_digest() {
        same_digests(
            "b: 1\na: {z: [1, 2.5, -3, 0x1F, 0o17, 017, 1_000, .inf, null, ~, '']}\nc: \"\\u0001\\t\\\"é\"\n",
        );
        same_digests("yes: 1\nno: 2\n'on': 3\n0644: x\n1.5: y\n~: z\n? ''\n: empty\n");
        same_digests("- !!str 12\n- !!int '7'\n- !!null ''\n- !!float 1\n- !!bool yes\n");
        same_digests(
            "nested:\n  list:\n  - {b: 2, a: 1}\n  - [x, 'y', \"z\"]\n  empty: {}\n  none: []\n",
        );
        same_digests("scalar\n");
    }

    #[test]
    fn keys_that_kubectl_reads_alike_keep_the_last_value() {
        // The loader refuses such keys; a node built by hand can still hold them.
        let scalar = |text: &str, style| Node {
            value: NodeValue::Scalar(Scalar {
                text: text.into(),
                style,
                tag: None,
            }),
            mark: crate::yaml::Mark::default(),
        };
        let node = Node {
            value: NodeValue::Mapping(vec![
                (scalar("yes", Style::Plain), scalar("first", Style::Plain)),
                (scalar("b", Style::Plain), scalar("1", Style::Plain)),
                (
                    scalar("true", Style::Quoted),
                    scalar("second", Style::Plain),
                ),
                (scalar("1", Style::Plain), scalar("one", Style::Plain)),
                (scalar("01", Style::Plain), scalar("two", Style::Plain)),
            ]),
            mark: crate::yaml::Mark::default(),
        };
        assert_eq!(object_digest(&node).to_string(), reference(&node));
        assert_eq!(
            reference(&node),
            Digest::of(br#"{"1":"two","b":1,"true":"second"}"#).to_string()
        );
    }

    #[test]
    fn plain_scalars_taken_for_strings_resolve_to_strings() {
        let words = [
            "a",
            "app",
            "Always",
            "IfNotPresent",
            "svc-0001",
            "ClusterIP",
            "/healthz",
            "http://x",
            "apps/v1",
            "Deployment",
            "metadata",
            "spec",
            "ESC",
            "é",
            "@x",
            "$1",
            "*",
            "%",
            "=",
            "y",
            "Y",
            "yes",
            "n",
            "No",
            "true",
            "False",
            "on",
            "OFF",
            "off",
            "null",
            "Null",
            "~",
            "",
            "1",
            "0x1F",
            "-1",
            "+1",
            ".5",
            "_1",
            "1_0",
            "1e3",
            "0644",
            "1:20",
            ".inf",
            "nan",
            "NaN",
            "Inf",
            "e5",
            "E5",
            "0b1",
            "0o7",
            "t",
            "f",
            "o",
            "tRUE",
            "nULL",
        ];
        for word in words {
            let scalar = Scalar {
                text: word.into(),
                style: Style::Plain,
                tag: None,
            };
            if is_string(&scalar) {
                assert_eq!(
                    resolve_kubectl(&scalar),
                    serde_json::Value::String(word.into()),
                    "{word}"
                );
            }
        }
        for word in WORDS {
            let scalar = Scalar {
                text: word.into(),
                style: Style::Plain,
                tag: None,
            };
            assert!(!resolve_kubectl(&scalar).is_string(), "{word}");
        }
        for (first, rest) in (0u8..=127).flat_map(|b| {
            [
                "", "1", "e1", "rue", "ull", "es", "n", "ff", "alse", "ULL", "RUE",
            ]
            .map(move |r| (b, r))
        }) {
            let text = format!("{}{rest}", char::from(first));
            let scalar = Scalar {
                text: text.clone(),
                style: Style::Plain,
                tag: None,
            };
            if is_string(&scalar) {
                assert!(resolve_kubectl(&scalar).is_string(), "{text:?}");
            }
        }
    }

    #[test]
    fn the_example_chart_and_the_kubectl_view_corpus_digest_alike() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut objects = 0;
        for (chart, values) in [
            ("chart", Some("values/dev.yaml")),
            ("chart", Some("values/staging.yaml")),
            ("chart", Some("values/prod.yaml")),
            ("tests/fixtures/kubectl-view", None),
        ] {
            let mut request = crate::RenderRequest::new(root.join(chart));
            request.layers = values
                .map(|v| crate::values::Layer::File(root.join(v)))
                .into_iter()
                .collect();
            let release = crate::render_chart(&request).expect("renders");
            for object in release
                .manifests
                .resources
                .iter()
                .chain(&release.manifests.hooks)
            {
                assert_eq!(
                    object_digest(object.node().expect("tree")).as_str(),
                    object.digest(),
                    "{}",
                    object.id()
                );
                objects += 1;
            }
        }
        assert!(objects > 40, "{objects}");
    }
}
