//! Where the log and the command line's text go: standard error and output,
//! each line with any password from a URL masked and control characters
//! shown instead of obeyed. Log events are formatted whole before they are
//! written, so the one writer here sees every line the daemon logs; the
//! commands print through [`say!`] and [`say_err!`], which clean the same way.

use std::io::{self, Write};

use crate::domain::redact::{for_terminal, redact_url_passwords};

/// How the log is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event, for people.
    #[default]
    Text,
    /// One JSON object per line (`timestamp`, `level`, `fields`), for log
    /// collectors.
    Json,
}

/// Installs the log: `POSTBODE_LOG` filters (default `info,sqlx=warn`).
pub fn init(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("POSTBODE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Our own colours would be escaped by `cleaned`; the log is plain.
        .with_ansi(false)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder
            .with_writer(|| Filtered(io::stderr(), cleaned))
            .try_init(),
        // serde_json escapes every control character already; passwords in
        // URLs are masked as in the text log, which keeps the JSON valid.
        LogFormat::Json => builder
            .json()
            .with_writer(|| Filtered(io::stderr(), redact_url_passwords))
            .try_init(),
    };
}

/// A message for the operator's terminal, cleaned the same way.
pub fn cleaned(text: &str) -> String {
    for_terminal(&redact_url_passwords(text)).into_owned()
}

/// `println!` for a person at a terminal: the line is cleaned as the log is,
/// whatever values went into it. (JSON output is printed as it is: serde
/// escapes what JSON must.)
macro_rules! say {
    () => { println!() };
    ($($arg:tt)*) => { println!("{}", $crate::logging::cleaned(&format!($($arg)*))) };
}

/// `eprintln!`, cleaned the same way.
macro_rules! say_err {
    ($($arg:tt)*) => { eprintln!("{}", $crate::logging::cleaned(&format!($($arg)*))) };
}

pub(crate) use {say, say_err};

/// A writer that passes what goes through it through a filter: [`cleaned`]
/// for the text log, only [`redact_url_passwords`] for JSON lines.
struct Filtered<W>(W, fn(&str) -> String);

impl<W: Write> Write for Filtered<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all((self.1)(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_passes_is_masked_and_escaped() {
        let mut out = Vec::new();
        let mut w = Filtered(&mut out, cleaned);
        w.write_all(b"ERROR cannot reach smtp://nieuws:geheim@mail.example:587 \x1b[2J\n")
            .expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(!text.contains("geheim"), "{text}");
        assert!(
            text.contains("smtp://nieuws:***@mail.example:587"),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.ends_with('\n'));
    }
}
