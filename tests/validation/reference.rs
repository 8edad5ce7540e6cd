//! The reference validator: mjml 4.18.0 from npm, run by node, with
//! `validationLevel: 'soft'`. `POSTBODE_TEST_MJML` names its `mjml`
//! executable (in `node_modules/.bin`); CI must set it.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

/// One document's errors as mjml reports them: (line, message).
pub type Errors = Vec<(usize, String)>;

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The `node_modules` folder holding mjml, or None (allowed outside CI only).
pub fn node_modules() -> Option<PathBuf> {
    match std::env::var_os("POSTBODE_TEST_MJML").filter(|v| !v.is_empty()) {
        Some(p) => {
            let bin = PathBuf::from(p);
            // node_modules/.bin/mjml → node_modules
            bin.parent().and_then(|b| b.parent()).map(PathBuf::from)
        }
        None if in_ci() => panic!(
            "CI is set but POSTBODE_TEST_MJML is not: install mjml@4.18.0 with npm and point POSTBODE_TEST_MJML at node_modules/.bin/mjml"
        ),
        None => {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: the comparison with mjml's validator needs POSTBODE_TEST_MJML=/path/to/node_modules/.bin/mjml"
            );
            None
        }
    }
}

/// Runs a node script with mjml reachable; its stdout as JSON.
fn node(modules: &PathBuf, script: &str, input: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let input_path = dir.path().join("input.json");
    std::fs::write(&input_path, input).expect("input");
    let out = Command::new("node")
        .arg("-e")
        .arg(script)
        .arg(&input_path)
        .env("NODE_PATH", modules)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("node printed JSON")
}

/// mjml's errors for each document, in one node process.
pub fn validate_all(modules: &PathBuf, docs: &[String]) -> Vec<Errors> {
    let script = r#"
const mjml = require('mjml');
const docs = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));
const out = docs.map(d => {
  const pairs = (errors) => errors.map(e => [e.line, e.message]);
  try { return pairs(mjml(d, {validationLevel: 'soft'}).errors); }
  catch (e) {
    // Some documents (a head component in the body) validate but crash the
    // rendering that follows; 'strict' stops after the same validation.
    try { mjml(d, {validationLevel: 'strict'}); } catch (s) { if (s.errors) return pairs(s.errors); }
    return [[0, String(e)]];
  }
});
process.stdout.write(JSON.stringify(out));
"#;
    let input = serde_json::to_string(docs).expect("json");
    let value = node(modules, script, &input);
    value
        .as_array()
        .expect("array")
        .iter()
        .map(|errs| {
            errs.as_array()
                .expect("errors")
                .iter()
                .map(|e| {
                    (
                        e[0].as_u64().unwrap_or(0) as usize,
                        e[1].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .collect()
}

/// What mjml itself declares: each component's allowed attributes with
/// their types, which are ending tags, and the parent table.
pub struct Components {
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub children: serde_json::Map<String, serde_json::Value>,
}

pub fn components(modules: &PathBuf) -> Components {
    let script = r#"
require('mjml');
const core = require('mjml-core');
const deps = require('mjml-validator').dependencies;
const attributes = {};
for (const [name, c] of Object.entries(core.components)) attributes[name] = c.allowedAttributes || {};
const children = {};
for (const [name, kids] of Object.entries(deps)) children[name] = kids.filter(k => typeof k === 'string');
process.stdout.write(JSON.stringify({attributes, children}));
"#;
    let value = node(modules, script, "null");
    Components {
        attributes: value["attributes"].as_object().expect("attributes").clone(),
        children: value["children"].as_object().expect("children").clone(),
    }
}
