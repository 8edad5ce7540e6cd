//! Merge tags: a compiled variant is split once into literal text and tag
//! slots, so personalising it for one recipient is a single concatenation.

/// The names editors may use inside `{{ … }}`.
pub const MERGE_TAGS: &[&str] = &[
    "subscriber.name",
    "preferences_url",
    "unsubscribe_url",
    "archive_url",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tag {
    Name,
    Preferences,
    Unsubscribe,
    Archive,
}

impl Tag {
    pub(super) const ALL: [Tag; 4] = [Tag::Name, Tag::Preferences, Tag::Unsubscribe, Tag::Archive];
}

#[derive(Debug, Clone)]
pub(super) enum Part {
    Text(String),
    Tag(Tag),
}

/// Per-recipient values; already escaped for the output they go into.
#[derive(Debug, Clone, Default)]
pub struct MergeValues {
    pub name: String,
    pub preferences_url: String,
    pub unsubscribe_url: String,
    pub archive_url: String,
}

#[derive(Debug, Clone)]
pub struct MergeTemplate {
    parts: Vec<Part>,
    len_hint: usize,
}

impl MergeTemplate {
    /// Splits `text` at every known `{{ tag }}` (unknown ones stay as text;
    /// issues with unknown tags are rejected before they get here).
    pub fn new(text: &str) -> Self {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(p) = rest.find("{{") {
            let Some(len) = rest[p..].find("}}") else {
                break;
            };
            let name = rest[p + 2..p + len].trim();
            let tag = match name {
                "subscriber.name" => Some(Tag::Name),
                "preferences_url" => Some(Tag::Preferences),
                "unsubscribe_url" => Some(Tag::Unsubscribe),
                "archive_url" => Some(Tag::Archive),
                _ => None,
            };
            debug_assert!(tag.is_none() || MERGE_TAGS.contains(&name));
            match tag {
                Some(t) => {
                    parts.push(Part::Text(rest[..p].to_string()));
                    parts.push(Part::Tag(t));
                }
                None => parts.push(Part::Text(rest[..p + len + 2].to_string())),
            }
            rest = &rest[p + len + 2..];
        }
        parts.push(Part::Text(rest.to_string()));
        Self {
            parts,
            len_hint: text.len() + 256,
        }
    }

    pub fn render(&self, v: &MergeValues) -> String {
        let mut out = String::with_capacity(self.len_hint);
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Tag(tag) => out.push_str(v.get(*tag)),
            }
        }
        out
    }

    /// The literal text and tag slots, in order (for encoding them once,
    /// see [`super::encoded`]).
    pub(super) fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The same template with `f` applied to its literal text (the merge
    /// tags stay where they are).
    pub fn map_text(&self, f: impl Fn(&str) -> String) -> Self {
        let parts = self
            .parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => Part::Text(f(t)),
                Part::Tag(t) => Part::Tag(*t),
            })
            .collect();
        Self {
            parts,
            len_hint: self.len_hint,
        }
    }
}

impl MergeValues {
    /// The value of `tag`.
    pub(super) fn get(&self, tag: Tag) -> &str {
        match tag {
            Tag::Name => &self.name,
            Tag::Preferences => &self.preferences_url,
            Tag::Unsubscribe => &self.unsubscribe_url,
            Tag::Archive => &self.archive_url,
        }
    }

    /// The same values, HTML-escaped for the HTML part.
    pub fn escaped(&self) -> MergeValues {
        let e = |s: &str| html_escape::encode_double_quoted_attribute(s).into_owned();
        MergeValues {
            name: e(&self.name),
            preferences_url: e(&self.preferences_url),
            unsubscribe_url: e(&self.unsubscribe_url),
            archive_url: e(&self.archive_url),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_tags_and_keeps_the_rest() {
        let t = MergeTemplate::new(
            "Beste {{ subscriber.name }}, <a href=\"{{unsubscribe_url}}\">af</a> {{ other }}",
        );
        let v = MergeValues {
            name: "Anouk".into(),
            unsubscribe_url: "https://x/u/1".into(),
            ..Default::default()
        };
        assert_eq!(
            t.render(&v),
            "Beste Anouk, <a href=\"https://x/u/1\">af</a> {{ other }}"
        );
    }

    #[test]
    fn escaping_neutralises_markup_in_names() {
        let v = MergeValues {
            name: "<script>alert(1)</script> \"d'Hondt\" & co".into(),
            ..Default::default()
        };
        let t = MergeTemplate::new("<p title=\"{{ subscriber.name }}\">{{ subscriber.name }}</p>");
        let out = t.render(&v.escaped());
        assert!(!out.contains("<script>"));
        assert!(out.contains("&lt;script&gt;"));
        assert!(out.contains("&quot;d'Hondt&quot; &amp; co"));
    }
}
