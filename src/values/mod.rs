//! Values: chart defaults, then `-f` files in order, then the `--set` family, merged the way
//! Helm v4 merges them. Every layer remembers where it came from.

mod direct;
mod pattern;
pub mod schema;
pub mod set;

use std::fmt;
use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::chart::Chart;
use crate::yaml::{self, Node, NodeValue, Style};

pub use set::{SetError, SetKind};

/// Where one layer of values came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The chart's `values.yaml`, by display path.
    Chart(String),
    /// A `-f/--values` file.
    File(PathBuf),
    /// `-f -`.
    Stdin,
    /// A `--set`-family flag: its kind, its position among flags of that kind (1-based)
    /// and its text.
    Flag {
        /// Which flag.
        kind: SetKind,
        /// 1-based position among flags of the same kind.
        index: usize,
        /// The expression as given.
        expr: String,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Chart(path) => f.write_str(path),
            Source::File(path) => write!(f, "{}", path.display()),
            Source::Stdin => f.write_str("<stdin>"),
            Source::Flag { kind, index, .. } => write!(f, "{} #{index}", flag_name(*kind)),
        }
    }
}

/// The command-line flag for a kind of `--set`.
pub fn flag_name(kind: SetKind) -> &'static str {
    match kind {
        SetKind::Json => "--set-json",
        SetKind::Value => "--set",
        SetKind::String => "--set-string",
        SetKind::File => "--set-file",
        SetKind::Literal => "--set-literal",
    }
}

/// One layer of user values, in the order the user gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layer {
    /// A values file to read.
    File(PathBuf),
    /// Values text already read (stdin).
    Text {
        /// Where it came from.
        source: Source,
        /// The YAML text.
        text: String,
    },
    /// A `--set`-family expression.
    Set {
        /// Which flag.
        kind: SetKind,
        /// 1-based position among flags of this kind.
        index: usize,
        /// The expression.
        expr: String,
    },
}

/// The `--set` family as given on the command line, each kind in its own order.
#[derive(Debug, Clone, Default)]
pub struct SetFlags {
    /// `--set-json`
    pub json: Vec<String>,
    /// `--set`
    pub value: Vec<String>,
    /// `--set-string`
    pub string: Vec<String>,
    /// `--set-file`
    pub file: Vec<String>,
    /// `--set-literal`
    pub literal: Vec<String>,
}

impl SetFlags {
    /// The flags as layers in Helm's precedence: all `--set-json`, then `--set`,
    /// `--set-string`, `--set-file`, `--set-literal`, each kind in command-line order.
    pub fn layers(&self) -> Vec<Layer> {
        [
            (SetKind::Json, &self.json),
            (SetKind::Value, &self.value),
            (SetKind::String, &self.string),
            (SetKind::File, &self.file),
            (SetKind::Literal, &self.literal),
        ]
        .into_iter()
        .flat_map(|(kind, exprs)| {
            exprs.iter().enumerate().map(move |(i, expr)| Layer::Set {
                kind,
                index: i + 1,
                expr: expr.clone(),
            })
        })
        .collect()
    }
}

/// A note about values that is worth reading but does not stop the render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// `file:line:column` or a flag.
    pub location: String,
    /// What is odd.
    pub message: String,
    /// What to write instead.
    pub hint: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}\n  hint: {}",
            self.location, self.message, self.hint
        )
    }
}

/// A values layer's YAML text, kept for diagnostics that need positions (schema violations,
/// lint). The values themselves were read from it once; the tree is rebuilt only when asked.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where it came from.
    pub source: Source,
    text: String,
    roots: OnceLock<Vec<Node>>,
}

impl Document {
    /// A document for `text`, read from `source`.
    pub fn new(source: Source, text: String) -> Document {
        Document {
            source,
            text,
            roots: OnceLock::new(),
        }
    }

    /// The mapping documents of the text, in order, with positions (none for an empty
    /// file). Parsed on first use, then kept.
    pub fn roots(&self) -> &[Node] {
        self.roots.get_or_init(|| {
            yaml::load(&self.text, &yaml::Limits::default())
                .unwrap_or_default()
                .into_iter()
                .filter(|node| matches!(node.value, NodeValue::Mapping(_)))
                .collect()
        })
    }

