//! The values schema's `pattern` keywords, compiled with regex-lite where it reads them
//! exactly as jsonschema's own engine would.
//!
//! jsonschema compiles each pattern with `fancy-regex` over `regex`, whose automata cost
//! about 0.1 M instructions per pattern to build: for the example chart, its schema's
//! patterns took a tenth of the whole render. regex-lite builds the same patterns in a
//! fraction of that and matches them as fast as a values file needs. The two read a
//! pattern alike when it is ASCII and uses no class escape (`\d`, `\w`, `\s`, `\b` and `\p`
//! are Unicode-aware in `regex`, ASCII-only or missing in regex-lite), no group that starts
//! with `(?` (flags, look-around, named groups) and no POSIX class: such a pattern
//! describes one regular language, and whether a string contains a match does not depend
//! on the engine. Patterns are first translated from ECMA-262 exactly as jsonschema
//! translates them, so `\d` written in a schema arrives as `[0-9]`. A schema with any other
//! pattern is left to jsonschema whole.

use std::collections::HashMap;

use jsonschema::{Keyword, ValidationError};
use regex_lite::Regex;
use serde_json::Value;

/// The `pattern` keyword for a schema whose patterns all compile with [`compile`], or
/// `None` (let jsonschema compile them).
pub(super) fn keyword(schema: &Value) -> Option<Factory> {
    let mut compiled = HashMap::new();
    let mut fits = true;
    visit_patterns(schema, &mut |pattern| {
        if fits && !compiled.contains_key(pattern) {
            match compile(pattern) {
                Some(regex) => {
                    compiled.insert(pattern.to_owned(), regex);
                }
                None => fits = false,
            }
        }
    });
    fits.then_some(Factory { compiled })
}

/// Builds [`LitePattern`]s from the regexes [`keyword`] compiled.
pub(super) struct Factory {
    compiled: HashMap<String, Regex>,
}

impl Factory {
    /// The validator for one `pattern` keyword's value.
    pub(super) fn build(
        &self,
        value: &Value,
    ) -> Result<Box<dyn for<'i> Keyword<'i>>, ValidationError<'static>> {
        let regex = value
            .as_str()
            .and_then(|pattern| Some((pattern, self.compiled.get(pattern)?)));
        match regex {
            Some((pattern, regex)) => Ok(Box::new(LitePattern {
                regex: regex.clone(),
                pattern: pattern.to_owned(),
            })),
            // Every string under a "pattern" key was compiled; anything else is not a
            // pattern, which the meta-schema check reports before keywords compile.
            None => Err(ValidationError::schema(format!(
                "{value} is not a regular expression"
            ))),
        }
    }
}

/// `pattern` (ECMA-262) translated as jsonschema translates it and compiled with
/// regex-lite, when the translation is one both engines read alike (module docs).
pub(super) fn compile(pattern: &str) -> Option<Regex> {
    let rust = if translates_to_itself(pattern) {
        std::borrow::Cow::Borrowed(pattern)
    } else {
        jsonschema_regex::to_rust_regex(pattern).ok()?
    };
    // An escaped letter or digit is a class, an assertion or a code point; `(?` opens
    // flags, look-around or a named group; `[:` a POSIX class. An escaped backslash before
    // a letter is refused too, which only costs speed.
    let alike = rust.is_ascii()
        && !rust.as_bytes().windows(2).any(|pair| match pair {
            [b'\\', next] => next.is_ascii_alphanumeric(),
            [b'(', b'?'] | [b'[', b':'] => true,
            _ => false,
        });
    alike.then(|| Regex::new(&rust).ok()).flatten()
}

/// Whether jsonschema's translation leaves `pattern` as it is, so that it need not run
/// (parsing the pattern is most of what it costs, and most of what vetting a schema's
/// patterns costs). It rewrites only class escapes (`\d`, `\w`, `\s`), `\c` and `\a`,
/// and Annex B's class syntax (`[` inside a class, `&&`, `~~`, `--`); a pattern without
/// any of these, all ASCII, comes out unchanged, or not at all when it does not parse,
/// which regex-lite then refuses too (`tests::the_translation_skipped_is_the_identity`).
fn translates_to_itself(pattern: &str) -> bool {
    if !pattern.is_ascii() || ["&&", "~~", "--"].iter().any(|pair| pattern.contains(pair)) {
        return false;
    }
    let mut in_class = false;
    let mut bytes = pattern.bytes();
    while let Some(byte) = bytes.next() {
        match byte {
            // The guard takes the escaped character, whatever it is.
            b'\\'
                if bytes
                    .next()
                    .is_none_or(|escaped| escaped.is_ascii_alphanumeric()) =>
            {
                return false;
            }
            b'[' if in_class => return false,
            b'[' => in_class = true,
            b']' => in_class = false,
            _ => {}
        }
    }
    true
}

/// Calls `f` with every string under a `"pattern"` key anywhere in `schema`: each
/// `pattern` keyword, and any data (a default, an example) that happens to look like one,
/// which can only send the schema to jsonschema whole.
pub(super) fn visit_patterns<'a>(schema: &'a Value, f: &mut impl FnMut(&'a str)) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map {
                match value {
                    Value::String(pattern) if key == "pattern" => f(pattern),
                    _ => visit_patterns(value, f),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| visit_patterns(item, f)),
        _ => {}
    }
}

