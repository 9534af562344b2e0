//! The filters and functions a Helm chart author reaches for (sprig's everyday part), written
//! for Tera. Every one refuses an undefined value: only `default`, `required` and
//! `is defined` may look at one.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use tera::{Context, Error, Kwargs, State, Tera, TeraResult, Value};

use crate::yaml;

/// Chart files the file functions may read; nothing outside the chart is ever in here.
pub(crate) type Files = Arc<BTreeMap<String, Vec<u8>>>;

/// Registers keelson's filters and functions on `tera`.
///
/// `tpl` renders strings with `engine`, the finished engine itself, held weakly so that the
/// engine does not own itself.
pub(crate) fn register(tera: &mut Tera, files: &Files, engine: Weak<std::sync::OnceLock<Tera>>) {
    tera.register_filter("to_yaml", to_yaml);
    tera.register_filter("to_json", to_json);
    tera.register_filter("from_yaml", from_yaml);
    tera.register_filter("from_json", from_json);
    tera.register_filter("indent", indent);
    tera.register_filter("nindent", nindent);
    tera.register_filter("b64encode", b64encode);
    tera.register_filter("b64decode", b64decode);
    tera.register_filter("sha256", sha256);
    tera.register_filter("quote", quote);
    tera.register_filter("squote", squote);
    tera.register_filter("required", required);
    tera.register_filter("trunc", trunc);
    tera.register_filter("trim_prefix", trim_prefix);
    tera.register_filter("trim_suffix", trim_suffix);
    tera.register_filter("str", to_str);
    tera.register_filter("safe", safe);
    tera.register_filter("as_config", as_config);
    tera.register_filter("as_secrets", as_secrets);
    tera.register_filter("tpl", move |v: &Value, kwargs: Kwargs, state: &State| {
        tpl(v, kwargs, state, &engine)
    });
    tera.register_function("fail", fail);
    tera.register_function("lookup", lookup);
    let for_file = Arc::clone(files);
    tera.register_function("file", move |kwargs: Kwargs, _: &State| {
        file(&for_file, &kwargs)
    });
    let for_glob = Arc::clone(files);
    tera.register_function("files", move |kwargs: Kwargs, _: &State| {
        glob(&for_glob, &kwargs)
    });
}

fn defined<'a>(value: &'a Value, filter: &str) -> TeraResult<&'a Value> {
    if value.is_undefined() {
        return Err(Error::message(format!(
            "`{filter}` got an undefined value; give it a default first: `x | default(value=...) | {filter}`"
        )));
    }
    Ok(value)
}

fn string<'a>(value: &'a Value, filter: &str) -> TeraResult<&'a str> {
    defined(value, filter)?
        .as_str()
        .ok_or_else(|| Error::message(format!("`{filter}` takes a string, got {}", value.name())))
}

/// The JSON form of a Tera value (maps keep their order).
pub(crate) fn json(value: &Value, filter: &str) -> TeraResult<serde_json::Value> {
    defined(value, filter)?;
    serde_json::to_value(value)
        .map_err(|e| Error::message(format!("`{filter}`: cannot convert value: {e}")))
}

/// Text a scalar stands for when written into a template (what `{{ x }}` prints).
fn scalar_text(value: &Value, filter: &str) -> TeraResult<String> {
    defined(value, filter)?;
    if let Some(s) = value.as_str() {
        return Ok(s.to_owned());
    }
    if value.is_none() {
        return Ok(String::new());
    }
    if value.is_map() || value.is_array() {
        return Err(Error::message(format!(
            "`{filter}` takes a string, number or boolean, got {}; use `to_json` or `to_yaml` for collections",
            value.name()
        )));
    }
    Ok(value.to_string())
}

fn to_yaml(value: &Value, _: Kwargs, _: &State) -> TeraResult<String> {
    match yaml::emit_tera(defined(value, "to_yaml")?) {
        Some(text) => Ok(text),
        None => Ok(yaml::emit_value(&json(value, "to_yaml")?)),
    }
}

fn to_json(value: &Value, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let value = json(value, "to_json")?;
    let pretty = kwargs.get::<bool>("pretty")?.unwrap_or(false);
    let text = if pretty {
        serde_json::to_string_pretty(&value)
    } else {
        serde_json::to_string(&value)
    };
    text.map_err(|e| Error::message(format!("`to_json`: {e}")))
}

