//! `keelson notes`

use std::io::Write;

use super::args::{ReleaseArgs, ValuesArgs, request};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    values: ValuesArgs,

    #[command(flatten)]
    release: ReleaseArgs,
}

pub fn run(args: Args, out: &mut impl Write, err: &mut impl Write) -> Result<i32, keelson::Error> {
    let release = keelson::render_chart(&request(&args.values, &args.release)?)?;
    super::warn(&release.values, err);
    match &release.rendered.notes {
        Some(notes) => {
            let mut text = notes.trim_start_matches('\n').to_owned();
            if !text.ends_with('\n') {
                text.push('\n');
            }
            super::emit(out, &text)?;
        }
        None => {
            let _ = writeln!(
                err,
                "{}: the chart has no templates/NOTES.txt",
                release.chart.origin.display()
            );
        }
    }
    Ok(0)
}
