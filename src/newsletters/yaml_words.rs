//! What a YAML error in the head of an issue file means for the editor who
//! typed it: the parser speaks of "mapping values" and "block scalars", the
//! editor needs to hear "put the subject in quotes".

use crate::domain::language::Language;
use crate::domain::text::closest;
use crate::domain::texts::text;
use crate::domain::texts::tr;

/// The keys the head of an issue file knows, in the order the README lists them.
const TOP_KEYS: &[&str] = &[
    "subject",
    "preheader",
    "send_at",
    "template",
    "audience",
    "agenda",
];
const ALL_KEYS: &[&str] = &[
    "subject",
    "preheader",
    "send_at",
    "template",
    "audience",
    "agenda",
    "links",
    "workshops",
    "interests",
    "id",
    "title",
    "start",
    "end",
    "location",
    "url",
    "description",
    "workshop",
    "reminders",
    "status",
];

/// The editor's message for parser message `msg`, raised on `line` (the
/// text of the line the parser points at).
pub fn advice(msg: &str, line: &str, lang: Language) -> String {
    // serde names the path first: `subject: invalid type: …`,
    // `agenda[0].title: invalid type: …`.
    let (path_key, msg) = match msg.split_once(": ") {
        Some((path, rest))
            if !path.contains(' ')
                && path.chars().next().is_some_and(|c| c.is_ascii_lowercase()) =>
        {
            let last = path.rsplit('.').next().unwrap_or(path);
            (
                Some(last.split('[').next().unwrap_or(last).to_string()),
                rest,
            )
        }
        _ => (None, msg),
    };
    let key = path_key.or_else(|| key_of(line));
    if msg.starts_with("mapping values are not allowed")
        || msg.starts_with("could not find expected ':'")
    {
        return match key.as_deref() {
            Some("subject") => tr!(lang, "issues.yaml_colon_subject"),
            Some(k) => tr!(lang, "issues.yaml_colon", key = k),
            None => tr!(lang, "issues.yaml_colon_line"),
        };
    }
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let name = rest.split(',').next().unwrap_or(rest).trim_matches('`');
        let known = rest
            .split_once("expected one of ")
            .map_or_else(|| TOP_KEYS.join(", "), |(_, k)| k.replace('`', ""));
        let meant = closest(name, ALL_KEYS.iter().copied()).map_or_else(String::new, |m| {
            text(lang, "issues.yaml_meant", &[("meant", &m)])
        });
        return tr!(
            lang,
            "issues.yaml_unknown_key",
            key = name,
            meant = meant,
            known = known
        );
    }
    if msg.starts_with("duplicate field") || msg.contains("duplicate entry") {
        let name = msg.split('`').nth(1).map(str::to_string).or(key);
        return tr!(
            lang,
            "issues.yaml_duplicate",
            key = name.unwrap_or_default()
        );
    }
    if msg.starts_with("invalid type") {
        return match key.as_deref() {
            Some(k @ ("workshops" | "interests")) => {
                tr!(lang, "issues.yaml_list_expected", key = k)
            }
            _ => tr!(lang, "issues.yaml_needs_quotes"),
        };
    }
    if msg.contains("tab character") || line.contains('\t') {
        return tr!(lang, "issues.yaml_tab");
    }
    if msg.starts_with("found character that cannot start any token") {
        return tr!(lang, "issues.yaml_bad_start");
    }
    if msg.contains("quoted scalar") || msg.contains("unexpected end of stream") {
        return tr!(lang, "issues.yaml_quote_not_closed");
    }
    if msg.starts_with("did not find expected")
        || msg.contains("block mapping")
        || msg.contains("block collection")
    {
        return tr!(lang, "issues.yaml_indent");
    }
    tr!(lang, "issues.yaml_other", detail = msg)
}

/// A better place than the parser's for some mistakes, as a 0-based line
/// of the front matter and a 1-based column: the opening quote that is
/// never closed (the parser only notices at the end), the second time a
/// key is given (the parser points at the start of the mapping).
pub fn better_place(msg: &str, front_matter: &str) -> Option<(usize, usize)> {
    let lines: Vec<&str> = front_matter.lines().collect();
    if msg.contains("quoted scalar") || msg.contains("unexpected end of stream") {
        return lines.iter().enumerate().find_map(|(i, line)| {
            let (_, value) = line.split_once(": ")?;
            let v = value.trim_start();
            let q = v.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            let closed = v[1..].contains(q);
            let col = line.len() - v.len();
            (!closed).then(|| (i, line[..col].chars().count() + 1))
        });
    }
    if msg.contains("duplicate field") || msg.contains("duplicate entry") {
        let key = msg.split('`').nth(1)?;
        let pattern = format!("{key}:");
        return lines
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                l.trim_start()
                    .trim_start_matches("- ")
                    .starts_with(&pattern)
            })
            .nth(1)
            .map(|(i, l)| (i, l.len() - l.trim_start().len() + 1));
    }
    None
}

/// The key a line sets, when it sets one (`  - title: …` → `title`).
fn key_of(line: &str) -> Option<String> {
    let t = line.trim_start().trim_start_matches("- ").trim_start();
    let (k, _) = t.split_once(':')?;
    let k = k.trim();
    (!k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| k.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> (String, usize) {
        let e = serde_norway::from_str::<serde_norway::Value>(yaml).expect_err("invalid");
        let line = e.location().map_or(1, |l| l.line());
        let msg = e.to_string();
        (
            msg.split(" at line ").next().unwrap_or(&msg).to_string(),
            line,
        )
    }

    #[test]
    fn a_colon_in_the_subject_asks_for_quotes() {
        let yaml = "subject: Platformnieuws: maart 2018\nsend_at: 2018-03-01 09:00\n";
        let (msg, line) = parse(yaml);
        let advice = advice(&msg, yaml.lines().nth(line - 1).unwrap_or(""), Language::Nl);
        assert!(
            advice.contains("zet de onderwerpregel tussen aanhalingstekens"),
            "{msg} → {advice}"
        );
    }

    #[test]
    fn a_typo_in_a_key_names_the_key_meant() {
        let advice = advice(
            "unknown field `subjct`, expected one of `subject`, `preheader`",
            "subjct: x",
            Language::Nl,
        );
        assert!(advice.contains("bedoelt u subject?"), "{advice}");
    }

    #[test]
    fn tabs_and_open_quotes_are_named() {
        let (msg, _) = parse("subject: \"Nieuws\nsend_at: x\n");
        assert!(
            advice(&msg, "", Language::En).contains("quote is not closed"),
            "{msg}"
        );
        let yaml = "agenda:\n\t- title: x\n";
        let (msg, line) = parse(yaml);
        let typed = yaml.lines().nth(line - 1).unwrap_or("");
        assert!(advice(&msg, typed, Language::En).contains("tab"), "{msg}");
    }
}
