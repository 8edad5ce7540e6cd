use super::*;

fn known() -> Catalogue {
    let seg = |s: &str| crate::domain::segments::Segment {
        slug: crate::domain::slug::Slug::parse(s).expect("slug"),
        name: s.into(),
    };
    Catalogue {
        workshops: vec![
            seg("arbeid-en-inclusie"),
            seg("jeugd"),
            seg("maatschappelijke-ondersteuning"),
        ],
        interests: vec![seg("geweld-in-gezinnen")],
    }
}

fn errors(body: &str) -> Vec<Located> {
    split_sections(body, 1, &known(), Language::Nl).1
}

#[test]
fn splits_intro_targeted_sections_and_closing() {
    let body = "Beste lezer,\n\n## Kick-off {workshops=arbeid-en-inclusie,jeugd}\nTekst.\n\n```\n## not a heading\n```\n## Algemeen\nVoor iedereen.\n\n{afsluiting}\nMet vriendelijke groet,\nDe redactie\n";
    let (p, errs) = split_sections(body, 5, &known(), Language::Nl);
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(p.intro, "Beste lezer,");
    assert_eq!(p.sections.len(), 2);
    assert_eq!(p.sections[0].title, "Kick-off");
    let w: Vec<&str> = p.sections[0]
        .target
        .workshops()
        .iter()
        .map(|s| s.as_str())
        .collect();
    assert_eq!(w, ["arbeid-en-inclusie", "jeugd"]);
    assert!(p.sections[0].markdown.contains("## not a heading"));
    assert!(p.sections[1].target.is_empty());
    assert_eq!(p.sections[1].markdown, "Voor iedereen.");
    assert_eq!(p.closing, "Met vriendelijke groet,\nDe redactie");
}

#[test]
fn unknown_slugs_and_tags_point_at_their_column() {
    let (_, errs) = split_sections(
        "## Nieuws {workshops=onbekend}\n",
        10,
        &known(),
        Language::En,
    );
    assert_eq!(errs.len(), 1);
    assert_eq!((errs[0].0, errs[0].1), (10, 22));
    assert!(
        errs[0].2.contains("unknown workshop \"onbekend\""),
        "{errs:?}"
    );
    let errs = errors("## Nieuws {doelgroep=x}\n");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].2.contains("\"doelgroep\" is geen soort doelgroep"),
        "{errs:?}"
    );
}

#[test]
fn nothing_that_looks_like_targeting_passes_unparsed() {
    let errs =
        errors("##Ruimte voor ontmoeting {workshops=maatschappelijke-ondersteuning}\nTekst\n");
    assert_eq!((errs[0].0, errs[0].1), (1, 3), "{errs:?}");
    assert!(errs[0].2.contains("spatie na ##"));
    let errs = errors("## Kop {workshops=jeugd\nTekst\n");
    assert_eq!((errs[0].0, errs[0].1), (1, 8), "{errs:?}");
    assert!(errs[0].2.contains("niet gesloten"));
    let errs = errors("Intro\n\nZie ook {interests=geweld-in-gezinnen} hier.\n");
    assert_eq!((errs[0].0, errs[0].1), (3, 9), "{errs:?}");
    let errs = errors("### Kop {workshops=jeugd}\n");
    assert!(errs[0].2.contains("3 #-tekens"), "{errs:?}");
}

#[test]
fn workshops_and_interests_in_one_heading() {
    let (p, errs) = split_sections(
        "## Kop {workshops=jeugd interests=geweld-in-gezinnen}\nTekst\n",
        1,
        &known(),
        Language::Nl,
    );
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(p.sections[0].target.workshops().len(), 1);
    assert_eq!(p.sections[0].target.interests().len(), 1);
}

#[test]
fn a_closing_block_comes_once_after_the_sections() {
    let errs = errors("## A\nx\n{afsluiting}\ny\n## B\nz\n");
    assert_eq!((errs[0].0, errs[0].1), (5, 1), "{errs:?}");
    let errs = errors("## A\n{afsluiting}\n{afsluiting}\n");
    assert_eq!(errs[0].0, 3, "{errs:?}");
}

#[test]
fn merge_tags_are_checked() {
    assert!(
        check_merge_tags(
            "Beste {{ subscriber.name }}, {{unsubscribe_url}}",
            false,
            Language::Nl
        )
        .is_empty()
    );
    let bad = check_merge_tags("Hoi {{ subscriber.email }}", false, Language::Nl);
    assert_eq!(bad[0].0, 4);
    assert!(bad[0].1.contains("Onbekend invulveld"), "{bad:?}");
}
