//! Daily rate limits, counted in the `rate_limits` table or, with `REDIS_URL`, in Redis.
//!
//! `hit` counts first and decides after, atomically (an upsert, or Redis INCR), so parallel
//! requests cannot slip past a limit between a read and a write. An action that turns out
//! not to count (a successful login) gives its hit back with `refund`.

use chrono::{NaiveTime, Utc};
use diesel::prelude::*;

use crate::db::Db;
use crate::db::schema::rate_limits;
use crate::error::AppError;

/// What is being limited; stored as `identifier_type`.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    LoginIp,
    LoginAccount,
    SignupIp,
    MailAccount,
    PlanCreate,
    ActivityCreate,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::LoginIp => "login_ip",
            Kind::LoginAccount => "login_account",
            Kind::SignupIp => "signup_ip",
            Kind::MailAccount => "mail_account",
            Kind::PlanCreate => "plan_create",
            Kind::ActivityCreate => "activity_create",
        }
    }
}

#[derive(Clone)]
pub struct RateLimiter {
    store: Store,
    /// Refusals by kind, for `/metrics`.
    hits: prometheus::IntCounterVec,
}

#[derive(Clone)]
enum Store {
    Table,
    Redis(redis::aio::ConnectionManager),
}

/// Seconds until the counters reset at midnight UTC.
fn seconds_to_reset() -> u64 {
    let now = Utc::now().naive_utc();
    let midnight = (now.date() + chrono::Days::new(1)).and_time(NaiveTime::MIN);
    (midnight - now).num_seconds().max(1) as u64
}

fn redis_key(kind: Kind, identifier: &str) -> String {
    format!(
        "wayfare:rl:{}:{}:{}",
        Utc::now().date_naive(),
        kind.as_str(),
        identifier
    )
}

impl RateLimiter {
    pub async fn connect(
        redis_url: Option<&str>,
        hits: prometheus::IntCounterVec,
    ) -> anyhow::Result<Self> {
        let store = match redis_url {
            None => Store::Table,
            Some(url) => {
                let client = redis::Client::open(url)
                    .map_err(|e| anyhow::anyhow!("REDIS_URL is not valid: {e}"))?;
                let manager = redis::aio::ConnectionManager::new(client)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot reach Redis: {e}"))?;
                Store::Redis(manager)
            }
        };
        Ok(RateLimiter { store, hits })
    }

    /// Counts one action; `TooManyRequests` once today's count passes `max`.
    pub async fn hit(
        &self,
        db: &Db,
        kind: Kind,
        identifier: &str,
        max: u32,
    ) -> Result<(), AppError> {
        let count = self.add(db, kind, identifier, 1).await?;
        if count > i64::from(max) {
            return Err(self.refused(kind));
        }
        Ok(())
    }

    /// Counts `n` actions at once (the activities of an import or a copy). When they would
    /// pass `max`, they are given back and the answer is `TooManyRequests`: a refused
    /// import costs nothing of the day's allowance.
    pub async fn hit_many(
        &self,
        db: &Db,
        kind: Kind,
        identifier: &str,
        n: u32,
        max: u32,
    ) -> Result<(), AppError> {
        if n == 0 {
            return Ok(());
        }
        let count = self.add(db, kind, identifier, n).await?;
        if count > i64::from(max) {
            self.give_back(db, kind, identifier, n).await?;
            return Err(self.refused(kind));
        }
        Ok(())
    }

    /// Gives back one counted action.
    pub async fn refund(&self, db: &Db, kind: Kind, identifier: &str) -> Result<(), AppError> {
        self.give_back(db, kind, identifier, 1).await
    }

    fn refused(&self, kind: Kind) -> AppError {
        tracing::info!(kind = kind.as_str(), "rate limit reached");
        self.hits.with_label_values(&[kind.as_str()]).inc();
        AppError::TooManyRequests {
            retry_after_secs: seconds_to_reset(),
        }
    }

    /// Adds `n` to today's count atomically; returns the new count.
    async fn add(&self, db: &Db, kind: Kind, identifier: &str, n: u32) -> Result<i64, AppError> {
        match &self.store {
            Store::Table => {
                let identifier = identifier.to_string();
                db.write(move |conn| Ok(count_in_table(conn, kind, &identifier, n)?))
                    .await
            }
            Store::Redis(manager) => {
                let key = redis_key(kind, identifier);
                let mut conn = manager.clone();
                let (count, _): (i64, bool) = redis::pipe()
                    .atomic()
                    .incr(&key, n)
                    .expire(&key, 2 * 86_400)
                    .query_async(&mut conn)
                    .await
                    .map_err(redis_unavailable)?;
                Ok(count)
            }
        }
    }

    async fn give_back(
        &self,
        db: &Db,
        kind: Kind,
        identifier: &str,
        n: u32,
    ) -> Result<(), AppError> {
        let n = i32::try_from(n).unwrap_or(i32::MAX);
        match &self.store {
            Store::Table => {
                let identifier = identifier.to_string();
                db.write(move |conn| {
                    diesel::update(
                        rate_limits::table
                            .filter(rate_limits::identifier.eq(&identifier))
                            .filter(rate_limits::identifier_type.eq(kind.as_str()))
                            .filter(rate_limits::reset_date.eq(Utc::now().date_naive()))
                            .filter(rate_limits::request_count.gt(0)),
                    )
                    .set(
                        rate_limits::request_count.eq(diesel::dsl::sql::<
                            diesel::sql_types::Nullable<diesel::sql_types::Integer>,
                        >(
                            "greatest(rate_limits.request_count - "
                        )
                        .bind::<diesel::sql_types::Integer, _>(n)
                        .sql(", 0)")),
                    )
                    .execute(conn)?;
                    Ok(())
                })
                .await
            }
            Store::Redis(manager) => {
                let mut conn = manager.clone();
                let _: i64 = redis::cmd("DECRBY")
                    .arg(redis_key(kind, identifier))
                    .arg(n)
                    .query_async(&mut conn)
                    .await
                    .map_err(redis_unavailable)?;
                Ok(())
            }
        }
    }
}

/// The atomic upsert: one row per identifier, kind and day.
pub fn count_in_table(
    conn: &mut PgConnection,
    kind: Kind,
    identifier: &str,
    n: u32,
) -> QueryResult<i64> {
    let today = Utc::now().date_naive();
    let n = i32::try_from(n).unwrap_or(i32::MAX);
    let count: Option<i32> = diesel::insert_into(rate_limits::table)
        .values((
            rate_limits::identifier.eq(identifier),
            rate_limits::identifier_type.eq(kind.as_str()),
            rate_limits::request_count.eq(n),
            rate_limits::reset_date.eq(today),
            rate_limits::last_request.eq(Utc::now().naive_utc()),
        ))
        .on_conflict((
            rate_limits::identifier,
            rate_limits::identifier_type,
            rate_limits::reset_date,
        ))
        .do_update()
        .set((
            rate_limits::request_count.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::Integer>,
            >(
                "coalesce(rate_limits.request_count, 0) + "
            )
            .bind::<diesel::sql_types::Integer, _>(n)),
            rate_limits::last_request.eq(Utc::now().naive_utc()),
        ))
        .returning(rate_limits::request_count)
        .get_result(conn)?;
    Ok(i64::from(count.unwrap_or(n)))
}

fn redis_unavailable(e: redis::RedisError) -> AppError {
    AppError::Unavailable(format!("redis: {e}"))
}
