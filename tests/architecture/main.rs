//! The shape of the code, checked: imports run one way, from the entry points
//! through the services and storage down to the domain, with no circles.
//! `cargo test --test architecture -- --nocapture` prints the module graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Each top-level module and its layer: a module may use its own layer's
/// modules (without circles) and every layer below, never one above.
const LAYERS: &[(&str, u8)] = &[
    ("domain", 0),
    ("config", 1),
    ("storage", 2),
    ("render", 3),
    ("mail", 3),
    ("bounces", 3),
    ("newsletters", 3),
    ("reminders", 3),
    ("signup", 3),
    ("linkcheck", 3),
    ("delivery", 4),
    ("schedule", 4),
    ("web", 4),
    ("startup", 4),
    ("cli", 4),
    ("commands", 4),
    ("logging", 4),
    ("webhooks", 4),
];

fn layer(module: &str) -> u8 {
    LAYERS
        .iter()
        .find(|(m, _)| *m == module)
        .map(|(_, l)| *l)
        .unwrap_or_else(|| panic!("src/{module} is in no layer: add it to LAYERS"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read src") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Top-level module → the top-level modules it uses.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(ROOT).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).expect("under src");
        let first = rel.components().next().expect("a path");
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&f).expect("read");
        let uses = g.entry(module.clone()).or_default();
        for (i, _) in text.match_indices("crate::") {
            let name: String = text[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != module {
                uses.insert(name);
            }
        }
    }
    g
}

#[test]
fn imports_run_one_way_without_circles() {
    let g = graph();
    println!("module graph (layer: module -> what it uses):");
    for (m, uses) in &g {
        let list: Vec<&str> = uses.iter().map(String::as_str).collect();
        println!("  {}: {m} -> {}", layer(m), list.join(", "));
    }
    let mut upward = Vec::new();
    for (m, uses) in &g {
        for u in uses {
            if layer(u) > layer(m) {
                upward.push(format!(
                    "{m} (layer {}) uses {u} (layer {})",
                    layer(m),
                    layer(u)
                ));
            }
        }
    }
    assert!(upward.is_empty(), "imports that run upward: {upward:#?}");
    // Depth-first search for a circle among the top-level modules.
    fn visit<'a>(
        m: &'a str,
        g: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| *p == m) {
            let mut circle: Vec<String> = path[i..].iter().map(|s| s.to_string()).collect();
            circle.push(m.to_string());
            return Some(circle);
        }
        if !done.insert(m) {
            return None;
        }
        path.push(m);
        for u in g.get(m).into_iter().flatten() {
            if let Some(c) = visit(u, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for m in g.keys() {
        let circle = visit(m, &g, &mut Vec::new(), &mut done);
        assert!(
            circle.is_none(),
            "a circle: {}",
            circle.unwrap_or_default().join(" -> ")
        );
    }
}

#[test]
fn the_domain_and_the_settings_use_nothing_above_them() {
    let g = graph();
    let domain: Vec<&String> = g["domain"].iter().collect();
    assert!(domain.is_empty(), "domain uses {domain:?}");
    let config: Vec<&String> = g["config"].iter().filter(|u| *u != "domain").collect();
    assert!(config.is_empty(), "config uses {config:?}");
}

#[test]
fn files_stay_readable() {
    let src = Path::new(ROOT).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).expect("read").lines().count();
            (n > 400).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split these along their concepts: {long:#?}"
    );
}
