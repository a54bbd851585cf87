//! What a `/probe` request asks for, checked before anything touches the network: its
//! query (bounded, no unknown or repeated parameters), the module, the target (a valid host
//! and port, in the module's `targets`), and the time it may take (the module's timeout, or
//! Prometheus' scrape timeout less an offset when that is lower).

use super::modules::{Module, Modules};
use crate::engine::Limits;
use crate::settings::targets::{self, split_host_port};
use crate::wit::Settings;
use smtp_sensor_guest::settings::{self as validate, Target};
use std::sync::Arc;
use std::time::Duration;

/// The longest query string accepted, in bytes.
pub const MAX_QUERY_LEN: usize = 1024;
/// The longest module name accepted.
pub const MAX_MODULE_LEN: usize = 128;
/// The header in which Prometheus sends its scrape timeout, in seconds.
pub const SCRAPE_TIMEOUT_HEADER: &str = "X-Prometheus-Scrape-Timeout-Seconds";

/// A probe request's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// `module=`: a sensor of the configuration file.
    pub module: String,
    /// `target=`: `HOST[:PORT]`.
    pub target: String,
    /// `debug=true`: the transcript as comments after the metrics.
    pub debug: bool,
}

/// Why a probe was not run (no traffic was sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 400: the request is malformed; says which parameter and the fix.
    BadRequest(String),
    /// 403: the target is not one the module may probe.
    Forbidden(String),
}

/// A probe ready to run: what was asked, its module, the module's settings for the target
/// (the timeout fitted to the budget), and the time the probe may take in all.
#[derive(Debug)]
pub struct Prepared {
    /// The request's parameters.
    pub query: Query,
    /// The module it names.
    pub module: Arc<Module>,
    /// The settings to check the target with.
    pub settings: Settings,
    /// How long the probe may take, waiting for a slot included.
    pub budget: Duration,
}

/// A probe refused before it ran, with what was known of it (for the log and metrics).
#[derive(Debug)]
pub struct Refused {
    /// The module, when the request named one that exists.
    pub module: Option<String>,
    /// The target, when the query could be read.
    pub target: Option<String>,
    /// Why.
    pub refusal: Refusal,
}

/// Everything a `/probe` request needs before it runs, in one step: the query read
/// (`raw_query`), the module and target checked against `modules`, and the budget from the
/// module's timeout, the scrape timeout header's value and `offset` (see [`budget`]), with
/// the check's own timeout fitted inside it (see [`Limits::timeout_within`]).
pub fn prepare(
    modules: &Modules,
    raw_query: Option<&str>,
    scrape_timeout: Option<&[u8]>,
    limits: &Limits,
    offset: Duration,
) -> Result<Prepared, Refused> {
    let unplaced = |refusal| Refused {
        module: None,
        target: None,
        refusal,
    };
    let query = parse_query(raw_query).map_err(unplaced)?;
    let (module, mut settings) = settings(modules, &query).map_err(|refusal| Refused {
        module: modules.get(&query.module).map(|m| m.name.clone()),
        target: Some(query.target.clone()),
        refusal,
    })?;
    let budget =
        budget(limits, settings.timeout_seconds, scrape_timeout, offset).map_err(unplaced)?;
    settings.timeout_seconds = settings.timeout_seconds.min(limits.timeout_within(budget));
    Ok(Prepared {
        query,
        module,
        settings,
        budget,
    })
}

/// Reads the query string: `module` and `target` once each, `debug` at most once.
pub fn parse_query(raw: Option<&str>) -> Result<Query, Refusal> {
    let bad = |why: String| Err(Refusal::BadRequest(why));
    let raw = raw.unwrap_or("");
    if raw.len() > MAX_QUERY_LEN {
        return bad(format!(
            "the query is {} bytes; at most {MAX_QUERY_LEN} are accepted",
            raw.len()
        ));
    }
    let (mut module, mut target, mut debug) = (None, None, None);
    for (key, value) in form_urlencoded::parse(raw.as_bytes()) {
        let slot = match &*key {
            "module" => &mut module,
            "target" => &mut target,
            "debug" => &mut debug,
            other => {
                return bad(format!(
                    "unknown parameter {:?}; give target, module and, optionally, debug",
                    printable(other)
                ));
            }
        };
        if slot.replace(value.into_owned()).is_some() {
            return bad(format!("{key} is given more than once; give it once"));
        }
    }
    let Some(target) = target.filter(|t| !t.is_empty()) else {
        return bad("target is missing; give target=HOST or target=HOST:PORT".into());
    };
    let Some(module) = module.filter(|m| !m.is_empty()) else {
        return bad("module is missing; give module=NAME, a sensor of the configuration".into());
    };
    if module.len() > MAX_MODULE_LEN {
        return bad(format!("module is longer than {MAX_MODULE_LEN} bytes"));
    }
    let debug = match debug.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return bad(format!(
                "debug={:?} is neither true nor false",
                printable(other)
            ));
        }
    };
    Ok(Query {
        module,
        target,
        debug,
    })
}

