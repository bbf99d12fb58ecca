//! Prometheus metrics of one server, on the `prometheus` crate, served at `GET /metrics` in the
//! text exposition format
//! (<https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format>).
//!
//! Every HTTP service gets, from [`crate::http::serve`] (wx-sim and ws-game wire the same
//! pieces themselves):
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `weapp_http_requests_total` | counter | `route` (the route template, e.g. `/applet/album/files/{key:.*}`; `unmatched` for paths no route takes), `method`, `status` |
//! | `weapp_http_request_duration_seconds` | histogram | `route`, `method` — from the request's arrival until its response head |
//! | `weapp_backend_up` | gauge, 1 or 0 | `backend` — probed at each scrape ([`crate::health::Readiness::checks`]) |
//! | `weapp_backend_pool_connections` | gauge | `backend`, `state` (`idle`, `in_use`) |
//! | `weapp_backend_pool_max_connections` | gauge | `backend` |
//!
//! The route label is the template, never the raw path, so the number of series stays bounded
//! whatever paths clients send. A service adds its own metrics to [`Metrics::registry`]
//! (`ServerOptions::metrics` before it serves); [`counter_fn`] and [`gauge_fn`] read a value the
//! service already keeps at scrape time.
//!
//! One registry per server rather than the process-global one: tests run several servers in one
//! process, and each must count only its own requests.
//!
//! `/metrics` is served at the root of the service's port, next to `/healthz`, outside the
//! `/applet` paths that nginx forwards: Prometheus scrapes the services directly.

use std::{
    collections::HashMap,
    fmt,
    sync::Arc,
    time::{Duration, Instant},
};

use actix_web::{
    Error, HttpResponse,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::{Method, StatusCode},
    middleware::Next,
    web,
};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
    core::{Collector, Desc},
    proto::{self, MetricFamily, MetricType},
};

use crate::health::Readiness;

/// `Content-Type` of `/metrics`: the text exposition format 0.0.4.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// How long a scrape waits for each backend's probe: under Prometheus's default scrape timeout
/// (10 s), so a frozen backend shows as down instead of failing the whole scrape.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// The `route` label of requests no route took (404s of unknown paths).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Request latency buckets in seconds: the services answer cached reads in tens of
/// microseconds and database writes in milliseconds; uploads and slow backends take seconds.
const DURATION_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0, 30.0,
];

/// One server's registry with the HTTP and backend metrics in it. Cheap to clone (shared).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    backend_up: IntGaugeVec,
    pool_connections: IntGaugeVec,
    pool_max: IntGaugeVec,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Register `collector` in `registry`; the names here are fixed and distinct, so a failure is
/// a programming error caught by the tests.
fn registered<C: Collector + Clone + 'static>(registry: &Registry, collector: C) -> C {
    if let Err(error) = registry.register(Box::new(collector.clone())) {
        log::error!("registering a metric: {error}");
    }
    collector
}

impl Metrics {
    /// A fresh registry with the metrics of the module documentation.
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("weapp_http_requests_total", "HTTP requests answered."),
            &["route", "method", "status"],
        );
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "weapp_http_request_duration_seconds",
                "Time from a request's arrival until its response head, in seconds.",
            )
            .buckets(DURATION_BUCKETS.to_vec()),
            &["route", "method"],
        );
        let backend_up = IntGaugeVec::new(
            Opts::new(
                "weapp_backend_up",
                "1 when the backend answered its probe at the last scrape, else 0.",
            ),
            &["backend"],
        );
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "weapp_backend_pool_connections",
                "Connections the pool holds open, idle or in use.",
            ),
            &["backend", "state"],
        );
        let pool_max = IntGaugeVec::new(
            Opts::new(
                "weapp_backend_pool_max_connections",
                "The most connections the pool opens.",
            ),
            &["backend"],
        );
        match (requests, duration, backend_up, pool_connections, pool_max) {
            (Ok(requests), Ok(duration), Ok(backend_up), Ok(pool_connections), Ok(pool_max)) => {
                Self {
                    requests: registered(&registry, requests),
                    duration: registered(&registry, duration),
                    backend_up: registered(&registry, backend_up),
                    pool_connections: registered(&registry, pool_connections),
                    pool_max: registered(&registry, pool_max),
                    registry,
                }
            }
            _ => unreachable!("the metric definitions above are valid"),
        }
    }

    /// The registry, for a service's own metrics.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Count one answered request and its latency.
    pub fn observe_request(
        &self,
        route: &str,
        method: &Method,
        status: StatusCode,
        elapsed: Duration,
    ) {
        let method = method_label(method);
        self.requests
            .with_label_values(&[route, method, status.as_str()])
            .inc();
        self.duration
            .with_label_values(&[route, method])
            .observe(elapsed.as_secs_f64());
    }

    /// Probe every backend of `readiness` (each within [`PROBE_TIMEOUT`], all at once) and set
    /// the backend gauges.
    pub async fn check_backends(&self, readiness: &dyn Readiness) {
        let checks = readiness.checks();
        let probes = checks.into_iter().map(|check| async move {
            let up = matches!(
                tokio::time::timeout(PROBE_TIMEOUT, check.probe).await,
                Ok(Ok(()))
            );
            (check.backend, up, check.pool)
        });
        for (backend, up, pool) in futures_util::future::join_all(probes).await {
            self.backend_up
                .with_label_values(&[backend])
                .set(i64::from(up));
            if let Some(pool) = pool {
                let idle = pool.open.saturating_sub(pool.in_use);
                self.pool_connections
                    .with_label_values(&[backend, "idle"])
                    .set(saturating_i64(idle));
                self.pool_connections
                    .with_label_values(&[backend, "in_use"])
                    .set(saturating_i64(pool.in_use));
                self.pool_max
                    .with_label_values(&[backend])
                    .set(saturating_i64(pool.max));
            }
        }
    }

    /// Everything in the registry, in the text exposition format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            log::error!("encoding the metrics: {error}");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

