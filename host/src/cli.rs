//! The command line. Conventions: flags are named after the spec's settings; every invalid
//! setting exits 3 with a message naming the flag and the fix, before anything connects;
//! otherwise the exit code is the check's status, as a Nagios plugin's.

use crate::demo;
use crate::exit_code;
use crate::output::{self, Format};
use crate::runner::Runner;
use crate::settings::{
    AuthRequest, CheckRequest, EmailRequest, PASSWORD_VARIABLE, PasswordSources, TlsRequest,
    split_recipients,
};
use crate::store;
use crate::wit::TransportSecurity;
use crate::wit::{AuthMechanism, Settings};
use clap::{Parser, Subcommand, ValueEnum};
use smtp_sensor_guest::secret::Secret;
use smtp_sensor_guest::validate::SettingError;
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
    Check(Box<CheckArgs>),
    /// Start a small SMTP responder inside this process and check it.
    Demo(ComponentArg),
}

#[derive(clap::Args, Debug, Clone)]
struct ComponentArg {
    /// Run another build of the component instead of the embedded one.
    #[arg(long, value_name = "PATH")]
    component: Option<PathBuf>,
}

#[derive(clap::Args, Debug, Clone)]
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
    /// Log in as this user (SMTP AUTH).
    #[arg(long, value_name = "USER")]
    auth_user: Option<String>,
    /// Read the password (or XOAUTH2 token) from the first line of this file.
    #[arg(long, value_name = "FILE")]
    auth_password_file: Option<PathBuf>,
    /// The password itself. Prefer --auth-password-file or SMTP_SENSOR_PASSWORD: process
    /// lists show arguments.
    #[arg(long, value_name = "PASSWORD")]
    auth_password: Option<Secret>,
    /// The SASL mechanism [default: the strongest the server offers of CRAM-MD5, PLAIN, LOGIN].
    #[arg(long, value_enum, value_name = "MECHANISM")]
    auth_mechanism: Option<Mechanism>,
    /// Send credentials even over an unencrypted connection.
    #[arg(long)]
    allow_plaintext_auth: bool,
    /// Send a test email from this address.
    #[arg(long, value_name = "ADDR", requires = "mail_to")]
    mail_from: Option<String>,
    /// ... to these addresses (comma-separated).
    #[arg(long, value_name = "ADDR[,ADDR...]", requires = "mail_from")]
    mail_to: Option<String>,
    /// The test email's subject.
    #[arg(long, default_value = "smtp-sensor test message")]
    subject: String,
    /// The test email's body.
    #[arg(
        long,
        default_value = "This message was sent by smtp-sensor to check this mail server."
    )]
    body: String,
    /// Store the result and the transcript in this folder (the spec's "Store result").
    #[arg(long, value_name = "DIR", requires = "sensor_id")]
    store_result: Option<PathBuf>,
    /// The sensor's ID, for the stored files' names.
    #[arg(long, value_name = "N", requires = "store_result")]
    sensor_id: Option<u32>,
    #[command(flatten)]
    component: ComponentArg,
}

/// The SASL mechanisms.
#[derive(ValueEnum, Clone, Copy, Debug)]
enum Mechanism {
    /// PLAIN (RFC 4616).
    Plain,
    /// LOGIN.
    Login,
    /// CRAM-MD5 (RFC 2195).
    CramMd5,
    /// XOAUTH2: the password is an OAuth 2.0 access token.
    Xoauth2,
}

impl From<Mechanism> for AuthMechanism {
    fn from(mechanism: Mechanism) -> Self {
        match mechanism {
            Mechanism::Plain => AuthMechanism::Plain,
            Mechanism::Login => AuthMechanism::Login,
            Mechanism::CramMd5 => AuthMechanism::CramMd5,
            Mechanism::Xoauth2 => AuthMechanism::Xoauth2,
        }
    }
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
            Command::Check(args) => check(*args).await,
            Command::Demo(args) => run_demo(args).await,
        }
    })
}

async fn check(args: CheckArgs) -> i32 {
    let store = args.store_result.clone().zip(args.sensor_id);
    let settings = match settings(args.clone()) {
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
    if let Some((dir, _)) = &store
        && !dir.is_dir()
    {
        eprintln!(
            "smtp-sensor: invalid --store-result: {} is not a folder; create it first",
            dir.display()
        );
        return exit_code::USAGE;
    }
    let Some(runner) = load(&args.component) else {
        return exit_code::USAGE;
    };
    let result = runner.check(&settings).await;
    let format = match args.format {
        OutputFormat::Text => Format::Text,
        OutputFormat::Json => Format::Json,
    };
    emit(&output::render(&result, format));
    if let Some((dir, sensor_id)) = store
        && let Err(error) = store::write(&dir, sensor_id, &result)
    {
        eprintln!(
            "smtp-sensor: could not store the result in {}: {error}",
            dir.display()
        );
    }
    exit_code::for_status(result.status)
}

/// The validated settings of a check, from the command line and the environment.
fn settings(args: CheckArgs) -> Result<Settings, SettingError> {
    let auth = match args.auth_user {
        None => None,
        Some(user) => {
            let sources = PasswordSources {
                file: args.auth_password_file,
                value: args.auth_password,
                environment: std::env::var(PASSWORD_VARIABLE).ok().map(Secret::new),
            };
            Some(AuthRequest {
                user,
                password: sources.resolve()?,
                mechanism: args.auth_mechanism.map(Into::into),
                allow_plaintext: args.allow_plaintext_auth,
            })
        }
    };
    let email = args.mail_from.map(|from| EmailRequest {
        from,
        to: split_recipients(args.mail_to.as_deref().unwrap_or_default()),
        subject: args.subject,
        body: args.body,
    });
    let request = CheckRequest {
        host: args.host,
        port: args.port,
        timeout_seconds: args.timeout,
        helo: args.helo,
        security: args.security.into(),
        keep_transcript: args.transcript || args.store_result.is_some(),
        tls: TlsRequest {
            ca_files: args.tls_ca,
            server_name: args.tls_server_name,
            verify: !args.tls_no_verify,
            warning_days: args.cert_warning,
            critical_days: args.cert_critical,
        },
        auth,
        email,
    };
    request.into_settings()
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
