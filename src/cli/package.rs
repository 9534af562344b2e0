//! `keelson package`

use std::io::Write;
use std::path::PathBuf;

use keelson::package::{self, PackOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Chart directory to package (an archive is re-packed).
    #[arg(value_name = "CHART", default_value = "chart")]
    chart: PathBuf,

    /// Directory to write NAME-VERSION.tgz into; created if missing.
    #[arg(
        short = 'd',
        long = "destination",
        value_name = "DIR",
        default_value = "."
    )]
    destination: PathBuf,

    /// Package as this version (SemVer): rewrites the `version:` line of the packaged
    /// Chart.yaml (the chart directory is not changed).
    #[arg(long = "version", value_name = "VERSION")]
    version: Option<String>,

    /// Package with this appVersion: rewrites (or adds) the `appVersion:` line of the
    /// packaged Chart.yaml.
    #[arg(long = "app-version", value_name = "VERSION")]
    app_version: Option<String>,
}

pub fn run(args: Args, out: &mut impl Write) -> Result<i32, keelson::Error> {
    let chart = keelson::chart::load(&args.chart, &keelson::chart::Limits::default())?;
    let options = PackOptions {
        version: args.version,
        app_version: args.app_version,
        mtime: source_date_epoch()?.unwrap_or(0),
    };
    let package = package::pack(&chart, &options)?;
    let path = package.write(&args.destination)?;
    super::emit(out, &format!("{} {}\n", path.display(), package.digest()))?;
    Ok(0)
}

/// `SOURCE_DATE_EPOCH` from the environment, when set.
pub fn source_date_epoch() -> Result<Option<u64>, keelson::Error> {
    let value = std::env::var_os("SOURCE_DATE_EPOCH").map(|v| v.to_string_lossy().into_owned());
    Ok(package::source_date_epoch(value.as_deref())?)
}
