//! An error in an editor's file, reported as `file:line:col: message`; a
//! warning is the same with `warning: ` before the message.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl Diagnostic {
    pub fn new(file: &str, line: usize, col: usize, message: impl Into<String>) -> Self {
        Self {
            file: file.to_string(),
            line: line.max(1),
            col: col.max(1),
            message: message.into(),
        }
    }

    /// `file:line:col: warning: message` (the word in the editors' language),
    /// for what does not stop an issue.
    pub fn as_warning(&self, lang: super::language::Language) -> String {
        let word = crate::domain::texts::tr!(lang, "issues.warning");
        format!(
            "{}:{}:{}: {word}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

/// Turns a byte offset into a 1-based line and column (columns count characters).
pub fn line_col(text: &str, byte: usize) -> (usize, usize) {
    let byte = byte.min(text.len());
    let before = &text[..floor_char_boundary(text, byte)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_offsets_become_line_and_column() {
        let t = "ab\ncdé\nf";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
        assert_eq!(line_col(t, 7), (2, 4));
        assert_eq!(line_col(t, 8), (3, 1));
        assert_eq!(line_col(t, 99), (3, 2));
    }
}
