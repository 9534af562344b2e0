//! keelson renders Helm-style charts written in Tera into Kubernetes manifests, without a
//! cluster and without Go templates.
//!
//! The pipeline is a chain of stages, each borrowing the previous stage's type:
//!
//! ```text
//! chart::load(path)                       → Chart      the only stage that reads the chart
//! values::layer(&chart, &layers)          → Values     defaults < -f files < --set family
//! render::render(&chart, &values, ..)     → Rendered   one entry per template, by path
//! manifest::split(&rendered, ..)          → Manifests  checked objects in install order
//! ```
//!
//! [`render_chart`] runs the whole chain for a [`RenderRequest`]. No stage prints; the
//! binary writes what they return. Errors are one enum per stage, gathered in [`Error`],
//! which also picks the process exit code.
#![warn(clippy::print_stdout, clippy::print_stderr)]

mod bounded;
pub mod chart;
mod error;
pub mod manifest;
pub mod package;
mod parallel;
pub mod release;
pub mod render;
pub mod validate;
pub mod values;
pub mod yaml;

use std::path::PathBuf;

pub use chart::{Chart, LoadError};
pub use error::Error;
pub use manifest::{Body, Event, Keep, Manifest, ManifestError, Manifests, Phase, Selection};
pub use package::{Package, PackageError};
pub use release::{History, ReleaseError, Revision};
pub use render::{Capabilities, ReleaseInfo, RenderError, Rendered};
pub use validate::{Finding, Report, Severity, ValidateError};
pub use values::{Layer, Values, ValuesError};

/// Everything a render needs: which chart, which values, which release, which cluster.
#[derive(Debug, Clone)]
pub struct RenderRequest {
    /// Chart directory or archive.
    pub chart: PathBuf,
    /// User value layers, lowest precedence first.
    pub layers: Vec<Layer>,
    /// Release name and namespace; `None` name means "the chart's name".
    pub release_name: Option<String>,
    /// Release namespace.
    pub namespace: String,
    /// Install or upgrade (picks hooks and `release.is_install`).
    pub event: Event,
    /// Revision number (1 unless the history says otherwise).
    pub revision: u64,
    /// What the cluster offers.
    pub capabilities: Capabilities,
    /// Refuse unreadable hook annotations (`render`), or note them on the objects (`lint`).
    pub hook_check: manifest::HookCheck,
    /// Keep each object's tree (lint, history, diff) or only its text (printing).
    pub keep: Keep,
}

impl RenderRequest {
    /// A request to install `chart` with default everything.
    pub fn new(chart: impl Into<PathBuf>) -> RenderRequest {
        RenderRequest {
            chart: chart.into(),
            layers: Vec::new(),
            release_name: None,
            namespace: "default".into(),
            event: Event::Install,
            revision: 1,
            capabilities: Capabilities::default(),
            hook_check: manifest::HookCheck::Refuse,
            keep: Keep::Tree,
        }
    }
}

/// The outcome of a render: every stage's product, for printing, recording or checking.
#[derive(Debug, Clone)]
pub struct Release {
    /// The loaded chart.
    pub chart: Chart,
    /// The merged values.
    pub values: Values,
    /// Release identity as the templates saw it.
    pub info: ReleaseInfo,
    /// Rendered templates and notes.
    pub rendered: Rendered,
    /// The objects.
    pub manifests: Manifests,
    /// Install or upgrade.
    pub event: Event,
    /// The parsed templates that rendered it. The release owns all that its render built,
    /// so that whoever ends with it decides when that is freed (`keelson render` leaves it
    /// to the end of the process).
    _templates: render::Engine,
}

/// Loads the chart and layers the values of `request`.
///
/// # Errors
/// [`Error::Load`] or [`Error::Values`] (including values that break the chart's
/// `values.schema.json`).
pub fn load_values(request: &RenderRequest) -> Result<(Chart, Values), Error> {
    let chart = load_chart(request)?;
    let values = checked_values(request, &chart)?;
    Ok((chart, values))
}

/// Loads the chart and layers the values of `request`, without the schema check (for
/// callers that report schema violations themselves, as `lint` does).
///
/// # Errors
/// [`Error::Load`] or [`Error::Values`].
pub fn load_layers(request: &RenderRequest) -> Result<(Chart, Values), Error> {
    let chart = load_chart(request)?;
    let values = values::layer(&chart, &request.layers, &mut read_set_file)?;
    Ok((chart, values))
}

