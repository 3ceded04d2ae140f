//! The staff pages' queries. Each page runs a fixed number of statements whatever the
//! data (counts come from subqueries, never one query per row), lists use keyset
//! pagination on an indexed order, and rules that protect the staff accounts are checked
//! under row locks, so two staff members acting at once cannot both pass them.
//!
//! `plans` and `plan_activities` have row-level security: callers run these inside a
//! transaction acting as `Actor::Staff`.

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Text, Timestamp};

use crate::db::schema::{
    archived_plans, plan_activities, plans, rate_limits, user_sessions, users,
};
use crate::models::plan::{Plan, like_pattern};
use crate::models::plan_activity::{self, PlanActivity};
use crate::models::rate_limit::RateLimit;
use crate::models::user::{self, User};
use crate::models::user_session::{self, UserSession};

/// Rows per page of every admin list.
pub const PAGE_SIZE: i64 = 50;
/// Plans shown on a user's page; the plans list shows them all.
pub const USER_PAGE_PLANS: i64 = 50;

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

// ---------------------------------------------------------------- dashboard

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

// ---------------------------------------------------------------- users

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserSort {
    /// Newest account first (by id, the primary key's order).
    #[default]
    Newest,
    Oldest,
    Email,
    Username,
    /// Most recent login first; never logged in last.
    LastLogin,
}

impl UserSort {
    pub const ALL: [UserSort; 5] = [
        UserSort::Newest,
        UserSort::Oldest,
        UserSort::Email,
        UserSort::Username,
        UserSort::LastLogin,
    ];

