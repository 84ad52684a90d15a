//! Package-manager commands in `RUN` scripts: which manager, which action,
//! which package operands. Shared by the rules about pinning (TB114), cache
//! hygiene (TB204), build tools (TB205) and SSH servers (TB202), so that each
//! reads `apt-get -qq -o X=y install --no-install-recommends a=1 b` alike.

use crate::parse::shell::{ShellWord, SimpleCommand, basename};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    /// `apt-get`, `apt`, `aptitude`.
    Apt,
    Apk,
    /// `yum`, `dnf`, `microdnf`, `tdnf`.
    Rpm,
    Zypper,
    /// `pip`, `pip3`, `python -m pip`.
    Pip,
    Npm,
    Gem,
    Go,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Install,
    /// Refresh the package index (`apt-get update`, `apk update`).
    Update,
    /// Upgrade installed packages (`apt-get upgrade`, `dist-upgrade`,
    /// `yum update`, `zypper dup`…).
    Upgrade,
    Remove,
    /// `apt-get autoremove` or a remove with `--auto-remove`.
    AutoRemove,
    Clean,
    Other,
}

/// One package-manager invocation.
#[derive(Debug, Clone)]
pub struct PackageCommand<'a> {
    pub manager: Manager,
    pub action: Action,
    /// The program as written (`apt-get`, `dnf`, `pip3`…).
    pub program: String,
    /// The subcommand word as written (`install`, `add`, `dist-upgrade`).
    pub subcommand: Option<&'a ShellWord>,
    /// Operands after the subcommand: package names, paths, URLs.
    pub operands: Vec<&'a ShellWord>,
    /// `apk add --virtual NAME` / `-t NAME`.
    pub virtual_name: Option<String>,
    /// pip `-r`/`-c`, npm `ci`: the versions come from a file.
    pub from_file: bool,
    /// npm `-g`/`--global`.
    pub global: bool,
    pub command: &'a SimpleCommand,
}

impl PackageCommand<'_> {
    /// Does any option word equal one of `names` (or start with `name=`)?
    pub fn has_option(&self, names: &[&str]) -> bool {
        self.command.args().iter().any(|w| {
            names.iter().any(|n| {
                w.value == *n
                    || w.value
                        .strip_prefix(n)
                        .is_some_and(|rest| rest.starts_with('='))
            })
        })
    }
}

/// Options that take the next word as their value, per manager.
fn value_options(manager: Manager) -> &'static [&'static str] {
    match manager {
        Manager::Apt => &[
            "-o",
            "-c",
            "-t",
            "--option",
            "--config-file",
            "--target-release",
            "--default-release",
        ],
        Manager::Apk => &[
            "-X",
            "--repository",
            "-t",
            "--virtual",
            "-p",
            "--root",
            "--arch",
            "--cache-dir",
            "--keys-dir",
            "--repositories-file",
            "--cache-max-age",
            "--wait",
            "--timeout",
        ],
        Manager::Rpm => &[
            "-c",
            "--config",
            "--installroot",
            "--releasever",
            "-x",
            "--exclude",
            "--enablerepo",
            "--disablerepo",
            "--repo",
            "--repoid",
            "--setopt",
        ],
        Manager::Zypper => &["-t", "--type", "-r", "--repo", "-R", "--root", "--from"],
        Manager::Pip => &[
            "-r",
            "--requirement",
            "-c",
            "--constraint",
            "-e",
            "--editable",
            "-i",
            "--index-url",
            "--extra-index-url",
            "-f",
            "--find-links",
            "-t",
            "--target",
            "--prefix",
            "--root",
            "--trusted-host",
            "--platform",
            "--python-version",
            "--implementation",
            "--abi",
            "--src",
            "--cache-dir",
            "--progress-bar",
            "--log",
            "--proxy",
            "--retries",
            "--timeout",
            "--exists-action",
            "--cert",
            "--client-cert",
            "--upgrade-strategy",
            "--only-binary",
            "--no-binary",
            "-C",
            "--config-settings",
            "--global-option",
            "--install-option",
            "--report",
            "--root-user-action",
        ],
        Manager::Npm => &[
            "--prefix",
            "--registry",
            "--cache",
            "-w",
            "--workspace",
            "--tag",
            "--userconfig",
            "--omit",
            "--include",
            "--loglevel",
        ],
        Manager::Gem => &[
            "-v",
            "--version",
            "-i",
            "--install-dir",
            "-n",
            "--bindir",
            "-s",
            "--source",
            "--platform",
            "-P",
            "--trust-policy",
            "-g",
            "--file",
        ],
        Manager::Go => &[
            "-ldflags",
            "-gcflags",
            "-asmflags",
            "-tags",
            "-mod",
            "-modfile",
            "-o",
            "-p",
            "-pkgdir",
            "-toolexec",
            "-overlay",
            "-pgo",
        ],
    }
}

