//! `keelson lint`

use std::io::Write;

use keelson::validate::Strictness;

use super::args::{ReleaseArgs, ValuesArgs, request};

/// How to print the findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One block per finding and a summary line.
    Text,
    /// A JSON document with every finding and a summary.
    Json,
    /// SARIF 2.1.0, for code-scanning tools in CI.
    Sarif,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 no errors, 1 errors found (or warnings with --strict), \
2 the chart could not be rendered or checked.\n\nRules (id, severity): see the README section \
\"Lint rules\"; every finding names its rule."
)]
pub struct Args {
    #[command(flatten)]
    values: ValuesArgs,

    #[command(flatten)]
    release: ReleaseArgs,

    /// Fail (exit 1) on warnings too, not only on errors.
    #[arg(long = "strict")]
    strict: bool,

    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: Format,
}

pub fn run(args: Args, out: &mut impl Write, err: &mut impl Write) -> Result<i32, keelson::Error> {
    let request = request(&args.values, &args.release)?;
    let report = keelson::validate::lint(&request)?;
    let text = match args.output {
        Format::Text => report.to_text(),
        Format::Json => report.to_json(),
        Format::Sarif => report.to_sarif(),
    };
    super::emit(out, &text)?;
    if args.output != Format::Text {
        let _ = writeln!(err, "{}", report.summary());
    }
    Ok(report.exit_code(if args.strict {
        Strictness::Strict
    } else {
        Strictness::Normal
    }))
}
