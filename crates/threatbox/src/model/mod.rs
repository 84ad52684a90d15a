//! The system model: one normalised description of images, containers,
//! workloads, identities and exposure, whatever file each came from.

pub mod build;
pub mod compose;
pub mod control_plane;
pub mod docker;
pub mod env_file;
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
    /// Built images read from `docker save` archives and OCI layouts.
    pub image_archives: Vec<image_archive::ImageArchive>,
    /// Trivy / Grype reports; linked to archives and containers in
    /// [`resolve::resolve`].
    pub vulnerability_reports: Vec<image_archive::VulnerabilityReport>,
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
    /// The vulnerabilities reported for the images a container runs (once
    /// each: a CVE in a package counted once however many reports list it).
    pub fn vulnerabilities_of_container(
        &self,
        container: &runtime::Container,
    ) -> Vec<&image_archive::Vulnerability> {
        let mut seen = std::collections::HashSet::new();
        container
            .vulnerability_reports
            .iter()
            .filter_map(|&i| self.vulnerability_reports.get(i))
            .flat_map(|r| &r.vulnerabilities)
            .filter(|v| seen.insert((&v.id, &v.package, &v.installed_version)))
            .collect()
    }

    /// The vulnerabilities of every container of a workload, with the
    /// container that carries each (for the attack analysis: a critical
    /// vulnerability with a fix in an exposed workload is an entry point).
    pub fn vulnerabilities_of<'a>(
        &'a self,
        workload: &'a Workload,
    ) -> Vec<(&'a runtime::Container, &'a image_archive::Vulnerability)> {
        workload
            .containers
            .iter()
            .flat_map(|c| {
                self.vulnerabilities_of_container(c)
                    .into_iter()
                    .map(move |v| (c, v))
            })
            .collect()
    }

    /// The image archive a container runs, when one was scanned.
    pub fn image_archive_of(
        &self,
        container: &runtime::Container,
    ) -> Option<&image_archive::ImageArchive> {
        self.image_archives.get(container.image_archive?)
    }

    pub fn add(&mut self, fragment: Fragment) -> Vec<Diagnostic> {
        self.workloads.extend(fragment.workloads);
        self.kube_objects.extend(fragment.kube_objects);
        self.daemons.extend(fragment.daemons);
        fragment.diagnostics
    }
}
