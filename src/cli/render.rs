//! `keelson render`

use std::io::Write;
use std::path::{Path, PathBuf};

use keelson::{Phase, Selection};

use super::args::{ReleaseArgs, ValuesArgs, request};

/// Which objects to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PhaseArg {
    /// Pre hooks of the event, main resources, post hooks.
    All,
    /// Only the pre-install (or pre-upgrade) hooks, by weight.
    Pre,
    /// Only the main resources, in install order.
    Main,
    /// Only the post-install (or post-upgrade) hooks, by weight.
    Post,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    values: ValuesArgs,

    #[command(flatten)]
    release: ReleaseArgs,

    /// Which part of the release to print: apply `pre`, wait for the hooks, then `main`.
    #[arg(long = "phase", value_enum, default_value = "all")]
    phase: PhaseArg,

    /// Leave out every hook (same as `--phase main`).
    #[arg(long = "no-hooks", conflicts_with = "phase")]
    no_hooks: bool,

    /// Only print objects from this template (chart-relative, e.g. templates/service.yaml);
    /// repeatable.
    #[arg(short = 's', long = "show-only", value_name = "TEMPLATE")]
    show_only: Vec<String>,

    /// Write one file per template under DIR/<chart>/templates/ instead of printing;
    /// replaces that directory as a whole, only once everything rendered.
    #[arg(long = "output-dir", value_name = "DIR")]
    output_dir: Option<PathBuf>,

    /// Record this render as the next revision of the release (needs --release): revision
    /// last+1, an upgrade when the release has revisions (an install otherwise), printed
    /// only once recorded. Records the whole release, so it takes no --phase, --no-hooks,
    /// --show-only, --output-dir or --is-upgrade.
    #[arg(
        long = "record",
        requires = "release",
        conflicts_with_all = ["phase", "no_hooks", "show_only", "output_dir", "is_upgrade"]
    )]
    record: bool,

    /// Directory holding release history (with --record) [env: KEELSON_STATE_DIR]
    /// [default: ./.keelson].
    #[arg(long = "state-dir", value_name = "DIR", requires = "record")]
    state_dir: Option<PathBuf>,

    /// Keep at most N revisions of the release, removing the oldest (with --record; 0
    /// keeps all).
    #[arg(
        long = "history-max",
        value_name = "N",
        default_value_t = 10,
        requires = "record"
    )]
    history_max: usize,
}

pub fn run(args: Args, out: &mut impl Write, err: &mut impl Write) -> Result<i32, keelson::Error> {
    let request = request(&args.values, &args.release)?;
    if args.record {
        let history = super::history::open(args.state_dir.as_ref())?;
        let options = keelson::release::RecordOptions {
            history_max: args.history_max,
        };
        let (release, revision) = keelson::release::record(&history, &request, &options)?;
        super::warn(&release.values, err);
        super::emit(out, &revision.manifest)?;
        let _ = writeln!(
            err,
            "recorded release `{}` revision {}: {}",
            revision.release, revision.revision, revision.description
        );
        return Ok(0);
    }
    // Printing needs only each object's text: trees are let go as soon as they are checked.
    let request = keelson::RenderRequest {
        keep: keelson::Keep::Text,
        ..request
    };
    let release = keelson::render_chart(&request)?;
    super::warn(&release.values, err);
    let phase = match (args.no_hooks, args.phase) {
        (true, _) | (_, PhaseArg::Main) => Phase::Main,
        (_, PhaseArg::All) => Phase::All,
        (_, PhaseArg::Pre) => Phase::Pre,
        (_, PhaseArg::Post) => Phase::Post,
    };
    let selection = Selection {
        phase,
        show_only: args.show_only,
    };
    let objects = release.select(&selection)?;
    match &args.output_dir {
        Some(dir) => {
            write_dir(dir, &release, &objects)?;
            let _ = writeln!(err, "wrote {}", dir.join(release.chart.name()).display());
        }
        None => super::emit_with(out, |out| release.manifests.write(&objects, out))?,
    }
    // The process ends here: freeing a large release piece by piece costs more than the
    // whole render's output takes to write, and the OS reclaims it at exit anyway.
    std::mem::forget(release);
    Ok(0)
}

/// Writes each template's objects to `dir/<chart>/<template path>`: staged in a sibling
/// directory and moved into place only when every file is written.
fn write_dir(
    dir: &Path,
    release: &keelson::Release,
    objects: &[&keelson::Manifest],
) -> Result<(), keelson::Error> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| keelson::Error::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let name = release.chart.name();
    let target = dir.join(name);
    let staging = dir.join(format!(".{name}.keelson-{}", std::process::id()));
    let result = (|| {
        let mut by_template: std::collections::BTreeMap<&str, Vec<&keelson::Manifest>> =
            Default::default();
        for object in objects {
            by_template
                .entry(object.source.as_str())
                .or_default()
                .push(object);
        }
        for (template, objects) in by_template {
            let path = staging.join(template);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::write(&path, release.manifests.to_stream(&objects)).map_err(io(&path))?;
        }
        std::fs::create_dir_all(&staging).map_err(io(&staging))?;
        if target.exists() {
            std::fs::remove_dir_all(&target).map_err(io(&target))?;
        }
        std::fs::rename(&staging, &target).map_err(io(&target))
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}
