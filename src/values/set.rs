//! `--set`, `--set-string`, `--set-json`, `--set-file` and `--set-literal`: a
//! re-implementation of Helm v4's `pkg/strvals` on `serde_json` values.
//!
//! An expression holds `KEY=VALUE` assignments separated by commas
//! (`--set-literal` holds one, whose value runs to the end of the text). A key
//! is a name followed by any mix of `.name` and `[N]` parts. Outside
//! `--set-literal`, `\` makes the next character ordinary, so `a\.b=x\,y`
//! sets the key `a.b` to `x,y`.
//!
//! Helm's corners that are kept on purpose, because charts and scripts written
//! against Helm depend on them:
//! - `--set` types values: `true`, `false` and `null` in any case (Go's Unicode
//!   case folding, so even `falſe` is false), `0`, and integers that fit in
//!   64 bits and do not start with `0` (`+5` and `-05` count; `007` stays a
//!   string); everything else is a string, untrimmed.
//! - `{a,b}` right after `=` is a list (`{}` is a list holding one empty
//!   string); `a=` at the very end is the empty string (null for
//!   `--set-json`), while `a=` before a comma goes through the flag's reader,
//!   so `--set-file a=,b=x` tries to read the file `""`.
//! - `--set-file` reads every list item as a path too.
//! - `.` into an existing value that is not a map is an error, and so is `[N]`
//!   on an existing value that is not a list; null counts as "not a map/list"
//!   here. Inside a list it is looser: a null element becomes a new list for
//!   `[N]`, and any element that is not a map is silently replaced by a map
//!   when the key goes on with `.`.
//! - Assigning to an index past the end of a list pads it with nulls; indexes
//!   above 65536 are refused.
//! - More than 30 `.` after names in one key is refused; a `.` right after
//!   `]` does not count towards that limit.
//! - `--set-json` also takes a whole JSON object (text starting with `{`),
//!   deep-merged into the values: Helm's values options do that before calling
//!   strvals, and no caller should have to repeat it.
//!
//! Deliberate differences: keelson refuses input that Helm silently drops or
//! half-applies (each names the unit test that pins it):
//! 1. An empty key or key part: `=1`, `.a=1`, `[0]=1`, `a[0].=1`,
//!    `a.b=1,a..c=2`. Helm drops the assignment without a word, or stores an
//!    empty map. Test: `empty_key_parts_are_refused`.
//! 2. A key that stops before its `=`: `a.`, `a[0]`, `a[0].`, `a[0`, `a[`.
//!    Helm ignores the rest of the expression, and `a[0]` even creates an
//!    empty list `a`. Test: `keys_cut_short_at_the_end_are_refused`.
//! 3. An unpaired `\` at the very end. Helm drops it (`a=x\` is `x`, a lone
//!    `\` is nothing). Test: `unpaired_trailing_backslash_is_refused`.
//! 4. Anything but `,` after the `}` of a list value. Helm starts a new
//!    assignment there (`a={x}b=1` also sets `b`) or drops it (`a={x}.b=1`).
//!    Test: `text_glued_after_a_list_is_refused`.
//! 5. Anything but `,` (after blanks) following a `--set-json` value. Helm
//!    starts a new assignment there (`a=1b=2` also sets `b`).
//!    Test: `text_glued_after_a_json_value_is_refused`.
//! 6. More than 64 `[N]` indexes in one key. Helm has no limit; this one
//!    bounds the depth of the values built (and so of recursion over them).
//!    Test: `too_many_indexes_in_one_key_are_refused`.
//! 7. `--set-json` values are decoded by `serde_json`: numbers keep its form
//!    (`1.0` stays a float, big integers stay exact) where Helm turns
//!    every JSON number into a float64, and JSON nested deeper than 128 levels
//!    or holding `\u` escapes of lone surrogates is refused where Helm accepts
//!    it. Tests: `json_numbers_keep_serde_json_form` and
//!    `json_lone_surrogate_is_refused`.
//! 8. An empty `--set`, `--set-string` or `--set-file` value at the very end
//!    of the text, for a key through a list element that does not exist yet
//!    (`x[0].a=`). Helm loses the value on its end-of-input path, leaving
//!    `x: []`; keelson refuses and suggests the trailing comma (`x[0].a=,`)
//!    that makes Helm store the empty string. Where every element on the way
//!    exists Helm gets it right, and so does keelson.
//!    Test: `empty_value_at_end_under_a_new_list_element_is_refused`.
//! 9. On error the target is left untouched; Helm leaves the assignments
//!    before the bad one applied (it then aborts the command, so only library
//!    callers can tell). Test: `failed_expression_leaves_target_untouched`.

use std::fmt;

use serde_json::{Map, Value};

/// Helm's largest accepted list index (`strvals.MaxIndex`).
const MAX_INDEX: usize = 65_536;

/// Helm's limit on `.` after names in one key (`strvals.MaxNestedNameLevel`).
const MAX_NESTED_NAME_LEVEL: usize = 30;

/// keelson's own limit on `[N]` parts in one key (difference 6).
const MAX_INDEXES_PER_KEY: usize = 64;

/// Which flag an expression came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetKind {
    /// `--set-json`: every value is a JSON document; an empty value is null.
    Json,
    /// `--set`: values are typed (booleans, null, 64-bit integers, strings).
    Value,
    /// `--set-string`: every value stays a string.
    String,
    /// `--set-file`: every value is a path whose contents become a string.
    File,
    /// `--set-literal`: one assignment whose value is everything after the
    /// first `=`, with no escapes, lists or typing.
    Literal,
}

/// A malformed or unusable `--set` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetError {
    /// What is wrong: lowercase start, no trailing period, keys and values in
    /// backticks.
    pub message: String,
    /// How to write it instead, when there is something useful to say.
    pub hint: Option<String>,
}

impl SetError {
    /// Builds an error with a hint; every error this module raises has one.
    fn new(message: impl Into<String>, hint: impl Into<String>) -> Self {
        SetError {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }
}

/// Shows the message only; callers print `hint` on its own line if they wish.
impl fmt::Display for SetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SetError {}

/// Applies one flag's expression (which may hold several comma-separated
/// assignments) to `target`, exactly as Helm's strvals does when it parses
/// into an existing map, apart from the differences listed at the top of this
/// file. On error `target` is left as it was.
///
/// `read_file` is called for `--set-file` with the path text (relative to the
/// working directory, backslash escapes already removed, not trimmed: a path
/// of `-` meaning standard input is the callback's business) and returns the
/// contents or an error message.
///
/// # Errors
///
/// A [`SetError`] for malformed text, a key that runs into an existing value
/// of the wrong type, an index or nesting beyond the limits, invalid JSON, or
/// a file `read_file` could not read.
pub fn apply(
    target: &mut Map<String, Value>,
    kind: SetKind,
    expr: &str,
    read_file: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<(), SetError> {
    if kind == SetKind::Json {
        let trimmed = expr.trim();
        if trimmed.starts_with('{') {
            let object: Map<String, Value> = serde_json::from_str(trimmed).map_err(|e| {
                SetError::new(
                    format!("--set-json text `{expr}` is not a valid JSON object: {e}"),
                    "give a whole JSON object like `{\"a\":1}`, or assignments like `a=1`",
                )
            })?;
            merge_maps(target, object);
            return Ok(());
        }
    }

    // Assignments depend on the ones before them, so they are applied to a
    // copy that replaces the target only once the whole expression is good.
    let mut work = target.clone();
    let mut parser = Parser {
        kind,
        cursor: Cursor { text: expr, pos: 0 },
        read_file,
        empty_at_end: false,
    };
    while !parser.cursor.at_end() {
        let (path, key_text) = parser.parse_key()?;
        let value = parser.parse_value(key_text)?;
        if parser.empty_at_end
            && let Some(at) = missing_list_step(&work, &path)
        {
            return Err(SetError::new(
                format!(
                    "empty value of `{}` at the end of the expression would be lost, as Helm loses it when `{}` does not exist yet",
                    render_path(&path),
                    render_path(path.get(..=at).unwrap_or(&path)),
                ),
                format!("end it with a comma to set the empty string: `{key_text}=,`"),
            ));
        }
        set_path(&mut work, &path, value)?;
    }
    *target = work;
    Ok(())
}

/// Deep-merges `src` into `dst` the way Helm's `MergeMaps` does: maps present
/// on both sides merge, anything else from `src` replaces what `dst` had.
fn merge_maps(dst: &mut Map<String, Value>, src: Map<String, Value>) {
    for (key, value) in src {
        match (dst.get_mut(&key), value) {
            (Some(Value::Object(old)), Value::Object(new)) => merge_maps(old, new),
            (_, value) => {
                dst.insert(key, value);
            }
        }
    }
}

/// One part of a key: a map member name or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// A read position in the expression, always on a character boundary.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn at_end(&self) -> bool {
        self.rest().is_empty()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// The text between `start` and the current position.
    fn since(&self, start: usize) -> &'a str {
        self.text.get(start..self.pos).unwrap_or("")
    }

