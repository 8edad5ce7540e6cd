//! The walk over an MJML document: every element with its parent and its
//! attributes, with byte positions, checked against mjml's rules
//! ([`super::rules`]). Tokens come from `htmlparser`, the tokenizer mrml
//! parses with. The content of an ending tag (mj-text, mj-button …) is HTML
//! and is only searched for MJML tags that do not belong there, and for the
//! closing tag that ends it.

use htmlparser::{ElementEnd, Token, Tokenizer};

use super::Problem;
use super::rules::{COMPONENTLESS, GLOBAL_ATTRIBUTES, RULES};

/// A problem at a byte offset of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub at: usize,
    pub problem: Problem,
}

/// An attribute as written: name, value, byte offset.
type Attr = (String, String, usize);

struct Open {
    name: String,
    at: usize,
}

/// Every problem in `doc`, in document order. Where the text stops being
/// readable markup the walk stops: mrml reports that syntax error itself.
pub fn walk(doc: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut pending: Option<(String, usize, Vec<Attr>)> = None;
    let mut tokens = Tokenizer::from_fragment(doc, 0..doc.len());
    let mut broken = false;
    while let Some(token) = tokens.next() {
        let Ok(token) = token else {
            // A syntax error: mrml reports it where it is.
            broken = true;
            break;
        };
        match token {
            Token::ElementStart {
                prefix,
                local,
                span,
            } => {
                pending = Some((
                    qualified(prefix.as_str(), local.as_str()),
                    span.start(),
                    Vec::new(),
                ))
            }
            Token::Attribute {
                prefix,
                local,
                value,
                span,
            } => {
                if let Some((_, _, attrs)) = pending.as_mut() {
                    attrs.push((
                        qualified(prefix.as_str(), local.as_str()),
                        value.map_or(String::new(), |v| v.as_str().to_string()),
                        span.start(),
                    ));
                }
            }
            Token::ElementEnd { end, span } => match end {
                ElementEnd::Open | ElementEnd::Empty => {
                    let Some((name, at, attrs)) = pending.take() else {
                        continue;
                    };
                    let parent = stack.last().map(|o| o.name.as_str());
                    check_element(&name, at, &attrs, parent, &mut out);
                    if matches!(end, ElementEnd::Empty) {
                        continue;
                    }
                    let ending = RULES.component(&name).is_some_and(|c| c.ending);
                    if !ending {
                        stack.push(Open { name, at });
                        continue;
                    }
                    match raw_content(doc, span.end(), &name, at, &stack, &mut out) {
                        Some(resume) => tokens = Tokenizer::from_fragment(doc, resume..doc.len()),
                        None => return out,
                    }
                }
                ElementEnd::Close(prefix, local) => {
                    let name = qualified(prefix.as_str(), local.as_str());
                    close(&name, span.start(), &mut stack, &mut out);
                }
            },
            _ => {}
        }
    }
    for open in stack
        .into_iter()
        .rev()
        .filter(|o| is_mjml(&o.name) && !broken)
    {
        out.push(Finding {
            at: open.at,
            problem: Problem::NeverClosed {
                tag: open.name,
                shown_by: None,
            },
        });
    }
    out.sort_by_key(|f| f.at);
    out
}

fn qualified(prefix: &str, local: &str) -> String {
    // mjml's HTML parser lower-cases tag names.
    if prefix.is_empty() {
        local.to_ascii_lowercase()
    } else {
        format!("{prefix}:{local}").to_ascii_lowercase()
    }
}

fn is_mjml(name: &str) -> bool {
    name == "mjml" || name.starts_with("mj-")
}

