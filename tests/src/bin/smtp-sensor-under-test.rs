//! The `smtp-sensor` CLI, built by the tests package so its tests run a fresh build.

fn main() {
    std::process::exit(smtp_sensor_host::cli::main());
}
