//! The system model: one normalised description of images, containers,
//! workloads, identities and exposure, whatever file each came from.

pub mod build;
pub mod image;

use image::BuildImage;

/// Everything threatbox knows about the system under analysis.
#[derive(Debug, Default)]
pub struct System {
    pub images: Vec<BuildImage>,
}
