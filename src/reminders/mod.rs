//! Agenda reminders (SPEC §5): the mails sent before an agenda item starts,
//! and the updates and cancellations that follow them.

pub mod agenda;
pub mod mail;
pub mod reason;
