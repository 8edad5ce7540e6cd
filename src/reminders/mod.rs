//! Agenda mails (SPEC §5): the reminders sent before an agenda item starts, the
//! updates and cancellations that follow them, and the weekly digest (SPEC §3).

pub mod digest;
pub mod mail;
