//! `keelson diff`

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use keelson::release::{ChangeKind, Diff, DiffOptions};

use super::args::{LayerArgs, ReleaseArgs, ValuesArgs, request, usage};
use super::history::{StateArgs, json};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A summary line per object, then unified diffs of the changed ones.
    Text,
    /// JSON, pretty-printed.
    Json,
}

/// When to colour the text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
    /// When stdout is a terminal and $NO_COLOR is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

// Compare two recorded revisions (`keelson diff NAME [--from A] [--to B]`), or a render
// of CHART with the latest revision (`keelson diff NAME CHART [values flags]`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Release name.
    #[arg(value_name = "NAME")]
    name: String,

    /// Render this chart (directory or .tgz) as the next upgrade and compare it with the
    /// latest revision, without recording anything.
    #[arg(value_name = "CHART", conflicts_with_all = ["from", "to"])]
    chart: Option<PathBuf>,

    /// Older revision [default: the one before --to].
    #[arg(long = "from", value_name = "REVISION")]
    from: Option<u64>,

    /// Newer revision [default: the latest].
    #[arg(long = "to", value_name = "REVISION")]
    to: Option<u64>,

    /// Values to layer when rendering CHART: as `keelson render`.
    #[command(flatten)]
    layers: LayerArgs,

    /// Namespace to render for (with CHART) [default: the latest revision's].
    #[arg(short = 'n', long = "namespace", value_name = "NS", requires = "chart")]
    namespace: Option<String>,

    /// Kubernetes version to render for (with CHART) [default: 1.36.0].
    #[arg(long = "kube-version", value_name = "X.Y", requires = "chart")]
    kube_version: Option<String>,

    /// Extra API group/versions the cluster serves (with CHART).
    #[arg(
        long = "api-versions",
        value_name = "GROUP/VERSION",
        requires = "chart"
    )]
    api_versions: Vec<String>,

    /// Show Secret values; by default each is replaced by its digest.
    #[arg(long = "show-secrets")]
    show_secrets: bool,

    /// Lines of context around each change.
    #[arg(long = "context", value_name = "LINES", default_value_t = 3)]
    context: usize,

    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: Format,

    /// Colour the text output.
    #[arg(long = "color", value_enum, default_value = "auto")]
    color: Color,

    #[command(flatten)]
    state: StateArgs,
}

pub fn run(args: Args, out: &mut impl Write, err: &mut impl Write) -> Result<i32, keelson::Error> {
    let history = args.state.history()?;
    let options = DiffOptions {
        show_secrets: args.show_secrets,
        context: args.context,
    };
    let (from, to, to_label) = match &args.chart {
        Some(chart) => {
            let latest = history.read(&args.name, None)?;
            let values = ValuesArgs {
                chart: chart.clone(),
                layers: args.layers.clone(),
            };
            let release = ReleaseArgs {
                release: Some(args.name.clone()),
                namespace: args
                    .namespace
                    .clone()
                    .unwrap_or_else(|| latest.namespace.clone()),
                kube_version: args.kube_version.clone(),
                api_versions: args.api_versions.clone(),
                is_upgrade: false,
            };
            let request = request(&values, &release)?;
            let (preview, rendered) = keelson::release::preview(&latest, &request)?;
            super::warn(&rendered.values, err);
            let label = format!(
                "a render of {} (as revision {})",
                chart.display(),
                preview.revision
            );
            (latest, preview, label)
        }
        None if !args.layers.is_empty() => {
            return Err(usage(
                "values flags (-f, --set, ...) apply to a render",
                "pass the chart to render as CHART: `keelson diff NAME CHART -f ...`",
            ));
        }
        None => {
            let numbers = history.numbers(&args.name)?;
            let to = args.to.or(numbers.last().copied());
            let from = match args.from {
                Some(from) => from,
                None => {
                    let before = numbers.iter().rev().find(|&&n| to.is_some_and(|to| n < to));
                    match (before, to) {
                        (Some(&n), _) => n,
                        (None, Some(to)) => {
                            return Err(keelson::ReleaseError::NothingToCompare {
                                name: args.name.clone(),
                                revision: to,
                            }
                            .into());
                        }
                        (None, None) => {
                            return Err(usage("no revision to compare", "pass --from and --to"));
                        }
                    }
                }
            };
            let from = history.read(&args.name, Some(from))?;
            let to = history.read(&args.name, to)?;
            let label = format!("revision {}", to.revision);
            (from, to, label)
        }
    };
    let diff = keelson::release::diff(&from, &to, &options)?;
    let text = match args.output {
        Format::Json => json(&diff)?,
        Format::Text => {
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            };
            text(&diff, &to_label, color)
        }
    };
    super::emit(out, &text)?;
    Ok(if diff.is_empty() { 0 } else { 1 })
}

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

fn paint(text: &str, style: &str, color: bool) -> String {
    if color {
        format!("{style}{text}{RESET}")
    } else {
        text.to_owned()
    }
}

fn text(diff: &Diff, to_label: &str, color: bool) -> String {
    let count = |kind: ChangeKind| diff.changes.iter().filter(|c| c.change == kind).count();
    let mut text = format!(
        "release `{}`: revision {} -> {to_label}: ",
        diff.release, diff.from
    );
    if diff.is_empty() {
        text.push_str(&format!("no changes ({} unchanged)\n", diff.unchanged));
        return text;
    }
    text.push_str(&format!(
        "{} added, {} removed, {} changed, {} unchanged\n",
        count(ChangeKind::Added),
        count(ChangeKind::Removed),
        count(ChangeKind::Changed),
        diff.unchanged
    ));
    for change in &diff.changes {
        let style = match change.change {
            ChangeKind::Added => GREEN,
            ChangeKind::Removed => RED,
            ChangeKind::Changed => YELLOW,
        };
        let label = format!("{:<8}", change.change.as_str());
        text.push_str(&format!(
            "  {} {}\n",
            paint(&label, style, color),
            change.id()
        ));
    }
    for patch in diff.changes.iter().filter_map(|c| c.patch.as_deref()) {
        text.push('\n');
        for line in patch.lines() {
            let style = if line.starts_with("---") || line.starts_with("+++") {
                BOLD
            } else if line.starts_with("@@") {
                CYAN
            } else if line.starts_with('+') {
                GREEN
            } else if line.starts_with('-') {
                RED
            } else {
                ""
            };
            if style.is_empty() {
                text.push_str(line);
            } else {
                text.push_str(&paint(line, style, color));
            }
            text.push('\n');
        }
    }
    text
}
