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
    // The same rules as a check's --host and --port: the core's.
    let target = match validate::host(host) {
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
mod tests {
    use super::*;
    use crate::settings::config::ConfigFile;
    use std::path::Path;

    fn modules() -> Modules {
        let text = "[sensors.starttls]\nsecurity = \"starttls\"\nport = 587\ntimeout = 10\n\
                    targets = [\"127.0.0.1:*\", \"mx*.example.com:25\", \"[::1]:2525\"]\n\n\
                    [sensors.closed]\nsecurity = \"none\"\n";
        let path = Path::new("sensors.toml");
        let file = ConfigFile::parse(path, text.into()).unwrap();
        Modules::from_file(path, &file).unwrap()
    }

    fn query(raw: &str) -> Result<Query, Refusal> {
        parse_query(Some(raw))
    }

    fn bad_request(refusal: Refusal) -> String {
        match refusal {
            Refusal::BadRequest(why) => why,
            other => panic!("not a bad request: {other:?}"),
        }
    }

    #[test]
    fn a_query_needs_target_and_module_once_each() {
        let q = query("target=127.0.0.1%3A2525&module=starttls&debug=true").unwrap();
        assert_eq!(
            (q.target.as_str(), q.module.as_str(), q.debug),
            ("127.0.0.1:2525", "starttls", true)
        );
        assert!(bad_request(query("module=m").unwrap_err()).contains("target is missing"));
        assert!(bad_request(query("target=a").unwrap_err()).contains("module is missing"));
        assert!(
            bad_request(query("target=a&target=b&module=m").unwrap_err())
                .contains("more than once")
        );
        assert!(
            bad_request(query("target=a&module=m&timeout=5").unwrap_err())
                .contains("unknown parameter \"timeout\"")
        );
        assert!(bad_request(query("target=a&module=m&debug=yes").unwrap_err()).contains("neither"));
        let long = format!("target={}&module=m", "a".repeat(MAX_QUERY_LEN));
        assert!(bad_request(query(&long).unwrap_err()).contains("at most"));
        let escape = bad_request(query("target=a&module=m&%1b%5b2J=1").unwrap_err());
        assert!(!escape.contains('\u{1b}'), "{escape}");
    }

    #[test]
    fn the_target_replaces_host_and_port() {
        let modules = modules();
        let q = |target: &str| Query {
            module: "starttls".into(),
            target: target.into(),
            debug: false,
        };
        let (_, s) = settings(&modules, &q("127.0.0.1:2525")).unwrap();
        assert_eq!((s.host.as_str(), s.port), ("127.0.0.1", 2525));
        assert!(s.keep_transcript);
        let (_, s) = settings(&modules, &q("MX1.example.com:25")).unwrap();
        assert_eq!((s.host.as_str(), s.port), ("MX1.example.com", 25));
        let (_, s) = settings(&modules, &q("[::1]:2525")).unwrap();
        assert_eq!(s.host, "::1");
        let (_, s) = settings(&modules, &q("127.0.0.1")).unwrap();
        assert_eq!(s.port, 587, "the module's port when the target has none");
    }

    #[test]
    fn targets_outside_the_list_are_forbidden() {
        let modules = modules();
        let q = |module: &str, target: &str| Query {
            module: module.into(),
            target: target.into(),
            debug: false,
        };
        for (module, target) in [
            ("starttls", "127.0.0.2:2525"),
            ("starttls", "mx1.example.com:587"),
            ("starttls", "localhost:2525"),
            ("starttls", "[::1]:25"),
            ("closed", "127.0.0.1:25"),
        ] {
            match settings(&modules, &q(module, target)) {
                Err(Refusal::Forbidden(why)) => assert!(why.contains(module), "{why}"),
                other => panic!("{module} {target}: {other:?}"),
            }
        }
        let Err(Refusal::Forbidden(why)) = settings(&modules, &q("closed", "127.0.0.1:25")) else {
            unreachable!()
        };
        assert!(why.contains("add a targets list"), "{why}");
        for bad in ["127.0.0.1:0", "127.0.0.1:x", "[::1", "a b:25", ""] {
            bad_request(settings(&modules, &q("starttls", bad)).unwrap_err());
        }
        let why = bad_request(settings(&modules, &q("nope", "127.0.0.1")).unwrap_err());
        assert!(why.contains("starttls, closed"), "{why}");
    }

    /// The numeric forms resolvers read as 127.0.0.1 are that address: a `*` name rule does
    /// not let them through, and an address rule sees the address they mean.
    #[test]
    fn numeric_names_are_addresses_to_the_allow_list() {
        let text = "[sensors.names]\nsecurity = \"none\"\n\
                    targets = [\"*.example.com:2525\", \"*:2525\"]\n\n\
                    [sensors.loopback]\nsecurity = \"none\"\ntargets = [\"127.0.0.1:2525\"]\n";
        let path = Path::new("sensors.toml");
        let modules =
            Modules::from_file(path, &ConfigFile::parse(path, text.into()).unwrap()).unwrap();
        let q = |module: &str, target: &str| Query {
            module: module.into(),
            target: target.into(),
            debug: false,
        };
        for form in ["2130706433", "127.1", "0x7f.1", "0177.0.0.1", "127.0.0.1."] {
            let target = format!("{form}:2525");
            match settings(&modules, &q("names", &target)) {
                Err(Refusal::Forbidden(_)) => {}
                other => panic!("{target} passed a name rule: {other:?}"),
            }
            let (_, s) = settings(&modules, &q("loopback", &target)).unwrap();
            assert_eq!(s.host, "127.0.0.1", "{target}: the log shows the address");
        }
        let (_, s) = settings(&modules, &q("names", "mail.example.com:2525")).unwrap();
        assert_eq!(s.host, "mail.example.com");
    }

    #[test]
    fn the_scrape_timeout_lowers_the_budget() {
        let limits = Limits::default();
        let half = Duration::from_millis(500);
        let budget = |header: Option<&str>| budget(&limits, 10, header.map(str::as_bytes), half);
        assert_eq!(budget(None).unwrap(), Duration::from_secs(11));
        assert_eq!(budget(Some("4")).unwrap(), Duration::from_millis(3500));
        assert_eq!(budget(Some("30")).unwrap(), Duration::from_secs(11));
        assert_eq!(budget(Some("0.25")).unwrap(), Duration::from_millis(250));
        for bad in ["soon", "-1", "0", "NaN", "inf", "\u{ff}"] {
            bad_request(budget(Some(bad)).unwrap_err());
        }
    }

    #[test]
    fn a_prepared_probe_fits_its_timeout_within_the_budget() {
        let limits = Limits::default();
        let half = Duration::from_millis(500);
        let prepare = |header: Option<&str>| {
            let raw = Some("module=starttls&target=127.0.0.1");
            prepare(&modules(), raw, header.map(str::as_bytes), &limits, half).unwrap()
        };
        let prepared = prepare(None);
        assert_eq!(prepared.settings.timeout_seconds, 10, "the module's own");
        assert_eq!(prepared.budget, Duration::from_secs(11));
        assert_eq!(prepared.module.name, "starttls");
        let prepared = prepare(Some("4"));
        assert_eq!(
            prepared.settings.timeout_seconds, 2,
            "a second before the end"
        );
        assert_eq!(prepare(Some("0.75")).settings.timeout_seconds, 1);
        let prepare_raw = |raw: &str, header: Option<&str>| {
            super::prepare(
                &modules(),
                Some(raw),
                header.map(str::as_bytes),
                &limits,
                half,
            )
        };
        let r = prepare_raw("module=starttls&target=127.0.0.2", None).unwrap_err();
        assert_eq!(r.module.as_deref(), Some("starttls"));
        assert_eq!(r.target.as_deref(), Some("127.0.0.2"));
        assert!(matches!(r.refusal, Refusal::Forbidden(_)));
        let r = prepare_raw("target=x", None).unwrap_err();
        assert_eq!((r.module, r.target), (None, None));
        let r = prepare_raw("module=starttls&target=127.0.0.1", Some("soon")).unwrap_err();
        assert!(matches!(r.refusal, Refusal::BadRequest(_)));
    }
}
