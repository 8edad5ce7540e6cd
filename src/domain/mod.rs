//! Pure types of postbode; nothing here does I/O.

pub mod email;
pub mod issue;
pub mod offset;
pub mod reminder;
pub mod slug;
pub mod subscriber;
pub mod token;
