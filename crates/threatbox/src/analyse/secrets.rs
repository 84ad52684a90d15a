//! Secret detection: secret-looking variable names, well-known token formats,
//! random-looking literals, and redaction so that no report ever repeats a
//! secret.
//!
//! Precision matters more than recall here: official images set
//! `ENV GPG_KEY …` (a public key fingerprint) and `ENV PYTHON_SHA256 …`, and a
//! rule that flags them teaches users to ignore it.

use std::sync::LazyLock;

use regex::Regex;

use crate::analyse::patterns::{Pattern, Patterns};

/// Name parts that mark a secret (after splitting on `_`, `-`, `.` and
/// camelCase). Close to BuildKit's `SecretsUsedInArgOrEnv` list plus the
/// common spellings hadolint's DL3064 knows.
const SECRET_PARTS: &[&str] = &[
    "apikey",
    "apitoken",
    "auth",
    "authtoken",
    "accesskey",
    "clientsecret",
    "credential",
    "credentials",
    "creds",
    "key",
    "keys",
    "passphrase",
    "passwd",
    "password",
    "passwords",
    "pass",
    "pat",
    "privatekey",
    "pwd",
    "pword",
    "secret",
    "secretkey",
    "secrets",
    "token",
    "tokens",
];

/// A part ending with one of these is a secret too (`DBPASSWORD`,
/// `GITHUBTOKEN`); short words (`key`, `auth`, `pass`) are not matched this
/// way because of `monkey`, `author`, `compass`.
const SECRET_SUFFIXES: &[&str] = &["password", "passwd", "secret", "token", "apikey"];

/// Name parts that say the variable holds something *about* a secret, not the
/// secret: where it is, what it is called, how long, which version, or a
/// public key (`GPG_KEY` in the official images is a key fingerprint).
const NOT_SECRET_PARTS: &[&str] = &[
    "algorithm",
    "arn",
    "bits",
    "dir",
    "directory",
    "enable",
    "enabled",
    "endpoint",
    "expiry",
    "file",
    "files",
    "fingerprint",
    "fingerprints",
    "folder",
    "format",
    "gnupg",
    "gpg",
    "header",
    "host",
    "id",
    "ids",
    "keyring",
    "keyserver",
    "len",
    "length",
    "location",
    "method",
    "mode",
    "name",
    "path",
    "pgp",
    "port",
    "prefix",
    "public",
    "pub",
    "ref",
    "required",
    "server",
    "sha",
    "sha1",
    "sha256",
    "sha512",
    "md5",
    "checksum",
    "size",
    "ttl",
    "type",
    "uri",
    "url",
    "urls",
    "version",
];

