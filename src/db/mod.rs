//! Database access: pools, the embedded default cluster, the generated schema and the one
//! way handlers reach the database (`Db::read` / `Db::write`).

pub mod local;
pub mod pool;
pub mod roles;
pub mod schema;
pub mod setup;

use diesel::PgConnection;
use diesel::connection::Connection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::domain::ids::UserId;
use crate::error::AppError;
pub use pool::PgPool;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Applies every pending migration; returns the versions it applied. With none pending it
/// only reads the bookkeeping table, so a role that may not create tables (the runtime role)
/// can run it too.
pub fn run_migrations(conn: &mut PgConnection) -> anyhow::Result<Vec<String>> {
    if migration_status(conn)?.pending.is_empty() {
        return Ok(Vec::new());
    }
    let applied = conn.run_pending_migrations(MIGRATIONS).map_err(|e| {
        let hint = if e.to_string().contains("permission denied") {
            " (this role may not change the schema: set DATABASE_OWNER_URL to the role that owns the tables, see docs/deploy.md)"
        } else {
            ""
        };
        anyhow::anyhow!("migrations failed: {e}{hint}")
    })?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// Applied versions (oldest first) and the names of the pending migrations.
pub struct MigrationStatus {
    pub applied: Vec<String>,
    pub pending: Vec<String>,
}

/// Reads `__diesel_schema_migrations` without creating it (diesel's own listing creates it
/// first, which needs the right to create tables).
pub fn migration_status(conn: &mut PgConnection) -> anyhow::Result<MigrationStatus> {
    use diesel::RunQueryDsl;
    use diesel::migration::MigrationSource;
    #[derive(diesel::QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
    }
    let table_exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
        "to_regclass('__diesel_schema_migrations') IS NOT NULL",
    ))
    .get_result(conn)?;
    let applied: Vec<String> = if table_exists {
        diesel::sql_query("SELECT version::text FROM __diesel_schema_migrations ORDER BY version")
            .load::<Version>(conn)?
            .into_iter()
            .map(|v| v.version)
            .collect()
    } else {
        Vec::new()
    };
    let pending = MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("cannot read the embedded migrations: {e}"))?
        .iter()
        .filter(|m| !applied.contains(&m.name().version().to_string()))
        .map(|m| m.name().to_string())
        .collect();
    Ok(MigrationStatus { applied, pending })
}

/// Whom a transaction acts for; row-level security on `plans` and `plan_activities`
/// shows it nothing else (see the row-level security migration).
#[derive(Clone, Debug)]
pub enum Actor {
    User(UserId),
    /// A signed-in user holding an invitation's link: they see the invitation whose token
    /// hash this is, and the plan it opens, and may join it.
    Invitee(UserId, String),
    Staff,
    ShareToken(String),
    Explore,
}

impl Actor {
    fn settings(&self) -> Vec<(&'static str, String)> {
        match self {
            Actor::User(id) => vec![("app.user_id", id.to_string())],
            Actor::Invitee(id, token_hash) => vec![
                ("app.user_id", id.to_string()),
                ("app.invitation", token_hash.clone()),
            ],
            Actor::Staff => vec![("app.staff", "on".into())],
            Actor::ShareToken(token) => vec![("app.share_token", token.clone())],
            Actor::Explore => vec![("app.explore", "on".into())],
        }
    }

    /// Sets the actor for the current transaction only.
    pub fn apply(&self, conn: &mut PgConnection) -> diesel::QueryResult<()> {
        use diesel::connection::SimpleConnection;
        conn.batch_execute(&self.set_config_sql())
    }

    /// The settings as one `SELECT`, values inlined (a batch cannot bind parameters): only
    /// characters of ids, tokens and hashes pass; anything else becomes the empty string,
    /// which no policy matches.
    fn set_config_sql(&self) -> String {
        let calls: Vec<String> = self
            .settings()
            .into_iter()
            .map(|(name, value)| {
                let safe = value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                let value = if safe { value.as_str() } else { "" };
                format!("set_config('{name}', '{value}', true)")
            })
            .collect();
        format!("SELECT {}", calls.join(", "))
    }
}

#[derive(Clone)]
pub struct Db {
    pub primary: PgPool,
    pub replica: PgPool,
    pub stats: DbStats,
}

