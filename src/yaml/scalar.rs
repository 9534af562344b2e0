//! Scalar resolution under the two schemas keelson meets, and the quoting rule that keeps
//! a string a string under both.

use serde_json::{Number, Value};

use super::{CoreTag, Scalar, Style};

/// Reads a scalar with the YAML 1.2 core schema, as keelson reads values files.
///
/// # Errors
/// A message when an explicit tag does not fit the text, or for `.inf`/`.nan`, which values
/// (being JSON-shaped) cannot hold.
pub fn resolve_core(scalar: &Scalar) -> Result<Value, String> {
    Ok(core_value(scalar)?.unwrap_or_else(|| Value::String(scalar.text.clone())))
}

/// [`resolve_core`] without the copy of a string's text: `None` means the scalar is the
/// string it spells, for callers that own the text and can move it.
///
/// # Errors
/// As [`resolve_core`].
pub fn core_value(scalar: &Scalar) -> Result<Option<Value>, String> {
    let text = scalar.text.as_str();
    match scalar.tag {
        Some(CoreTag::Str) => return Ok(None),
        Some(CoreTag::Null) => return Ok(Some(Value::Null)),
        Some(CoreTag::Bool) => {
            return core_bool(text)
                .map(|b| Some(Value::Bool(b)))
                .ok_or_else(|| format!("`{text}` is not a !!bool (true or false)"));
        }
        Some(CoreTag::Int) => {
            return core_int(text)
                .map(Some)
                .ok_or_else(|| format!("`{text}` is not an !!int"));
        }
        Some(CoreTag::Float) => {
            return match core_int(text).or_else(|| core_float(text)) {
                Some(Value::Number(n)) => Ok(Some(Value::Number(n))),
                _ => Err(format!("`{text}` is not a !!float")),
            };
        }
        Some(CoreTag::Collection) | None => {}
    }
    if scalar.style == Style::Quoted {
        return Ok(None);
    }
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return Ok(Some(Value::Null));
    }
    if let Some(b) = core_bool(text) {
        return Ok(Some(Value::Bool(b)));
    }
    if is_special_float(text) {
        return Err(format!(
            "`{text}` is an infinite or NaN number, which values cannot hold; quote it to use the string"
        ));
    }
    // Every other core-schema number has a digit; most strings have none.
    if !has_digit(text) {
        return Ok(None);
    }
    Ok(core_int(text).or_else(|| core_float(text)))
}