/// A `pattern` keyword: a string must contain a match.
struct LitePattern {
    regex: Regex,
    /// As written in the schema, for the message.
    pattern: String,
}

impl<'i> Keyword<'i> for LitePattern {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        if self.is_valid(instance) {
            Ok(())
        } else {
            // jsonschema's own wording for a pattern, so messages do not depend on the
            // engine.
            Err(ValidationError::custom(format!(
                "{instance} does not match \"{}\"",
                self.pattern
            )))
        }
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        instance
            .as_str()
            .is_none_or(|text| self.regex.is_match(text))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// ECMA-262 patterns whose translation regex-lite reads as `regex` does.
    pub(in crate::values) const TAKEN: &[&str] = &[
        "",
        "a|b",
        "^(ab)+$",
        "x{2,3}",
        "^a*?b$",
        "[^a-z]",
        "^.$",
        "\\.",
        "\\/",
        "^[\\-a]+$",
        "\\d+",
        "\\D",
        "^\\w+$",
    ];

    /// Patterns left to jsonschema: classes regex reads as Unicode (`\\s` becomes a list
    /// of `\\x{..}` ranges), assertions, look-around, backreferences, flags, non-ASCII
    /// text, escapes of code points, and what regex-lite cannot parse.
    pub(in crate::values) const LEFT: &[&str] = &[
        "\\s",
        "^\\S*$",
        "\\bword",
        "^(?!latest$)[a-z]+$",
        "^(a+)-\\1$",
        "(?:ab)+",
        "é",
        "\\p{L}",
        "\\u0041",
        "\\x41",
        "\\n",
        "[\\d]",
        "[[:alpha:]]",
    ];

    /// Patterns that parse differently, or not at all, in some engine.
    const ODD: &[&str] = &[
        "a{",
        "a{2,1}",
        "a{,5}",
        "a{1}{2}",
        "x{99999}",
        "{1}",
        "a{1,2}{3}",
        "(",
        ")",
        "()",
        "(|)",
        "a**",
        "*a",
        "a|*",
        "^*$",
        "$^",
        "a??",
        "a+?",
        "[]a]",
        "[^]",
        "[]",
        "[a-]",
        "[-a]",
        "[z-a]",
        "[.]",
        "]",
        "}",
        "[a&b]",
        "[a~b]",
        "a-b",
        "[a-z--b]",
        "[a&&b]",
        "[a~~b]",
        "[[a]]",
        "[a[b]",
        "\\",
        "a\\",
        "\\.",
        "[\\]]",
        "[\\[]",
        "\\c",
        "\\ca",
        "\\a",
        "a|",
        "|",
        "^",
        "$",
        ".*",
        "(a)(b)(c)\\3",
        "[\\-\\-]",
    ];

    #[test]
    fn the_translation_skipped_is_the_identity() {
        let schema: Value =
            serde_json::from_str(include_str!("../../chart/values.schema.json")).expect("JSON");
        let mut example = Vec::new();
        visit_patterns(&schema, &mut |pattern| example.push(pattern));
        let mut skipped = 0;
        for &pattern in TAKEN.iter().chain(LEFT).chain(ODD).chain(&example) {
            if !translates_to_itself(pattern) {
                continue;
            }
            skipped += 1;
            match jsonschema_regex::to_rust_regex(pattern) {
                Ok(translated) => assert_eq!(translated, pattern),
                Err(()) => assert!(
                    Regex::new(pattern).is_err(),
                    "{pattern:?}: jsonschema refuses it, regex-lite takes it"
                ),
            }
        }
        assert!(skipped >= 40, "{skipped} patterns skipped the translation");
        assert!(example.iter().all(|pattern| translates_to_itself(pattern)));
    }

    #[test]
    fn patterns_regex_lite_reads_alike_are_taken_and_the_others_left() {
        for pattern in TAKEN {
            assert!(compile(pattern).is_some(), "{pattern:?} should be taken");
        }
        for pattern in LEFT {
            assert!(compile(pattern).is_none(), "{pattern:?} should be left");
        }
    }

    #[test]
    fn one_pattern_left_leaves_the_whole_schema_to_jsonschema() {
        let schema = serde_json::json!({"properties": {
            "a": {"pattern": "^[a-z]+$"},
            "b": {"items": [{"pattern": "^(?!x)"}]}}});
        assert!(keyword(&schema).is_none());
        let schema = serde_json::json!({"properties": {
            "a": {"pattern": "^[a-z]+$"},
            "pattern": {"pattern": "^[0-9]+$"}}});
        let factory = keyword(&schema).expect("all taken");
        assert_eq!(factory.compiled.len(), 2);
    }

    #[test]
    fn the_example_charts_patterns_are_all_taken() {
        let schema: Value =
            serde_json::from_str(include_str!("../../chart/values.schema.json")).expect("JSON");
        let factory = keyword(&schema).expect("all taken");
        assert_eq!(factory.compiled.len(), 7);
    }
}
