#!/usr/bin/env python3
"""Agreement between threatbox and the pass/fail labels of the Polaris and
Checkov Kubernetes test fixtures.

Each fixture file is labelled pass or fail for ONE peer check, by its name
(Polaris `checks/<check>/success*.yaml` / `failure*.yaml`) or by its folder and
name (Checkov `checks/example_<Check>/<...>-PASSED.yaml` / `-FAILED.yaml`).
For every labelled file whose check covers a property threatbox also checks,
the file is scanned ON ITS OWN (cross-file joins such as ServiceAccounts or
RoleBindings must not mix fixtures) and judged "fail" when at least one active
finding of the mapped rule(s) is reported in it, optionally restricted to the
findings whose message matches the subcase the peer check is about.

Prints per-check and overall agreement and writes every disagreement to
`target/k8s-label-disagreements.tsv` (check, file, label, ours, our findings).

Usage: scripts/compare-k8s-labels.py [--corpus DIR] [--threatbox PATH]
                                     [--out FILE] [--dump]
Python 3.11, standard library only.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rule(codes, msg=None, note="", exempt=False):
    """A mapping row: threatbox rule codes, an optional regex on the finding
    message (the subcase the peer check is about), and why. `exempt`: the peer
    does not judge the RBAC objects it exempts by name (see EXEMPT_RBAC)."""
    return {"codes": tuple(codes.split()), "msg": re.compile(msg) if msg else None,
            "note": note, "all": None, "any": None, "exempt": exempt}


def all_of(parts, note=""):
    """A row that fails only when EVERY (code, message regex) part has a
    finding: for a peer check that passes when any one of several hardenings
    is present."""
    return {"codes": tuple(c for c, _ in parts), "msg": None, "note": note,
            "all": [(c, re.compile(m) if m else None) for c, m in parts], "any": None,
            "exempt": False}


def any_of(parts, note="", exempt=False):
    """A row that fails when ANY (code, message regex) part has a finding:
    for a peer check that covers several properties, each one ours under its
    own rule and subcase."""
    return {"codes": tuple(c for c, _ in parts), "msg": None, "note": note, "all": None,
            "any": [(c, re.compile(m) if m else None) for c, m in parts], "exempt": exempt}


def nocover(note):
    return {"codes": (), "msg": None, "note": note, "all": None, "any": None, "exempt": False}


# Polaris' RBAC checks skip bindings named `system:*` (Kubernetes' own), the
# default `cluster-admin` binding, and the GKE `gce:podsecuritypolicy:calico-sa`
# role and binding; their fixtures label such objects "success" whatever they
# grant. To judge the same question, those objects are removed before the scan.
EXEMPT_BINDING = re.compile(r"^(system:.*|cluster-admin|gce:podsecuritypolicy:calico-sa)$")
EXEMPT_ROLE = re.compile(r"^gce:podsecuritypolicy:calico-sa$")

# Messages of TB501 about a full wildcard (every verb, resource and API group)
# or cluster-admin, reached through a binding in the file.
BOUND_ADMIN = (r"^(?!.*not bound)(?=.*(bound to|grants))"
               r"(?=.*(cluster-admin|every verb on every resource \(`\*`\)(?! of API groups)))")
# TB503 about exec/attach: any (role checks) or reached through a binding.
EXEC_ATTACH = r"pods/(exec|attach)"
BOUND_EXEC_ATTACH = r"^(?!.*not bound)(?=.*(bound to|grants)).*pods/(exec|attach)"
# The same, through a RoleBinding to a Role only (Polaris has a separate check
# for RoleBindings to ClusterRoles).
ROLE_BOUND_EXEC_ATTACH = r"^(?=Role |RoleBinding `[^`]*` grants Role )" + BOUND_EXEC_ATTACH[1:]
ROLE_BOUND_ADMIN = r"^(?=Role |RoleBinding `[^`]*` grants Role )" + BOUND_ADMIN[1:]


# Polaris check name -> threatbox rules. Polaris checks are per workload or per
# container; the fixtures hold one object (plus what it needs).
POLARIS = {
    # Container properties.
    "runAsPrivileged": rule("TB401", note="privileged: true"),
    "privilegeEscalationAllowed": rule("TB406", note="allowPrivilegeEscalation not false"),
    "hostIPCSet": rule("TB405", msg=r"IPC namespace", note="hostIPC only"),
    "hostPIDSet": rule("TB405", msg=r"PID namespace", note="hostPID only"),
    "hostNetworkSet": rule("TB405", msg=r"network namespace", note="hostNetwork only"),
    "hostPortSet": rule("TB416", msg=r"host port|publishes port",
                        note="a hostPort (not our privileged-container-port or SSH subcases)"),
    "hostPathSet": rule("TB403 TB404", note="Polaris: any hostPath volume; we judge hostPath "
                        "volumes that a container mounts (sensitive path or writable)"),
    "runAsRootAllowed": rule("TB408", note="root after pod/container resolution"),
    "notReadOnlyRootFilesystem": rule("TB409", note="readOnlyRootFilesystem not true"),
    "procMount": rule("TB413", note="procMount Unmasked"),
    "dangerousCapabilities": rule("TB407", msg=r"adds capability",
                                  note="a capability added (our added-capability subcase)"),
    "insecureCapabilities": rule("TB407", msg=r"adds capability|NET_RAW included|it keeps",
                                 note="Polaris' list is the runtime's default set plus NET_ADMIN: "
                                 "fail when a default capability is kept or one is added; our "
                                 "'default set dropped one by one, ALL not dropped' subcase is "
                                 "stricter than Polaris"),
    "linuxHardening": all_of([("TB410", None), ("TB411", None),
                              ("TB407", r"(?i)does not drop ALL|adds capability ALL\b")],
                             note="Polaris passes when ANY of seccomp, AppArmor, SELinux or a "
                             "capability drop (without adding ALL) is set: fail only when our "
                             "three rules all fire"),
    "cpuLimitsMissing": rule("TB412", msg=r"(?i)cpu", note="CPU limit subcase"),
    "memoryLimitsMissing": rule("TB412", msg=r"(?i)memory", note="memory limit subcase"),
    "livenessProbeMissing": rule("TB418", msg=r"has no liveness", note="liveness subcase"),
    "readinessProbeMissing": rule("TB418", msg=r"has no (liveness and )?readiness",
                                  note="readiness subcase"),
    "tagNotSpecified": rule("TB415", msg=r"(?i)latest|no tag|untagged|whatever was pushed last",
                            note="mutable tag subcase (not the digest subcase)"),
    "pullPolicyNotAlways": nocover("Polaris asks for imagePullPolicy: Always; we flag mutable "
                                   "tags, not the pull policy itself (Always does not pin "
                                   "anything)"),
    "automountServiceAccountToken": rule("TB417", note="token mounted"),
    "sensitiveContainerEnvVar": rule("TB414", msg=r"literal",
                                     note="literal secret values only: Polaris accepts "
                                     "`valueFrom.secretKeyRef`, our other subcase"),
    "sensitiveConfigmapContent": rule("TB524", note="secret-named keys and credential "
                                      "values in ConfigMap data"),
    "hostProcess": rule("TB401", msg="host process", note="Windows HostProcess is TB401's subcase"),
    "tlsSettingsMissing": rule("TB522", note="Ingress without TLS"),
    "missingNetworkPolicy": rule("TB520 TB521", note="workload without NetworkPolicy"),
    # RBAC.
    "clusterrolebindingClusterAdmin": rule("TB501", msg=BOUND_ADMIN, exempt=True,
                                           note="bound cluster-admin or full wildcard (verbs, "
                                           "resources and API groups); our rule also flags "
                                           "partial wildcards, a different subcase"),
    "rolebindingClusterAdminClusterRole": rule("TB501", msg=BOUND_ADMIN, exempt=True,
                                               note="as clusterrolebindingClusterAdmin"),
    "rolebindingClusterAdminRole": rule("TB501", msg=ROLE_BOUND_ADMIN, exempt=True,
                                        note="as clusterrolebindingClusterAdmin, for a Role"),
    "clusterrolePodExecAttach": rule("TB503", msg=EXEC_ATTACH, exempt=True,
                                     note="exec/attach subcase"),
    "rolePodExecAttach": rule("TB503", msg=EXEC_ATTACH, exempt=True, note="exec/attach subcase"),
    # Polaris' three binding checks also fail a binding whose role is missing
    # (fixtures `failure.binding_points_to_missing_ref.yaml`): our TB508.
    "clusterrolebindingPodExecAttach": any_of([("TB503", BOUND_EXEC_ATTACH),
                                               ("TB508", r"^ClusterRoleBinding ")],
                                              exempt=True,
                                              note="exec/attach reached through a binding, "
                                              "or a binding to a missing role (TB508)"),
    "rolebindingClusterRolePodExecAttach": any_of([("TB503", BOUND_EXEC_ATTACH),
                                                   ("TB508", r"^RoleBinding `[^`]*` grants ClusterRole ")],
                                                  exempt=True,
                                                  note="exec/attach reached through a binding, "
                                                  "or a binding to a missing ClusterRole "
                                                  "(TB508)"),
    "rolebindingRolePodExecAttach": any_of([("TB503", ROLE_BOUND_EXEC_ATTACH),
                                            ("TB508", r"^RoleBinding `[^`]*` grants Role ")],
                                           exempt=True,
                                           note="exec/attach of a Role reached through a "
                                           "RoleBinding, or a RoleBinding to a missing Role "
                                           "(TB508)"),
    # Reliability / hygiene checks with no security property of ours.
    "cpuRequestsMissing": rule("TB431", msg="CPU"),
    "memoryRequestsMissing": rule("TB431", msg="memory"),
    "deploymentMissingReplicas": nocover("reliability"),
    "hpaMaxAvailability": nocover("reliability"),
    "hpaMinAvailability": nocover("reliability"),
    "metadataAndInstanceMismatched": nocover("labelling hygiene"),
    "missingPodDisruptionBudget": nocover("reliability"),
    "nakedPod": nocover("reliability"),
    "oneController": nocover("reliability"),
    "pdbDisruptionsIsZero": nocover("reliability"),
    "pdbMinAvailableGreaterThanHPAMinReplicas": nocover("reliability"),
    "priorityClassNotSet": nocover("reliability"),
    "resourceRange": nocover("resource sizing policy"),
    "topologySpreadConstraint": nocover("reliability"),
}

# Checkov folder (check class) -> threatbox rules; the CKV id is in the comment.
CHECKOV = {
    "PrivilegedContainers": rule("TB401", note="CKV_K8S_16"),
    "AllowPrivilegeEscalation": rule("TB406", note="CKV_K8S_20"),
    "ShareHost": rule("TB405", note="CKV_K8S_17/18/19 (one folder for the three)"),
    "HostPort": rule("TB416", msg=r"host port|publishes port", note="CKV_K8S_26: a hostPort"),
    "DockerSocketVolume": rule("TB402", note="CKV_K8S_27"),
    "AllowedCapabilities": rule("TB407", msg=r"adds capability",
                                note="CKV_K8S_25: capability added"),
    "AllowedCapabilitiesSysAdmin": rule("TB407", msg=r"adds capability (SYS_ADMIN|ALL)\b",
                                        note="CKV_K8S_39: SYS_ADMIN (or ALL) added"),
    "DropCapabilities": rule("TB407", msg=r"NET_RAW", note="CKV_K8S_28: NET_RAW kept or added"),
    "RootContainers": rule("TB408", note="CKV_K8S_23"),
    "ReadOnlyFilesystem": rule("TB409", note="CKV_K8S_22"),
    "Seccomp": rule("TB410", note="CKV_K8S_31"),
    "Requests_Limits": rule("TB412", note="CKV_K8S_10..13 (one folder for the four)"),
    "LivenessReadiness": rule("TB418", note="CKV_K8S_8/9"),
    "Secrets": rule("TB414", note="CKV_K8S_35: secrets as env"),
    "ImageTagFixed": rule("TB415", msg=r"whatever was pushed last", note="CKV_K8S_14: tag"),
    "ImageDigest": rule("TB415", note="CKV_K8S_43: digest"),
    "ImagePullPolicy": nocover("CKV_K8S_15: pull policy Always (see pullPolicyNotAlways)"),
    "ServiceAccountTokens": rule("TB417", note="CKV_K8S_38"),
    "DefaultServiceAccountBinding": rule("TB507", note="CKV_K8S_42"),
    "DefaultServiceAccount": nocover("CKV_K8S_41: automount on the default ServiceAccount "
                                     "object itself"),
    "WildcardRoles": rule("TB501", note="CKV_K8S_49"),
    "RbacBindRoleBindings": rule("TB504", msg=r"`bind`", note="CKV_K8S_157"),
    "RbacEscalateRoles": rule("TB504", msg=r"`escalate`", note="CKV_K8S_158"),
    "RbacApproveCertificateSigningRequests": rule("TB504", msg=r"CertificateSigningRequests",
                                                  note="CKV_K8S_156"),
    "RbacControlWebhooks": rule("TB504", msg=r"webhook", note="CKV_K8S_155"),
    # API server flags.
    "ApiServerAnonymousAuth": rule("TB601", note="CKV_K8S_68"),
    "ApiServerBasicAuthFile": rule("TB605", msg=r"basic-auth-file", note="CKV_K8S_69"),
    "ApiServerTokenAuthFile": rule("TB605", msg=r"token-auth-file", note="CKV_K8S_70"),
    "ApiServerKubeletHttps": nocover("CKV_K8S_71: `--kubelet-https` was removed in 1.20"),
    "ApiServerKubeletClientCertAndKey": rule("TB605", msg=r"kubelet-client-certificate",
                                             note="CKV_K8S_72"),
    "ApiServerkubeletCertificateAuthority": rule("TB605", msg=r"kubelet-certificate-authority",
                                                 note="CKV_K8S_73"),
    "ApiServerAuthorizationModeNotAlwaysAllow": rule("TB602", msg=r"AlwaysAllow",
                                                     note="CKV_K8S_74"),
    # TB602 reports the first problem; an unset flag means AlwaysAllow alone.
    "ApiServerAuthorizationModeNode": rule(
        "TB602", msg=r"is not set|lacks Node|`--authorization-mode=(?![^`]*\bNode\b)[^`]*` lacks",
        note="CKV_K8S_75: Node missing from the modes"),
    "ApiServerAuthorizationModeRBAC": rule("TB602", msg=r"is not set|lacks RBAC",
                                           note="CKV_K8S_77: RBAC missing from the modes"),
    "ApiServerAdmissionControlEventRateLimit": rule("TB608", msg=r"EventRateLimit", note="CKV_K8S_78"),
    "ApiServerAdmissionControlAlwaysAdmit": rule("TB605", msg=r"AlwaysAdmit", note="CKV_K8S_79"),
    "ApiServerAlwaysPullImagesPlugin": rule("TB608", msg=r"AlwaysPullImages", note="CKV_K8S_80"),
    "ApiServerSecurityContextDenyPlugin": nocover("CKV_K8S_81: SecurityContextDeny is "
                                                  "deprecated and removed in 1.30"),
    "ApiServerServiceAccountPlugin": rule("TB605", msg=r"ServiceAccount is disabled",
                                          note="CKV_K8S_82"),
    "ApiServerNamespaceLifecyclePlugin": rule("TB605", msg=r"NamespaceLifecycle",
                                              note="CKV_K8S_83"),
    "ApiServerPodSecurityPolicyPlugin": nocover("CKV_K8S_84: PodSecurityPolicy was removed "
                                                "in 1.25"),
    "ApiServerNodeRestrictionPlugin": rule("TB605", msg=r"NodeRestriction", note="CKV_K8S_85"),
    "ApiServerInsecureBindAddress": rule("TB603", msg=r"insecure-bind-address",
                                         note="CKV_K8S_86"),
    "ApiServerInsecurePort": rule("TB603", msg=r"insecure-port", note="CKV_K8S_88"),
    "ApiServerSecurePort": rule("TB603", msg=r"secure-port", note="CKV_K8S_89"),
    "ApiServerProfiling": rule("TB605", msg=r"profiling", note="CKV_K8S_90"),
    "ApiServerAuditLog": rule("TB604", msg=r"audit-log-path", note="CKV_K8S_91"),
    "ApiServerAuditLogMaxAge": rule("TB604", msg=r"maxage", note="CKV_K8S_92"),
    "ApiServerAuditLogMaxBackup": rule("TB604", msg=r"maxbackup", note="CKV_K8S_93"),
    "ApiServerAuditLogMaxSize": rule("TB604", msg=r"maxsize", note="CKV_K8S_94"),
    "ApiServerRequestTimeout": nocover("CKV_K8S_95: request timeout is availability tuning"),
    "ApiServerServiceAccountLookup": rule("TB605", msg=r"service-account-lookup",
                                          note="CKV_K8S_96"),
    "ApiServerServiceAccountKeyFile": rule("TB605", msg=r"service-account-key-file",
                                           note="CKV_K8S_97"),
    "ApiServerEtcdCertAndKey": rule("TB605", msg=r"etcd-certfile", note="CKV_K8S_99"),
    "ApiServerTlsCertAndKey": rule("TB605", msg=r"tls-cert-file", note="CKV_K8S_100"),
    "ApiServerEtcdCaFile": rule("TB605", msg=r"etcd-cafile", note="CKV_K8S_102"),
    "ApiServerEncryptionProviders": rule("TB605", msg=r"encryption-provider-config",
                                         note="CKV_K8S_104"),
    "ApiServerStrongCryptographicCiphers": rule("TB608", msg=r"tls-cipher-suites", note="CKV_K8S_105"),
    # Controller manager and scheduler.
    "KubeControllerManagerTerminatedPods": nocover("CKV_K8S_106: GC threshold is availability"),
    "KubeControllerManagerBlockProfiles": rule("TB607", msg=r"profiling", note="CKV_K8S_107"),
    "KubeControllerManagerServiceAccountCredentials": rule(
        "TB607", msg=r"use-service-account-credentials", note="CKV_K8S_108"),
    "KubeControllerManagerServiceAccountPrivateKeyFile": rule(
        "TB607", msg=r"service-account-private-key-file", note="CKV_K8S_110"),
    "KubeControllerManagerRootCAFile": rule("TB607", msg=r"root-ca-file", note="CKV_K8S_111"),
    "RotateKubeletServerCertificate": rule("TB607 TB613", msg=r"RotateKubeletServerCertificate",
                                           note="CKV_K8S_112"),
    "ControllerManagerBindAddress": rule("TB607", msg=r"bind-address", note="CKV_K8S_113"),
    "SchedulerProfiling": rule("TB607", msg=r"profiling", note="CKV_K8S_114"),
    "SchedulerBindAddress": rule("TB607", msg=r"bind-address", note="CKV_K8S_115"),
    # etcd.
    "EtcdCertAndKey": rule("TB606", msg=r"--cert-file|--key-file", note="CKV_K8S_116"),
    "EtcdClientCertAuth": rule("TB606", msg=r"--client-cert-auth", note="CKV_K8S_117"),
    "EtcdAutoTls": rule("TB606", msg=r"--auto-tls", note="CKV_K8S_118"),
    "EtcdPeerFiles": rule("TB606", msg=r"peer-cert-file|peer-key-file", note="CKV_K8S_119"),
    "PeerClientCertAuthTrue": rule("TB606", msg=r"peer-client-cert-auth", note="CKV_K8S_121"),
    # Kubelet.
    "KubeletAnonymousAuth": rule("TB610", note="CKV_K8S_138"),
    "KubeletAuthorizationModeNotAlwaysAllow": rule("TB611", note="CKV_K8S_139"),
    "KubeletClientCa": rule("TB613", msg=r"client CA", note="CKV_K8S_140"),
    "KubeletReadOnlyPort": rule("TB612", note="CKV_K8S_141"),
    "KubeletStreamingConnectionIdleTimeout": rule("TB613", msg=r"streaming",
                                                  note="CKV_K8S_143"),
    "KubeletProtectKernelDefaults": rule("TB613", msg=r"protectKernelDefaults|protect-kernel",
                                         note="CKV_K8S_144"),
    "KubeletMakeIptablesUtilChains": rule("TB613", msg=r"(?i)iptables", note="CKV_K8S_145"),
    "KubeletHostnameOverride": rule("TB614", msg=r"hostname-override", note="CKV_K8S_146"),
    "KubletEventCapture": rule("TB614", msg=r"event-qps|eventRecordQPS", note="CKV_K8S_147"),
    "KubeletKeyFilesSetAppropriate": rule("TB614", msg=r"self-signed", note="CKV_K8S_148: serving certificate and key"),
    "KubletRotateCertificates": rule("TB613", msg=r"rotateCertificates|rotate-certificates",
                                     note="CKV_K8S_149"),
    "KubeletCryptographicCiphers": rule("TB614", msg=r"cipher suite", note="CKV_K8S_151"),
    "DefaultNamespace": rule("TB526", note="CKV_K8S_21: namespaced objects in `default` "
                             "or in no namespace"),
    "NoDefaultNamespace": rule("TB526", note="CKV_K8S_21"),
    "KubernetesDashboard": rule("TB525", msg=r"dashboard",
                                note="CKV_K8S_33: dashboard image, label or login flags"),
    "Tiller": rule("TB525", msg=r"Tiller", note="CKV_K8S_34: Tiller image"),
    "TillerDeploymentListener": rule("TB525", msg=r"Tiller",
                                     note="CKV_K8S_45: Tiller (we report the image; its "
                                     "listen address does not make it safe)"),
    "DangerousGitSync": rule("TB525", msg=r"instead of `git`",
                             note="CKV_K8S_159: git-sync told to run another program "
                             "(our low git-sync-image subcase is not the peer's question)"),
    "NginxIngressCVE202125742": rule("TB525", msg=r"CVE-2021-25742",
                                     note="CKV_K8S_152..154: nginx snippet annotations"),
    # Not covered.
    "TillerService": nocover("CKV_K8S_44: a Service named like Tiller's; we judge the "
                             "workload's image"),
    "PSP": nocover("PodSecurityPolicy (removed in 1.25)"),
    "RootContainersPSP": nocover("CKV_K8S_6: PodSecurityPolicy"),
    "RootContainersHighUID": any_of([("TB408", r"^(?!.*own user namespace)"), ("TB426", None)],
                                    note="CKV_K8S_40: root or unknown (TB408, not in a user namespace) or a UID/GID below 10000 (TB426)"),
    "SecurityContexts": nocover("CKV_K8S_29/30: presence of a securityContext block"),
    "Suppressed": nocover("Checkov's own suppression comments"),
    "WildcardEntities": nocover("Checkov graph check, file unlabelled"),
}


def polaris_label(name):
    low = name.lower()
    if low.startswith("success"):
        return "pass"
    if low.startswith("failure"):
        return "fail"
    return None  # mutated*.yaml: output of Polaris' mutation, not a label


def checkov_label(name):
    """PASSED/FAILED (any case) in the file name. A file holding both a passing
    and a failing object (`1PASSED-1FAILED`, `PASSESONEFAILSONE`) fails: at
    least one object in it fails the check. UNKNOWN or no word: unlabelled."""
    stem = name.rsplit(".", 1)[0]
    if re.search(r"fail", stem, re.I):
        return "fail"
    if re.search(r"pass", stem, re.I):
        return "pass"
    return None


def labelled_files(corpus):
    out = []  # (peer, check, path, label)
    pol = os.path.join(corpus, "polaris", "test", "checks")
    if os.path.isdir(pol):
        for check in sorted(os.listdir(pol)):
            d = os.path.join(pol, check)
            for f in sorted(os.listdir(d)):
                lab = polaris_label(f)
                if lab:
                    out.append(("polaris", check, os.path.join(d, f), lab))
    ck = os.path.join(corpus, "checkov", "tests", "kubernetes", "checks")
    if os.path.isdir(ck):
        for folder in sorted(os.listdir(ck)):
            check = folder.removeprefix("example_")
            d = os.path.join(ck, folder)
            for f in sorted(os.listdir(d)):
                lab = checkov_label(f)
                if lab:
                    out.append(("checkov", check, os.path.join(d, f), lab))
    return out


def without_exempt_rbac(text):
    """The file's YAML documents minus the RBAC objects Polaris exempts by name."""
    kept = []
    for doc in re.split(r"(?m)^---[ \t]*$", text):
        kind = re.search(r"(?m)^kind:\s*(\S+)", doc)
        name = re.search(r"(?m)^metadata:[ \t]*\n(?:[ \t]+.*\n)*?[ \t]+name:\s*[\"']?([^\"'\s]+)",
                         doc)
        kind, name = (kind.group(1) if kind else ""), (name.group(1) if name else "")
        if kind in ("ClusterRoleBinding", "RoleBinding") and EXEMPT_BINDING.match(name):
            continue
        if kind in ("ClusterRole", "Role") and EXEMPT_ROLE.match(name):
            continue
        kept.append(doc)
    return "---".join(kept)


