//! `smtp-sensor`: check an SMTP server with the sandboxed smtp-sensor component.

fn main() {
    std::process::exit(smtp_sensor_host::cli::main());
}
