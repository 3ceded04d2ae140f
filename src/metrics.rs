//! Prometheus metrics of one running app: a registry and its series, and the count of SQL
//! statements each request runs. A leaf: the middleware that fills the series lives in
//! `middleware`, the `/metrics` page in `routes::metrics`.
//!
//! Each `Application` has its own registry (no globals: tests run several apps in one
//! process).

use std::cell::Cell;
use std::future::Future;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

tokio::task_local! {
    /// SQL statements run for the request being served by this task.
    static REQUEST_QUERIES: Cell<u64>;
}

/// Adds statements run on a blocking thread to the current request's count.
pub fn add_request_queries(n: u64) {
    let _ = REQUEST_QUERIES.try_with(|c| c.set(c.get() + n));
}

/// Runs a request's future, counting the statements it runs.
pub async fn counting_queries<T>(request: impl Future<Output = T>) -> (T, u64) {
    REQUEST_QUERIES
        .scope(Cell::new(0), async {
            let output = request.await;
            (output, REQUEST_QUERIES.with(Cell::get))
        })
        .await
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

impl Metrics {
    /// Every series in Prometheus' text format.
    pub fn encode(&self) -> Result<Vec<u8>, prometheus::Error> {
        let mut body = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut body)?;
        Ok(body)
    }
}
