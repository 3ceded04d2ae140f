//! Daily rate limits, counted in the `rate_limits` table or, with `REDIS_URL`, in Redis.
//!
//! `hit` counts first and decides after, atomically (an upsert, or Redis INCR), so parallel
//! requests cannot slip past a limit between a read and a write. An action that turns out
//! not to count (a successful login) gives its hit back with `refund`.
//!
//! Password checks are throttled per (account, client) pair instead of per account, so that
//! nobody can lock an owner out by failing on purpose: `claim_password_check` lets a pair
//! fail `LOGIN_FREE_FAILURES` times (5), then makes it wait `LOGIN_BACKOFF_SECS` (1 s),
//! twice that, four times … (at most `MAX_BACKOFF_SECS`) after each further failure. A client that has not failed itself is
//! never slowed by someone else's failures.

use chrono::{NaiveTime, Utc};
use diesel::prelude::*;

use crate::db::Db;
use crate::error::AppError;
use crate::models::rate_limit;

/// What is being limited; stored as `identifier_type`.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    LoginIp,
    LoginAccount,
    SignupIp,
    MailAccount,
    PlanCreate,
    ActivityCreate,
    /// Failed password checks of one (account, client) pair: the back-off.
    LoginPair,
    ProfileUpdate,
    /// Place searches of one user (the form's and the suggestions').
    PlaceSearch,
    /// Invitation mails one user sends to join their plans, new and sent again.
    InvitationMail,
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
            Kind::LoginPair => "login_pair",
            Kind::ProfileUpdate => "profile_update",
            Kind::PlaceSearch => "place_search",
            Kind::InvitationMail => "invitation_mail",
        }
    }
}

#[derive(Clone)]
pub struct RateLimiter {
    store: Store,
    /// Failures a pair may make before it has to wait (`LOGIN_FREE_FAILURES`).
    free_failures: i64,
    /// The first wait after those (`LOGIN_BACKOFF_SECS`).
    backoff_base: i64,
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

/// The longest wait between two password checks of one pair: never a whole-day lockout.
pub const MAX_BACKOFF_SECS: i64 = 15 * 60;

/// How long a pair that has failed `failures` times, `free` of them without waiting, waits
/// after its last failure, when the first wait is `base` seconds.
pub fn backoff_secs(failures: i64, free: i64, base: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let doublings = (failures - free).min(20) as u32;
    base.saturating_mul(1i64 << doublings).min(MAX_BACKOFF_SECS)
}

/// The identifier of an (account, client) pair; `account` never contains `|`.
pub fn pair_key(account: &str, client: &str) -> String {
    format!("{account}|{client}").chars().take(255).collect()
}

/// Whether a pair may check a password now.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// Go ahead; counted as a failure until `clear_pair` says otherwise.
    Granted,
    /// Too soon after this pair's last failure.
    Wait { secs: u64 },
}

/// Redis keeps a pair's failures in the counter key (shown on the admin page like any
/// other) and the time of its last failure (Unix milliseconds) beside it; the script
/// decides and counts in one step, and answers the seconds still to wait (0: granted).
const CLAIM_SCRIPT: &str = r"
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local now, free, cap, base = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if failures >= free then
  local wait = math.min(base * 2 ^ math.min(failures - free, 20), cap) * 1000
  if last + wait > now then return math.ceil((last + wait - now) / 1000) end
end
redis.call('INCR', KEYS[1])
redis.call('SET', KEYS[2], now)
redis.call('EXPIRE', KEYS[1], 172800)
redis.call('EXPIRE', KEYS[2], 172800)
return 0
";

