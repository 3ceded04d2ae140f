//! The dashboard's figures.

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text, Timestamp};

use super::now;

/// Every figure of the dashboard, from one statement (and one to set it up).
#[derive(Debug, Clone, Default, QueryableByName)]
pub struct Totals {
    #[diesel(sql_type = BigInt)]
    pub users: i64,
    #[diesel(sql_type = BigInt)]
    pub users_active: i64,
    #[diesel(sql_type = BigInt)]
    pub users_verified: i64,
    #[diesel(sql_type = BigInt)]
    pub users_staff: i64,
    #[diesel(sql_type = BigInt)]
    pub users_new_7: i64,
    #[diesel(sql_type = BigInt)]
    pub users_new_30: i64,
    #[diesel(sql_type = BigInt)]
    pub plans: i64,
    #[diesel(sql_type = BigInt)]
    pub plans_draft: i64,
    #[diesel(sql_type = BigInt)]
    pub plans_published: i64,
    #[diesel(sql_type = BigInt)]
    pub plans_archived: i64,
    #[diesel(sql_type = BigInt)]
    pub plans_public: i64,
    #[diesel(sql_type = BigInt)]
    pub plans_shared: i64,
    #[diesel(sql_type = BigInt)]
    pub activities: i64,
    #[diesel(sql_type = BigInt)]
    pub sessions_active: i64,
    /// Actions counted by the rate limiter today (the `rate_limits` table), and the
    /// counters above zero.
    #[diesel(sql_type = BigInt)]
    pub rate_limit_hits: i64,
    #[diesel(sql_type = BigInt)]
    pub rate_limit_counters: i64,
    #[diesel(sql_type = BigInt)]
    pub database_bytes: i64,
}

pub fn totals(conn: &mut PgConnection) -> QueryResult<Totals> {
    // Times are computed here once, not per row.
    let now = now();
    diesel::sql_query(
        "SELECT u.*, p.*, r.*,
                (SELECT count(*) FROM plan_activities) AS activities,
                (SELECT count(*) FROM user_sessions
                  WHERE is_active IS DISTINCT FROM false AND expires_at > $1) AS sessions_active,
                pg_database_size(current_database()) AS database_bytes
           FROM (SELECT count(*) AS users,
                        count(*) FILTER (WHERE is_active IS DISTINCT FROM false) AS users_active,
                        count(*) FILTER (WHERE is_verified) AS users_verified,
                        count(*) FILTER (WHERE is_staff) AS users_staff,
                        count(*) FILTER (WHERE date_joined >= $2) AS users_new_7,
                        count(*) FILTER (WHERE date_joined >= $3) AS users_new_30
                   FROM users) u,
                (SELECT count(*) AS plans,
                        count(*) FILTER (WHERE coalesce(status, 'draft') = 'draft') AS plans_draft,
                        count(*) FILTER (WHERE status = 'published') AS plans_published,
                        count(*) FILTER (WHERE status = 'archived') AS plans_archived,
                        count(*) FILTER (WHERE is_public) AS plans_public,
                        count(*) FILTER (WHERE share_token IS NOT NULL) AS plans_shared
                   FROM plans) p,
                (SELECT coalesce(sum(request_count), 0)::bigint AS rate_limit_hits,
                        count(*) AS rate_limit_counters
                   FROM rate_limits WHERE reset_date = $4 AND request_count > 0) r",
    )
    .bind::<Timestamp, _>(now)
    .bind::<Timestamp, _>(now - chrono::TimeDelta::days(7))
    .bind::<Timestamp, _>(now - chrono::TimeDelta::days(30))
    .bind::<Date, _>(now.date())
    .get_result(conn)
}

/// How many users signed up (`series` = "users") and plans were created ("plans") on a day.
#[derive(Debug, Clone, QueryableByName)]
pub struct DailyCount {
    #[diesel(sql_type = Text)]
    pub series: String,
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// Sign-ups and new plans per day over the last `days` days (today included), in one
/// statement; days without any are absent.
pub fn daily_counts(conn: &mut PgConnection, days: i32) -> QueryResult<Vec<DailyCount>> {
    let first = Utc::now().date_naive() - chrono::Days::new(days.max(1) as u64 - 1);
    diesel::sql_query(
        "SELECT 'users' AS series, date_joined::date AS day, count(*) AS count
           FROM users WHERE date_joined >= $1 GROUP BY 2
         UNION ALL
         SELECT 'plans', created_at::date, count(*)
           FROM plans WHERE created_at >= $1 GROUP BY 2",
    )
    .bind::<Date, _>(first)
    .load(conn)
}
