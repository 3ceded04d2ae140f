//! `/metrics` for Prometheus: open to loopback clients, or to anyone with `METRICS_TOKEN` as
//! a bearer token when that is set.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::db::Db;
use crate::db::pool::QueryCounter;
use crate::error::AppError;
use crate::state::AppState;

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
        None => crate::client::client_ip(req, state.settings.trust_forwarded_for)
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

    let body = m.encode().map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(body))
}
