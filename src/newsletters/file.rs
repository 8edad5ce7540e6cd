//! Issue files in `newsletters/`: which names are issues, and reading one
//! within limits. Size comes from the file's metadata before a byte is read,
//! links and anything but a regular file are refused (a link to
//! `postbode.toml` would put the keys into the database; a FIFO would block
//! the reader for good), and the text must be UTF-8.

use std::io::Read;
use std::path::Path;

use crate::domain::diagnostic::{Diagnostic, line_col};
use crate::domain::language::Language;
use crate::domain::slug::Slug;
use crate::domain::texts::tr;

/// An issue's name: its slug (the file stem), how messages show it, and
/// whether the body is a whole MJML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueName {
    pub slug: Slug,
    pub shown: String,
    pub is_mjml: bool,
}

/// What the watcher makes of a file in the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judged {
    Issue(IssueName),
    /// Hidden, `_draft`, an editor's temp or backup file, an image: not
    /// meant as an issue, passed over without a word.
    Ignored,
    /// Meant as an issue, by the look of it, but not taken: the editor must
    /// hear why and what to rename it to.
    Misnamed(Misnamed),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Misnamed {
    /// `Platformnieuws januari.md`: the name is not a short name (slug).
    Name { suggested: String },
    /// `….md.txt`, `.markdown`, `.docx`: not read as an issue.
    Extension { suggested: Option<String> },
}

impl Misnamed {
    /// Why the file is not read and what to rename it to, for the editors.
    pub fn explain(&self, lang: Language) -> String {
        match self {
            Misnamed::Name { suggested } => {
                tr!(lang, "issues.file_bad_name", suggested = suggested)
            }
            Misnamed::Extension { suggested: Some(s) } => {
                tr!(lang, "issues.file_bad_extension", suggested = s)
            }
            Misnamed::Extension { suggested: None } => tr!(lang, "issues.file_document"),
        }
    }
}

/// Extensions of text or documents an editor might drop by mistake.
const DOCUMENT_EXTENSIONS: &[&str] = &[
    "txt", "markdown", "mdown", "mkd", "docx", "doc", "odt", "rtf", "html", "htm", "pages",
];

impl IssueName {
    /// The name of a file the watcher takes: `*.md` or `*.mjml` whose stem is
    /// a slug, not hidden, not `_draft`, not an editor's temp or backup file.
    pub fn of(path: &Path) -> Option<Self> {
        match judge(path) {
            Judged::Issue(n) => Some(n),
            _ => None,
        }
    }
}

/// Sorts a file of the folder into an issue, a file to pass over, or a
/// file meant as an issue whose name keeps it from being one.
pub fn judge(path: &Path) -> Judged {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return Judged::Ignored;
    };
    let temp = [".swp", ".swx", ".tmp", ".bak", ".part", ".crdownload", "~"];
    if name.starts_with(['.', '_', '~', '#'])
        || name.contains("~$")
        || temp.iter().any(|t| name.to_lowercase().ends_with(t))
    {
        return Judged::Ignored;
    }
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    let ext_lower = ext.to_lowercase();
    let is_issue_ext = ext == "md" || ext == "mjml";
    if !is_issue_ext {
        let meant = matches!(ext_lower.as_str(), "md" | "mjml")
            || DOCUMENT_EXTENSIONS.contains(&ext_lower.as_str());
        if !meant {
            return Judged::Ignored;
        }
        // `x.md.txt` → `x.md`; `X.MD` → `x.md`; a `.docx` has no text to rename.
        let inner = stem
            .rsplit_once('.')
            .filter(|(_, e)| matches!(*e, "md" | "mjml"));
        let suggested = match (inner, ext_lower.as_str()) {
            (Some((s, e)), _) => Some(format!("{}.{e}", Slug::from_title(s))),
            (None, "md" | "mjml" | "markdown" | "mdown" | "mkd" | "txt") => {
                let e = if ext_lower == "mjml" { "mjml" } else { "md" };
                Some(format!("{}.{e}", Slug::from_title(stem)))
            }
            _ => None,
        };
        return Judged::Misnamed(Misnamed::Extension { suggested });
    }
    match Slug::parse(stem) {
        Ok(slug) => Judged::Issue(IssueName {
            slug,
            shown: path.display().to_string(),
            is_mjml: ext == "mjml",
        }),
        Err(_) => Judged::Misnamed(Misnamed::Name {
            suggested: format!("{}.{ext}", Slug::from_title(stem)),
        }),
    }
}

