//! The `postbode` binary: parse the command line, start the runtime and run
//! one subcommand.

use clap::Parser;
use std::process::ExitCode;

use postbode::cli::Cli;

/// jemalloc rather than glibc's malloc: compiling an issue with mrml is a
/// storm of small allocations, some 15 % faster on jemalloc. It keeps about
/// 14 MiB more resident (52 MiB sending to 100,000, as flat as glibc limited
/// to one arena per core), and sending is as fast on either (bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    postbode::logging::init(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Compiling runs on a stack of its own (render::stack); this is room
        // for everything else, above tokio's 2 MB default.
        .thread_stack_size(8 * 1024 * 1024)
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(postbode::commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            // Errors quote config lines and peers' answers: cleaned first.
            eprintln!("error: {}", postbode::logging::cleaned(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}
