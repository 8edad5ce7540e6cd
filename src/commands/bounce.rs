//! `postbode bounce [--recipient ADDR] < message`: one report from the MTA
//! (Postfix's pipe transport) on stdin. The exit code tells the MTA what
//! became of it; sysexits.h codes, because Postfix's pipe reads them so:
//!
//! | code | meaning | Postfix |
//! |---|---|---|
//! | 0 | handled (also: nothing to change, such as a delay warning) | delivered |
//! | 65 | not a report postbode can read; nothing changed | bounced to the postmaster |
//! | 67 | a report about no message or subscriber postbode knows; nothing changed | bounced to the postmaster |
//! | 75 | temporary: the database is unavailable; nothing changed | kept and tried again later |
//! | 78 | the configuration file is missing or invalid | bounced to the postmaster |

use anyhow::Context;
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use crate::bounces::{Failure, MAX_REPORT_BYTES, handle};
use crate::config::Config;
use crate::domain::clock::{Clock, SystemClock, epoch};
use crate::domain::redact::redact_addresses;
use crate::logging::{say, say_err};
use crate::storage::Db;

pub const EX_DATAERR: u8 = 65;
pub const EX_NOUSER: u8 = 67;
pub const EX_TEMPFAIL: u8 = 75;
pub const EX_CONFIG: u8 = 78;

pub async fn bounce(config_path: &Path, recipient: Option<&str>) -> ExitCode {
    let config = match Config::load(config_path) {
        Ok(c) => c,
        Err(e) => return fail(EX_CONFIG, &format!("{e:#}")),
    };
    // VERP addresses are verified with the link keys: no key, no trust.
    let signer = match config.signer() {
        Ok(s) => s,
        Err(e) => return fail(EX_CONFIG, &format!("{e:#}")),
    };
    let raw = match read_stdin() {
        Ok(raw) => raw,
        Err(e) => return fail(EX_TEMPFAIL, &format!("{e:#}; nothing changed")),
    };
    let db = match Db::connect_and_migrate(&config.database_url()).await {
        Ok(db) => db.with_webhooks(config.webhook_routes()),
        Err(e) => {
            let why = format!("{e:#}; nothing changed, the MTA will try again later");
            return fail(EX_TEMPFAIL, &why);
        }
    };
    let now = epoch(SystemClock.now());
    match handle(&db, &signer, &raw, recipient, now).await {
        Ok(done) => {
            if let Some(alert) = &done.alert {
                tracing::warn!("ALERT: {alert}");
            }
            say!("{}", done.summary);
            ExitCode::SUCCESS
        }
        Err(e @ Failure::Unreadable(_)) => fail(EX_DATAERR, &format!("{e}; nothing changed")),
        Err(e @ Failure::Unidentified(_)) => fail(EX_NOUSER, &format!("{e}; nothing changed")),
        Err(e @ Failure::Temporary(_)) => fail(
            EX_TEMPFAIL,
            &format!("database error: {e}; nothing changed, the MTA will try again later"),
        ),
    }
}

/// Reads the whole message (so the MTA never sees a broken pipe), keeping at
/// most [`MAX_REPORT_BYTES`].
fn read_stdin() -> anyhow::Result<Vec<u8>> {
    let mut stdin = std::io::stdin().lock();
    let mut raw = Vec::new();
    (&mut stdin)
        .take(MAX_REPORT_BYTES)
        .read_to_end(&mut raw)
        .context("cannot read the message on standard input")?;
    std::io::copy(&mut stdin, &mut std::io::sink())
        .context("cannot read the message on standard input")?;
    Ok(raw)
}

fn fail(code: u8, message: &str) -> ExitCode {
    say_err!("postbode bounce: {}", redact_addresses(message));
    ExitCode::from(code)
}
