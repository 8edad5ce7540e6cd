//! The domain's refusals (a time, an offset, a line of text, an unknown
//! workshop) in the words of the editor's language, each saying what to
//! change. The domain types keep their English `Display` for operators.

use crate::domain::language::Language;
use crate::domain::offset::OffsetError;
use crate::domain::segments::{Catalogue, SegmentKind, UnknownSegment};
use crate::domain::text::TextError;
use crate::domain::texts::tr;
use crate::domain::when::TimeError;

pub fn time_error(e: &TimeError, lang: Language) -> String {
    match e {
        TimeError::NotATime(t) => tr!(lang, "issues.time_not_a_time", given = t),
        TimeError::NoTime(t) => tr!(lang, "issues.time_without_time", given = t),
        TimeError::Skipped { text, tz } => {
            tr!(lang, "issues.time_skipped", given = text, zone = tz)
        }
    }
}

pub fn offset_error(e: &OffsetError, lang: Language) -> String {
    let (key, given) = match e {
        OffsetError::NotAnOffset(g) => ("issues.offset_unreadable", g),
        OffsetError::Weeks(g) => ("issues.offset_weeks", g),
        OffsetError::NotPositive(g) => ("issues.offset_not_positive", g),
        OffsetError::TooFar(g) => ("issues.offset_too_far", g),
    };
    crate::domain::texts::text(lang, key, &[("given", given)])
}

pub fn text_error(e: &TextError, lang: Language) -> String {
    match e {
        TextError::TooLong { max } => tr!(lang, "issues.text_too_long", max = max),
        TextError::Forbidden { ch, position } => tr!(
            lang,
            "issues.text_forbidden",
            position = position,
            what = character(*ch, lang)
        ),
    }
}

fn character(c: char, lang: Language) -> String {
    match c {
        '\n' | '\r' | '\u{2028}' | '\u{2029}' => tr!(lang, "issues.char_line_break"),
        '\t' => tr!(lang, "issues.char_tab"),
        c => tr!(
            lang,
            "issues.char_invisible",
            code = format!("U+{:04X}", u32::from(c))
        ),
    }
}

/// An unknown workshop or interest, with the one probably meant and the
/// whole list to choose from.
pub fn unknown_segment(u: &UnknownSegment, catalogue: &Catalogue, lang: Language) -> String {
    let list: Vec<&str> = catalogue
        .list(u.kind)
        .iter()
        .map(|s| s.slug.as_str())
        .collect();
    let key = match u.kind {
        SegmentKind::Workshop => "issues.unknown_workshop",
        SegmentKind::Interest => "issues.unknown_interest",
    };
    let mut out = crate::domain::texts::text(lang, key, &[("given", &u.given)]);
    match catalogue.closest(u.kind, &u.given) {
        Some(meant) => out.push_str(&tr!(lang, "issues.did_you_mean", meant = meant)),
        None => out.push_str(&tr!(lang, "issues.segment_no_guess")),
    }
    if list.is_empty() {
        out.push_str(&tr!(lang, "issues.no_segments_offered"));
    } else {
        out.push_str(&tr!(
            lang,
            "issues.segments_offered",
            list = list.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::segments::Segment;
    use crate::domain::slug::Slug;

    #[test]
    fn an_unknown_workshop_comes_with_the_one_meant_and_the_list() {
        let catalogue = Catalogue {
            workshops: ["arbeid-en-inclusie", "maatschappelijke-ondersteuning"]
                .map(|s| Segment {
                    slug: Slug::parse(s).expect("slug"),
                    name: s.into(),
                })
                .to_vec(),
            interests: Vec::new(),
        };
        let u = catalogue
            .find(SegmentKind::Workshop, "maatschappelijke-ondersteunig")
            .unwrap_err();
        let nl = unknown_segment(&u, &catalogue, Language::Nl);
        assert_eq!(
            nl,
            "onbekende werkplaats \"maatschappelijke-ondersteunig\": bedoelt u \"maatschappelijke-ondersteuning\"? Kies uit: arbeid-en-inclusie, maatschappelijke-ondersteuning"
        );
    }
}
