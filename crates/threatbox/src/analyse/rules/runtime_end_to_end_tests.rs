//! End to end through the loaders: the same misconfiguration written as a
//! Kubernetes manifest and as a compose file gives the same TB4xx rule, each
//! finding at its own line. Expected lines are marked `# <-` in the YAML.

use crate::analyse::finding::{Finding, Severity};
use crate::analyse::rule::Rule;
use crate::analyse::rules::testing::{check_file, lines};

/// Lines (1-based) carrying a `# <-` marker.
fn marked(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains("# <-"))
        .map(|(i, _)| i + 1)
        .collect()
}

/// Findings of `rule` on a Kubernetes manifest and on a compose file; each
/// must be exactly at the marked lines.
fn same_rule(rule: &'static dyn Rule, kube: &str, compose: &str) -> (Vec<Finding>, Vec<Finding>) {
    let k = check_file(rule, "k8s/app.yaml", kube);
    let c = check_file(rule, "compose.yaml", compose);
    let code = rule.meta().code;
    assert_eq!(lines(&k), marked(kube), "{code} on Kubernetes: {k:#?}");
    assert_eq!(lines(&c), marked(compose), "{code} on compose: {c:#?}");
    assert!(k.iter().chain(&c).all(|f| f.rule.code == code));
    (k, c)
}

fn rule(code: &str) -> &'static dyn Rule {
    super::all()
        .into_iter()
        .find(|r| r.meta().code == code)
        .expect("rule registered")
}

/// A hardened Deployment: `EXTRA` lines are spliced into the container's
/// securityContext.
const HARDENED_K8S: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        seccompProfile: { type: RuntimeDefault }
      containers:
        - name: api
          image: nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
          livenessProbe: { httpGet: { path: /healthz, port: 8080 } }
          readinessProbe: { httpGet: { path: /ready, port: 8080 } }
          resources:
            limits: { memory: 256Mi, cpu: 500m }
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
            appArmorProfile: { type: RuntimeDefault }
";

