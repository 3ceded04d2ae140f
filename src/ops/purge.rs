//! Removes what has expired: sessions past their expiry or ended, rate-limit counters
//! older than the retention, and copies of deleted plans and activities past the undo
//! window. Run by `wayfare purge` and every hour inside `serve`.

use chrono::{TimeDelta, Utc};
use diesel::prelude::*;

use crate::db::Actor;
use crate::models::{deleted_item, rate_limit, user_session};
use crate::services::undo::UNDO_WINDOW;

/// Rate-limit rows are kept this many days (the admin page shows today's).
pub const RATE_LIMIT_RETENTION_DAYS: i64 = 30;

#[derive(Debug, PartialEq, Eq)]
pub struct Purged {
    pub sessions: usize,
    pub rate_limits: usize,
    pub deleted_items: usize,
}

pub fn purge(conn: &mut PgConnection) -> QueryResult<Purged> {
    conn.transaction(|conn| {
        let sessions = user_session::purge_expired(conn)?;
        let cutoff = (Utc::now() - TimeDelta::days(RATE_LIMIT_RETENTION_DAYS)).date_naive();
        let rate_limits = rate_limit::purge_before(conn, cutoff)?;
        // Everyone's copies: row-level security shows them to staff only.
        Actor::Staff.apply(conn)?;
        let deleted_items = deleted_item::purge_older_than(conn, UNDO_WINDOW)?;
        Ok(Purged {
            sessions,
            rate_limits,
            deleted_items,
        })
    })
}

/// Purges every hour until the process ends; failures are logged and retried next hour.
pub fn spawn_hourly(pool: crate::db::PgPool) {
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every_hour.tick().await;
            let pool = pool.clone();
            let outcome = tokio::task::spawn_blocking(move || -> anyhow::Result<Purged> {
                let mut conn = pool.get()?;
                Ok(purge(&mut conn)?)
            })
            .await;
            match outcome {
                Ok(Ok(purged)) => tracing::info!(
                    sessions = purged.sessions,
                    rate_limits = purged.rate_limits,
                    deleted_items = purged.deleted_items,
                    "purged expired rows"
                ),
                Ok(Err(e)) => tracing::warn!(error = format!("{e:#}"), "hourly purge failed"),
                Err(e) => tracing::warn!(error = %e, "hourly purge panicked"),
            }
        }
    });
}
