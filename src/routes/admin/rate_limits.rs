//! `/admin/rate-limits`: today's rate-limit counters, highest first, each with a reset.
//! They live in the `rate_limits` table, or in Redis when `REDIS_URL` is set.

use actix_web::{HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use chrono::{NaiveDateTime, Utc};
use serde::Deserialize;

use super::{audit, back_to, page_link, split_page};
use crate::auth::extractors::StaffUser;
use crate::config::{Collaboration, RateLimits};
use crate::db::{Actor, Db};
use crate::error::AppError;
use crate::models::rate_limit::{self, CounterCursor};
use crate::models::views::PAGE_SIZE;
use crate::pages::{Layout, render, see_other};
use crate::rate_limit::Kind;
use crate::state::AppState;

/// Counters shown from Redis, which has no order to page through.
const REDIS_SHOWN: usize = 4 * PAGE_SIZE as usize;

/// One counter of today, wherever it is kept.
pub struct Counter {
    pub kind: String,
    pub identifier: String,
    pub count: i64,
    pub last_request: Option<NaiveDateTime>,
    /// Today's limit for its kind, when it is a kind we know.
    pub limit: Option<u32>,
}

impl Counter {
    /// At or past its limit: further actions are refused until midnight UTC.
    pub fn blocked(&self) -> bool {
        self.limit
            .is_some_and(|limit| self.count >= i64::from(limit))
    }
}

const KINDS: [Kind; 10] = [
    Kind::LoginIp,
    Kind::LoginAccount,
    Kind::LoginPair,
    Kind::ProfileUpdate,
    Kind::SignupIp,
    Kind::MailAccount,
    Kind::PlanCreate,
    Kind::ActivityCreate,
    Kind::PlaceSearch,
    Kind::InvitationMail,
];

/// The daily limit of a kind; failed logins of an account and of a pair have none (the
/// first sends a notice, the second backs off).
fn limit_of(kind: &str, limits: &RateLimits, collaboration: &Collaboration) -> Option<u32> {
    let kind = KINDS.into_iter().find(|k| k.as_str() == kind)?;
    Some(match kind {
        Kind::LoginAccount | Kind::LoginPair => return None,
        Kind::ProfileUpdate => limits.profile_updates_per_account,
        Kind::LoginIp => limits.login_failures_per_ip,
        Kind::SignupIp => limits.signups_per_ip,
        Kind::MailAccount => limits.mails_per_account,
        Kind::PlanCreate => limits.plans_per_user,
        Kind::ActivityCreate => limits.activities_per_user,
        Kind::PlaceSearch => limits.place_searches_per_user,
        Kind::InvitationMail => collaboration.invitations_per_user,
    })
}

// ---------------------------------------------------------------- Redis

/// Where the counters are kept when not in the table: `REDIS_URL`.
pub fn redis_url(state: &AppState) -> Option<&str> {
    state.settings.redis_url.as_ref().map(|url| url.expose())
}

/// A connection of our own: these pages are rare, and the limiter's is not ours to share.
async fn redis_connection(url: &str) -> Result<redis::aio::MultiplexedConnection, AppError> {
    redis::Client::open(url)
        .map_err(unavailable)?
        .get_multiplexed_async_connection()
        .await
        .map_err(unavailable)
}

/// The prefix of today's keys; `crate::rate_limit` names keys
/// `wayfare:rl:<date>:<kind>:<identifier>`.
fn redis_prefix() -> String {
    format!("wayfare:rl:{}:", Utc::now().date_naive())
}

fn unavailable(e: redis::RedisError) -> AppError {
    AppError::Unavailable(format!("redis: {e}"))
}

/// Every counter of today in Redis (`SCAN`, then `MGET` in batches), highest first.
pub async fn redis_counters(url: &str) -> Result<Vec<Counter>, AppError> {
    let prefix = redis_prefix();
    let mut conn = redis_connection(url).await?;
    let keys = redis_keys(&mut conn, &prefix).await?;
    let mut counters = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(500) {
        let values: Vec<Option<i64>> = redis::cmd("MGET")
            .arg(chunk)
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        for (key, value) in chunk.iter().zip(values) {
            let (Some(count @ 1..), Some(rest)) = (value, key.strip_prefix(&prefix)) else {
                continue;
            };
            let Some((kind, identifier)) = rest.split_once(':') else {
                continue;
            };
            counters.push(Counter {
                kind: kind.to_string(),
                identifier: identifier.to_string(),
                count,
                last_request: None,
                limit: None,
            });
        }
    }
    counters.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.kind.cmp(&b.kind)));
    Ok(counters)
}

/// Every key starting with `prefix`, sorted, each once (`SCAN` may repeat a key).
async fn redis_keys(
    conn: &mut redis::aio::MultiplexedConnection,
    prefix: &str,
) -> Result<Vec<String>, AppError> {
    let mut keys: Vec<String> = Vec::new();
    let mut cursor: u64 = 0;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(conn)
            .await
            .map_err(unavailable)?;
        keys.extend(batch);
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    keys.sort();
    keys.dedup();
    Ok(keys)
}

