//! Signing a zone offline, with signatures a test chooses: ldns's `ldns-keygen` and
//! `ldns-signzone` (Debian's ldnsutils). Knot signs what it loads itself (and would re-sign
//! an expired signature), so a zone whose signatures have expired, expire soon, or no
//! longer match their records is signed here and served by Knot as it is
//! ([`Zone::presigned`]). The keys are a KSK and a ZSK (ECDSA P-256, as Knot's), made for
//! each zone; the resolver's trust anchor is read back from the server (`Knot::dnskeys`).

use crate::knot::Zone;
use crate::scratch::Scratch;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// A record to change after signing: the signature stays the one over `signed`, the zone
/// serves `served` in its place (an answer tampered with on the way).
#[derive(Debug, Clone)]
pub struct Tamper {
    /// The record's owner, fully qualified without the final dot (`_25._tcp.mx1.d.test`).
    pub owner: String,
    /// Its type (`TLSA`, `A`).
    pub kind: String,
    /// The data signed (as in the zone given to [`sign`]).
    pub signed: String,
    /// The data served instead.
    pub served: String,
}

/// `zone` signed with signatures valid from `inception` until `expiration` (either may be
/// in the past), NSEC for denial, then the records of `tamper` changed: a zone for Knot to
/// serve as it is.
pub fn sign(
    zone: &Zone,
    inception: SystemTime,
    expiration: SystemTime,
    tamper: &[Tamper],
) -> Result<Zone, String> {
    for tool in ["ldns-keygen", "ldns-signzone"] {
        if Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .map_or(true, |o| !o.status.success())
        {
            return Err(format!(
                "{tool} is not installed: `apt-get install ldnsutils` (scripts/setup does)"
            ));
        }
    }
    let origin = zone.origin();
    let dir = Scratch::new("ldns");
    let unsigned = dir.write("zone", &zone.file());
    let mut keys = Vec::new();
    for ksk in [true, false] {
        let mut keygen = Command::new("ldns-keygen");
        keygen
            .current_dir(dir.path())
            .args(["-a", "ECDSAP256SHA256"]);
        if ksk {
            keygen.arg("-k");
        }
        let out = keygen
            .arg(origin)
            .output()
            .map_err(|e| format!("run ldns-keygen: {e}"))?;
        let name = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !out.status.success() || name.is_empty() {
            return Err(format!(
                "ldns-keygen failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        keys.push(name);
    }
    let seconds = |t: SystemTime| match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs().to_string(),
        Err(_) => "0".into(),
    };
    let out = Command::new("ldns-signzone")
        .current_dir(dir.path())
        .args(["-i", &seconds(inception), "-e", &seconds(expiration)])
        .args(["-o", origin, "-f", "signed"])
        .arg(&unsigned)
        .args(&keys)
        .output()
        .map_err(|e| format!("run ldns-signzone: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "ldns-signzone failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let signed = std::fs::read_to_string(dir.path().join("signed"))
        .map_err(|e| format!("read the signed zone: {e}"))?;
    let mut file = String::new();
    let mut changed = vec![false; tamper.len()];
    for line in signed.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let matching = tamper.iter().position(|t| {
            fields.len() > 4
                && fields[0]
                    .trim_end_matches('.')
                    .eq_ignore_ascii_case(&t.owner)
                && fields[3].eq_ignore_ascii_case(&t.kind)
                && same_data(&fields[4..].join(" "), &t.signed)
        });
        match matching {
            Some(n) => {
                changed[n] = true;
                let t = &tamper[n];
                file.push_str(&format!(
                    "{}\t{}\tIN\t{}\t{}\n",
                    fields[0], fields[1], t.kind, t.served
                ));
            }
            None => {
                file.push_str(line);
                file.push('\n');
            }
        }
    }
    if let Some(n) = changed.iter().position(|c| !c) {
        return Err(format!(
            "no record {:?} in the signed zone:\n{signed}",
            tamper[n]
        ));
    }
    Ok(Zone::presigned(origin, &file))
}

/// Whether two records' data are the same as zone files write them (case and spacing
/// aside).
fn same_data(a: &str, b: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split_whitespace()
            .map(|w| w.trim_end_matches('.').to_ascii_lowercase())
            .collect()
    };
    words(a) == words(b)
}
