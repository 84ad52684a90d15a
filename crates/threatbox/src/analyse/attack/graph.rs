//! The logical attack graph (MulVAL style): fact nodes are leaves read from
//! the model, privilege nodes are what an attacker can hold (an OR over the
//! step instances that grant them), and each step instance is an AND over its
//! premises. Built once by [`super::ground`]; every analysis reads it.

use std::collections::HashMap;

use serde::Serialize;

use super::catalogue;
use crate::analyse::finding::Severity;
use crate::source::Location;

/// Index of a node in [`Graph::nodes`].
pub type NodeId = u32;

macro_rules! predicates {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The predicate's name in the step catalogue.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn from_name(name: &str) -> Option<$name> {
                match name { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }
    };
}

predicates! {
    /// What an attacker can hold.
    PrivKind {
        CodeExec = "code-exec",
        NodeRoot = "node-root",
        Credential = "credential",
        NetworkFoothold = "network-foothold",
        NetworkReach = "network-reach",
        ExecNamespace = "exec-namespace",
        CreatePods = "create-pods",
        ReadSecrets = "read-secrets",
        SecretRead = "secret-read",
        ClusterAdmin = "cluster-admin",
        ImageTamper = "image-tamper",
        NodeDos = "node-dos",
        HostDisclosure = "host-disclosure",
    }
}

predicates! {
    /// What the configuration says (the leaves of every tree).
    FactKind {
        InternetExposed = "internet-exposed",
        AssumedBreach = "assumed-breach",
        SupplyChainAttacker = "supply-chain-attacker",
        KnownVulnerability = "known-vulnerability",
        NotNetworkIsolated = "not-network-isolated",
        Listens = "listens",
        MutableImage = "mutable-image",
        UntrustedRegistry = "untrusted-registry",
        UnverifiedBuildInput = "unverified-build-input",
        Privileged = "privileged",
        HostPid = "host-pid",
        HostNetwork = "host-network",
        HostIpc = "host-ipc",
        CapSysModule = "cap-sys-module",
        CapSysAdmin = "cap-sys-admin",
        CapSysPtrace = "cap-sys-ptrace",
        RunsAsRoot = "runs-as-root",
        HostPathWritable = "host-path-writable",
        HostPathReadable = "host-path-readable",
        RuntimeSocket = "runtime-socket",
        NoResourceLimits = "no-resource-limits",
        TokenMounted = "token-mounted",
        HoldsSecrets = "holds-secrets",
        AnonymousApi = "anonymous-api",
        AuthzAlwaysAllow = "authz-always-allow",
        InsecureApiPort = "insecure-api-port",
        KubeletAnonymous = "kubelet-anonymous",
        KubeletAlwaysAllow = "kubelet-always-allow",
        KubeletReadOnlyPort = "kubelet-read-only-port",
        RbacExec = "rbac-exec",
        RbacNodesProxy = "rbac-nodes-proxy",
        RbacCreatePods = "rbac-create-pods",
        RbacReadSecrets = "rbac-read-secrets",
        RbacCreateToken = "rbac-create-token",
        RbacEscalate = "rbac-escalate",
        RbacImpersonate = "rbac-impersonate",
        RbacClusterAdmin = "rbac-cluster-admin",
        PrivilegedPodsAdmitted = "privileged-pods-admitted",
        TokenSecretPresent = "token-secret-present",
        GroupMember = "group-member",
    }
}

impl FactKind {
    /// Where an attack starts: these facts are assumptions about the
    /// attacker, never something a fix removes.
    pub fn is_entry(self) -> bool {
        matches!(
            self,
            FactKind::InternetExposed | FactKind::AssumedBreach | FactKind::SupplyChainAttacker
        )
    }
}

/// The finding whose fix removes a fact.
#[derive(Debug, Clone, Serialize)]
pub struct Fix {
    pub code: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub message: String,
    #[serde(flatten)]
    pub location: Location,
    pub fingerprint: String,
    /// The finding is suppressed: the risk was accepted, the fact holds.
    pub suppressed: bool,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    Fact {
        kind: FactKind,
        /// Where the configuration says it.
        evidence: Vec<Location>,
        /// Index into [`Graph::fixes`]; `None`: no finding removes it (an
        /// entry point or a design fact such as "listens on a port").
        fix: Option<usize>,
    },
    Privilege(PrivKind),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    /// What it is about: a workload (`shop/api`), a node group, a subject…
    pub subject: String,
    /// A sentence for people.
    pub label: String,
}

impl Node {
    pub fn predicate(&self) -> &'static str {
        match &self.kind {
            NodeKind::Fact { kind, .. } => kind.name(),
            NodeKind::Privilege(p) => p.name(),
        }
    }
    pub fn fact_kind(&self) -> Option<FactKind> {
        match &self.kind {
            NodeKind::Fact { kind, .. } => Some(*kind),
            NodeKind::Privilege(_) => None,
        }
    }
    pub fn privilege(&self) -> Option<PrivKind> {
        match &self.kind {
            NodeKind::Privilege(p) => Some(*p),
            NodeKind::Fact { .. } => None,
        }
    }
    pub fn fix(&self) -> Option<usize> {
        match &self.kind {
            NodeKind::Fact { fix, .. } => *fix,
            NodeKind::Privilege(_) => None,
        }
    }
    pub fn evidence(&self) -> &[Location] {
        match &self.kind {
            NodeKind::Fact { evidence, .. } => evidence,
            NodeKind::Privilege(_) => &[],
        }
    }
}

