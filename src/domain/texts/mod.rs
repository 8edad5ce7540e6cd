//! postbode's words for people, one catalogue per language (the TOML files
//! in `nl/` and `en/` beside this file, one file per part of the program),
//! so that a translator edits text files and not the code. A text is looked up by key and `{name}` placeholders are
//! filled in; both catalogues must hold the same keys with the same
//! placeholders, which the tests below check.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::LazyLock;

use super::language::Language;

type Catalogue = HashMap<String, String>;

/// One language's files; a key may appear in one file only.
fn load(files: &[&str]) -> Catalogue {
    let mut out = HashMap::new();
    for text in files {
        let table: toml::Table = text.parse().expect("a text catalogue is valid TOML");
        flatten("", &table, &mut out);
    }
    out
}

/// `[check] heading = "…"` becomes the key `check.heading`.
fn flatten(prefix: &str, table: &toml::Table, out: &mut Catalogue) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                let earlier = out.insert(key.clone(), s.clone());
                assert!(earlier.is_none(), "text {key} is in two files");
            }
            other => panic!("text {key} is not a string: {other}"),
        }
    }
}

/// Each part of the program keeps its texts in its own file, the same name
/// in both languages.
static NL: LazyLock<Catalogue> = LazyLock::new(|| {
    load(&[
        include_str!("nl/issues.toml"),
        include_str!("nl/links.toml"),
        include_str!("nl/validate.toml"),
        include_str!("nl/ops.toml"),
        include_str!("nl/editor_links.toml"),
        include_str!("nl/status.toml"),
        include_str!("nl/deliveries.toml"),
        include_str!("nl/maintenance.toml"),
        include_str!("nl/mail.toml"),
        include_str!("nl/pages.toml"),
    ])
});
static EN: LazyLock<Catalogue> = LazyLock::new(|| {
    load(&[
        include_str!("en/issues.toml"),
        include_str!("en/links.toml"),
        include_str!("en/validate.toml"),
        include_str!("en/ops.toml"),
        include_str!("en/editor_links.toml"),
        include_str!("en/status.toml"),
        include_str!("en/deliveries.toml"),
        include_str!("en/maintenance.toml"),
        include_str!("en/mail.toml"),
        include_str!("en/pages.toml"),
    ])
});

fn catalogue(lang: Language) -> &'static Catalogue {
    match lang {
        Language::Nl => &NL,
        Language::En => &EN,
    }
}

/// The text `key` in `lang` with each `{name}` replaced by its value. A key
/// missing from the catalogue comes back as the key itself, which the tests
/// catch, rather than stopping a mail or a check.
pub fn text(lang: Language, key: &str, args: &[(&str, &dyn Display)]) -> String {
    let Some(template) = catalogue(lang).get(key) else {
        debug_assert!(false, "text {key} is missing in {lang}");
        return key.to_string();
    };
    let mut out = template.clone();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), &value.to_string());
    }
    out
}

/// `tr!(lang, "check.heading_space", line = 3)`: [`text`] with named values.
macro_rules! tr {
    ($lang:expr, $key:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::domain::texts::text($lang, $key, &[$((stringify!($name), &$value as &dyn ::std::fmt::Display)),*])
    };
}
pub(crate) use tr;

/// The keys of one language, for tests that compare catalogues.
pub fn keys(lang: Language) -> Vec<&'static str> {
    let mut k: Vec<&str> = catalogue(lang).keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn placeholders(s: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            let name = &rest[open + 1..open + close];
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                out.insert(name.to_string());
            }
            rest = &rest[open + close + 1..];
        }
        out
    }

    #[test]
    fn both_languages_have_every_text_with_the_same_placeholders() {
        assert_eq!(keys(Language::Nl), keys(Language::En));
        for key in keys(Language::Nl) {
            assert_eq!(
                placeholders(&NL[key]),
                placeholders(&EN[key]),
                "placeholders of {key} differ between nl and en"
            );
        }
    }

    #[test]
    fn values_fill_their_placeholders() {
        let nl = text(
            Language::Nl,
            "issues.text_forbidden",
            &[("position", &3), ("what", &"een tab")],
        );
        assert_eq!(nl, "teken 3 is een tab, en dat kan hier niet");
        assert_eq!(
            tr!(Language::En, "issues.text_too_long", max = 80),
            "longer than 80 characters"
        );
    }
}
