//! The command line. Conventions: flags are named after the spec's settings; every invalid
//! setting exits 3 with a message naming the flag (or the file, line and key) and the fix,
//! before anything connects; otherwise the exit code is the check's status, as a Nagios
//! plugin's (PRTG's formats always exit 0 and carry the status in their JSON).

use super::check_smtp::CheckSmtpFlags;
use super::dns_args::DnsArgs;
use crate::demo;
use crate::engine::Runner;
use crate::engine::dns::DnsConfig;
use crate::engine::limits::MAX_CONCURRENT_SENSORS;
use crate::exit_code;
use crate::output::store_result;
use crate::output::{self, Format};
use crate::sensor::Sensor;
use crate::settings::config::ConfigFile;
use crate::settings::into_request::StoreTarget;
use crate::settings::invalid::Invalid;
use crate::settings::options::{SensorOptions, heading};
use crate::wit::{Settings, TransportSecurity};
use clap::{Parser, Subcommand};
use futures::StreamExt as _;
use std::path::PathBuf;

/// What `--version` prints after the name: the version, the components' SHA-256s (the
/// embedded check, as `smtp_sensor_build_info` shows it, and the portable component that
/// `smtp-sensor component` writes) and the wasmtime that runs them.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\ncomponent sha256 ",
    env!("SMTP_SENSOR_COMPONENT_SHA256"),
    "\nportable component sha256 ",
    env!("SMTP_SENSOR_PORTABLE_COMPONENT_SHA256"),
    "\nwasmtime ",
    env!("SMTP_SENSOR_WASMTIME_VERSION"),
);

#[derive(Parser, Debug)]
#[command(
    name = "smtp-sensor",
    version = VERSION,
    about = "SMTP server health check, run as a sandboxed WebAssembly component",
    long_about = "SMTP server health check, run as a sandboxed WebAssembly component.\n\n\
        `check` connects to a mail server, greets it, optionally secures the connection, logs \
        in and sends a test email, and reports the result for people, PRTG, Nagios, Icinga or \
        Prometheus; `serve` is a Prometheus prober like blackbox_exporter's. The check runs \
        sandboxed: it may reach only the configured server and port, and no files.\n\n\
        Exit codes (Nagios' convention): 0 up, 1 warning, 2 down, 3 bad settings or unknown; \
        the PRTG formats always exit 0."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check an SMTP server, or a mail domain's MX hosts and MTA-STS policy (--domain).
    Check(Box<CheckArgs>),
    /// Start a small SMTP responder inside this process and check it.
    Demo(ComponentArg),
    /// Run a Prometheus prober: GET /probe?target=HOST:PORT&module=NAME runs a check with
    /// the named sensor of --config, if its `targets` allow it (a sensor with `domain`
    /// takes target=DOMAIN).
    Serve(Box<crate::serve::ServeArgs>),
    /// Write the portable component (a WASI 0.2 component of the smtp-sensor world: the
    /// embedded check composed with its signature verifier) to a file, to run it in another
    /// host (wasmtime's CLI, jco, your own).
    Component(ComponentOut),
    /// (Internal: `serve` runs it to compile the component into the cache in a
    /// short-lived process.)
    #[command(hide = true, name = crate::serve::precompile::SUBCOMMAND)]
    Precompile(ComponentArg),
    /// (Internal: the packaging script writes the man pages and shell completions with it.)
    #[command(hide = true, name = "generate-docs")]
    GenerateDocs(DocsOut),
}

#[derive(clap::Args, Debug, Clone)]
struct DocsOut {
    /// The folder to write `man/` and `completions/` into.
    #[arg(long, value_name = "DIR")]
    output: PathBuf,
}

/// The command line's definition, for the man pages and completions.
pub fn command() -> clap::Command {
    use clap::CommandFactory as _;
    Cli::command()
}

