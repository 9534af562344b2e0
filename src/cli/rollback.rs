//! `keelson rollback`

use std::io::Write;

use keelson::release::RecordOptions;

use super::history::StateArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Release name.
    #[arg(value_name = "NAME")]
    name: String,

    /// The revision to restore; it is verified, printed byte for byte, and recorded again
    /// as the next revision ("Rollback to REVISION").
    #[arg(value_name = "REVISION")]
    revision: u64,

    #[command(flatten)]
    state: StateArgs,

    /// Keep at most N revisions of the release, removing the oldest (0 keeps all).
    #[arg(long = "history-max", value_name = "N", default_value_t = 10)]
    history_max: usize,
}

pub fn run(args: Args, out: &mut impl Write, err: &mut impl Write) -> Result<i32, keelson::Error> {
    let options = RecordOptions {
        history_max: args.history_max,
    };
    let revision = args
        .state
        .history()?
        .rollback(&args.name, args.revision, &options)?;
    super::emit(out, &revision.manifest)?;
    let _ = writeln!(
        err,
        "recorded release `{}` revision {}: {}",
        revision.release, revision.revision, revision.description
    );
    Ok(0)
}