    pub fn parse(raw: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .unwrap_or_default()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            UserSort::Newest => "newest",
            UserSort::Oldest => "oldest",
            UserSort::Email => "email",
            UserSort::Username => "username",
            UserSort::LastLogin => "last_login",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UserSort::Newest => "Newest first",
            UserSort::Oldest => "Oldest first",
            UserSort::Email => "E-mail",
            UserSort::Username => "Username",
            UserSort::LastLogin => "Last login",
        }
    }

    /// The keyset cursor that continues after `user` in this order.
    pub fn cursor_after(self, user: &User) -> String {
        match self {
            UserSort::Newest | UserSort::Oldest => user.id.to_string(),
            UserSort::Email => user.email.clone(),
            UserSort::Username => user.username.clone(),
            UserSort::LastLogin => match user.last_login {
                Some(t) => format!("{}.{}", t.and_utc().timestamp_micros(), user.id),
                None => format!("never.{}", user.id),
            },
        }
    }

    /// A cursor from a link, if it is one of this order's.
    pub fn parse_cursor(self, raw: &str) -> Option<UserCursor> {
        if raw.is_empty() {
            return None;
        }
        match self {
            UserSort::Newest | UserSort::Oldest => raw.parse().ok().map(UserCursor::Id),
            // At most a column's length, and no NUL (PostgreSQL text cannot hold it).
            UserSort::Email | UserSort::Username => (raw.chars().count() <= 255
                && !raw.contains('\0'))
            .then(|| UserCursor::Text(raw.to_string())),
            UserSort::LastLogin => {
                let (time, id) = raw.split_once('.')?;
                let id = id.parse().ok()?;
                let time = match time {
                    "never" => None,
                    micros => Some(
                        chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc(),
                    ),
                };
                Some(UserCursor::LastLogin(time, id))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserCursor {
    Id(i32),
    Text(String),
    LastLogin(Option<NaiveDateTime>, i32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Google,
    Facebook,
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Part of the e-mail, username, or first and last name.
    pub search: Option<String>,
    pub active: Option<bool>,
    pub verified: Option<bool>,
    pub staff: Option<bool>,
    pub provider: Option<Provider>,
    pub sort: UserSort,
    pub after: Option<UserCursor>,
}

pub struct UserRow {
    pub user: User,
    pub plans: i64,
    pub sessions: i64,
}

/// One page (`PAGE_SIZE + 1` rows: the extra one says there is a next page) of users, each
/// with their plan and active-session counts, in one statement.
pub fn list_users(conn: &mut PgConnection, filter: &UserFilter) -> QueryResult<Vec<UserRow>> {
    let plan_count = plans::table
        .filter(plans::user_id.eq(users::id))
        .count()
        .single_value();
    let session_count = user_sessions::table
        .filter(user_sessions::user_id.eq(users::id))
        .filter(user_sessions::is_active.is_distinct_from(false))
        .filter(user_sessions::expires_at.gt(now()))
        .count()
        .single_value();
    let mut query = users::table
        .select((User::as_select(), plan_count, session_count))
        .limit(PAGE_SIZE + 1)
        .into_boxed();
    if let Some(search) = &filter.search {
        let pattern = like_pattern(search);
        query = query.filter(
            users::email
                .ilike(pattern.clone())
                .or(users::username.ilike(pattern.clone()))
                .or(
                    sql::<Bool>("concat_ws(' ', users.first_name, users.last_name) ILIKE ")
                        .bind::<Text, _>(pattern),
                ),
        );
    }
    match filter.active {
        Some(true) => query = query.filter(users::is_active.is_distinct_from(false)),
        Some(false) => query = query.filter(users::is_active.eq(false)),
        None => {}
    }
    match filter.verified {
        Some(true) => query = query.filter(users::is_verified.eq(true)),
        Some(false) => query = query.filter(users::is_verified.is_distinct_from(true)),
        None => {}
    }
    match filter.staff {
        Some(true) => query = query.filter(users::is_staff.eq(true)),
        Some(false) => query = query.filter(users::is_staff.is_distinct_from(true)),
        None => {}
    }
    match filter.provider {
        Some(Provider::Google) => query = query.filter(users::google_id.is_not_null()),
        Some(Provider::Facebook) => query = query.filter(users::facebook_id.is_not_null()),
        None => {}
    }
    query = match filter.sort {
        UserSort::Newest => query.order(users::id.desc()),
        UserSort::Oldest => query.order(users::id.asc()),
        UserSort::Email => query.order(users::email.asc()),
        UserSort::Username => query.order(users::username.asc()),
        UserSort::LastLogin => {
            query.order((users::last_login.desc().nulls_last(), users::id.desc()))
        }
    };
    match (filter.sort, &filter.after) {
        (UserSort::Newest, Some(UserCursor::Id(id))) => query = query.filter(users::id.lt(*id)),
        (UserSort::Oldest, Some(UserCursor::Id(id))) => query = query.filter(users::id.gt(*id)),
        (UserSort::Email, Some(UserCursor::Text(email))) => {
            query = query.filter(users::email.gt(email.clone()))
        }
        (UserSort::Username, Some(UserCursor::Text(name))) => {
            query = query.filter(users::username.gt(name.clone()))
        }
        (UserSort::LastLogin, Some(UserCursor::LastLogin(Some(t), id))) => {
            query = query.filter(
                users::last_login
                    .lt(*t)
                    .or(users::last_login.eq(*t).and(users::id.lt(*id)))
                    .or(users::last_login.is_null()),
            )
        }
        (UserSort::LastLogin, Some(UserCursor::LastLogin(None, id))) => {
            query = query.filter(users::last_login.is_null().and(users::id.lt(*id)))
        }
        _ => {}
    }
    let rows: Vec<(User, Option<i64>, Option<i64>)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user, plans, sessions)| UserRow {
            user,
            plans: plans.unwrap_or(0),
            sessions: sessions.unwrap_or(0),
        })
        .collect())
}

/// A plan without its (possibly large) `plan_data`, for lists.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = plans, check_for_backend(diesel::pg::Pg))]
pub struct PlanSummary {
    pub id: i32,
    pub user_id: i32,
    pub title: String,
    pub destination: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub status: Option<String>,
    pub is_public: Option<bool>,
    pub share_token: Option<String>,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

impl PlanSummary {
    pub fn status_or_default(&self) -> &str {
        self.status.as_deref().unwrap_or("draft")
    }
    pub fn public(&self) -> bool {
        self.is_public.unwrap_or(false)
    }
    pub fn shared(&self) -> bool {
        self.share_token.is_some()
    }
}

pub struct UserDetail {
    pub user: User,
    /// The newest `USER_PAGE_PLANS` plans, each with its activity count.
    pub plans: Vec<(PlanSummary, i64)>,
    pub plan_total: i64,
    pub sessions: Vec<UserSession>,
}

/// A user's page: four statements, however many plans and sessions they have.
pub fn user_detail(conn: &mut PgConnection, id: i32) -> QueryResult<UserDetail> {
    let user = user::find(conn, id)?;
    let activity_count = plan_activities::table
        .filter(plan_activities::plan_id.eq(plans::id))
        .count()
        .single_value();
    let plans: Vec<(PlanSummary, Option<i64>)> = plans::table
        .filter(plans::user_id.eq(id))
        .select((PlanSummary::as_select(), activity_count))
        .order((plans::updated_at.desc(), plans::id.desc()))
        .limit(USER_PAGE_PLANS)
        .load(conn)?;
    let plan_total = plans::table
        .filter(plans::user_id.eq(id))
        .count()
        .get_result(conn)?;
    let sessions = user_session::list_active(conn, id)?;
    Ok(UserDetail {
        user,
        plans: plans
            .into_iter()
            .map(|(p, n)| (p, n.unwrap_or(0)))
            .collect(),
        plan_total,
        sessions,
    })
}

/// What deleting a user takes with them, for the confirmation page.
pub struct DeletionPreview {
    pub user: User,
    pub plans: i64,
    pub activities: i64,
    pub sessions: i64,
}

pub fn deletion_preview(conn: &mut PgConnection, id: i32) -> QueryResult<DeletionPreview> {
    let user = user::find(conn, id)?;
    let (plans, activities, sessions) = diesel::select((
        plans::table
            .filter(plans::user_id.eq(id))
            .count()
            .single_value(),
        plan_activities::table
            .inner_join(plans::table)
            .filter(plans::user_id.eq(id))
            .count()
            .single_value(),
        user_sessions::table
            .filter(user_sessions::user_id.eq(id))
            .count()
            .single_value(),
    ))
    .get_result::<(Option<i64>, Option<i64>, Option<i64>)>(conn)?;
    Ok(DeletionPreview {
        user,
        plans: plans.unwrap_or(0),
        activities: activities.unwrap_or(0),
        sessions: sessions.unwrap_or(0),
    })
}

// ---------------------------------------------------------------- user actions

/// Why a change to an account was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Staff cannot deactivate, demote or delete their own account here.
    OwnAccount,
    /// It would leave no active staff account.
    LastStaff,
    /// The staff member asking lost their staff rights (or was deactivated) meanwhile.
    NotStaff,
}

/// Locks the active staff accounts for the rest of the transaction, in id order (so
/// concurrent admin actions queue instead of deadlocking), and returns their ids. A
/// transaction that waited sees the accounts as the one before it left them: two staff
/// members removing each other at once cannot both succeed. (`FOR NO KEY UPDATE`: logins,
/// whose new session row only takes a key-share lock on its user, are not held up.)
fn lock_active_staff(conn: &mut PgConnection) -> QueryResult<Vec<i32>> {
    users::table
        .filter(users::is_staff.eq(true))
        .filter(users::is_active.is_distinct_from(false))
        .order(users::id)
        .select(users::id)
        .for_no_key_update()
        .load(conn)
}

/// The actor must still be active staff; for a removal (`target` given), the target must
/// be someone else and not the last active staff account.
fn check_staff_rules(
    conn: &mut PgConnection,
    actor_id: i32,
    target: Option<i32>,
) -> QueryResult<Result<(), Refused>> {
    let staff = lock_active_staff(conn)?;
    if !staff.contains(&actor_id) {
        return Ok(Err(Refused::NotStaff));
    }
    if let Some(target) = target {
        if target == actor_id {
            return Ok(Err(Refused::OwnAccount));
        }
        if staff.contains(&target) && staff.len() <= 1 {
            return Ok(Err(Refused::LastStaff));
        }
    }
    Ok(Ok(()))
}

/// The user, locked for the rest of the transaction; `NotFound` when there is none.
fn lock_user(conn: &mut PgConnection, id: i32) -> QueryResult<User> {
    users::table
        .find(id)
        .select(User::as_select())
        .for_no_key_update()
        .first(conn)
}

/// Deactivates the account and ends every session it has; returns the user as they were
/// and how many sessions ended.
pub fn deactivate(
    conn: &mut PgConnection,
    actor_id: i32,
    id: i32,
) -> QueryResult<Result<(User, usize), Refused>> {
    if let Err(refused) = check_staff_rules(conn, actor_id, Some(id))? {
        return Ok(Err(refused));
    }
    let before = lock_user(conn, id)?;
    diesel::update(users::table.find(id))
        .set(users::is_active.eq(false))
        .execute(conn)?;
    let ended = user_session::revoke_all_except(conn, id, None)?;
    Ok(Ok((before, ended)))
}

/// Sets one flag of an account that needs no rule beyond the actor being staff.
pub fn set_flag(
    conn: &mut PgConnection,
    actor_id: i32,
    id: i32,
    flag: Flag,
) -> QueryResult<Result<User, Refused>> {
    if let Err(refused) = check_staff_rules(conn, actor_id, None)? {
        return Ok(Err(refused));
    }
    let before = lock_user(conn, id)?;
    let target = users::table.find(id);
    match flag {
        Flag::Active => diesel::update(target)
            .set(users::is_active.eq(true))
            .execute(conn)?,
        Flag::Verified => diesel::update(target)
            .set(users::is_verified.eq(true))
            .execute(conn)?,
        Flag::Staff => diesel::update(target)
            .set(users::is_staff.eq(true))
            .execute(conn)?,
    };
    Ok(Ok(before))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Active,
    Verified,
    Staff,
}

/// Removes the staff flag: never one's own, never the last active staff account's.
pub fn revoke_staff(
    conn: &mut PgConnection,
    actor_id: i32,
    id: i32,
) -> QueryResult<Result<User, Refused>> {
    if let Err(refused) = check_staff_rules(conn, actor_id, Some(id))? {
        return Ok(Err(refused));
    }
    let before = lock_user(conn, id)?;
    diesel::update(users::table.find(id))
        .set(users::is_staff.eq(false))
        .execute(conn)?;
    Ok(Ok(before))
}

/// Deletes the account with everything it owns: plans, activities and sessions go by
/// `ON DELETE CASCADE`; archived plans (no foreign key) are deleted here.
pub fn delete_user(
    conn: &mut PgConnection,
    actor_id: i32,
    id: i32,
) -> QueryResult<Result<DeletionPreview, Refused>> {
    if let Err(refused) = check_staff_rules(conn, actor_id, Some(id))? {
        return Ok(Err(refused));
    }
    lock_user(conn, id)?;
    let preview = deletion_preview(conn, id)?;
    diesel::delete(archived_plans::table.filter(archived_plans::user_id.eq(id))).execute(conn)?;
    user::delete(conn, id)?;
    Ok(Ok(preview))
}

// ---------------------------------------------------------------- plans

#[derive(Debug, Clone, Default)]
pub struct PlanFilter {
    /// Part of the title or destination.
    pub search: Option<String>,
    pub status: Option<String>,
    pub public: Option<bool>,
    /// The owner's id, username or e-mail.
    pub owner: Option<String>,
    /// Keyset cursor: plans with a smaller id (newest first).
    pub after: Option<i32>,
}

pub struct PlanRow {
    pub plan: PlanSummary,
    pub owner: String,
    pub activities: i64,
}

/// One page (`PAGE_SIZE + 1` rows) of every user's plans, newest first, each with its
/// owner and activity count, in one statement.
pub fn list_plans(conn: &mut PgConnection, filter: &PlanFilter) -> QueryResult<Vec<PlanRow>> {
    let activity_count = plan_activities::table
        .filter(plan_activities::plan_id.eq(plans::id))
        .count()
        .single_value();
    let mut query = plans::table
        .inner_join(users::table)
        .select((PlanSummary::as_select(), users::username, activity_count))
        .order(plans::id.desc())
        .limit(PAGE_SIZE + 1)
        .into_boxed();
    if let Some(search) = &filter.search {
        let pattern = like_pattern(search);
        query = query.filter(
            plans::title
                .ilike(pattern.clone())
                .or(plans::destination.ilike(pattern)),
        );
    }
    match filter.status.as_deref() {
        Some("draft") => {
            query = query.filter(plans::status.eq("draft").or(plans::status.is_null()))
        }
        Some(status) => query = query.filter(plans::status.eq(status.to_string())),
        None => {}
    }
    match filter.public {
        Some(true) => query = query.filter(plans::is_public.eq(true)),
        Some(false) => query = query.filter(plans::is_public.is_distinct_from(true)),
        None => {}
    }
    if let Some(owner) = &filter.owner {
        query = match owner.parse::<i32>() {
            Ok(id) => query.filter(plans::user_id.eq(id)),
            Err(_) => query.filter(
                sql::<Bool>("(lower(users.username) = lower(")
                    .bind::<Text, _>(owner.clone())
                    .sql(") OR lower(users.email) = lower(")
                    .bind::<Text, _>(owner.clone())
                    .sql("))"),
            ),
        };
    }
    if let Some(after) = filter.after {
        query = query.filter(plans::id.lt(after));
    }
    let rows: Vec<(PlanSummary, String, Option<i64>)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(plan, owner, activities)| PlanRow {
            plan,
            owner,
            activities: activities.unwrap_or(0),
        })
        .collect())
}

