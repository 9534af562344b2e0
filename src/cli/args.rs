//! Flags shared by every command that renders.

use std::path::PathBuf;

use keelson::values::{Layer, SetFlags, Source};
use keelson::{Capabilities, Event, RenderRequest};

// The chart and the values to layer over its defaults.
#[derive(Debug, Clone, clap::Args)]
pub struct ValuesArgs {
    /// Chart directory or .tgz archive.
    #[arg(value_name = "CHART", default_value = "chart")]
    pub chart: PathBuf,

    #[command(flatten)]
    pub layers: LayerArgs,
}

// The values files and `--set` family, in the order Helm layers them.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LayerArgs {
    /// Values file (YAML) layered over the chart defaults; repeat for more, later files
    /// win; `-` reads standard input.
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,

    /// Set a value: `a.b=1`, `list[0]=x`, `a={x,y}`; typed like Helm (numbers, booleans,
    /// null); comma-separated assignments; applied after all files.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,

    /// Set a value, always as a string (applied after --set).
    #[arg(long = "set-string", value_name = "KEY=VALUE")]
    pub set_string: Vec<String>,

    /// Set a value from JSON: `a={"x":1}` (applied before --set).
    #[arg(long = "set-json", value_name = "KEY=JSON")]
    pub set_json: Vec<String>,

    /// Set a value to the contents of a file, relative to the working directory (applied
    /// after --set-string).
    #[arg(long = "set-file", value_name = "KEY=PATH")]
    pub set_file: Vec<String>,

    /// Set a value to the literal text after `=`: no commas, escapes or typing (applied last).
    #[arg(long = "set-literal", value_name = "KEY=VALUE")]
    pub set_literal: Vec<String>,
}

// The release and the cluster it is rendered for.
#[derive(Debug, Clone, clap::Args)]
pub struct ReleaseArgs {
    /// Release name [default: the chart's name].
    #[arg(long = "release", value_name = "NAME")]
    pub release: Option<String>,

    /// Namespace of the release; namespaced objects without one are placed here.
    #[arg(
        short = 'n',
        long = "namespace",
        value_name = "NS",
        default_value = "default"
    )]
    pub namespace: String,

    /// Kubernetes version to render for, `X.Y` or `X.Y.Z` [default: 1.36.0].
    #[arg(long = "kube-version", value_name = "X.Y")]
    pub kube_version: Option<String>,

    /// Extra API group/versions the cluster serves (for `capabilities.api_versions`).
    #[arg(long = "api-versions", value_name = "GROUP/VERSION")]
    pub api_versions: Vec<String>,

    /// Render an upgrade: `release.is_upgrade` is true and the pre/post-upgrade hooks run.
    #[arg(long = "is-upgrade")]
    pub is_upgrade: bool,
}

impl LayerArgs {
    /// Whether no values flag was given.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
            && self.set.is_empty()
            && self.set_string.is_empty()
            && self.set_json.is_empty()
            && self.set_file.is_empty()
            && self.set_literal.is_empty()
    }

    /// The value layers in Helm's precedence; `-f -` is read from stdin now.
    pub fn layers(&self) -> Result<Vec<Layer>, keelson::Error> {
        let mut layers = Vec::new();
        let mut stdin_used = false;
        for path in &self.values {
            if path.as_os_str() == "-" {
                if stdin_used {
                    return Err(usage(
                        "`-f -` is given twice",
                        "standard input can be read once",
                    ));
                }
                stdin_used = true;
                let io = |source| keelson::Error::Io {
                    path: "<stdin>".into(),
                    source,
                };
                let bytes = keelson::values::read_limited(std::io::stdin().lock()).map_err(io)?;
                let text = String::from_utf8(bytes).map_err(|e| {
                    io(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        e.utf8_error(),
                    ))
                })?;
                layers.push(Layer::Text {
                    source: Source::Stdin,
                    text,
                });
            } else {
                layers.push(Layer::File(path.clone()));
            }
        }
        let flags = SetFlags {
            json: self.set_json.clone(),
            value: self.set.clone(),
            string: self.set_string.clone(),
            file: self.set_file.clone(),
            literal: self.set_literal.clone(),
        };
        layers.extend(flags.layers());
        Ok(layers)
    }
}

/// A usage error.
pub fn usage(message: &str, hint: &str) -> keelson::Error {
    keelson::Error::Usage {
        message: message.to_owned(),
        hint: hint.to_owned(),
    }
}

/// Builds a render request from the shared flags.
pub fn request(
    values: &ValuesArgs,
    release: &ReleaseArgs,
) -> Result<RenderRequest, keelson::Error> {
    let mut request = RenderRequest::new(values.chart.clone());
    request.layers = values.layers.layers()?;
    request.release_name = release.release.clone();
    if let Some(name) = &release.release
        && !keelson::chart::is_dns1123_label(name)
    {
        return Err(usage(
            &format!("--release `{name}` is not a valid release name"),
            "use lowercase letters, digits and `-`, starting and ending with a letter or digit",
        ));
    }
    if !keelson::chart::is_dns1123_label(&release.namespace) {
        return Err(usage(
            &format!(
                "--namespace `{}` is not a valid namespace",
                release.namespace
            ),
            "use lowercase letters, digits and `-`, at most 63 characters",
        ));
    }
    request.namespace = release.namespace.clone();
    let mut capabilities = Capabilities::default();
    if let Some(version) = &release.kube_version {
        capabilities.kube_version = parse_kube_version(version)?;
    }
    for api in &release.api_versions {
        if !capabilities.api_versions.contains(api) {
            capabilities.api_versions.push(api.clone());
        }
    }
    request.capabilities = capabilities;
    if release.is_upgrade {
        request.event = Event::Upgrade;
        request.revision = 2;
    }
    Ok(request)
}

/// `1.30`, `v1.30`, `1.30.2` → a version.
pub fn parse_kube_version(text: &str) -> Result<semver::Version, keelson::Error> {
    let trimmed = text.trim_start_matches('v');
    let parts: Vec<&str> = trimmed.split('.').collect();
    let numbers: Option<Vec<u64>> = parts.iter().map(|p| p.parse().ok()).collect();
    match numbers.as_deref() {
        Some([major, minor]) => Ok(semver::Version::new(*major, *minor, 0)),
        Some([major, minor, patch]) => Ok(semver::Version::new(*major, *minor, *patch)),
        _ => Err(usage(
            &format!("--kube-version `{text}` is not a Kubernetes version"),
            "write MAJOR.MINOR, e.g. `--kube-version 1.34`",
        )),
    }
}
