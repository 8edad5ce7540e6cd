//! Agenda reminders (SPEC §5): the mails sent before an agenda item starts,
//! the updates and cancellations that follow them, and the weekly digest.

pub mod agenda;
pub mod digest;
pub mod mail;
pub mod reason;

use chrono_tz::Tz;
use std::path::PathBuf;

use crate::config::Config;
use crate::domain::clock::SharedClock;
use crate::domain::links::Links;
use crate::domain::segments::Catalogue;
use crate::mail::Composer;
use crate::render::ics::Organizer;
use crate::render::variant::PlatformInfo;

/// What making agenda mails needs, gathered once.
#[derive(Clone)]
pub struct AgendaMails {
    pub templates_dir: PathBuf,
    pub platform: PlatformInfo,
    pub tz: Tz,
    pub catalogue: Catalogue,
    /// The platform's sender as every calendar's organizer.
    pub organizer: Organizer,
    pub links: Links,
    pub composer: Composer,
    pub clock: SharedClock,
    /// `tracking.clicks`: issues go out with counted links.
    pub count_clicks: bool,
}

impl AgendaMails {
    pub fn new(config: &Config, links: Links, composer: Composer, clock: SharedClock) -> Self {
        let from = &config.platform.from;
        Self {
            templates_dir: config.templates_dir(),
            platform: PlatformInfo::from_config(config),
            tz: config.timezone(),
            catalogue: config.catalogue(),
            organizer: Organizer {
                name: from
                    .name
                    .clone()
                    .unwrap_or_else(|| config.platform.name.clone()),
                email: from.email.to_string(),
                tz: config.timezone(),
            },
            links,
            composer,
            clock,
            count_clicks: config.tracking.clicks,
        }
    }
}