pub struct PlanDetail {
    pub plan: Plan,
    pub owner: User,
    pub activities: Vec<PlanActivity>,
}

pub fn plan_detail(conn: &mut PgConnection, id: i32) -> QueryResult<PlanDetail> {
    let plan: Plan = plans::table
        .find(id)
        .select(Plan::as_select())
        .first(conn)?;
    let owner = user::find(conn, plan.user_id)?;
    let activities = plan_activity::list_for_plan(conn, id)?;
    Ok(PlanDetail {
        plan,
        owner,
        activities,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderation {
    /// Makes the plan private (off Explore).
    Unpublish,
    /// Sets its status to archived.
    Archive,
    /// Removes its share token: the link dies at once.
    RevokeShare,
}

impl Moderation {
    pub fn as_str(self) -> &'static str {
        match self {
            Moderation::Unpublish => "plan.unpublish",
            Moderation::Archive => "plan.archive",
            Moderation::RevokeShare => "plan.revoke_share",
        }
    }
}

/// Applies a moderation action; returns the owner's id and whether anything changed
/// (`false`: the plan was already that way). `NotFound` for a missing plan.
pub fn moderate(conn: &mut PgConnection, id: i32, action: Moderation) -> QueryResult<(i32, bool)> {
    let owner: i32 = plans::table
        .find(id)
        .select(plans::user_id)
        .for_no_key_update()
        .first(conn)?;
    let target = plans::table.find(id);
    let changed = match action {
        Moderation::Unpublish => diesel::update(target.filter(plans::is_public.eq(true)))
            .set(plans::is_public.eq(false))
            .execute(conn)?,
        Moderation::Archive => {
            diesel::update(target.filter(plans::status.is_distinct_from("archived")))
                .set(plans::status.eq("archived"))
                .execute(conn)?
        }
        Moderation::RevokeShare => diesel::update(target.filter(plans::share_token.is_not_null()))
            .set(plans::share_token.eq(None::<String>))
            .execute(conn)?,
    };
    Ok((owner, changed > 0))
}

// ---------------------------------------------------------------- sessions

#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    /// The user's id, username or e-mail.
    pub user: Option<String>,
    /// Keyset cursor: sessions with a smaller id (newest first).
    pub after: Option<i32>,
}

pub struct SessionRow {
    pub session: UserSession,
    pub username: String,
    pub is_staff: bool,
}

/// One page (`PAGE_SIZE + 1` rows) of live sessions, newest first, with their users.
pub fn list_sessions(
    conn: &mut PgConnection,
    filter: &SessionFilter,
) -> QueryResult<Vec<SessionRow>> {
    let mut query = user_sessions::table
        .inner_join(users::table)
        .filter(user_sessions::is_active.is_distinct_from(false))
        .filter(user_sessions::expires_at.gt(now()))
        .select((UserSession::as_select(), users::username, users::is_staff))
        .order(user_sessions::id.desc())
        .limit(PAGE_SIZE + 1)
        .into_boxed();
    if let Some(user) = &filter.user {
        query = match user.parse::<i32>() {
            Ok(id) => query.filter(user_sessions::user_id.eq(id)),
            Err(_) => query.filter(
                sql::<Bool>("(lower(users.username) = lower(")
                    .bind::<Text, _>(user.clone())
                    .sql(") OR lower(users.email) = lower(")
                    .bind::<Text, _>(user.clone())
                    .sql("))"),
            ),
        };
    }
    if let Some(after) = filter.after {
        query = query.filter(user_sessions::id.lt(after));
    }
    let rows: Vec<(UserSession, String, Option<bool>)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(session, username, is_staff)| SessionRow {
            session,
            username,
            is_staff: is_staff.unwrap_or(false),
        })
        .collect())
}

