//! Database access: pools, the embedded default cluster, the generated schema and the one
//! way handlers reach the database (`Db::read` / `Db::write`).

pub mod local;
pub mod pool;
pub mod schema;

use diesel::PgConnection;
use diesel::connection::Connection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::AppError;
pub use pool::PgPool;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Applies every pending migration; returns the versions it applied.
pub fn run_migrations(conn: &mut PgConnection) -> anyhow::Result<Vec<String>> {
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// The pools a request may use: writes and a user's own pages go to `primary`; pages that
/// show other people's data may read from `replica` (the primary when none is configured).
#[derive(Clone)]
pub struct Db {
    pub primary: PgPool,
    pub replica: PgPool,
}

impl Db {
    /// One checkout, one blocking task: runs `f` on a primary connection.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        run(self.primary.clone(), f).await
    }

    /// Like `read`, on the replica: for pages that do not show the visitor's own writes.
    pub async fn read_replica<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        run(self.replica.clone(), f).await
    }

    /// Runs `f` inside one transaction on one primary connection: all or nothing.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        run(self.primary.clone(), |conn| conn.transaction(f)).await
    }
}

async fn run<T, F>(pool: PgPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    actix_web::web::block(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await?
}
