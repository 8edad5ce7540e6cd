//! `sqlx::migrate!` embeds `migrations/` at compile time: rebuild when it
//! changes. `--version` names the commit the binary was built from.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rustc-env=POSTBODE_GIT_COMMIT={}", git_commit());
    // A new commit or a checkout of another branch changes HEAD or the ref it
    // points to; in a worktree both live in the worktree's own git folder.
    if let Some(head) = git(&["rev-parse", "--git-path", "HEAD"]) {
        println!("cargo:rerun-if-changed={head}");
    }
    if let Some(name) = git(&["symbolic-ref", "-q", "HEAD"]) {
        if let Some(reference) = git(&["rev-parse", "--git-path", &name]) {
            println!("cargo:rerun-if-changed={reference}");
        }
    }
    if let Some(packed) = git(&["rev-parse", "--git-common-dir"]) {
        println!("cargo:rerun-if-changed={packed}/packed-refs");
    }
}

/// The short commit, or "unknown" outside a git checkout (a source tarball,
/// a build without git installed).
fn git_commit() -> String {
    git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into())
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}
