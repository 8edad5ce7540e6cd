//! Issue files in `newsletters/`: which names are issues, and reading one
//! within limits. Size comes from the file's metadata before a byte is read,
//! links and anything but a regular file are refused (a link to
//! `postbode.toml` would put the keys into the database; a FIFO would block
//! the reader for good), and the text must be UTF-8.

use std::io::Read;
use std::path::Path;

use crate::domain::diagnostic::{Diagnostic, line_col};
use crate::domain::slug::Slug;

/// An issue's name: its slug (the file stem), how messages show it, and
/// whether the body is a whole MJML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueName {
    pub slug: Slug,
    pub shown: String,
    pub is_mjml: bool,
}

impl IssueName {
    /// The name of a file the watcher takes: `*.md` or `*.mjml` whose stem is
    /// a slug, not hidden, not `_draft`, not an editor's temp or backup file.
    pub fn of(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?;
        if name.starts_with(['.', '_', '~', '#']) || name.contains("~$") {
            return None;
        }
        let is_mjml = name.ends_with(".mjml");
        if !is_mjml && !name.ends_with(".md") {
            return None;
        }
        let slug = Slug::parse(path.file_stem()?.to_str()?).ok()?;
        Some(Self {
            slug,
            shown: path.display().to_string(),
            is_mjml,
        })
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
