//! TB607 `controller-manager-scheduler-flags`: kube-controller-manager and
//! kube-scheduler settings of the CIS benchmark.

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::{components, flag_finding, is_false};
use crate::model::control_plane::ComponentKind;

pub struct ControllerManagerSchedulerFlags;

pub static META: RuleMeta = RuleMeta {
    code: "TB607",
    slug: "controller-manager-scheduler-flags",
    title: "Controller manager or scheduler flag weakens the control plane",
    severity: Severity::Medium,
    stride: &[Stride::InformationDisclosure, Stride::ElevationOfPrivilege],
    cwe: &[1188, 1327],
    stage: LifecycleStage::Host,
    cis: &[
        "CIS-Kubernetes-1.3.2",
        "CIS-Kubernetes-1.3.3",
        "CIS-Kubernetes-1.3.4",
        "CIS-Kubernetes-1.3.5",
        "CIS-Kubernetes-1.3.6",
        "CIS-Kubernetes-1.3.7",
        "CIS-Kubernetes-1.4.1",
        "CIS-Kubernetes-1.4.2",
    ],
    peers: &[
        "CKV_K8S_107",
        "CKV_K8S_108",
        "CKV_K8S_110",
        "CKV_K8S_111",
        "CKV_K8S_112",
        "CKV_K8S_113",
        "CKV_K8S_114",
        "CKV_K8S_115",
        "KCV-0034",
        "KCV-0035",
        "KCV-0036",
        "KCV-0037",
        "KCV-0038",
        "KCV-0039",
        "KCV-0040",
        "KCV-0041",
    ],
    remediation: "Set `--profiling=false` and `--bind-address=127.0.0.1` on both; give the controller manager `--use-service-account-credentials=true`, `--service-account-private-key-file` and `--root-ca-file`.",
    docs: r#"
**What it detects.** kube-controller-manager with `--profiling` not false
(1.3.2), without `--use-service-account-credentials=true` (1.3.3),
`--service-account-private-key-file` (1.3.4) or `--root-ca-file` (1.3.5),
with the `RotateKubeletServerCertificate=false` feature gate (1.3.6) or a
`--bind-address` other than loopback, unset included (1.3.7); kube-scheduler with
`--profiling` not false (1.4.1) or a non-loopback `--bind-address` (1.4.2). An unset address
means 0.0.0.0.

**Why it is a threat.** Profiling and metrics endpoints on every interface
leak internals to the network (Information disclosure); without per-controller
service-account credentials every controller runs with the manager's broad
identity, and without the signing key and root CA service-account tokens and
their trust cannot be managed (Elevation of privilege).

**Example.**
```yaml
command: [kube-scheduler, --bind-address=0.0.0.0]
```

**Fix.** The kubeadm defaults plus `--profiling=false`.
"#,
};

fn loopback(address: &str) -> bool {
    address == "127.0.0.1" || address == "::1" || address == "localhost"
}

impl Rule for ControllerManagerSchedulerFlags {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for cm in components(ctx, ComponentKind::ControllerManager) {
            let missing = |f: &str| cm.flag(f).is_none_or(|x| x.text().is_empty());
            if !is_false(cm, "profiling") {
                sink.push(flag_finding(
                    &META,
                    cm,
                    "profiling",
                    "1.3.2",
                    "`--profiling` is not false",
                ));
            }
            if cm
                .flag("use-service-account-credentials")
                .is_none_or(|f| f.text() != "true")
            {
                sink.push(flag_finding(&META, cm, "use-service-account-credentials", "1.3.3", "`--use-service-account-credentials` is not true: all controllers share one broad identity"));
            }
            if missing("service-account-private-key-file") {
                sink.push(flag_finding(&META, cm, "service-account-private-key-file", "1.3.4", "no `--service-account-private-key-file`: tokens cannot be signed with a managed key"));
            }
            if missing("root-ca-file") {
                sink.push(flag_finding(
                    &META,
                    cm,
                    "root-ca-file",
                    "1.3.5",
                    "no `--root-ca-file`: pods cannot verify the API server",
                ));
            }
            if cm
                .list("feature-gates")
                .contains(&"RotateKubeletServerCertificate=false")
            {
                sink.push(flag_finding(
                    &META,
                    cm,
                    "feature-gates",
                    "1.3.6",
                    "RotateKubeletServerCertificate is turned off",
                ));
            }
            // Unset, the address defaults to 0.0.0.0 (every interface).
            let bind = cm
                .flag("bind-address")
                .map_or("0.0.0.0 (default)", |f| f.text());
            if !loopback(bind) {
                sink.push(flag_finding(
                    &META,
                    cm,
                    "bind-address",
                    "1.3.7",
                    format!(
                        "`--bind-address` is {bind}: the controller manager serves beyond the node"
                    ),
                ));
            }
        }
        for scheduler in components(ctx, ComponentKind::Scheduler) {
            if !is_false(scheduler, "profiling") {
                sink.push(flag_finding(
                    &META,
                    scheduler,
                    "profiling",
                    "1.4.1",
                    "`--profiling` is not false",
                ));
            }
            // Unset, the address defaults to 0.0.0.0 (every interface).
            let bind = scheduler
                .flag("bind-address")
                .map_or("0.0.0.0 (default)", |f| f.text());
            if !loopback(bind) {
                sink.push(flag_finding(
                    &META,
                    scheduler,
                    "bind-address",
                    "1.4.2",
                    format!("`--bind-address` is {bind}: the scheduler serves beyond the node"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    fn run(program: &str, flags: &str) -> Vec<crate::analyse::finding::Finding> {
        let pod = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: x}}\nspec:\n  containers:\n  - name: x\n    command:\n    - {program}\n{flags}"
        );
        check_system(
            &ControllerManagerSchedulerFlags,
            &kube_system(&[("cp.yaml", &pod)]),
        )
    }

    #[test]
    fn scheduler_profiling_and_bind_address() {
        assert_eq!(
            lines(&run("kube-scheduler", "    - --bind-address=0.0.0.0\n")),
            vec![8, 9]
        );
        assert!(
            run(
                "kube-scheduler",
                "    - --profiling=false\n    - --bind-address=127.0.0.1\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn controller_manager_flags() {
        let good = "    - --profiling=false\n    - --use-service-account-credentials=true\n    - --service-account-private-key-file=/pki/sa.key\n    - --root-ca-file=/pki/ca.crt\n    - --bind-address=127.0.0.1\n";
        assert!(run("kube-controller-manager", good).is_empty());
        let f = run(
            "kube-controller-manager",
            "    - --feature-gates=RotateKubeletServerCertificate=false\n",
        );
        assert_eq!(lines(&f), vec![8, 8, 8, 8, 8, 9]);
    }
}