def scan(threatbox, path, exempt=False):
    if exempt:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        filtered = without_exempt_rbac(text)
        if filtered != text:
            with tempfile.TemporaryDirectory() as tmp:
                copy = os.path.join(tmp, os.path.basename(path))
                with open(copy, "w", encoding="utf-8") as f:
                    f.write(filtered)
                return scan(threatbox, copy)
    proc = subprocess.run([threatbox, "scan", "--format", "json", "--fail-on", "critical", path],
                          capture_output=True, text=True)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        sys.exit(f"threatbox gave no JSON for {path} (exit {proc.returncode}): "
                 f"{proc.stderr.strip()[:300]}")
    return [(f["code"], f["message"]) for f in report.get("findings", [])]


def judge(row, findings):
    if row["all"]:
        parts = [[(c, m) for c, m in findings if c == code and (rx is None or rx.search(m))]
                 for code, rx in row["all"]]
        if all(parts):
            return "fail", [h for p in parts for h in p]
        return "pass", []
    if row["any"]:
        hits = [(c, m) for c, m in findings
                if any(c == code and (rx is None or rx.search(m)) for code, rx in row["any"])]
        return ("fail" if hits else "pass"), hits
    hits = [(c, m) for c, m in findings
            if c in row["codes"] and (row["msg"] is None or row["msg"].search(m))]
    return ("fail" if hits else "pass"), hits


