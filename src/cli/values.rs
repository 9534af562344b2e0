//! `keelson values`

use std::io::Write;

use super::args::{ReleaseArgs, ValuesArgs, request};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// YAML, keys in source order.
    Yaml,
    /// JSON, keys in source order, pretty-printed.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    values: ValuesArgs,

    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "yaml")]
    output: Format,
}

pub fn run(args: Args, out: &mut impl Write, err: &mut impl Write) -> Result<i32, keelson::Error> {
    let release = ReleaseArgs {
        release: None,
        namespace: "default".into(),
        kube_version: None,
        api_versions: Vec::new(),
        is_upgrade: false,
    };
    let (_, values) = keelson::load_values(&request(&args.values, &release)?)?;
    super::warn(&values, err);
    let map = serde_json::Value::Object(values.map);
    let text = match args.output {
        Format::Yaml if map.as_object().is_some_and(|m| m.is_empty()) => "{}\n".to_owned(),
        Format::Yaml => keelson::yaml::emit_value(&map) + "\n",
        Format::Json => serde_json::to_string_pretty(&map).unwrap_or_default() + "\n",
    };
    super::emit(out, &text)?;
    Ok(0)
}