    /// Whether the text sets the value at `path`.
    fn sets(&self, path: &[&str]) -> bool {
        self.roots()
            .iter()
            .any(|root| node_lookup(root, path).is_some())
    }
}

/// What one layer set, for [`Values::origin`].
#[derive(Debug, Clone)]
pub enum Setting {
    /// The layer was read from `Values::documents[i]`, whose text answers.
    Document(usize),
    /// What a `--set` flag changed.
    Delta(Map<String, Value>),
}

/// The merged values a template sees, and where they came from.
#[derive(Debug, Clone)]
pub struct Values {
    /// The final values.
    pub map: Map<String, Value>,
    /// Warnings found while reading the layers.
    pub warnings: Vec<Warning>,
    /// Every YAML layer (chart defaults first), for lookups of where a value was set.
    pub documents: Vec<Document>,
    /// Every layer in precedence order, lowest first, with what it set.
    pub layers: Vec<(Source, Setting)>,
}

impl Values {
    /// Bytes of YAML the layers were read from: a measure of how much work templates that
    /// walk the values may do.
    pub fn source_bytes(&self) -> usize {
        self.documents.iter().map(|d| d.text.len()).sum()
    }

    /// The most precedent layer that sets the value at `path` (keys from the root).
    pub fn origin(&self, path: &[&str]) -> Option<&Source> {
        self.layers
            .iter()
            .rev()
            .find(|(_, setting)| match setting {
                Setting::Document(i) => self.documents.get(*i).is_some_and(|d| d.sets(path)),
                Setting::Delta(map) => lookup(map, path).is_some(),
            })
            .map(|(source, _)| source)
    }
}

fn node_lookup<'a>(node: &'a Node, path: &[&str]) -> Option<&'a Node> {
    path.iter().try_fold(node, |node, key| node.get(key))
}

fn lookup<'a>(map: &'a Map<String, Value>, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let value = map.get(*first)?;
    if rest.is_empty() {
        return Some(value);
    }
    match value {
        Value::Object(inner) => lookup(inner, rest),
        _ => None,
    }
}

/// Why values could not be layered.
#[derive(Debug)]
pub enum ValuesError {
    /// A values file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A values text is not valid YAML, or holds something values cannot.
    Parse {
        /// Where the text came from.
        source: Source,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A values document's top level is not a mapping.
    NotAMap {
        /// Where it came from.
        source: Source,
        /// What the top level is.
        found: &'static str,
    },
    /// A `--set`-family expression is malformed.
    Set {
        /// The flag it came from.
        source: Source,
        /// What is wrong.
        error: SetError,
    },
    /// The merged values break the chart's `values.schema.json`.
    Schema {
        /// Every violation, `path: message (set by SOURCE)`.
        violations: Vec<String>,
        /// The schema file.
        schema: String,
    },
}

impl fmt::Display for ValuesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValuesError::Read { path, .. } => {
                write!(f, "{}: cannot read values file", path.display())
            }
            ValuesError::Parse {
                source,
                line,
                column,
                message,
            } => write!(f, "{source}:{line}:{column}: {message}"),
            ValuesError::NotAMap { source, found } => write!(
                f,
                "{source}: values must be a mapping at the top level, found {found}\n  hint: write `key: value` lines; an empty file is an empty mapping"
            ),
            ValuesError::Set { source, error } => {
                let expr = match source {
                    Source::Flag { expr, .. } => expr.as_str(),
                    _ => "",
                };
                write!(f, "{source} `{expr}`: {}", error.message)?;
                if let Some(hint) = &error.hint {
                    write!(f, "\n  hint: {hint}")?;
                }
                Ok(())
            }
            ValuesError::Schema { violations, schema } => {
                write!(f, "values do not match {schema}:")?;
                for violation in violations {
                    write!(f, "\n  - {violation}")?;
                }
                write!(
                    f,
                    "\n  hint: change each value in the layer named after it, or run `keelson lint` for every finding"
                )
            }
        }
    }
}