    /// Moves past Unicode blanks (Go's `unicode.IsSpace` and Rust's
    /// `char::is_whitespace` agree on the set).
    fn skip_blanks(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    /// Reads up to the first unescaped character of `stops`, which is consumed
    /// and returned (`None` at the end of the text). With `escapes`, `\` makes
    /// the next character part of the text whatever it is.
    fn read_until(
        &mut self,
        stops: &[char],
        escapes: bool,
    ) -> Result<(String, Option<char>), SetError> {
        let mut out = String::new();
        while let Some(c) = self.bump() {
            if stops.contains(&c) {
                return Ok((out, Some(c)));
            }
            if escapes && c == '\\' {
                match self.bump() {
                    Some(next) => out.push(next),
                    None => {
                        return Err(SetError::new(
                            format!("`{}` ends with an unpaired `\\`", self.text),
                            "`\\` makes the next character ordinary; write `\\\\` for a backslash",
                        ));
                    }
                }
            } else {
                out.push(c);
            }
        }
        Ok((out, None))
    }
}

/// Reads assignments off an expression for one flag.
struct Parser<'a, 'r> {
    kind: SetKind,
    cursor: Cursor<'a>,
    read_file: &'r mut dyn FnMut(&str) -> Result<String, String>,
    /// Whether the last value read was an empty `--set`, `--set-string` or
    /// `--set-file` value at the very end of the text: Helm reaches it through
    /// an end-of-input path that loses it under new list elements.
    empty_at_end: bool,
}

impl<'a> Parser<'a, '_> {
    /// Reads a key up to and including its `=`; returns its parts and its text
    /// as written (for messages).
    fn parse_key(&mut self) -> Result<(Vec<Segment>, &'a str), SetError> {
        let literal = self.kind == SetKind::Literal;
        let escapes = !literal;
        // --set-literal keys may hold commas: its value is the rest of the text.
        let name_stops: &[char] = if literal {
            &['=', '[', '.']
        } else {
            &['=', '[', ',', '.']
        };
        let start = self.cursor.pos;
        let mut path = Vec::new();
        let mut name_dots = 0;
        let mut indexes = 0;
        'name: loop {
            let (name, stop) = self.cursor.read_until(name_stops, escapes)?;
            let so_far = self.cursor.since(start);
            if name.is_empty() {
                return Err(empty_name(so_far, stop, path.is_empty()));
            }
            path.push(Segment::Key(name));
            match stop {
                Some('=') => return Ok((path, without_last(so_far))),
                Some('.') => {
                    name_dots += 1;
                    if name_dots > MAX_NESTED_NAME_LEVEL {
                        return Err(SetError::new(
                            format!(
                                "key `{so_far}…` is nested deeper than {MAX_NESTED_NAME_LEVEL} levels"
                            ),
                            "Helm allows at most 30 `.` after names in one key; set a parent key with --set-json instead",
                        ));
                    }
                    continue 'name;
                }
                Some('[') => {}
                _ => return Err(no_value(key_before(so_far, stop), stop)),
            }
            // Inside `[...]`, then whatever follows the `]`, until the key goes
            // on with a name or ends with `=`.
            loop {
                let (index_text, stop) = self.cursor.read_until(&[']'], escapes)?;
                let so_far = self.cursor.since(start);
                if stop.is_none() {
                    return Err(SetError::new(
                        format!("key `{so_far}` has an unclosed `[`"),
                        format!("close the index and give a value, e.g. `{so_far}]=VALUE`"),
                    ));
                }
                path.push(Segment::Index(parse_index(&index_text, so_far)?));
                indexes += 1;
                if indexes > MAX_INDEXES_PER_KEY {
                    return Err(SetError::new(
                        format!("key `{so_far}…` has more than {MAX_INDEXES_PER_KEY} list indexes"),
                        "keelson allows at most 64 `[N]` in one key; set the nested list with --set-json instead",
                    ));
                }
                let (junk, stop) = self.cursor.read_until(&['[', '.', '='], escapes)?;
                let so_far = self.cursor.since(start);
                if !junk.is_empty() {
                    return Err(SetError::new(
                        format!("key `{so_far}` has `{junk}` right after an index"),
                        "after `]` write `.NAME`, `[N]` or `=VALUE`",
                    ));
                }
                match stop {
                    Some('=') => return Ok((path, without_last(so_far))),
                    Some('[') => {}
                    Some('.') => continue 'name,
                    _ => return Err(no_value(so_far, None)),
                }
            }
        }
    }

    /// Reads the value after a key's `=`, including the `,` that ends it.
    fn parse_value(&mut self, key: &str) -> Result<Value, SetError> {
        self.empty_at_end = false;
        match self.kind {
            SetKind::Literal => {
                let text = self.cursor.rest().to_owned();
                self.cursor.pos = self.cursor.text.len();
                Ok(Value::String(text))
            }
            SetKind::Json => self.parse_json_value(key),
            SetKind::Value | SetKind::String | SetKind::File => match self.cursor.peek() {
                // Helm stores "" here without asking the flag's reader, so an
                // empty --set-file value at the very end reads no file.
                None => {
                    self.empty_at_end = true;
                    Ok(Value::String(String::new()))
                }
                Some('{') => {
                    self.cursor.bump();
                    self.parse_list(key)
                }
                Some(_) => {
                    let (text, _) = self.cursor.read_until(&[','], true)?;
                    self.convert(text, key)
                }
            },
        }
    }

    /// Reads the items of a `{a,b}` list value, the `{` already consumed.
    fn parse_list(&mut self, key: &str) -> Result<Value, SetError> {
        let mut items = Vec::new();
        loop {
            let (text, stop) = self.cursor.read_until(&[',', '}'], true)?;
            match stop {
                Some(',') => items.push(self.convert(text, key)?),
                Some(_) => {
                    items.push(self.convert(text, key)?);
                    break;
                }
                None => {
                    return Err(SetError::new(
                        format!("list value of `{key}` has no closing `}}`"),
                        format!(
                            "write `{key}={{a,b}}`; write `\\}}` or `\\,` for a literal brace or comma"
                        ),
                    ));
                }
            }
        }
        match self.cursor.peek() {
            None => Ok(Value::Array(items)),
            Some(',') => {
                self.cursor.bump();
                Ok(Value::Array(items))
            }
            Some(_) => Err(SetError::new(
                format!(
                    "list value of `{key}` is followed by `{}` instead of `,`",
                    self.cursor.rest()
                ),
                "separate assignments with `,`; write `\\}` for a literal brace",
            )),
        }
    }

    /// Reads a `--set-json` value: blanks then nothing or `,` mean null,
    /// otherwise one JSON document followed by blanks and `,` or the end.
    fn parse_json_value(&mut self, key: &str) -> Result<Value, SetError> {
        self.cursor.skip_blanks();
        match self.cursor.peek() {
            None => return Ok(Value::Null),
            Some(',') => {
                self.cursor.bump();
                return Ok(Value::Null);
            }
            Some(_) => {}
        }
        let mut documents = serde_json::Deserializer::from_str(self.cursor.rest()).into_iter();
        let value = match documents.next() {
            Some(Ok(value)) => value,
            Some(Err(e)) => {
                return Err(SetError::new(
                    format!("value of `{key}` is not valid JSON: {e}"),
                    format!(
                        "--set-json values are JSON: quote strings, e.g. `{key}=\"text\"`; an empty value means null"
                    ),
                ));
            }
            None => Value::Null,
        };
        self.cursor.pos += documents.byte_offset();
        self.cursor.skip_blanks();
        match self.cursor.peek() {
            None => Ok(value),
            Some(',') => {
                self.cursor.bump();
                Ok(value)
            }
            Some(_) => Err(SetError::new(
                format!(
                    "JSON value of `{key}` is followed by `{}` instead of `,`",
                    self.cursor.rest()
                ),
                "separate assignments with `,`",
            )),
        }
    }

    /// Turns the text of a plain value or list item into a value for this
    /// flag.
    fn convert(&mut self, text: String, key: &str) -> Result<Value, SetError> {
        match self.kind {
            SetKind::Value => Ok(typed_scalar(text)),
            SetKind::File => (self.read_file)(&text).map(Value::String).map_err(|e| {
                SetError::new(
                    format!("cannot read file `{text}` for `{key}`: {e}"),
                    "--set-file takes `KEY=PATH`; check the path (relative to the working directory)",
                )
            }),
            SetKind::String | SetKind::Json | SetKind::Literal => Ok(Value::String(text)),
        }
    }
}

/// `text` without the stop character just consumed, if there was one.
fn key_before(text: &str, stop: Option<char>) -> &str {
    if stop.is_none() {
        return text;
    }
    without_last(text)
}

/// `text` without its last character (the stop character just consumed).
fn without_last(text: &str) -> &str {
    let mut chars = text.chars();
    chars.next_back();
    chars.as_str()
}

