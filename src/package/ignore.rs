//! `.helmignore` and `.keelsonignore`: which files of a chart directory are left out.
//!
//! The syntax is the gitignore-like one Helm users know: `#` comments, blank lines, `!`
//! negation, a trailing `/` for directories only, `*` `?` `[...]` (`[!...]` and `[^...]`
//! negate a class), a pattern containing a `/` (or starting with one) matches the path from
//! the chart root, one without matches the name at any depth, and `**` matches across
//! directories.
//!
//! Matching is the `ignore` crate's gitignore matcher (the one ripgrep uses) rather than a
//! hand-written one: gitignore globbing has many corner cases (`**/`, `/**`, escapes,
//! classes) that crate already gets right and tests. On top of it keelson keeps Helm's
//! reading of the file, and differs from Helm where Helm is surprising:
//!
//! - lines are trimmed on both sides, as Helm does (git keeps leading spaces);
//! - `**` is accepted (Helm refuses it);
//! - the last matching rule wins and `!` re-includes what an earlier rule left out, as in
//!   git; Helm instead ignores every path that a `!` rule does *not* match;
//! - rules of `.keelsonignore` are read after those of `.helmignore`, so they win;
//! - `.git`, `.hg`, `.svn` and `.bzr` directories are always left out.
//!
//! As in Helm and git, a file inside a left-out directory cannot be re-included: the
//! directory is never entered.

use std::path::{Path, PathBuf};

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

/// Directories that never belong to a chart.
pub const VCS_DIRS: [&str; 4] = [".git", ".hg", ".svn", ".bzr"];

/// The ignore files keelson reads, in order (later rules win).
pub const IGNORE_FILES: [&str; 2] = [".helmignore", ".keelsonignore"];

/// `.helmignore`/`.keelsonignore` rules of a chart directory.
#[derive(Debug, Clone)]
pub struct Ignore {
    rules: Gitignore,
}

impl Default for Ignore {
    fn default() -> Self {
        Ignore {
            rules: Gitignore::empty(),
        }
    }
}

impl Ignore {
    /// Reads the ignore files of the chart at `root` (none is fine).
    ///
    /// # Errors
    /// A message naming the file (relative to `root`, and the line) when an ignore file
    /// cannot be read or holds a pattern that is not a valid glob.
    pub fn for_chart(root: &Path) -> Result<Ignore, String> {
        let mut sources = Vec::new();
        // Messages name the file relative to the chart: the loader puts the chart first.
        for name in IGNORE_FILES {
            match std::fs::read_to_string(root.join(name)) {
                Ok(text) => sources.push((PathBuf::from(name), text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("{name}: cannot read: {e}")),
            }
        }
        Ignore::parse(&sources)
    }

    /// Builds the rules from `(file, text)` pairs, in order.
    ///
    /// # Errors
    /// A message naming the file and line of a pattern that is not a valid glob.
    pub fn parse(sources: &[(PathBuf, String)]) -> Result<Ignore, String> {
        // Root `.` tells the matcher that the paths it gets are already chart-relative, so
        // it never strips a prefix that happens to equal the chart directory's name.
        let mut builder = GitignoreBuilder::new(".");
        for (path, text) in sources {
            for (number, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                builder.add_line(Some(path.clone()), line).map_err(|e| {
                    format!(
                        "{}:{}: `{line}` is not a valid pattern: {}\n  hint: patterns use `*`, `?`, `[...]`, `**`, `!` and a trailing `/`; escape a literal character with `\\`",
                        path.display(),
                        number + 1,
                        glob_message(&e)
                    )
                })?;
            }
        }
        let rules = builder
            .build()
            .map_err(|e| format!("ignore rules: {}", glob_message(&e)))?;
        Ok(Ignore { rules })
    }

    /// Whether the chart-relative, `/`-separated `path` is left out.
    ///
    /// Callers walk the chart top-down and do not enter ignored directories, so a path's
    /// parents are not checked again here.
    pub fn is_ignored(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." {
            return false;
        }
        if is_dir
            && let Some(name) = path.rsplit('/').next()
            && VCS_DIRS.contains(&name)
        {
            return true;
        }
        matches!(self.rules.matched(path, is_dir), Match::Ignore(_))
    }
}