impl std::error::Error for ValuesError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ValuesError::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Parses one values text: YAML 1.2, several documents merged in order, top level a mapping.
///
/// Plain scalars that YAML 1.1 (Helm) would read differently, such as `yes` or `0644`, are
/// kept as YAML 1.2 reads them and draw a [`Warning`]; so do plain keys, kept as written.
///
/// # Errors
/// [`ValuesError::Parse`] and [`ValuesError::NotAMap`].
pub fn parse(
    text: &str,
    source: &Source,
    warnings: &mut Vec<Warning>,
) -> Result<Map<String, Value>, ValuesError> {
    let parse_error = |mark: yaml::Mark, message: String| ValuesError::Parse {
        source: source.clone(),
        line: mark.line,
        column: mark.column,
        message,
    };
    let mut merged = Map::new();
    let mut merge = |value: Value| match value {
        Value::Object(map) => {
            merged = merge_maps(std::mem::take(&mut merged), map);
            Ok(())
        }
        Value::Null => Ok(()),
        other => Err(ValuesError::NotAMap {
            source: source.clone(),
            found: kind_name(&other),
        }),
    };
    if let Some(documents) = direct::read(text, source, warnings) {
        documents.into_iter().try_for_each(merge)?;
    } else {
        let documents = yaml::load(text, &yaml::Limits::default())
            .map_err(|e| parse_error(e.mark, e.message))?;
        for document in documents {
            merge(to_json(document, source, warnings).map_err(|(mark, m)| parse_error(mark, m))?)?;
        }
    }
    Ok(merged)
}

/// The name of a JSON value's type, for messages.
pub fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// A YAML node read exactly as values files are read (core schema, `<<` merge keys), for
/// data that is not a values layer (`from_yaml` in templates): no warnings are kept.
///
/// # Errors
/// The position and message of a scalar values cannot hold or a bad merge key.
pub(crate) fn node_value(node: Node) -> Result<Value, (yaml::Mark, String)> {
    to_json(node, &Source::Stdin, &mut Vec::new())
}

/// Converts a YAML node with the core schema, handling `<<` merge keys as Helm's YAML
/// reader does, and warning where YAML 1.1 would read a plain scalar differently.
fn to_json(
    node: Node,
    source: &Source,
    warnings: &mut Vec<Warning>,
) -> Result<Value, (yaml::Mark, String)> {
    let mark = node.mark;
    match node.value {
        NodeValue::Scalar(scalar) => scalar_value(scalar, mark, source, warnings),
        NodeValue::Sequence(items) => {
            // Sized up front: values stay alive for the whole render.
            let mut array = Vec::with_capacity(items.len());
            for item in items {
                array.push(to_json(item, source, warnings)?);
            }
            Ok(Value::Array(array))
        }
        NodeValue::Mapping(entries) => {
            let mut map = Map::with_capacity(entries.len());
            let mut merged: Vec<Map<String, Value>> = Vec::new();
            for (key, value) in entries {
                let key_mark = key.mark;
                let NodeValue::Scalar(key) = key.value else {
                    // The loader refuses non-scalar keys.
                    return Err((key_mark, "mapping keys must be scalars".into()));
                };
                let is_merge = key.style == Style::Plain && key.text == "<<";
                if !is_merge {
                    warnings.extend(key_warning(&key, key_mark, source));
                }
                let value = to_json(value, source, warnings)?;
                if is_merge {
                    match value {
                        Value::Object(m) => merged.push(m),
                        Value::Array(items) => {
                            for item in items {
                                let Value::Object(m) = item else {
                                    return Err((key_mark, "`<<` merges mappings only".into()));
                                };
                                merged.push(m);
                            }
                        }
                        _ => return Err((key_mark, "`<<` merges mappings only".into())),
                    }
                    continue;
                }
                map.insert(key.text, value);
            }
            for m in merged {
                for (k, v) in m {
                    map.entry(k).or_insert(v);
                }
            }
            Ok(Value::Object(map))
        }
    }
}

