//! TB430 `non-core-volume-type`: a pod volume of a type the Pod Security
//! Standards `restricted` level does not allow (gitRepo, flexVolume,
//! in-line network or cloud storage).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::workload_subject;
use crate::model::runtime::{Platform, Workload};

pub struct NonCoreVolumeType;

pub static META: RuleMeta = RuleMeta {
    code: "TB430",
    slug: "non-core-volume-type",
    title: "Pod volume type outside the restricted allow-list",
    severity: Severity::Medium,
    stride: &[Stride::ElevationOfPrivilege, Stride::InformationDisclosure],
    cwe: &[829, 668],
    stage: LifecycleStage::Runtime,
    cis: &[],
    peers: &["KSV-0028"],
    remediation: "Use the volume types Pod Security `restricted` allows: configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret. Clone repositories in an init container into an emptyDir instead of `gitRepo`; replace `flexVolume` with a CSI driver; reach network and cloud storage through a PersistentVolumeClaim bound to an administrator's PersistentVolume or StorageClass.",
    docs: r#"
**What it detects.** A Kubernetes pod volume whose type is outside the Pod
Security Standards `restricted` allow-list (configMap, csi, downwardAPI,
emptyDir, ephemeral, persistentVolumeClaim, projected, secret), at the
volume type's key:

- `gitRepo` — high: deprecated, and the kubelet runs `git` on the node as
  root to fill it; a crafted repository (hooks, CVE-2024-10220) runs
  commands on the node.
- `flexVolume` — medium: the kubelet executes a driver binary from the
  node's plugin directory as root with options the pod supplies.
- in-line network or cloud storage — low: `nfs`, `iscsi`, `rbd`, `cephfs`,
  `glusterfs`, `cinder`, `awsElasticBlockStore`, `azureDisk`, `azureFile`,
  `gcePersistentDisk`, `fc`, `flocker`, `vsphereVolume`, `quobyte`,
  `portworxVolume`, `scaleIO`, `storageos`, `photonPersistentDisk`.

`hostPath` is TB403 / TB404 and not reported again here. The OCI `image`
volume (Kubernetes 1.31+, read-only content pulled like an image) is not
reported. A key that is not a Kubernetes volume type is not guessed at (the
API server rejects it). Compose and docker have no pod volumes and are not
checked.

**Why it is a threat.** The restricted level allows only volume types whose
content the cluster controls. `gitRepo` and `flexVolume` make the kubelet run
programs on the node with root privileges on behalf of whoever writes a pod
spec: that is node compromise from a namespace-level permission (CWE-829,
Inclusion of Functionality from Untrusted Control Sphere). In-line network
and cloud volumes bypass the PersistentVolumeClaim / StorageClass control
administrators use to decide which storage a namespace may reach: the pod
spec names the server and export path, the disk id or the credentials
secret, so anyone who can create pods can mount storage that belongs to
another tenant, and the spec discloses where it lives (CWE-668, Exposure of
Resource to Wrong Sphere) (STRIDE: Elevation of privilege, Information
disclosure).

**Example.**
```yaml
volumes:
  - name: site
    gitRepo:
      repository: https://example.com/site.git
  - name: shared
    nfs: { server: 10.0.0.5, path: /exports/data }
```

**Fix.** Clone in an init container, and claim storage through a PVC:
```yaml
initContainers:
  - name: clone
    image: alpine/git:2.45.2
    args: ["clone", "--depth=1", "https://example.com/site.git", "/site"]
    volumeMounts: [{ name: site, mountPath: /site }]
volumes:
  - name: site
    emptyDir: {}
  - name: shared
    persistentVolumeClaim: { claimName: shared-data }
```
"#,
};

/// The restricted level's allow-list; `hostPath` is left to TB403/TB404.
const ALLOWED: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
    "hostPath",
    // OCI image volumes (1.31+): read-only content pulled like an image.
    "image",
];

/// In-tree network and cloud storage types written straight into the pod.
const NETWORK_STORAGE: &[&str] = &[
    "nfs",
    "iscsi",
    "rbd",
    "cephfs",
    "glusterfs",
    "cinder",
    "awsElasticBlockStore",
    "azureDisk",
    "azureFile",
    "gcePersistentDisk",
    "fc",
    "flocker",
    "vsphereVolume",
    "quobyte",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "photonPersistentDisk",
];

