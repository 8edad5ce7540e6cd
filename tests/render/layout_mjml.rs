//! The MJML a Markdown issue's layout produces for one variant, before mrml
//! turns it into HTML. postbode builds this inside `IssueRenderer`; this is
//! the same context, so the MJML can be handed to the reference compiler (npm
//! `mjml`). `matches_postbode` in the tests proves it is the same document.

use minijinja::context;
use postbode::config::Config;
use postbode::domain::issue::Body;
use postbode::domain::language::Language;
use postbode::render::IssueRenderer;
use postbode::render::layout::{Layouts, safe};
use postbode::render::variant::PlatformInfo;
use postbode::render::{chrome, dates, markdown::to_html};

/// The layout's MJML for the sections switched on in `key`, for readers of
/// `lang`, merge tags unfilled.
pub fn layout_mjml(config: &Config, r: &IssueRenderer, key: &[bool], lang: Language) -> String {
    let issue = &r.issue;
    let Body::Markdown {
        intro, sections, ..
    } = &issue.body
    else {
        panic!("{} is a raw .mjml issue: its body is the MJML", issue.slug);
    };
    let tz = config.timezone();
    let chosen: Vec<_> = sections
        .iter()
        .zip(key.iter().chain(std::iter::repeat(&true)))
        .filter(|(_, on)| **on)
        .map(|(s, _)| context! { title => s.title, html => safe(to_html(&s.markdown)) })
        .collect();
    let agenda: Vec<_> = issue
        .agenda
        .iter()
        .map(|a| {
            context! {
                title => a.title,
                when => dates::when(a.start, a.end, tz, lang),
                location => a.location,
                url => a.url,
                cancelled => a.cancelled,
            }
        })
        .collect();
    let platform = PlatformInfo::from_config(config);
    let t = chrome::words(lang, "mail.issue", &[("platform", &platform.name)]);
    let ctx = context! {
        platform => platform,
        issue => context! { subject => issue.subject, preheader => issue.preheader, slug => issue.slug },
        intro => safe(to_html(intro)),
        sections => chosen,
        agenda => agenda,
        subscriber => context! { name => "{{ subscriber.name }}" },
        preferences_url => "{{ preferences_url }}",
        unsubscribe_url => "{{ unsubscribe_url }}",
        archive_url => "{{ archive_url }}",
        language => lang.as_str(),
        t => t,
    };
    Layouts::new(&config.templates_dir())
        .render(issue.template.as_str(), ctx)
        .unwrap_or_else(|d| panic!("layout of {}: {d}", issue.slug))
}
