//! The `postbode` binary: parse the command line, start the runtime and run
//! one subcommand.

use clap::Parser;
use std::process::ExitCode;

use postbode::cli::Cli;

fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = Cli::parse();
    postbode::logging::init(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Compiling runs on threads of its own (render::stack); this is room
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

/// glibc's malloc gives every thread that allocates at the same time as
/// another an arena of its own, up to eight per core, and keeps what each
/// frees for later: the daemon's resident memory grew with the length of a
/// send (+16 % from 1,000 to 10,000 recipients, against +7 % with one arena
/// per core, at the same speed; jemalloc and mimalloc started 12 and 75 MiB
/// higher). Set before any thread starts; an operator's own
/// `MALLOC_ARENA_MAX` is left to glibc.
#[allow(unsafe_code)]
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only sets a malloc parameter; no other thread
        // exists yet, and a value glibc refuses leaves its default in place.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}
