//! The repository's own configuration, layouts and sample issues, loaded the way
//! `postbode check` does it: no database, no network.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use postbode::config::Config;
use postbode::domain::segments::Segments;
use postbode::domain::slug::Slug;
use postbode::newsletters::parse::{ParseContext, parse_issue};
use postbode::newsletters::{Diagnostic, IssueName};
use postbode::render::layout::Layouts;
use postbode::render::variant::PlatformInfo;
use postbode::render::{IssueRenderer, MergeValues};

pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The sample issues in `newsletters/`, by slug.
pub const ISSUES: [&str; 3] = [
    "2017-07-platformnieuws",
    "2017-10-platformnieuws",
    "2018-03-platformnieuws",
];

pub fn root() -> PathBuf {
    PathBuf::from(ROOT)
}

/// `postbode.toml` from the repository root.
pub fn config() -> Config {
    Config::load(&root().join("postbode.toml")).expect("the example postbode.toml loads")
}

/// Parses a file the way the daemon does; `Err` holds every diagnostic.
pub fn parse(config: &Config, path: &Path) -> Result<IssueRenderer, Vec<Diagnostic>> {
    let raw = std::fs::read_to_string(path).expect("issue file is readable UTF-8");
    let name = IssueName::of(path).expect("an issue file name");
    let ctx = ParseContext::from_config(config);
    let issue = parse_issue(&name, &raw, &ctx)?;
    Ok(IssueRenderer::new(
        Arc::new(issue),
        PlatformInfo::from_config(config),
        config.timezone(),
        Arc::new(Layouts::new(&config.templates_dir())),
    ))
}

/// The renderer for one of the sample issues in `newsletters/`.
pub fn sample(config: &Config, slug: &str) -> IssueRenderer {
    let path = config.newsletters_dir().join(format!("{slug}.md"));
    parse(config, &path).unwrap_or_else(|d| panic!("{slug} does not parse: {d:?}"))
}

/// What one subscriber follows.
pub fn follows(workshops: &[&str], interests: &[&str]) -> Segments {
    let slugs = |l: &[&str]| l.iter().map(|s| Slug::parse(s).expect("slug")).collect();
    Segments::new(slugs(workshops), slugs(interests))
}

/// Fixed merge values, so snapshots do not change from run to run. The
/// apostrophe in the name must survive both the HTML and the text part.
pub fn anouk() -> MergeValues {
    merge_values("Anouk d'Hondt", "TOKEN-ANOUK")
}

pub fn merge_values(name: &str, token: &str) -> MergeValues {
    MergeValues {
        name: name.to_string(),
        preferences_url: format!("https://nieuws.example/preferences/{token}"),
        unsubscribe_url: format!("https://nieuws.example/unsubscribe/{token}"),
        archive_url: "https://nieuws.example/archive/platformnieuws".to_string(),
    }
}

/// Writes `text` as `name` in a fresh folder: an editor's issue file outside
/// the repository, parsed with the repository's configuration and layouts.
pub fn issue_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write issue");
    (dir, path)
}

/// The text a reader sees in HTML: tags dropped, entities decoded, runs of
/// white space collapsed to one space.
pub fn visible(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    decode_entities(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let Some(end) = rest[..rest.len().min(12)].find(';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..end];
        let decoded = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The visible text of every `<tag …>…</tag>` element, in document order.
pub fn elements(html: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(p) = rest.find(&open) {
        let after = &rest[p + open.len()..];
        // `<h2` must not match `<h2x`: the tag name ends at a space or `>`.
        if !after.starts_with([' ', '>']) {
            rest = after;
            continue;
        }
        let Some(end) = after.find(&close) else {
            break;
        };
        let inner = &after[..end];
        let body = inner.find('>').map_or("", |g| &inner[g + 1..]);
        found.push(visible(body));
        rest = &after[end + close.len()..];
    }
    found
}

/// Every link as (href, visible text), in document order.
pub fn links(html: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(p) = rest.find("<a ") {
        let after = &rest[p + 3..];
        let Some(end) = after.find("</a>") else {
            break;
        };
        let inner = &after[..end];
        let (attrs, body) = inner.split_once('>').unwrap_or((inner, ""));
        let href = attrs
            .split_once("href=\"")
            .and_then(|(_, v)| v.split_once('"'))
            .map_or(String::new(), |(v, _)| decode_entities(v));
        found.push((href, visible(body)));
        rest = &after[end + 4..];
    }
    found
}

/// The `## ` headings of a text part; a heading wrapped over several lines is
/// joined again.
pub fn text_headings(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(first) = line.strip_prefix("## ") else {
            continue;
        };
        let mut heading = first.trim().to_string();
        while let Some(next) = lines.peek() {
            if next.trim().is_empty() || next.starts_with("## ") {
                break;
            }
            heading.push(' ');
            heading.push_str(next.trim());
            lines.next();
        }
        found.push(heading);
    }
    found
}

/// What a sample issue's file says about its sections, read straight from the
/// Markdown: each `## ` heading's title and its `{workshops=…}`/`{interests=…}`
/// target, so tests do not lean on postbode's own parser to know what to expect.
pub struct SectionSpec {
    pub title: String,
    pub workshops: Vec<String>,
    pub interests: Vec<String>,
}

impl SectionSpec {
    /// The rule of SPEC §4: untagged sections go to everyone, tagged ones to
    /// subscribers following any listed workshop or interest.
    pub fn goes_to(&self, workshops: &[&str], interests: &[&str]) -> bool {
        (self.workshops.is_empty() && self.interests.is_empty())
            || self
                .workshops
                .iter()
                .any(|w| workshops.contains(&w.as_str()))
            || self
                .interests
                .iter()
                .any(|i| interests.contains(&i.as_str()))
    }
}

pub fn section_specs(slug: &str) -> Vec<SectionSpec> {
    let path = root().join("newsletters").join(format!("{slug}.md"));
    let text = std::fs::read_to_string(path).expect("sample issue");
    let body = text.splitn(3, "---\n").nth(2).expect("front matter");
    let mut specs = Vec::new();
    let mut fenced = false;
    for line in body.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        let Some(heading) = line.strip_prefix("## ").filter(|_| !fenced) else {
            continue;
        };
        let mut spec = SectionSpec {
            title: heading.trim().to_string(),
            workshops: Vec::new(),
            interests: Vec::new(),
        };
        if let Some((title, tag)) = heading.trim_end().rsplit_once(" {")
            && let Some(tag) = tag.strip_suffix('}')
        {
            spec.title = title.trim().to_string();
            for part in tag.split_whitespace() {
                let (kind, list) = part.split_once('=').expect("key=value target");
                let list = list.split(',').map(str::to_string).collect();
                match kind {
                    "workshops" => spec.workshops = list,
                    "interests" => spec.interests = list,
                    other => panic!("unknown target {other:?} in {slug}"),
                }
            }
        }
        specs.push(spec);
    }
    specs
}