#[derive(clap::Args, Debug, Clone)]
struct ComponentOut {
    /// Where to write it.
    #[arg(long, value_name = "FILE")]
    output: PathBuf,
}

#[derive(clap::Args, Debug, Clone)]
struct ComponentArg {
    /// Run another build of the component instead of the embedded one.
    #[arg(long, value_name = "PATH")]
    component: Option<PathBuf>,
}

/// What `check -h` says after the options.
const CHECK_AFTER_HELP: &str = "\
check_smtp's -H, -p, -t, -F, -4, -6, -s, -S, -D, -w, -c, -e, -q, -A, -U and -P work too.
See --help for each option in full, and examples.";

/// What `check --help` says after the options: examples, then check_smtp's flags.
const CHECK_AFTER_LONG_HELP: &str = "\
Examples:
  # STARTTLS on 25 as a Nagios plugin: warning above 500 ms, critical above 2 s, or when the
  # certificate expires within 21 days (7 days: critical):
  smtp-sensor check --host mx.example.com --port 25 --security starttls \\
      --warning 500ms --critical 2s --cert-warning 21 --cert-critical 7 --format nagios

  # The submission port: log in and send a test email (the password from a file):
  smtp-sensor check --host smtp.example.com --port 587 --security starttls \\
      --auth-user probe@example.com --auth-password-file /etc/smtp-sensor/probe.password \\
      --mail-from probe@example.com --mail-to postmaster@example.com

  # The round trip: send a test email, find it in a dedicated IMAP mailbox, delete it, and
  # report the Delivery Latency (the mailbox password from SMTP_SENSOR_MAILBOX_PASSWORD):
  smtp-sensor check --host mx.example.com --port 25 --security starttls \\
      --mail-from probe@example.com --mail-to roundtrip@example.com \\
      --mailbox imap --mailbox-host imap.example.com --mailbox-user roundtrip@example.com \\
      --latency-warning 30s

  # A mail domain: every MX host with STARTTLS on 25, the MTA-STS policy (which must be
  # enforce) and the TLS-RPT record, warning when the policy's max_age is under 30 days:
  smtp-sensor check --domain example.com --expect-mta-sts enforce \\
      --mta-sts-max-age-warning 30 --format nagios

  # DANE for one server: its certificate must match its DNSSEC-signed TLSA records, with a
  # standby record for the next rollover:
  smtp-sensor check --host mx.example.com --security starttls --dane --dane-expect-standby

  # Every sensor of a file, concurrently, for Prometheus:
  smtp-sensor check --config /etc/smtp-sensor/sensors.toml --all --format prometheus

  # check_smtp's command line (the packaged Nagios plugin check_smtp_sensor is
  # smtp-sensor check --format nagios: rename check_smtp to it):
  smtp-sensor check -H mx.example.com -p 25 -S -w 5 -c 10 -D 30,14 --format nagios

check_smtp's flags: -H, -p, -t, -F, -w, -c, -e, -A, -U and -P are the short names of the
options they mean; -4 and -6 are --ip-version 4 and 6, -s and -S --security tls and starttls,
-D WARN[,CRIT] --cert-warning WARN and --cert-critical CRIT; -q is what the check always
does. Unlike check_smtp, the check defaults to --security tls and verifies certificates: a
line with -H but neither -s, -S nor --security is refused until it says which (add -S or
--security none), and a private CA needs --tls-ca FILE. docs/flags.md says where else they differ.

Exit codes: 0 up, 1 warning, 2 down, 3 bad settings or unknown (the PRTG formats: always 0).";