/// Ends one session; returns its user's id (`NotFound` when there is no such session).
pub fn revoke_session(conn: &mut PgConnection, id: i32) -> QueryResult<i32> {
    diesel::delete(user_sessions::table.find(id))
        .returning(user_sessions::user_id)
        .get_result(conn)
}

/// Ends every session of a user; `NotFound` when there is no such user.
pub fn revoke_user_sessions(conn: &mut PgConnection, user_id: i32) -> QueryResult<usize> {
    user::find(conn, user_id)?;
    user_session::revoke_all_except(conn, user_id, None)
}

// ---------------------------------------------------------------- rate limits

/// Keyset cursor of the counters list: (count, id) of the last row shown.
pub type CounterCursor = (i32, i32);

/// One page (`PAGE_SIZE + 1` rows) of today's counters in the `rate_limits` table, highest
/// first; counters at zero (a successful login gives its hit back) are left out.
pub fn today_counters(
    conn: &mut PgConnection,
    after: Option<CounterCursor>,
) -> QueryResult<Vec<RateLimit>> {
    let mut query = rate_limits::table
        .filter(rate_limits::reset_date.eq(Utc::now().date_naive()))
        .filter(rate_limits::request_count.gt(0))
        .select(RateLimit::as_select())
        .order(sql::<Integer>(
            "coalesce(rate_limits.request_count, 0) DESC, rate_limits.id DESC",
        ))
        .limit(PAGE_SIZE + 1)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i32, last_login: Option<NaiveDateTime>) -> User {
        User {
            id,
            email: format!("u{id}@example.com"),
            username: format!("u{id}"),
            password_hash: String::new(),
            first_name: None,
            last_name: None,
            is_active: None,
            is_verified: None,
            is_staff: None,
            google_id: None,
            facebook_id: None,
            date_joined: None,
            last_login,
        }
    }

    #[test]
    fn cursors_round_trip_in_every_order() {
        let t = chrono::DateTime::from_timestamp_micros(1_780_000_000_123_456)
            .unwrap()
            .naive_utc();
        for sort in UserSort::ALL {
            assert_eq!(UserSort::parse(sort.as_str()), sort);
            for u in [user(7, Some(t)), user(8, None)] {
                let cursor = sort.parse_cursor(&sort.cursor_after(&u)).unwrap();
                let expected = match sort {
                    UserSort::Newest | UserSort::Oldest => UserCursor::Id(u.id),
                    UserSort::Email => UserCursor::Text(u.email.clone()),
                    UserSort::Username => UserCursor::Text(u.username.clone()),
                    UserSort::LastLogin => UserCursor::LastLogin(u.last_login, u.id),
                };
                assert_eq!(cursor, expected);
            }
        }
    }

    #[test]
    fn bad_cursors_and_sorts_fall_back() {
        assert_eq!(UserSort::parse("drop table"), UserSort::Newest);
        assert_eq!(UserSort::Newest.parse_cursor("x"), None);
        assert_eq!(UserSort::Newest.parse_cursor(""), None);
        assert_eq!(UserSort::LastLogin.parse_cursor("12"), None);
        assert_eq!(UserSort::LastLogin.parse_cursor("x.1"), None);
        assert_eq!(UserSort::Email.parse_cursor("a\0"), None);
        assert_eq!(UserSort::Username.parse_cursor(&"a".repeat(256)), None);
    }
}
