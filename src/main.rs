//! The `postbode` binary: parse the command line and run one subcommand.

use std::process::ExitCode;

fn main() -> ExitCode {
    postbode::cli::main()
}