/// Severity and reason for a volume type; `None` when it is allowed or not
/// a Kubernetes volume type at all.
fn judge(volume_type: &str) -> Option<(Severity, &'static str)> {
    if ALLOWED.contains(&volume_type) {
        return None;
    }
    match volume_type {
        "gitRepo" => Some((
            Severity::High,
            "deprecated, the kubelet runs git on the node as root to fill it and a crafted repository runs commands there (CVE-2024-10220)",
        )),
        "flexVolume" => Some((
            Severity::Medium,
            "the kubelet runs a driver binary on the node as root with options from the pod spec",
        )),
        t if NETWORK_STORAGE.contains(&t) => Some((
            Severity::Low,
            "network or cloud storage named in the pod spec bypasses PersistentVolumeClaim and StorageClass control, and the spec carries its server, path or credentials",
        )),
        _ => None,
    }
}

impl Rule for NonCoreVolumeType {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        if workload.platform != Platform::Kubernetes {
            return;
        }
        for volume in &workload.volumes {
            let Some(volume_type) = &volume.volume_type else {
                continue;
            };
            let Some((severity, why)) = judge(&volume_type.value) else {
                continue;
            };
            sink.push(
                Finding::new(
                    &META,
                    volume_type.location.clone(),
                    format!(
                        "{} declares `{}` volume `{}`, outside the Pod Security restricted allow-list: {why}",
                        workload_subject(workload),
                        volume_type.value,
                        volume.name
                    ),
                )
                .with_severity(severity),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_file, lines};

    fn pod(volumes: &str) -> Vec<Finding> {
        let text = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n  - name: a\n    image: nginx\n  volumes:\n{volumes}"
        );
        check_file(&NonCoreVolumeType, "pod.yaml", &text)
    }

    #[test]
    fn severity_follows_the_volume_type_at_its_key() {
        let f = pod(
            "  - name: site\n    gitRepo:\n      repository: https://example.com/site.git\n  - name: drv\n    flexVolume: {driver: example/lvm}\n  - name: shared\n    nfs: {server: 10.0.0.5, path: /exports}\n  - name: disk\n    awsElasticBlockStore: {volumeID: vol-1}\n",
        );
        assert_eq!(lines(&f), vec![10, 13, 15, 17]);
        let severities: Vec<Severity> = f.iter().map(|f| f.severity).collect();
        assert_eq!(
            severities,
            vec![
                Severity::High,
                Severity::Medium,
                Severity::Low,
                Severity::Low
            ]
        );
        assert!(
            f[0].message
                .starts_with("Pod `p` declares `gitRepo` volume `site`, outside"),
            "{}",
            f[0].message
        );
        assert!(f[0].message.contains("CVE-2024-10220"));
        assert!(f[2].message.contains("PersistentVolumeClaim"));
    }

    #[test]
    fn every_network_storage_type_is_low() {
        for t in NETWORK_STORAGE {
            let f = pod(&format!("  - name: v\n    {t}: {{}}\n"));
            assert_eq!(lines(&f), vec![10], "{t}");
            assert_eq!(f[0].severity, Severity::Low, "{t}");
        }
    }

    #[test]
    fn allowed_types_host_path_and_unknown_keys_are_not_reported() {
        let f = pod(
            "  - name: a\n    configMap: {name: c}\n  - name: b\n    secret: {secretName: s}\n  - name: c\n    emptyDir: {}\n  - name: d\n    persistentVolumeClaim: {claimName: x}\n  - name: e\n    projected: {sources: []}\n  - name: f\n    downwardAPI: {items: []}\n  - name: g\n    csi: {driver: x}\n  - name: h\n    ephemeral: {volumeClaimTemplate: {}}\n  - name: i\n    hostPath: {path: /etc}\n  - name: j\n    image: {reference: x}\n  - name: k\n    madeUpVolume: {}\n  - name: l\n",
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn other_platforms_are_not_checked() {
        let compose = "services:\n  app:\n    image: nginx\n    volumes: [\"data:/data\"]\nvolumes:\n  data:\n    driver_opts: {type: nfs, o: addr=10.0.0.5, device: \":/exports\"}\n";
        assert!(check_file(&NonCoreVolumeType, "compose.yaml", compose).is_empty());
    }

    #[test]
    fn malformed_volumes_do_not_panic_or_report_garbage() {
        for volumes in [
            "  - gitRepo: {repository: x}\n",
            "  - 7\n",
            "  - null\n",
            "  - [gitRepo]\n",
            "  - name: [x]\n    nfs: {}\n",
            "  - name: x\n    7: {}\n",
            "  - name: x\n    \"\": {}\n",
        ] {
            assert!(pod(volumes).is_empty(), "{volumes}");
        }
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: []\n  volumes: {gitRepo: {repository: x}}\n";
        assert!(check_file(&NonCoreVolumeType, "pod.yaml", text).is_empty());
    }
}
