//! The Monitoring Plugins Development Guidelines' output grammar, to check `--format
//! nagios` against it: `TEXT|PERFDATA` on one line, PERFDATA being space-separated
//! `'label'=value[UOM];[warn];[crit];[min];[max]`, labels quoted when they hold spaces (a
//! quote doubled inside), values in `[-0-9.]`, UOM one of none, s, ms, us, %, B, KB, MB,
//! TB, c, thresholds in the range format `[@][start:][end]` with `~` for minus infinity.

/// One perfdata item.
#[derive(Debug, Clone, PartialEq)]
pub struct Perf {
    /// The label, unquoted.
    pub label: String,
    /// The value.
    pub value: f64,
    /// The unit of measurement.
    pub uom: String,
    /// The warning range, when given.
    pub warn: Option<String>,
    /// The critical range, when given.
    pub crit: Option<String>,
    /// The minimum, when given.
    pub min: Option<f64>,
    /// The maximum, when given.
    pub max: Option<f64>,
}

const UNITS: [&str; 10] = ["", "s", "ms", "us", "%", "B", "KB", "MB", "TB", "c"];

/// Parses plugin output: the text before the first `|` and its perfdata.
pub fn parse(output: &str) -> Result<(String, Vec<Perf>), String> {
    let line = output.strip_suffix('\n').unwrap_or(output);
    if line.contains('\n') || line.contains('\r') {
        return Err(format!("more than one line: {output:?}"));
    }
    let (text, perfdata) = line.split_once('|').unwrap_or((line, ""));
    if perfdata.contains('|') {
        return Err(format!("a second '|' in {line:?}"));
    }
    let mut items = Vec::new();
    let mut rest = perfdata.trim_start();
    while !rest.is_empty() {
        let (item, next) = perf(rest)?;
        items.push(item);
        rest = next.trim_start();
    }
    Ok((text.to_string(), items))
}

fn perf(input: &str) -> Result<(Perf, &str), String> {
    let (label, rest) = if let Some(quoted) = input.strip_prefix('\'') {
        let mut label = String::new();
        let mut chars = quoted.char_indices();
        loop {
            match chars.next() {
                None => return Err(format!("unterminated label in {input:?}")),
                Some((i, '\'')) => {
                    if quoted[i + 1..].starts_with('\'') {
                        label.push('\'');
                        chars.next();
                    } else {
                        break (label, &quoted[i + 1..]);
                    }
                }
                Some((_, c)) => label.push(c),
            }
        }
    } else {
        let end = input.find('=').ok_or(format!("no '=' in {input:?}"))?;
        let label = &input[..end];
        if label.contains(' ') {
            return Err(format!("unquoted label with a space: {label:?}"));
        }
        (label.to_string(), &input[end..])
    };
    if label.is_empty() || label.contains('=') {
        return Err(format!("bad label {label:?}"));
    }
    let rest = rest
        .strip_prefix('=')
        .ok_or(format!("no '=' after {label:?}"))?;
    let end = rest.find(' ').unwrap_or(rest.len());
    let (spec, next) = rest.split_at(end);
    let mut fields = spec.split(';');
    let value_uom = fields.next().unwrap_or_default();
    let digits = value_uom
        .find(|c: char| !(c.is_ascii_digit() || c == '-' || c == '.'))
        .unwrap_or(value_uom.len());
    let (value, uom) = value_uom.split_at(digits);
    let value: f64 = value
        .parse()
        .map_err(|_| format!("{label}: value {value:?} is not a number"))?;
    if !UNITS.contains(&uom) {
        return Err(format!("{label}: unit {uom:?} is not one of {UNITS:?}"));
    }
    let warn = range(fields.next(), &label)?;
    let crit = range(fields.next(), &label)?;
    let min = number(fields.next(), &label)?;
    let max = number(fields.next(), &label)?;
    if fields.next().is_some() {
        return Err(format!("{label}: more than five fields"));
    }
    Ok((
        Perf {
            label,
            value,
            uom: uom.to_string(),
            warn,
            crit,
            min,
            max,
        },
        next,
    ))
}

fn range(field: Option<&str>, label: &str) -> Result<Option<String>, String> {
    let Some(text) = field.filter(|f| !f.is_empty()) else {
        return Ok(None);
    };
    let body = text.strip_prefix('@').unwrap_or(text);
    let (start, end) = body.split_once(':').unwrap_or(("", body));
    let ok_start = start.is_empty() || start == "~" || start.parse::<f64>().is_ok();
    let ok_end = end.is_empty() || end.parse::<f64>().is_ok();
    if !(ok_start && ok_end) || body.is_empty() {
        return Err(format!("{label}: {text:?} is not a range"));
    }
    Ok(Some(text.to_string()))
}

fn number(field: Option<&str>, label: &str) -> Result<Option<f64>, String> {
    match field.filter(|f| !f.is_empty()) {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|_| format!("{label}: {text:?} is not a number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guidelines_examples() {
        let (text, perf) =
            parse("SMTP OK - fine|'Response Time'=0.0042s;0.5;2;0 'it''s'=5%;;;0;100 c=3c\n")
                .unwrap();
        assert_eq!(text, "SMTP OK - fine");
        assert_eq!(perf.len(), 3);
        assert_eq!(perf[0].label, "Response Time");
        assert_eq!((perf[0].value, perf[0].uom.as_str()), (0.0042, "s"));
        assert_eq!(perf[0].crit.as_deref(), Some("2"));
        assert_eq!(perf[1].label, "it's");
        assert_eq!(perf[1].max, Some(100.0));
        assert_eq!(
            parse("X|a=1;14:;@0:10").unwrap().1[0].warn.as_deref(),
            Some("14:")
        );
    }

    #[test]
    fn what_breaks_the_grammar() {
        for bad in [
            "X|a b=1",
            "X|'a=1",
            "X|a=1x",
            "X|a=one",
            "X|a=1;zz",
            "X|a=1;;;;;",
            "X|a=1|b=2",
            "X\nY|a=1",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
