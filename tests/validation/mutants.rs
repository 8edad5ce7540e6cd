//! Mutants of the base document, made from what mjml itself declares: for
//! each component in it, an attribute it does not have and a wrong value
//! for each kind of type its attributes have; each component in a parent
//! that may not hold it; and misspelt tags. One change a mutant, on one line.

use serde_json::Value;

use crate::base::MJML;
use crate::reference::Components;

pub struct Mutant {
    pub what: String,
    pub mjml: String,
    /// The changed line of the MJML, 1-based.
    pub line: usize,
}

/// Tags that hold other components, in document order of first use.
const CONTAINERS: &[&str] = &[
    "mj-head",
    "mj-body",
    "mj-section",
    "mj-column",
    "mj-group",
    "mj-wrapper",
    "mj-social",
    "mj-navbar",
];

/// The tag opened on a line, if any.
fn opened(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix('<')?;
    let name = rest
        .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .next()?;
    name.starts_with("mj-").then_some(name)
}

fn with_line(lines: &[&str], i: usize, new: String) -> String {
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    out[i] = new;
    out.join("\n") + "\n"
}

fn inserted(lines: &[&str], after: usize, new: String) -> String {
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    out.insert(after + 1, new);
    out.join("\n") + "\n"
}

/// A value the type refuses, by kind: (label, value).
fn wrong_values(kind: &str) -> Vec<(&'static str, String)> {
    if kind.starts_with("unit") {
        let units = kind
            .split_once('(')
            .and_then(|(_, r)| r.split_once(')'))
            .map_or("", |(u, _)| u);
        let max: usize = kind
            .split_once('{')
            .and_then(|(_, r)| {
                r.trim_end_matches('}')
                    .rsplit(',')
                    .next()
                    .map(str::to_string)
            })
            .and_then(|m| m.parse().ok())
            .unwrap_or(1);
        let unit = if units.split(',').any(|u| u == "em") {
            "pt"
        } else {
            "em"
        };
        let count = vec!["1px"; max + 1].join(" ");
        vec![
            ("wrong unit", format!("12{unit}")),
            ("word for a size", "twelve".into()),
            ("too many values", count),
        ]
    } else if kind.starts_with("color") {
        vec![("bad colour", "reddish".into())]
    } else if kind.starts_with("enum") {
        vec![("bad enum value", "sideways".into())]
    } else if kind.starts_with("boolean") {
        vec![("bad boolean", "yes".into())]
    } else if kind.starts_with("integer") {
        vec![("bad integer", "many".into())]
    } else {
        Vec::new()
    }
}

pub fn mutants(c: &Components) -> Vec<Mutant> {
    let lines: Vec<&str> = MJML.lines().collect();
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(tag) = opened(line) else { continue };
        let Some(Value::Object(attrs)) = c.attributes.get(tag) else {
            continue;
        };
        if seen.contains(&tag) {
            continue;
        }
        seen.push(tag);
        let add = |attr: &str, value: &str| {
            line.replacen(&format!("<{tag}"), &format!("<{tag} {attr}=\"{value}\""), 1)
        };
        // An attribute it does not have: a near miss of one it has, or a made-up one.
        let typo = attrs
            .keys()
            .map(|a| a[..a.len() - 1].to_string())
            .find(|t| !attrs.contains_key(t) && !t.is_empty())
            .unwrap_or_else(|| "colr".into());
        out.push(Mutant {
            what: format!("{tag}: illegal attribute {typo}"),
            mjml: with_line(&lines, i, add(&typo, "x")),
            line: i + 1,
        });
        let mut kinds_done: Vec<String> = Vec::new();
        for (attr, kind) in attrs {
            let kind = kind.as_str().unwrap_or("string");
            let family = kind.split('(').next().unwrap_or(kind).to_string();
            if kinds_done.contains(&family) || line.contains(&format!(" {attr}=")) {
                continue;
            }
            let wrong = wrong_values(kind);
            if wrong.is_empty() {
                continue;
            }
            kinds_done.push(family);
            for (label, value) in wrong {
                out.push(Mutant {
                    what: format!("{tag}: {label} {attr}=\"{value}\" ({kind})"),
                    mjml: with_line(&lines, i, add(attr, &value)),
                    line: i + 1,
                });
            }
        }
    }
    let indent = |i: usize| " ".repeat(lines[i + 1].len() - lines[i + 1].trim_start().len());
    let first_line = |tag: &str| lines.iter().position(|l| opened(l) == Some(tag));
    // Each component in the first container that may not hold it.
    for tag in seen
        .iter()
        .filter(|t| !["mj-head", "mj-body", "mj-attributes"].contains(t))
    {
        let refuses = CONTAINERS.iter().find(|p| {
            c.children
                .get(**p)
                .and_then(Value::as_array)
                .is_some_and(|kids| !kids.iter().any(|k| k == tag))
        });
        let Some(parent) = refuses else { continue };
        let Some(at) = first_line(parent) else {
            continue;
        };
        out.push(Mutant {
            what: format!("{tag} inside {parent}"),
            mjml: inserted(&lines, at, format!("{}<{tag} />", indent(at))),
            line: at + 2,
        });
    }
    // A misspelt tag in each container: its first child, one letter short.
    for parent in CONTAINERS {
        let Some(at) = first_line(parent) else {
            continue;
        };
        let Some(child) = c
            .children
            .get(*parent)
            .and_then(Value::as_array)
            .and_then(|k| k.first())
            .and_then(Value::as_str)
        else {
            continue;
        };
        let typo = &child[..child.len() - 1];
        out.push(Mutant {
            what: format!("unknown element <{typo}> in {parent}"),
            mjml: inserted(&lines, at, format!("{}<{typo} />", indent(at))),
            line: at + 2,
        });
    }
    out
}
