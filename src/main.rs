//! The `queuecast` command: parse flags, build settings, call the library, map errors to exit codes.

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// polars' recommended allocator: glibc's returns large freed blocks to the kernel and
/// page-faults them back in, which cost the profile of ten million tickets a third of its time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let timings = cli::install_subscriber(args.log_options());
    match cli::run(args, timings) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", queuecast::errors::chain(err.as_ref()));
            ExitCode::from(cli::EXIT_ERROR)
        }
    }
}
