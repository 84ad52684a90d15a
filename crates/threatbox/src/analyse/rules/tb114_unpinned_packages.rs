//! TB114 `unpinned-packages`: packages installed without a version.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::packages::{self, Action, Manager, PackageCommand};
use crate::analyse::rules::scope;
use crate::model::image::BuildImage;
use crate::parse::dockerfile::InstrKind;
use crate::parse::shell::ShellWord;

pub struct UnpinnedPackages;

pub static META: RuleMeta = RuleMeta {
    code: "TB114",
    slug: "unpinned-packages",
    title: "Packages installed without pinned versions",
    severity: Severity::Info,
    stride: &[Stride::Tampering],
    cwe: &[1357],
    stage: LifecycleStage::Build,
    cis: &[],
    peers: &[
        "DL3008", "DL3013", "DL3016", "DL3018", "DL3028", "DL3033", "DL3037", "DL3041", "DL3062",
    ],
    remediation: "Pin each package to the version you tested (`apt-get install curl=7.88.1-10+deb12u8`, `apk add curl=8.9.1-r0`, `pip install requests==2.32.3`, `npm install -g pnpm@9.12.0`, `gem install rake -v 13.2.1`, `go install golang.org/x/tools/gopls@v0.16.2`), or install from a lock or requirements file.",
    docs: r#"
**What it detects.** Package installs whose operands carry no version, in
every stage (also inside `ONBUILD`):
- `apt-get`/`apt install pkg` (pinned: `pkg=version`),
- `apk add pkg` (pinned: `pkg=version`, `pkg~version`, `pkg>…`),
- `yum`/`dnf`/`microdnf`/`zypper install pkg` (pinned: `pkg-1.2…`,
  `pkg=…`),
- `pip install pkg` (pinned: `==`, `~=`, `<`, `@ url`; `-r`/`-c` files and
  local paths are not judged),
- `npm install [-g] pkg` (pinned: `pkg@1.2.3`; `@latest`/`@next` are not pins),
- `gem install pkg` (pinned: `-v`, `pkg:version`),
- `go install example.com/cmd/x` with no `@version`, or `@latest`
  (`@master`/`@main`/`@HEAD`); local packages (`./cmd/x`) are built from the
  current module and are not judged.

Operands built from variables, local files (`.deb`, `.rpm`, `.whl`, paths)
and URLs are not judged. One finding per command, at its first unpinned
package, names them all.

**Why it is a threat.** An unpinned install takes whatever the repository
serves on the day of the build. A compromised or typosquatted package, a
malicious new maintainer's release or a mirror serving other content enters
the image without any change to the Dockerfile (STRIDE: Tampering), and two
builds of the same commit can differ, so a reviewed image is not what
ships. It is info because pinning OS packages has a real cost (distributions
remove old versions, builds break); lock files and digest-pinned base images
are the stronger control. Every stage is reported alike: a builder stage's
packages produce the artefacts that ship.

**Example.**
```dockerfile
RUN apt-get update && apt-get install -y curl \
 && pip install requests
```

**Fix.**
```dockerfile
RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u8 \
 && pip install --require-hashes -r requirements.txt
```
"#,
};

/// Is this operand a local file, a path or a URL rather than a package name?
fn is_local_or_url(operand: &str) -> bool {
    let lower = operand.to_ascii_lowercase();
    operand.starts_with(['.', '/', '~'])
        || operand.contains("://")
        || lower.starts_with("git+")
        || lower.starts_with("file:")
        || lower.starts_with("github:")
        || [
            ".deb", ".rpm", ".apk", ".whl", ".tar.gz", ".tgz", ".zip", ".gem",
        ]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// Does `s` contain a `-` directly followed by a digit (`httpd-2.4.6`)?
fn has_dash_version(s: &str) -> bool {
    s.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'-' && w[1].is_ascii_digit())
}

fn is_pinned(install: &PackageCommand<'_>, operand: &str) -> bool {
    match install.manager {
        Manager::Apt => operand.contains('='),
        Manager::Apk => operand.contains(['=', '<', '>', '~']),
        Manager::Rpm | Manager::Zypper => {
            operand.contains(['=', '<', '>']) || has_dash_version(operand)
        }
        Manager::Pip => {
            operand.contains("==")
                || operand.contains("~=")
                || operand.contains('<')
                || operand.contains('@')
        }
        Manager::Npm => match operand.get(1..).and_then(|s| s.rfind('@')) {
            Some(i) => {
                let version = operand.get(i + 2..).unwrap_or("");
                !version.is_empty() && !matches!(version, "latest" | "next")
            }
            None => false,
        },
        Manager::Gem => install.has_option(&["-v", "--version"]) || operand.contains(':'),
        // A remote module path (`example.com/x/cmd`) needs `@version`;
        // `./cmd/x` and other local packages come from the current module.
        Manager::Go => match operand.rsplit_once('@') {
            Some((_, version)) => !matches!(version, "latest" | "master" | "main" | "HEAD" | ""),
            None => !operand.split('/').next().unwrap_or("").contains('.'),
        },
    }
}