/// A scalar read with the core schema, with a warning where YAML 1.1 would read it
/// differently.
fn scalar_value(
    scalar: yaml::Scalar,
    mark: yaml::Mark,
    source: &Source,
    warnings: &mut Vec<Warning>,
) -> Result<Value, (yaml::Mark, String)> {
    if scalar.style == Style::Plain && scalar.tag.is_none() {
        // The commonest plain scalars, which both schemas read alike.
        if yaml::is_string_to_both(&scalar.text) {
            return Ok(Value::String(scalar.text));
        }
        if let Some(value) = yaml::read_alike(&scalar.text) {
            return Ok(value);
        }
    }
    let value = yaml::core_value(&scalar).map_err(|m| (mark, m))?;
    // A string both schemas read as a string needs no second reading.
    let same = value.is_none() && yaml::kubectl_reads_string(&scalar.text);
    if scalar.style == Style::Plain && scalar.tag.is_none() && !same {
        let core = value
            .clone()
            .unwrap_or_else(|| Value::String(scalar.text.clone()));
        let helm = yaml::resolve_kubectl(&scalar);
        if !same_reading(&core, &helm) {
            warnings.push(Warning {
                location: format!("{source}:{}:{}", mark.line, mark.column),
                message: format!(
                    "`{}` is {} here (YAML 1.2) but Helm's YAML 1.1 reads it as {}",
                    scalar.text,
                    describe(&core),
                    describe(&helm)
                ),
                hint: suggestion(&scalar.text, &helm),
            });
        }
    }
    Ok(value.unwrap_or(Value::String(scalar.text)))
}

/// A warning for a plain mapping key that Helm's YAML 1.1 reader turns into another key
/// (`on` and `yes` become `true`, `0644` becomes `420`, `1e3` becomes `1000`) or cannot
/// use (`~`). keelson keeps keys exactly as written.
fn key_warning(scalar: &yaml::Scalar, mark: yaml::Mark, source: &Source) -> Option<Warning> {
    if scalar.style != Style::Plain || scalar.tag.is_some() {
        return None;
    }
    let text = scalar.text.as_str();
    if yaml::kubectl_reads_string(text) {
        return None;
    }
    let location = format!("{source}:{}:{}", mark.line, mark.column);
    let helm_key = match yaml::resolve_kubectl(scalar) {
        Value::String(_) => return None,
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            (_, _, Some(f)) => f.to_string(),
            _ => return None,
        },
        Value::Null => {
            return Some(Warning {
                location,
                message: format!(
                    "key `{text}` is the string \"{text}\" here (YAML 1.2) but is null to Helm's YAML 1.1, which refuses it"
                ),
                hint: format!("quote the key: `\"{text}\"`"),
            });
        }
        Value::Array(_) | Value::Object(_) => return None,
    };
    (helm_key != text).then(|| Warning {
        location,
        message: format!(
            "key `{text}` is the string \"{text}\" here (YAML 1.2) but Helm's YAML 1.1 reads it as the key `{helm_key}`"
        ),
        hint: format!("quote the key (`\"{text}\"`) to keep it, or write `{helm_key}`"),
    })
}

fn same_reading(core: &Value, helm: &Value) -> bool {
    match (core, helm) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => core == helm,
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => format!("the string \"{s}\""),
        other => format!("{} `{other}`", kind_name(other)),
    }
}

fn suggestion(text: &str, helm: &Value) -> String {
    match helm {
        Value::Bool(b) => format!("write `{b}` for a boolean, or `\"{text}\"` for the string"),
        Value::Number(n) if text.starts_with('0') && text.len() > 1 => {
            format!(
                "write `0o{}` (= {n}) for an octal number, or `\"{text}\"` for the string",
                &text[1..]
            )
        }
        Value::Number(n) => format!("write `{n}` for the number, or `\"{text}\"` for the string"),
        _ => format!("quote it: `\"{text}\"`"),
    }
}

/// What `after` sets that `before` did not hold: changed leaves, with their parents.
fn delta(before: &Map<String, Value>, after: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in after {
        match (before.get(key), value) {
            (Some(old), new) if old == new => {}
            (Some(Value::Object(old)), Value::Object(new)) => {
                out.insert(key.clone(), Value::Object(delta(old, new)));
            }
            (_, new) => {
                out.insert(key.clone(), new.clone());
            }
        }
    }
    out
}

/// Helm's `MergeMaps`: `b` over `a`; nested maps merge, anything else in `b` replaces.
pub fn merge_maps(mut a: Map<String, Value>, b: Map<String, Value>) -> Map<String, Value> {
    for (key, value) in b {
        match (a.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(incoming)) => {
                let base = std::mem::take(existing);
                *existing = merge_maps(base, incoming);
            }
            (_, value) => {
                a.insert(key, value);
            }
        }
    }
    a
}

