//! Agenda reminders (SPEC §5): the mails sent before an agenda item starts,
//! the updates and cancellations that follow them, and the weekly digest.

pub mod agenda;
pub mod digest;
pub mod mail;
pub mod reason;