fn from_yaml(value: &Value, _: Kwargs, _: &State) -> TeraResult<Value> {
    let text = string(value, "from_yaml")?;
    let mut documents = yaml::load(text, &yaml::Limits::default()).map_err(|e| {
        Error::message(format!(
            "`from_yaml`: line {}:{}: {}",
            e.mark.line, e.mark.column, e.message
        ))
    })?;
    let Some(document) = documents.pop() else {
        return Ok(Value::none());
    };
    if !documents.is_empty() {
        return Err(Error::message("`from_yaml` takes one YAML document"));
    }
    let json = crate::values::node_value(document).map_err(|(mark, message)| {
        Error::message(format!(
            "`from_yaml`: line {}:{}: {message}",
            mark.line, mark.column
        ))
    })?;
    Ok(Value::from_serializable(&json))
}

fn from_json(value: &Value, _: Kwargs, _: &State) -> TeraResult<Value> {
    let text = string(value, "from_json")?;
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Error::message(format!("`from_json`: {e}")))?;
    Ok(Value::from_serializable(&json))
}

/// Helm's `indent`: every non-empty line, the first included, gets `width` spaces.
fn indent(value: &Value, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let text = scalar_text(value, "indent")?;
    let width = kwargs.get::<usize>("width")?.unwrap_or(4);
    let first = kwargs.get::<bool>("first")?.unwrap_or(true);
    let blank = kwargs.get::<bool>("blank")?.unwrap_or(false);
    Ok(indent_text(&text, width, first, blank))
}

/// Helm's `nindent`: a newline, then `indent`.
fn nindent(value: &Value, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let text = scalar_text(value, "nindent")?;
    let width = kwargs.get::<usize>("width")?.unwrap_or(4);
    Ok(format!("\n{}", indent_text(&text, width, true, false)))
}

fn indent_text(text: &str, width: usize, first: bool, blank: bool) -> String {
    let pad = " ".repeat(width);
    let lines = yaml::count_newlines(text.as_bytes()) + 1;
    let mut out = String::with_capacity(text.len() + width * lines);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if (i > 0 || first) && (blank || !line.is_empty()) {
            out.push_str(&pad);
        }
        out.push_str(line);
    }
    out
}

fn b64encode(value: &Value, _: Kwargs, _: &State) -> TeraResult<String> {
    Ok(STANDARD.encode(scalar_text(value, "b64encode")?))
}

fn b64decode(value: &Value, _: Kwargs, _: &State) -> TeraResult<String> {
    let bytes = STANDARD
        .decode(string(value, "b64decode")?)
        .map_err(|e| Error::message(format!("`b64decode`: not base64: {e}")))?;
    String::from_utf8(bytes).map_err(|_| Error::message("`b64decode`: decoded bytes are not UTF-8"))
}

fn sha256(value: &Value, _: Kwargs, _: &State) -> TeraResult<String> {
    let digest = Sha256::digest(scalar_text(value, "sha256")?.as_bytes());
    Ok(hex(&digest))
}

/// Lowercase hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A YAML double-quoted string, escaped so that any reader gets exactly this text back.
fn quote(value: &Value, _: Kwargs, _: &State) -> TeraResult<String> {
    Ok(yaml::quoted(&scalar_text(value, "quote")?))
}

fn squote(value: &Value, _: Kwargs, _: &State) -> TeraResult<String> {
    let text = scalar_text(value, "squote")?;
    if text.chars().any(|c| c.is_control()) {
        return Err(Error::message(
            "`squote`: single quotes cannot keep line breaks or control characters; use `quote`",
        ));
    }
    Ok(format!("'{}'", text.replace('\'', "''")))
}

fn required(value: &Value, kwargs: Kwargs, _: &State) -> TeraResult<Value> {
    let missing =
        value.is_undefined() || value.is_none() || value.as_str().is_some_and(str::is_empty);
    if missing {
        let message = kwargs
            .get::<&str>("message")?
            .unwrap_or("a required value is missing");
        return Err(Error::message(message.to_owned()));
    }
    Ok(value.clone())
}

