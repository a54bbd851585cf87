//! The command line. Conventions: flags are named after the spec's settings; every invalid
//! setting exits 3 with a message naming the flag and the fix, before anything connects;
//! otherwise the exit code is the check's status, as a Nagios plugin's.

use crate::demo;
use crate::exit_code;
use crate::output::{self, Format};
use crate::runner::Runner;
use crate::settings::{CheckRequest, TlsRequest};
use crate::wit::TransportSecurity;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "smtp-sensor",
    version,
    about = "SMTP server health check, run as a sandboxed WebAssembly component"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check an SMTP server.
    Check(CheckArgs),
    /// Start a small SMTP responder inside this process and check it.
    Demo(ComponentArg),
}

#[derive(clap::Args, Debug)]
struct ComponentArg {
    /// Run another build of the component instead of the embedded one.
    #[arg(long, value_name = "PATH")]
    component: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// The mail server: a DNS name, or an IPv4 or IPv6 address.
    #[arg(long)]
    host: String,
    /// The port [default: 465 for tls and tls-if-available, else 25].
    #[arg(long, allow_negative_numbers = true)]
    port: Option<u16>,
    /// Give up after this many seconds, 1 to 900 [default: 60].
    #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
    timeout: Option<u32>,
    /// The name to send with EHLO/HELO [default: this machine's name].
    #[arg(long, value_name = "NAME")]
    helo: Option<String>,
    /// How to secure the connection.
    #[arg(long, value_enum, default_value_t = Security::Tls)]
    security: Security,
    /// The output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Include the transcript of the dialogue in the output.
    #[arg(long)]
    transcript: bool,
    /// Also trust the CA certificates in this PEM (or DER) file; may be repeated.
    #[arg(long, value_name = "FILE")]
    tls_ca: Vec<PathBuf>,
    /// Verify the certificate against this name (and send it as SNI) instead of --host.
    #[arg(long, value_name = "NAME")]
    tls_server_name: Option<String>,
    /// Do not verify the certificate (the result says so). Expiry is still reported.
    #[arg(long)]
    tls_no_verify: bool,
    /// Warn when the certificate expires within this many days [default: 14].
    #[arg(long, value_name = "DAYS", allow_negative_numbers = true)]
    cert_warning: Option<u32>,
    /// Report down when the certificate expires within this many days [default: 0].
    #[arg(long, value_name = "DAYS", allow_negative_numbers = true)]
    cert_critical: Option<u32>,
    #[command(flatten)]
    component: ComponentArg,
}

/// The spec's transport-security modes, named after what they do.
#[derive(ValueEnum, Clone, Copy, Debug)]
enum Security {
    /// Plain text only, never TLS.
    None,
    /// STARTTLS when offered, else plain text (reported as a warning).
    StarttlsIfAvailable,
    /// Implicit TLS, else plain text (reported as a warning).
    TlsIfAvailable,
    /// STARTTLS required.
    Starttls,
    /// Implicit TLS required (the spec's default).
    Tls,
}

impl From<Security> for TransportSecurity {
    fn from(security: Security) -> Self {
        match security {
            Security::None => TransportSecurity::None,
            Security::StarttlsIfAvailable => TransportSecurity::StarttlsIfAvailable,
            Security::TlsIfAvailable => TransportSecurity::TlsIfAvailable,
            Security::Starttls => TransportSecurity::Starttls,
            Security::Tls => TransportSecurity::Tls,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum OutputFormat {
    /// A summary for people.
    Text,
    /// One JSON object.
    Json,
}

/// Runs the command line and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                exit_code::USAGE
            } else {
                exit_code::UP
            };
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
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
            Command::Check(args) => check(args).await,
            Command::Demo(args) => run_demo(args).await,
        }
    })
}

async fn check(args: CheckArgs) -> i32 {
    let request = CheckRequest {
        host: args.host,
        port: args.port,
        timeout_seconds: args.timeout,
        helo: args.helo,
        security: args.security.into(),
        keep_transcript: args.transcript,
        tls: TlsRequest {
            ca_files: args.tls_ca,
            server_name: args.tls_server_name,
            verify: !args.tls_no_verify,
            warning_days: args.cert_warning,
            critical_days: args.cert_critical,
        },
    };
    let settings = match request.into_settings() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!(
                "smtp-sensor: invalid {}: {}",
                error.setting.flag(),
                error.problem
            );
            return exit_code::USAGE;
        }
    };
    let Some(runner) = load(&args.component) else {
        return exit_code::USAGE;
    };
    let result = runner.check(&settings).await;
    let format = match args.format {
        OutputFormat::Text => Format::Text,
        OutputFormat::Json => Format::Json,
    };
    emit(&output::render(&result, format));
    exit_code::for_status(result.status)
}

async fn run_demo(args: ComponentArg) -> i32 {
    let Some(runner) = load(&args) else {
        return exit_code::USAGE;
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
                emit(&output::to_text(&row.result));
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

/// The embedded component, or the one named with `--component`.
fn load(arg: &ComponentArg) -> Option<Runner> {
    let loaded = match &arg.component {
        Some(path) => Runner::from_file(path),
        None => Runner::embedded(),
    };
    loaded
        .map_err(|error| eprintln!("smtp-sensor: {error:#}"))
        .ok()
}