#[derive(clap::Args, Debug, Clone)]
#[command(after_help = CHECK_AFTER_HELP, after_long_help = CHECK_AFTER_LONG_HELP)]
struct CheckArgs {
    #[command(flatten)]
    options: SensorOptions,
    /// Read named sensors from this TOML file ([sensors.NAME] tables)
    ///
    /// Flags given as well override the sensors' keys. A file with one sensor needs neither
    /// --sensor nor --all.
    #[arg(
        verbatim_doc_comment,
        long,
        value_name = "FILE",
        display_order = 1,
        help_heading = heading::OUTPUT
    )]
    config: Option<PathBuf>,
    /// Run this sensor of the --config file.
    #[arg(
        long,
        value_name = "NAME",
        requires = "config",
        conflicts_with = "all",
        display_order = 2,
        help_heading = heading::OUTPUT
    )]
    sensor: Option<String>,
    /// Run every sensor of the --config file, concurrently
    ///
    /// They are printed together, in text, json or prometheus: PRTG and Nagios read one result
    /// per run (give --sensor NAME).
    #[arg(
        verbatim_doc_comment,
        long,
        requires = "config",
        display_order = 3,
        help_heading = heading::OUTPUT
    )]
    all: bool,
    /// text, json, prtg, prtg-v2, nagios or prometheus
    ///
    /// The output format. text: a summary for people. json: one JSON object (an array of them
    /// with --all). prtg: PRTG's EXE/Script Advanced JSON. prtg-v2: PRTG's Script v2 JSON.
    /// nagios: a Nagios plugin's line with perfdata. prometheus: Prometheus' text exposition
    /// format.
    #[arg(
        verbatim_doc_comment,
        long,
        value_enum,
        hide_possible_values = true,
        default_value_t = Format::Text,
        display_order = 0,
        help_heading = heading::OUTPUT
    )]
    format: Format,
    #[command(flatten)]
    check_smtp: CheckSmtpFlags,
    #[command(flatten)]
    dns: DnsArgs,
    #[command(flatten, next_help_heading = heading::OUTPUT)]
    component: ComponentArg,
}

impl CheckArgs {
    /// The sensor's options the command line gives: its options, with check_smtp's flags
    /// set in them.
    fn options(&self) -> SensorOptions {
        self.check_smtp.apply(self.options.clone())
    }
}

/// One sensor to run: its name (from a file), settings, and where to store its result.
struct Job {
    name: Option<String>,
    settings: Settings,
    store: Option<StoreTarget>,
}

/// Runs the command line and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    match cli.command {
        Command::Serve(args) => return crate::serve::main(*args),
        Command::Precompile(args) => {
            return crate::serve::precompile::child_main(args.component.as_deref());
        }
        Command::GenerateDocs(args) => return super::docs::main(command(), &args.output),
        _ => {}
    }
    // One thread: a check waits on the network, and `--all` runs its sensors concurrently
    // on it; starting worker threads would only add to every run's start-up.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("smtp-sensor: cannot start the async runtime: {error}");
            return exit_code::USAGE;
        }
    };
    runtime.block_on(async {
        match cli.command {
            Command::Check(args) => check(*args).await,
            Command::Demo(args) => run_demo(args).await,
            Command::Component(args) => write_component(&args),
            Command::Serve(_) | Command::Precompile(_) | Command::GenerateDocs(_) => {
                unreachable!("serve, precompile and generate-docs run without this runtime")
            }
        }
    })
}

/// A command line clap refused: its message on stderr, and, for a monitoring system that
/// reads stdout (PRTG, Nagios), the same reason in its own format.
fn usage_error(error: &clap::Error) -> i32 {
    let _ = error.print();
    if !error.use_stderr() {
        return exit_code::UP; // --help, --version
    }
    let message = error.render().to_string();
    let first = message.lines().next().unwrap_or("invalid command line");
    let reason = first.trim_start_matches("error: ");
    match requested_format(std::env::args()) {
        Some(format) => refuse(format, reason, false),
        None => exit_code::USAGE,
    }
}

/// The `--format` a command line asks for, read without clap (for its own errors).
fn requested_format(args: impl Iterator<Item = String>) -> Option<Format> {
    use clap::ValueEnum as _;
    let args: Vec<String> = args.collect();
    let value = args
        .iter()
        .enumerate()
        .find_map(|(i, arg)| match arg.as_str() {
            "--format" => args.get(i + 1).cloned(),
            _ => arg.strip_prefix("--format=").map(str::to_string),
        })?;
    Format::from_str(&value, false).ok()
}

