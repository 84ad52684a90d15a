//! Unit tests of the document model, per section.

use super::*;

#[test]
fn secrets_on_quoted_lines_are_redacted() {
    let line = "ENV AWS_ACCESS_KEY_ID=AKIAZ7Q3R5T6Y8U2W4E1 \\";
    let out = redact_line(line, &[798]);
    assert!(!out.contains("Z7Q3R5T6Y8U2W4E1"), "{out}");
    let out = redact_line("  value: hunter2-but-longer", &[798]);
    assert!(!out.contains("hunter2"), "{out}");
    assert_eq!(redact_line("RUN apt-get install x", &[250]), "RUN apt-get install x");
}
