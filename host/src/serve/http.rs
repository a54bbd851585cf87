//! The prober's HTTP endpoints (what they share is in [`super::state`]):
//!
//! - `GET /probe?target=HOST[:PORT]&module=NAME[&debug=true]`: one check, as metrics;
//! - `GET /metrics`: the prober's own metrics;
//! - `GET /`: the status page; `GET /logs?id=N`: one recent probe in full;
//! - `POST /-/reload`: reads the configuration again;
//! - `GET /-/healthy` (200 while the process serves) and `GET /-/ready` (200 once the
//!   component is compiled and the configuration loaded, 503 before: [`starting`]), as
//!   Prometheus' own servers answer them (HEAD too).
//!
//! With `basic_auth_users` every endpoint asks for a login, as the exporter-toolkit does.

use super::history::Record;
use super::metrics::{About, Metrics, Outcome};
use super::page;
use super::probe::{self, Prepared, Refusal, Refused, SCRAPE_TIMEOUT_HEADER};
use super::state::State;
use super::web_config::WebConfig;
use crate::output;
use crate::output::exposition::CONTENT_TYPE as EXPOSITION;
use crate::results::component_failed;
use crate::sensor::Sensor;
use crate::wit::Status;
use axum::Router;
use axum::extract::{Query, RawQuery, Request, State as Shared};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

/// The endpoints, behind basic authentication when configured.
pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/", get(get_index))
        .route("/probe", get(get_probe))
        .route("/metrics", get(get_metrics))
        .route("/logs", get(get_logs))
        .route("/-/reload", post(post_reload).put(post_reload))
        .route("/-/healthy", get(|| async { HEALTHY }))
        .route("/-/ready", get(|| async { "Ready\n" }))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            authenticate,
        ))
        .with_state(state)
}

/// What `/-/healthy` says.
const HEALTHY: &str = "Healthy\n";

/// The endpoints while the component is compiled (the configuration is read): healthy,
/// not ready (503), and 503 for everything else, which needs the component. Behind
/// the same authentication.
pub fn starting(web: Arc<WebConfig>) -> Router {
    const NOT_READY: &str = "not ready: the component is being compiled; /-/ready says when \
                             it is done\n";
    Router::new()
        .route("/-/healthy", get(|| async { HEALTHY }))
        .fallback(|| async { (StatusCode::SERVICE_UNAVAILABLE, NOT_READY) })
        .layer(middleware::from_fn_with_state(web, authenticate_starting))
}

/// [`authenticate`] while starting, with the web configuration read at start.
async fn authenticate_starting(
    Shared(web): Shared<Arc<WebConfig>>,
    request: Request,
    next: Next,
) -> Response {
    authenticate_with(&web, request, next).await
}

/// Basic authentication (when configured), and the configured headers on every response,
/// a refusal included: exporter-toolkit sets them before it checks the login, so its 401
/// carries them too. As there, a header the response sets itself wins over the configured
/// one (a Go handler's `Set` comes after them).
async fn authenticate(Shared(state): Shared<Arc<State>>, request: Request, next: Next) -> Response {
    authenticate_with(&state.web(), request, next).await
}

/// [`authenticate`] with the web configuration `web`.
async fn authenticate_with(web: &WebConfig, request: Request, next: Next) -> Response {
    let allowed = match &web.users {
        None => true,
        Some(users) => {
            let given = request
                .headers()
                .get(AUTHORIZATION)
                .map(HeaderValue::as_bytes);
            users.allow(given).await
        }
    };
    let mut response = if allowed {
        next.run(request).await
    } else {
        let mut refused = (StatusCode::UNAUTHORIZED, "Unauthorized\n").into_response();
        refused.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"smtp-sensor\""),
        );
        refused
    };
    for (name, value) in &web.headers {
        if !response.headers().contains_key(name) {
            response.headers_mut().insert(name.clone(), value.clone());
        }
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

/// `GET /probe`: one check, as metrics; refused (400, 403) before it runs when the request
/// is malformed or names a target its module may not probe.
async fn get_probe(
    Shared(state): Shared<Arc<State>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let started = Instant::now();
    let scrape_timeout = headers
        .get(SCRAPE_TIMEOUT_HEADER)
        .map(HeaderValue::as_bytes);
    let prepared = probe::prepare(
        &state.modules(),
        raw.as_deref(),
        scrape_timeout,
        state.runner.limits(),
        state.timeout_offset,
    );
    let Prepared {
        query,
        module,
        settings,
        budget,
    } = match prepared {
        Ok(prepared) => prepared,
        Err(refused) => return refuse(&state, refused),
    };
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
        body.push_str(&output::exposition::comments(&details));
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
fn refuse(state: &State, refused: Refused) -> Response {
    let Refused {
        module,
        target,
        refusal,
    } = refused;
    let (status, outcome, why) = match refusal {
        Refusal::BadRequest(why) => (StatusCode::BAD_REQUEST, Outcome::BadRequest, why),
        Refusal::Forbidden(why) => (StatusCode::FORBIDDEN, Outcome::Forbidden, why),
    };
    state.metrics.probe(module.as_deref(), outcome, None);
    let mut fields = vec![("status", status.as_u16().to_string())];
    if let Some(module) = module {
        fields.push(("module", module));
    }
    if let Some(target) = target {
        fields.push(("target", target));
    }
    fields.push(("error", why.clone()));
    state.log.write("warn", "probe refused", &fields);
    (status, format!("{why}\n")).into_response()
}

/// `GET /metrics`: the prober's own metrics.
async fn get_metrics(Shared(state): Shared<Arc<State>>) -> Response {
    let body = state.metrics.render(&About {
        instantiations: state.runner.instantiations(),
        component_sha256: state.runner.identity(),
        slots: state.slot_count,
    });
    ([(CONTENT_TYPE, EXPOSITION)], body).into_response()
}

/// `GET /`: the status page.
async fn get_index(Shared(state): Shared<Arc<State>>) -> Html<String> {
    Html(page::index(
        &state.modules(),
        &state.history.recent(),
        state.last_reload().as_ref(),
    ))
}

/// `GET /logs?id=N`: one recent probe in full.
async fn get_logs(
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

/// `POST /-/reload`: reads the configuration files again.
async fn post_reload(Shared(state): Shared<Arc<State>>) -> Response {
    match state.reload("POST /-/reload").await {
        Ok(()) => "configuration reloaded\n".into_response(),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("failed to reload the configuration; the old one stays in force: {error}\n"),
        )
            .into_response(),
    }
}