/// Splits a variable name into lower-case parts: `_`, `-`, `.` separate, and
/// so does a lower→upper case change (`dbPassword` → `db`, `password`).
fn name_parts(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if matches!(c, '_' | '-' | '.') {
            if !current.is_empty() {
                parts.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// Does a variable name say it holds a secret? (`DB_PASSWORD`,
/// `GITHUB_TOKEN`, `apiKey`, `AWS_SECRET_ACCESS_KEY`; not `GPG_KEY`,
/// `KEY_ID`, `TOKEN_FILE`, `PWD`, `KEYSERVER`, `DOCKER_AUTH_VERSION`.)
pub fn is_secret_name(name: &str) -> bool {
    // Rules ask this of every variable and assignment: ASCII names (nearly
    // all) are split without allocating.
    if name.is_ascii() {
        return judge_name_parts(AsciiNameParts { name, pos: 0 });
    }
    let parts = name_parts(name);
    judge_name_parts(parts.iter().map(String::as_str))
}

/// The verdict of [`is_secret_name`] on a name's parts (compared
/// ASCII-case-insensitively: the word lists are lower-case ASCII).
fn judge_name_parts<'a>(parts: impl Iterator<Item = &'a str> + Clone) -> bool {
    let is = |p: &str, list: &[&str]| list.iter().any(|w| w.eq_ignore_ascii_case(p));
    let ends_with = |p: &str, suffix: &str| {
        p.len() >= suffix.len()
            && p.as_bytes()[p.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    };
    // `PWD` alone is the shell's working directory.
    let mut two = parts.clone();
    if let (Some(only), None) = (two.next(), two.next())
        && only.eq_ignore_ascii_case("pwd")
    {
        return false;
    }
    if parts.clone().any(|p| is(p, NOT_SECRET_PARTS)) {
        return false;
    }
    parts
        .clone()
        .any(|p| is(p, SECRET_PARTS) || SECRET_SUFFIXES.iter().any(|s| ends_with(p, s)))
}

/// [`name_parts`] for an ASCII name, as slices of it (not lower-cased).
#[derive(Clone)]
struct AsciiNameParts<'a> {
    name: &'a str,
    pos: usize,
}

impl<'a> Iterator for AsciiNameParts<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let b = self.name.as_bytes();
        let separator = |c: u8| matches!(c, b'_' | b'-' | b'.');
        while self.pos < b.len() && separator(b[self.pos]) {
            self.pos += 1;
        }
        let start = self.pos;
        let mut prev_lower = false;
        while let Some(&c) = b.get(self.pos) {
            if separator(c) || (c.is_ascii_uppercase() && prev_lower && self.pos > start) {
                break;
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            self.pos += 1;
        }
        (self.pos > start).then(|| &self.name[start..self.pos])
    }
}

/// Well-known token formats, each message the kind of secret. Patterns
/// search anywhere in a value (a token is often embedded: `Authorization:
/// token ghp_…`). Word boundaries are ASCII (`(?-u:\b)`): tokens are ASCII,
/// and a Unicode boundary keeps the regex engine off its fast DFA.
static TOKEN_FORMATS: &[Pattern] = &[
    Pattern {
        keywords: &["AKIA", "ASIA", "ABIA", "ACCA", "A3T"],
        regex: r"(?-u:\b)(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?-u:\b)",
        message: "AWS access key ID",
    },
    Pattern {
        keywords: &["aws"],
        regex: r"(?i)aws.{0,20}secret.{0,20}?['\x22=:\s]+[A-Za-z0-9/+]{40}(?:[^A-Za-z0-9/+]|$)",
        message: "AWS secret access key",
    },
    Pattern {
        keywords: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        regex: r"(?-u:\b)gh[pousr]_[A-Za-z0-9]{36,255}(?-u:\b)",
        message: "GitHub token",
    },
    Pattern {
        keywords: &["github_pat_"],
        regex: r"(?-u:\b)github_pat_[A-Za-z0-9_]{22,255}(?-u:\b)",
        message: "GitHub fine-grained token",
    },
    Pattern {
        keywords: &["glpat-"],
        regex: r"(?-u:\b)glpat-[A-Za-z0-9_\-]{20,}",
        message: "GitLab token",
    },
    Pattern {
        keywords: &["xox"],
        regex: r"(?-u:\b)xox[abposr]-[A-Za-z0-9-]{10,}",
        message: "Slack token",
    },
    Pattern {
        keywords: &["https://hooks.slack.com/"],
        regex: r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9_]+/[A-Za-z0-9_]+/[A-Za-z0-9_]{8,}",
        message: "Slack webhook URL",
    },
    Pattern {
        keywords: &["AIza"],
        regex: r"(?-u:\b)AIza[0-9A-Za-z_\-]{35}(?-u:\b)",
        message: "Google API key",
    },
    Pattern {
        keywords: &["k_live_"],
        regex: r"(?-u:\b)[rs]k_live_[0-9A-Za-z]{20,}(?-u:\b)",
        message: "Stripe live key",
    },
    Pattern {
        keywords: &["PRIVATE KEY"],
        // Three or more dashes: keys pasted into YAML often lose some.
        regex: r"-{3,}BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-{3,}",
        message: "private key",
    },
    Pattern {
        keywords: &["eyJ"],
        regex: r"(?-u:\b)eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
        message: "JSON Web Token",
    },
    Pattern {
        keywords: &["npm_"],
        regex: r"(?-u:\b)npm_[A-Za-z0-9]{36}(?-u:\b)",
        message: "npm token",
    },
    Pattern {
        keywords: &["pypi-AgEIcHlwaS5vcmc"],
        regex: r"(?-u:\b)pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}",
        message: "PyPI token",
    },
    Pattern {
        keywords: &["dckr_pat_"],
        regex: r"(?-u:\b)dckr_pat_[A-Za-z0-9_\-]{27,}",
        message: "Docker Hub token",
    },
    Pattern {
        keywords: &["SG."],
        regex: r"(?-u:\b)SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}(?-u:\b)",
        message: "SendGrid API key",
    },
    Pattern {
        keywords: &["sk-ant-"],
        regex: r"(?-u:\b)sk-ant-[A-Za-z0-9_\-]{32,}",
        message: "Anthropic API key",
    },
    Pattern {
        keywords: &["T3BlbkFJ"],
        regex: r"(?-u:\b)sk-(?:proj-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}",
        message: "OpenAI API key",
    },
    Pattern {
        keywords: &["AccountKey="],
        regex: r"AccountKey=[A-Za-z0-9+/]{86}==",
        message: "Azure storage account key",
    },
];

