//! One function per subcommand; each opens only what it uses.

pub mod approve;
pub mod backup;
pub mod bounce;
pub mod check;
pub mod deliveries;
pub mod dkim;
pub mod healthcheck;
pub mod import;
mod import_plan;
pub mod links;
pub mod operator;
pub mod privacy;
pub mod resend;
pub mod send;
pub mod status;
pub mod stop;
pub mod subscribers;

use anyhow::Result;
use std::process::ExitCode;
use std::sync::Arc;

use crate::cli::{Cli, Command, SubscribersCommand};
use crate::config::Config;
use crate::domain::clock::{SharedClock, SystemClock};
use crate::logging::say;
use crate::mail::Mailer;
use crate::newsletters::IssuePipeline;
use crate::newsletters::upgrade::fill_send_plans;
use crate::signup::SignupMails;
use crate::storage::Db;

pub async fn run(cli: Cli) -> Result<ExitCode> {
    if let Command::Bounce { recipient } = &cli.command {
        // Its own exit codes, for the MTA, also for a bad configuration.
        return Ok(bounce::bounce(&cli.config, recipient.as_deref()).await);
    }
    let config = match &cli.command {
        // The key comes before the `[dkim]` section that names it, often
        // before the configuration file itself.
        Command::DkimKeygen(args) if !cli.config.exists() => return dkim::keygen(None, args),
        _ => Config::load(&cli.config)?,
    };
    let clock: SharedClock = Arc::new(SystemClock);
    match cli.command {
        Command::DkimKeygen(args) => dkim::keygen(Some(&config), &args),
        Command::Serve => crate::startup::serve(config)
            .await
            .map(|_| ExitCode::SUCCESS),
        Command::Check {
            files,
            links: false,
            ..
        } => check::check(&config, &files),
        Command::Check {
            files,
            strict,
            timeout,
            ..
        } => links::check_with_links(&config, &files, strict, timeout).await,
        Command::Render {
            file,
            out,
            workshops,
            interests,
        } => check::render(&config, &file, &out, &workshops, &interests),
        Command::Bounce { .. } => unreachable!("handled above"),
        Command::Migrate => {
            let db = open(&config).await?;
            fill_send_plans(&db, &IssuePipeline::new(&config), clock.now().timestamp()).await?;
            say!("database is up to date");
            Ok(ExitCode::SUCCESS)
        }
        Command::ResendUnknown { issue, yes } => {
            let db = open(&config).await?;
            resend::resend_unknown(&db, clock.now().timestamp(), issue.as_deref(), yes).await
        }
        Command::Pause { slug } => stop_issue(&config, clock, stop::Stop::Pause, &slug).await,
        Command::Resume { slug } => stop_issue(&config, clock, stop::Stop::Resume, &slug).await,
        Command::Cancel { slug } => stop_issue(&config, clock, stop::Stop::Cancel, &slug).await,
        Command::Approve { slug } => {
            let db = open(&config).await?;
            approve::approve(&db, &config, clock.now().timestamp(), &slug).await
        }
        Command::Deliveries { slug, json } => {
            deliveries::deliveries(&open(&config).await?, &config, &slug, json).await
        }
        Command::Backup { file } => backup::backup(&config, &file).await,
        Command::Healthcheck => healthcheck::healthcheck(&config).await,
        Command::Status { json } => status::status(&open(&config).await?, &config, json).await,
        Command::Send { slug, test_to } => {
            let db = open(&config).await?;
            let proof = send::Proof {
                db: &db,
                issues: &IssuePipeline::new(&config),
                mailer: &Mailer::new(&config)?,
                links: &config.links(clock)?,
                newsletters: &config.newsletters_dir(),
            };
            proof.send(&slug, &test_to).await
        }
        Command::Subscribers(cmd) => {
            let db = open(&config).await?;
            let now = clock.now().timestamp();
            match cmd {
                SubscribersCommand::Add(args) => {
                    let mails = signup_mails(&config, clock)?;
                    subscribers::add(&db, &config, &mails, now, args).await
                }
                SubscribersCommand::Import {
                    file,
                    consent,
                    dry_run,
                    yes,
                    update,
                } => {
                    let mails = signup_mails(&config, clock)?;
                    let how = import::How {
                        consent,
                        dry_run,
                        yes,
                        update,
                    };
                    import::import(&db, &config, &mails, now, &file, how).await
                }
                SubscribersCommand::List { json } => subscribers::list(&db, json).await,
                SubscribersCommand::Export { email } => privacy::export(&db, &email).await,
                SubscribersCommand::Erase { email } => privacy::erase(&db, now, &email).await,
                SubscribersCommand::Unsubscribe { email } => {
                    subscribers::unsubscribe(&db, now, &email).await
                }
                SubscribersCommand::Confirm { email, consent } => {
                    operator::confirm(&db, now, &email, &consent).await
                }
                SubscribersCommand::Unsuppress { email, reason } => {
                    operator::unsuppress(&db, now, &email, &reason).await
                }
            }
        }
    }
}

/// The database, migrated.
async fn open(config: &Config) -> Result<Db> {
    Ok(Db::connect_and_migrate(&config.database_url())
        .await?
        .with_webhooks(config.webhook_routes()))
}

async fn stop_issue(
    config: &Config,
    clock: SharedClock,
    what: stop::Stop,
    slug: &str,
) -> Result<ExitCode> {
    let db = open(config).await?;
    let lang = config.platform.language;
    stop::stop(&db, lang, clock.now().timestamp(), what, slug).await
}

fn signup_mails(config: &Config, clock: SharedClock) -> Result<SignupMails> {
    Ok(SignupMails::new(
        config,
        config.links(clock)?,
        Arc::new(Mailer::new(config)?),
    ))
}