fn core_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn core_int(text: &str) -> Option<Value> {
    let (negative, digits) = split_sign(text);
    let (radix, digits) = if let Some(d) = digits.strip_prefix("0o") {
        if text.starts_with(['-', '+']) {
            return None;
        }
        (8, d)
    } else if let Some(d) = digits.strip_prefix("0x") {
        if text.starts_with(['-', '+']) {
            return None;
        }
        (16, d)
    } else {
        (10, digits)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    integer(negative, digits, radix)
}

/// An integer from validated digits: i64, else u64, else (beyond both) a float.
fn integer(negative: bool, digits: &str, radix: u32) -> Option<Value> {
    let magnitude = u128::from_str_radix(digits, radix).ok();
    let number = match magnitude {
        Some(m) if negative => match i64::try_from(m) {
            Ok(v) => Number::from(-v),
            Err(_) if m == 1u128 << 63 => Number::from(i64::MIN),
            Err(_) => Number::from_f64(-(m as f64))?,
        },
        Some(m) => match u64::try_from(m) {
            Ok(v) => Number::from(v),
            Err(_) => Number::from_f64(m as f64)?,
        },
        None => {
            let f: f64 = digits.parse().ok()?;
            Number::from_f64(if negative { -f } else { f })?
        }
    };
    Some(Value::Number(number))
}

fn split_sign(text: &str) -> (bool, &str) {
    if let Some(rest) = text.strip_prefix('-') {
        (true, rest)
    } else if let Some(rest) = text.strip_prefix('+') {
        (false, rest)
    } else {
        (false, text)
    }
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn core_float(text: &str) -> Option<Value> {
    if !is_float_syntax(text) {
        return None;
    }
    let f: f64 = text.parse().ok()?;
    Number::from_f64(f).map(Value::Number)
}

/// The float syntax of YAML 1.2 core, which goyaml's YAML 1.1 float pattern also accepts.
fn is_float_syntax(text: &str) -> bool {
    let (_, rest) = split_sign(text);
    let bytes = rest.as_bytes();
    let mut i = 0;
    let int_digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp_digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if exp_digits == 0 {
            return false;
        }
        i += exp_digits;
    }
    i == bytes.len()
}

fn is_special_float(text: &str) -> bool {
    let (_, rest) = split_sign(text);
    matches!(rest, ".inf" | ".Inf" | ".INF") || matches!(text, ".nan" | ".NaN" | ".NAN")
}

/// Reads a scalar the way kubectl does (sigs.k8s.io/yaml over a YAML 1.1 parser).
///
/// `yes`/`on`/`y` are booleans, `0644` is octal, `1_000` is an integer. Infinities and NaN,
/// which JSON lacks, come back as strings.
pub fn resolve_kubectl(scalar: &Scalar) -> Value {
    let text = scalar.text.as_str();
    if scalar.tag == Some(CoreTag::Str) || scalar.style == Style::Quoted {
        return Value::String(text.to_owned());
    }
    if scalar.tag == Some(CoreTag::Null) {
        return Value::Null;
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        _ => {}
    }
    if let Some(n) = yaml11_int(text) {
        return n;
    }
    if is_float_syntax(text)
        && let Ok(f) = text.parse::<f64>()
        && let Some(n) = Number::from_f64(f)
    {
        return Value::Number(n);
    }
    Value::String(text.to_owned())
}

/// The value of an untagged plain scalar that YAML 1.2 and kubectl's YAML 1.1 read alike,
/// for the commonest such scalars: `true`, `false` and decimal integers without sign or
/// leading zero (up to 18 digits, so any `u64`). `None` says nothing: read it in full.
pub fn read_alike(text: &str) -> Option<Value> {
    match text {
        "true" => Some(Value::Bool(true)),
        "false" => Some(Value::Bool(false)),
        _ if (1..=18).contains(&text.len())
            && text.bytes().all(|b| b.is_ascii_digit())
            && (text.len() == 1 || !text.starts_with('0')) =>
        {
            text.parse::<u64>().ok().map(|n| Value::Number(n.into()))
        }
        _ => None,
    }
}

/// Whether a kubectl (YAML 1.1) reader takes the untagged plain scalar `text` for a
/// string: [`resolve_kubectl`] without building the value.
pub fn kubectl_reads_string(text: &str) -> bool {
    if is_string_to_both(text) {
        return true;
    }
    !matches!(
        text,
        "" | "~"
            | "null"
            | "Null"
            | "NULL"
            | "y"
            | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "true"
            | "True"
            | "TRUE"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "false"
            | "False"
            | "FALSE"
            | "off"
            | "Off"
            | "OFF"
    ) && !(has_digit(text) && (yaml11_int(text).is_some() || core_float(text).is_some()))
}

/// Whether a YAML 1.2 core reader takes the untagged plain scalar `text` for a string:
/// [`resolve_core`] without building the value (`.inf` and `.nan`, which it refuses, are
/// not strings).
fn core_reads_string(text: &str) -> bool {
    !matches!(text, "" | "~" | "null" | "Null" | "NULL")
        && core_bool(text).is_none()
        && !(has_digit(text) && (core_int(text).is_some() || core_float(text).is_some()))
        && !is_special_float(text)
}

/// Every integer and float syntax needs a digit: texts without one skip the parsers.
fn has_digit(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit())
}

