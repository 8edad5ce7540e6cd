//! Rendering issues as subscribers see them: the repository's own sample
//! issues, layouts and configuration through minijinja, mrml and merge tags.
//! Snapshots live in `tests/render/snapshots/`; review changes with
//! `cargo insta review` or `INSTA_UPDATE=always cargo test --test render`.

mod layout_mjml;
mod mime;
mod mjml_peer;
mod raw_mjml;
mod snapshots;
mod support;
mod text_part;
mod variants;