/// The module and the settings for this probe: the module's, with the target's host and
/// port; refused when the module does not exist or may not probe the target.
pub fn settings(modules: &Modules, query: &Query) -> Result<(Arc<Module>, Settings), Refusal> {
    let Some(module) = modules.get(&query.module) else {
        return Err(Refusal::BadRequest(format!(
            "unknown module {:?}; the configuration has {}",
            printable(&query.module),
            modules.names()
        )));
    };
    let bad = |why: &str| {
        Err(Refusal::BadRequest(format!(
            "target {:?}: {why}; give HOST or HOST:PORT (IPv6 in brackets: [::1]:25)",
            printable(&query.target)
        )))
    };
    let Some((host, port)) = split_host_port(&query.target) else {
        return bad("it is not HOST[:PORT]");
    };
    let domain = module.settings.domain.is_some();
    if domain && port.is_some() {
        return Err(Refusal::BadRequest(format!(
            "target {:?}: module {} checks mail domains, which have no port (its MX hosts \
             are checked on port {}); give the domain alone, e.g. target=example.com",
            printable(&query.target),
            module.name,
            module.settings.port
        )));
    }
    // The same rules as a check's --host and --port: the core's.
    let target = match validate::host(host) {
        Ok(Target::Address(_)) if domain => {
            return Err(Refusal::BadRequest(format!(
                "target {:?}: module {} checks mail domains; give a domain, not an address \
                 (a module without domain probes one server)",
                printable(&query.target),
                module.name
            )));
        }
        Ok(Target::Address(_)) if module.settings.dane.is_some() => {
            return Err(Refusal::BadRequest(format!(
                "target {:?}: module {} checks DANE, whose TLSA records are a host name's \
                 (_PORT._tcp.HOST); give the server's name, not an address",
                printable(&query.target),
                module.name
            )));
        }
        Ok(target) => target,
        Err(error) => return bad(&error.problem),
    };
    let port = match port.map(str::parse::<u16>) {
        None => module.settings.port,
        Some(Ok(port)) => match validate::port(port) {
            Ok(port) => port,
            Err(error) => return bad(&error.problem),
        },
        Some(Err(_)) => return bad("the port is not a number; give 1 to 65535"),
    };
    if !targets::allowed(&module.targets, &target, port) {
        let allowed = if module.targets.is_empty() {
            "none: add a targets list to the module".to_string()
        } else {
            module
                .targets
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(Refusal::Forbidden(format!(
            "module {} may not probe {:?} (port {port}); its targets: {allowed}",
            module.name,
            printable(&query.target)
        )));
    }
    let mut settings = module.settings.clone();
    settings.host = match target {
        Target::Address(address) => address.to_string(),
        Target::Name(_) => host.to_string(),
    };
    settings.port = port;
    Ok((Arc::clone(module), settings))
}

/// How long the probe may take: the module's timeout plus the host's margin (as for a
/// `check`: the component gives up at its timeout and says why, the host stops it only
/// past the margin; see [`Limits::wall_time`]), or the scrape timeout (the header's value,
/// in seconds) less `offset` when that is lower; the header alone when the offset would
/// leave nothing, as blackbox_exporter does.
pub fn budget(
    limits: &Limits,
    module_timeout_seconds: u32,
    scrape_timeout: Option<&[u8]>,
    offset: Duration,
) -> Result<Duration, Refusal> {
    let module = limits.wall_time(module_timeout_seconds);
    let Some(header) = scrape_timeout else {
        return Ok(module);
    };
    let header = String::from_utf8_lossy(header);
    let scrape = match header.trim().parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds > 0.0 && seconds <= 1e6 => {
            Duration::from_secs_f64(seconds)
        }
        _ => {
            return Err(Refusal::BadRequest(format!(
                "the {SCRAPE_TIMEOUT_HEADER} header {:?} is not a positive number of seconds",
                printable(&header)
            )));
        }
    };
    let scrape = if scrape > offset {
        scrape - offset
    } else {
        scrape
    };
    Ok(scrape.min(module))
}

/// Text from a request, for an error message: printable and short.
fn printable(text: &str) -> String {
    let cut: String = text.chars().take(80).collect();
    crate::output::escape::printable(&cut).into_owned()
}

#[cfg(test)]
mod tests;