/// Go's `strconv.ParseInt(s, 0, 64)` after removing `_`, as goyaml v2 does, plus `0b`.
fn yaml11_int(text: &str) -> Option<Value> {
    let plain: std::borrow::Cow<'_, str> = if text.contains('_') {
        text.chars()
            .filter(|&c| c != '_')
            .collect::<String>()
            .into()
    } else {
        text.into()
    };
    let (negative, digits) = split_sign(&plain);
    let (radix, digits) = if let Some(d) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        (16, d)
    } else if let Some(d) = digits
        .strip_prefix("0b")
        .or_else(|| digits.strip_prefix("0B"))
    {
        (2, d)
    } else if let Some(d) = digits
        .strip_prefix("0o")
        .or_else(|| digits.strip_prefix("0O"))
    {
        (8, d)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let m = u128::from_str_radix(digits, radix).ok()?;
    let number = if negative {
        Number::from(-(i64::try_from(m).ok()?))
    } else {
        Number::from(u64::try_from(m).ok()?)
    };
    Some(Value::Number(number))
}

/// Whether `text`, written plain, could be read as anything but this string by a YAML 1.1
/// reader (kubectl, PyYAML) or a YAML 1.2 reader, or could not be written plain at all.
pub fn needs_quotes(text: &str) -> bool {
    // A string to every reader: only its syntax counts.
    if is_string_to_both(text) {
        return !is_plain_syntax(text);
    }
    needs_quotes_by_reading(text)
}

/// Whether both YAML 1.2 and YAML 1.1 read the plain scalar `text` as a string, judged by
/// its first character alone: no keyword, number, date or time of either schema (nor `=`
/// or `<<`) starts with an ASCII letter other than n, o, t, f, y in either case. `false`
/// says nothing.
pub fn is_string_to_both(text: &str) -> bool {
    text.as_bytes().first().is_some_and(|&first| {
        first.is_ascii_alphabetic()
            && !matches!(
                first,
                b'n' | b'N' | b'y' | b'Y' | b't' | b'T' | b'f' | b'F' | b'o' | b'O'
            )
    })
}

/// [`needs_quotes`] by reading `text` with both schemas.
fn needs_quotes_by_reading(text: &str) -> bool {
    if text.is_empty() {
        return true;
    }
    if !kubectl_reads_string(text) || !core_reads_string(text) {
        return true;
    }
    // Numbers, dates, times and sexagesimals in any schema start with a digit (after an
    // optional sign or dot) and use only these characters; anything else (`250m`, `1Gi`,
    // `3.0.0-dev`) cannot be one.
    let mut chars = text.chars();
    let lead = chars.next().unwrap_or(' ');
    let second = chars.next().unwrap_or(' ');
    let digit_led = lead.is_ascii_digit()
        || (matches!(lead, '-' | '+' | '.') && (second.is_ascii_digit() || second == '.'));
    if digit_led && text.chars().all(is_numeric_like) {
        return true;
    }
    if matches!(text, "=" | "<<") || is_special_float(text) {
        return true;
    }
    !is_plain_syntax(text)
}

/// Whether `text` can be written as a plain scalar in block context at all: no leading
/// indicator, no `: ` or ` #`, no surrounding blanks, nothing unprintable.
pub fn is_plain_syntax(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    if matches!(
        first,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    ) {
        // `-`, `?` and `:` may start a plain scalar when a non-blank follows.
        let ok = matches!(first, b'-' | b'?' | b':')
            && text[1..].chars().next().is_some_and(|c| !c.is_whitespace());
        if !ok {
            return false;
        }
    }
    if first == b' ' || bytes.ends_with(b" ") || bytes.ends_with(b":") {
        return false;
    }
    // Document markers, when the scalar lands at the start of a line.
    if bytes.starts_with(b"---") || bytes.starts_with(b"...") {
        return false;
    }
    // One pass for `: `, ` #` (tab for space too), and characters a plain scalar cannot
    // hold; ordinary bytes cost one table lookup.
    let mut ascii = true;
    for (i, &b) in bytes.iter().enumerate() {
        match PLAIN_CLASS[usize::from(b)] {
            ORDINARY => {}
            COLON if matches!(bytes.get(i + 1), Some(b' ' | b'\t')) => return false,
            HASH if i > 0 && matches!(bytes[i - 1], b' ' | b'\t') => return false,
            CONTROL => return false,
            NON_ASCII => ascii = false,
            _ => {}
        }
    }
    ascii || text.chars().all(is_plain_char)
}

