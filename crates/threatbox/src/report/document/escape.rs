//! Escaping of text taken from the input, for each output language. Every
//! renderer writes input-derived text through these functions only.

/// Text for HTML element content and quoted attribute values.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in HTML text.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Markdown inline text. Backslash-escapes (which CommonMark allows for any
/// ASCII punctuation) every character that can start markup: links and
/// images (`[`, `]`), HTML and autolinks (`<`, `>`), entities (`&`),
/// emphasis (`*`, `_`, `~`), code (`` ` ``), table cells (`|`), headings
/// (`#`), GitHub math (`$`), and the autolink triggers `:` (so no
/// `https://` or `javascript:` scheme forms), `@` (e-mail) and the `.` of
/// `www.`. Line breaks become spaces so that a value cannot start a block.
/// Other punctuation stays as it is, for a readable source.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '~' | '[' | ']' | '<' | '>' | '&' | '|' | '#' | '$' | ':'
            | '@' => {
                out.push('\\');
                out.push(c);
            }
            '.' if out.to_ascii_lowercase().ends_with("www") => out.push_str("\\."),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A fenced code block holding `text` literally: the fence is longer than
/// any backtick run inside, so the text cannot close it.
pub fn markdown_code_block(text: &str, info: &str) -> String {
    let longest = longest_run(text, '`');
    let fence = "`".repeat((longest + 1).max(3));
    let mut out = format!("{fence}{info}\n");
    for line in text.lines() {
        out.push_str(&line.replace(['\u{0}'], "\u{FFFD}"));
        out.push('\n');
    }
    out.push_str(&fence);
    out.push('\n');
    out
}

fn longest_run(s: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for ch in s.chars() {
        if ch == c {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// A Mermaid label (inside `"…"`): letters, digits, spaces and a few safe
/// marks are kept; everything else becomes a `#NN;` entity code, which
/// Mermaid shows as the character and never reads as markup or syntax.
pub fn mermaid(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_alphanumeric() || matches!(c, ' ' | '.' | ',' | '-' | '_' | '/' | '=' | '+') {
            out.push(c);
        } else if c.is_control() {
            out.push(' ');
        } else {
            out.push_str(&format!("#{};", c as u32));
        }
    }
    out
}

/// An identifier safe in HTML ids, CSS classes and Mermaid node ids: ASCII
/// letters, digits and `-`; anything else becomes `-`.
pub fn ident(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            html(r#""><img src=x onerror=alert(1)>"#),
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(
            html("<script>a&b</script>"),
            "&lt;script&gt;a&amp;b&lt;/script&gt;"
        );
        assert_eq!(html("it's"), "it&#39;s");
        assert_eq!(html("a\u{0}b"), "a\u{FFFD}b");
    }

    #[test]
    fn markdown_leaves_no_link_html_or_table_break() {
        let s = markdown("[x](javascript:alert(1)) <script> a|b `c` https://e.com www.e.com");
        // Every markup character is escaped.
        for (i, c) in s.char_indices() {
            if matches!(c, '[' | ']' | '<' | '>' | ':' | '`' | '|') {
                assert!(s[..i].ends_with('\\'), "{c} at {i} in {s}");
            }
        }
        assert!(!s.contains("www.e"), "{s}");
        assert!(s.contains(r"a\|b"), "{s}");
        assert!(s.contains(r"\`c\`"), "{s}");
        assert_eq!(markdown("a\nb"), "a b");
        assert_eq!(markdown("é ü"), "é ü");
        assert_eq!(markdown("a-b.c (d)"), "a-b.c (d)");
        assert_eq!(markdown("WWW.x"), r"WWW\.x");
        assert_eq!(markdown(r"\["), r"\\\[");
    }

    #[test]
    fn code_block_fence_outgrows_backticks_inside() {
        let block = markdown_code_block("RUN echo ````", "dockerfile");
        assert!(block.starts_with("`````dockerfile\n"), "{block}");
        assert!(block.ends_with("\n`````\n"), "{block}");
    }

    #[test]
    fn mermaid_labels_carry_no_syntax() {
        let s = mermaid(r#"a"]-->b[<script>"#);
        assert!(
            !s.contains('"') && !s.contains('<') && !s.contains(']'),
            "{s}"
        );
        assert_eq!(mermaid("api v1.2"), "api v1.2");
    }

    #[test]
    fn identifiers_are_plain() {
        assert_eq!(ident("ns/a b\"<"), "ns-a-b--");
    }
}
