//! Targeted sections reach only the readers they are meant for, whichever
//! way the editor wrote the target; the closing block and the intro's list
//! of sections follow each reader's own set; no tag is ever shown.

use crate::common::Postbode;

const ISSUE: &str = "---
subject: Platformnieuws maart 2018
---
Beste {{ subscriber.name }},

In dit nummer voor u:
{{ sections }}

## Sociale innovatie in de praktijk
Voor iedereen: SOCIAAL-ALLEN.

## Ruimte voor ontwikkeling in wijkteams {workshops=maatschappelijke-ondersteuning interests=welzijn}
Alleen MO of welzijn: WIJKTEAMS-MO.

## Kick-off werkplaats {werkplaats=arbeid-en-inclusie}
Alleen Arbeid en Inclusie: KICKOFF-AI.

## Geweld in gezinnen {interests=geweld-in-gezinnen} {workshops=transformatie-jeugd}
Alleen GG of jeugd: GEWELD-GG-JEUGD.

{afsluiting}
Met vriendelijke groet, de redactie: AFSLUITING-ALLEN
";

/// (workshops, interests, the markers this reader gets).
const READERS: &[(&str, &str, &[&str])] = &[
    ("", "", &["SOCIAAL-ALLEN", "AFSLUITING-ALLEN"]),
    (
        "maatschappelijke-ondersteuning",
        "",
        &["SOCIAAL-ALLEN", "WIJKTEAMS-MO", "AFSLUITING-ALLEN"],
    ),
    (
        "",
        "welzijn",
        &["SOCIAAL-ALLEN", "WIJKTEAMS-MO", "AFSLUITING-ALLEN"],
    ),
    (
        "arbeid-en-inclusie",
        "",
        &["SOCIAAL-ALLEN", "KICKOFF-AI", "AFSLUITING-ALLEN"],
    ),
    (
        "transformatie-jeugd",
        "armoede-en-schulden",
        &["SOCIAAL-ALLEN", "GEWELD-GG-JEUGD", "AFSLUITING-ALLEN"],
    ),
];

const MARKERS: &[(&str, &str)] = &[
    ("SOCIAAL-ALLEN", "Sociale innovatie in de praktijk"),
    ("WIJKTEAMS-MO", "Ruimte voor ontwikkeling in wijkteams"),
    ("KICKOFF-AI", "Kick-off werkplaats"),
    ("GEWELD-GG-JEUGD", "Geweld in gezinnen"),
    ("AFSLUITING-ALLEN", ""),
];

#[test]
fn targeted_text_reaches_only_its_readers_and_no_tag_is_ever_shown() {
    let pb = Postbode::new("smtp://127.0.0.1:9", "");
    pb.write_issue("2018-03-platformnieuws.md", ISSUE);
    let (code, stderr) = pb.check("newsletters/2018-03-platformnieuws.md");
    assert_eq!(code, Some(0), "{stderr:?}");
    for (i, (workshops, interests, gets)) in READERS.iter().enumerate() {
        let out = pb.path(&format!("out-{i}"));
        let out_s = out.display().to_string();
        let mut args = vec![
            "render",
            "newsletters/2018-03-platformnieuws.md",
            "--out",
            &out_s,
        ];
        if !workshops.is_empty() {
            args.extend(["--workshops", workshops]);
        }
        if !interests.is_empty() {
            args.extend(["--interests", interests]);
        }
        pb.ok(&args);
        for part in ["index.html", "index.txt"] {
            let text = std::fs::read_to_string(out.join(part)).expect("rendered");
            let reader = format!("reader {workshops:?}/{interests:?}, {part}");
            for (marker, title) in MARKERS {
                let meant = gets.contains(marker);
                assert_eq!(text.contains(marker), meant, "{reader}: {marker}");
                if !title.is_empty() {
                    // The intro's list names exactly this reader's sections.
                    let listed = if part == "index.html" {
                        text.contains(&format!("<li>{title}</li>"))
                    } else {
                        text.contains(&format!("- {title}")) || text.contains(&format!("* {title}"))
                    };
                    assert_eq!(listed, meant, "{reader}: intro list and {title:?}\n{text}");
                }
            }
            for tag in [
                "{workshops",
                "{interests",
                "{werkplaats",
                "{afsluiting",
                "{{",
            ] {
                assert!(!text.contains(tag), "{reader} shows {tag}");
            }
        }
    }
}
