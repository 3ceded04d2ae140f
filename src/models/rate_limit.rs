use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text};

use crate::db::schema::rate_limits;

#[derive(Clone, Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = rate_limits, check_for_backend(diesel::pg::Pg))]
pub struct RateLimit {
    pub id: i32,
    pub identifier: String,
    pub identifier_type: String,
    pub request_count: Option<i32>,
    pub last_request: Option<NaiveDateTime>,
    pub reset_date: Option<NaiveDate>,
    pub created_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = rate_limits)]
pub struct NewRateLimit<'a> {
    pub identifier: &'a str,
    pub identifier_type: &'a str,
    pub request_count: i32,
}

/// Keyset cursor of the counters list: (count, id) of the last row shown.
pub type CounterCursor = (i32, i32);

/// One page (`page_size + 1` rows) of today's counters in the `rate_limits` table, highest
/// first; counters at zero (a successful login gives its hit back) are left out.
pub fn today_counters(
    conn: &mut PgConnection,
    after: Option<CounterCursor>,
    page_size: i64,
) -> QueryResult<Vec<RateLimit>> {
    let mut query = rate_limits::table
        .filter(rate_limits::reset_date.eq(Utc::now().date_naive()))
        .filter(rate_limits::request_count.gt(0))
        .select(RateLimit::as_select())
        .order(sql::<Integer>(
            "coalesce(rate_limits.request_count, 0) DESC, rate_limits.id DESC",
        ))
        .limit(page_size + 1)
        .into_boxed();
    if let Some((count, id)) = after {
        query = query.filter(
            sql::<Bool>("(coalesce(rate_limits.request_count, 0), rate_limits.id) < (")
                .bind::<Integer, _>(count)
                .sql(", ")
                .bind::<Integer, _>(id)
                .sql(")"),
        );
    }
    query.load(conn)
}

/// Resets today's counter of one identifier and kind; returns how many rows went (0 or 1).
pub fn reset_counter(conn: &mut PgConnection, kind: &str, identifier: &str) -> QueryResult<usize> {
    diesel::delete(
        rate_limits::table
            .filter(rate_limits::identifier_type.eq(kind))
            .filter(rate_limits::identifier.eq(identifier))
            .filter(rate_limits::reset_date.eq(Utc::now().date_naive())),
    )
    .execute(conn)
}

/// The atomic upsert: one row per identifier, kind and day; adds `n` and returns the new
/// count.
pub fn add(conn: &mut PgConnection, kind: &str, identifier: &str, n: u32) -> QueryResult<i64> {
    let today = Utc::now().date_naive();
    let n = i32::try_from(n).unwrap_or(i32::MAX);
    let count: Option<i32> = diesel::insert_into(rate_limits::table)
        .values((
            rate_limits::identifier.eq(identifier),
            rate_limits::identifier_type.eq(kind),
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
            rate_limits::request_count.eq(sql::<Nullable<Integer>>(
                "coalesce(rate_limits.request_count, 0) + ",
            )
            .bind::<Integer, _>(n)),
            rate_limits::last_request.eq(Utc::now().naive_utc()),
        ))
        .returning(rate_limits::request_count)
        .get_result(conn)?;
    Ok(i64::from(count.unwrap_or(n)))
}

/// Takes `n` back from today's count (never below zero).
pub fn give_back(
    conn: &mut PgConnection,
    kind: &str,
    identifier: &str,
    n: i32,
) -> QueryResult<usize> {
    diesel::update(
        rate_limits::table
            .filter(rate_limits::identifier.eq(identifier))
            .filter(rate_limits::identifier_type.eq(kind))
            .filter(rate_limits::reset_date.eq(Utc::now().date_naive()))
            .filter(rate_limits::request_count.gt(0)),
    )
    .set(
        rate_limits::request_count.eq(sql::<Nullable<Integer>>(
            "greatest(rate_limits.request_count - ",
        )
        .bind::<Integer, _>(n)
        .sql(", 0)")),
    )
    .execute(conn)
}

/// One conditional upsert that counts a check of `pair` only when fewer than `free` were
/// counted or its back-off (`base` × 2ⁿ seconds, at most `max_backoff`) is over; whether it
/// was counted.
pub fn claim(
    conn: &mut PgConnection,
    kind: &str,
    pair: &str,
    free: i64,
    max_backoff: i64,
    base: i64,
) -> QueryResult<bool> {
    let counted = diesel::sql_query(
        "INSERT INTO rate_limits AS r (identifier, identifier_type, request_count, reset_date, last_request)
         VALUES ($1, $2, 1, (now() AT TIME ZONE 'UTC')::date, now() AT TIME ZONE 'UTC')
         ON CONFLICT (identifier, identifier_type, reset_date) DO UPDATE
           SET request_count = coalesce(r.request_count, 0) + 1, last_request = EXCLUDED.last_request
           WHERE coalesce(r.request_count, 0) < $3
              OR r.last_request + make_interval(secs => least($5 * 2 ^ least(r.request_count - $3, 20), $4))
                 <= EXCLUDED.last_request",
    )
    .bind::<Text, _>(pair)
    .bind::<Text, _>(kind)
    .bind::<BigInt, _>(free)
    .bind::<BigInt, _>(max_backoff)
    .bind::<BigInt, _>(base)
    .execute(conn)?;
    Ok(counted == 1)
}

/// Today's count of an identifier and when it last counted.
pub fn find_today(
    conn: &mut PgConnection,
    kind: &str,
    identifier: &str,
) -> QueryResult<Option<(Option<i32>, Option<NaiveDateTime>)>> {
    rate_limits::table
        .filter(rate_limits::identifier.eq(identifier))
        .filter(rate_limits::identifier_type.eq(kind))
        .filter(rate_limits::reset_date.eq(Utc::now().date_naive()))
        .select((rate_limits::request_count, rate_limits::last_request))
        .first(conn)
        .optional()
}

/// Forgets every day's count of one identifier and kind.
pub fn clear(conn: &mut PgConnection, kind: &str, identifier: &str) -> QueryResult<usize> {
    diesel::delete(
        rate_limits::table
            .filter(rate_limits::identifier_type.eq(kind))
            .filter(rate_limits::identifier.eq(identifier)),
    )
    .execute(conn)
}

/// Forgets the counts of every (account, client) pair of an account (`account|client`).
pub fn clear_pairs_of(conn: &mut PgConnection, kind: &str, account: &str) -> QueryResult<usize> {
    let escaped = account
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let pairs = format!("{escaped}|%");
    diesel::delete(
        rate_limits::table
            .filter(rate_limits::identifier_type.eq(kind))
            .filter(rate_limits::identifier.like(pairs)),
    )
    .execute(conn)
}

/// Removes counters of days before `cutoff`; returns how many.
pub fn purge_before(conn: &mut PgConnection, cutoff: NaiveDate) -> QueryResult<usize> {
    diesel::delete(rate_limits::table.filter(rate_limits::reset_date.lt(cutoff))).execute(conn)
}
