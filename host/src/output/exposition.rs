//! Prometheus' text exposition format, written in one place for both expositions: a
//! check's metrics ([`super::prometheus`]) and the prober's own (`serve`'s `/metrics`).
//! HELP and TYPE lines, samples with labels, label values made printable and escaped,
//! sample values as Go's strconv writes them, and comments no server text can turn into
//! metadata.

use super::escape::printable;
use std::fmt::{Display, Write as _};

/// The exposition format's content type.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A family's HELP and TYPE lines; `kind` is `gauge`, `counter` or `histogram`.
pub fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// One sample: `name{label="value",...} value`. Label values are escaped here; a float
/// value goes through [`float`] first.
pub fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: impl Display) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (key, value)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{key}=\"{}\"", label_value(value));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// A family of one sample without labels.
pub fn single(out: &mut String, name: &str, kind: &str, help: &str, value: impl Display) {
    header(out, name, kind, help);
    sample(out, name, &[], value);
}

/// A label value: printable (no control characters, whoever wrote it: a server, a
/// configuration file), then `\`, `"` and line feeds escaped as the format says.
pub fn label_value(value: &str) -> String {
    printable(value)
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A float sample value as Go's strconv writes it for Prometheus: plain decimals, `NaN`,
/// `+Inf`, `-Inf`.
pub fn float(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{value}")
    }
}

/// `text` as exposition comments, for a probe's `debug=true`: every line starts with
/// `# | `, so no server text can pass for HELP or TYPE metadata (the text must already be
/// printable: no line breaks of the server's); parsers skip them.
pub fn comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.lines() {
        let _ = writeln!(out, "# | {line}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_with_and_without_labels() {
        let mut out = String::new();
        single(&mut out, "up_total", "counter", "Ups.", 3);
        sample(
            &mut out,
            "x",
            &[("module", "a\"b"), ("le", "0.5")],
            float(1.5),
        );
        assert_eq!(
            out,
            "# HELP up_total Ups.\n# TYPE up_total counter\nup_total 3\n\
             x{module=\"a\\\"b\",le=\"0.5\"} 1.5\n"
        );
    }

    #[test]
    fn label_values_are_printable_and_escaped() {
        // A line feed is made visible first (`\n` as two characters), then escaped.
        assert_eq!(label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\\\nd");
        let hostile = label_value("\u{1b}[31mred");
        assert!(!hostile.contains('\u{1b}'), "{hostile}");
    }

    #[test]
    fn floats_as_go_writes_them() {
        assert_eq!(float(f64::NAN), "NaN");
        assert_eq!(float(f64::INFINITY), "+Inf");
        assert_eq!(float(f64::NEG_INFINITY), "-Inf");
        assert_eq!(float(0.25), "0.25");
        assert_eq!(float(2.0), "2");
    }

    #[test]
    fn comments_cannot_pass_for_metadata() {
        assert_eq!(comments("a\n# HELP x y"), "# | a\n# | # HELP x y\n");
    }
}
