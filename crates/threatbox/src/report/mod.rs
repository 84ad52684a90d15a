//! Reports: renderers read the analysis and compute nothing of their own.

pub mod attack;
pub mod attack_paths;
pub mod catalogue;
pub mod document;
pub mod json;
pub mod sarif;
pub mod text;

use crate::analyse::Analysis;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

/// Renders the analysis. `color` applies to text only.
pub fn render(analysis: &Analysis, format: Format, color: bool) -> String {
    match format {
        Format::Text => text::render(analysis, color),
        Format::Json => json::render(analysis),
        Format::Sarif => sarif::render(analysis),
    }
}
