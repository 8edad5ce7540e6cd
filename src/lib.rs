//! postbode: a self-hosted newsletter and mailing automation daemon.
//!
//! The crate is organised so that `domain` holds pure types, `storage` and
//! `render` build on it, and `newsletters`, `schedule`, `delivery` and `web`
//! orchestrate. `startup` wires the daemon together; `cli` is the command line.

pub mod bounces;
pub mod cli;
pub mod clock;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod confirmation;
pub mod context;
pub mod delivery;
pub mod domain;
pub mod mailer;
pub mod newsletters;
pub mod reminders;
pub mod render;
pub mod schedule;
pub mod startup;
pub mod storage;
pub mod web;
