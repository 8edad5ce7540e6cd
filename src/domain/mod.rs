//! Pure types of postbode, parsed once at the edge; nothing here does I/O.
//! Every other part of the program may use these; they use nothing else of ours.

pub mod clock;
pub mod delivery;
pub mod diagnostic;
pub mod dns;
pub mod editor_link;
pub mod email;
pub mod event;
pub mod issue;
pub mod language;
pub mod links;
pub mod name;
pub mod offset;
pub mod redact;
pub mod reminder;
pub mod reply;
pub mod retry;
pub mod secret;
pub mod segments;
pub mod slug;
pub mod subscriber;
pub mod text;
pub mod texts;
pub mod token;
pub mod verp;
pub mod when;
