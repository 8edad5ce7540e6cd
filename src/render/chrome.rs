//! The words around what editors write (footers, link labels, headings, the
//! sentences of reminder and sign-up mails) in the reader's language. They
//! come from the text catalogue, one table per layout (`mail.issue`,
//! `mail.reminder`, …), and reach the layouts in `mjml/` as the template
//! variable `t`, so a layout holds its structure once and no language pairs.

use std::collections::BTreeMap;
use std::fmt::Display;

use crate::domain::language::Language;
use crate::domain::texts;

/// Every text under `table.` in `lang`, keyed by the rest of its key
/// (`mail.issue.unsubscribe` → `unsubscribe`), with `args` filled in. A
/// placeholder no arg names stays as it is: such texts are for the Rust side
/// (a plain-text part, a subject) and the layout does not use them.
pub fn words(
    lang: Language,
    table: &str,
    args: &[(&str, &dyn Display)],
) -> BTreeMap<String, String> {
    let prefix = format!("{table}.");
    texts::keys(lang)
        .into_iter()
        .filter_map(|key| {
            let rest = key.strip_prefix(&prefix)?;
            Some((rest.to_string(), texts::text(lang, key, args)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_comes_with_its_keys_shortened_and_values_filled() {
        let nl = words(Language::Nl, "mail.issue", &[("platform", &"kUS")]);
        let en = words(Language::En, "mail.issue", &[("platform", &"kUS")]);
        assert_eq!(nl["unsubscribe"], "Afmelden");
        assert_eq!(en["unsubscribe"], "Unsubscribe");
        assert!(nl["why"].contains("het kUS"), "{}", nl["why"]);
        assert_eq!(nl.keys().collect::<Vec<_>>(), en.keys().collect::<Vec<_>>());
    }
}
