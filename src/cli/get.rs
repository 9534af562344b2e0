//! `keelson get manifest|values|digests`

use std::io::Write;

use super::history::{Format, StateArgs, columns, json};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    /// Print a revision's manifest, byte for byte as it was printed when recorded.
    Manifest(Target),
    /// Print the merged values a revision was rendered with.
    Values(ValuesTarget),
    /// Print a revision's digests: chart, values, manifest and one per object.
    Digests(DigestsTarget),
}

// A revision of a release.
#[derive(Debug, clap::Args)]
struct Target {
    /// Release name.
    #[arg(value_name = "NAME")]
    name: String,

    /// Revision number [default: the latest].
    #[arg(long = "revision", value_name = "N")]
    revision: Option<u64>,

    #[command(flatten)]
    state: StateArgs,
}

/// Values output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ValuesFormat {
    /// YAML, keys in the order they were recorded.
    Yaml,
    /// JSON, pretty-printed.
    Json,
}

#[derive(Debug, clap::Args)]
struct ValuesTarget {
    #[command(flatten)]
    target: Target,

    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "yaml")]
    output: ValuesFormat,
}

#[derive(Debug, clap::Args)]
struct DigestsTarget {
    #[command(flatten)]
    target: Target,

    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    output: Format,
}

impl Target {
    fn read(&self) -> Result<keelson::Revision, keelson::Error> {
        Ok(self.state.history()?.read(&self.name, self.revision)?)
    }
}

pub fn run(args: Args, out: &mut impl Write, _err: &mut impl Write) -> Result<i32, keelson::Error> {
    let text = match args.what {
        What::Manifest(target) => target.read()?.manifest,
        What::Values(values) => {
            let merged = values.target.read()?.parse_values()?;
            match values.output {
                ValuesFormat::Json => json(&merged)?,
                ValuesFormat::Yaml if merged.as_object().is_some_and(|m| m.is_empty()) => {
                    "{}\n".to_owned()
                }
                ValuesFormat::Yaml => keelson::yaml::emit_value(&merged) + "\n",
            }
        }
        What::Digests(digests) => {
            let revision = digests.target.read()?;
            match digests.output {
                Format::Json => json(&serde_json::json!({
                    "revision": revision.revision,
                    "chart": revision.chart.digest,
                    "values": revision.values_digest,
                    "manifest": revision.manifest_digest,
                    "resources": revision.resources,
                }))?,
                Format::Table => {
                    let mut rows = vec![
                        ["OBJECT".to_owned(), "DIGEST".to_owned()],
                        [
                            format!("chart {}-{}", revision.chart.name, revision.chart.version),
                            revision.chart.digest.to_string(),
                        ],
                        ["values".to_owned(), revision.values_digest.to_string()],
                        ["manifest".to_owned(), revision.manifest_digest.to_string()],
                    ];
                    for resource in &revision.resources {
                        rows.push([resource.label(), resource.digest.to_string()]);
                    }
                    columns(&rows)
                }
            }
        }
    };
    super::emit(out, &text)?;
    Ok(0)
}
