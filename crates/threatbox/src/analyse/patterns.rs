//! Lists of regular expressions searched in many texts, each pattern guarded
//! by keywords that every one of its matches contains.
//!
//! Rules and the secret finder run such lists over every word and script of
//! every Dockerfile, and nearly all texts match none of them. One keyword
//! search (Aho-Corasick, ASCII case-insensitive) rules most texts out, and a
//! pattern's regex is compiled the first time one of its keywords is seen:
//! compiling the lists up front cost more than searching the whole corpus
//! (a few milliseconds a run, most of it for patterns that never match).
//!
//! The contract of a [`Pattern`]: every text its regex matches contains one of
//! its keywords, compared ASCII case-insensitively. (A `(?i)` regex that would
//! match only through Unicode case folding, `ſslverify` for `sslverify`, is
//! not looked for: no tool reads those spellings as the keyword.)

use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;

/// One pattern with the keywords that guard it and what it means.
pub struct Pattern {
    /// At least one of these is in every match (ASCII case-insensitively).
    pub keywords: &'static [&'static str],
    pub regex: &'static str,
    pub message: &'static str,
}

/// A list of [`Pattern`]s searched together, in list order.
pub struct Patterns {
    list: &'static [Pattern],
    keywords: AhoCorasick,
    /// Keyword index (as given to the searcher) → pattern index.
    owner: Vec<usize>,
    /// The shortest keyword's length: shorter texts hold none.
    min_len: usize,
    compiled: Vec<OnceLock<Regex>>,
}

impl Patterns {
    /// Panics on an invalid pattern, a pattern without keywords or more than
    /// 64 patterns: all constants of the code, checked by the tests of their
    /// users.
    pub fn new(list: &'static [Pattern]) -> Self {
        assert!(list.len() <= 64, "at most 64 patterns in a list");
        let mut words = Vec::new();
        let mut owner = Vec::new();
        for (i, p) in list.iter().enumerate() {
            assert!(!p.keywords.is_empty(), "pattern {} has no keyword", p.regex);
            for k in p.keywords {
                words.push(*k);
                owner.push(i);
            }
        }
        let keywords = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&words)
            .expect("keywords build an automaton");
        Patterns {
            list,
            min_len: words.iter().map(|k| k.len()).min().unwrap_or(0),
            keywords,
            owner,
            compiled: list.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    /// The patterns whose keywords `text` holds, in list order, with their
    /// compiled regexes: the only ones that can match.
    pub fn candidates<'a>(
        &'a self,
        text: &str,
    ) -> impl Iterator<Item = (&'static Pattern, &'a Regex)> + 'a {
        // One bit a pattern (at most 64, checked in `new`).
        let mut seen = 0u64;
        // Most texts (every word of every command) hold no keyword: the
        // length and a plain search say so before the overlapping one, which
        // is needed so that a keyword inside another is not hidden.
        if text.len() >= self.min_len && self.keywords.is_match(text) {
            for m in self.keywords.find_overlapping_iter(text) {
                if let Some(&i) = self.owner.get(m.pattern().as_usize()) {
                    seen |= 1 << i;
                }
            }
        }
        let list = self.list;
        (0..list.len())
            .filter(move |&i| seen & (1 << i) != 0)
            .map(move |i| (&list[i], self.regex(i)))
    }

    fn regex(&self, i: usize) -> &Regex {
        self.compiled[i].get_or_init(|| Regex::new(self.list[i].regex).expect("valid pattern"))
    }

    /// The message of the first pattern (in list order) found in `text`.
    pub fn first(&self, text: &str) -> Option<&'static str> {
        self.candidates(text)
            .find(|(_, re)| re.is_match(text))
            .map(|(p, _)| p.message)
    }

    /// Every pattern found in `text`, in list order, with its first match.
    pub fn find_each<'a>(
        &'a self,
        text: &'a str,
    ) -> impl Iterator<Item = (Range<usize>, &'static str)> + 'a {
        self.candidates(text)
            .filter_map(move |(p, re)| re.find(text).map(|m| (m.range(), p.message)))
    }

    /// Has the regex of pattern `i` been compiled? (For tests.)
    #[cfg(test)]
    fn is_compiled(&self, i: usize) -> bool {
        self.compiled[i].get().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static LIST: &[Pattern] = &[
        Pattern {
            keywords: &["b"],
            regex: r"b+",
            message: "bees",
        },
        Pattern {
            keywords: &["a"],
            regex: r"a+",
            message: "ays",
        },
        Pattern {
            keywords: &["z", "zz"],
            regex: r"z",
            message: "zed",
        },
        Pattern {
            keywords: &["gpgcheck"],
            regex: r"(?i)\bgpgcheck=0",
            message: "plain",
        },
        Pattern {
            keywords: &["repo_gpgcheck"],
            regex: r"(?i)\brepo_gpgcheck=0",
            message: "repo",
        },
    ];

    #[test]
    fn first_and_find_each_follow_list_order() {
        let p = Patterns::new(LIST);
        assert_eq!(p.first("xaab"), Some("bees"));
        assert_eq!(p.first("xyz"), Some("zed"));
        assert_eq!(p.first("xy"), None);
        let found: Vec<_> = p.find_each("xaabb").collect();
        assert_eq!(found, vec![(3..5, "bees"), (1..3, "ays")]);
    }

    #[test]
    fn keywords_are_case_insensitive_and_may_overlap() {
        let p = Patterns::new(LIST);
        assert_eq!(p.first("REPO_GPGCHECK=0"), Some("repo"));
        let found: Vec<_> = p.find_each("gpgcheck=0 Repo_GpgCheck=0").collect();
        assert_eq!(found, vec![(0..10, "plain"), (11..26, "repo")]);
    }

    #[test]
    fn a_regex_is_compiled_only_once_its_keyword_is_seen() {
        let p = Patterns::new(LIST);
        assert_eq!(p.first("nothing here"), None);
        assert!((0..LIST.len()).all(|i| !p.is_compiled(i)));
        // The keyword alone compiles the regex, whether or not it matches.
        assert_eq!(p.first("a gpgcheck=1"), Some("ays"));
        assert!(p.is_compiled(1));
        assert!(!p.is_compiled(0) && !p.is_compiled(4));
    }
}