/// The error for an empty key or key part, `so_far` ending with `stop`.
fn empty_name(so_far: &str, stop: Option<char>, first: bool) -> SetError {
    match (first, stop) {
        (true, None) => no_value(so_far, None),
        (true, Some('=')) => {
            SetError::new("an assignment has no key before `=`", "write `NAME=VALUE`")
        }
        (true, Some('[')) => SetError::new(
            "an assignment has no key name before `[`",
            "write `NAME[0]=VALUE`",
        ),
        (true, Some(',')) => SetError::new(
            "expression has an empty assignment before `,`",
            "remove the extra `,`; write `\\,` for a literal comma",
        ),
        (_, None) => SetError::new(
            format!("key `{so_far}` stops before its last part"),
            format!("name the last part and give a value, e.g. `{so_far}NAME=VALUE`"),
        ),
        _ => SetError::new(
            format!("key `{so_far}…` has an empty part"),
            "every part of a key needs a name, as in `a.b=1`; write `\\.` for a literal dot",
        ),
    }
}

/// The error for a key that is not followed by `=`.
fn no_value(key: &str, stop: Option<char>) -> SetError {
    let hint = if stop == Some(',') {
        format!("write `{key}=VALUE`; write `\\,` for a comma inside a key or value")
    } else {
        format!("write `{key}=VALUE`")
    };
    SetError::new(format!("key `{key}` has no value"), hint)
}

/// Reads a list index the way Go's `strconv.Atoi` does (optional sign, ASCII
/// digits), then applies Helm's bounds.
fn parse_index(text: &str, key: &str) -> Result<usize, SetError> {
    let number: i64 = text.parse().map_err(|_| {
        SetError::new(
            format!("index `{text}` in key `{key}` is not a whole number"),
            "list indexes are written `[0]`, `[1]`, …",
        )
    })?;
    if number < 0 {
        return Err(SetError::new(
            format!("index `{text}` in key `{key}` is negative"),
            "list indexes start at `[0]`",
        ));
    }
    match usize::try_from(number) {
        Ok(index) if index <= MAX_INDEX => Ok(index),
        _ => Err(SetError::new(
            format!("index `{text}` in key `{key}` is above the maximum of {MAX_INDEX}"),
            "Helm refuses larger indexes; set the whole list with --set-json instead",
        )),
    }
}

/// Types a `--set` value as Helm's `typedVal` does.
fn typed_scalar(text: String) -> Value {
    if fold_equals(&text, "true") {
        return Value::Bool(true);
    }
    if fold_equals(&text, "false") {
        return Value::Bool(false);
    }
    if fold_equals(&text, "null") {
        return Value::Null;
    }
    if text == "0" {
        return Value::from(0_i64);
    }
    // Helm keeps anything starting with `0` a string (`007`, `0x1F`), so that
    // zero-padded numbers such as versions or modes survive.
    if !text.starts_with('0')
        && let Ok(number) = text.parse::<i64>()
    {
        return Value::from(number);
    }
    Value::String(text)
}

