#!/usr/bin/env python3
"""Writes a synthetic Kubernetes cluster for the attack-analysis benchmark.

    scripts/gen-cluster.py OUT_DIR [--pods 10000] [--service-accounts 1000]
                           [--bindings 5000] [--namespaces 100] [--seed 1]

The cluster mixes what real clusters have: Deployments (one pod template
each, counted as pods), a ServiceAccount per few workloads, Roles with
everyday and dangerous rules (exec, secrets, pod creation, a few wildcard
ClusterRoles), RoleBindings and ClusterRoleBindings, LoadBalancer Services,
NetworkPolicies in some namespaces, and a sprinkling of privileged, hostPath
and hostPID pods. Deterministic for a seed. Python 3.11, standard library.
"""
import argparse
import os
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--pods", type=int, default=10000)
    ap.add_argument("--service-accounts", type=int, default=1000)
    ap.add_argument("--bindings", type=int, default=5000)
    ap.add_argument("--namespaces", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    nss = [f"ns{i}" for i in range(a.namespaces)]
    sas = [(nss[i % len(nss)], f"sa{i}") for i in range(a.service_accounts)]
    digest = "@sha256:" + "4f5ca1c8b7abe2bd1162e629cafbd824c303b98954b1a168a6e5c45c7e6e1d9b"

    with open(os.path.join(a.out, "namespaces.yaml"), "w") as f:
        for i, ns in enumerate(nss):
            f.write(f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n")
            if i % 3 == 0:
                f.write("  labels:\n    pod-security.kubernetes.io/enforce: restricted\n")
            f.write("---\n")
        for ns, sa in sas:
            f.write(f"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {sa}\n  namespace: {ns}\n---\n")

    roles = [
        ("reader", '[""]', "[pods, services, configmaps]", "[get, list, watch]"),
        ("secrets", '[""]', "[secrets]", "[get, list]"),
        ("exec", '[""]', "[pods, pods/exec]", "[get, create]"),
        ("deployer", '["apps"]', "[deployments]", "[create, patch, update]"),
        ("tokens", '[""]', "[serviceaccounts/token]", "[create]"),
    ]
    with open(os.path.join(a.out, "rbac.yaml"), "w") as f:
        for ns in nss:
            for name, groups, res, verbs in roles:
                f.write(
                    f"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
                    f"rules:\n- apiGroups: {groups}\n  resources: {res}\n  verbs: {verbs}\n---\n"
                )
        f.write(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ops-wildcard\n"
            "rules:\n- apiGroups: ['*']\n  resources: ['*']\n  verbs: ['*']\n---\n"
        )
        cluster_bindings = max(1, a.bindings // 500)
        for i in range(a.bindings):
            ns, sa = sas[rnd.randrange(len(sas))]
            if i < cluster_bindings:
                f.write(
                    f"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: crb{i}\n"
                    f"subjects:\n- kind: ServiceAccount\n  name: {sa}\n  namespace: {ns}\n"
                    "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: ops-wildcard\n---\n"
                )
                continue
            # Most bindings grant reading; some grant the dangerous roles.
            weights = [70, 8, 8, 10, 4]
            role = rnd.choices([r[0] for r in roles], weights)[0]
            f.write(
                f"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: rb{i}\n  namespace: {ns}\n"
                f"subjects:\n- kind: ServiceAccount\n  name: {sa}\n"
                f"roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: {role}\n---\n"
            )

    per_file = 1000
    for start in range(0, a.pods, per_file):
        with open(os.path.join(a.out, f"workloads-{start // per_file:03}.yaml"), "w") as f:
            for i in range(start, min(a.pods, start + per_file)):
                ns = nss[i % len(nss)]
                sa = sas[(i // len(nss) * len(nss) + i % len(nss)) % len(sas)]
                sa = sa[1] if sa[0] == ns else "default"
                kind = rnd.random()
                sec = ""
                pod_extra = ""
                volumes = ""
                if kind < 0.01:
                    sec = "        securityContext:\n          privileged: true\n"
                elif kind < 0.02:
                    sec = "        volumeMounts:\n        - {name: host, mountPath: /host}\n"
                    volumes = "      volumes:\n      - name: host\n        hostPath: {path: /var/lib/kubelet}\n"
                elif kind < 0.03:
                    pod_extra = "      hostPID: true\n"
                elif kind < 0.6:
                    sec = (
                        "        securityContext:\n          runAsNonRoot: true\n          allowPrivilegeEscalation: false\n"
                        "          readOnlyRootFilesystem: true\n          capabilities: {drop: [ALL]}\n"
                    )
                automount = "      automountServiceAccountToken: false\n" if rnd.random() < 0.3 else ""
                tag = digest if rnd.random() < 0.5 else ":1.0"
                f.write(
                    f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app{i}\n  namespace: {ns}\nspec:\n"
                    f"  selector:\n    matchLabels: {{app: app{i}}}\n  template:\n    metadata:\n      labels: {{app: app{i}, tier: t{i % 7}}}\n"
                    f"    spec:\n      serviceAccountName: {sa}\n{automount}{pod_extra}      containers:\n"
                    f"      - name: main\n        image: registry.example.com/team/app{i % 300}{tag}\n"
                    f"        ports:\n        - containerPort: 8080\n"
                    f"        env:\n        - name: DB_PASSWORD\n          valueFrom: {{secretKeyRef: {{name: db{i % 50}, key: password}}}}\n"
                    f"        resources:\n          limits: {{cpu: 500m, memory: 256Mi}}\n{sec}{volumes}---\n"
                )
                if i % 20 == 0:
                    f.write(
                        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: app{i}\n  namespace: {ns}\nspec:\n"
                        f"  type: LoadBalancer\n  selector: {{app: app{i}}}\n  ports:\n  - port: 80\n    targetPort: 8080\n---\n"
                    )
    with open(os.path.join(a.out, "policies.yaml"), "w") as f:
        for i, ns in enumerate(nss):
            if i % 2 == 0:
                f.write(
                    f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: {ns}\n"
                    "spec:\n  podSelector: {}\n  policyTypes: [Ingress]\n---\n"
                )


if __name__ == "__main__":
    main()