/// Reads an issue file: a regular file of at most `max_bytes`, UTF-8 text.
/// Every refusal is a located message saying what to do.
pub fn read_issue_file(path: &Path, max_bytes: u64) -> Result<String, Diagnostic> {
    let shown = path.display().to_string();
    let refuse = |msg: String| Diagnostic::new(&shown, 1, 1, msg);
    let meta = std::fs::symlink_metadata(path)
        .map_err(|e| refuse(format!("cannot read the file: {e}")))?;
    check_kind(&meta).map_err(refuse)?;
    check_size(meta.len(), max_bytes).map_err(refuse)?;
    let file =
        std::fs::File::open(path).map_err(|e| refuse(format!("cannot read the file: {e}")))?;
    // The file may have been swapped since the first look: look again at
    // what was opened, and never read more than the limit.
    let opened = file
        .metadata()
        .map_err(|e| refuse(format!("cannot read the file: {e}")))?;
    check_kind(&opened).map_err(refuse)?;
    let mut bytes = Vec::with_capacity(opened.len().min(max_bytes) as usize);
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| refuse(format!("cannot read the file: {e}")))?;
    check_size(bytes.len() as u64, max_bytes).map_err(refuse)?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let text = String::from_utf8_lossy(valid);
        let (line, col) = line_col(&text, text.len());
        Diagnostic::new(
            &shown,
            line,
            col,
            "the file is not UTF-8 text from here on; save it as UTF-8 (in most editors: Save as… → Encoding: UTF-8)",
        )
    })
}

fn check_kind(meta: &std::fs::Metadata) -> Result<(), String> {
    let t = meta.file_type();
    if t.is_symlink() {
        return Err(
            "the file is a link; postbode reads only files stored in the folder itself: copy the issue into the folder instead"
                .into(),
        );
    }
    if !t.is_file() {
        return Err(
            "this is not an ordinary file (a folder, pipe or device); put the issue in as a normal text file"
                .into(),
        );
    }
    Ok(())
}

fn check_size(bytes: u64, max: u64) -> Result<(), String> {
    if bytes > max {
        return Err(format!(
            "the file is {} KB, more than the {} KB an issue may be (limits.issue_file_bytes); put images on a web server and link to them, and split very long issues",
            bytes.div_ceil(1024),
            max / 1024
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_names() {
        let n = IssueName::of(Path::new("x/2026-12-platformnieuws.md")).expect("issue");
        assert_eq!(n.slug.as_str(), "2026-12-platformnieuws");
        assert!(!n.is_mjml);
        assert!(IssueName::of(Path::new("a.mjml")).expect("issue").is_mjml);
        for not in [
            ".a.md",
            "_a.md",
            "~$a.md",
            "#a.md#",
            "a.md.txt",
            "Platformnieuws januari.md",
            "a.md~",
        ] {
            assert_eq!(IssueName::of(Path::new(not)), None, "{not}");
        }
    }

    #[test]
    fn files_meant_as_issues_get_a_better_name_and_others_pass_unseen() {
        let misnamed = |n: &str| match judge(Path::new(n)) {
            Judged::Misnamed(m) => m,
            other => panic!("{n}: {other:?}"),
        };
        assert_eq!(
            misnamed("Platformnieuws januari.md"),
            Misnamed::Name {
                suggested: "platformnieuws-januari.md".into()
            }
        );
        assert_eq!(
            misnamed("2018-03-platformnieuws.md.txt"),
            Misnamed::Extension {
                suggested: Some("2018-03-platformnieuws.md".into())
            }
        );
        assert_eq!(
            misnamed("Maart.MD"),
            Misnamed::Extension {
                suggested: Some("maart.md".into())
            }
        );
        assert_eq!(
            misnamed("maart.docx"),
            Misnamed::Extension { suggested: None }
        );
        for quiet in [
            "foto.jpg",
            ".maart.md.swp",
            "maart.md~",
            "~$maart.docx",
            "maart.md.tmp",
        ] {
            assert_eq!(judge(Path::new(quiet)), Judged::Ignored, "{quiet}");
        }
    }

    #[test]
    fn limits_before_reading() {
        let dir = tempfile::tempdir().expect("dir");
        let big = dir.path().join("big.md");
        std::fs::write(&big, vec![b'a'; 5000]).expect("write");
        let e = read_issue_file(&big, 4096).expect_err("too big");
        assert!(e.message.contains("5 KB"), "{e}");
        assert!(read_issue_file(&big, 8192).is_ok());
        let link = dir.path().join("link.md");
        std::os::unix::fs::symlink(&big, &link).expect("symlink");
        assert!(
            read_issue_file(&link, 8192)
                .expect_err("link")
                .message
                .contains("is a link")
        );
        assert!(
            read_issue_file(dir.path(), 8192)
                .expect_err("folder")
                .message
                .contains("not an ordinary file")
        );
        let latin1 = dir.path().join("latin1.md");
        std::fs::write(&latin1, b"---\nsubject: caf\xe9\n---\n").expect("write");
        let e = read_issue_file(&latin1, 8192).expect_err("not utf-8");
        assert_eq!((e.line, e.col), (2, 13));
    }
}
