//! Test support for the end-to-end tests: in-process checks with one compiled component, a
//! scriptable loopback SMTP server that can play a normal server and each misbehaviour, a
//! Postfix and a Dovecot on loopback, a Knot DNS serving a test's zones (and DNS servers that
//! fail), an HTTPS server playing a domain's MTA-STS policy host, a whole mail domain built of
//! them, ways to run the CLI and the prober (`serve`), scratch folders, and
//! the Nagios plugin output grammar, PRTG's Script v2 schema, and a Wine prefix for the
//! Windows build.
//! Every server stops when its handle is dropped. Also: the prober's OCI image run with podman
//! (`container`) and a real Prometheus scraping a prober (`prometheus`).

pub mod blackbox;
pub mod check;
pub mod cli;
pub mod confined;
pub mod container;
pub mod dns_faults;
pub mod dovecot;
pub mod knot;
pub mod ldns;
pub mod loopback;
pub mod mail_domain;
pub mod maildir;
pub mod nagios;
pub mod policy_server;
pub mod postfix;
pub mod posttls_finger;
pub mod prober;
pub mod prometheus;
pub mod promtool;
pub mod prtg;
pub mod receiver;
pub mod release;
pub mod scratch;
pub mod server;
pub mod soak;
pub mod unbound;
pub mod wine;
