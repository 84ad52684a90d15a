//! TLS cipher-suite names as kube-apiserver and the kubelet take them
//! (`--tls-cipher-suites`, `tlsCipherSuites`): which are strong, which weak,
//! which unknown. Shared by TB608 and TB614.

/// Every name Go's `crypto/tls` knows (`CipherSuites()` and
/// `InsecureCipherSuites()`, plus the two legacy ChaCha20 aliases); a
/// component given any other name refuses to start.
const KNOWN: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_RSA_WITH_RC4_128_SHA",
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
    "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
    "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite {
    /// ECDHE key exchange with an AEAD cipher, or a TLS 1.3 suite.
    Strong,
    /// A broken cipher (RC4, 3DES, DES, NULL, export), CBC mode
    /// (padding-oracle attacks such as Lucky13), MD5, or RSA key exchange
    /// (no forward secrecy) — known to Go or not.
    Weak,
    /// A name Go does not know (names are case-sensitive) and nothing
    /// marks as weak.
    Unknown,
}

pub fn classify(name: &str) -> Suite {
    let upper = name.trim().to_ascii_uppercase();
    let weak = ["RC4", "3DES", "_DES_", "_NULL_", "EXPORT", "_CBC_", "MD5"]
        .iter()
        .any(|w| upper.contains(w))
        || upper.starts_with("TLS_RSA_WITH_");
    if weak {
        Suite::Weak
    } else if KNOWN.contains(&name.trim()) {
        // Names are matched exactly: the components reject other spellings.
        Suite::Strong
    } else {
        Suite::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_strong_weak_or_unknown() {
        assert_eq!(
            classify("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
            Suite::Strong
        );
        assert_eq!(classify("TLS_AES_256_GCM_SHA384"), Suite::Strong);
        assert_eq!(
            classify("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305"),
            Suite::Strong
        );
        // Names are case-sensitive to the components; a weak one stays weak.
        assert_eq!(
            classify("tls_ecdhe_rsa_with_chacha20_poly1305"),
            Suite::Unknown
        );
        assert_eq!(classify("tls_rsa_with_rc4_128_sha"), Suite::Weak);
        assert_eq!(classify("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"), Suite::Weak);
        assert_eq!(classify("TLS_RSA_WITH_AES_128_GCM_SHA256"), Suite::Weak);
        assert_eq!(classify("TLS_RSA_WITH_NULL_SHA"), Suite::Weak);
        assert_eq!(
            classify("TLS_ECDHE_ECDSA_WITH_AES_64_GCM_SHA256"),
            Suite::Unknown
        );
        assert_eq!(classify(""), Suite::Unknown);
        assert_eq!(classify("É"), Suite::Unknown);
    }
}