fn saturating_i64(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// The method as a label: the standard ones by name, anything else `OTHER` (a client must not
/// be able to create series at will).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "OTHER",
    }
}

/// The actix middleware that counts every request (`App::wrap(from_fn(metrics::track))`, with
/// `web::Data<Metrics>` in the app data): route template, method, status and latency.
///
/// # Errors
/// The inner service's, counted with the status of the error's response.
pub async fn track<B: MessageBody + 'static>(
    metrics: web::Data<Metrics>,
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, Error> {
    let start = Instant::now();
    let method = request.method().clone();
    let result = next.call(request).await;
    let elapsed = start.elapsed();
    match &result {
        Ok(response) => {
            let route = response.request().match_pattern();
            let route = route.as_deref().unwrap_or(UNMATCHED_ROUTE);
            metrics.observe_request(route, &method, response.status(), elapsed);
        }
        Err(error) => {
            let status = error.as_response_error().status_code();
            metrics.observe_request(UNMATCHED_ROUTE, &method, status, elapsed);
        }
    }
    result
}

/// What `GET /metrics` needs: the registry and the backends to probe.
struct Endpoint {
    metrics: Metrics,
    readiness: Arc<dyn Readiness>,
}

/// Register `GET /metrics` (at the root, like `/healthz`) and `metrics` as app data for
/// [`track`].
pub fn configure(cfg: &mut web::ServiceConfig, metrics: Metrics, readiness: Arc<dyn Readiness>) {
    cfg.app_data(web::Data::new(metrics.clone()))
        .app_data(web::Data::new(Endpoint { metrics, readiness }))
        .route("/metrics", web::get().to(scrape));
}

async fn scrape(endpoint: web::Data<Endpoint>) -> HttpResponse {
    endpoint
        .metrics
        .check_backends(endpoint.readiness.as_ref())
        .await;
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(endpoint.metrics.render())
}

/// A counter whose value `value()` reads at each scrape (a total the service already keeps,
/// e.g. rounds played). `value` must never decrease.
///
/// # Errors
/// When `name` is not a valid metric name.
pub fn counter_fn(
    name: &str,
    help: &str,
    value: impl Fn() -> f64 + Send + Sync + 'static,
) -> prometheus::Result<Box<dyn Collector>> {
    Pulled::boxed(name, help, MetricType::COUNTER, value)
}

/// A gauge whose value `value()` reads at each scrape (e.g. sockets open now).
///
/// # Errors
/// When `name` is not a valid metric name.
pub fn gauge_fn(
    name: &str,
    help: &str,
    value: impl Fn() -> f64 + Send + Sync + 'static,
) -> prometheus::Result<Box<dyn Collector>> {
    Pulled::boxed(name, help, MetricType::GAUGE, value)
}

/// What [`counter_fn`] and [`gauge_fn`] build.
struct Pulled<F> {
    desc: Desc,
    kind: MetricType,
    value: F,
}

impl<F: Fn() -> f64 + Send + Sync + 'static> Pulled<F> {
    fn boxed(
        name: &str,
        help: &str,
        kind: MetricType,
        value: F,
    ) -> prometheus::Result<Box<dyn Collector>> {
        let desc = Desc::new(name.to_owned(), help.to_owned(), Vec::new(), HashMap::new())?;
        Ok(Box::new(Self { desc, kind, value }))
    }
}

impl<F: Fn() -> f64 + Send + Sync> Collector for Pulled<F> {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let value = (self.value)();
        let metric = match self.kind {
            MetricType::COUNTER => {
                let mut counter = proto::Counter::default();
                counter.set_value(value);
                let mut metric = proto::Metric::default();
                metric.set_counter(counter);
                metric
            }
            _ => {
                let mut gauge = proto::Gauge::default();
                gauge.set_value(value);
                proto::Metric::from_gauge(gauge)
            }
        };
        let mut family = MetricFamily::default();
        family.set_name(self.desc.fq_name.clone());
        family.set_help(self.desc.help.clone());
        family.set_field_type(self.kind);
        family.set_metric(vec![metric]);
        vec![family]
    }
}

#[cfg(test)]
mod tests;