fn redis_last_key(identifier: &str) -> String {
    format!("wayfare:lp-last:{}:{identifier}", Utc::now().date_naive())
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
        backoff: (u32, u32),
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
        Ok(RateLimiter {
            store,
            free_failures: i64::from(backoff.0),
            backoff_base: i64::from(backoff.1),
            hits,
        })
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
                db.write(move |conn| Ok(rate_limit::add(conn, kind.as_str(), &identifier, n)?))
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
                    rate_limit::give_back(conn, kind.as_str(), &identifier, n)?;
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

    /// Counts one action without a limit; returns today's count, this one included.
    pub async fn count(&self, db: &Db, kind: Kind, identifier: &str) -> Result<i64, AppError> {
        self.add(db, kind, identifier, 1).await
    }

    /// Claims one password check for a pair (see the module doc): granted and counted as a
    /// failure, or refused with the seconds to wait. Atomic, so parallel guesses from one
    /// pair cannot all slip in.
    pub async fn claim_password_check(&self, db: &Db, pair: &str) -> Result<Claim, AppError> {
        let wait = match &self.store {
            Store::Table => {
                let (pair, free, base) = (pair.to_string(), self.free_failures, self.backoff_base);
                db.write(move |conn| Ok(claim_in_table(conn, &pair, free, base)?))
                    .await?
            }
            Store::Redis(manager) => {
                let mut conn = manager.clone();
                let wait: i64 = redis::Script::new(CLAIM_SCRIPT)
                    .key(redis_key(Kind::LoginPair, pair))
                    .key(redis_last_key(pair))
                    .arg(Utc::now().timestamp_millis())
                    .arg(self.free_failures)
                    .arg(MAX_BACKOFF_SECS)
                    .arg(self.backoff_base)
                    .invoke_async(&mut conn)
                    .await
                    .map_err(redis_unavailable)?;
                wait
            }
        };
        if wait > 0 {
            tracing::info!(
                kind = Kind::LoginPair.as_str(),
                "password checks backing off"
            );
            self.hits
                .with_label_values(&[Kind::LoginPair.as_str()])
                .inc();
            return Ok(Claim::Wait { secs: wait as u64 });
        }
        Ok(Claim::Granted)
    }

    /// Forgets a pair's failures: its password was right.
    pub async fn clear_pair(&self, db: &Db, pair: &str) -> Result<(), AppError> {
        match &self.store {
            Store::Table => {
                let pair = pair.to_string();
                db.write(move |conn| {
                    rate_limit::clear(conn, Kind::LoginPair.as_str(), &pair)?;
                    Ok(())
                })
                .await
            }
            Store::Redis(manager) => {
                let mut conn = manager.clone();
                let _: i64 = redis::cmd("DEL")
                    .arg(redis_key(Kind::LoginPair, pair))
                    .arg(redis_last_key(pair))
                    .query_async(&mut conn)
                    .await
                    .map_err(redis_unavailable)?;
                Ok(())
            }
        }
    }

    /// Forgets every failure counted against an account (`account` as in `pair_key`), from
    /// every client: its owner has just proved who they are with a reset link.
    pub async fn clear_account(&self, db: &Db, account: &str) -> Result<(), AppError> {
        match &self.store {
            Store::Table => {
                let account = account.to_string();
                db.write(move |conn| {
                    rate_limit::clear_pairs_of(conn, Kind::LoginPair.as_str(), &account)?;
                    rate_limit::clear(conn, Kind::LoginAccount.as_str(), &account)?;
                    Ok(())
                })
                .await
            }
            Store::Redis(manager) => {
                let mut conn = manager.clone();
                let today = Utc::now().date_naive();
                let patterns = [
                    format!(
                        "wayfare:rl:{today}:{}:{account}|*",
                        Kind::LoginPair.as_str()
                    ),
                    format!("wayfare:lp-last:{today}:{account}|*"),
                ];
                let mut keys = vec![redis_key(Kind::LoginAccount, account)];
                for pattern in patterns {
                    use redis::AsyncCommands;
                    let mut found: redis::AsyncIter<String> =
                        conn.scan_match(&pattern).await.map_err(redis_unavailable)?;
                    while let Some(key) = futures_util::StreamExt::next(&mut found).await {
                        keys.push(key.map_err(redis_unavailable)?);
                    }
                }
                let _: i64 = redis::cmd("DEL")
                    .arg(&keys)
                    .query_async(&mut conn)
                    .await
                    .map_err(redis_unavailable)?;
                Ok(())
            }
        }
    }
}

/// The table's version of `CLAIM_SCRIPT`: counts the check only when the pair's wait is
/// over; returns the seconds still to wait (0: granted).
fn claim_in_table(conn: &mut PgConnection, pair: &str, free: i64, base: i64) -> QueryResult<i64> {
    let kind = Kind::LoginPair.as_str();
    if rate_limit::claim(conn, kind, pair, free, MAX_BACKOFF_SECS, base)? {
        return Ok(0);
    }
    // Cleared between the two statements: try again in a second.
    let Some((failures, last)) = rate_limit::find_today(conn, kind, pair)? else {
        return Ok(1);
    };
    let ready = last.unwrap_or_default()
        + chrono::TimeDelta::seconds(backoff_secs(i64::from(failures.unwrap_or(0)), free, base));
    let left_ms = (ready - Utc::now().naive_utc()).num_milliseconds();
    Ok(((left_ms + 999) / 1000).max(1))
}

fn redis_unavailable(e: redis::RedisError) -> AppError {
    AppError::Unavailable(format!("redis: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_after_the_free_failures_and_stops_at_the_cap() {
        let waits: Vec<i64> = (0..9).map(|n| backoff_secs(n, 5, 1)).collect();
        assert_eq!(waits, [0, 0, 0, 0, 0, 1, 2, 4, 8]);
        assert_eq!(backoff_secs(6, 5, 60), 120);
        assert_eq!(backoff_secs(40, 5, 1), MAX_BACKOFF_SECS);
        assert_eq!(backoff_secs(i64::MAX, 5, i64::MAX), MAX_BACKOFF_SECS);
    }
}
