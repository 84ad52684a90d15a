//! The system model: one normalised description of images, containers,
//! workloads, identities and exposure, whatever file each came from.

pub mod build;
pub mod compose;
pub mod control_plane;
pub mod docker;
pub mod image;
pub mod image_archive;
pub mod kubernetes;
pub mod load;
pub mod network;
pub mod rbac;
pub mod resolve;
pub mod runtime;

use docker::DaemonConfig;
use image::BuildImage;
use kubernetes::KubeObject;
use runtime::Workload;

use crate::source::Diagnostic;

/// Everything threatbox knows about the system under analysis.
#[derive(Debug, Default)]
pub struct System {
    pub images: Vec<BuildImage>,
    /// Kubernetes pod templates, compose services, inspected containers.
    pub workloads: Vec<Workload>,
    /// Every Kubernetes object read (RBAC, Services, NetworkPolicies,
    /// control-plane static pods, CRDs…), in input order.
    pub kube_objects: Vec<KubeObject>,
    pub daemons: Vec<DaemonConfig>,
    /// Resolved from `kube_objects` by [`resolve::resolve`].
    pub rbac: rbac::Rbac,
    /// Services, Ingresses and NetworkPolicies joined to `workloads`.
    pub network: network::Network,
    /// Control-plane components and kubelet settings.
    pub control_plane: control_plane::ControlPlane,
}

/// What one input file contributes; fragments are merged into the
/// [`System`] in input order, then [`resolve::resolve`] joins across files.
#[derive(Debug, Default)]
pub struct Fragment {
    pub workloads: Vec<Workload>,
    pub kube_objects: Vec<KubeObject>,
    pub daemons: Vec<DaemonConfig>,
    pub diagnostics: Vec<Diagnostic>,
}

impl System {
    pub fn add(&mut self, fragment: Fragment) -> Vec<Diagnostic> {
        self.workloads.extend(fragment.workloads);
        self.kube_objects.extend(fragment.kube_objects);
        self.daemons.extend(fragment.daemons);
        fragment.diagnostics
    }
}