fn action_of(manager: Manager, sub: &str) -> Action {
    match (manager, sub) {
        (Manager::Apt, "install") => Action::Install,
        (Manager::Apt, "update") => Action::Update,
        (Manager::Apt, "upgrade" | "dist-upgrade" | "full-upgrade") => Action::Upgrade,
        (Manager::Apt, "remove" | "purge") => Action::Remove,
        (Manager::Apt, "autoremove" | "autopurge") => Action::AutoRemove,
        (Manager::Apt, "clean" | "autoclean" | "dist-clean") => Action::Clean,
        (Manager::Apk, "add") => Action::Install,
        (Manager::Apk, "update") => Action::Update,
        (Manager::Apk, "upgrade") => Action::Upgrade,
        (Manager::Apk, "del") => Action::Remove,
        (Manager::Apk, "cache") => Action::Clean,
        (Manager::Rpm, "install" | "groupinstall" | "reinstall") => Action::Install,
        (Manager::Rpm, "update" | "upgrade" | "distro-sync" | "update-minimal") => Action::Upgrade,
        (Manager::Rpm, "remove" | "erase") => Action::Remove,
        (Manager::Rpm, "autoremove") => Action::AutoRemove,
        (Manager::Rpm, "clean") => Action::Clean,
        (Manager::Zypper, "install" | "in") => Action::Install,
        (Manager::Zypper, "refresh" | "ref") => Action::Update,
        (Manager::Zypper, "update" | "up" | "dist-upgrade" | "dup" | "patch") => Action::Upgrade,
        (Manager::Zypper, "remove" | "rm") => Action::Remove,
        (Manager::Zypper, "clean" | "cc") => Action::Clean,
        (Manager::Pip, "install") => Action::Install,
        (Manager::Pip, "uninstall") => Action::Remove,
        (Manager::Npm, "install" | "i" | "add" | "isntall" | "in") => Action::Install,
        (Manager::Npm, "ci") => Action::Install,
        (Manager::Npm, "uninstall" | "remove" | "rm" | "un") => Action::Remove,
        (Manager::Gem, "install" | "i") => Action::Install,
        (Manager::Gem, "uninstall") => Action::Remove,
        (Manager::Go, "install") => Action::Install,
        _ => Action::Other,
    }
}

