//! postbode's MJML check against the reference, mjml 4.18.0: mutants of a
//! valid issue, made from what mjml declares, must be refused by both, at
//! the same line; and the checks postbode makes beyond mjml.

#[path = "../common/mod.rs"]
mod common;

mod base;
mod beyond;
mod layouts;
mod mutants;
mod reference;

use common::Postbode;

/// A project folder for `postbode check`; no mail is sent.
pub fn project(extra: &str) -> Postbode {
    Postbode::new("smtp://127.0.0.1:9", extra)
}

/// Writes `newsletters/NAME` and checks it: (exit code, stderr lines).
pub fn check(pb: &Postbode, name: &str, text: &str) -> (Option<i32>, Vec<String>) {
    pb.write_issue(name, text);
    pb.check(&format!("newsletters/{name}"))
}

#[test]
fn postbode_refuses_every_mutant_mjml_refuses_at_the_same_line() {
    let Some(modules) = reference::node_modules() else {
        return;
    };
    let started = std::time::Instant::now();
    let components = reference::components(&modules);
    let list = mutants::mutants(&components);
    assert!(list.len() >= 60, "only {} mutants", list.len());
    let mut docs = vec![base::MJML.to_string()];
    docs.extend(list.iter().map(|m| m.mjml.clone()));
    let reported = reference::validate_all(&modules, &docs);
    assert_eq!(reported[0], [], "mjml refuses the base issue");

    let pb = project("");
    let (code, err) = check(&pb, "2026-12-basis.mjml", &base::issue(base::MJML));
    assert_eq!(code, Some(0), "postbode refuses the base issue: {err:#?}");

    for (i, (m, errors)) in list.iter().zip(&reported[1..]).enumerate() {
        assert!(!errors.is_empty(), "mjml accepts the mutant {}", m.what);
        assert!(
            errors.iter().any(|(line, _)| *line == m.line),
            "mjml does not point at line {} for {}: {errors:?}",
            m.line,
            m.what
        );
        let name = format!("2026-12-mutant-{i}.mjml");
        let (code, err) = check(&pb, &name, &base::issue(&m.mjml));
        assert_eq!(code, Some(1), "postbode accepts {}: {err:#?}", m.what);
        for (line, message) in errors {
            let at = format!("newsletters/{name}:{}:", line + base::OFFSET);
            assert!(
                err.iter().any(|e| e.starts_with(&at)),
                "{}: mjml says line {line}: {message}; postbode says {err:#?}",
                m.what
            );
        }
    }
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!(
            "{} mutants checked against mjml in {:.1?}\n",
            list.len(),
            started.elapsed()
        )
        .as_bytes(),
    );
}
