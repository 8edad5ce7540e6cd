//! Raw issue text: line endings and BOM normalised, front matter split off.

/// An issue file split into its parts. Line numbers stay those of the file.
#[derive(Debug, Clone)]
pub struct Source {
    /// The whole text, LF line endings, no BOM.
    pub text: String,
    /// The YAML between the `---` lines.
    pub front_matter: String,
    /// 1-based line of the first front-matter line (after the opening `---`).
    pub front_matter_line: usize,
    /// Everything after the closing `---`.
    pub body: String,
    /// 1-based line where the body starts.
    pub body_line: usize,
    /// Byte offset of the body in `text`.
    pub body_offset: usize,
}

/// Editors' tools write CRLF, lone CR and a BOM; none of that is an error.
pub fn normalise(raw: &str) -> String {
    let s = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// Splits off the front matter, or says (as line, text key) what is wrong.
pub fn split(raw: &str) -> Result<Source, (usize, &'static str)> {
    let text = normalise(raw);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        return Err((1, "issues.no_front_matter"));
    }
    let fm_start = first.len();
    let mut offset = fm_start;
    let mut line_no = 1;
    for line in lines {
        line_no += 1;
        let t = line.trim_end();
        if t == "---" || t == "..." {
            let front_matter = text[fm_start..offset].to_string();
            let body_offset = offset + line.len();
            return Ok(Source {
                front_matter,
                front_matter_line: 2,
                body: text[body_offset..].to_string(),
                body_line: line_no + 1,
                body_offset,
                text,
            });
        }
        offset += line.len();
    }
    Err((1, "issues.front_matter_not_closed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_keeps_line_numbers() {
        let s = split("---\nsubject: x\n---\nHallo\n").expect("valid");
        assert_eq!(s.front_matter, "subject: x\n");
        assert_eq!(s.body, "Hallo\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn crlf_and_bom_are_accepted() {
        let s = split("\u{feff}---\r\nsubject: x\r\n---\r\nHallo\r\n").expect("valid");
        assert_eq!(s.front_matter, "subject: x\n");
        assert_eq!(s.body, "Hallo\n");
    }

    #[test]
    fn missing_or_unclosed_front_matter_is_explained() {
        assert_eq!(split("Hallo").unwrap_err().1, "issues.no_front_matter");
        assert_eq!(
            split("---\nsubject: x\n").unwrap_err().1,
            "issues.front_matter_not_closed"
        );
    }
}