/// Is `name` a pip program (`pip`, `pip3`, `pip3.12`)?
fn is_pip(name: &str) -> bool {
    name.strip_prefix("pip")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// Is `name` a Python interpreter (`python`, `python3`, `python3.12`)?
fn is_python(name: &str) -> bool {
    name.strip_prefix("python")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// Reads a command as a package-manager invocation, if it is one.
pub fn classify(command: &SimpleCommand) -> Option<PackageCommand<'_>> {
    let name = command.name()?;
    let mut args = command.args();
    let mut program = basename(&command.name_word()?.value).to_string();
    let manager = match name {
        "apt-get" | "apt" | "aptitude" => Manager::Apt,
        "apk" => Manager::Apk,
        "yum" | "dnf" | "microdnf" | "tdnf" | "dnf5" => Manager::Rpm,
        "zypper" => Manager::Zypper,
        "npm" => Manager::Npm,
        "gem" => Manager::Gem,
        "go" => Manager::Go,
        n if is_pip(n) => Manager::Pip,
        n if is_python(n) => {
            // `python -m pip …`
            let m = args.iter().position(|w| w.value == "-m")?;
            let module = args.get(m + 1)?;
            if !is_pip(&module.value) {
                return None;
            }
            program = format!("{program} -m {}", module.value);
            args = args.get(m + 2..).unwrap_or(&[]);
            Manager::Pip
        }
        _ => return None,
    };
    let with_value = value_options(manager);
    let mut subcommand = None;
    let mut operands = Vec::new();
    let mut virtual_name = None;
    let mut from_file = false;
    let mut global = false;
    let mut iter = args.iter().peekable();
    let mut after_dashdash = false;
    while let Some(word) = iter.next() {
        let v = word.value.as_str();
        if !after_dashdash && v == "--" {
            after_dashdash = true;
            continue;
        }
        if !after_dashdash && v.len() > 1 && v.starts_with('-') {
            let (flag, inline) = match v.split_once('=') {
                Some((f, val)) => (f, Some(val.to_string())),
                None => (v, None),
            };
            let value = if inline.is_none() && with_value.contains(&flag) {
                iter.next().map(|w| w.value.clone())
            } else {
                inline
            };
            match (manager, flag) {
                (Manager::Apk, "-t" | "--virtual") => virtual_name = value,
                (
                    Manager::Pip,
                    "-r" | "--requirement" | "-c" | "--constraint" | "-e" | "--editable",
                ) => from_file = true,
                (Manager::Npm, "-g" | "--global") => global = true,
                (Manager::Npm, "--location") if value.as_deref() == Some("global") => global = true,
                _ => {}
            }
            continue;
        }
        if subcommand.is_none() {
            subcommand = Some(word);
        } else {
            operands.push(word);
        }
    }
    let action = subcommand.map_or(Action::Other, |w| action_of(manager, &w.value));
    let action = match (manager, action) {
        (Manager::Apt, Action::Remove)
            if args
                .iter()
                .any(|w| w.value == "--auto-remove" || w.value == "--autoremove") =>
        {
            Action::AutoRemove
        }
        _ => action,
    };
    if manager == Manager::Npm && subcommand.is_some_and(|w| w.value == "ci") {
        from_file = true;
    }
    Some(PackageCommand {
        manager,
        action,
        program,
        subcommand,
        operands,
        virtual_name,
        from_file,
        global,
        command,
    })
}

/// The package name of an operand without version or release suffixes:
/// `openssh-server=1:9.2` → `openssh-server`, `gcc~=12` → `gcc`.
pub fn package_name(manager: Manager, operand: &str) -> String {
    let cut = match manager {
        Manager::Apt => operand.find(['=', '/']),
        Manager::Apk | Manager::Zypper => operand.find(['=', '<', '>', '~']),
        Manager::Pip => operand.find(['=', '<', '>', '~', '!', '[', ';', '@', ' ']),
        Manager::Gem => operand.find(':'),
        Manager::Npm => operand.get(1..).and_then(|s| s.find('@')).map(|i| i + 1),
        Manager::Go => operand.find('@'),
        Manager::Rpm => None,
    };
    match cut {
        Some(i) => operand.get(..i).unwrap_or(operand).to_string(),
        None => operand.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::shell;

    fn first(script: &str) -> SimpleCommand {
        shell::commands(script).next().unwrap_or_default()
    }

    fn operands(script: &str) -> (Manager, Action, Vec<String>) {
        let cmd = first(script);
        let pm = classify(&cmd).expect("a package command");
        let ops = pm.operands.iter().map(|w| w.value.clone()).collect();
        (pm.manager, pm.action, ops)
    }

    #[test]
    fn options_with_values_are_not_operands() {
        assert_eq!(
            operands(
                "apt-get -o Dpkg::Options::=--force-confold -t bookworm-backports install -y curl"
            ),
            (Manager::Apt, Action::Install, vec!["curl".to_string()])
        );
        assert_eq!(
            operands("apk add --virtual .deps --repository http://x gcc"),
            (Manager::Apk, Action::Install, vec!["gcc".to_string()])
        );
        assert_eq!(
            operands("python3 -m pip install -r req.txt -i https://pypi.org/simple flask"),
            (Manager::Pip, Action::Install, vec!["flask".to_string()])
        );
        let cmd = first("apk add -t .deps gcc");
        assert_eq!(
            classify(&cmd).and_then(|p| p.virtual_name),
            Some(".deps".to_string())
        );
    }

    #[test]
    fn actions_and_names() {
        assert_eq!(
            operands("apt-get purge -y --auto-remove gcc").1,
            Action::AutoRemove
        );
        assert_eq!(operands("apt-get dist-upgrade").1, Action::Upgrade);
        assert_eq!(operands("zypper -n in vim").1, Action::Install);
        assert!(classify(&first("make install")).is_none());
        assert!(classify(&first("python3 setup.py install")).is_none());
        assert_eq!(
            package_name(Manager::Apt, "openssh-server=1:9.6"),
            "openssh-server"
        );
        assert_eq!(package_name(Manager::Npm, "@scope/x@1.2"), "@scope/x");
        assert_eq!(
            package_name(Manager::Pip, "requests[socks]==2.0"),
            "requests"
        );
    }
}
