//! Connection pools: r2d2 over diesel, configured as DESIGN.md asks.

use std::time::Duration;

use diesel::PgConnection;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, HandleError, Pool};

pub type PgPool = Pool<ConnectionManager<PgConnection>>;

/// Every connection works in UTC, whatever the server's default.
#[derive(Debug)]
struct UtcSession;

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for UtcSession {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute("SET TimeZone = 'UTC'")
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// r2d2 reports failed background connects here; one warning line each, no secrets.
#[derive(Debug)]
struct LogErrors;

impl HandleError<diesel::r2d2::Error> for LogErrors {
    fn handle_error(&self, error: diesel::r2d2::Error) {
        tracing::warn!(error = %error, "database connection failed");
    }
}

/// Builds a pool without connecting: the server starts and answers 503 while the database
/// is away, and recovers by itself when it returns. Checkout is not tested (a broken
/// connection shows on first use and is discarded on return).
pub fn build(url: &str, size: u32, timeout: Duration) -> PgPool {
    Pool::builder()
        .max_size(size)
        .min_idle(Some(size.min(2)))
        .test_on_check_out(false)
        .connection_timeout(timeout)
        .connection_customizer(Box::new(UtcSession))
        .error_handler(Box::new(LogErrors))
        .build_unchecked(ConnectionManager::new(url))
}
