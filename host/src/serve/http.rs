//! The prober's HTTP endpoints and what they share:
//!
//! - `GET /probe?target=HOST[:PORT]&module=NAME[&debug=true]`: one check, as metrics;
//! - `GET /metrics`: the prober's own metrics;
//! - `GET /`: the status page; `GET /logs?id=N`: one recent probe in full;
//! - `POST /-/reload`: reads the configuration again; `GET /-/healthy`, `GET /-/ready`.
//!
//! With `basic_auth_users` every endpoint asks for a login, as the exporter-toolkit does.

use super::history::{History, Record};
use super::log::LogFormat;
use super::metrics::{About, Metrics, Outcome};
use super::modules::Modules;
use super::page;
use super::probe::{self, Refusal, SCRAPE_TIMEOUT_HEADER};
use super::web_config::WebConfig;
use crate::output::{self, Sensor};
use crate::runner::{Runner, component_failed};
use crate::wit::Status;
use axum::Router;
use axum::extract::{Query, RawQuery, Request, State as Shared};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::Semaphore;

/// The exposition format's content type.
const EXPOSITION: &str = "text/plain; version=0.0.4; charset=utf-8";

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
}

impl State {
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
        match read {
            Ok((modules, web)) => {
                let names = modules.names();
                warn_store_result(self.log, &modules);
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

/// Logs the modules whose `store_result` key `serve` does not use.
pub fn warn_store_result(log: LogFormat, modules: &Modules) {
    for module in modules.modules.values().filter(|m| m.ignores_store_result) {
        log.write(
            "warn",
            "store_result is for check; serve keeps recent probes in memory (see /)",
            &[("module", module.name.clone())],
        );
    }
}

/// The endpoints, behind basic authentication when configured.
pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/probe", get(probe))
        .route("/metrics", get(metrics))
        .route("/logs", get(logs))
        .route("/-/reload", post(reload).put(reload))
        .route("/-/healthy", get(|| async { "Healthy\n" }))
        .route("/-/ready", get(|| async { "Ready\n" }))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            authenticate,
        ))
        .with_state(state)
}

/// Basic authentication (when configured) and the configured headers.
async fn authenticate(Shared(state): Shared<Arc<State>>, request: Request, next: Next) -> Response {
    let web = state.web();
    if let Some(users) = &web.users {
        let given = request
            .headers()
            .get(AUTHORIZATION)
            .map(HeaderValue::as_bytes);
        if !users.allow(given).await {
            let mut response = (StatusCode::UNAUTHORIZED, "Unauthorized\n").into_response();
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"smtp-sensor\""),
            );
            return response;
        }
    }
    let mut response = next.run(request).await;
    for (name, value) in &web.headers {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    response
}

/// Counts a probe while it runs or waits, whatever ends it (a scraper that hangs up drops
/// the request, and with it the check).
struct Gauge<'a>(&'a Metrics, fn(&Metrics, i64));

impl<'a> Gauge<'a> {
    fn up(metrics: &'a Metrics, update: fn(&Metrics, i64)) -> Self {
        update(metrics, 1);
        Self(metrics, update)
    }
}

impl Drop for Gauge<'_> {
    fn drop(&mut self) {
        (self.1)(self.0, -1);
    }
}