// ---------------------------------------------------------------- list

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// Keyset cursor "<count>.<id>" (table only).
    after: String,
}

#[derive(Template)]
#[template(path = "admin/rate_limits.html")]
struct ListPage {
    layout: Layout,
    section: &'static str,
    counters: Vec<Counter>,
    in_redis: bool,
    /// Counters in Redis beyond those shown.
    not_shown: usize,
    next_page: Option<String>,
    first_page: bool,
    this_page: String,
}

fn parse_cursor(raw: &str) -> Option<CounterCursor> {
    let (count, id) = raw.split_once('.')?;
    Some((count.parse().ok()?, id.parse().ok()?))
}

pub async fn list(
    staff: StaffUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let after = parse_cursor(&query.after);
    let (mut counters, not_shown, next_page) = match redis_url(&state) {
        Some(url) => {
            let mut counters = redis_counters(url).await?;
            let not_shown = counters.len().saturating_sub(REDIS_SHOWN);
            counters.truncate(REDIS_SHOWN);
            (counters, not_shown, None)
        }
        None => {
            let (counters, next_page) = table_page(&db, after).await?;
            (counters, 0, next_page)
        }
    };
    for counter in &mut counters {
        counter.limit = limit_of(
            &counter.kind,
            &state.settings.limits,
            &state.settings.collaboration,
        );
    }
    render(&ListPage {
        layout: staff.layout,
        section: "rate_limits",
        counters,
        in_redis: redis_url(&state).is_some(),
        not_shown,
        next_page,
        first_page: after.is_none(),
        this_page: page_link(
            "/admin/rate-limits",
            &[],
            after.is_some().then_some(query.after.as_str()),
        ),
    })
}

/// A page of today's counters in the table, after `after`, and the link to the next page.
async fn table_page(
    db: &Db,
    after: Option<CounterCursor>,
) -> Result<(Vec<Counter>, Option<String>), AppError> {
    let mut rows = db
        .read_as(Actor::Staff, move |conn| {
            Ok(rate_limit::today_counters(conn, after, PAGE_SIZE)?)
        })
        .await?;
    let next_page = split_page(&mut rows).map(|last| {
        let cursor = format!("{}.{}", last.request_count.unwrap_or(0), last.id);
        page_link("/admin/rate-limits", &[], Some(&cursor))
    });
    let counters = rows
        .into_iter()
        .map(|r| Counter {
            kind: r.identifier_type,
            identifier: r.identifier,
            count: i64::from(r.request_count.unwrap_or(0)),
            last_request: r.last_request,
            limit: None,
        })
        .collect();
    Ok((counters, next_page))
}

// ---------------------------------------------------------------- reset

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResetForm {
    kind: String,
    identifier: String,
    next: String,
}

/// One counter, as a reset form names it.
struct CounterName {
    kind: String,
    identifier: String,
}

impl TryFrom<&ResetForm> for CounterName {
    type Error = AppError;

    /// Only what the columns can hold (and PostgreSQL text: no NUL).
    fn try_from(form: &ResetForm) -> Result<Self, AppError> {
        if form.kind.is_empty()
            || form.kind.chars().count() > 20
            || form.identifier.chars().count() > 255
            || form.kind.contains('\0')
            || form.identifier.contains('\0')
        {
            return Err(AppError::BadRequest(
                "That is not a rate-limit counter.".into(),
            ));
        }
        Ok(CounterName {
            kind: form.kind.clone(),
            identifier: form.identifier.clone(),
        })
    }
}

/// Resets today's counter of one identifier: its actions are allowed again at once.
pub async fn reset(
    staff: StaffUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    web::Form(form): web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let counter = CounterName::try_from(&form)?;
    let CounterName { kind, identifier } = &counter;
    if remove(&state, &db, &counter).await? > 0 {
        let target = format!("{kind}:{identifier}");
        audit(&staff, "rate_limit.reset", "rate_limit", &target, "");
        FlashMessage::info(format!("The {kind} counter of {identifier} is reset.")).send();
    } else {
        FlashMessage::info(format!(
            "The {kind} counter of {identifier} was already at zero."
        ))
        .send();
    }
    Ok(see_other(&back_to(&form.next, "/admin/rate-limits".into())))
}

/// Removes today's counter wherever it is kept; how many there were (0 or 1).
async fn remove(state: &AppState, db: &Db, counter: &CounterName) -> Result<usize, AppError> {
    let (kind, identifier) = (counter.kind.clone(), counter.identifier.clone());
    match redis_url(state) {
        Some(url) => {
            let key = format!("{}{kind}:{identifier}", redis_prefix());
            let mut conn = redis_connection(url).await?;
            redis::cmd("DEL")
                .arg(key)
                .query_async(&mut conn)
                .await
                .map_err(unavailable)
        }
        None => {
            db.write_as(Actor::Staff, move |conn| {
                Ok(rate_limit::reset_counter(conn, &kind, &identifier)?)
            })
            .await
        }
    }
}
