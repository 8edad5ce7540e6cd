//! Mistakes editors make, each with the Dutch message `postbode check` must
//! give and where. The head of every file is the same valid front matter
//! (lines 1–4) unless the case is about the head itself.

/// (file name, text, expected line, expected column, fragment of the message).
pub type Case = (&'static str, String, usize, usize, &'static str);

const HEAD: &str = "---\nsubject: Platformnieuws maart 2018\nsend_at: 2030-03-01 09:00\n---\n";

fn body(text: &str) -> String {
    format!("{HEAD}{text}")
}

pub fn cases() -> Vec<Case> {
    vec![
        // Section headings that would leak targeted text to every reader.
        (
            "kop-zonder-spatie.md",
            body("Beste lezer,\n\n##Ruimte voor ontwikkeling {workshops=maatschappelijke-ondersteuning}\nAlleen voor de werkplaats.\n"),
            7, 3, "Deze kop mist een spatie na ##",
        ),
        (
            "doelgroep-niet-gesloten.md",
            body("## Ruimte voor ontwikkeling {workshops=maatschappelijke-ondersteuning\nTekst.\n"),
            5, 29, "De doelgroep is niet gesloten",
        ),
        (
            "doelgroep-in-tekst.md",
            body("Intro.\n\n## Nieuws\nLees meer {interests=welzijn} op de site.\n"),
            8, 11, "werkt alleen aan het eind van een kop die met ## begint",
        ),
        (
            "doelgroep-op-h3.md",
            body("## Nieuws\n### Verdieping {workshops=arbeid-en-inclusie}\nTekst.\n"),
            6, 1, "Alleen een kop met ## kan een doelgroep hebben",
        ),
        (
            "tekst-na-doelgroep.md",
            body("## Kick-off {workshops=arbeid-en-inclusie} (nieuw)\nTekst.\n"),
            5, 44, "Na de doelgroep staat nog tekst",
        ),
        (
            "onbekende-soort-doelgroep.md",
            body("## Kick-off {doelgroep=arbeid-en-inclusie}\nTekst.\n"),
            5, 14, "\"doelgroep\" is geen soort doelgroep",
        ),
        (
            "werkplaats-verschreven.md",
            body("## Kick-off {workshops=maatschappelijke-ondersteunig}\nTekst.\n"),
            5, 24, "onbekende werkplaats \"maatschappelijke-ondersteunig\": bedoelt u \"maatschappelijke-ondersteuning\"? Kies uit: arbeid-en-inclusie,",
        ),
        (
            "thema-naast-werkplaats.md",
            body("## Kick-off {workshops=arbeid-en-inclusie interests=wezijn}\nTekst.\n"),
            5, 53, "onbekend thema \"wezijn\": bedoelt u \"welzijn\"?",
        ),
        (
            "kop-zonder-titel.md",
            body("## {workshops=arbeid-en-inclusie}\nTekst.\n"),
            5, 1, "Deze kop heeft geen tekst",
        ),
        (
            "sectie-na-afsluiting.md",
            body("## Nieuws\nTekst.\n\n{afsluiting}\nGroet, de redactie\n\n## Nog iets\nTekst.\n"),
            11, 1, "Deze sectie staat na {afsluiting} (regel 8)",
        ),
        // Merge tags.
        (
            "onbekend-invulveld.md",
            body("Beste {{ naam }},\n"),
            5, 7, "Onbekend invulveld {{ naam }}",
        ),
        (
            "invulveld-niet-gesloten.md",
            body("Beste {{ subscriber.name,\n"),
            5, 7, "{{ wordt niet gesloten",
        ),
        // The head of the file.
        (
            "dubbele-punt-in-onderwerp.md",
            "---\nsubject: Platformnieuws: maart 2018\nsend_at: 2030-03-01 09:00\n---\nTekst.\n".into(),
            2, 24, "zet de onderwerpregel tussen aanhalingstekens",
        ),
        (
            "veld-verschreven.md",
            "---\nsubjet: Platformnieuws maart 2018\n---\nTekst.\n".into(),
            2, 1, "subjet is hier geen bekend veld: bedoelt u subject?",
        ),
        (
            "geen-kop.md",
            "Platformnieuws maart 2018\n\nTekst.\n".into(),
            1, 1, "Een nieuwsbrief begint met een kop",
        ),
        (
            "kop-niet-afgesloten.md",
            "---\nsubject: Platformnieuws maart 2018\n\nTekst.\n".into(),
            1, 1, "De kop van het bestand is niet afgesloten",
        ),
        (
            "geen-onderwerp.md",
            "---\npreheader: Sociale innovatie\n---\nTekst.\n".into(),
            2, 1, "De nieuwsbrief heeft geen onderwerp",
        ),
        (
            "tab-in-kop.md",
            "---\nsubject: Platformnieuws\nagenda:\n\t- title: Bijeenkomst\n---\nTekst.\n".into(),
            4, 1, "Op deze regel staat een tab",
        ),
        (
            "aanhalingsteken-open.md",
            "---\nsubject: \"Platformnieuws maart 2018\nsend_at: 2030-03-01 09:00\n---\nTekst.\n".into(),
            2, 10, "Een aanhalingsteken wordt niet gesloten",
        ),
        (
            "onderwerp-twee-keer.md",
            "---\nsubject: Platformnieuws maart\nsubject: Platformnieuws april\n---\nTekst.\n".into(),
            3, 1, "Het veld subject staat twee keer",
        ),
        (
            "regeleinde-in-onderwerp.md",
            "---\nsubject: \"Platformnieuws\\nmaart\"\n---\nTekst.\n".into(),
            2, 1, "teken 15 is een regeleinde",
        ),
        (
            "verzendmoment-zonder-tijd.md",
            "---\nsubject: Platformnieuws\nsend_at: 2030-03-01\n---\nTekst.\n".into(),
            3, 10, "\"2030-03-01\" heeft geen tijd: schrijf het als \"2030-03-01 09:00\"",
        ),
        (
            "verzendmoment-onleesbaar.md",
            "---\nsubject: Platformnieuws\nsend_at: 1 maart 9 uur\n---\nTekst.\n".into(),
            3, 10, "\"1 maart 9 uur\" is geen datum en tijd",
        ),
        (
            "verzendmoment-zomertijd.md",
            "---\nsubject: Platformnieuws\nsend_at: 2030-03-31 02:30\n---\nTekst.\n".into(),
            3, 10, "bestaat niet in Europe/Amsterdam: de klok slaat dat uur over",
        ),
        (
            "publiek-thema-verschreven.md",
            "---\nsubject: Platformnieuws\naudience:\n  interests: [wezijn]\n---\nTekst.\n".into(),
            4, 15, "onbekend thema \"wezijn\": bedoelt u \"welzijn\"?",
        ),
        (
            "onbekende-opmaak.md",
            "---\nsubject: Platformnieuws\ntemplate: nieuwsbrief\n---\nTekst.\n".into(),
            3, 11, "Onbekende opmaak \"nieuwsbrief\"",
        ),
        // Agenda items.
        (
            "agenda-zonder-begin.md",
            "---\nsubject: Platformnieuws\nagenda:\n  - title: Themabijeenkomst Gezond en Sociaal\n---\nTekst.\n".into(),
            4, 5, "Agendapunt \"Themabijeenkomst Gezond en Sociaal\" heeft geen begin",
        ),
        (
            "agenda-einde-voor-begin.md",
            "---\nsubject: Platformnieuws\nagenda:\n  - title: Bijeenkomst\n    start: 2030-04-10 13:30\n    end: 2030-04-10 12:00\n---\nTekst.\n".into(),
            6, 10, "Het einde (2030-04-10 12:00) ligt vóór het begin (2030-04-10 13:30)",
        ),
        (
            "agenda-dag-en-tijd-door-elkaar.md",
            "---\nsubject: Platformnieuws\nagenda:\n  - title: Platformdag\n    start: 2030-04-10\n    end: 2030-04-10 17:00\n---\nTekst.\n".into(),
            6, 10, "start en end moeten allebei een tijd hebben, of allebei alleen een datum",
        ),
        (
            "herinnering-in-dagen.md",
            "---\nsubject: Platformnieuws\nagenda:\n  - title: Bijeenkomst\n    start: 2030-04-10 13:30\n    reminders: [7 dagen]\n---\nTekst.\n".into(),
            6, 17, "\"7 dagen\" is geen herinneringstijd",
        ),
        (
            "herinnering-in-weken.md",
            "---\nsubject: Platformnieuws\nagenda:\n  - title: Bijeenkomst\n    start: 2030-04-10 13:30\n    reminders: [1w]\n---\nTekst.\n".into(),
            6, 17, "weken kunnen niet",
        ),
        (
            "agenda-status-afgelast.md",
            "---\nsubject: Platformnieuws\nagenda:\n  - title: Bijeenkomst\n    start: 2030-04-10 13:30\n    status: afgelast\n---\nTekst.\n".into(),
            6, 13, "Status \"afgelast\" is onbekend",
        ),
        (
            "agenda-id-met-spaties.md",
            "---\nsubject: Platformnieuws\nagenda:\n  - id: Bijeenkomst April\n    title: Bijeenkomst\n    start: 2030-04-10 13:30\n---\nTekst.\n".into(),
            4, 9, "\"Bijeenkomst April\" is geen geldige korte naam",
        ),
        (
            "agenda-werkplaats-verschreven.md",
            "---\nsubject: Platformnieuws\nagenda:\n  - title: Bijeenkomst\n    start: 2030-04-10 13:30\n    workshop: arbeid-inclusie\n---\nTekst.\n".into(),
            6, 15, "onbekende werkplaats \"arbeid-inclusie\": bedoelt u \"arbeid-en-inclusie\"?",
        ),
    ]
}