/// Helm v4's `CoalesceValues` for a chart without subcharts: chart `defaults` fill in what
/// `user` values leave out, and nested maps coalesce key by key.
///
/// Nulls follow Helm v4.2 exactly:
/// - a user `null` deletes the key when the chart has it, at any depth; at the top level it
///   is deleted even when the chart's value is null too, deeper it stays `null` then;
/// - a user `null` for a key the chart does not have stays `null`;
/// - chart defaults that are `null`, at any depth inside maps, are dropped (not in lists).
///
/// Where one side is a map and the other is not, the user's value wins (Helm warns).
pub fn coalesce(user: &mut Map<String, Value>, defaults: Map<String, Value>) {
    // Takes the defaults by value: what the user leaves out moves over instead of being
    // copied (for large charts the defaults are most of the values).
    for (key, default) in defaults {
        match user.get_mut(&key) {
            Some(Value::Null) => {
                user.shift_remove(&key);
            }
            Some(Value::Object(dest)) => {
                if let Value::Object(src) = default {
                    coalesce_tables(dest, without_nulls(src));
                }
            }
            Some(_) => {}
            None => match default {
                Value::Null => {}
                Value::Object(src) => {
                    user.insert(key, Value::Object(without_nulls(src)));
                }
                other => {
                    user.insert(key, other);
                }
            },
        }
    }
}

/// Helm's `coalesceTablesFullKey` below the top level; `src` holds no nulls.
fn coalesce_tables(dest: &mut Map<String, Value>, src: Map<String, Value>) {
    for (key, default) in src {
        match dest.get_mut(&key) {
            Some(Value::Null) => {
                dest.shift_remove(&key);
            }
            Some(Value::Object(inner)) => {
                if let Value::Object(src) = default {
                    coalesce_tables(inner, src);
                }
            }
            Some(_) => {}
            None => {
                dest.insert(key, default);
            }
        }
    }
}

/// Helm's `cleanNilValues`: the map without its null members, at any depth of maps.
fn without_nulls(map: Map<String, Value>) -> Map<String, Value> {
    map.into_iter()
        .filter(|(_, value)| !value.is_null())
        .map(|(key, value)| match value {
            Value::Object(inner) => (key, Value::Object(without_nulls(inner))),
            other => (key, other),
        })
        .collect()
}

/// Largest values input keelson reads (a file, stdin or a `--set-file`): far above any real
/// values file, and a bound on what `-f /dev/zero` or a runaway pipe can cost.
pub const MAX_INPUT_BYTES: u64 = 64 << 20;

/// Reads at most [`MAX_INPUT_BYTES`] from `reader`; more is an error, not a truncation.
///
/// # Errors
/// I/O errors, and [`std::io::ErrorKind::FileTooLarge`] past the limit.
pub fn read_limited(reader: impl std::io::Read) -> std::io::Result<Vec<u8>> {
    crate::bounded::read(reader, 0, MAX_INPUT_BYTES)
}

/// [`read_limited`] of a file, in as few reads as its reported size allows.
///
/// # Errors
/// As [`read_limited`], or when the file cannot be opened.
pub(crate) fn read_file_limited(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let size = file.metadata().map_or(0, |meta| meta.len());
    crate::bounded::read(file, size, MAX_INPUT_BYTES)
}

