//! A section tag at the end of a `##` heading: `{workshops=a,b}`,
//! `{interests=x}`, both in one tag (`{workshops=a interests=b}`, or with
//! `;` between them), or one tag after the other. Dutch keys work too
//! (`{werkplaatsen=…}`, `{thema=…}`).

use crate::domain::language::Language;
use crate::domain::segments::{Catalogue, SegmentKind, Segments};
use crate::domain::texts::tr;

pub struct Tag {
    pub segments: Segments,
    /// (1-based column in the line, message).
    pub errors: Vec<(usize, String)>,
}

fn kind_of(key: &str) -> Option<SegmentKind> {
    match key.to_lowercase().as_str() {
        "workshops" | "workshop" | "werkplaatsen" | "werkplaats" => Some(SegmentKind::Workshop),
        "interests" | "interest" | "themas" | "thema" | "thema's" => Some(SegmentKind::Interest),
        _ => None,
    }
}

/// Parses `text`, which starts at the tag's `{`; `col` is that brace's column.
pub fn parse_tag(text: &str, col: usize, catalogue: &Catalogue, lang: Language) -> Tag {
    let mut tag = Tag {
        segments: Segments::default(),
        errors: Vec::new(),
    };
    let (mut workshops, mut interests) = (Vec::new(), Vec::new());
    let col_at = |byte: usize| col + text[..byte].chars().count();
    let mut rest = 0;
    loop {
        let Some(close) = text[rest..].find('}').map(|c| rest + c) else {
            tag.errors
                .push((col_at(rest), tr!(lang, "issues.tag_not_closed")));
            break;
        };
        for (at, key, values) in clauses(&text[rest + 1..close]) {
            let at = rest + 1 + at;
            let Some(kind) = key.as_deref().and_then(kind_of) else {
                let shown: String = key.unwrap_or_default().chars().take(30).collect();
                tag.errors
                    .push((col_at(at), tr!(lang, "issues.tag_key_unknown", key = shown)));
                continue;
            };
            for (v_at, value) in values {
                match catalogue.find(kind, value) {
                    Ok(slug) => match kind {
                        SegmentKind::Workshop => workshops.push(slug),
                        SegmentKind::Interest => interests.push(slug),
                    },
                    Err(u) => tag.errors.push((
                        col_at(at + v_at),
                        super::words::unknown_segment(&u, catalogue, lang),
                    )),
                }
            }
        }
        let after = text[close + 1..].trim_start();
        if after.is_empty() {
            break;
        }
        if after.starts_with('{') {
            rest = text.len() - after.len();
            continue;
        }
        let at = text.len() - after.len();
        tag.errors
            .push((col_at(at), tr!(lang, "issues.text_after_tag")));
        break;
    }
    tag.segments = Segments::new(workshops, interests);
    tag
}

/// A clause's byte offset (in `inner`), its key (None when there is no `=`)
/// and its values with their offsets relative to the clause.
type Clause<'a> = (usize, Option<String>, Vec<(usize, &'a str)>);

/// Splits the inside of a tag into `key=values` clauses. A word followed by
/// `=` (or `:`) starts a clause; values run to the next such word and are
/// separated by commas or spaces.
fn clauses(inner: &str) -> Vec<Clause<'_>> {
    let words = words(inner);
    let mut out: Vec<Clause<'_>> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let (start, word) = words[i];
        let is_key = words
            .get(i + 1)
            .is_some_and(|(_, w)| *w == "=" || *w == ":");
        if !is_key {
            // A value with no key before it: the tag is not understood.
            out.push((start, None, Vec::new()));
            i += 1;
            while i < words.len()
                && !words
                    .get(i + 1)
                    .is_some_and(|(_, w)| *w == "=" || *w == ":")
            {
                i += 1;
            }
            continue;
        }
        let mut values = Vec::new();
        i += 2;
        while i < words.len()
            && !words
                .get(i + 1)
                .is_some_and(|(_, w)| *w == "=" || *w == ":")
        {
            let (at, w) = words[i];
            values.push((at - start, w));
            i += 1;
        }
        out.push((start, Some(word.to_string()), values));
    }
    out
}

/// Words of a tag with their offsets: `=` and `:` are words of their own;
/// spaces, commas and `;` only separate.
fn words(inner: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in inner.char_indices() {
        let sep = c.is_whitespace() || c == ',' || c == ';';
        let own = c == '=' || c == ':';
        if sep || own {
            if let Some(s) = start.take() {
                out.push((s, &inner[s..i]));
            }
            if own {
                out.push((i, &inner[i..i + 1]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push((s, &inner[s..]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::segments::Segment;
    use crate::domain::slug::Slug;

    fn known() -> Catalogue {
        let seg = |s: &str| Segment {
            slug: Slug::parse(s).expect("slug"),
            name: s.into(),
        };
        Catalogue {
            workshops: vec![seg("arbeid-en-inclusie"), seg("jeugd")],
            interests: vec![seg("welzijn")],
        }
    }

    fn slugs(s: &Segments) -> (Vec<&str>, Vec<&str>) {
        (
            s.workshops().iter().map(|x| x.as_str()).collect(),
            s.interests().iter().map(|x| x.as_str()).collect(),
        )
    }

    #[test]
    fn one_tag_may_carry_workshops_and_interests() {
        for text in [
            "{workshops=jeugd, arbeid-en-inclusie interests=welzijn}",
            "{workshops=jeugd,arbeid-en-inclusie; interests=welzijn}",
            "{workshops=jeugd,arbeid-en-inclusie} {interests=welzijn}",
            "{werkplaatsen = jeugd arbeid-en-inclusie thema: welzijn}",
        ] {
            let tag = parse_tag(text, 10, &known(), Language::Nl);
            assert!(tag.errors.is_empty(), "{text}: {:?}", tag.errors);
            assert_eq!(
                slugs(&tag.segments),
                (vec!["arbeid-en-inclusie", "jeugd"], vec!["welzijn"]),
                "{text}"
            );
        }
    }

    #[test]
    fn mistakes_point_at_their_column() {
        let tag = parse_tag("{workshops=jeugd,onbekend}", 10, &known(), Language::En);
        assert_eq!(tag.errors.len(), 1);
        assert_eq!(tag.errors[0].0, 27);
        let tag = parse_tag("{workshops=jeugd", 10, &known(), Language::En);
        assert_eq!(tag.errors[0].0, 10);
        let tag = parse_tag("{workshops=jeugd} meer", 10, &known(), Language::En);
        assert_eq!(tag.errors[0].0, 28);
        let tag = parse_tag("{doelgroep=jeugd}", 10, &known(), Language::En);
        assert_eq!(tag.errors[0].0, 11);
    }
}