/// Reports settings that cannot be used: on stderr when `to_stderr` (clap printed its own),
/// and on stdout in the format's own way where it has one. Returns the exit code.
fn refuse(format: Format, message: &str, to_stderr: bool) -> i32 {
    if to_stderr {
        eprintln!("smtp-sensor: {message}");
    }
    let (stdout, code) = format.settings_error(message);
    if let Some(text) = stdout {
        emit(&text);
    }
    code
}

async fn check(args: CheckArgs) -> i32 {
    let format = args.format;
    let (jobs, file_dns) = match jobs(&args) {
        Ok(found) => found,
        Err(message) => return refuse(format, &message, true),
    };
    if args.all && !format.holds_many() {
        let message = "invalid --format: --all prints text, json or prometheus; PRTG and \
                       Nagios run one sensor per check: give --sensor NAME instead of --all";
        return refuse(format, message, true);
    }
    let resolver = match args.dns.resolver(file_dns.as_ref()) {
        Ok(resolver) => resolver,
        Err(message) => return refuse(format, &message, true),
    };
    let runner = match load(&args.component) {
        // One sensor: the process ends with its check, and its sandbox with it.
        Ok(runner) if jobs.len() == 1 => runner.exiting_after_checks(),
        Ok(runner) => runner,
        Err(message) => return refuse(format, &message, true),
    };
    let runner = match resolver {
        Some(resolver) => runner.with_dns(resolver),
        None => runner,
    };
    let results: Vec<_> = futures::stream::iter(&jobs)
        .map(|job| runner.check(&job.settings))
        .buffered(MAX_CONCURRENT_SENSORS)
        .collect()
        .await;
    let mut sensors = Vec::with_capacity(jobs.len());
    for (job, result) in jobs.into_iter().zip(results) {
        if let Some(target) = &job.store
            && let Err(error) = store_result::write(&target.dir, target.sensor_id, &result)
        {
            let fix = if target.dir.is_dir() {
                "free space or make it writable"
            } else {
                "create the folder"
            };
            eprintln!(
                "smtp-sensor: could not store the result in {}: {error}; {fix} (the result \
                 is printed all the same)",
                target.dir.display()
            );
        }
        sensors.push(Sensor::new(job.name, &job.settings, result));
    }
    emit(&format.render(&sensors, args.all));
    // The process ends now: unmapping the compiled component and freeing the linker would
    // only add to every run's time, and the operating system reclaims it all at exit.
    std::mem::forget(runner);
    format.exit_code(&sensors)
}

/// A check_smtp command line (`-H`) that does not say how to secure the connection:
/// check_smtp then speaks plain SMTP on 25, where this check's default is TLS on 465, so
/// the line would check another service and stay green while the one meant is down. It
/// must say which; the error says how.
fn check_smtp_without_security(argv: &[String], options: &SensorOptions) -> Option<String> {
    let check_smtp_style = argv.iter().any(|a| a.starts_with("-H"));
    (check_smtp_style && options.security.is_none()).then(|| {
        "invalid --security: check_smtp's -H is given without -s, -S or --security; check_smtp \
         speaks plain SMTP unless told otherwise, and this check defaults to TLS on 465: say \
         which, with -S (STARTTLS), -s (TLS from the first byte) or --security none"
            .to_string()
    })
}

