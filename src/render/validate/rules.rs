//! The rules of the reference compiler, mjml 4.18.0: each component's
//! allowed attributes and their types, which components are ending tags
//! (their content is HTML, not MJML), and which parents each may have. They
//! are read from `mjml-4.18.0.toml`, which `scripts/mjml-rules.js` writes from
//! the installed mjml packages, so the table is mjml's own and not retyped.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use super::types::AttrType;

#[derive(serde::Deserialize)]
struct File {
    colors: Vec<String>,
    components: BTreeMap<String, RawComponent>,
    /// Parents that are no component (`mjml` itself) and their children.
    parents_without_component: BTreeMap<String, Vec<String>>,
}

#[derive(serde::Deserialize)]
struct RawComponent {
    ending: bool,
    #[serde(default)]
    any_child: bool,
    children: Vec<String>,
    attributes: toml::Table,
}

/// One MJML component as the validator sees it.
pub struct Component {
    /// Its content is HTML (mj-text, mj-button …), not MJML.
    pub ending: bool,
    /// `mj-attributes` takes any child.
    pub any_child: bool,
    pub children: Vec<String>,
    /// In alphabetical order, for the lists shown to editors.
    pub attributes: Vec<(String, AttrType)>,
}

impl Component {
    pub fn attribute(&self, name: &str) -> Option<&AttrType> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t)
    }
}

pub struct Rules {
    pub components: HashMap<String, Component>,
    pub colors: Vec<String>,
    other_parents: BTreeMap<String, Vec<String>>,
}

/// Attributes every component takes (mjml-validator's whitelist).
pub const GLOBAL_ATTRIBUTES: &[&str] = &["mj-class", "css-class"];

/// Tags without a component that mjml still accepts (mjml-validator's
/// `componentLessTags`): defaults in `mj-attributes` and `mj-html-attributes`.
pub const COMPONENTLESS: &[&str] = &["mj-all", "mj-class", "mj-selector", "mj-html-attribute"];

pub static RULES: LazyLock<Rules> = LazyLock::new(|| load(include_str!("mjml-4.18.0.toml")));

fn load(text: &str) -> Rules {
    let file: File = toml::from_str(text).expect("the MJML rules file is valid");
    let components = file
        .components
        .into_iter()
        .map(|(name, raw)| {
            let attributes = raw
                .attributes
                .iter()
                .map(|(a, t)| {
                    let t = t.as_str().expect("an attribute type is a string");
                    (a.clone(), AttrType::parse(t))
                })
                .collect();
            let component = Component {
                ending: raw.ending,
                any_child: raw.any_child,
                children: raw.children,
                attributes,
            };
            (name, component)
        })
        .collect();
    Rules {
        components,
        colors: file.colors,
        other_parents: file.parents_without_component,
    }
}

impl Rules {
    pub fn component(&self, tag: &str) -> Option<&Component> {
        self.components.get(tag)
    }

    /// The parents a component may stand in, for the message: those that
    /// list it, then `mj-attributes` (which takes anything), as mjml says.
    pub fn parents_of(&self, tag: &str) -> Vec<&str> {
        let mut list: Vec<&str> = self
            .components
            .iter()
            .filter(|(_, c)| c.children.iter().any(|k| k == tag))
            .map(|(n, _)| n.as_str())
            .chain(
                self.other_parents
                    .iter()
                    .filter(|(_, kids)| kids.iter().any(|k| k == tag))
                    .map(|(n, _)| n.as_str()),
            )
            .collect();
        list.sort_unstable();
        list.push("mj-attributes");
        list
    }

    /// Every tag name mjml knows, for a did-you-mean.
    pub fn tag_names(&self) -> impl Iterator<Item = &str> {
        self.components
            .keys()
            .map(String::as_str)
            .chain(COMPONENTLESS.iter().copied())
            .chain(["mjml"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_mjmls_components_and_parents() {
        let text = RULES.component("mj-text").expect("mj-text");
        assert!(text.ending);
        assert!(text.attribute("color").is_some());
        assert!(text.attribute("colr").is_none());
        let column = RULES.component("mj-column").expect("mj-column");
        assert!(column.children.iter().any(|c| c == "mj-text"));
        assert_eq!(
            RULES.parents_of("mj-column"),
            ["mj-group", "mj-section", "mj-attributes"]
        );
        assert!(RULES.component("mj-attributes").expect("attrs").any_child);
        assert!(RULES.colors.iter().any(|c| c == "red"));
    }
}
