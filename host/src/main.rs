//! `smtp-sensor`: check an SMTP server with the sandboxed smtp-sensor component.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
