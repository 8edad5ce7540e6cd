//! The operator's commands (SPEC §8): `--version`.

#[path = "../common/mod.rs"]
mod common;

use common::ROOT;
use std::process::{Command, Output};

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn version_names_the_package_and_the_commit() {
    let out = Command::new(common::BIN)
        .arg("--version")
        .output()
        .expect("postbode --version");
    assert!(out.status.success());
    let said = stdout(&out);
    assert!(said.contains(env!("CARGO_PKG_VERSION")), "{said}");
    let git = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(ROOT)
        .output();
    let commit = match git {
        Ok(g) if g.status.success() => stdout(&g).trim().to_string(),
        _ => "unknown".to_string(),
    };
    assert!(
        said.contains(&format!("({commit})")),
        "{said} lacks {commit}"
    );
}
