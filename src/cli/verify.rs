//! `keelson verify`

use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Chart archive (.tgz) to check.
    #[arg(value_name = "ARCHIVE")]
    archive: PathBuf,

    /// Expected digest, `sha256:<hex>` as `keelson package` prints it; a mismatch is an
    /// error.
    #[arg(long = "digest", value_name = "sha256:HEX")]
    digest: Option<String>,
}

pub fn run(args: Args, out: &mut impl Write) -> Result<i32, keelson::Error> {
    let verified = keelson::package::verify(
        &args.archive,
        args.digest.as_deref(),
        &keelson::chart::Limits::default(),
    )?;
    let meta = &verified.chart.meta;
    super::emit(
        out,
        &format!(
            "{}: ok: {} {} {}\n",
            args.archive.display(),
            meta.name,
            meta.version,
            verified.digest
        ),
    )?;
    Ok(0)
}
