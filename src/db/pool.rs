//! Connection pools: r2d2 over diesel, configured as DESIGN.md asks.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent};

use diesel::PgConnection;
use diesel::connection::{Connection, SimpleConnection};
use diesel::r2d2::{ConnectionManager, CustomizeConnection, HandleError, Pool};

pub type PgPool = Pool<ConnectionManager<PgConnection>>;

/// Counts the SQL statements a pool runs: the slow-request log reports them, tests assert
/// that a page runs a constant number, and `/metrics` exports the total.
#[derive(Clone, Debug, Default)]
pub struct QueryCounter(Arc<AtomicU64>);

impl QueryCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

thread_local! {
    /// Statements run on this thread: `Db` reads it around a request's blocking work.
    static THREAD_QUERIES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many statements this thread has run so far.
pub fn thread_queries() -> u64 {
    THREAD_QUERIES.with(std::cell::Cell::get)
}

impl Instrumentation for QueryCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { .. } = event {
            self.0.fetch_add(1, Ordering::Relaxed);
            THREAD_QUERIES.with(|n| n.set(n.get() + 1));
        }
    }
}

/// Every connection works in UTC, whatever the server's default, counts its queries, and
/// caches prepared statements unless told not to (old PgBouncers).
#[derive(Debug)]
struct SessionSetup {
    counter: QueryCounter,
    statement_cache: bool,
}

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for SessionSetup {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        // JIT compiling pays off for long analytic queries, never for a web page's: under
        // row-level security it cost the admin dashboard most of a second.
        conn.batch_execute("SET TimeZone = 'UTC'; SET jit = off")
            .map_err(diesel::r2d2::Error::QueryError)?;
        conn.set_instrumentation(self.counter.clone());
        if !self.statement_cache {
            conn.set_prepared_statement_cache_size(diesel::connection::CacheSize::Disabled);
        }
        Ok(())
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
pub fn build(
    url: &str,
    size: u32,
    timeout: Duration,
    counter: QueryCounter,
    statement_cache: bool,
) -> PgPool {
    Pool::builder()
        .max_size(size)
        .min_idle(Some(size.min(2)))
        .test_on_check_out(false)
        .connection_timeout(timeout)
        .connection_customizer(Box::new(SessionSetup {
            counter,
            statement_cache,
        }))
        .error_handler(Box::new(LogErrors))
        .build_unchecked(ConnectionManager::new(url))
}

/// diesel does not mark a connection broken when preparing a statement on it fails, so one
/// that died while idle would go back to the pool and fail every request after it. After an
/// error, a simple query marks such a connection broken and the pool replaces it.
pub fn mark_if_broken(conn: &mut PgConnection) {
    let _ = conn.batch_execute("SELECT 1");
}

/// The one way async code uses a pooled connection: one checkout on a blocking thread for
/// all of `f`. Its statements are added to the request's count (the slow-request log); a
/// connection that failed in a way `suspect` names is checked and dropped if broken.
/// Returns `f`'s result and how many statements it ran.
pub async fn with_checkout<T, E, F>(
    pool: PgPool,
    f: F,
    suspect: fn(&E) -> bool,
) -> Result<(Result<T, E>, u64), actix_web::error::BlockingError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<diesel::r2d2::PoolError> + Send + 'static,
{
    let (result, queries) = actix_web::web::block(move || {
        let before = thread_queries();
        let result = match pool.get() {
            Ok(mut conn) => {
                let result = f(&mut conn);
                if result.as_ref().is_err_and(suspect) {
                    mark_if_broken(&mut conn);
                }
                result
            }
            Err(e) => Err(E::from(e)),
        };
        (result, thread_queries() - before)
    })
    .await?;
    crate::metrics::add_request_queries(queries);
    Ok((result, queries))
}