static TOKENS: LazyLock<Patterns> = LazyLock::new(|| Patterns::new(TOKEN_FORMATS));

/// `scheme://user:password@host` with a literal password.
static URL_CREDENTIALS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)[A-Za-z][A-Za-z0-9+.\-]*://([^/\s:@'\x22]+):([^/\s@'\x22]+)@[^\s/'\x22]+")
        .expect("URL pattern is valid")
});

/// The kind of a well-known secret format found in `value`, or a
/// `"high-entropy string"` for a long random-looking literal. Variable
/// references, checksums, fingerprints, versions, paths and URLs without
/// credentials are not secrets.
pub fn secret_value_kind(value: &str) -> Option<&'static str> {
    find_secret(value).map(|(kind, _)| kind)
}

/// Like [`secret_value_kind`], with the byte range of the secret in `value`
/// (for rules that point at it inside a longer text).
pub fn find_secret(value: &str) -> Option<(&'static str, std::ops::Range<usize>)> {
    // The first format (in list order) that matches decides; a match that
    // is a documentation example (`AKIAIOSFODNN7EXAMPLE`) is not a leak.
    if let Some((pattern, re)) = TOKENS.candidates(value).find(|(_, re)| re.is_match(value))
        && let Some(m) = re
            .find_iter(value)
            .find(|m| !m.as_str().contains("EXAMPLE"))
    {
        return Some((pattern.message, m.range()));
    }
    for caps in URL_CREDENTIALS.captures_iter(value) {
        if let (Some(all), Some(password)) = (caps.get(0), caps.get(2))
            && is_literal_password(password.as_str())
        {
            return Some(("URL with embedded password", all.range()));
        }
    }
    if looks_random(value) {
        return Some(("high-entropy string", 0..value.len()));
    }
    None
}

/// A password part of a URL that is a real value, not `$VAR` or a placeholder.
fn is_literal_password(p: &str) -> bool {
    !p.contains('$')
        && !p.starts_with('<')
        && !p.starts_with('{')
        && !p.starts_with('%')
        && !p.chars().all(|c| c == '*' || c == 'x' || c == 'X')
        && !matches!(
            p.to_ascii_lowercase().as_str(),
            "password" | "pass" | "passwd" | "secret" | "token" | "pwd"
        )
}