fn load_chart(request: &RenderRequest) -> Result<Chart, Error> {
    Ok(chart::load(&request.chart, &chart::Limits::default())?)
}

/// `request`'s values layered over `chart`'s and checked against its schema.
fn checked_values(request: &RenderRequest, chart: &Chart) -> Result<Values, Error> {
    let mut values = values::layer(chart, &request.layers, &mut read_set_file)?;
    values::schema::check(chart, &mut values)?;
    Ok(values)
}

/// `--set-file` paths are relative to the working directory, as in Helm.
fn read_set_file(path: &str) -> Result<String, String> {
    let bytes = values::read_file_limited(std::path::Path::new(path))
        .map_err(|e| format!("cannot read `{path}`: {e}"))?;
    String::from_utf8(bytes).map_err(|_| format!("`{path}` is not UTF-8 text"))
}

/// Runs load → layer → render → split for `request`.
///
/// # Errors
/// The first stage's error, naming the file (and line and column) at fault.
pub fn render_chart(request: &RenderRequest) -> Result<Release, Error> {
    let chart = load_chart(request)?;
    // Layering and checking the values needs only the chart, and so does parsing the
    // templates: when templates and schema together weigh enough, each side gets a thread.
    // The values' verdict still comes first, as when the stages run one after the other.
    let weight = match chart.file(values::schema::SCHEMA_FILE) {
        Some(schema) => {
            schema.len()
                + chart
                    .templates
                    .iter()
                    .map(|t| t.source.len())
                    .sum::<usize>()
        }
        None => 0,
    };
    let (values, engine) = parallel::join_weighing(
        weight,
        || checked_values(request, &chart),
        || render::Engine::new(&chart, &request.capabilities),
    );
    let values = values?;
    let engine = engine?;
    render_with(request, engine, chart, values)
}

/// Renders and splits an already loaded chart with its layered values (render → split).
///
/// # Errors
/// [`Error::Render`] or [`Error::Manifest`].
pub fn render_loaded(
    request: &RenderRequest,
    chart: Chart,
    values: Values,
) -> Result<Release, Error> {
    let engine = render::Engine::new(&chart, &request.capabilities)?;
    render_with(request, engine, chart, values)
}

/// [`render_loaded`] with the templates parsed already.
fn render_with(
    request: &RenderRequest,
    engine: render::Engine,
    chart: Chart,
    mut values: Values,
) -> Result<Release, Error> {
    let name = request
        .release_name
        .clone()
        .unwrap_or_else(|| chart.meta.name.clone());
    let mut info = ReleaseInfo::install(name, request.namespace.clone());
    if request.event == Event::Upgrade {
        info = info.upgrade(request.revision);
    }
    info.revision = request.revision;
    let rendered = match request.keep {
        Keep::Tree => engine.render(&chart, &values, &info, &request.capabilities)?,
        Keep::Text => engine.render_taking(&chart, &mut values, &info, &request.capabilities)?,
    };
    let manifests = manifest::split_with(
        &rendered,
        &request.namespace,
        &|p| chart.display_path(p),
        request.hook_check,
        request.keep,
    )?;
    Ok(Release {
        chart,
        values,
        info,
        rendered,
        manifests,
        event: request.event,
        _templates: engine,
    })
}

impl Release {
    /// Chart-relative paths of the manifest templates, for `--show-only`.
    pub fn template_paths(&self) -> Vec<String> {
        self.rendered
            .templates
            .iter()
            .map(|t| t.path.clone())
            .collect()
    }

    /// The objects `selection` picks, as the YAML stream keelson prints.
    ///
    /// # Errors
    /// [`Error::Manifest`] when `--show-only` names no template.
    pub fn stream(&self, selection: &Selection) -> Result<String, Error> {
        Ok(self.manifests.to_stream(&self.select(selection)?))
    }

    /// The objects `selection` picks, in the order keelson prints them (write them with
    /// [`Manifests::write`]).
    ///
    /// # Errors
    /// [`Error::Manifest`] when `--show-only` names no template.
    pub fn select(&self, selection: &Selection) -> Result<Vec<&Manifest>, Error> {
        Ok(self
            .manifests
            .select(self.event, selection, &self.template_paths())?)
    }
}