const HARDENED_COMPOSE: &str = "services:
  api:
    image: nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    user: \"10001:10001\"
    read_only: true
    cap_drop: [ALL]
    security_opt: [\"no-new-privileges:true\"]
    networks: [back]
    deploy:
      resources:
        limits: { memory: 256M, cpus: \"0.5\", pids: 200 }
";

#[test]
fn hardened_workloads_have_no_tb4xx_findings() {
    for r in super::all()
        .into_iter()
        .filter(|r| r.meta().code.starts_with("TB4"))
    {
        assert!(
            check_file(r, "k8s/app.yaml", HARDENED_K8S).is_empty(),
            "{}",
            r.meta().code
        );
        let c: Vec<Finding> = check_file(r, "compose.yaml", HARDENED_COMPOSE);
        assert!(c.is_empty(), "{}: {c:#?}", r.meta().code);
    }
}

#[test]
fn privileged() {
    same_rule(
        rule("TB401"),
        &HARDENED_K8S.replace(
            "          securityContext:\n",
            "          securityContext:\n            privileged: true # <-\n",
        ),
        &format!("{HARDENED_COMPOSE}    privileged: true # <-\n"),
    );
}

#[test]
fn docker_socket() {
    same_rule(
        rule("TB402"),
        &format!(
            "{HARDENED_K8S}          volumeMounts:\n            - {{ name: sock, mountPath: /var/run/docker.sock }} # <-\n      volumes:\n        - name: sock\n          hostPath: {{ path: /var/run/docker.sock }}\n"
        ),
        &format!(
            "{HARDENED_COMPOSE}    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock:ro # <-\n"
        ),
    );
    same_rule(
        rule("TB402"),
        HARDENED_K8S,
        &format!("{HARDENED_COMPOSE}    use_api_socket: true # <-\n"),
    );
}

#[test]
fn sensitive_and_writable_host_paths() {
    let kube = |path: &str, ro: &str| {
        format!(
            "{HARDENED_K8S}          volumeMounts:\n            - {{ name: host, mountPath: /host{ro} }} # <-\n      volumes:\n        - name: host\n          hostPath: {{ path: {path} }}\n"
        )
    };
    let compose = |bind: &str| format!("{HARDENED_COMPOSE}    volumes:\n      - {bind} # <-\n");
    let (k, c) = same_rule(rule("TB403"), &kube("/etc", ""), &compose("/etc:/host"));
    assert!(k.iter().chain(&c).all(|f| f.severity == Severity::High));
    let (k, c) = same_rule(
        rule("TB403"),
        &kube("/var/lib/kubelet", ", readOnly: true"),
        &compose("/var/lib/kubelet:/host:ro"),
    );
    assert!(k.iter().chain(&c).all(|f| f.severity == Severity::Medium));
    same_rule(
        rule("TB404"),
        &kube("/srv/cache", ""),
        &compose("/srv/cache:/host"),
    );
}

#[test]
fn host_namespaces() {
    same_rule(
        rule("TB405"),
        &HARDENED_K8S.replace(
            "      automountServiceAccountToken: false\n",
            "      automountServiceAccountToken: false\n      hostPID: true # <-\n      hostNetwork: true # <-\n",
        ),
        &format!("{HARDENED_COMPOSE}    pid: host # <-\n    network_mode: host # <-\n")
            .replace("    networks: [back]\n", ""),
    );
}

#[test]
fn privilege_escalation() {
    same_rule(
        rule("TB406"),
        &HARDENED_K8S.replace(
            "allowPrivilegeEscalation: false",
            "allowPrivilegeEscalation: true # <-",
        ),
        &HARDENED_COMPOSE.replace(
            "    security_opt: [\"no-new-privileges:true\"]\n",
            "    security_opt: [\"no-new-privileges:false\"] # <-\n",
        ),
    );
}

#[test]
fn capabilities() {
    let (k, c) = same_rule(
        rule("TB407"),
        &HARDENED_K8S.replace(
            "            capabilities: { drop: [ALL] }\n",
            "            capabilities:\n              drop: [ALL]\n              add:\n                - SYS_ADMIN # <-\n",
        ),
        &format!("{HARDENED_COMPOSE}    cap_add:\n      - SYS_ADMIN # <-\n"),
    );
    assert!(k.iter().chain(&c).all(|f| f.severity == Severity::High));
}

#[test]
fn runs_as_root() {
    same_rule(
        rule("TB408"),
        &HARDENED_K8S
            .replace("        runAsNonRoot: true\n", "")
            .replace("runAsUser: 10001", "runAsUser: 0 # <-"),
        &HARDENED_COMPOSE.replace("    user: \"10001:10001\"\n", "    user: root # <-\n"),
    );
}

#[test]
fn writable_root_filesystem() {
    same_rule(
        rule("TB409"),
        &HARDENED_K8S.replace(
            "readOnlyRootFilesystem: true",
            "readOnlyRootFilesystem: false # <-",
        ),
        &HARDENED_COMPOSE.replace("read_only: true", "read_only: false # <-"),
    );
}

#[test]
fn seccomp_unconfined() {
    same_rule(
        rule("TB410"),
        &HARDENED_K8S.replace(
            "        seccompProfile: { type: RuntimeDefault }\n",
            "        seccompProfile: { type: Unconfined } # <-\n",
        ),
        &HARDENED_COMPOSE.replace(
            "    security_opt: [\"no-new-privileges:true\"]\n",
            "    security_opt:\n      - no-new-privileges:true\n      - seccomp:unconfined # <-\n",
        ),
    );
}

#[test]
fn apparmor_unconfined() {
    same_rule(
        rule("TB411"),
        &HARDENED_K8S.replace(
            "            appArmorProfile: { type: RuntimeDefault }\n",
            "            appArmorProfile: { type: Unconfined } # <-\n",
        ),
        &HARDENED_COMPOSE.replace(
            "    security_opt: [\"no-new-privileges:true\"]\n",
            "    security_opt:\n      - no-new-privileges:true\n      - apparmor:unconfined # <-\n",
        ),
    );
}

#[test]
fn no_limits() {
    same_rule(
        rule("TB412"),
        &HARDENED_K8S
            .replace("        - name: api\n", "        - name: api # <-\n")
            .replace("            limits: { memory: 256Mi, cpu: 500m }\n", "            requests: { memory: 64Mi }\n"),
        &HARDENED_COMPOSE
            .replace("  api:\n", "  api: # <-\n")
            .replace("    deploy:\n      resources:\n        limits: { memory: 256M, cpus: \"0.5\", pids: 200 }\n", ""),
    );
}

#[test]
fn unmasked_proc() {
    same_rule(
        rule("TB413"),
        &HARDENED_K8S.replace(
            "          securityContext:\n",
            "          securityContext:\n            procMount: Unmasked # <-\n",
        ),
        &HARDENED_COMPOSE.replace(
            "    security_opt: [\"no-new-privileges:true\"]\n",
            "    security_opt:\n      - no-new-privileges:true\n      - systempaths=unconfined # <-\n",
        ),
    );
}

#[test]
fn literal_secret_in_env() {
    let (k, c) = same_rule(
        rule("TB414"),
        &format!(
            "{HARDENED_K8S}          env:\n            - name: DB_PASSWORD # <-\n              value: hunter2-prod\n"
        ),
        &format!("{HARDENED_COMPOSE}    environment:\n      DB_PASSWORD: hunter2-prod # <-\n"),
    );
    assert!(k.iter().chain(&c).all(|f| !f.message.contains("hunter2")));
}

#[test]
fn latest_image() {
    let pinned =
        "nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    same_rule(
        rule("TB415"),
        &HARDENED_K8S.replace(&format!("image: {pinned}"), "image: nginx:latest # <-"),
        &HARDENED_COMPOSE.replace(&format!("image: {pinned}"), "image: nginx:latest # <-"),
    );
}

#[test]
fn ssh_port_published() {
    same_rule(
        rule("TB416"),
        &format!(
            "{HARDENED_K8S}          ports:\n            - containerPort: 22 # <-\n              hostPort: 2222\n"
        ),
        &format!("{HARDENED_COMPOSE}    ports:\n      - \"2222:22\" # <-\n"),
    );
}

#[test]
fn token_and_probes_are_kubernetes_only() {
    let k = HARDENED_K8S.replace(
        "      automountServiceAccountToken: false\n",
        "      automountServiceAccountToken: true # <-\n",
    );
    same_rule(rule("TB417"), &k, HARDENED_COMPOSE);
    let k = HARDENED_K8S
        .replace("        - name: api\n", "        - name: api # <-\n")
        .replace(
            "          livenessProbe: { httpGet: { path: /healthz, port: 8080 } }\n",
            "",
        );
    same_rule(rule("TB418"), &k, HARDENED_COMPOSE);
}

#[test]
fn token_default_points_at_the_pod_spec() {
    let k = HARDENED_K8S
        .replace("      automountServiceAccountToken: false\n", "")
        .replace(
            "    spec:\n      securityContext",
            "    spec: # <-\n      securityContext",
        );
    same_rule(rule("TB417"), &k, HARDENED_COMPOSE);
}

#[test]
fn bridge_network_and_logging_are_compose_only() {
    same_rule(
        rule("TB419"),
        HARDENED_K8S,
        &HARDENED_COMPOSE.replace("    networks: [back]\n", "    network_mode: bridge # <-\n"),
    );
    same_rule(
        rule("TB420"),
        HARDENED_K8S,
        &format!("{HARDENED_COMPOSE}    logging:\n      driver: none # <-\n"),
    );
}

#[test]
fn docker_inspect_records_give_the_same_rules() {
    let inspect = r#"[
  {
    "Id": "4f2c9e1b7a3d5e6f",
    "Name": "/shop-web-1",
    "Config": { "Image": "nginx:latest", "User": "" },
    "Mounts": [
      { "Type": "bind", "Source": "/var/run/docker.sock", "Destination": "/var/run/docker.sock", "RW": false }
    ],
    "HostConfig": {
      "Privileged": true,
      "PidMode": "host",
      "LogConfig": { "Type": "none" }
    }
  }
]"#;
    let at = |code: &str| lines(&check_file(rule(code), "inspect.json", inspect));
    assert_eq!(at("TB401"), vec![10]);
    assert_eq!(at("TB402"), vec![7]);
    assert_eq!(at("TB405"), vec![11]);
    assert_eq!(at("TB415"), vec![5]);
    assert_eq!(at("TB420"), vec![12]);
}

#[test]
fn untrusted_image() {
    let pinned =
        "nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    same_rule(
        rule("TB422"),
        &HARDENED_K8S.replace(pinned, &format!("someuser/{pinned} # <-")),
        &HARDENED_COMPOSE.replace(pinned, &format!("someuser/{pinned} # <-")),
    );
}