/// Helm's `trunc`: the first `length` characters, or the last `-length` when negative.
fn trunc(value: &Value, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let text = scalar_text(value, "trunc")?;
    let length = kwargs.must_get::<i64>("length")?;
    let count = text.chars().count();
    let keep = usize::try_from(length.unsigned_abs())
        .unwrap_or(usize::MAX)
        .min(count);
    Ok(if length >= 0 {
        text.chars().take(keep).collect()
    } else {
        text.chars().skip(count - keep).collect()
    })
}

fn trim_prefix(value: &Value, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let text = scalar_text(value, "trim_prefix")?;
    let prefix = kwargs.must_get::<&str>("prefix")?;
    Ok(text.strip_prefix(prefix).unwrap_or(&text).to_owned())
}

fn trim_suffix(value: &Value, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let text = scalar_text(value, "trim_suffix")?;
    let suffix = kwargs.must_get::<&str>("suffix")?;
    Ok(text.strip_suffix(suffix).unwrap_or(&text).to_owned())
}

fn to_str(value: &Value, _: Kwargs, _: &State) -> TeraResult<String> {
    defined(value, "str")?;
    Ok(value.to_string())
}

fn safe(value: &Value, _: Kwargs, _: &State) -> TeraResult<Value> {
    Ok(defined(value, "safe")?.clone())
}

/// A files map (from `files(glob=...)`) as ConfigMap `data`: file name to content.
fn as_config(value: &Value, _: Kwargs, _: &State) -> TeraResult<String> {
    let entries = file_entries(value, "as_config")?;
    let map: serde_json::Map<String, serde_json::Value> = entries
        .into_iter()
        .map(|(name, content)| (name, serde_json::Value::String(content)))
        .collect();
    Ok(yaml::emit_value(&serde_json::Value::Object(map)))
}

/// A files map as Secret `data`: file name to base64 content.
fn as_secrets(value: &Value, _: Kwargs, _: &State) -> TeraResult<String> {
    let entries = file_entries(value, "as_secrets")?;
    let map: serde_json::Map<String, serde_json::Value> = entries
        .into_iter()
        .map(|(name, content)| (name, serde_json::Value::String(STANDARD.encode(content))))
        .collect();
    Ok(yaml::emit_value(&serde_json::Value::Object(map)))
}

fn file_entries(value: &Value, filter: &str) -> TeraResult<Vec<(String, String)>> {
    let serde_json::Value::Object(map) = json(value, filter)? else {
        return Err(Error::message(format!(
            "`{filter}` takes the map that `files(glob=...)` returns"
        )));
    };
    map.into_iter()
        .map(|(path, content)| {
            let name = path.rsplit('/').next().unwrap_or(&path).to_owned();
            match content {
                serde_json::Value::String(s) => Ok((name, s)),
                _ => Err(Error::message(format!(
                    "`{filter}`: `{path}` is not file content"
                ))),
            }
        })
        .collect()
}

thread_local! {
    static TPL_DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// How deep `tpl` may nest (a value that renders itself would otherwise never end).
const MAX_TPL_DEPTH: usize = 16;

/// Renders a string as a template with the current `values`, `chart`, `release`,
/// `capabilities` and `template`.
fn tpl(
    value: &Value,
    _: Kwargs,
    state: &State,
    engine: &Weak<std::sync::OnceLock<Tera>>,
) -> TeraResult<String> {
    let source = string(value, "tpl")?;
    let engine = engine
        .upgrade()
        .ok_or_else(|| Error::message("`tpl` is not available here"))?;
    let tera = engine
        .get()
        .ok_or_else(|| Error::message("`tpl` is not available here"))?;
    let mut context = Context::new();
    for name in ["values", "chart", "release", "capabilities", "template"] {
        if let Some(v) = state.get::<Value>(name)? {
            context.insert_value(name, v);
        }
    }
    let depth = TPL_DEPTH.with(|d| d.get());
    if depth >= MAX_TPL_DEPTH {
        return Err(Error::message(format!(
            "`tpl` nested more than {MAX_TPL_DEPTH} levels deep; does a value render itself?"
        )));
    }
    TPL_DEPTH.with(|d| d.set(depth + 1));
    let result = tera.render_str(source, &context, false);
    TPL_DEPTH.with(|d| d.set(depth));
    result.map_err(|e| Error::message(format!("`tpl`: {}", super::describe_tera(&e))))
}

fn fail(kwargs: Kwargs, _: &State) -> TeraResult<Value> {
    let message = kwargs.must_get::<&str>("message")?;
    Err(Error::message(message.to_owned()))
}

fn lookup(_: Kwargs, _: &State) -> TeraResult<Value> {
    Err(Error::message(
        "`lookup` needs a cluster, and keelson renders without one; pass the value in with `--set` or a values file",
    ))
}

/// A chart-relative path, normalised; anything that could leave the chart is refused.
fn chart_path(path: &str) -> TeraResult<String> {
    let refuse = || {
        Error::message(format!(
            "`{path}` is outside the chart; file functions read chart-relative paths only"
        ))
    };
    if path.starts_with('/') || path.contains('\\') || path.contains('\0') {
        return Err(refuse());
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(refuse()),
            part => parts.push(part),
        }
    }
    Ok(parts.join("/"))
}

