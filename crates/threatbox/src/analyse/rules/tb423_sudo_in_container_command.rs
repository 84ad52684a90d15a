//! TB423 `sudo-in-container-command`: a container's command or arguments
//! call `sudo`.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::runtime::Workload;

pub struct SudoInContainerCommand;

pub static META: RuleMeta = RuleMeta {
    code: "TB423",
    slug: "sudo-in-container-command",
    title: "sudo in a container's command",
    severity: Severity::Medium,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[250],
    stage: LifecycleStage::Runtime,
    cis: &[],
    peers: &["C-0062"],
    remediation: "Start the process as the user it should run as (`runAsUser`, compose `user:`) instead of calling `sudo` in `command`/`args`; remove `sudo` from the image.",
    docs: r#"
**What it detects.** `sudo` or `doas` as a word of a Kubernetes container's
`command`/`args` or a compose service's `command`/`entrypoint` (also inside
`sh -c "…"` strings).

**Why it is a threat.** A command that needs `sudo` means the image ships
`sudo` and a sudoers policy that lets the container's user become root:
anyone who gets code execution as that user does the same (STRIDE:
Elevation of privilege).

**Example.**
```yaml
          command: ["sh", "-c", "sudo /app/start"]
```
```yaml
services:
  app:
    command: sudo /app/start
```

**Fix.** Run as the right user from the start:
```yaml
          command: ["/app/start"]
          securityContext: { runAsUser: 10001 }
```
```yaml
services:
  app:
    user: "10001"
    command: /app/start
```
"#,
};

fn calls_sudo(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')' | '`'))
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .any(|w| w == "sudo" || w == "doas")
}

impl Rule for SudoInContainerCommand {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        for container in &workload.containers {
            if let Some(word) = container.command.iter().find(|w| calls_sudo(&w.value)) {
                sink.push(Finding::new(
                    &META,
                    word.location.clone(),
                    format!(
                        "{} calls `sudo` in its command: the image lets its user become root",
                        subject(workload, container)
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{loc, run_all};
    use crate::analyse::rules::testing::{check_file, lines};
    use crate::model::runtime::{Container, Setting};

    fn command(words: &[&str]) -> Container {
        Container {
            command: words
                .iter()
                .enumerate()
                .map(|(i, w)| Setting::new(w.to_string(), loc(10 + i)))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn flags_sudo_words_and_shell_strings() {
        for f in run_all(
            &SudoInContainerCommand,
            command(&["sh", "-c", "cd /app && /usr/bin/sudo ./run"]),
        ) {
            assert_eq!(lines(&f), vec![12]);
        }
        let f = check_file(
            &SudoInContainerCommand,
            "k8s/pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.27\n      command:\n        - sudo\n        - /app/start\n",
        );
        assert_eq!(lines(&f), vec![10]);
    }

    #[test]
    fn ignores_sudo_inside_other_words() {
        for f in run_all(
            &SudoInContainerCommand,
            command(&["echo", "pseudocode", "/etc/sudoers.d"]),
        ) {
            assert!(f.is_empty());
        }
    }
}
