//! The `trapperkeeper` operator CLI; see [`trapperkeeper_db::cli`].

use std::process::ExitCode;

fn main() -> ExitCode {
    trapperkeeper_db::cli::main_with_args(std::env::args_os())
}