/// Merges `layers` over the chart defaults; later layers win.
///
/// Maps merge key by key, scalars and lists are replaced, and a user `null` removes the key.
/// `read_file` serves `--set-file` paths.
///
/// # Errors
/// [`ValuesError`] naming the file (with line and column) or flag that is at fault.
pub fn layer(
    chart: &Chart,
    layers: &[Layer],
    read_file: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<Values, ValuesError> {
    let mut warnings = Vec::new();
    let mut documents = Vec::new();
    let mut provenance = Vec::new();
    let chart_source = Source::Chart(chart.display_path("values.yaml"));
    let defaults = match chart.file("values.yaml") {
        Some(bytes) => {
            let text = std::str::from_utf8(bytes).map_err(|_| ValuesError::Parse {
                source: chart_source.clone(),
                line: 1,
                column: 1,
                message: "not valid UTF-8".into(),
            })?;
            let map = parse(text, &chart_source, &mut warnings)?;
            provenance.push((chart_source.clone(), Setting::Document(documents.len())));
            documents.push(Document::new(chart_source, text.to_owned()));
            map
        }
        None => Map::new(),
    };

    let mut user = Map::new();
    for layer in layers {
        match layer {
            Layer::File(path) => {
                let source = Source::File(path.clone());
                let text = read_file_limited(path).map_err(|e| ValuesError::Read {
                    path: path.clone(),
                    source: e,
                })?;
                let text = String::from_utf8(text).map_err(|_| ValuesError::Parse {
                    source: source.clone(),
                    line: 1,
                    column: 1,
                    message: "not valid UTF-8\n  hint: save values files as UTF-8".into(),
                })?;
                let map = parse(&text, &source, &mut warnings)?;
                provenance.push((source.clone(), Setting::Document(documents.len())));
                documents.push(Document::new(source, text));
                user = merge_maps(user, map);
            }
            Layer::Text { source, text } => {
                let map = parse(text, source, &mut warnings)?;
                provenance.push((source.clone(), Setting::Document(documents.len())));
                documents.push(Document::new(source.clone(), text.clone()));
                user = merge_maps(user, map);
            }
            Layer::Set { kind, index, expr } => {
                let source = Source::Flag {
                    kind: *kind,
                    index: *index,
                    expr: expr.clone(),
                };
                // Applied once, to the values so far (Helm parses into the merged map; some
                // expressions only make sense against it), and `--set-file` reads each file once.
                let before = user.clone();
                set::apply(&mut user, *kind, expr, read_file).map_err(|error| {
                    ValuesError::Set {
                        source: source.clone(),
                        error,
                    }
                })?;
                provenance.push((source, Setting::Delta(delta(&before, &user))));
            }
        }
    }
    coalesce(&mut user, defaults);
    Ok(Values {
        map: user,
        warnings,
        documents,
        layers: provenance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn merge_maps_merges_nested_maps_and_replaces_the_rest() {
        let a = map(json!({"a": {"x": 1, "y": [1, 2]}, "b": 1}));
        let b = map(json!({"a": {"y": [3], "z": null}, "b": {"c": 1}}));
        assert_eq!(
            Value::Object(merge_maps(a, b)),
            json!({"a": {"x": 1, "y": [3], "z": null}, "b": {"c": 1}})
        );
    }

    #[test]
    fn coalesce_deletes_on_user_null_and_keeps_user_scalars() {
        let mut user = map(json!({"a": null, "b": {"c": null, "d": 2}, "e": "s"}));
        let defaults = map(json!({"a": 1, "b": {"c": 3, "f": 4}, "e": {"deep": 1}, "g": 5}));
        coalesce(&mut user, defaults);
        assert_eq!(
            Value::Object(user),
            json!({"b": {"d": 2, "f": 4}, "e": "s", "g": 5})
        );
    }

    #[test]
    fn coalesce_drops_chart_nulls_like_helm_4_2() {
        // Helm v4.2.3 `helm template` gives {"b": {"d": 1}, "l": [null]} here.
        let mut user = Map::new();
        let defaults = map(json!({"a": null, "b": {"c": null, "d": 1}, "l": [null]}));
        coalesce(&mut user, defaults);
        assert_eq!(Value::Object(user), json!({"b": {"d": 1}, "l": [null]}));
    }

    #[test]
    fn coalesce_keeps_nested_user_null_only_where_the_chart_has_no_value() {
        // Helm v4.2.3: {"a": {"c": null, "new": null}, "top": null}; `a.b` and `x` are deleted.
        let mut user = map(json!({
            "a": {"b": null, "c": null, "new": null},
            "top": null,
            "x": null
        }));
        let defaults = map(json!({"a": {"b": 1, "c": null}, "x": null}));
        coalesce(&mut user, defaults);
        assert_eq!(
            Value::Object(user),
            json!({"a": {"c": null, "new": null}, "top": null})
        );
    }

    #[test]
    fn coalesce_chart_nulls_under_a_user_map_are_dropped() {
        let mut user = map(json!({"a": {"z": 1}}));
        let defaults = map(json!({"a": {"x": null, "w": {"v": null, "u": 2}}}));
        coalesce(&mut user, defaults);
        assert_eq!(Value::Object(user), json!({"a": {"z": 1, "w": {"u": 2}}}));
    }

    #[test]
    fn parse_warns_about_yaml_1_1_readings_with_position() {
        let mut warnings = Vec::new();
        let values = parse(
            "enabled: yes\nmode: 0644\nok: \"no\"\n",
            &Source::Stdin,
            &mut warnings,
        )
        .expect("valid");
        assert_eq!(
            Value::Object(values),
            json!({"enabled": "yes", "mode": 644, "ok": "no"})
        );
        assert_eq!(warnings.len(), 2);
        assert_eq!(warnings[0].location, "<stdin>:1:10");
        assert!(warnings[0].hint.contains("`true`"), "{}", warnings[0].hint);
        assert_eq!(warnings[1].location, "<stdin>:2:7");
        assert!(warnings[1].hint.contains("0o644"), "{}", warnings[1].hint);
    }

    #[test]
    fn parse_warns_about_keys_yaml_1_1_reads_differently() {
        let mut warnings = Vec::new();
        let text = "on: 1\n0644: 2\n1e3: 3\n~: 4\ntrue: 5\n1: 6\n'yes': 7\nplain: 8\n";
        let values = parse(text, &Source::Stdin, &mut warnings).expect("valid");
        assert_eq!(
            values.keys().map(String::as_str).collect::<Vec<_>>(),
            ["on", "0644", "1e3", "~", "true", "1", "yes", "plain"]
        );
        let got: Vec<(&str, &str)> = warnings
            .iter()
            .map(|w| (w.location.as_str(), w.hint.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "<stdin>:1:1",
                    "quote the key (`\"on\"`) to keep it, or write `true`"
                ),
                (
                    "<stdin>:2:1",
                    "quote the key (`\"0644\"`) to keep it, or write `420`"
                ),
                (
                    "<stdin>:3:1",
                    "quote the key (`\"1e3\"`) to keep it, or write `1000`"
                ),
                ("<stdin>:4:1", "quote the key: `\"~\"`"),
            ]
        );
    }

    #[test]
    fn parse_merges_documents_and_accepts_empty_files() {
        let mut warnings = Vec::new();
        let values = parse("a: 1\n---\nb: 2\n", &Source::Stdin, &mut warnings).expect("valid");
        assert_eq!(Value::Object(values), json!({"a": 1, "b": 2}));
        let empty = parse("# only a comment\n", &Source::Stdin, &mut warnings).expect("valid");
        assert!(empty.is_empty());
        let document = Document::new(Source::Stdin, "# only a comment\n".into());
        assert!(document.roots().is_empty());
    }

    #[test]
    fn parse_refuses_non_map_top_level() {
        let err = parse("- a\n", &Source::Stdin, &mut Vec::new()).expect_err("list");
        assert!(matches!(
            err,
            ValuesError::NotAMap {
                found: "a list",
                ..
            }
        ));
    }

    #[test]
    fn origin_names_the_last_layer_that_set_a_path() {
        let chart = crate::chart::Chart::from_files(
            "chart".into(),
            [
                (
                    "Chart.yaml".to_owned(),
                    b"apiVersion: v2\nname: c\nversion: 1.0.0\n".to_vec(),
                ),
                ("values.yaml".to_owned(), b"a: {b: 1, c: 2}\n".to_vec()),
            ]
            .into_iter()
            .collect(),
        )
        .expect("chart");
        let layers = vec![
            Layer::Text {
                source: Source::Stdin,
                text: "a: {c: 3}\n".into(),
            },
            Layer::Set {
                kind: SetKind::Value,
                index: 1,
                expr: "a.d=4".into(),
            },
        ];
        let mut reads = 0;
        let values = layer(&chart, &layers, &mut |_| {
            reads += 1;
            Ok(String::new())
        })
        .expect("values");
        assert_eq!(values.map.get("a"), Some(&json!({"c": 3, "d": 4, "b": 1})));
        assert_eq!(
            values
                .origin(&["a", "b"])
                .map(ToString::to_string)
                .as_deref(),
            Some("chart/values.yaml")
        );
        assert_eq!(values.origin(&["a", "c"]), Some(&Source::Stdin));
        assert_eq!(
            values
                .origin(&["a", "d"])
                .map(ToString::to_string)
                .as_deref(),
            Some("--set #1")
        );
        assert_eq!(reads, 0);
    }

    #[test]
    fn merge_keys_fill_in_without_overriding() {
        let values = parse(
            "base: &b {x: 1, y: 2}\nthing:\n  <<: *b\n  y: 3\n",
            &Source::Stdin,
            &mut Vec::new(),
        )
        .expect("valid");
        assert_eq!(values.get("thing"), Some(&json!({"y": 3, "x": 1})));
    }
}
