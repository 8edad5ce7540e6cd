//! One function per subcommand.

pub mod bounce;
pub mod check;
pub mod dkim;
pub mod import;
pub mod privacy;
pub mod resend;
pub mod send;
pub mod status;
pub mod subscribers;

use anyhow::Result;
use std::process::ExitCode;
use std::sync::Arc;

use crate::cli::{Cli, Command, SubscribersCommand};
use crate::clock::SystemClock;
use crate::config::Config;
use crate::context::Ctx;

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
    match cli.command {
        Command::DkimKeygen(args) => dkim::keygen(Some(&config), &args),
        Command::Serve => crate::startup::serve(config)
            .await
            .map(|_| ExitCode::SUCCESS),
        Command::Check { files } => check::check(config, &files).await,
        Command::Render {
            file,
            out,
            workshops,
            interests,
        } => check::render(config, &file, &out, workshops, interests).await,
        Command::Bounce { .. } => unreachable!("handled above"),
        Command::Migrate => {
            ctx(config).await?;
            println!("database is up to date");
            Ok(ExitCode::SUCCESS)
        }
        Command::ResendUnknown { issue, yes } => {
            resend::resend_unknown(&*ctx(config).await?, issue.as_deref(), yes).await
        }
        Command::Status { json } => status::status(&*ctx(config).await?, json).await,
        Command::Send { slug, test_to } => {
            send::send_test(&*ctx(config).await?, &slug, &test_to).await
        }
        Command::Subscribers(cmd) => {
            let ctx = ctx(config).await?;
            match cmd {
                SubscribersCommand::Add(args) => subscribers::add(&ctx, args).await,
                SubscribersCommand::Import { file, consent } => {
                    import::import(&ctx, &file, consent).await
                }
                SubscribersCommand::List { json } => subscribers::list(&ctx, json).await,
                SubscribersCommand::Export { email } => privacy::export(&ctx, &email).await,
                SubscribersCommand::Erase { email } => privacy::erase(&ctx, &email).await,
                SubscribersCommand::Unsubscribe { email } => {
                    subscribers::unsubscribe(&ctx, &email).await
                }
            }
        }
    }
}

async fn ctx(config: Config) -> Result<Arc<Ctx>> {
    Ctx::build(config, Arc::new(SystemClock)).await
}
