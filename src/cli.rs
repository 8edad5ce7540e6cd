//! The command line of SPEC §8 as typed values; `commands` runs them.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

use crate::logging::LogFormat;

#[derive(Debug, Parser)]
#[command(
    name = "postbode",
    // The commit too: a bug report then names the exact code (see build.rs).
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("POSTBODE_GIT_COMMIT"), ")"),
    about = "Newsletters and agenda reminders for a knowledge platform"
)]
pub struct Cli {
    /// The configuration file.
    #[arg(
        long,
        global = true,
        env = "POSTBODE_CONFIG",
        default_value = "postbode.toml"
    )]
    pub config: PathBuf,
    /// How the log is written: `text` for people, `json` (one object per
    /// line) for log collectors.
    #[arg(
        long,
        global = true,
        env = "POSTBODE_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: folder watcher, scheduler, delivery and web pages.
    Serve,
    /// Validate and compile issue files; exit status 1 on any error.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also fetch every link and image of the issues and report broken ones.
        #[arg(long)]
        links: bool,
        /// With --links: a broken link is an error (exit status 1), not a warning.
        #[arg(long, requires = "links")]
        strict: bool,
        /// With --links: seconds to wait for each web server.
        #[arg(long, requires = "links", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
        timeout: u64,
    },
    /// Write index.html, index.txt and message.eml of an issue as a subscriber would get it.
    Render {
        file: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Workshops the imagined subscriber follows (comma-separated).
        #[arg(long, value_delimiter = ',')]
        workshops: Vec<String>,
        /// Interests the imagined subscriber follows (comma-separated).
        #[arg(long, value_delimiter = ',')]
        interests: Vec<String>,
    },
    /// Manage subscribers.
    #[command(subcommand)]
    Subscribers(SubscribersCommand),
    /// Send a proof of an issue now.
    Send {
        slug: String,
        #[arg(long = "test-to", required = true)]
        test_to: String,
    },
    /// Issues, deliveries per state, subscribers and unsubscribes.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Read one bounce (RFC 3464) or complaint (RFC 5965) report from the MTA on stdin.
    ///
    /// Exit codes: 0 handled, 65 unreadable report, 67 no identifiable subscriber,
    /// 75 temporary failure (database unavailable: the MTA tries again), 78 bad configuration.
    Bounce {
        /// The address the report was delivered to (Postfix: ${recipient}),
        /// whose bounces+TOKEN local part names the message.
        #[arg(long)]
        recipient: Option<String>,
    },
    /// Stop sending an issue for now, also while it is being sent: no new
    /// message of it goes out (messages being handed over finish); a
    /// scheduled issue does not start.
    Pause { slug: String },
    /// Go on sending a paused issue where it stopped.
    Resume { slug: String },
    /// Stop an issue for good, also while it is being sent: what was not
    /// sent yet is recorded cancelled; its file does not bring it back.
    Cancel { slug: String },
    /// Approve an issue as it is now (with platform.require_approval): it
    /// goes out at its send_at, or at once when that has passed.
    Approve { slug: String },
    /// Who got an issue: one line per recipient with the state of their
    /// message, attempts, the server's last reply; counts per state at the end.
    Deliveries {
        slug: String,
        /// An array of objects (email, state, attempts, last_reply, updated_at).
        #[arg(long)]
        json: bool,
    },
    /// Write a consistent copy of the SQLite database to FILE (a new file),
    /// also while `serve` runs. For PostgreSQL use pg_dump.
    Backup { file: PathBuf },
    /// Exit status 0 when the local server (http.listen) answers /healthz,
    /// else 1 with the reason.
    Healthcheck,
    /// Create or upgrade the database schema.
    Migrate,
    /// Queue again the messages recorded `unknown` (interrupted while being
    /// sent: their recipients may already have them). Without --yes, only shows them.
    ResendUnknown {
        /// Only this issue's messages (default: every issue and agenda mail).
        #[arg(long)]
        issue: Option<String>,
        /// Really queue them.
        #[arg(long)]
        yes: bool,
    },
    /// Create a DKIM signing key; print the DNS record to publish and the [dkim] lines.
    DkimKeygen(DkimKeygenArgs),
}

#[derive(Debug, Args)]
pub struct DkimKeygenArgs {
    /// Where to write the private key [default: dkim.private_key_file, else dkim.pem].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an existing key file.
    #[arg(long)]
    pub force: bool,
    /// The signing domain, d= [default: dkim.domain, else the domain of platform.from].
    #[arg(long)]
    pub domain: Option<String>,
    /// The selector, s= [default: dkim.selector, else postbode].
    #[arg(long)]
    pub selector: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SubscribersCommand {
    /// Add one subscriber.
    Add(AddArgs),
    /// Import a CSV file (email,name,workshops,interests,language,reminders).
    /// First shows how many rows are new, changed, unchanged or suppressed
    /// and whether confirmation mails go out; on a terminal it then asks.
    Import {
        file: PathBuf,
        #[command(flatten)]
        consent: ConsentArgs,
        /// Only show what the import would do; change nothing.
        #[arg(long, conflicts_with = "yes")]
        dry_run: bool,
        /// Do not ask, also on a terminal.
        #[arg(long)]
        yes: bool,
        /// Also change existing subscribers whose row differs (name,
        /// workshops, interests, language, reminders); without it they are
        /// left as they are.
        #[arg(long)]
        update: bool,
    },
    /// List subscribers.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Print everything kept about one person as JSON.
    Export { email: String },
    /// Erase one person's data; the address goes on the suppression list.
    Erase { email: String },
    /// Unsubscribe someone on their behalf (recorded with source "operator").
    Unsubscribe { email: String },
    /// Confirm a pending subscriber whose consent the platform holds
    /// otherwise (a paper form, an e-mail): TEXT says where, and is kept.
    Confirm {
        email: String,
        #[arg(long, required = true)]
        consent: String,
    },
    /// Take an address off the suppression list on purpose (erased, bounced
    /// or complained); the reason is recorded. It is not subscribed by this.
    Unsuppress {
        email: String,
        #[arg(long, required = true)]
        reason: String,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    pub email: String,
    #[arg(long, default_value = "")]
    pub name: String,
    #[arg(long = "workshop")]
    pub workshops: Vec<String>,
    #[arg(long = "interest")]
    pub interests: Vec<String>,
    /// Agenda reminders on.
    #[arg(long)]
    pub reminders: bool,
    #[arg(long, default_value = "nl")]
    pub language: String,
    #[command(flatten)]
    pub consent: ConsentArgs,
}

#[derive(Debug, Args)]
pub struct ConsentArgs {
    /// Consent was already obtained: no confirmation mail, the subscriber is active at once.
    #[arg(long, requires = "consent")]
    pub confirmed: bool,
    /// Where and how consent was obtained (stored as the consent record).
    #[arg(long)]
    pub consent: Option<String>,
}