/// A value written in the Dockerfile (not `$VAR`, not empty, not a
/// placeholder such as `changeme`-less booleans). Used with secret-named
/// variables: `ENV DB_PASSWORD=s3cr3t` is a literal, `ENV DB_PASSWORD=$X`
/// and `ENV AUTH_ENABLED=true` are not.
pub fn is_literal_secret_value(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() || v.contains('$') {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "none"
            | "null"
            | "nil"
            | "0"
            | "1"
            | "-"
            | "\"\""
            | "''"
            | "required"
            | "optional"
            | "disabled"
            | "enabled"
            | "unset"
            | "dummy"
            | "placeholder"
            | "example"
            | "notused"
            | "unused"
            | "todo"
            | "tbd"
    ) {
        return false;
    }
    // Placeholders the user must replace: `<token>`, `{{ token }}`, `***`.
    if v.starts_with('<') && v.ends_with('>') || v.starts_with("{{") || v.chars().all(|c| c == '*')
    {
        return false;
    }
    // A path or a file name (`RESET_OS_PASSWORD=resetOSPassword.sh`,
    // `KEY=/run/secrets/key`) names where a secret is, not the secret.
    if v.starts_with('/') || v.starts_with("./") || v.starts_with("~/") {
        return false;
    }
    if let Some((stem, ext)) = v.rsplit_once('.')
        && !stem.is_empty()
        && FILE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
    {
        return false;
    }
    true
}

const FILE_EXTENSIONS: &[&str] = &[
    "sh",
    "txt",
    "json",
    "yaml",
    "yml",
    "xml",
    "conf",
    "cfg",
    "ini",
    "properties",
    "pem",
    "key",
    "crt",
    "cer",
    "p12",
    "pfx",
    "jks",
    "asc",
    "gpg",
    "pub",
    "env",
    "rsp",
    "py",
    "js",
    "sql",
];

/// Shannon entropy in bits per character.
fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 128];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[(b & 0x7f) as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = f64::from(n);
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// A long literal that looks like a random key: token alphabet only, letters
/// and digits mixed, high entropy. Excludes what Dockerfiles are full of:
/// hex checksums and fingerprints, UUIDs, versions, paths, URLs, words.
fn looks_random(value: &str) -> bool {
    let v = value.trim();
    let len = v.len();
    if !(20..=512).contains(&len) {
        return false;
    }
    if !v
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'_' | b'-'))
    {
        return false;
    }
    // `=` only as base64 padding; a leading `-` is an option.
    if v.trim_end_matches('=').contains('=') || v.starts_with('-') {
        return false;
    }
    // Hex of any length: sha256/sha512 sums, GPG fingerprints, commit ids.
    if v.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        return false;
    }
    // Paths and identifiers made of words (`org/project-name`,
    // `SOME_LONG_CONSTANT_NAME`).
    if v.contains('/') && !v.ends_with('=') && v.split('/').count() > 2 {
        return false;
    }
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    let upper = v.bytes().filter(u8::is_ascii_uppercase).count();
    let lower = v.bytes().filter(u8::is_ascii_lowercase).count();
    if digits == 0 || upper + lower == 0 {
        return false;
    }
    // Random base62/64 text mixes cases; words and constants rarely do
    // within every 8 characters.
    if upper == 0 || lower == 0 {
        return false;
    }
    // Long runs of lower-case letters are words, not keys.
    let longest_lower_run = v
        .split(|c: char| !c.is_ascii_lowercase())
        .map(str::len)
        .max()
        .unwrap_or(0);
    if longest_lower_run >= 8 {
        return false;
    }
    let threshold = if len < 32 { 3.8 } else { 4.2 };
    entropy(v) >= threshold
}

/// A redacted form that is safe to print: the kind of thing and its length,
/// with at most a 4-character prefix (none for short values, so that a
/// short password never loses a third of its characters to a log).
pub fn redact(value: &str) -> String {
    let n = value.chars().count();
    let shown = if n >= 16 { 4 } else { 0 };
    let prefix: String = value.chars().take(shown).collect();
    format!("{prefix}…({n} chars, redacted)")
}