/// The sensors the command line asks for, validated: from the flags alone, or from the
/// file with the flags over it; and the host's DNS the file gives, if it was read.
fn jobs(args: &CheckArgs) -> Result<(Vec<Job>, Option<DnsConfig>), String> {
    let env = |name: &str| std::env::var(name).ok();
    let Some(path) = &args.config else {
        let options = args.options();
        let argv: Vec<String> = std::env::args().collect();
        if let Some(why) = check_smtp_without_security(&argv, &options) {
            return Err(why);
        }
        let job = job(None, options, &env).map_err(|e| e.to_string())?;
        return Ok((vec![job], None));
    };
    let file = ConfigFile::read(path).map_err(|e| e.to_string())?;
    let names: Vec<String> = match (&args.sensor, args.all) {
        (Some(name), _) => {
            file.sensor(name).map_err(|e| e.to_string())?;
            vec![name.clone()]
        }
        (None, true) => file.names().map(str::to_string).collect(),
        (None, false) => {
            let all: Vec<String> = file.names().map(str::to_string).collect();
            if all.len() != 1 {
                return Err(format!(
                    "{} has {} sensors ({}); give --sensor NAME or --all",
                    path.display(),
                    all.len(),
                    all.join(", ")
                ));
            }
            all
        }
    };
    let jobs = names
        .into_iter()
        .map(|name| {
            let (settings, store) = file.settings(&name, args.options(), &env)?;
            Ok(Job {
                name: Some(name),
                settings,
                store,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok((jobs, Some(file.dns().clone())))
}

/// One sensor's validated settings.
fn job(
    name: Option<String>,
    options: SensorOptions,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Job, Invalid> {
    let (settings, store) = options.into_settings(env)?;
    Ok(Job {
        name,
        settings,
        store,
    })
}

/// Writes the portable component where `--output` says: the embedded check, which has this
/// host verify its signatures, composed with the verifier that does it in WebAssembly.
fn write_component(args: &ComponentOut) -> i32 {
    let component = crate::engine::runner::PORTABLE_COMPONENT;
    match crate::atomic_file::write_atomically(&args.output, component) {
        Ok(()) => {
            eprintln!(
                "smtp-sensor: wrote the component ({} bytes; WASI 0.2, world smtp-sensor in \
                 wit/smtp-sensor.wit) to {}",
                component.len(),
                args.output.display()
            );
            exit_code::UP
        }
        Err(error) => {
            eprintln!(
                "smtp-sensor: cannot write --output {}: {error}; give a path in a folder you \
                 can write to",
                args.output.display()
            );
            exit_code::USAGE
        }
    }
}

async fn run_demo(args: ComponentArg) -> i32 {
    let runner = match load(&args) {
        Ok(runner) => runner,
        Err(message) => {
            eprintln!("smtp-sensor: {message}");
            return exit_code::USAGE;
        }
    };
    emit(
        "smtp-sensor demo: a built-in SMTP responder on 127.0.0.1, with a throwaway CA made just \
         now, checked in every transport-security mode\n\n",
    );
    match demo::run(&runner).await {
        Ok(rows) => {
            emit(&demo::table(&rows));
            if let Some(row) = rows.iter().find(|r| r.security == TransportSecurity::Tls) {
                emit("\nThe spec's default mode (tls), in full:\n\n");
                emit(&output::text::result(&row.result));
            }
            let as_expected = rows.iter().all(|row| row.result.status == row.expected);
            if as_expected {
                exit_code::UP
            } else {
                exit_code::DOWN
            }
        }
        Err(error) => {
            eprintln!("smtp-sensor demo: {error:#}");
            exit_code::USAGE
        }
    }
}

/// Writes to stdout; a reader that went away (`| head`) is not an error worth a panic.
fn emit(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

/// The embedded component, or the one named with `--component`; what the compiled-component
/// cache could not do is said once, on stderr (the check runs all the same).
fn load(arg: &ComponentArg) -> Result<Runner, String> {
    let runner = Runner::for_component(arg.component.as_deref())?;
    if let Some(trouble) = runner.cache_trouble() {
        eprintln!("smtp-sensor: {trouble}");
    }
    Ok(runner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_is_found_without_clap() {
        let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let find = |list: &[&str]| requested_format(args(list).into_iter());
        assert_eq!(
            find(&["x", "check", "--format", "prtg"]),
            Some(Format::Prtg)
        );
        assert_eq!(find(&["x", "--format=nagios"]), Some(Format::Nagios));
        assert_eq!(find(&["x", "--format=prtg-v2"]), Some(Format::PrtgV2));
        assert_eq!(find(&["x", "--format"]), None);
        assert_eq!(find(&["x", "--format", "xml"]), None);
    }

    /// The command lines of `check --help`'s examples, each joined across its `\` lines.
    fn examples() -> Vec<Vec<String>> {
        let text = CHECK_AFTER_LONG_HELP.replace("\\\n", " ");
        text.lines()
            .map(str::trim)
            .filter(|line| line.starts_with("smtp-sensor "))
            .map(|line| line.split_whitespace().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn check_help_examples_are_command_lines_it_takes() {
        command().debug_assert();
        let examples = examples();
        assert_eq!(examples.len(), 7, "{examples:?}");
        for words in examples {
            let cli = Cli::try_parse_from(&words).unwrap_or_else(|e| panic!("{words:?}: {e}"));
            let Command::Check(args) = cli.command else {
                panic!("{words:?} is no check");
            };
            let options = args.options();
            if args.config.is_none() {
                assert!(
                    options.host.is_some() != options.domain.is_some(),
                    "{words:?}"
                );
            }
            if options.domain.is_some() {
                let (settings, _) = options.clone().into_settings(|_| None).unwrap();
                assert_eq!(
                    (settings.port, settings.security),
                    (25, TransportSecurity::Starttls)
                );
                assert_eq!(
                    settings.domain.unwrap().max_age_warning_seconds,
                    30 * 86_400
                );
            }
            if options.dane {
                let (settings, _) = options.clone().into_settings(|_| None).unwrap();
                let dane = settings.dane.expect("DANE settings");
                assert!(dane.expect_dane && dane.expect_standby);
            }
            if words.contains(&"-S".to_string()) {
                assert_eq!(
                    options.security.map(|s| s.0),
                    Some(TransportSecurity::Starttls)
                );
                assert_eq!(
                    (options.cert_warning, options.cert_critical),
                    (Some(30), Some(14))
                );
            }
        }
    }

    /// The man pages and completions [`crate::cli::docs`] writes for this command line.
    #[test]
    fn a_page_for_the_command_and_each_subcommand_and_three_completions() {
        let dir = std::env::temp_dir().join(format!("smtp-sensor-docs-{}", std::process::id()));
        crate::cli::docs::write(command(), &dir).unwrap();
        let mut pages: Vec<String> = std::fs::read_dir(dir.join("man"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        pages.sort();
        assert_eq!(
            pages,
            [
                "smtp-sensor-check.1",
                "smtp-sensor-component.1",
                "smtp-sensor-demo.1",
                "smtp-sensor-serve.1",
                "smtp-sensor.1",
            ],
            "hidden subcommands have no page; every other one has"
        );
        let check = std::fs::read_to_string(dir.join("man/smtp-sensor-check.1")).unwrap();
        assert!(check.contains("starttls\\-if\\-available"), "{check}");
        let bash = std::fs::read_to_string(dir.join("completions/smtp-sensor")).unwrap();
        assert!(bash.contains("--security") && bash.contains("starttls-if-available"));
        // The subcommands' cases are named as `cmd` is set (see docs::bash_case_labels_fixed).
        assert!(
            bash.contains("cmd=\"smtp__sensor__subcmd__check\""),
            "{bash}"
        );
        assert!(
            bash.contains("\n        smtp__sensor__subcmd__check)"),
            "{bash}"
        );
        assert!(!bash.contains("smtp__subcmd__sensor"), "{bash}");
        for file in ["_smtp-sensor", "smtp-sensor.fish"] {
            assert!(dir.join("completions").join(file).metadata().unwrap().len() > 0);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