/// Failures seen by requests: counters registered in the app's `/metrics`.
#[derive(Clone, Debug)]
pub struct DbStats {
    pub checkout_timeouts: prometheus::IntCounter,
    pub errors: prometheus::IntCounter,
}

impl Db {
    /// One checkout, one blocking task: runs `f` on a primary connection.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        run(self, self.primary.clone(), f).await
    }

    /// Like `read`, on the replica: for pages that do not show the visitor's own writes.
    pub async fn read_replica<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        run(self, self.replica.clone(), f).await
    }

    /// Runs `f` inside one transaction on one primary connection: all or nothing.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        run(self, self.primary.clone(), |conn| conn.transaction(f)).await
    }
}

impl Db {
    /// A read-only transaction on the primary, acting for `actor`.
    pub async fn read_as<T, F>(&self, actor: Actor, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        run(self, self.primary.clone(), move |conn| {
            as_actor(conn, &actor, true, f)
        })
        .await
    }

    /// Like `read_as`, on the replica: for pages showing other people's data.
    pub async fn read_replica_as<T, F>(&self, actor: Actor, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        run(self, self.replica.clone(), move |conn| {
            as_actor(conn, &actor, true, f)
        })
        .await
    }

    /// One read-write transaction on the primary, acting for `actor`: all or nothing.
    pub async fn write_as<T, F>(&self, actor: Actor, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        run(self, self.primary.clone(), move |conn| {
            as_actor(conn, &actor, false, f)
        })
        .await
    }
}

fn as_actor<T>(
    conn: &mut PgConnection,
    actor: &Actor,
    read_only: bool,
    f: impl FnOnce(&mut PgConnection) -> Result<T, AppError>,
) -> Result<T, AppError> {
    use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
    // BEGIN and the actor travel in one message: one round trip fewer on every page.
    let begin = format!(
        "BEGIN{}; {}",
        if read_only { " READ ONLY" } else { "" },
        actor.set_config_sql()
    );
    if let Err(e) = AnsiTransactionManager::begin_transaction_sql(conn, &begin) {
        // The BEGIN may have taken effect before the failure: end it, or the pool would
        // hand out a connection stuck in an aborted transaction.
        let _ = conn.batch_execute("ROLLBACK");
        return Err(e.into());
    }
    match f(conn) {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            // The caller's error is the one worth reporting; a failed rollback leaves the
            // connection marked broken, and the pool discards it.
            let _ = AnsiTransactionManager::rollback_transaction(conn);
            Err(e)
        }
    }
}

/// One checkout on a blocking thread; counts the statements for the request's log line
/// and the failures for `/metrics`.
async fn run<T, F>(db: &Db, pool: PgPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let (result, queries) = pool::with_checkout(pool, f, |e| {
        matches!(e, AppError::Unavailable(_) | AppError::Internal(_))
    })
    .await?;
    match &result {
        Err(AppError::Unavailable(_)) if queries == 0 => {
            db.stats.checkout_timeouts.inc();
        }
        Err(AppError::Unavailable(_) | AppError::Internal(_)) => {
            db.stats.errors.inc();
        }
        _ => {}
    }
    result
}

#[cfg(test)]
mod tests {
    use super::Actor;
    use crate::domain::ids::UserId;

    #[test]
    fn the_actor_travels_as_a_literal() {
        assert_eq!(
            Actor::User(UserId(42)).set_config_sql(),
            "SELECT set_config('app.user_id', '42', true)"
        );
        assert_eq!(
            Actor::ShareToken("aB3_-x".into()).set_config_sql(),
            "SELECT set_config('app.share_token', 'aB3_-x', true)"
        );
    }

    #[test]
    fn an_invitee_carries_their_id_and_the_token_hash() {
        assert_eq!(
            Actor::Invitee(UserId(7), "ab12".into()).set_config_sql(),
            "SELECT set_config('app.user_id', '7', true), set_config('app.invitation', 'ab12', true)"
        );
    }

    #[test]
    fn a_token_with_other_characters_becomes_empty() {
        for token in ["x'; DROP TABLE plans; --", "a\\'b", "é", "a b", ""] {
            assert_eq!(
                Actor::ShareToken(token.into()).set_config_sql(),
                "SELECT set_config('app.share_token', '', true)",
                "{token:?}"
            );
        }
    }
}
