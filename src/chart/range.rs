//! SemVer ranges as Helm charts write them (Masterminds syntax): comparators separated by
//! spaces or commas are ANDed, `||` separates alternatives, `x`/`*` are wildcards and
//! `1.2 - 1.4` is an inclusive range. Translated to [`semver::VersionReq`]s.

use semver::{Version, VersionReq};

/// A parsed range: any one of its alternatives must match.
#[derive(Debug, Clone)]
pub struct Range {
    alternatives: Vec<VersionReq>,
}

impl Range {
    /// Parses a range such as `>= 1.28.0-0 < 1.31` or `^1.2 || ~2.0`.
    ///
    /// # Errors
    /// A message naming the comparator that does not parse.
    pub fn parse(text: &str) -> Result<Range, String> {
        let mut alternatives = Vec::new();
        for alternative in text.split("||") {
            let comparators = comparators(alternative.trim())?;
            let joined = if comparators.is_empty() {
                "*".to_owned()
            } else {
                comparators.join(", ")
            };
            let req = VersionReq::parse(&joined)
                .map_err(|e| format!("`{}` is not a SemVer range: {e}", alternative.trim()))?;
            alternatives.push(req);
        }
        Ok(Range { alternatives })
    }

    /// Whether `version` satisfies the range.
    ///
    /// As in Helm, a `-0` pre-release floor admits pre-release versions of the same line.
    pub fn matches(&self, version: &Version) -> bool {
        let release = Version::new(version.major, version.minor, version.patch);
        self.alternatives
            .iter()
            .any(|req| req.matches(version) || (!version.pre.is_empty() && req.matches(&release)))
    }
}

/// Splits an AND-group into semver-crate comparators, joining operators to their versions
/// (`>= 1.2` → `>=1.2`) and expanding hyphen ranges.
fn comparators(group: &str) -> Result<Vec<String>, String> {
    let tokens: Vec<&str> = group.split([' ', ',']).filter(|t| !t.is_empty()).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i];
        if tokens.get(i + 1) == Some(&"-") {
            let upper = tokens
                .get(i + 2)
                .ok_or_else(|| format!("`{group}` has a hyphen range without an upper bound"))?;
            out.push(format!(">={}", token.trim_start_matches('v')));
            out.push(format!("<={}", upper.trim_start_matches('v')));
            i += 3;
            continue;
        }
        if matches!(token, ">" | ">=" | "<" | "<=" | "=" | "!=" | "~" | "^") {
            let version = tokens
                .get(i + 1)
                .ok_or_else(|| format!("`{group}` ends with the operator `{token}`"))?;
            if token == "!=" {
                return Err(format!("`{group}`: `!=` is not supported"));
            }
            out.push(format!("{token}{}", version.trim_start_matches('v')));
            i += 2;
            continue;
        }
        if token.starts_with("!=") {
            return Err(format!("`{group}`: `!=` is not supported"));
        }
        let (op, version) = token.split_at(
            token
                .find(|c: char| c.is_ascii_alphanumeric() || c == '*')
                .unwrap_or(0),
        );
        out.push(format!("{op}{}", version.trim_start_matches('v')));
        i += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).expect("version")
    }

    #[test]
    fn helm_style_ranges() {
        let cases = [
            (">= 1.28.0-0", "1.30.0", true),
            (">=1.28.0-0 <1.30.0-0", "1.30.0", false),
            (">=1.28.0-0, <1.31.0-0", "1.30.2", true),
            ("^1.2", "1.9.0", true),
            ("~1.2.0", "1.3.0", false),
            ("1.2.x", "1.2.7", true),
            ("1.20 - 1.30", "1.25.0", true),
            ("<1.20 || >=1.30", "1.31.0", true),
            ("<1.20 || >=1.30", "1.25.0", false),
            ("v1.28.0", "1.28.0", true),
        ];
        for (range, version, want) in cases {
            let range = Range::parse(range).expect(range);
            assert_eq!(range.matches(&v(version)), want, "{range:?} {version}");
        }
    }

    #[test]
    fn garbage_is_refused() {
        assert!(Range::parse("banana").is_err());
        assert!(Range::parse(">=").is_err());
    }
}
