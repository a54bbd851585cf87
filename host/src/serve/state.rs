//! What every request of the prober shares: the compiled component, the modules and the
//! web configuration in force (swapped whole on a reload), the probe slots, the prober's
//! own metrics and its recent probes; and the reload itself.

use super::history::History;
use super::log::LogFormat;
use super::metrics::Metrics;
use super::modules::Modules;
use super::web_config::WebConfig;
use crate::engine::Runner;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::Semaphore;

/// What every request shares.
pub struct State {
    /// The compiled component; every probe instantiates it in a fresh store.
    pub runner: Runner,
    /// The configuration file.
    pub config_path: PathBuf,
    /// Its modules, swapped whole on a reload.
    pub modules: RwLock<Arc<Modules>>,
    /// Probes allowed to run at once; the rest wait (within their deadline).
    pub slots: Semaphore,
    /// How many slots there are.
    pub slot_count: usize,
    /// The prober's own metrics.
    pub metrics: Metrics,
    /// Recent probes.
    pub history: History,
    /// How log lines are written.
    pub log: LogFormat,
    /// Taken off Prometheus' scrape timeout to leave time for the answer.
    pub timeout_offset: Duration,
    /// The web configuration file (`--web.config.file`), when one was given.
    pub web_path: Option<PathBuf>,
    /// What it says (TLS, basic-auth users, headers), swapped whole on a reload.
    pub web: RwLock<Arc<WebConfig>>,
    /// One reload at a time.
    pub reloading: tokio::sync::Mutex<()>,
    /// How the last reload went, for the status page; none before the first.
    pub last_reload: RwLock<Option<Reload>>,
}

/// One reload: when, why, and its error if it failed (the old configuration then stays).
#[derive(Debug, Clone)]
pub struct Reload {
    /// When it ended.
    pub at: std::time::SystemTime,
    /// What asked for it (`SIGHUP`, `POST /-/reload`).
    pub trigger: String,
    /// Why it failed; none when it succeeded.
    pub error: Option<String>,
}

impl State {
    /// How the last reload went, if there was one.
    pub fn last_reload(&self) -> Option<Reload> {
        self.last_reload
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The modules in force.
    pub fn modules(&self) -> Arc<Modules> {
        Arc::clone(&self.modules.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// The web configuration in force.
    pub fn web(&self) -> Arc<WebConfig> {
        Arc::clone(&self.web.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Reads the configuration file and the web configuration file again (a renewed
    /// certificate, other users); when either is bad, both old ones stay in force.
    pub async fn reload(&self, trigger: &str) -> Result<(), String> {
        let _one = self.reloading.lock().await;
        let path = self.config_path.clone();
        let web_path = self.web_path.clone();
        let read = tokio::task::spawn_blocking(move || {
            let modules = Modules::read(&path)?;
            let web = WebConfig::read_or_default(web_path.as_deref())?;
            Ok((modules, web))
        })
        .await
        .unwrap_or_else(|e| Err(format!("the reload failed: {e}")));
        self.metrics.reload(read.is_ok());
        *self.last_reload.write().unwrap_or_else(|e| e.into_inner()) = Some(Reload {
            at: std::time::SystemTime::now(),
            trigger: trigger.to_string(),
            error: read.as_ref().err().cloned(),
        });
        match read {
            Ok((modules, web)) => {
                let names = modules.names();
                modules.warn_store_result(self.log);
                // The resolver is the process's, made when it started.
                if modules.dns != self.modules().dns {
                    self.log.write(
                        "warn",
                        "dns_server and dns_trust_anchor changed; they take effect when the \
                         prober restarts, the probes go on with the resolver it started with",
                        &[("trigger", trigger.into())],
                    );
                }
                let scheme = web.scheme();
                *self.modules.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(modules);
                *self.web.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(web);
                self.log.write(
                    "info",
                    "configuration reloaded",
                    &[
                        ("trigger", trigger.into()),
                        ("modules", names),
                        ("scheme", scheme.into()),
                    ],
                );
                Ok(())
            }
            Err(error) => {
                self.log.write(
                    "error",
                    "configuration reload failed; the old configuration stays in force",
                    &[("trigger", trigger.into()), ("error", error.clone())],
                );
                Err(error)
            }
        }
    }
}