/// What kind of secret file a path names, if any: private keys, credential
/// stores of package managers and clouds, `.env` files, Git metadata,
/// Terraform state. Example and public files are not secrets (`.env.example`,
/// `id_rsa.pub`, `ca.pem`, `known_hosts`).
pub fn secret_file_kind(path: &str) -> Option<&'static str> {
    let path = path.trim().trim_end_matches('/');
    let lower = path.to_ascii_lowercase();
    let parts: Vec<&str> = lower.split('/').filter(|p| !p.is_empty()).collect();
    let base = *parts.last()?;
    let parent = parts
        .len()
        .checked_sub(2)
        .and_then(|i| parts.get(i))
        .copied();
    // Directories whose content is secret.
    if parts.contains(&".git") {
        return Some("Git metadata (the history may hold secrets)");
    }
    if parts.contains(&".gnupg") {
        return Some("GnuPG keyring");
    }
    if let Some(i) = parts.iter().position(|p| *p == ".ssh") {
        let inside = parts.get(i + 1).copied();
        return match inside {
            None => Some("SSH directory"),
            Some("known_hosts" | "authorized_keys" | "config") => None,
            Some(f) if f.ends_with(".pub") => None,
            Some(_) => Some("SSH key"),
        };
    }
    match (parent, base) {
        (Some(".aws"), "credentials" | "config") => return Some("AWS credentials"),
        (Some(".kube"), "config") => return Some("Kubernetes credentials"),
        (Some(".docker"), "config.json") => return Some("Docker registry credentials"),
        (Some(".config"), "gcloud") => return Some("Google Cloud credentials"),
        _ => {}
    }
    let kind = match base {
        ".env" => "dotenv file",
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" | "id_ecdsa_sk" | "id_ed25519_sk" => {
            "SSH private key"
        }
        ".npmrc" => "npm credentials (.npmrc)",
        ".pypirc" => "PyPI credentials (.pypirc)",
        ".netrc" | "_netrc" => "netrc credentials",
        ".git-credentials" => "Git credentials",
        ".htpasswd" => "htpasswd file",
        ".dockercfg" => "Docker registry credentials",
        "kubeconfig" => "Kubernetes credentials",
        "credentials.json" | "service-account.json" | "service_account.json" => "credentials file",
        "secrets.yml" | "secrets.yaml" => "secrets file",
        _ if base.starts_with(".env.") => "dotenv file",
        _ if base.ends_with(".tfstate") || base.ends_with(".tfstate.backup") => "Terraform state",
        _ if base.ends_with(".key") && !base.ends_with(".pub.key") && !base.contains("public") => {
            "private key"
        }
        _ if base.ends_with(".p12") || base.ends_with(".pfx") => "PKCS#12 key store",
        _ if base.ends_with(".jks") && base.contains("keystore") => "Java key store",
        _ if base.ends_with(".pem") => {
            // Certificates and CA bundles are public; key files usually say so.
            let public = [
                "ca",
                "cert",
                "chain",
                "bundle",
                "public",
                "pub",
                "root",
                "fullchain",
            ];
            let stem = base.trim_end_matches(".pem");
            let words: Vec<&str> = stem.split(['-', '_', '.']).collect();
            if words
                .iter()
                .any(|w| public.contains(w) || w.starts_with("cert"))
            {
                return None;
            }
            "PEM key"
        }
        _ => return None,
    };
    // Asked last: most paths name no secret file at all.
    let examples = [
        "example", "sample", "template", "dist", "defaults", "default", "tmpl", "tpl",
    ];
    let is_example = examples.iter().any(|e| base.contains(e));
    (!is_example).then_some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_names_split_as_the_general_splitter_does() {
        for name in [
            "DB_PASSWORD",
            "dbPassword",
            "__a..B--cD9eF_",
            "X",
            "PWD",
            "aB1C",
            "",
            "---",
            "my.apiKey-ID",
        ] {
            let fast: Vec<String> = AsciiNameParts { name, pos: 0 }
                .map(str::to_ascii_lowercase)
                .collect();
            assert_eq!(fast, name_parts(name), "{name}");
        }
    }

    #[test]
    fn non_ascii_names_are_judged_too() {
        assert!(is_secret_name("CLÉ_PASSWORD"));
        assert!(!is_secret_name("PASSWORD_FICHIER_É_FILE"));
    }

    #[test]
    fn secret_names() {
        for name in [
            "DB_PASSWORD",
            "ADMIN_PASS",
            "ORACLE_PWD",
            "GITHUB_TOKEN",
            "JDK8_TOKEN",
            "NPM_AUTH",
            "apiKey",
            "api_key",
            "APIKEY",
            "AWS_SECRET_ACCESS_KEY",
            "SECRET_KEY_BASE",
            "GOOGLE_API_KEY",
            "GOOGLE_DEFAULT_CLIENT_SECRET",
            "license_key",
            "PRIVATE_KEY",
            "DBPASSWORD",
            "dbPassword",
            "REGISTRY_CREDENTIALS",
            "SSH_KEYS",
            "VAULT_TOKEN",
            "GH_PAT",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn names_about_secrets_are_not_secrets() {
        for name in [
            "GPG_KEY",
            "PYTHON_GPG_KEY",
            "GPG_KEYS",
            "KEY_ID",
            "AWS_ACCESS_KEY_ID",
            "KEYSERVER",
            "NODE_KEY_URL",
            "SSL_KEY_FILE",
            "GITHUB_TOKEN_FILE",
            "MYSQL_PASSWORD_FILE",
            "DECRYPT_PWD_FILE",
            "PWD_FILE",
            "PWD",
            "KEY_DIR",
            "DOCKER_AUTH_VERSION",
            "PUBLIC_KEY",
            "MONKEY",
            "AUTHOR",
            "PASSTHROUGH",
            "TOKENIZERS_PARALLELISM",
            "PYTHON_SHA256",
            "JAVA_HOME",
            "SECRET_NAME",
            "KEY_SIZE",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn token_formats() {
        let cases = [
            ("AKIAZ7QWERTYUIOP1234", "AWS access key ID"),
            (
                "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz1zzzKEYQ",
                "AWS secret access key",
            ),
            ("ghp_0123456789abcdefghijABCDEFGHIJ012345", "GitHub token"),
            (
                "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
                "GitHub fine-grained token",
            ),
            ("glpat-abcdefghij0123456789", "GitLab token"),
            ("xoxb-123456789012-abcdefABCDEF", "Slack token"),
            (
                "https://hooks.slack.com/services/T0000AAAA/B0000BBBB/abcdefghij0123456789",
                "Slack webhook URL",
            ),
            ("AIzaSyCkfPOPZXDKNn8hhgu3JrA62wIgC93d44k", "Google API key"),
            ("sk_live_0123456789abcdefABCDEF", "Stripe live key"),
            ("-----BEGIN OPENSSH PRIVATE KEY-----\nabc", "private key"),
            ("-----BEGIN PRIVATE KEY-----", "private key"),
            ("---BEGIN OPENSSH PRIVATE KEY---\nabc", "private key"),
            (
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                "JSON Web Token",
            ),
            ("npm_abcdefghijABCDEFGHIJ0123456789abcdef", "npm token"),
            ("dckr_pat_abcdefghijABCDEFGHIJ0123456", "Docker Hub token"),
            (
                "https://deploy:hunter22@git.example.com/x.git",
                "URL with embedded password",
            ),
            (
                "Authorization: token ghp_0123456789abcdefghijABCDEFGHIJ012345",
                "GitHub token",
            ),
        ];
        for (value, kind) in cases {
            assert_eq!(secret_value_kind(value), Some(kind), "{value}");
        }
        let (_, range) = find_secret("x=ghp_0123456789abcdefghijABCDEFGHIJ012345 y").unwrap();
        assert_eq!(range, 2..42);
    }

    #[test]
    fn non_secrets_from_official_images() {
        for value in [
            // PYTHON_SHA256, GPG_KEY, a sha512
            "ae665bc678abd9ab6a6e1573d2481625a53719bc517e9a634ed2b9fefae3817f",
            "7169605F62C751356D054A26A821E680E5FA6305",
            "A035C8C19219BA821ECEA86B64E628F8D684696D",
            "E3FF2839C048B25C084DEBE9B26995E310250568",
            "3.12.8",
            "v22.11.0",
            "1.2.3-alpine3.20",
            "/usr/local/bin:/usr/bin",
            "https://www.python.org/ftp/python/3.12.8/Python-3.12.8.tar.xz",
            "https://user:$TOKEN@github.com/x",
            "https://user:${PASS}@github.com/x",
            "$GITHUB_TOKEN",
            "${NPM_TOKEN}",
            "C.UTF-8",
            "org.opencontainers.image.source",
            "AKIAIOSFODNN7EXAMPLE",
            "123e4567-e89b-12d3-a456-426614174000",
            "PYTHONDONTWRITEBYTECODE",
            "deb http://deb.debian.org/debian bookworm main",
            "--no-install-recommends",
            "jenkins/jenkins-agent-jdk17",
        ] {
            assert_eq!(secret_value_kind(value), None, "{value}");
        }
    }

    #[test]
    fn random_literals_are_high_entropy() {
        assert_eq!(
            secret_value_kind("kdloedMFGdGla2P1zacGjAQh"),
            Some("high-entropy string")
        );
        assert_eq!(
            secret_value_kind("q8Zt3LrV9xYp2WmK7sN4bHc6"),
            Some("high-entropy string")
        );
        assert_eq!(secret_value_kind("aaaaaaaaaaaaaaaaaaaaaaa1A"), None);
        assert_eq!(secret_value_kind("-DTHREAD_STACK_SIZE=0x100000"), None);
        assert_eq!(secret_value_kind("OHS_COMPONENT_NAME=ohs1"), None);
    }

    #[test]
    fn literal_values() {
        for v in ["s3cr3t", "welcome1", "changeme", "1234"] {
            assert!(is_literal_secret_value(v), "{v}");
        }
        for v in [
            "",
            "$X",
            "${ADMIN_PASS:-}",
            "true",
            "resetOSPassword.sh",
            "/run/secrets/db",
            "<your-token>",
            "***",
            "dummy",
        ] {
            assert!(!is_literal_secret_value(v), "{v}");
        }
    }

    #[test]
    fn redaction_never_shows_more_than_four_chars() {
        let token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
        assert_eq!(redact(token), "ghp_…(40 chars, redacted)");
        assert_eq!(redact("hunter2"), "…(7 chars, redacted)");
        assert_eq!(redact("é".repeat(20).as_str()), "éééé…(20 chars, redacted)");
        assert!(!redact(token).contains("0123"));
    }

    #[test]
    fn secret_files() {
        for path in [
            ".env",
            "./.env.production",
            "config/.env.local",
            "id_rsa",
            "/root/.ssh/id_ed25519",
            "~/.ssh",
            ".ssh/",
            "deploy.key",
            "server.pem",
            "tls-key.pem",
            "cert.p12",
            ".npmrc",
            "/root/.pypirc",
            ".netrc",
            ".git-credentials",
            ".git",
            ".git/config",
            ".aws/credentials",
            "/root/.kube/config",
            "kubeconfig",
            "/root/.docker/config.json",
            "terraform.tfstate",
            ".htpasswd",
            "credentials.json",
            "config/secrets.yml",
        ] {
            assert!(secret_file_kind(path).is_some(), "{path}");
        }
        for path in [
            ".env.example",
            ".env.sample",
            "id_rsa.pub",
            ".ssh/known_hosts",
            ".ssh/authorized_keys",
            "ca.pem",
            "cert.pem",
            "ca-bundle.pem",
            "fullchain.pem",
            ".github/workflows",
            ".gitignore",
            "package.json",
            "environment.yml",
            "requirements.txt",
            "truststore.jks",
            "public.key",
            "keys",
            ".",
        ] {
            assert_eq!(secret_file_kind(path), None, "{path}");
        }
    }
}
