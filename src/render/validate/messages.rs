//! What the validator says to editors, from the text catalogue: plain
//! words, what to change, and the nearest right name for a near miss.

use super::Problem;
use super::rules::{GLOBAL_ATTRIBUTES, RULES};
use super::types::AttrType;
use crate::domain::language::Language;

/// The message for `problem` in `lang`.
pub fn describe(problem: &Problem, lang: Language) -> String {
    match problem {
        Problem::IllegalAttribute { tag, attr } => {
            let names: Vec<&str> = RULES
                .component(tag)
                .map(|c| c.attributes.iter().map(|(n, _)| n.as_str()).collect())
                .unwrap_or_default();
            let allowed = names
                .iter()
                .copied()
                .chain(GLOBAL_ATTRIBUTES.iter().copied())
                .collect::<Vec<_>>()
                .join(", ");
            match nearest(attr, names.iter().copied()) {
                Some(near) => crate::domain::texts::tr!(
                    lang,
                    "validate.illegal_attribute_near",
                    attr = attr,
                    tag = tag,
                    near = near,
                    allowed = allowed
                ),
                None => crate::domain::texts::tr!(
                    lang,
                    "validate.illegal_attribute",
                    attr = attr,
                    tag = tag,
                    allowed = allowed
                ),
            }
        }
        Problem::BadValue {
            tag,
            attr,
            value,
            kind,
        } => bad_value(tag, attr, value, kind, lang),
        Problem::WrongParent { tag, parent } => {
            let parents = RULES.parents_of(tag);
            crate::domain::texts::tr!(
                lang,
                "validate.wrong_parent",
                tag = tag,
                parent = parent,
                allowed = or_list(&parents, lang)
            )
        }
        Problem::UnknownTag { tag } => match nearest(tag, RULES.tag_names()) {
            Some(near) => {
                crate::domain::texts::tr!(lang, "validate.unknown_tag_near", tag = tag, near = near)
            }
            None => crate::domain::texts::tr!(lang, "validate.unknown_tag", tag = tag),
        },
        Problem::HtmlOutsideText { tag, parent } => {
            crate::domain::texts::tr!(
                lang,
                "validate.html_outside_text",
                tag = tag,
                parent = parent
            )
        }
        Problem::MjmlInText { tag, parent } => {
            crate::domain::texts::tr!(lang, "validate.mjml_in_text", tag = tag, parent = parent)
        }
        Problem::MismatchedClose { open, close } => {
            crate::domain::texts::tr!(
                lang,
                "validate.mismatched_close",
                open = open,
                close = close
            )
        }
        Problem::ClosesOuter { open, close } => {
            crate::domain::texts::tr!(lang, "validate.closes_outer", open = open, close = close)
        }
        Problem::StrayClose { tag } => {
            crate::domain::texts::tr!(lang, "validate.stray_close", tag = tag)
        }
        Problem::NeverClosed { tag, .. } => {
            crate::domain::texts::tr!(lang, "validate.never_closed", tag = tag)
        }
        Problem::MissingAlt => crate::domain::texts::tr!(lang, "validate.missing_alt"),
    }
}

fn bad_value(tag: &str, attr: &str, value: &str, kind: &AttrType, lang: Language) -> String {
    match kind {
        AttrType::Unit {
            units,
            auto,
            min,
            max,
            ..
        } => {
            let mut shown: Vec<&str> = units
                .iter()
                .map(String::as_str)
                .filter(|u| !u.is_empty())
                .collect();
            let bare = units.iter().any(String::is_empty);
            let first = shown.first().copied().unwrap_or("px");
            if *auto {
                shown.push("auto");
            }
            let example = std::iter::repeat_n(
                format!("{}{first}", if first == "%" { "50" } else { "10" }),
                (*min).max(if *max > 1 { 2 } else { 1 }),
            )
            .collect::<Vec<_>>()
            .join(" ");
            let mut units_text = or_list(&shown, lang);
            if bare {
                units_text =
                    crate::domain::texts::tr!(lang, "validate.or_bare_number", units = units_text);
            }
            if *max > 1 {
                crate::domain::texts::tr!(
                    lang,
                    "validate.bad_unit_many",
                    attr = attr,
                    value = value,
                    min = min,
                    max = max,
                    units = units_text,
                    example = example
                )
            } else {
                crate::domain::texts::tr!(
                    lang,
                    "validate.bad_unit",
                    attr = attr,
                    value = value,
                    units = units_text,
                    example = example
                )
            }
        }
        AttrType::Color => {
            crate::domain::texts::tr!(lang, "validate.bad_color", attr = attr, value = value)
        }
        AttrType::Enum(values) => {
            let list: Vec<&str> = values.iter().map(String::as_str).collect();
            match nearest(value, list.iter().copied()) {
                Some(near) => crate::domain::texts::tr!(
                    lang,
                    "validate.bad_enum_near",
                    attr = attr,
                    value = value,
                    tag = tag,
                    near = near,
                    allowed = or_list(&list, lang)
                ),
                None => crate::domain::texts::tr!(
                    lang,
                    "validate.bad_enum",
                    attr = attr,
                    value = value,
                    tag = tag,
                    allowed = or_list(&list, lang)
                ),
            }
        }
        AttrType::Boolean => {
            crate::domain::texts::tr!(lang, "validate.bad_boolean", attr = attr, value = value)
        }
        AttrType::Integer => {
            crate::domain::texts::tr!(lang, "validate.bad_integer", attr = attr, value = value)
        }
        AttrType::String => {
            crate::domain::texts::tr!(lang, "validate.bad_string", attr = attr, value = value)
        }
    }
}

/// "a, b or c" in the editor's language.
fn or_list(items: &[&str], lang: Language) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => {
            crate::domain::texts::tr!(lang, "validate.or", first = rest.join(", "), last = last)
        }
    }
}

/// The candidate nearest `typed` when it is a near miss: at most two edits
/// away, or a difference of case.
fn nearest<'a>(typed: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let typed_lower = typed.to_ascii_lowercase();
    candidates
        .map(|c| (strsim::levenshtein(&typed_lower, c), c))
        .filter(|(d, c)| *d <= 2.min(c.len() / 3 + 1) && *c != typed)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
