use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;

use crate::db::Db;
use crate::error::AppError;

/// Liveness: the process answers.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok\n")
}

/// Readiness: the primary database answers a query (503 with Retry-After when not).
pub async fn readyz(db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    db.read(|conn| Ok(conn.batch_execute("SELECT 1")?)).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ready\n"))
}