/// The glob error without the crate's own wrapping.
fn glob_message(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            glob_message(err)
        }
        ignore::Error::Glob { err, .. } => err.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Ignore {
        Ignore::parse(&[(PathBuf::from(".helmignore"), text.to_owned())]).expect("valid")
    }

    #[test]
    fn comments_and_blank_lines_are_skipped() {
        let ignore = rules("# a comment\n\n   \n*.bak\n");
        assert!(ignore.is_ignored("x.bak", false));
        assert!(!ignore.is_ignored("# a comment", false));
    }

    #[test]
    fn a_name_pattern_matches_at_any_depth() {
        let ignore = rules("*.swp\n.DS_Store\n");
        assert!(ignore.is_ignored("a.swp", false));
        assert!(ignore.is_ignored("templates/deep/a.swp", false));
        assert!(ignore.is_ignored("templates/.DS_Store", false));
        assert!(!ignore.is_ignored("templates/a.yaml", false));
    }

    #[test]
    fn a_pattern_with_a_slash_is_relative_to_the_root() {
        let ignore = rules("templates/*.txt\n/secret.yaml\n");
        assert!(ignore.is_ignored("templates/a.txt", false));
        assert!(!ignore.is_ignored("other/templates/a.txt", false));
        assert!(ignore.is_ignored("secret.yaml", false));
        assert!(!ignore.is_ignored("templates/secret.yaml", false));
    }

    #[test]
    fn star_does_not_cross_directories_but_double_star_does() {
        let ignore = rules("docs/*.md\nci/**/*.log\n");
        assert!(ignore.is_ignored("docs/a.md", false));
        assert!(!ignore.is_ignored("docs/sub/a.md", false));
        assert!(ignore.is_ignored("ci/a.log", false));
        assert!(ignore.is_ignored("ci/x/y/a.log", false));
    }

    #[test]
    fn trailing_slash_matches_directories_only() {
        let ignore = rules("build/\n");
        assert!(ignore.is_ignored("build", true));
        assert!(ignore.is_ignored("sub/build", true));
        assert!(!ignore.is_ignored("build", false));
    }

    #[test]
    fn question_mark_and_classes() {
        let ignore = rules("file?.txt\n[ab].yaml\n[!c]x.yaml\n[^d]y.yaml\n");
        assert!(ignore.is_ignored("file1.txt", false));
        assert!(!ignore.is_ignored("file12.txt", false));
        assert!(ignore.is_ignored("a.yaml", false));
        assert!(!ignore.is_ignored("c.yaml", false));
        assert!(ignore.is_ignored("ax.yaml", false));
        assert!(!ignore.is_ignored("cx.yaml", false));
        assert!(ignore.is_ignored("ay.yaml", false));
        assert!(!ignore.is_ignored("dy.yaml", false));
    }

    #[test]
    fn negation_re_includes_and_the_last_rule_wins() {
        let ignore = rules("*.txt\n!keep.txt\n");
        assert!(ignore.is_ignored("drop.txt", false));
        assert!(!ignore.is_ignored("keep.txt", false));
        // Unlike Helm, a `!` rule does not ignore everything it does not match.
        assert!(!ignore.is_ignored("values.yaml", false));
        let ignore = rules("!keep.txt\n*.txt\n");
        assert!(ignore.is_ignored("keep.txt", false));
    }

    #[test]
    fn surrounding_spaces_are_trimmed_like_helm() {
        let ignore = rules("   *.orig   \n");
        assert!(ignore.is_ignored("a.orig", false));
    }

    #[test]
    fn vcs_directories_are_always_ignored() {
        let ignore = Ignore::default();
        for dir in [".git", ".hg", ".svn", ".bzr", "templates/.git"] {
            assert!(ignore.is_ignored(dir, true), "{dir}");
        }
        assert!(!ignore.is_ignored(".git", false));
        assert!(!ignore.is_ignored(".github", true));
    }

    #[test]
    fn the_chart_root_is_never_ignored() {
        let ignore = rules("*\n");
        assert!(!ignore.is_ignored("", true));
        assert!(!ignore.is_ignored(".", true));
        assert!(ignore.is_ignored("values.yaml", false));
    }

    #[test]
    fn a_chart_dir_named_like_a_path_prefix_is_not_stripped() {
        // Regression guard: the matcher must not strip `templates/` as if it were the root.
        let ignore = rules("/deployment.yaml\n");
        assert!(!ignore.is_ignored("templates/deployment.yaml", false));
    }

    #[test]
    fn keelsonignore_rules_win_over_helmignore() {
        let ignore = Ignore::parse(&[
            (PathBuf::from(".helmignore"), "*.md\n".into()),
            (PathBuf::from(".keelsonignore"), "!README.md\n".into()),
        ])
        .expect("valid");
        assert!(!ignore.is_ignored("README.md", false));
        assert!(ignore.is_ignored("NOTES.md", false));
    }

    #[test]
    fn an_invalid_pattern_names_file_and_line() {
        let err = Ignore::parse(&[(PathBuf::from("c/.helmignore"), "ok\n[z-a]\n".into())])
            .expect_err("invalid range");
        assert!(err.starts_with("c/.helmignore:2: `[z-a]`"), "{err}");
    }
}