/// A grounded step: `premises` (all needed) give `conclusion`.
#[derive(Debug, Clone)]
pub struct StepInstance {
    /// Index into [`catalogue::steps`].
    pub step: usize,
    pub premises: Vec<NodeId>,
    pub conclusion: NodeId,
}

impl StepInstance {
    pub fn meta(&self) -> &'static catalogue::StepMeta {
        &catalogue::steps()[self.step]
    }
}

#[derive(Debug, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub steps: Vec<StepInstance>,
    pub fixes: Vec<Fix>,
    /// Per node: the steps that conclude it.
    pub concluding: Vec<Vec<u32>>,
    /// Per node: the steps it is a premise of.
    pub using: Vec<Vec<u32>>,
    /// What grounding had to leave out (limits hit on hostile input).
    pub warnings: Vec<String>,
    index: HashMap<(u8, u8, String), NodeId>,
    fix_index: HashMap<String, usize>,
}

impl Graph {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    /// The privilege node, if grounding created it.
    pub fn find_privilege(&self, kind: PrivKind, subject: &str) -> Option<NodeId> {
        self.index
            .get(&(1, kind as u8, subject.to_string()))
            .copied()
    }

    pub fn find_fact(&self, kind: FactKind, subject: &str) -> Option<NodeId> {
        self.index
            .get(&(0, kind as u8, subject.to_string()))
            .copied()
    }

    /// The privilege node for `(kind, subject)`, created on first use.
    pub fn privilege(
        &mut self,
        kind: PrivKind,
        subject: &str,
        label: impl FnOnce() -> String,
    ) -> NodeId {
        let key = (1, kind as u8, subject.to_string());
        if let Some(&id) = self.index.get(&key) {
            return id;
        }
        self.push(
            key,
            Node {
                kind: NodeKind::Privilege(kind),
                subject: subject.to_string(),
                label: label(),
            },
        )
    }

    /// The fact node for `(kind, subject)`. A second call for the same key
    /// adds evidence (and a fix when the first had none).
    pub fn fact(
        &mut self,
        kind: FactKind,
        subject: &str,
        label: impl FnOnce() -> String,
        evidence: Vec<Location>,
        fix: Option<Fix>,
    ) -> NodeId {
        let fix = fix.map(|f| self.add_fix(f));
        let key = (0, kind as u8, subject.to_string());
        if let Some(&id) = self.index.get(&key) {
            if let NodeKind::Fact {
                evidence: e,
                fix: existing,
                ..
            } = &mut self.nodes[id as usize].kind
            {
                for loc in evidence {
                    if !e.contains(&loc) {
                        e.push(loc);
                    }
                }
                if existing.is_none() {
                    *existing = fix;
                }
            }
            return id;
        }
        self.push(
            key,
            Node {
                kind: NodeKind::Fact {
                    kind,
                    evidence,
                    fix,
                },
                subject: subject.to_string(),
                label: label(),
            },
        )
    }

    fn add_fix(&mut self, fix: Fix) -> usize {
        // One finding, one fix, however many facts it removes.
        let key = format!(
            "{}\0{}\0{}\0{}",
            fix.code, fix.location.path, fix.location.start_line, fix.message
        );
        if let Some(&i) = self.fix_index.get(&key) {
            return i;
        }
        self.fix_index.insert(key, self.fixes.len());
        self.fixes.push(fix);
        self.fixes.len() - 1
    }

    fn push(&mut self, key: (u8, u8, String), node: Node) -> NodeId {
        let id = self.nodes.len() as NodeId;
        self.nodes.push(node);
        self.concluding.push(Vec::new());
        self.using.push(Vec::new());
        self.index.insert(key, id);
        id
    }

    /// Adds an instance of the catalogue step `id`. Premises are
    /// deduplicated; an instance identical to an existing one is dropped.
    pub fn step(&mut self, id: &str, premises: &[NodeId], conclusion: NodeId) {
        let step = catalogue::index(id);
        let mut premises = premises.to_vec();
        premises.sort_unstable();
        premises.dedup();
        // Checked on short lists only: a node concluded by thousands of
        // steps (a group credential) is not worth the quadratic check.
        let concluding = &self.concluding[conclusion as usize];
        let duplicate = concluding.len() < 32
            && concluding.iter().any(|&s| {
                let other = &self.steps[s as usize];
                other.step == step && other.premises == premises
            });
        if duplicate || premises.contains(&conclusion) {
            return;
        }
        let s = self.steps.len() as u32;
        for &p in &premises {
            self.using[p as usize].push(s);
        }
        self.concluding[conclusion as usize].push(s);
        self.steps.push(StepInstance {
            step,
            premises,
            conclusion,
        });
    }

    /// Every node of a privilege kind.
    pub fn privileges_of(&self, kind: PrivKind) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .filter(move |(_, n)| n.privilege() == Some(kind))
            .map(|(i, _)| i as NodeId)
    }
}
