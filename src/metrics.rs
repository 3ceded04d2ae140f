//! Prometheus metrics of one running app, and the slow-request log.
//!
//! Each `Application` has its own registry (no globals: tests run several apps in one
//! process). `/metrics` is open to loopback clients, or to anyone with `METRICS_TOKEN` as a
//! bearer token when that is set.

use std::cell::Cell;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use crate::db::Db;
use crate::db::pool::QueryCounter;
use crate::error::AppError;
use crate::startup::AppState;

tokio::task_local! {
    /// SQL statements run for the request being served by this task.
    static REQUEST_QUERIES: Cell<u64>;
}

/// Adds statements run on a blocking thread to the current request's count.
pub fn add_request_queries(n: u64) {
    let _ = REQUEST_QUERIES.try_with(|c| c.set(c.get() + n));
}

pub struct Metrics {
    registry: Registry,
    pub requests: IntCounterVec,
    pub latency: HistogramVec,
    pub pool_connections: IntGaugeVec,
    pub checkout_timeouts: IntCounter,
    pub database_errors: IntCounter,
    pub queries: IntGauge,
    pub bcrypt_waiting: IntGauge,
    pub logins: IntCounterVec,
    pub login_failures: IntCounter,
    pub signups: IntCounter,
    pub rate_limit_hits: IntCounterVec,
}

fn register<T: prometheus::core::Collector + Clone + 'static>(registry: &Registry, metric: T) -> T {
    registry
        .register(Box::new(metric.clone()))
        .expect("metric names are unique");
    metric
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("wayfare".into()), None).expect("valid prefix");
        let r = &registry;
        Metrics {
            requests: register(
                r,
                IntCounterVec::new(
                    Opts::new(
                        "http_requests_total",
                        "HTTP requests by route pattern, method and status",
                    ),
                    &["route", "method", "status"],
                )
                .expect("valid"),
            ),
            latency: register(
                r,
                HistogramVec::new(
                    HistogramOpts::new(
                        "http_request_duration_seconds",
                        "Time to answer, by route pattern",
                    )
                    .buckets(vec![
                        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                    ]),
                    &["route"],
                )
                .expect("valid"),
            ),
            pool_connections: register(
                r,
                IntGaugeVec::new(
                    Opts::new(
                        "db_pool_connections",
                        "Database connections by pool and state",
                    ),
                    &["pool", "state"],
                )
                .expect("valid"),
            ),
            checkout_timeouts: register(
                r,
                IntCounter::new(
                    "db_checkout_timeouts_total",
                    "Requests that found no free database connection in time",
                )
                .expect("valid"),
            ),
            database_errors: register(
                r,
                IntCounter::new("db_errors_total", "Database errors answered as 500 or 503")
                    .expect("valid"),
            ),
            queries: register(
                r,
                IntGauge::new("db_queries_total", "SQL statements run").expect("valid"),
            ),
            bcrypt_waiting: register(
                r,
                IntGauge::new("bcrypt_queue", "Password hashes waiting for a CPU").expect("valid"),
            ),
            logins: register(
                r,
                IntCounterVec::new(
                    Opts::new("logins_total", "Successful logins by method"),
                    &["method"],
                )
                .expect("valid"),
            ),
            login_failures: register(
                r,
                IntCounter::new("login_failures_total", "Failed password logins").expect("valid"),
            ),
            signups: register(
                r,
                IntCounter::new("signups_total", "Accounts created").expect("valid"),
            ),
            rate_limit_hits: register(
                r,
                IntCounterVec::new(
                    Opts::new(
                        "rate_limit_hits_total",
                        "Requests refused by a rate limit, by kind",
                    ),
                    &["kind"],
                )
                .expect("valid"),
            ),
            registry,
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// Counts every request by its route pattern (never the raw path: ids and tokens would
/// make endless series and leak share tokens), times it, and logs slow ones with their
/// SQL statement count.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().to_string();
    let (result, queries) = REQUEST_QUERIES
        .scope(Cell::new(0), async {
            let result = next.call(req).await;
            (result, REQUEST_QUERIES.with(Cell::get))
        })
        .await;
    let res = result?;
    if let Some(state) = state {
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".into());
        let status = res.status().as_u16().to_string();
        let elapsed = started.elapsed();
        state
            .metrics
            .requests
            .with_label_values(&[route.as_str(), method.as_str(), status.as_str()])
            .inc();
        state
            .metrics
            .latency
            .with_label_values(&[route.as_str()])
            .observe(elapsed.as_secs_f64());
        if elapsed > state.settings.slow_request {
            tracing::warn!(
                route,
                method,
                status,
                elapsed_ms = elapsed.as_millis() as u64,
                sql_statements = queries,
                "slow request"
            );
        }
    }
    Ok(res)
}

fn allowed(req: &HttpRequest, state: &AppState) -> bool {
    match &state.settings.metrics_token {
        Some(token) => {
            let given = req
                .headers()
                .get(actix_web::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or_default();
            subtle::ConstantTimeEq::ct_eq(given.as_bytes(), token.expose().as_bytes()).into()
        }
        None => crate::auth::extractors::client_ip(req, state.settings.trust_forwarded_for)
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
    }
}

pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    queries: web::Data<QueryCounter>,
) -> Result<HttpResponse, AppError> {
    if !allowed(&req, &state) {
        return Err(AppError::NotFound);
    }
    let m = &state.metrics;
    for (name, pool) in [("primary", &db.primary), ("replica", &db.replica)] {
        let s = pool.state();
        m.pool_connections
            .with_label_values(&[name, "idle"])
            .set(i64::from(s.idle_connections));
        m.pool_connections
            .with_label_values(&[name, "in_use"])
            .set(i64::from(s.connections - s.idle_connections));
    }
    m.queries.set(queries.get() as i64);

    let mut body = Vec::new();
    TextEncoder::new()
        .encode(&m.registry.gather(), &mut body)
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(body))
}
