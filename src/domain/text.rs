//! The one rule for a line of text a person typed and postbode prints in a
//! header, a page or a calendar: no control characters (a line break in a
//! display name makes lettre panic while it writes the `To` header), no line
//! or paragraph separators, no bidirectional overrides that make a name read
//! differently from what it is.

use std::fmt;

/// Why a line of text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    /// Longer than `max` characters.
    TooLong { max: usize },
    /// A character that may not appear, at its 1-based character position.
    Forbidden { ch: char, position: usize },
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::TooLong { max } => write!(f, "longer than {max} characters"),
            TextError::Forbidden { ch, position } => write!(
                f,
                "character {position} is {}, which cannot be used",
                describe(*ch)
            ),
        }
    }
}

/// True for characters no line of typed text may hold.
pub fn is_forbidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Line and paragraph separators: line breaks by another name.
            '\u{2028}' | '\u{2029}'
            // Bidirectional marks, embeddings, overrides and isolates.
            | '\u{061C}' | '\u{200E}' | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            // Byte-order mark and the "interlinear annotation" controls.
            | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// The first forbidden character and its position, or how much too long.
pub fn check(s: &str, max_chars: usize) -> Result<(), TextError> {
    if let Some((i, ch)) = s.chars().enumerate().find(|(_, c)| is_forbidden(*c)) {
        return Err(TextError::Forbidden {
            ch,
            position: i + 1,
        });
    }
    if s.chars().count() > max_chars {
        return Err(TextError::TooLong { max: max_chars });
    }
    Ok(())
}

/// `s` without forbidden characters (white space in their place, so words
/// stay apart), runs of white space made one, trimmed and cut to `max_chars`:
/// what an upgrade makes of text stored before the rule existed.
pub fn cleaned(s: &str, max_chars: usize) -> String {
    let spaced: String = s
        .chars()
        .map(|c| if is_forbidden(c) { ' ' } else { c })
        .collect();
    let joined = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut: String = joined.chars().take(max_chars).collect();
    cut.trim_end().to_string()
}

/// An operator's statement (where consent was obtained, why a suppression
/// is lifted): cleaned to one line of at most 2,000 characters; None when
/// nothing is left, for a decision is only recorded with its reason.
pub fn statement(s: &str) -> Option<String> {
    let text = cleaned(s, 2000);
    (!text.is_empty()).then_some(text)
}

/// The candidate most like `given`, when one is close enough to be what
/// was meant (a typo, a missing letter): the "did you mean" of every
/// message that names a wrong name.
pub fn closest<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::normalized_damerau_levenshtein(given, c), c))
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn describe(c: char) -> String {
    match c {
        '\n' => "a line break".into(),
        '\r' => "a carriage return".into(),
        '\t' => "a tab".into(),
        '\u{2028}' => "a line separator (U+2028)".into(),
        '\u{2029}' => "a paragraph separator (U+2029)".into(),
        c => format!("the invisible control character U+{:04X}", u32::from(c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_passes_and_controls_do_not() {
        assert_eq!(check("Anouk de Vries-Çelik", 100), Ok(()));
        assert_eq!(check("Zoë 'Z' \"Zee\", <dr.>", 100), Ok(()));
        for bad in [
            "a\nb",
            "a\rb",
            "a\tb",
            "a\u{0}b",
            "a\u{7f}b",
            "a\u{85}b",
            "a\u{2028}b",
            "a\u{2029}b",
            "a\u{202e}b",
            "a\u{2066}b",
            "a\u{200f}b",
            "a\u{feff}b",
        ] {
            assert!(
                matches!(
                    check(bad, 100),
                    Err(TextError::Forbidden { position: 2, .. })
                ),
                "{bad:?}"
            );
        }
        assert_eq!(check(&"é".repeat(5), 4), Err(TextError::TooLong { max: 4 }));
    }

    #[test]
    fn cleaning_keeps_words_apart() {
        assert_eq!(
            cleaned(" Anouk\r\nde\u{202e}Vries \t", 100),
            "Anouk de Vries"
        );
        assert_eq!(cleaned("abcdef", 3), "abc");
        assert_eq!(cleaned("\n\n", 3), "");
    }
}
