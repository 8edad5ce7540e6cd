//! What each line of a Markdown body is, as far as sections are concerned:
//! a `## ` heading, a line that was meant as one, the closing marker, or
//! text. Lines inside fenced code blocks are taken as they are.

/// One line of the body, classified.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// `## …`: what follows `## `.
    Heading(&'a str),
    /// `##Kop`: hashes with no space after them, at 1-based column `col`.
    NoSpace {
        col: usize,
    },
    /// `# Kop {workshops=…}` or `### …`: a tag on a heading that cannot carry one.
    OtherLevel {
        hashes: usize,
    },
    /// The line `{afsluiting}` (or `{closing}`) alone.
    Closing,
    /// Inside a fenced code block: never a heading, never checked for tags.
    Verbatim(&'a str),
    Text(&'a str),
}

/// The words that open the closing block, Dutch and English.
const CLOSING_MARKERS: &[&str] = &["{afsluiting}", "{closing}"];

/// The keys a section tag knows, with Dutch spellings editors write.
pub const TAG_KEYS: &[&str] = &[
    "workshops",
    "workshop",
    "interests",
    "interest",
    "werkplaatsen",
    "werkplaats",
    "themas",
    "thema",
    "thema's",
];

pub fn classify(body: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut fence: Option<&str> = None;
    for line in body.lines() {
        let trimmed = line.trim_start();
        if let Some(f) = fence {
            if trimmed.starts_with(f) {
                fence = None;
            }
            out.push(Line::Verbatim(line));
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(&trimmed[..3]);
            out.push(Line::Verbatim(line));
            continue;
        }
        out.push(classify_line(line));
    }
    out
}

fn classify_line(line: &str) -> Line<'_> {
    if let Some(heading) = line.strip_prefix("## ") {
        return Line::Heading(heading);
    }
    if CLOSING_MARKERS
        .iter()
        .any(|m| line.trim().eq_ignore_ascii_case(m))
    {
        return Line::Closing;
    }
    // Markdown allows up to three spaces before a heading.
    let indent = line.len() - line.trim_start().len();
    let rest = &line[indent..];
    let hashes = rest.chars().take_while(|&c| c == '#').count();
    if indent <= 3 && (1..=6).contains(&hashes) {
        let after = &rest[hashes..];
        let next = after.chars().next();
        let looks_meant = hashes == 2 || tag_start(after).is_some();
        if next.is_some_and(|c| !c.is_whitespace()) && looks_meant {
            return Line::NoSpace {
                col: line[..indent + hashes].chars().count() + 1,
            };
        }
        if indent > 0 && hashes == 2 && next.is_some_and(char::is_whitespace) {
            return Line::Heading(after.trim_start());
        }
        if hashes != 2 && tag_start(after).is_some() {
            return Line::OtherLevel { hashes };
        }
    }
    Line::Text(line)
}

/// The byte offset of the first `{key=` or `{key =` in `text` whose key is a
/// section-tag key (any case): where a section tag starts.
pub fn tag_start(text: &str) -> Option<usize> {
    tag_starts(text).into_iter().next()
}

fn tag_starts(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices('{') {
        let after = &text[i + 1..];
        let word_len = after
            .find(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '_'))
            .unwrap_or(after.len());
        let word = after[..word_len].to_lowercase();
        let rest = after[word_len..].trim_start();
        if TAG_KEYS.contains(&word.as_str()) && (rest.starts_with('=') || rest.starts_with(':')) {
            out.push(i);
        }
    }
    out
}

/// 1-based columns of section tags in a line of text, where none may be.
pub fn stray_tags(line: &str) -> Vec<usize> {
    tag_starts(line)
        .into_iter()
        .map(|b| line[..b].chars().count() + 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_and_near_misses_are_told_apart() {
        assert_eq!(classify_line("## Kop"), Line::Heading("Kop"));
        assert_eq!(classify_line("  ## Kop"), Line::Heading("Kop"));
        assert_eq!(classify_line("##Kop"), Line::NoSpace { col: 3 });
        assert_eq!(classify_line("###Kop"), Line::Text("###Kop"));
        assert_eq!(
            classify_line("#Kop {workshops=a}"),
            Line::NoSpace { col: 2 }
        );
        assert_eq!(
            classify_line("### Kop {workshops=a}"),
            Line::OtherLevel { hashes: 3 }
        );
        assert_eq!(classify_line("# Titel"), Line::Text("# Titel"));
        assert_eq!(classify_line("#hashtag"), Line::Text("#hashtag"));
        assert_eq!(classify_line(" {Afsluiting} "), Line::Closing);
    }

    #[test]
    fn tags_are_found_in_any_case_and_spelling() {
        assert_eq!(stray_tags("zie {Workshops = a} en {thema=b}"), [5, 24]);
        assert!(stray_tags("{Nieuw} en {x=1}").is_empty());
        assert_eq!(tag_start("Kop {werkplaats:a}"), Some(4));
    }

    #[test]
    fn fenced_code_is_left_alone() {
        let lines = classify("```\n##Kop {workshops=a}\n```\n##Kop");
        assert_eq!(lines[1], Line::Verbatim("##Kop {workshops=a}"));
        assert_eq!(lines[3], Line::NoSpace { col: 3 });
    }
}
