//! The status page (`GET /`), like blackbox_exporter's: the modules and what they may
//! probe, and the most recent probes with a link to each one's result and transcript.
//! Everything from a server or a request is HTML-escaped.

use super::history::Record;
use super::modules::{Module, Modules};
use super::state::Reload;
use crate::output::escape::printable;
use crate::output::{names, text};
use std::fmt::Write as _;
use std::sync::Arc;

/// The page: the last reload's result, the modules, the recent probes.
pub fn index(modules: &Modules, recent: &[Arc<Record>], last_reload: Option<&Reload>) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>smtp-sensor prober</title>\
         <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}\
         td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}\
         .down{color:#b00}.up{color:#070}</style></head><body>\n\
         <h1>smtp-sensor prober</h1>\n",
    );
    // An example that works: a configured module, on a target it may probe.
    // Following the link runs a probe: a module that sends no test email, where there is one.
    let example = modules
        .modules
        .values()
        .find(|m| m.settings.email.is_none())
        .or_else(|| modules.modules.values().next());
    match example {
        Some(module) => {
            let target = example_target(module);
            // The query as the prober reads it (form_urlencoded, as `probe::parse_query`).
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("target", &target)
                .append_pair("module", &module.name)
                .append_pair("debug", "true")
                .finish();
            let _ = writeln!(
                out,
                "<p><a href=\"/probe?{}\">/probe?target={}&amp;module={}</a> runs a check \
                 (debug=true shows its transcript); <a href=\"/metrics\">/metrics</a> has the \
                 prober's own metrics.</p>",
                html(&query),
                html(&target),
                html(&module.name)
            );
        }
        None => out.push_str(
            "<p>/probe?target=HOST:PORT&amp;module=NAME runs a check once the configuration has \
             a module; <a href=\"/metrics\">/metrics</a> has the prober's own metrics.</p>\n",
        ),
    }
    if let Some(reload) = last_reload {
        let when = format!(
            "{} ({})",
            humantime::format_rfc3339_seconds(reload.at),
            html(&reload.trigger)
        );
        let _ = match &reload.error {
            None => writeln!(
                out,
                "<p>Last reload: {when}: <span class=\"up\">done</span>.</p>"
            ),
            Some(error) => writeln!(
                out,
                "<p>Last reload: {when}: <span class=\"down\">failed</span>: {}; the \
                 configuration before it stays in force.</p>",
                html(error)
            ),
        };
    }
    let _ = writeln!(
        out,
        "<h2>Modules</h2>\n<p>From {}.</p>\n<table><tr><th>module</th><th>security</th>\
         <th>port</th><th>timeout</th><th>targets</th></tr>",
        html(&modules.path.display().to_string())
    );
    for module in modules.modules.values() {
        let targets: Vec<String> = module
            .targets
            .iter()
            .map(|t| html(&t.to_string()))
            .collect();
        let targets = if targets.is_empty() {
            "none".to_string()
        } else {
            targets.join(", ")
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} s</td><td>{targets}</td></tr>",
            html(&module.name),
            names::security(module.settings.security),
            module.settings.port,
            module.settings.timeout_seconds
        );
    }
    out.push_str("</table>\n<h2>Recent probes</h2>\n");
    if recent.is_empty() {
        out.push_str("<p>None yet.</p>\n");
    } else {
        out.push_str(
            "<table><tr><th>module</th><th>target</th><th>result</th><th>ended</th>\
             <th>duration</th><th>message</th><th></th></tr>\n",
        );
        for record in recent {
            let (class, word) = if record.success {
                ("up", "success")
            } else {
                ("down", "failure")
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"{class}\">{word}</td><td>{}</td>\
                 <td>{:.3} s</td><td>{}</td><td><a href=\"/logs?id={}\">transcript</a></td></tr>",
                html(&record.module),
                html(&record.target),
                humantime::format_rfc3339_seconds(record.at),
                record.duration.as_secs_f64(),
                html(&record.message),
                record.id
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("</body></html>\n");
    out
}

/// One probe's result and transcript, as text (`GET /logs?id=N`).
pub fn logs(record: &Record) -> String {
    format!(
        "probe {} of module {}, target {}, ended {}\n\n{}",
        record.id,
        printable(&record.module),
        printable(&record.target),
        humantime::format_rfc3339_millis(record.at),
        text::result(&record.result)
    )
}

/// A target the module may probe, for the example link: its first target that names one
/// host (no `*` in the host, no block), with the module's port where the pattern allows
/// any; else the loopback address on the module's port.
fn example_target(module: &Module) -> String {
    let port = module.settings.port;
    module
        .targets
        .iter()
        .map(|t| t.to_string())
        .find_map(|text| {
            let (host, pattern_port) = text.rsplit_once(':')?;
            (!host.contains('*') && !host.contains('/')).then(|| match pattern_port {
                "*" => format!("{host}:{port}"),
                _ => text.clone(),
            })
        })
        .unwrap_or_else(|| format!("127.0.0.1:{port}"))
}

/// Text made safe inside HTML elements and attribute values.
fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in printable(text).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::config::ConfigFile;
    use std::path::Path;
    use std::time::{Duration, SystemTime};

    #[test]
    fn the_page_lists_modules_and_escapes_what_servers_say() {
        let path = Path::new("sensors.toml");
        let file = ConfigFile::parse(
            path,
            "[sensors.starttls]\nsecurity = \"starttls\"\ntargets = [\"127.0.0.1:*\"]\n".into(),
        )
        .unwrap();
        let modules = Modules::from_file(path, &file).unwrap();
        let record = Arc::new(Record {
            id: 7,
            at: SystemTime::UNIX_EPOCH,
            module: "starttls".into(),
            target: "127.0.0.1:25".into(),
            success: false,
            duration: Duration::from_millis(1500),
            message: "<script>alert(1)</script>\u{1b}[2J".into(),
            result: crate::fixtures::hostile().result,
        });
        let page = index(&modules, &[record], None);
        assert!(
            page.contains("<td>starttls</td><td>starttls</td><td>25</td>"),
            "{page}"
        );
        assert!(page.contains("127.0.0.1:*"), "{page}");
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;\\x1b[2J"),
            "{page}"
        );
        assert!(!page.contains("<script>"));
        assert!(page.contains("<a href=\"/logs?id=7\">"));
        assert!(page.contains("1.500 s"));
        // The example link names a configured module, on a target it may probe.
        assert!(
            page.contains("<a href=\"/probe?target=127.0.0.1%3A25&amp;module=starttls&amp;"),
            "{page}"
        );
    }

    #[test]
    fn the_page_says_how_the_last_reload_went() {
        let path = Path::new("sensors.toml");
        let file =
            ConfigFile::parse(path, "[sensors.plain]\nsecurity = \"none\"\n".into()).unwrap();
        let modules = Modules::from_file(path, &file).unwrap();
        assert!(!index(&modules, &[], None).contains("Last reload"));
        let failed = Reload {
            at: SystemTime::UNIX_EPOCH,
            trigger: "POST /-/reload".into(),
            error: Some("sensors.toml, line 3: unknown key <securty>".into()),
        };
        let page = index(&modules, &[], Some(&failed));
        assert!(
            page.contains(
                "(POST /-/reload): <span class=\"down\">failed</span>: sensors.toml, \
                           line 3: unknown key &lt;securty&gt;; the configuration before it \
                           stays in force."
            ),
            "{page}"
        );
        let done = Reload {
            error: None,
            ..failed
        };
        assert!(index(&modules, &[], Some(&done)).contains("<span class=\"up\">done</span>"));
    }
}