async fn probe(
    Shared(state): Shared<Arc<State>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let started = Instant::now();
    let query = match probe::parse_query(raw.as_deref()) {
        Ok(query) => query,
        Err(refusal) => return refused(&state, None, None, refusal),
    };
    let modules = state.modules();
    let (module, mut settings) = match probe::settings(&modules, &query) {
        Ok(found) => found,
        Err(refusal) => {
            let known = modules.get(&query.module).map(|m| m.name.as_str());
            return refused(&state, known, Some(&query.target), refusal);
        }
    };
    let scrape_timeout = match headers.get(SCRAPE_TIMEOUT_HEADER).map(|v| v.to_str()) {
        None => None,
        Some(Ok(value)) => Some(value),
        Some(Err(_)) => {
            let why = format!("the {SCRAPE_TIMEOUT_HEADER} header is not text");
            return refused(&state, None, None, Refusal::BadRequest(why));
        }
    };
    let budget = match probe::budget(
        settings.timeout_seconds,
        scrape_timeout,
        state.timeout_offset,
    ) {
        Ok(budget) => budget,
        Err(refusal) => return refused(&state, None, None, refusal),
    };
    probe::fit_timeout(&mut settings, budget);
    let deadline = started + budget;

    let waiting = Gauge::up(&state.metrics, Metrics::waiting);
    let slot = tokio::time::timeout_at(deadline.into(), state.slots.acquire()).await;
    drop(waiting);
    let result = match slot {
        Ok(Ok(_slot)) => {
            let _running = Gauge::up(&state.metrics, Metrics::in_flight);
            let left = deadline.saturating_duration_since(Instant::now());
            state.runner.check_within(&settings, left).await
        }
        _ => {
            let why = format!(
                "it waited {:.1} s, its whole time, for one of the prober's {} slots (all \
                 busy); raise --max-concurrent-probes or probe less often",
                budget.as_secs_f64(),
                state.slot_count
            );
            component_failed(&settings, why, started.elapsed())
        }
    };
    let elapsed = started.elapsed();
    let sensor = Sensor::new(None, &settings, result);
    let success = sensor.result.status != Status::Down;
    let mut body = output::prometheus::render(std::slice::from_ref(&sensor));
    if query.debug {
        let details = output::text::result(&sensor.result);
        body.push_str(&output::prometheus::comments(&details));
    }
    let outcome = if success {
        Outcome::Succeeded
    } else {
        Outcome::Failed
    };
    state
        .metrics
        .probe(Some(&module.name), outcome, Some(elapsed));
    let message = output::escape::printable(&sensor.result.message).into_owned();
    state.log.write(
        if success { "info" } else { "warn" },
        "probe",
        &[
            ("module", module.name.clone()),
            ("target", query.target.clone()),
            ("success", u8::from(success).to_string()),
            (
                "status",
                output::names::status(sensor.result.status).to_string(),
            ),
            ("duration_seconds", format!("{:.6}", elapsed.as_secs_f64())),
            ("message", message.clone()),
        ],
    );
    state.history.push(Record {
        id: 0,
        at: SystemTime::now(),
        module: module.name.clone(),
        target: query.target,
        success,
        duration: elapsed,
        message,
        result: sensor.result,
    });
    ([(CONTENT_TYPE, EXPOSITION)], body).into_response()
}

/// A probe refused before it ran: counted, logged, answered with the reason.
fn refused(
    state: &State,
    module: Option<&str>,
    target: Option<&str>,
    refusal: Refusal,
) -> Response {
    let (status, outcome, why) = match refusal {
        Refusal::BadRequest(why) => (StatusCode::BAD_REQUEST, Outcome::BadRequest, why),
        Refusal::Forbidden(why) => (StatusCode::FORBIDDEN, Outcome::Forbidden, why),
    };
    state.metrics.probe(module, outcome, None);
    let mut fields = vec![("status", status.as_u16().to_string())];
    if let Some(module) = module {
        fields.push(("module", module.to_string()));
    }
    if let Some(target) = target {
        fields.push(("target", target.to_string()));
    }
    fields.push(("error", why.clone()));
    state.log.write("warn", "probe refused", &fields);
    (status, format!("{why}\n")).into_response()
}

async fn metrics(Shared(state): Shared<Arc<State>>) -> Response {
    let body = state.metrics.render(&About {
        instantiations: state.runner.instantiations(),
        component_sha256: state.runner.identity(),
        slots: state.slot_count,
    });
    ([(CONTENT_TYPE, EXPOSITION)], body).into_response()
}

async fn index(Shared(state): Shared<Arc<State>>) -> Html<String> {
    Html(page::index(&state.modules(), &state.history.recent()))
}

async fn logs(
    Shared(state): Shared<Arc<State>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let record = query
        .get("id")
        .and_then(|id| id.parse::<u64>().ok())
        .and_then(|id| state.history.get(id));
    match record {
        Some(record) => page::logs(&record).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            "no such probe: give id=N of a recent probe (see /); older ones are not kept\n",
        )
            .into_response(),
    }
}

async fn reload(Shared(state): Shared<Arc<State>>) -> Response {
    match state.reload("POST /-/reload").await {
        Ok(()) => "configuration reloaded\n".into_response(),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("failed to reload the configuration; the old one stays in force: {error}\n"),
        )
            .into_response(),
    }
}