def default_binary():
    here = os.path.join(REPO, "target", "release", "threatbox")
    other = os.environ.get("CARGO_TARGET_DIR")
    if not os.path.exists(here) and other:
        return os.path.join(other, "release", "threatbox")
    return here


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default="/work/shared/corpora/k8s")
    ap.add_argument("--threatbox", default=default_binary(),
                    help="threatbox binary (default: target/release/threatbox of this repo, "
                    "or of $CARGO_TARGET_DIR when that is set and the first is missing)")
    ap.add_argument("--out", default=os.path.join(REPO, "target", "k8s-label-disagreements.tsv"))
    ap.add_argument("--dump", action="store_true", help="print every finding of every file")
    args = ap.parse_args()

    if not os.path.isfile(args.threatbox):
        sys.exit(f"no threatbox binary at {args.threatbox}: run `cargo build --release` "
                 "or pass --threatbox PATH")
    files = labelled_files(args.corpus)
    if not files:
        sys.exit(f"no labelled files under {args.corpus}")
    per = defaultdict(lambda: [0, 0])  # (peer, check) -> [agree, total]
    uncovered = defaultdict(int)
    unknown = set()
    rows = []
    for peer, check, path, label in files:
        table = POLARIS if peer == "polaris" else CHECKOV
        row = table.get(check)
        if row is None:
            unknown.add((peer, check))
            continue
        if not row["codes"]:
            uncovered[(peer, check)] += 1
            continue
        findings = scan(args.threatbox, path, row["exempt"])
        ours, hits = judge(row, findings)
        if args.dump:
            print(f"{peer}/{check} {os.path.basename(path)} label={label} ours={ours}")
            for c, m in findings:
                print(f"    {c} {m}")
        per[(peer, check)][1] += 1
        if ours == label:
            per[(peer, check)][0] += 1
        else:
            shown = hits or [(c, m) for c, m in findings if c in row["codes"]]
            rows.append((f"{peer}/{check}", os.path.relpath(path, args.corpus), label, ours,
                         " | ".join(f"{c} {m}" for c, m in shown)))

    print(f"{'check':58} {'agree':>5} {'files':>5}")
    for peer in ("polaris", "checkov"):
        for (p, check), (a, n) in sorted(per.items()):
            if p == peer:
                mark = "" if a == n else "  <-"
                print(f"{p + '/' + check:58} {a:5} {n:5}{mark}")
    agree = sum(a for a, _ in per.values())
    total = sum(n for _, n in per.values())
    for peer in ("polaris", "checkov"):
        a = sum(v[0] for k, v in per.items() if k[0] == peer)
        n = sum(v[1] for k, v in per.items() if k[0] == peer)
        if n:
            print(f"{peer}: {a}/{n} = {100 * a / n:.1f}%")
    print(f"overall (covered checks): {agree}/{total} = {100 * agree / max(total, 1):.1f}%")
    print(f"not covered: {sum(uncovered.values())} labelled files in {len(uncovered)} checks: "
          + ", ".join(f"{p}/{c}" for p, c in sorted(uncovered)))
    if unknown:
        print("checks missing from the table: " + ", ".join(f"{p}/{c}" for p, c in sorted(unknown)))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("check\tfile\tlabel\tours\tfindings\n")
        for r in rows:
            f.write("\t".join(x.replace("\t", " ").replace("\n", " ") for x in r) + "\n")
    print(f"{len(rows)} disagreements written to {args.out}")


if __name__ == "__main__":
    main()
