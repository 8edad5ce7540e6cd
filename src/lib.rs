//! postbode: a self-hosted newsletter and mailing automation daemon.
//!
//! The layers, each importing only from the ones below it:
//!
//! 1. entry points: `cli` and `commands` (the command line), `logging`, `startup` (the
//!    daemon), `web` (pages), `delivery` (the sender), `schedule` (watcher,
//!    scheduler, cron jobs, leadership), `webhooks` (the webhook sender);
//! 2. services: `newsletters` (issue files → loaded issues), `render`
//!    (MJML, text, calendars), `mail` (composing and SMTP), `reminders`
//!    (agenda mails), `signup` (confirmation mails), `bounces` (reports),
//!    `linkcheck` (fetching an issue's links);
//! 3. `storage`: the database;
//! 4. `config` and `domain`: typed settings and values, parsed once at the edge.

pub mod bounces;
pub mod cli;
pub mod commands;
pub mod config;
pub mod delivery;
pub mod domain;
pub mod linkcheck;
pub mod logging;
pub mod mail;
pub mod newsletters;
pub mod reminders;
pub mod render;
pub mod schedule;
pub mod signup;
pub mod startup;
pub mod storage;
pub mod web;
pub mod webhooks;
