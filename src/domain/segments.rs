//! What a subscriber follows (workshops and interests), and the catalogue of
//! the ones the platform offers. A [`Segments`] value holds only slugs, sorted
//! and without repeats; one made through a [`Catalogue`] holds only offered ones.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::slug::Slug;

/// Workshops and interests: the basis of audiences and section targeting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Segments {
    #[serde(default, deserialize_with = "sorted")]
    workshops: Vec<Slug>,
    #[serde(default, deserialize_with = "sorted")]
    interests: Vec<Slug>,
}

fn sorted<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Slug>, D::Error> {
    let mut v = Vec::<Slug>::deserialize(d)?;
    v.sort();
    v.dedup();
    Ok(v)
}

impl Segments {
    pub fn new(mut workshops: Vec<Slug>, mut interests: Vec<Slug>) -> Self {
        workshops.sort();
        workshops.dedup();
        interests.sort();
        interests.dedup();
        Self {
            workshops,
            interests,
        }
    }

    pub fn workshops(&self) -> &[Slug] {
        &self.workshops
    }

    pub fn interests(&self) -> &[Slug] {
        &self.interests
    }

    /// True when the two share any workshop or interest.
    pub fn follows_any(&self, other: &Segments) -> bool {
        self.workshops.iter().any(|w| other.workshops.contains(w))
            || self.interests.iter().any(|i| other.interests.contains(i))
    }

    pub fn is_empty(&self) -> bool {
        self.workshops.is_empty() && self.interests.is_empty()
    }

    /// Every slug, workshops first: the order SQL filters bind them in.
    pub fn all(&self) -> impl Iterator<Item = &Slug> {
        self.workshops.iter().chain(&self.interests)
    }
}

/// A workshop or a theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SegmentKind {
    Workshop,
    Interest,
}

impl SegmentKind {
    /// As stored in `subscriber_segments.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            SegmentKind::Workshop => "workshop",
            SegmentKind::Interest => "interest",
        }
    }
}

/// One workshop or interest the platform offers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    pub slug: Slug,
    pub name: String,
}

/// A slug the platform does not offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSegment {
    pub kind: SegmentKind,
    /// What was given, cut to a readable length.
    pub given: String,
}

impl fmt::Display for UnknownSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} {:?}", self.kind.as_str(), self.given)
    }
}

/// The workshops and interests of `[[workshops]]` and `[[interests]]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    pub workshops: Vec<Segment>,
    pub interests: Vec<Segment>,
}

impl Catalogue {
    pub fn list(&self, kind: SegmentKind) -> &[Segment] {
        match kind {
            SegmentKind::Workshop => &self.workshops,
            SegmentKind::Interest => &self.interests,
        }
    }

    /// The offered slug `raw` names (surrounding white space ignored).
    pub fn find(&self, kind: SegmentKind, raw: &str) -> Result<Slug, UnknownSegment> {
        let raw = raw.trim();
        self.list(kind)
            .iter()
            .find(|s| s.slug.as_str() == raw)
            .map(|s| s.slug.clone())
            .ok_or_else(|| UnknownSegment {
                kind,
                given: raw.chars().take(60).collect(),
            })
    }

    /// The offered slug most like `given`, when one is close enough to be
    /// what the editor meant (a typo, a missing letter, a Dutch ending).
    pub fn closest(&self, kind: SegmentKind, given: &str) -> Option<&Slug> {
        let given = given.trim().to_lowercase();
        let list = self.list(kind);
        let meant = super::text::closest(&given, list.iter().map(|s| s.slug.as_str()))?;
        list.iter().map(|s| &s.slug).find(|s| s.as_str() == meant)
    }

    pub fn offers(&self, kind: SegmentKind, slug: &str) -> bool {
        self.find(kind, slug).is_ok()
    }

    /// Segments from typed slugs: every unknown one is reported.
    pub fn segments<W, I>(
        &self,
        workshops: W,
        interests: I,
    ) -> Result<Segments, Vec<UnknownSegment>>
    where
        W: IntoIterator,
        W::Item: AsRef<str>,
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut unknown = Vec::new();
        let mut pick = |kind, list: Vec<String>| {
            list.iter()
                .filter(|s| !s.trim().is_empty())
                .filter_map(|s| self.find(kind, s).map_err(|e| unknown.push(e)).ok())
                .collect::<Vec<_>>()
        };
        let w = pick(
            SegmentKind::Workshop,
            workshops
                .into_iter()
                .map(|s| s.as_ref().to_string())
                .collect(),
        );
        let i = pick(
            SegmentKind::Interest,
            interests
                .into_iter()
                .map(|s| s.as_ref().to_string())
                .collect(),
        );
        if unknown.is_empty() {
            Ok(Segments::new(w, i))
        } else {
            Err(unknown)
        }
    }

    /// The display name of an offered slug; the slug itself when it is no
    /// longer offered.
    pub fn name_of(&self, kind: SegmentKind, slug: &str) -> String {
        self.offered_name(kind, slug)
            .unwrap_or_else(|| slug.to_string())
    }

    /// The display name of a slug, if it is still offered.
    pub fn offered_name(&self, kind: SegmentKind, slug: &str) -> Option<String> {
        self.list(kind)
            .iter()
            .find(|s| s.slug.as_str() == slug)
            .map(|s| s.name.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug(s: &str) -> Slug {
        Slug::parse(s).expect("slug")
    }

    fn catalogue() -> Catalogue {
        Catalogue {
            workshops: vec![Segment {
                slug: slug("jeugd"),
                name: "Jeugd".into(),
            }],
            interests: vec![Segment {
                slug: slug("welzijn"),
                name: "Welzijn".into(),
            }],
        }
    }

    #[test]
    fn typed_slugs_become_segments_or_every_unknown_one_is_named() {
        let c = catalogue();
        let s = c
            .segments(["jeugd", " jeugd ", ""], ["welzijn"])
            .expect("known");
        assert_eq!(s.workshops(), [slug("jeugd")]);
        assert_eq!(s.interests(), [slug("welzijn")]);
        let err = c
            .segments(["jeugd", "zorg"], ["welzijn", "<b>"])
            .expect_err("unknown");
        assert_eq!(err.len(), 2);
        assert_eq!(err[0].kind, SegmentKind::Workshop);
        assert_eq!(err[1].given, "<b>");
    }

    #[test]
    fn follows_any_and_json_round_trip() {
        let a = Segments::new(vec![slug("b"), slug("a"), slug("a")], vec![]);
        assert_eq!(a.workshops(), [slug("a"), slug("b")]);
        let b = Segments::new(vec![slug("b")], vec![slug("x")]);
        assert!(a.follows_any(&b));
        assert!(!a.follows_any(&Segments::default()));
        let json = serde_json::to_string(&b).expect("json");
        assert_eq!(json, r#"{"workshops":["b"],"interests":["x"]}"#);
        assert_eq!(serde_json::from_str::<Segments>(&json).expect("back"), b);
        assert!(serde_json::from_str::<Segments>(r#"{"workshops":["Not A Slug"]}"#).is_err());
    }

    #[test]
    fn a_near_miss_names_the_slug_meant_and_a_stranger_names_none() {
        let c = catalogue();
        assert_eq!(
            c.closest(SegmentKind::Workshop, "jeugt").map(Slug::as_str),
            Some("jeugd")
        );
        assert_eq!(
            c.closest(SegmentKind::Interest, "Welzijnn")
                .map(Slug::as_str),
            Some("welzijn")
        );
        assert_eq!(
            c.closest(SegmentKind::Workshop, "maatschappelijke-ondersteuning"),
            None
        );
    }
}