fn file(files: &Files, kwargs: &Kwargs) -> TeraResult<String> {
    let path = chart_path(kwargs.must_get::<&str>("path")?)?;
    let bytes = files
        .get(&path)
        .ok_or_else(|| Error::message(format!("`file`: the chart has no file `{path}`")))?;
    String::from_utf8(bytes.clone()).map_err(|_| {
        Error::message(format!(
            "`file`: `{path}` is not UTF-8 text; read binary files with `files(glob=...) | as_secrets`"
        ))
    })
}

/// The chart's files matching a glob (`*` within a path segment, `**` across), by path.
fn glob(files: &Files, kwargs: &Kwargs) -> TeraResult<Value> {
    let pattern = kwargs.must_get::<&str>("glob")?;
    chart_path(pattern)?;
    let mut out = tera::Map::new();
    for (path, bytes) in files.iter() {
        if glob_match(pattern.as_bytes(), path.as_bytes()) {
            let text = String::from_utf8_lossy(bytes).into_owned();
            out.insert(path.clone().into(), Value::from(text));
        }
    }
    Ok(Value::from(out))
}

/// `*` and `?` stay within a segment, `**` crosses segments.
fn glob_match(pattern: &[u8], path: &[u8]) -> bool {
    match (pattern.first(), path.first()) {
        (None, None) => true,
        (Some(b'*'), _) if pattern.get(1) == Some(&b'*') => {
            let rest = pattern.get(2..).unwrap_or_default();
            let rest = rest.strip_prefix(b"/").unwrap_or(rest);
            (0..=path.len()).any(|i| glob_match(rest, path.get(i..).unwrap_or_default()))
        }
        (Some(b'*'), _) => {
            let rest = pattern.get(1..).unwrap_or_default();
            glob_match(rest, path)
                || (path.first().is_some_and(|&c| c != b'/')
                    && glob_match(pattern, path.get(1..).unwrap_or_default()))
        }
        (Some(b'?'), Some(&c)) if c != b'/' => glob_match(
            pattern.get(1..).unwrap_or_default(),
            path.get(1..).unwrap_or_default(),
        ),
        (Some(p), Some(c)) if p == c => glob_match(
            pattern.get(1..).unwrap_or_default(),
            path.get(1..).unwrap_or_default(),
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indent_matches_helm() {
        assert_eq!(indent_text("a\n\nb", 2, true, false), "  a\n\n  b");
        assert_eq!(indent_text("a\nb", 2, false, false), "a\n  b");
    }

    #[test]
    fn chart_paths_cannot_escape() {
        assert_eq!(
            chart_path("./files/a.conf").ok(),
            Some("files/a.conf".to_owned())
        );
        for bad in ["../x", "a/../../x", "/etc/passwd", "a\\..\\b"] {
            assert!(chart_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn globs() {
        assert!(glob_match(b"files/*.conf", b"files/a.conf"));
        assert!(!glob_match(b"files/*.conf", b"files/sub/a.conf"));
        assert!(glob_match(b"files/**/*.conf", b"files/sub/a.conf"));
        assert!(glob_match(b"files/**", b"files/sub/a.conf"));
        assert!(glob_match(b"f?les/a", b"files/a"));
    }
}
