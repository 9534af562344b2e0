//! Command-line interface: parse, call the library, print.

mod args;
mod diff;
mod get;
mod history;
mod lint;
mod notes;
mod package;
mod render;
mod repo;
mod rollback;
mod values;
mod verify;

use std::ffi::OsString;
use std::io::{self, Write};

use clap::{Parser, Subcommand};

/// Render Helm-style charts written in Tera into Kubernetes manifests, without a cluster.
#[derive(Debug, Parser)]
#[command(name = "keelson", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Each command's arguments are built only when it runs (`defer`): building all of them
/// for every run touches some 90 KiB of memory for nothing. With `defer`, clap would take
/// a doc comment on an `Args` struct as the command's description, so those structs carry
/// plain comments; `tests/cli.rs` (`help_texts`) holds every command's help.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
enum Command {
    /// Render the chart's manifests to stdout (or --output-dir), ready for `kubectl apply -f -`.
    Render(render::Args),
    /// Print the merged values the templates see.
    Values(values::Args),
    /// Print the chart's rendered NOTES.txt.
    Notes(notes::Args),
    /// Pack the chart into a reproducible DIR/NAME-VERSION.tgz and print its path and digest.
    #[command(disable_version_flag = true)]
    Package(package::Args),
    /// Chart repository tools.
    Repo(repo::Args),
    /// Check a chart archive: safe to unpack, a valid chart, and (with --digest) the
    /// expected bytes.
    Verify(verify::Args),
    /// Check the values and every rendered object (Kubernetes schema, deployment rules).
    Lint(lint::Args),
    /// List the recorded revisions of a release.
    History(history::Args),
    /// Print what a recorded revision holds.
    Get(get::Args),
    /// Compare two revisions, or a render with the latest revision (exit 1 when they differ).
    Diff(diff::Args),
    /// Print a recorded revision for `kubectl apply -f -` and record it as the next revision.
    Rollback(rollback::Args),
}

/// Runs the command line `args` (the program's name first) and returns the process exit
/// code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let mut stdout = io::stdout().lock();
    let mut stderr = io::stderr().lock();
    let result = match cli.command {
        Command::Render(args) => render::run(args, &mut stdout, &mut stderr),
        Command::Values(args) => values::run(args, &mut stdout, &mut stderr),
        Command::Notes(args) => notes::run(args, &mut stdout, &mut stderr),
        Command::Package(args) => package::run(args, &mut stdout),
        Command::Repo(args) => repo::run(args, &mut stdout),
        Command::Verify(args) => verify::run(args, &mut stdout),
        Command::Lint(args) => lint::run(args, &mut stdout, &mut stderr),
        Command::History(args) => history::run(args, &mut stdout, &mut stderr),
        Command::Get(args) => get::run(args, &mut stdout, &mut stderr),
        Command::Diff(args) => diff::run(args, &mut stdout, &mut stderr),
        Command::Rollback(args) => rollback::run(args, &mut stdout, &mut stderr),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            if let keelson::Error::Io { source, .. } = &error
                && source.kind() == io::ErrorKind::BrokenPipe
            {
                return 0;
            }
            report(&error, &mut stderr);
            error.exit_code()
        }
    }
}

/// Prints an error and its causes to stderr.
fn report(error: &keelson::Error, stderr: &mut impl Write) {
    let _ = writeln!(stderr, "error: {error}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let _ = writeln!(stderr, "  caused by: {cause}");
        source = cause.source();
    }
}

/// Writes `text` to stdout in one piece, so that a failure leaves nothing half-printed.
fn emit(out: &mut impl Write, text: &str) -> Result<(), keelson::Error> {
    emit_with(out, |out| out.write_all(text.as_bytes()))
}

/// Lets `write` print through a buffer (stdout itself flushes at every newline).
fn emit_with(
    out: &mut impl Write,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), keelson::Error> {
    let mut buffered = io::BufWriter::with_capacity(64 * 1024, out);
    write(&mut buffered)
        .and_then(|()| buffered.flush())
        .map_err(|source| keelson::Error::Io {
            path: "<stdout>".into(),
            source,
        })
}

/// Prints values warnings to stderr.
fn warn(values: &keelson::Values, stderr: &mut impl Write) {
    for warning in &values.warnings {
        let _ = writeln!(stderr, "warning: {warning}");
    }
}
