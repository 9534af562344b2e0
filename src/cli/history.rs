//! `keelson history`, and the state-directory flag every history command shares.

use std::io::Write;
use std::path::PathBuf;

use keelson::History;
use keelson::release::Revision;
use serde::Serialize;

use super::args::usage;

// Where release history lives.
#[derive(Debug, Clone, clap::Args)]
pub struct StateArgs {
    /// Directory holding release history [env: KEELSON_STATE_DIR] [default: ./.keelson].
    #[arg(long = "state-dir", value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

impl StateArgs {
    /// The history in the chosen state directory.
    pub fn history(&self) -> Result<History, keelson::Error> {
        open(self.state_dir.as_ref())
    }
}

/// The history in `dir`, else `$KEELSON_STATE_DIR`, else `./.keelson`; timestamps from
/// `$KEELSON_NOW` (seconds since the Unix epoch) when set, for reproducible records.
pub fn open(dir: Option<&PathBuf>) -> Result<History, keelson::Error> {
    let dir = dir
        .cloned()
        .or_else(|| std::env::var_os("KEELSON_STATE_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(".keelson"));
    match std::env::var("KEELSON_NOW") {
        Ok(text) => {
            let seconds: u64 = text.trim().parse().map_err(|_| {
                usage(
                    &format!("$KEELSON_NOW `{text}` is not a number of seconds"),
                    "set it to seconds since the Unix epoch, e.g. `KEELSON_NOW=$(date +%s)`, or unset it",
                )
            })?;
            Ok(History::with_clock(dir, move || seconds))
        }
        Err(_) => Ok(History::new(dir)),
    }
}

/// Output format of tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns.
    Table,
    /// JSON, pretty-printed.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Release name.
    #[arg(value_name = "NAME")]
    name: String,

    #[command(flatten)]
    state: StateArgs,

    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    output: Format,
}

/// One line of `history -o json`: everything but the values and the manifest.
#[derive(Serialize)]
struct Summary<'a> {
    revision: u64,
    updated: &'a str,
    description: &'a str,
    chart: &'a keelson::release::ChartRecord,
    values_digest: &'a keelson::release::Digest,
    manifest_digest: &'a keelson::release::Digest,
    keelson_version: &'a str,
}

pub fn run(args: Args, out: &mut impl Write, _err: &mut impl Write) -> Result<i32, keelson::Error> {
    let revisions = args.state.history()?.list(&args.name)?;
    let text = match args.output {
        Format::Table => table(&revisions),
        Format::Json => {
            let summaries: Vec<Summary> = revisions
                .iter()
                .map(|r| Summary {
                    revision: r.revision,
                    updated: &r.updated,
                    description: &r.description,
                    chart: &r.chart,
                    values_digest: &r.values_digest,
                    manifest_digest: &r.manifest_digest,
                    keelson_version: &r.keelson_version,
                })
                .collect();
            json(&summaries)?
        }
    };
    super::emit(out, &text)?;
    Ok(0)
}

fn table(revisions: &[Revision]) -> String {
    let mut rows = vec![[
        "REVISION".to_owned(),
        "UPDATED".to_owned(),
        "DESCRIPTION".to_owned(),
        "CHART".to_owned(),
        "APP VERSION".to_owned(),
        "DIGEST".to_owned(),
    ]];
    for r in revisions {
        rows.push([
            r.revision.to_string(),
            r.updated.clone(),
            r.description.clone(),
            format!("{}-{}", r.chart.name, r.chart.version),
            r.chart.app_version.clone().unwrap_or_default(),
            r.manifest_digest.short().to_owned(),
        ]);
    }
    columns(&rows)
}

/// Rows as left-aligned columns two spaces apart, no trailing spaces.
pub fn columns<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0; N];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in rows {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(widths) {
            line.push_str(&format!("{cell:<width$}  "));
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// `value` as pretty JSON with a final newline.
pub fn json(value: &impl Serialize) -> Result<String, keelson::Error> {
    serde_json::to_string_pretty(value)
        .map(|text| text + "\n")
        .map_err(|e| usage(&format!("cannot write JSON: {e}"), "report this as a bug"))
}