const ORDINARY: u8 = 0;
const COLON: u8 = 1;
const HASH: u8 = 2;
const CONTROL: u8 = 3;
const NON_ASCII: u8 = 4;

/// What each byte means to [`is_plain_syntax`]'s scan.
static PLAIN_CLASS: [u8; 256] = {
    let mut table = [ORDINARY; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b {
            0..0x20 | 0x7f => CONTROL,
            0x80.. => NON_ASCII,
            _ if b == b':' as usize => COLON,
            _ if b == b'#' as usize => HASH,
            _ => ORDINARY,
        };
        b += 1;
    }
    table
};

/// Characters that occur in YAML 1.1/1.2 numbers (any base), timestamps and sexagesimals.
fn is_numeric_like(c: char) -> bool {
    c.is_ascii_hexdigit()
        || matches!(
            c,
            '.' | '_'
                | ':'
                | '+'
                | '-'
                | 'x'
                | 'X'
                | 'o'
                | 'O'
                | 't'
                | 'T'
                | 'z'
                | 'Z'
                | ' '
                | '\t'
        )
}

/// Characters a plain scalar may hold in keelson's output (printable, no line breaks or tabs).
fn is_plain_char(c: char) -> bool {
    !(c.is_control()
        || matches!(
            c,
            '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plain(text: &str) -> Scalar {
        Scalar {
            text: text.to_owned(),
            style: Style::Plain,
            tag: None,
        }
    }

    #[test]
    fn core_schema_reads_yaml_1_2() {
        let cases = [
            ("yes", json!("yes")),
            ("on", json!("on")),
            ("true", json!(true)),
            ("FALSE", json!(false)),
            ("~", json!(null)),
            ("0644", json!(644)),
            ("0o644", json!(420)),
            ("0x1F", json!(31)),
            ("1_000", json!("1_000")),
            ("9007199254740993", json!(9007199254740993u64)),
            ("-9223372036854775808", json!(i64::MIN)),
            ("18446744073709551615", json!(u64::MAX)),
            ("1.5", json!(1.5)),
            ("1e3", json!(1000.0)),
            (".5", json!(0.5)),
            ("1.2.3", json!("1.2.3")),
            ("12:30:00", json!("12:30:00")),
        ];
        for (text, want) in cases {
            assert_eq!(resolve_core(&plain(text)), Ok(want), "{text}");
        }
        assert!(resolve_core(&plain(".inf")).is_err());
    }

    #[test]
    fn kubectl_reads_yaml_1_1() {
        let cases = [
            ("yes", json!(true)),
            ("Off", json!(false)),
            ("y", json!(true)),
            ("0644", json!(420)),
            ("1_000", json!(1000)),
            ("0b101", json!(5)),
            ("0x10", json!(16)),
            ("1.5", json!(1.5)),
            ("abc", json!("abc")),
            ("", json!(null)),
        ];
        for (text, want) in cases {
            assert_eq!(resolve_kubectl(&plain(text)), want, "{text}");
        }
    }

    #[test]
    fn quoted_scalars_are_strings_in_both_schemas() {
        let quoted = Scalar {
            text: "yes".into(),
            style: Style::Quoted,
            tag: None,
        };
        assert_eq!(resolve_kubectl(&quoted), json!("yes"));
        assert_eq!(resolve_core(&quoted), Ok(json!("yes")));
    }

    #[test]
    fn string_predicates_agree_with_the_resolvers() {
        let mut texts: Vec<String> = [
            "",
            "~",
            "null",
            "NULL",
            "yes",
            "No",
            "on",
            "OFF",
            "y",
            "n",
            "true",
            "False",
            "0",
            "-0",
            "+1",
            "0644",
            "0o17",
            "0O17",
            "0x1F",
            "0XfF",
            "0b101",
            "-0b1",
            "1_000",
            "_1",
            "1__0",
            "1e3",
            "1E+3",
            "1e999",
            "-1e999",
            ".5",
            "5.",
            "1.2.3",
            ".inf",
            "-.Inf",
            ".nan",
            ".NaN",
            "12:30",
            "2024-01-01",
            "9223372036854775808",
            "-9223372036854775809",
            "18446744073709551616",
            "abc",
            "a1",
            "svc-0001",
            "1Gi",
            "250m",
            "+",
            "-",
            ".",
            "_",
            "0x",
            "0o",
            "0b",
            "+0x1",
            "-0o1",
            "1.5e-3",
            "e3",
            "0_7",
            "0.1_0",
            "é",
            "١٢٣",
        ]
        .iter()
        .map(|t| (*t).to_owned())
        .collect();
        for a in ["", "+", "-", "_", "0", "1", ".", "0x", "0b", "0o"] {
            for b in ["", "1", "9", "_", "e1", ".", "f", "x", "inf"] {
                texts.push(format!("{a}{b}"));
            }
        }
        for text in &texts {
            assert_eq!(
                kubectl_reads_string(text),
                resolve_kubectl(&plain(text)).is_string(),
                "kubectl {text:?}"
            );
            assert_eq!(
                core_reads_string(text),
                matches!(resolve_core(&plain(text)), Ok(Value::String(_))),
                "core {text:?}"
            );
        }
    }

    #[test]
    fn ambiguous_strings_need_quotes() {
        for text in [
            "",
            "no",
            "on",
            "y",
            "~",
            "null",
            "0777",
            "1e3",
            "12:30:00",
            "2024-01-01",
            "1_000",
            "-1",
            ".5",
            "=",
            "<<",
            "2001-12-14t21:59:43.10-05:00",
            "190:20:30.15",
            "0o17",
            "3.0.0",
            ".inf",
            "- a",
            "a: b",
            "a #b",
            " x",
            "x ",
            "@x",
            "*x",
            "&x",
            "!x",
            "|",
            ">",
            "'",
            "\"",
            "%x",
            "a\u{2028}b",
            "a\u{85}b",
            "tab\there",
            "a:",
        ] {
            assert!(needs_quotes(text), "{text:?} should need quotes");
        }
        for text in [
            "abc",
            "todo/frontend:3.0.0",
            "http://x:80/y",
            "IfNotPresent",
            "a-b",
            "é",
            "250m",
            "1Gi",
            "3.0.0-rc.1",
        ] {
            assert!(!needs_quotes(text), "{text:?} should stay plain");
        }
    }

    /// The straightforward reading of the plain-scalar rules that the table-driven
    /// [`is_plain_syntax`] must agree with.
    fn plain_syntax_by_rule(text: &str) -> bool {
        let Some(first) = text.chars().next() else {
            return false;
        };
        if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
            let second = text.chars().nth(1);
            let ok = matches!(first, '-' | '?' | ':') && second.is_some_and(|c| !c.is_whitespace());
            if !ok {
                return false;
            }
        }
        if text.starts_with(' ') || text.ends_with(' ') || text.ends_with(':') {
            return false;
        }
        if text.starts_with("---") || text.starts_with("...") {
            return false;
        }
        let chars: Vec<char> = text.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            let next = chars.get(i + 1).copied();
            let before = i.checked_sub(1).map(|j| chars[j]);
            if c == ':' && matches!(next, Some(' ' | '\t')) {
                return false;
            }
            if c == '#' && matches!(before, Some(' ' | '\t')) {
                return false;
            }
            if !is_plain_char(c) {
                return false;
            }
        }
        true
    }

    #[test]
    fn plain_syntax_agrees_with_the_rules_on_every_short_string() {
        let alphabet = [
            'a', '1', ' ', '\t', ':', '#', '-', '?', '.', '\'', '\n', '\u{7f}', 'é', '\u{85}',
            '\u{2028}', '[', '\0',
        ];
        // Every string of up to four characters over the alphabet.
        fn check_from(text: &mut String, alphabet: &[char], checked: &mut usize) {
            assert_eq!(
                is_plain_syntax(text),
                plain_syntax_by_rule(text),
                "{text:?}"
            );
            *checked += 1;
            if text.chars().count() == 4 {
                return;
            }
            for &c in alphabet {
                text.push(c);
                check_from(text, alphabet, checked);
                text.pop();
            }
        }
        let mut checked = 0;
        check_from(&mut String::new(), &alphabet, &mut checked);
        assert!(checked > 80_000, "{checked}");
    }

    #[test]
    fn read_alike_agrees_with_both_schemas() {
        let mut texts: Vec<String> = (0..2000).map(|n| n.to_string()).collect();
        texts.extend(
            [
                "true",
                "false",
                "True",
                "TRUE",
                "yes",
                "00",
                "01",
                "0644",
                "1_000",
                "+1",
                "-1",
                "1.0",
                "1e3",
                "0x1F",
                "999999999999999999",
                "9999999999999999999",
                "18446744073709551615",
                "12:30",
                "",
                "~",
                "abc",
                "1a",
            ]
            .map(String::from),
        );
        let mut taken = 0;
        for text in &texts {
            let Some(value) = read_alike(text) else {
                continue;
            };
            taken += 1;
            let scalar = plain(text);
            assert_eq!(core_value(&scalar), Ok(Some(value.clone())), "{text:?}");
            assert_eq!(resolve_kubectl(&scalar), value, "{text:?}");
        }
        assert_eq!(taken, 2000 + 3, "0..2000, true, false, eighteen nines");
    }

    #[test]
    fn needs_quotes_shortcut_agrees_with_reading_both_schemas() {
        let mut texts: Vec<String> = Vec::new();
        let alphabet = [
            'a', 'e', 'x', 'I', 'Z', '1', '0', '.', '_', ':', ' ', '-', '#', 'n',
        ];
        for &a in &alphabet {
            for &b in &alphabet {
                for &c in &alphabet {
                    texts.push(format!("{a}{b}{c}"));
                    texts.push(format!("{a}{b}"));
                }
            }
        }
        texts.extend(
            [
                "a",
                "n",
                "no",
                "on",
                "y",
                "Yes",
                "true",
                "off",
                "null",
                "e3",
                "E1",
                "inf",
                "Inf",
                "nan",
                "NaN",
                "infinity",
                "x0",
                "b1010",
                "h:1",
                "z",
                "LOG_LEVEL",
                "info",
                "svc-0002",
                "http://svc:80",
                "a: b",
                "a #b",
                "a\nb",
                "é",
                "p\u{2028}",
            ]
            .map(String::from),
        );
        for text in &texts {
            assert_eq!(
                needs_quotes(text),
                needs_quotes_by_reading(text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn strings_to_both_are_strings_to_both() {
        let alphabet = [
            'a', 'e', 'x', 'I', 'Z', 'n', 'o', 'y', '1', '.', '_', ':', '-', ' ',
        ];
        let mut taken = 0;
        for &a in &alphabet {
            for &b in &alphabet {
                for &c in &alphabet {
                    let text = format!("{a}{b}{c}").trim_end().to_owned();
                    if !is_string_to_both(&text) {
                        continue;
                    }
                    taken += 1;
                    assert_eq!(core_value(&plain(&text)), Ok(None), "{text:?}");
                    // The full YAML 1.1 reading, which takes no shortcut.
                    assert!(resolve_kubectl(&plain(&text)).is_string(), "{text:?}");
                }
            }
        }
        assert!(taken > 500, "{taken}");
        for text in [
            "no", "on", "yes", "true", "False", "null", "n", "y", "", "1a", ".inf",
        ] {
            assert!(!is_string_to_both(text), "{text:?}");
        }
    }
}