/// Go's `strings.EqualFold` against a lowercase ASCII word. Besides ASCII
/// case, the only character whose simple case fold is one of the letters of
/// `true`, `false` and `null` is `ſ` (long s), which folds to `s`.
fn fold_equals(text: &str, word: &str) -> bool {
    text.chars()
        .map(|c| {
            if c == 'ſ' {
                's'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .eq(word.chars())
}

/// For an empty value at the very end of the text, finds the list index in
/// `path` (its position) under which Helm loses the value.
///
/// Helm's end-of-input signal travels back up from the final name, and every
/// list index on the way returns early without storing what it built: only
/// elements that already exist, changed in place, keep the value (a missing
/// list even ends up stored empty). So the value survives exactly when every
/// index in the path names an existing element, and then Helm's result is the
/// ordinary one; otherwise keelson refuses rather than lose the value.
fn missing_list_step(root: &Map<String, Value>, path: &[Segment]) -> Option<usize> {
    // Only a key that ends with a name gets here through Helm's lossy path.
    if !matches!(path.last(), Some(Segment::Key(_))) {
        return None;
    }
    let mut current = match path.first() {
        Some(Segment::Key(name)) => root.get(name),
        _ => return None,
    };
    let mut after_index = false;
    for (at, segment) in path.iter().enumerate().skip(1) {
        match segment {
            Segment::Key(name) => {
                current = match current {
                    Some(Value::Object(map)) => map.get(name),
                    // A list element that is not a map is replaced by a new,
                    // empty one; anywhere else this is a conflict that
                    // `set_path` reports.
                    Some(_) if !after_index => return None,
                    _ => None,
                };
                after_index = false;
            }
            Segment::Index(index) => {
                current = match current {
                    Some(Value::Array(list)) => match list.get(*index) {
                        Some(element) => Some(element),
                        None => return Some(at),
                    },
                    None => return Some(at),
                    Some(Value::Null) if after_index => return Some(at),
                    // A conflict that `set_path` reports.
                    Some(_) => return None,
                };
                after_index = true;
            }
        }
    }
    None
}

/// Stores `value` at `path` (which starts with a name) under `root`.
fn set_path(root: &mut Map<String, Value>, path: &[Segment], value: Value) -> Result<(), SetError> {
    match path.first() {
        Some(Segment::Key(name)) => set_in_map(root, path, 0, name, value),
        // `parse_key` always starts a path with a name; an index first would
        // have been refused as an empty key.
        _ => Err(SetError::new("key has no name", "write `NAME=VALUE`")),
    }
}

/// Stores `value` under member `name` of `map`, `name` being `path[at]`.
fn set_in_map(
    map: &mut Map<String, Value>,
    path: &[Segment],
    at: usize,
    name: &str,
    value: Value,
) -> Result<(), SetError> {
    match path.get(at + 1) {
        None => {
            map.insert(name.to_owned(), value);
            Ok(())
        }
        Some(Segment::Key(child)) => {
            // Helm descends only into a map that is there or a new one: an
            // existing scalar, list or even null is an error.
            let slot = map
                .entry(name.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            match slot {
                Value::Object(inner) => set_in_map(inner, path, at + 1, child, value),
                other => Err(conflict(path, at, other, "a map")),
            }
        }
        Some(Segment::Index(index)) => {
            let slot = map
                .entry(name.to_owned())
                .or_insert_with(|| Value::Array(Vec::new()));
            match slot {
                Value::Array(list) => set_in_list(list, path, at + 1, *index, value),
                other => Err(conflict(path, at, other, "a list")),
            }
        }
    }
}

/// Stores `value` at `index` of `list`, `index` being `path[at]`; a list too
/// short is padded with nulls first.
fn set_in_list(
    list: &mut Vec<Value>,
    path: &[Segment],
    at: usize,
    index: usize,
    value: Value,
) -> Result<(), SetError> {
    if list.len() <= index {
        list.resize(index + 1, Value::Null);
    }
    let Some(slot) = list.get_mut(index) else {
        // Unreachable after the resize; an error is kinder than a panic.
        return Err(SetError::new(
            format!("cannot reach index {index} of `{}`", render_path(path)),
            "report this as a keelson bug",
        ));
    };
    match path.get(at + 1) {
        None => {
            *slot = value;
            Ok(())
        }
        Some(Segment::Key(child)) => {
            // Unlike a map member, a list element that is not a map is
            // replaced by a fresh map, whatever it held.
            let mut inner = match std::mem::take(slot) {
                Value::Object(inner) => inner,
                _ => Map::new(),
            };
            let result = set_in_map(&mut inner, path, at + 1, child, value);
            *slot = Value::Object(inner);
            result
        }
        Some(Segment::Index(next)) => {
            // A null element becomes a new list; any other non-list is an
            // error, as in Helm.
            let mut inner = match slot {
                Value::Array(inner) => std::mem::take(inner),
                Value::Null => Vec::new(),
                other => return Err(conflict(path, at, other, "a list")),
            };
            let result = set_in_list(&mut inner, path, at + 1, *next, value);
            *slot = Value::Array(inner);
            result
        }
    }
}

/// The error for a key that goes through an existing value of the wrong type,
/// `path[at]` being where that value sits.
fn conflict(path: &[Segment], at: usize, existing: &Value, wanted: &str) -> SetError {
    let full = render_path(path);
    let prefix = render_path(path.get(..=at).unwrap_or(path));
    let found = match existing {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    };
    let example = if wanted == "a map" { "{...}" } else { "[...]" };
    SetError::new(
        format!("cannot set `{full}`: `{prefix}` is {found}, not {wanted}"),
        format!("replace `{prefix}` as a whole first, e.g. --set-json '{prefix}={example}'"),
    )
}

/// Writes a path back in `--set` syntax, escaping characters that would
/// otherwise split a name.
fn render_path(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(name) => {
                if !out.is_empty() {
                    out.push('.');
                }
                for c in name.chars() {
                    if matches!(c, '.' | '[' | ',' | '=' | '\\') {
                        out.push('\\');
                    }
                    out.push(c);
                }
            }
            Segment::Index(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A `read_file` for flags that must never read a file.
    fn no_files(path: &str) -> Result<String, String> {
        Err(format!("unexpected read of `{path}`"))
    }

    /// A `read_file` serving a few fixed files, as Helm's tests do.
    fn fake_files(path: &str) -> Result<String, String> {
        match path {
            "path1" => Ok("value1".to_owned()),
            "dir/two.txt" => Ok("two,\nlines".to_owned()),
            "C:dirfile" => Ok("escaped".to_owned()),
            other => Err(format!("open {other}: no such file or directory")),
        }
    }

    fn run_on(start: Value, kind: SetKind, expr: &str) -> Result<Value, SetError> {
        let Value::Object(mut map) = start else {
            panic!("test start value must be an object");
        };
        let mut reader = fake_files;
        apply(&mut map, kind, expr, &mut reader)?;
        Ok(Value::Object(map))
    }

    fn run(kind: SetKind, expr: &str) -> Result<Value, SetError> {
        run_on(json!({}), kind, expr)
    }

    fn ok(kind: SetKind, expr: &str) -> Value {
        match run(kind, expr) {
            Ok(value) => value,
            Err(e) => panic!("{kind:?} `{expr}` failed: {e:?}"),
        }
    }

    fn ok_on(start: Value, kind: SetKind, expr: &str) -> Value {
        match run_on(start, kind, expr) {
            Ok(value) => value,
            Err(e) => panic!("{kind:?} `{expr}` failed: {e:?}"),
        }
    }

    fn fails(kind: SetKind, expr: &str) -> SetError {
        match run(kind, expr) {
            Ok(value) => panic!("{kind:?} `{expr}` should fail but gave {value}"),
            Err(e) => e,
        }
    }

    fn fails_on(start: Value, kind: SetKind, expr: &str) -> SetError {
        match run_on(start, kind, expr) {
            Ok(value) => panic!("{kind:?} `{expr}` should fail but gave {value}"),
            Err(e) => e,
        }
    }

    fn check_table(kind: SetKind, table: &[(&str, Value)]) {
        for (expr, want) in table {
            assert_eq!(&ok(kind, expr), want, "{kind:?} `{expr}`");
        }
    }

    fn check_failures(kind: SetKind, table: &[&str]) {
        for expr in table {
            let e = fails(kind, expr);
            assert!(!e.message.is_empty(), "{kind:?} `{expr}`");
            assert!(e.hint.is_some(), "{kind:?} `{expr}` has no hint");
        }
    }

    // ---- Helm's TestParseSet table ----

    #[test]
    fn helm_parse_set_table_succeeds_the_same() {
        check_table(
            SetKind::Value,
            &[
                (
                    "name1=null,f=false,t=true",
                    json!({"name1": null, "f": false, "t": true}),
                ),
                ("name1=value1", json!({"name1": "value1"})),
                (
                    "name1=value1,name2=value2",
                    json!({"name1": "value1", "name2": "value2"}),
                ),
                (
                    "name1=value1,name2=value2,",
                    json!({"name1": "value1", "name2": "value2"}),
                ),
                (
                    "name1=,name2=value2",
                    json!({"name1": "", "name2": "value2"}),
                ),
                ("leading_zeros=00009", json!({"leading_zeros": "00009"})),
                ("zero_int=0", json!({"zero_int": 0})),
                ("long_int=1234567890", json!({"long_int": 1234567890})),
                ("boolean=true", json!({"boolean": true})),
                ("is_null=null", json!({"is_null": null})),
                (
                    "name1=one\\,two,name2=three\\,four",
                    json!({"name1": "one,two", "name2": "three,four"}),
                ),
                (
                    "name1=one\\=two,name2=three\\=four",
                    json!({"name1": "one=two", "name2": "three=four"}),
                ),
                (
                    "name1=one two three,name2=three two one",
                    json!({"name1": "one two three", "name2": "three two one"}),
                ),
                ("outer.inner=value", json!({"outer": {"inner": "value"}})),
                (
                    "outer.middle.inner=value",
                    json!({"outer": {"middle": {"inner": "value"}}}),
                ),
                (
                    "outer.inner1=value,outer.inner2=value2",
                    json!({"outer": {"inner1": "value", "inner2": "value2"}}),
                ),
                (
                    "outer.inner1=value,outer.middle.inner=value",
                    json!({"outer": {"inner1": "value", "middle": {"inner": "value"}}}),
                ),
                ("name1.name2=", json!({"name1": {"name2": ""}})),
                (
                    "name1={value1,value2}",
                    json!({"name1": ["value1", "value2"]}),
                ),
                (
                    "name1={value1,value2},name2={value1,value2}",
                    json!({"name1": ["value1", "value2"], "name2": ["value1", "value2"]}),
                ),
                ("name1={1021,902}", json!({"name1": [1021, 902]})),
                (
                    "name1.name2={value1,value2}",
                    json!({"name1": {"name2": ["value1", "value2"]}}),
                ),
                ("list[0]=foo", json!({"list": ["foo"]})),
                ("list[0].foo=bar", json!({"list": [{"foo": "bar"}]})),
                (
                    "list[0].foo=bar,list[0].hello=world",
                    json!({"list": [{"foo": "bar", "hello": "world"}]}),
                ),
                ("list[0]=foo,list[1]=bar", json!({"list": ["foo", "bar"]})),
                ("list[0]=foo,list[1]=bar,", json!({"list": ["foo", "bar"]})),
                (
                    "list[0]=foo,list[3]=bar",
                    json!({"list": ["foo", null, null, "bar"]}),
                ),
                ("noval[0]=", json!({"noval": [""]})),
                ("nested[0][0]=1", json!({"nested": [[1]]})),
                ("nested[1][1]=1", json!({"nested": [null, [null, 1]]})),
                (
                    "name1.name2[0].foo=bar,name1.name2[1].foo=bar",
                    json!({"name1": {"name2": [{"foo": "bar"}, {"foo": "bar"}]}}),
                ),
                (
                    "name1.name2[1].foo=bar,name1.name2[0].foo=bar",
                    json!({"name1": {"name2": [{"foo": "bar"}, {"foo": "bar"}]}}),
                ),
                (
                    "name1.name2[1].foo=bar",
                    json!({"name1": {"name2": [null, {"foo": "bar"}]}}),
                ),
            ],
        );
    }

    #[test]
    fn helm_parse_set_table_fails_the_same() {
        check_failures(
            SetKind::Value,
            &[
                "name1=value1,,,,name2=value2,",
                "name1,name2=",
                "name1,name2=value2",
                "name1,name2=value2\\",
                "name1,name2",
                "name1.name2",
                "name1.name2,name1.name3",
                "name1.=name2",
                "name1.,name2",
                "name1={1021,902",
                "list[0].foo=bar,list[-30].hello=world",
                "list[0]=foo,list[-20]=bar",
                "illegal[0]name.foo=bar",
                "]={}].",
            ],
        );
    }

    #[test]
    fn helm_parse_string_table_keeps_strings() {
        check_table(
            SetKind::String,
            &[
                (
                    "long_int_string=1234567890",
                    json!({"long_int_string": "1234567890"}),
                ),
                ("boolean=true", json!({"boolean": "true"})),
                ("is_null=null", json!({"is_null": "null"})),
                ("zero=0", json!({"zero": "0"})),
            ],
        );
    }

    #[test]
    fn set_string_lists_hold_strings() {
        assert_eq!(
            ok(SetKind::String, "a={1,true,null},b="),
            json!({"a": ["1", "true", "null"], "b": ""})
        );
    }

    // ---- Helm's TestParseInto / TestParseIntoString ----

    #[test]
    fn parse_into_overwrites_and_keeps_existing_members() {
        let start = json!({"outer": {"inner1": "overwrite", "inner2": "value2"}});
        let got = ok_on(
            start,
            SetKind::Value,
            "outer.inner1=value1,outer.inner3=value3,outer.inner4=4",
        );
        assert_eq!(
            got,
            json!({"outer": {"inner1": "value1", "inner2": "value2", "inner3": "value3", "inner4": 4}})
        );
    }

    #[test]
    fn parse_into_string_keeps_strings_over_existing_values() {
        let start = json!({"outer": {"inner1": "overwrite", "inner2": "value2"}});
        let got = ok_on(start, SetKind::String, "outer.inner1=1,outer.inner3=3");
        assert_eq!(
            got,
            json!({"outer": {"inner1": "1", "inner2": "value2", "inner3": "3"}})
        );
    }

    #[test]
    fn two_flags_merge_into_the_same_list_element() {
        for kind in [SetKind::Value, SetKind::Literal] {
            let first = ok(kind, "listOuter[0][0].type=listValue");
            let got = ok_on(first, kind, "listOuter[0][0].status=alive");
            assert_eq!(
                got,
                json!({"listOuter": [[{"type": "listValue", "status": "alive"}]]}),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn two_flags_fill_sibling_list_elements() {
        for kind in [SetKind::Value, SetKind::Literal] {
            let first = ok(kind, "listOuter[0][0].type=listValue");
            let got = ok_on(first, kind, "listOuter[1][0].status=alive");
            assert_eq!(
                got,
                json!({"listOuter": [[{"type": "listValue"}], [{"status": "alive"}]]}),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn nested_list_indexes_reach_into_existing_lists() {
        for kind in [SetKind::Value, SetKind::Literal] {
            let start = json!({"listOuter": [[[{"exited": "old"}]]]});
            let first = ok_on(start, kind, "listOuter[0][1][0].type=listValue");
            let got = ok_on(first, kind, "listOuter[0][0][1].status=alive");
            assert_eq!(
                got,
                json!({"listOuter": [[
                    [{"exited": "old"}, {"status": "alive"}],
                    [{"type": "listValue"}]
                ]]}),
                "{kind:?}"
            );
        }
    }

    // ---- Helm's TestSetIndex, through existing lists ----

    #[test]
    fn index_past_the_end_grows_the_list() {
        let got = ok_on(json!({"l": [0, 1]}), SetKind::Value, "l[2]=2");
        assert_eq!(got, json!({"l": [0, 1, 2]}));
    }

    #[test]
    fn index_inside_an_existing_list_replaces_only_that_element() {
        let got = ok_on(json!({"l": [0, 1]}), SetKind::Value, "l[1]=2");
        assert_eq!(got, json!({"l": [0, 2]}));
        let got = ok_on(json!({"l": [0, 1, 2, 3, 4, 5]}), SetKind::Value, "l[3]=4");
        assert_eq!(got, json!({"l": [0, 1, 2, 4, 4, 5]}));
    }

    #[test]
    fn index_into_missing_list_pads_with_null() {
        assert_eq!(
            ok(SetKind::Value, "a[2]=x"),
            json!({"a": [null, null, "x"]})
        );
        let got = ok_on(json!({"a": [1, 2, 3]}), SetKind::Value, "a[5]=x");
        assert_eq!(got, json!({"a": [1, 2, 3, null, null, "x"]}));
    }

    #[test]
    fn negative_index_is_refused() {
        let e = fails_on(json!({"l": [0, 1, 2]}), SetKind::Value, "l[-1]=4");
        assert_eq!(e.message, "index `-1` in key `l[-1]` is negative");
    }

    #[test]
    fn index_above_65536_is_refused_and_65536_is_not() {
        let e = fails(SetKind::Value, "l[65537]=4");
        assert_eq!(
            e.message,
            "index `65537` in key `l[65537]` is above the maximum of 65536"
        );
        let got = ok(SetKind::Value, "l[65536]=4");
        let len = got.pointer("/l").and_then(Value::as_array).map(Vec::len);
        assert_eq!(len, Some(65_537));
        assert_eq!(got.pointer("/l/65536"), Some(&json!(4)));
    }

    #[test]
    fn index_too_big_for_64_bits_is_refused() {
        check_failures(
            SetKind::Value,
            &["a[99999999999999999999999]=1", "a[9223372036854775807]=1"],
        );
    }

    #[test]
    fn index_is_read_like_go_atoi() {
        check_table(
            SetKind::Value,
            &[
                ("a[+1]=x", json!({"a": [null, "x"]})),
                ("a[-0]=x", json!({"a": ["x"]})),
                (
                    "a[007]=x",
                    json!({"a": [null, null, null, null, null, null, null, "x"]}),
                ),
                ("a[\\1]=x", json!({"a": [null, "x"]})),
            ],
        );
        check_failures(
            SetKind::Value,
            &["a[ 1]=x", "a[x]=1", "a[]=1", "a[1\\]]=x", "a[1.0]=x"],
        );
    }

    #[test]
    fn non_numeric_index_names_the_index() {
        let e = fails(SetKind::Value, "a[x]=1");
        assert_eq!(e.message, "index `x` in key `a[x]` is not a whole number");
    }

    // ---- Helm's TestParseJSON ----

    #[test]
    fn json_scalars_replace_existing_members() {
        let start = json!({"outer": {"inner1": "overwrite", "inner2": "value2"}});
        let got = ok_on(
            start,
            SetKind::Json,
            r#"outer.inner1="1",outer.inner3=3,outer.inner4=true,outer.inner5="true""#,
        );
        assert_eq!(
            got,
            json!({"outer": {"inner1": "1", "inner2": "value2", "inner3": 3, "inner4": true, "inner5": "true"}})
        );
    }

    #[test]
    fn json_objects_and_arrays_replace_existing_members_whole() {
        let start = json!({"outer": {"inner1": {"x": "overwrite"}, "inner2": "value2", "inner3": ["overwrite"]}});
        let got = ok_on(
            start,
            SetKind::Json,
            r#"outer.inner1={"a":"1","b":2,"c":[1,2,3]},outer.inner3=["new value 1","new value 2"],outer.inner4={"aa":"1","bb":2,"cc":[1,2,3]},outer.inner5=[{"A":"1","B":2,"C":[1,2,3]}]"#,
        );
        assert_eq!(
            got,
            json!({"outer": {
                "inner1": {"a": "1", "b": 2, "c": [1, 2, 3]},
                "inner2": "value2",
                "inner3": ["new value 1", "new value 2"],
                "inner4": {"aa": "1", "bb": 2, "cc": [1, 2, 3]},
                "inner5": [{"A": "1", "B": 2, "C": [1, 2, 3]}]
            }})
        );
    }

    #[test]
    fn json_empty_value_is_null_and_indexes_reach_into_json_values() {
        let start = json!({"outer": {"inner1": {"x": "overwrite"}, "inner2": "value2"}});
        let got = ok_on(
            start,
            SetKind::Json,
            r#"outer.inner1=,outer.inner3={"aa":"1","bb":2,"cc":[1,2,3]},outer.inner3.cc[1]=null"#,
        );
        assert_eq!(
            got,
            json!({"outer": {"inner1": null, "inner2": "value2", "inner3": {"aa": "1", "bb": 2, "cc": [1, null, 3]}}})
        );
    }

    #[test]
    fn json_syntax_error_is_refused() {
        let e = fails(
            SetKind::Json,
            r#"outer.inner1={"a":"1","b":2,"c":[1,2,3]},outer.inner3=["new value 1","new value 2"],outer.inner4={"aa":"1","bb":2,"cc":[1,2,3]},outer.inner5={"A":"1","B":2,"C":[1,2,3]}]"#,
        );
        assert!(e.message.contains("outer.inner5"), "{}", e.message);
    }

    #[test]
    fn json_values_skip_blanks_around_them() {
        check_table(
            SetKind::Json,
            &[
                ("a=", json!({"a": null})),
                ("a= ,b=1", json!({"a": null, "b": 1})),
                ("a=1 ,b=2", json!({"a": 1, "b": 2})),
                ("a=  \"s\"  ", json!({"a": "s"})),
                ("a=1\t", json!({"a": 1})),
                ("a=1,", json!({"a": 1})),
                ("a[1]=", json!({"a": [null, null]})),
                ("a.b=", json!({"a": {"b": null}})),
            ],
        );
    }

    #[test]
    fn json_values_combine_with_indexes() {
        check_table(
            SetKind::Json,
            &[
                ("a=[1,2],a[3]=4", json!({"a": [1, 2, null, 4]})),
                ("a=[1,2],a[0].b=2", json!({"a": [{"b": 2}, 2]})),
                (r#"a[1]={"x":[1]}"#, json!({"a": [null, {"x": [1]}]})),
                (r#"a={"b":1,"b":2}"#, json!({"a": {"b": 2}})),
                (r#"a="x,y",b=[1,"]"]"#, json!({"a": "x,y", "b": [1, "]"]})),
            ],
        );
    }

    #[test]
    fn json_invalid_documents_are_refused() {
        check_failures(
            SetKind::Json,
            &[
                "a=tru", "a=\"x", "a={x}", "a=01", "a=1e400", "a", "a,b=1", "a=1,,b=2",
            ],
        );
    }

    #[test]
    fn json_whole_object_deep_merges_into_values() {
        let start = json!({"a": {"b": 1, "c": {"d": 1}}, "keep": true});
        let got = ok_on(
            start,
            SetKind::Json,
            r#"  {"a":{"c":{"e":2},"f":null},"g":[1]} "#,
        );
        assert_eq!(
            got,
            json!({"a": {"b": 1, "c": {"d": 1, "e": 2}, "f": null}, "keep": true, "g": [1]})
        );
    }

    #[test]
    fn json_whole_object_replaces_non_maps() {
        let got = ok_on(
            json!({"a": [1], "b": {"x": 1}}),
            SetKind::Json,
            r#"{"a":{"x":1},"b":2}"#,
        );
        assert_eq!(got, json!({"a": {"x": 1}, "b": 2}));
    }

    #[test]
    fn json_whole_object_must_be_valid() {
        let e = fails(SetKind::Json, r#"{"a":1} x"#);
        assert!(e.message.starts_with("--set-json text"), "{}", e.message);
        check_failures(SetKind::Json, &["{", "{\"a\":}", "{a=1}"]);
    }

    // ---- Helm's TestParseFile / TestParseIntoFile ----

    #[test]
    fn set_file_value_is_the_file_contents() {
        assert_eq!(ok(SetKind::File, "name1=path1"), json!({"name1": "value1"}));
        let got = ok_on(json!({"name1": 5}), SetKind::File, "name1=path1");
        assert_eq!(got, json!({"name1": "value1"}));
    }

    #[test]
    fn set_file_reads_every_list_item() {
        assert_eq!(
            ok(SetKind::File, "a={path1,dir/two.txt},b[1]=path1"),
            json!({"a": ["value1", "two,\nlines"], "b": [null, "value1"]})
        );
    }

    #[test]
    fn set_file_path_loses_its_backslashes_like_helm() {
        assert_eq!(
            ok(SetKind::File, "a=C:\\dir\\file"),
            json!({"a": "escaped"})
        );
    }

    #[test]
    fn set_file_empty_value_at_end_reads_no_file() {
        let mut reads = Vec::new();
        let mut reader = |path: &str| {
            reads.push(path.to_owned());
            Ok::<_, String>(String::new())
        };
        let mut map = Map::new();
        assert_eq!(apply(&mut map, SetKind::File, "a=", &mut reader), Ok(()));
        assert_eq!(Value::Object(map), json!({"a": ""}));
        assert!(reads.is_empty(), "{reads:?}");
    }

    #[test]
    fn set_file_empty_value_before_comma_reads_the_empty_path() {
        let e = fails(SetKind::File, "a=,b=path1");
        assert_eq!(
            e.message,
            "cannot read file `` for `a`: open : no such file or directory"
        );
        check_failures(SetKind::File, &["a={}", "a=missing"]);
    }

    #[test]
    fn set_file_reads_files_in_order() {
        let mut reads = Vec::new();
        let mut reader = |path: &str| {
            reads.push(path.to_owned());
            Ok::<_, String>(path.to_uppercase())
        };
        let mut map = Map::new();
        let result = apply(&mut map, SetKind::File, "x={p,q},y=r", &mut reader);
        assert_eq!(result, Ok(()));
        assert_eq!(reads, ["p", "q", "r"]);
        assert_eq!(Value::Object(map), json!({"x": ["P", "Q"], "y": "R"}));
    }

    // ---- Helm's TestParseSetNestedLevels / TestParseLiteralNestedLevels ----

    fn dotted_key(parts: usize) -> String {
        (1..=parts)
            .map(|i| format!("name{i}"))
            .collect::<Vec<_>>()
            .join(".")
    }

    #[test]
    fn thirty_dots_are_allowed_and_thirty_one_refused() {
        for kind in [
            SetKind::Value,
            SetKind::Literal,
            SetKind::Json,
            SetKind::String,
        ] {
            let value = if kind == SetKind::Json { "\"v\"" } else { "v" };
            assert!(
                run(kind, &format!("{}={value}", dotted_key(31))).is_ok(),
                "{kind:?}"
            );
            let e = fails(kind, &format!("{}={value}", dotted_key(32)));
            assert!(
                e.message.ends_with("is nested deeper than 30 levels"),
                "{kind:?}: {}",
                e.message
            );
        }
    }

    #[test]
    fn dots_after_an_index_do_not_count_towards_the_depth_limit() {
        let expr = format!("x[0].{}=v", dotted_key(31));
        let got = ok(SetKind::Value, &expr);
        assert!(got.pointer("/x/0/name1/name2").is_some());
        let expr = (0..40).map(|i| format!("n{i}[0].")).collect::<String>() + "z=v";
        assert!(run(SetKind::Value, &expr).is_ok());
    }

    // ---- Helm's TestParseLiteral table ----

    #[test]
    fn helm_parse_literal_table_succeeds_the_same() {
        check_table(
            SetKind::Literal,
            &[
                ("name=", json!({"name": ""})),
                ("name=value", json!({"name": "value"})),
                (
                    "long_int_string=1234567890",
                    json!({"long_int_string": "1234567890"}),
                ),
                ("boolean=true", json!({"boolean": "true"})),
                ("is_null=null", json!({"is_null": "null"})),
                ("zero=0", json!({"zero": "0"})),
                (
                    "name1=null,name2=value2",
                    json!({"name1": "null,name2=value2"}),
                ),
                ("name1=value,,,tail", json!({"name1": "value,,,tail"})),
                ("leading_zeros=00009", json!({"leading_zeros": "00009"})),
                ("name=one two three", json!({"name": "one two three"})),
                ("outer.inner=value", json!({"outer": {"inner": "value"}})),
                (
                    "outer.middle.inner=value",
                    json!({"outer": {"middle": {"inner": "value"}}}),
                ),
                ("name1.name2=", json!({"name1": {"name2": ""}})),
                ("name1={value1,value2}", json!({"name1": "{value1,value2}"})),
                ("list[0]=foo", json!({"list": ["foo"]})),
                ("list[0].foo=bar", json!({"list": [{"foo": "bar"}]})),
                ("list[3]=bar", json!({"list": [null, null, null, "bar"]})),
                ("noval[0]=", json!({"noval": [""]})),
                ("nested[0][0]=1", json!({"nested": [["1"]]})),
                ("nested[1][1]=1", json!({"nested": [null, [null, "1"]]})),
                (
                    "name1.name2[0].foo=bar",
                    json!({"name1": {"name2": [{"foo": "bar"}]}}),
                ),
                (
                    "name1.name2[1].foo=bar",
                    json!({"name1": {"name2": [null, {"foo": "bar"}]}}),
                ),
                ("]={}].", json!({"]": "{}]."})),
                ("name=val,val", json!({"name": "val,val"})),
                ("name=val.val", json!({"name": "val.val"})),
                ("name=val=val", json!({"name": "val=val"})),
                ("name=val$val", json!({"name": "val$val"})),
                ("name=(value", json!({"name": "(value"})),
                ("name=value)", json!({"name": "value)"})),
                ("name=(value)", json!({"name": "(value)"})),
                ("name={value", json!({"name": "{value"})),
                ("name=value}", json!({"name": "value}"})),
                ("name={value}", json!({"name": "{value}"})),
                ("name={value1,value2}", json!({"name": "{value1,value2}"})),
                (r"name=val\val", json!({"name": r"val\val"})),
                (r"name=val\\val", json!({"name": r"val\\val"})),
                (r"name=val\\\val", json!({"name": r"val\\\val"})),
                (
                    r"name={val,.?*v\0a!l)some",
                    json!({"name": r"{val,.?*v\0a!l)some"}),
                ),
                (
                    r"name=em%GT)tqUDqz,i-\h+Mbqs-!:.m\\rE=mkbM#rR}@{-k@",
                    json!({"name": r"em%GT)tqUDqz,i-\h+Mbqs-!:.m\\rE=mkbM#rR}@{-k@"}),
                ),
            ],
        );
    }

    #[test]
    fn helm_parse_literal_table_fails_the_same() {
        check_failures(
            SetKind::Literal,
            &[
                "name",
                "name1.name2",
                "name1.=name2",
                "name1.,name2",
                "list[-30].hello=world",
                "illegal[0]name.foo=bar",
            ],
        );
    }

    #[test]
    fn literal_value_swallows_the_rest_of_the_expression() {
        let start = json!({"outer": {"inner1": "overwrite", "inner2": "value2"}});
        let got = ok_on(
            start,
            SetKind::Literal,
            "outer.inner1=value1,outer.inner3=value3,outer.inner4=4",
        );
        assert_eq!(
            got,
            json!({"outer": {"inner1": "value1,outer.inner3=value3,outer.inner4=4", "inner2": "value2"}})
        );
    }

    #[test]
    fn literal_keys_take_backslashes_and_commas_as_written() {
        check_table(
            SetKind::Literal,
            &[
                (r"a\.b=1", json!({"a\\": {"b": "1"}})),
                ("a,b=1", json!({"a,b": "1"})),
                ("a[0]=x,y", json!({"a": ["x,y"]})),
                (r"a=x\", json!({"a": "x\\"})),
                ("a[0].b=c,d", json!({"a": [{"b": "c,d"}]})),
            ],
        );
        check_failures(SetKind::Literal, &[r"a[\1]=x", r"a[1]\=x"]);
    }

    // ---- typing of --set values ----

    #[test]
    fn set_types_words_case_insensitively() {
        check_table(
            SetKind::Value,
            &[
                ("a=TRUE", json!({"a": true})),
                ("a=FaLsE", json!({"a": false})),
                ("a=NuLL", json!({"a": null})),
                ("a=falſe", json!({"a": false})),
                ("a=True ", json!({"a": "True "})),
                ("a=yes", json!({"a": "yes"})),
                ("a=~", json!({"a": "~"})),
            ],
        );
    }

    #[test]
    fn set_types_integers_like_go_parse_int() {
        check_table(
            SetKind::Value,
            &[
                ("a=+5", json!({"a": 5})),
                ("a=-5", json!({"a": -5})),
                ("a=-05", json!({"a": -5})),
                ("a=+0", json!({"a": 0})),
                ("a=-0", json!({"a": 0})),
                ("a=9223372036854775807", json!({"a": i64::MAX})),
                ("a=-9223372036854775808", json!({"a": i64::MIN})),
                ("a=9223372036854775808", json!({"a": "9223372036854775808"})),
                ("a=1e3", json!({"a": "1e3"})),
                ("a=1.5", json!({"a": "1.5"})),
                ("a=1_000", json!({"a": "1_000"})),
                ("a=+-1", json!({"a": "+-1"})),
                ("a= 1", json!({"a": " 1"})),
                ("a=1 ", json!({"a": "1 "})),
                ("a=٣", json!({"a": "٣"})),
                ("a=１", json!({"a": "１"})),
            ],
        );
    }

    #[test]
    fn leading_zero_keeps_a_string_except_zero_itself() {
        check_table(
            SetKind::Value,
            &[
                ("a=0", json!({"a": 0})),
                ("a=00", json!({"a": "00"})),
                ("a=007", json!({"a": "007"})),
                ("a=0x10", json!({"a": "0x10"})),
                ("a=0.5", json!({"a": "0.5"})),
            ],
        );
    }

    #[test]
    fn integers_are_stored_as_i64_numbers() {
        let got = ok(SetKind::Value, "a=42");
        assert_eq!(got.pointer("/a").and_then(Value::as_i64), Some(42));
        assert!(got.pointer("/a").is_some_and(Value::is_i64));
    }

    // ---- list values ----

    #[test]
    fn brace_lists_follow_helm_corners() {
        check_table(
            SetKind::Value,
            &[
                ("a={}", json!({"a": [""]})),
                ("a={,}", json!({"a": ["", ""]})),
                ("a={a,}", json!({"a": ["a", ""]})),
                ("a={1,null,TRUE,x}", json!({"a": [1, null, true, "x"]})),
                ("a= {x}", json!({"a": " {x}"})),
                ("a=x{y}", json!({"a": "x{y}"})),
                (r"a={x\}y}", json!({"a": ["x}y"]})),
                (r"a={x\,y}", json!({"a": ["x,y"]})),
                ("a[0]={x,y}", json!({"a": [["x", "y"]]})),
                ("a={x},b=1", json!({"a": ["x"], "b": 1})),
            ],
        );
    }

    #[test]
    fn unterminated_brace_list_is_refused() {
        let e = fails(SetKind::Value, "a={x,y");
        assert_eq!(e.message, "list value of `a` has no closing `}`");
    }

    // ---- escapes and names ----

    #[test]
    fn backslash_escapes_keys_and_values() {
        check_table(
            SetKind::Value,
            &[
                (r"a\.b=1", json!({"a.b": 1})),
                (r"a\[0]=x", json!({"a[0]": "x"})),
                (r"a\=b=1", json!({"a=b": 1})),
                (r"a\,b=1", json!({"a,b": 1})),
                (r"a=x\,y", json!({"a": "x,y"})),
                (r"a=x\\y", json!({"a": r"x\y"})),
                (r"a=\q", json!({"a": "q"})),
                ("a=x=y", json!({"a": "x=y"})),
            ],
        );
    }

    #[test]
    fn names_keep_spaces_and_unicode() {
        check_table(
            SetKind::Value,
            &[
                ("a b=1", json!({"a b": 1})),
                (" a=1", json!({" a": 1})),
                ("ä.ö=ü", json!({"ä": {"ö": "ü"}})),
                ("日本[1]=語", json!({"日本": [null, "語"]})),
            ],
        );
    }

    // ---- assigning over existing values ----

    #[test]
    fn later_assignment_wins() {
        check_table(
            SetKind::Value,
            &[
                ("a=1,a=2", json!({"a": 2})),
                ("a.b=1,a={1}", json!({"a": [1]})),
                ("a[0]={1,2},a[0]=y", json!({"a": ["y"]})),
                ("a[1].b=1,a[0]=z", json!({"a": ["z", {"b": 1}]})),
            ],
        );
    }

    #[test]
    fn dot_into_existing_scalar_is_refused() {
        let e = fails(SetKind::Value, "a.b=1,a=2,a.c=3");
        assert_eq!(e.message, "cannot set `a.c`: `a` is a number, not a map");
        assert_eq!(
            e.hint.as_deref(),
            Some("replace `a` as a whole first, e.g. --set-json 'a={...}'")
        );
        check_failures(SetKind::Value, &["a={1},a.b=1", "a=x,a.b.c=1"]);
    }

    #[test]
    fn dot_into_existing_null_is_refused_like_helm() {
        let e = fails_on(json!({"a": null}), SetKind::Value, "a.b=1");
        assert_eq!(e.message, "cannot set `a.b`: `a` is null, not a map");
        check_failures(SetKind::Value, &["a=null,a.b=1"]);
        check_failures(SetKind::Json, &["a=null,a.b=1"]);
    }

    #[test]
    fn index_into_existing_non_list_is_refused() {
        let e = fails_on(json!({"a": {"b": 1}}), SetKind::Value, "a[0]=1");
        assert_eq!(e.message, "cannot set `a[0]`: `a` is a map, not a list");
        check_failures(
            SetKind::Value,
            &["a=1,a[0]=2", "a=null,a[0]=1", "a.b=1,a[0]=2"],
        );
    }

    #[test]
    fn index_into_existing_null_element_makes_a_list() {
        assert_eq!(
            ok(SetKind::Value, "a[0]=null,a[0][0]=1"),
            json!({"a": [[1]]})
        );
        let got = ok_on(
            json!({"a": [[1, 2, 3]]}),
            SetKind::Value,
            "a[0][1]=x,a[0][4]=y",
        );
        assert_eq!(got, json!({"a": [[1, "x", 3, null, "y"]]}));
    }

    #[test]
    fn index_into_existing_scalar_element_is_refused() {
        let e = fails(SetKind::Value, "a[0]=x,a[0][0]=1");
        assert_eq!(
            e.message,
            "cannot set `a[0][0]`: `a[0]` is a string, not a list"
        );
    }

    #[test]
    fn dot_after_index_replaces_a_non_map_element() {
        check_table(
            SetKind::Value,
            &[
                ("a[0]=x,a[0].b=1", json!({"a": [{"b": 1}]})),
                ("a[0]={1},a[0].b=1", json!({"a": [{"b": 1}]})),
                ("a[1]=x,a[0].b=2", json!({"a": [{"b": 2}, "x"]})),
                ("a[0].b=1,a[0].c=2", json!({"a": [{"b": 1, "c": 2}]})),
            ],
        );
    }

    #[test]
    fn existing_keys_keep_their_place_and_new_ones_go_last() {
        let start = json!({"z": 1, "a": {"y": 1, "b": 2}, "m": 3});
        let got = ok_on(start, SetKind::Value, "a.b=9,a.c=8,z=0,new=1");
        let text = serde_json::to_string(&got).unwrap_or_default();
        assert_eq!(text, r#"{"z":0,"a":{"y":1,"b":9,"c":8},"m":3,"new":1}"#);
    }

    // ---- deliberate differences from Helm ----

    #[test]
    fn empty_key_parts_are_refused() {
        // Helm drops these without a word (or, for `a[0].=1`, stores `[{}]`).
        for kind in [
            SetKind::Value,
            SetKind::String,
            SetKind::Json,
            SetKind::File,
        ] {
            check_failures(
                kind,
                &[
                    "=1",
                    ".a=1",
                    "[0]=1",
                    "a[0].=1",
                    "a.b=1,a..c=2",
                    ".=1",
                    "a=1,=2",
                ],
            );
        }
        check_failures(SetKind::Literal, &["=x", ".a=1", "[0]=1", "a[0].=1"]);
        let e = fails(SetKind::Value, "=1");
        assert_eq!(e.message, "an assignment has no key before `=`");
        let e = fails(SetKind::Value, "a..b=1");
        assert_eq!(e.message, "key `a..…` has an empty part");
        let e = fails(SetKind::Value, "[0]=1");
        assert_eq!(e.message, "an assignment has no key name before `[`");
    }

    #[test]
    fn keys_cut_short_at_the_end_are_refused() {
        // Helm ignores these (and makes `a` an empty list for `a[0]`).
        for kind in [
            SetKind::Value,
            SetKind::String,
            SetKind::Json,
            SetKind::File,
            SetKind::Literal,
        ] {
            check_failures(
                kind,
                &[
                    "a.", "a.b.", "a[0]", "a[0][1]", "a[0].", "a[0", "a[", "a.b[0]",
                ],
            );
        }
        check_failures(SetKind::Value, &["x=1,a[", "x=1,a.b"]);
        let e = fails(SetKind::Value, "noval[0]");
        assert_eq!(e.message, "key `noval[0]` has no value");
        assert_eq!(e.hint.as_deref(), Some("write `noval[0]=VALUE`"));
        let e = fails(SetKind::Value, "a[0");
        assert_eq!(e.message, "key `a[0` has an unclosed `[`");
        let e = fails(SetKind::Value, "a.");
        assert_eq!(e.message, "key `a.` stops before its last part");
    }

    #[test]
    fn unpaired_trailing_backslash_is_refused() {
        // Helm drops the backslash (`a=x\` is `x`) or the whole tail (`\`).
        for expr in [r"a=x\", r"a=1,\", r"\", r"a\", r"a={x\", r"a[0\"] {
            let e = fails(SetKind::Value, expr);
            assert!(
                e.message.ends_with("ends with an unpaired `\\`"),
                "{expr}: {}",
                e.message
            );
        }
        check_failures(SetKind::File, &[r"a=C:\dir\"]);
    }

    #[test]
    fn text_glued_after_a_list_is_refused() {
        // Helm sets `b` for the first, drops `.b=1` for the second.
        let e = fails(SetKind::Value, "a={x}b=1");
        assert_eq!(
            e.message,
            "list value of `a` is followed by `b=1` instead of `,`"
        );
        check_failures(SetKind::Value, &["a={x}.b=1", "a={x}y", "a={1,{2}}"]);
    }

    #[test]
    fn text_glued_after_a_json_value_is_refused() {
        // Helm starts a new assignment at `b`, `c` and `x`.
        let e = fails(SetKind::Json, "a=1 b=2");
        assert_eq!(
            e.message,
            "JSON value of `a` is followed by `b=2` instead of `,`"
        );
        check_failures(
            SetKind::Json,
            &["a=1b=2", r#"a={"b":1}c=2"#, "a=truex", "a=\"s\"x"],
        );
    }

    #[test]
    fn too_many_indexes_in_one_key_are_refused() {
        let allowed = format!("a{}=1", "[0]".repeat(64));
        assert!(run(SetKind::Value, &allowed).is_ok());
        let e = fails(SetKind::Value, &format!("a{}=1", "[0]".repeat(65)));
        assert!(
            e.message.ends_with("has more than 64 list indexes"),
            "{}",
            e.message
        );
    }

    #[test]
    fn json_numbers_keep_serde_json_form() {
        // Helm would give float64 1 and 1.2345678901234567e19.
        let got = ok(SetKind::Json, "a=1.0,b=12345678901234567890,c=-3");
        assert!(got.pointer("/a").is_some_and(Value::is_f64));
        assert_eq!(
            got.pointer("/b").and_then(Value::as_u64),
            Some(12_345_678_901_234_567_890)
        );
        assert_eq!(got.pointer("/c").and_then(Value::as_i64), Some(-3));
    }

    #[test]
    fn json_lone_surrogate_is_refused() {
        // Helm's decoder turns it into U+FFFD.
        check_failures(SetKind::Json, &[r#"a="\ud800""#]);
    }

    #[test]
    fn empty_value_at_end_under_a_new_list_element_is_refused() {
        // Helm gives `{"x": []}`, `{"x": [null]}`, `{"x": [[1]]}`, ...
        for kind in [SetKind::Value, SetKind::String, SetKind::File] {
            check_failures(
                kind,
                &[
                    "x[0].a=",
                    "x[0]=null,x[0][0].a=",
                    "x[0][0]=1,x[0][1].a=",
                    "m.x[0].a=",
                    "x[0].a.b=",
                ],
            );
        }
        let e = fails(SetKind::Value, "x[1]=1,x[3].a=");
        assert_eq!(
            e.message,
            "empty value of `x[3].a` at the end of the expression would be lost, as Helm loses it when `x[3]` does not exist yet"
        );
        assert_eq!(
            e.hint.as_deref(),
            Some("end it with a comma to set the empty string: `x[3].a=,`")
        );
    }

    #[test]
    fn empty_value_at_end_under_existing_list_elements_is_set() {
        check_table(
            SetKind::Value,
            &[
                ("x[0].a=,", json!({"x": [{"a": ""}]})),
                ("x[0].b=1,x[0].a=", json!({"x": [{"b": 1, "a": ""}]})),
                ("x[0]=1,x[0].a=", json!({"x": [{"a": ""}]})),
                ("x[1]=1,x[0].a=", json!({"x": [{"a": ""}, 1]})),
                ("x[0][0]=1,x[0][0].a=", json!({"x": [[{"a": ""}]]})),
                (
                    "x[0].b=1,x[0].a.c=",
                    json!({"x": [{"b": 1, "a": {"c": ""}}]}),
                ),
                ("x[0]=", json!({"x": [""]})),
                ("m.a=", json!({"m": {"a": ""}})),
            ],
        );
        assert_eq!(ok(SetKind::Json, "x[0].a="), json!({"x": [{"a": null}]}));
        assert_eq!(ok(SetKind::Literal, "x[0].a="), json!({"x": [{"a": ""}]}));
        // A conflict is still reported as one.
        let e = fails(SetKind::Value, "x=1,x[0].a=");
        assert_eq!(
            e.message,
            "cannot set `x[0].a`: `x` is a number, not a list"
        );
    }

    #[test]
    fn failed_expression_leaves_target_untouched() {
        let start = json!({"keep": {"x": 1}});
        let Value::Object(mut map) = start.clone() else {
            panic!("start is an object");
        };
        let mut reader = no_files;
        let result = apply(
            &mut map,
            SetKind::Value,
            "keep.y=2,new=1,keep.x.z=3",
            &mut reader,
        );
        assert!(result.is_err());
        assert_eq!(Value::Object(map), start);
    }

    // ---- messages ----

    #[test]
    fn key_without_equals_names_the_key() {
        let e = fails(SetKind::Value, "a.b");
        assert_eq!(e.message, "key `a.b` has no value");
        assert_eq!(e.hint.as_deref(), Some("write `a.b=VALUE`"));
        let e = fails(SetKind::Value, "a=1,b,c=2");
        assert_eq!(e.message, "key `b` has no value");
        let e = fails(SetKind::Value, "a=1,,b=2");
        assert_eq!(e.message, "expression has an empty assignment before `,`");
    }

    #[test]
    fn junk_after_an_index_is_named() {
        let e = fails(SetKind::Value, "illegal[0]name.foo=bar");
        assert_eq!(
            e.message,
            "key `illegal[0]name.` has `name` right after an index"
        );
    }

    #[test]
    fn conflict_paths_are_written_back_with_escapes() {
        let e = fails_on(json!({"a.b": "s"}), SetKind::Value, r"a\.b.c=1");
        assert_eq!(
            e.message,
            r"cannot set `a\.b.c`: `a\.b` is a string, not a map"
        );
    }

    #[test]
    fn display_shows_the_message() {
        let e = fails(SetKind::Value, "a");
        assert_eq!(e.to_string(), "key `a` has no value");
    }

    // ---- garbage ----

    #[test]
    fn empty_expression_changes_nothing() {
        for kind in [
            SetKind::Value,
            SetKind::String,
            SetKind::Json,
            SetKind::File,
            SetKind::Literal,
        ] {
            assert_eq!(
                ok_on(json!({"a": 1}), kind, ""),
                json!({"a": 1}),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn garbage_never_panics() {
        let deep = "a.".repeat(5000) + "b=1";
        let deep_index = "a".to_owned() + &"[0]".repeat(5000) + "=1";
        let deep_json = "a=".to_owned() + &"[".repeat(5000) + &"]".repeat(5000);
        let long_name = "x".repeat(100_000) + "=1";
        let garbage: Vec<&str> = vec![
            "",
            ",",
            ",,,",
            "[[[",
            "]]]",
            "====",
            "{",
            "}",
            "{}",
            "\\",
            "\\\\",
            "a[",
            "a[]",
            "a[]=1",
            "a]=1",
            "a[0]]=1",
            "a[[0]]=1",
            "a=[",
            "a={",
            "a={{{",
            "a=}}}",
            "ä[٣]=1",
            "🦀.🦀[0]=🦀",
            "a[-99999999999999999999]=1",
            "\u{0}=\u{0}",
            "a=\u{a0},b",
            &deep,
            &deep_index,
            &deep_json,
            &long_name,
        ];
        for kind in [
            SetKind::Value,
            SetKind::String,
            SetKind::Json,
            SetKind::File,
            SetKind::Literal,
        ] {
            for expr in &garbage {
                let _ = run(kind, expr);
            }
        }
        assert_eq!(
            ok(SetKind::Value, "🦀.🦀[0]=🦀"),
            json!({"🦀": {"🦀": ["🦀"]}})
        );
        assert!(
            fails(SetKind::Value, ",,,")
                .message
                .contains("empty assignment")
        );
        assert!(
            fails(SetKind::Json, &deep_json)
                .message
                .contains("not valid JSON")
        );
    }
}