/// mjml-validator's rules for one element: the tag exists, stands in a
/// parent that may hold it, and carries only its attributes, with values
/// of their types. And beyond mjml: an image says what it shows.
fn check_element(
    name: &str,
    at: usize,
    attrs: &[Attr],
    parent: Option<&str>,
    out: &mut Vec<Finding>,
) {
    let mut push = |at, problem| out.push(Finding { at, problem });
    // The root is mjml's own: the validator skips it.
    if name == "mjml" {
        return;
    }
    let Some(component) = RULES.component(name) else {
        if !COMPONENTLESS.contains(&name) {
            let problem = if is_mjml(name) {
                Problem::UnknownTag { tag: name.into() }
            } else {
                Problem::HtmlOutsideText {
                    tag: name.into(),
                    parent: parent.unwrap_or("mjml").into(),
                }
            };
            push(at, problem);
        }
        return;
    };
    if let Some(p) = parent.and_then(|p| RULES.component(p).map(|c| (p, c)))
        && !p.1.any_child
        && !p.1.children.iter().any(|k| k == name)
    {
        push(
            at,
            Problem::WrongParent {
                tag: name.into(),
                parent: p.0.into(),
            },
        );
    }
    for (attr, value, attr_at) in attrs {
        if GLOBAL_ATTRIBUTES.contains(&attr.as_str()) {
            continue;
        }
        match component.attribute(attr) {
            None => push(
                *attr_at,
                Problem::IllegalAttribute {
                    tag: name.into(),
                    attr: attr.clone(),
                },
            ),
            Some(t) if !t.accepts(value, &RULES.colors) => push(
                *attr_at,
                Problem::BadValue {
                    tag: name.into(),
                    attr: attr.clone(),
                    value: value.clone(),
                    kind: t.clone(),
                },
            ),
            Some(_) => {}
        }
    }
    let defaults = parent == Some("mj-attributes");
    if name == "mj-image"
        && !defaults
        && !attrs.iter().any(|(a, _, _)| a == "alt" || a == "mj-class")
    {
        push(at, Problem::MissingAlt);
    }
}

/// A closing tag outside ending tags: it closes the innermost open element
/// of its name; MJML elements it skips were never closed (reported where
/// they open); one that closes nothing open is stray. HTML elements
/// there are already reported as such.
fn close(name: &str, at: usize, stack: &mut Vec<Open>, out: &mut Vec<Finding>) {
    let Some(i) = stack.iter().rposition(|o| o.name == name) else {
        out.push(Finding {
            at,
            problem: Problem::StrayClose { tag: name.into() },
        });
        return;
    };
    for inner in stack[i + 1..].iter().rev().filter(|o| is_mjml(&o.name)) {
        out.push(Finding {
            at: inner.at,
            problem: Problem::NeverClosed {
                tag: inner.name.clone(),
                shown_by: Some(at),
            },
        });
    }
    stack.truncate(i);
}

/// Skips the HTML content of the ending tag `name` opened at `open_at`,
/// from `from`; returns where MJML resumes after its closing tag, or None
/// when nothing closes it. An MJML closing tag of another name that is not
/// open around it is taken for a misspelt close (`</mj-txt>`).
fn raw_content(
    doc: &str,
    from: usize,
    name: &str,
    open_at: usize,
    stack: &[Open],
    out: &mut Vec<Finding>,
) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = from;
    while let Some(p) = doc[i..].find('<') {
        let at = i + p;
        let tail = &doc[at..];
        if tail.starts_with("<!--") {
            i = at + tail.find("-->").map_or(tail.len(), |e| e + 3);
            continue;
        }
        let closing = tail.starts_with("</");
        let tag: String = tail[if closing { 2 } else { 1 }..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == ':')
            .collect::<String>()
            .to_ascii_lowercase();
        let end = at + super::super::nesting::tag_end(tail).map_or(tail.len(), |e| e + 1);
        i = at + 1;
        if !is_mjml(&tag) {
            continue;
        }
        let self_closing = doc[..end].ends_with("/>");
        match (closing, tag == name) {
            (false, true) if !self_closing => depth += 1,
            (false, _) => out.push(Finding {
                at,
                problem: Problem::MjmlInText {
                    tag,
                    parent: name.into(),
                },
            }),
            (true, true) if depth > 0 => depth -= 1,
            (true, true) => return Some(end),
            (true, false) if stack.iter().any(|o| o.name == tag) => {
                out.push(Finding {
                    at: open_at,
                    problem: Problem::NeverClosed {
                        tag: name.into(),
                        shown_by: Some(at),
                    },
                });
                return Some(at);
            }
            (true, false) => {
                out.push(Finding {
                    at,
                    problem: Problem::MismatchedClose {
                        open: name.into(),
                        close: tag,
                    },
                });
                return Some(end);
            }
        }
    }
    out.push(Finding {
        at: open_at,
        problem: Problem::NeverClosed {
            tag: name.into(),
            shown_by: None,
        },
    });
    None
}
