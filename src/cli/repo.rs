//! `keelson repo`

use std::io::Write;
use std::path::PathBuf;

use keelson::package::{IndexOptions, index};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Write DIR/index.yaml (Helm's repository index) for the *.tgz archives in DIR.
    Index(IndexArgs),
}

#[derive(Debug, clap::Args)]
struct IndexArgs {
    /// Directory holding the chart archives.
    #[arg(value_name = "DIR")]
    dir: PathBuf,

    /// URL the directory is served from (e.g. https://charts.example.com); without it the
    /// index lists bare file names, which Helm resolves against the repository URL.
    #[arg(long = "url", value_name = "BASE")]
    url: Option<String>,
}

pub fn run(args: Args, out: &mut impl Write) -> Result<i32, keelson::Error> {
    let Command::Index(args) = args.command;
    let options = IndexOptions {
        url: args.url,
        now: super::package::source_date_epoch()?,
        limits: keelson::chart::Limits::default(),
    };
    let index = index::build(&args.dir, &options)?;
    let path = index.write(&args.dir)?;
    super::emit(out, &format!("{}\n", path.display()))?;
    Ok(0)
}