/// The operands of an install that carry no version.
fn unpinned<'a>(install: &PackageCommand<'a>) -> Vec<&'a ShellWord> {
    if install.action != Action::Install {
        return Vec::new();
    }
    install
        .operands
        .iter()
        .copied()
        .filter(|w| {
            let v = w.value.as_str();
            !v.is_empty() && !v.contains('$') && !v.contains('`') && !is_local_or_url(v)
        })
        .filter(|w| !is_pinned(install, &w.value))
        .collect()
}

impl Rule for UnpinnedPackages {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        for item in scope::instructions(image) {
            if !matches!(item.instr.kind, InstrKind::Run(_)) {
                continue;
            }
            let trigger = if item.onbuild {
                " (ONBUILD trigger)"
            } else {
                ""
            };
            for script in image.run_scripts(item.index) {
                let commands = script.commands();
                for command in commands {
                    let Some(install) = packages::classify(command) else {
                        continue;
                    };
                    let loose = unpinned(&install);
                    let Some(first) = loose.first() else {
                        continue;
                    };
                    let names: Vec<String> = loose
                        .iter()
                        .take(5)
                        .map(|w| format!("`{}`", w.value))
                        .collect();
                    let more = match loose.len() {
                        n if n > 5 => format!(" and {} more", n - 5),
                        _ => String::new(),
                    };
                    let sub = install.subcommand.map_or("", |w| w.value.as_str());
                    sink.push(Finding::new(
                        &META,
                        image.location(&script.source_span(first.range.clone())),
                        format!(
                            "`{} {sub}`{trigger} without pinned versions: {}{more}",
                            install.program,
                            names.join(", ")
                        ),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check, lines};

    #[test]
    fn flags_each_manager_at_the_first_unpinned_package() {
        let f = check(
            &UnpinnedPackages,
            "FROM debian:12\n\
             RUN apt-get update && apt-get install -y --no-install-recommends \\\n    ca-certificates=20230311 curl git\n\
             RUN apk add --no-cache --virtual .deps gcc musl-dev=1.2\n\
             RUN pip install --no-cache-dir requests flask==3.0.0\n\
             RUN python3 -m pip install -U pip\n\
             RUN npm install -g pnpm yarn@1.22.22\n\
             RUN gem install bundler\n\
             RUN go install golang.org/x/tools/gopls@latest github.com/x/y\n\
             RUN dnf install -y httpd-2.4.62 nginx\n",
        );
        assert_eq!(lines(&f), vec![3, 4, 5, 6, 7, 8, 9, 10]);
        // `curl` on line 3, after `ca-certificates=20230311 `.
        assert_eq!(f[0].location.start_column, 30);
        assert!(f[0].message.contains("`curl`, `git`"), "{}", f[0].message);
        assert!(f[1].message.contains("`gcc`") && !f[1].message.contains(".deps"));
        assert!(f[2].message.contains("`requests`") && !f[2].message.contains("flask"));
        assert!(
            f[3].message.contains("`python3 -m pip install`"),
            "{}",
            f[3].message
        );
        assert!(f[3].message.contains("`pip`"));
        assert!(f[4].message.contains("`pnpm`") && !f[4].message.contains("yarn"));
        assert!(
            f[6].message.contains("gopls@latest`, `github.com/x/y`"),
            "{}",
            f[6].message
        );
        assert!(f[7].message.contains("`nginx`") && !f[7].message.contains("httpd"));
        assert!(f.iter().all(|f| f.severity == Severity::Info));
    }

    #[test]
    fn pinned_files_paths_and_variables_are_not_reported() {
        let f = check(
            &UnpinnedPackages,
            "FROM debian:12\n\
             RUN apt-get install -y curl=7.88 ./local.deb $EXTRA\n\
             RUN pip install -r requirements.txt && pip install . -e ./lib\n\
             RUN pip install 'django<5' pkg~=1.2 'x @ https://e.com/x.whl'\n\
             RUN npm ci && npm install && npm install @scope/x@1.2.3\n\
             RUN gem install rake -v 13.2.1 && gem install rails:7.1.0\n\
             RUN go install ./cmd/... && go install golang.org/x/tools/gopls@v0.16.2\n\
             RUN apt-get update && apt-get -y upgrade\n",
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn covers_exec_form_heredocs_and_onbuild() {
        let f = check(
            &UnpinnedPackages,
            "FROM alpine:3.20\nRUN [\"apk\", \"add\", \"curl\"]\nRUN <<EOF\napk add jq\nEOF\nONBUILD RUN apk add bash\n",
        );
        assert_eq!(lines(&f), vec![2, 4, 6]);
        assert!(f[2].message.contains("ONBUILD"));
    }
}
