//! Plans in lists: a user's plans, Explore, and the narrower row lists show.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{PAGE_SIZE, Plan};
use crate::db::schema::{plan_activities, plan_members, plans, users};
use crate::domain::ids::{PlanId, UserId};
use crate::domain::{MemberRole, PlanStatus};

/// A plan without its (possibly large) `plan_data`, for lists.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = plans, check_for_backend(diesel::pg::Pg))]
pub struct PlanSummary {
    pub id: PlanId,
    pub user_id: UserId,
    pub title: String,
    pub destination: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub status: Option<PlanStatus>,
    pub is_public: Option<bool>,
    pub share_token: Option<String>,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

impl PlanSummary {
    pub fn status_or_default(&self) -> PlanStatus {
        self.status.unwrap_or_default()
    }
    pub fn public(&self) -> bool {
        self.is_public.unwrap_or(false)
    }
    pub fn shared(&self) -> bool {
        self.share_token.is_some()
    }
}

#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub status: Option<PlanStatus>,
    pub search: Option<String>,
    /// Keyset cursor: the (updated_at, id) of the last plan of the previous page.
    pub after: Option<(NaiveDateTime, PlanId)>,
}

/// `%`, `_` and `\` match themselves in a search.
pub fn like_pattern(search: &str) -> String {
    let escaped = search
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// One page of a user's plans, newest change first, each with its activity count: one
/// statement on the `(user_id, updated_at DESC)` index, however many plans there are.
pub fn list_for_user(
    conn: &mut PgConnection,
    user_id: UserId,
    filter: &ListFilter,
) -> QueryResult<Vec<(Plan, i64)>> {
    let activity_count = plan_activities::table
        .filter(plan_activities::plan_id.eq(plans::id))
        .count()
        .single_value();
    let mut query = plans::table
        .filter(plans::user_id.eq(user_id))
        .select((Plan::as_select(), activity_count))
        .order((plans::updated_at.desc(), plans::id.desc()))
        .limit(PAGE_SIZE + 1)
        .into_boxed();
    if let Some(status) = &filter.status {
        query = query.filter(plans::status.eq(*status));
    }
    if let Some(search) = &filter.search {
        let pattern = like_pattern(search);
        query = query.filter(
            plans::title
                .ilike(pattern.clone())
                .or(plans::destination.ilike(pattern)),
        );
    }
    if let Some((updated_at, id)) = filter.after {
        query = query.filter(
            plans::updated_at
                .lt(updated_at)
                .or(plans::updated_at.eq(updated_at).and(plans::id.lt(id))),
        );
    }
    let rows: Vec<(Plan, Option<i64>)> = query.load(conn)?;
    Ok(rows.into_iter().map(|(p, n)| (p, n.unwrap_or(0))).collect())
}

/// The most plans "Shared with me" lists.
pub const SHARED_LIMIT: i64 = 100;

/// A plan someone else owns and the user is a member of.
#[derive(Debug, Clone, Queryable)]
pub struct SharedPlan {
    pub plan: PlanSummary,
    pub role: MemberRole,
    pub owner_username: String,
}

/// The plans shared with a user, newest membership first: one statement on
/// `idx_plan_members_user`, at most `SHARED_LIMIT` rows (row security: `Actor::User`).
pub fn shared_with_user(conn: &mut PgConnection, user_id: UserId) -> QueryResult<Vec<SharedPlan>> {
    plan_members::table
        .inner_join(plans::table.on(plans::id.eq(plan_members::plan_id)))
        .inner_join(users::table.on(users::id.eq(plans::user_id)))
        .filter(plan_members::user_id.eq(user_id))
        .order((plan_members::created_at.desc(), plan_members::id.desc()))
        .limit(SHARED_LIMIT)
        .select((
            PlanSummary::as_select(),
            plan_members::role,
            users::username,
        ))
        .load(conn)
}

#[derive(Debug, Default, Clone)]
pub struct ExploreFilter {
    pub search: Option<String>,
    /// 1–12: trips starting in that month.
    pub month: Option<u32>,
    /// Trip length in days, inclusive bounds.
    pub min_days: Option<i32>,
    pub max_days: Option<i32>,
    pub after: Option<(NaiveDateTime, PlanId)>,
}

/// What Explore lists: public, published plans with a link (the partial index
/// `idx_plans_explore`), of verified, active owners. A literal, not bound: only then can
/// PostgreSQL use the partial index (a prepared statement's generic plan cannot prove
/// `is_public = $1` matches it).
const LISTED: &str =
    "plans.is_public AND plans.status = 'published' AND plans.share_token IS NOT NULL";

/// One plan Explore lists, by id (row-level security: `Actor::Explore`); anything else is
/// `NotFound`.
pub fn find_listed(conn: &mut PgConnection, id: PlanId) -> QueryResult<Plan> {
    use diesel::dsl::sql;
    use diesel::sql_types::Bool;
    plans::table
        .inner_join(users::table)
        .filter(plans::id.eq(id))
        .filter(sql::<Bool>(LISTED))
        .filter(users::is_verified.eq(true))
        .filter(users::is_active.is_distinct_from(false))
        .select(Plan::as_select())
        .first(conn)
}

/// Public, published plans of verified users (row-level security: `Actor::Explore`), one
/// page, newest change first, with the name their owners chose to show.
pub fn explore(conn: &mut PgConnection, filter: &ExploreFilter) -> QueryResult<Vec<Plan>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Integer};
    let mut query = plans::table
        .inner_join(users::table)
        .filter(sql::<Bool>(LISTED))
        .filter(users::is_verified.eq(true))
        .filter(users::is_active.is_distinct_from(false))
        .select(Plan::as_select())
        .order((plans::updated_at.desc(), plans::id.desc()))
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
    if let Some(month) = filter.month {
        query = query.filter(
            sql::<Bool>("extract(month from plans.start_date)::int = ")
                .bind::<Integer, _>(month as i32),
        );
    }
    if let Some(min) = filter.min_days {
        query = query.filter(
            sql::<Bool>("(plans.end_date - plans.start_date + 1) >= ").bind::<Integer, _>(min),
        );
    }
    if let Some(max) = filter.max_days {
        query = query.filter(
            sql::<Bool>("(plans.end_date - plans.start_date + 1) <= ").bind::<Integer, _>(max),
        );
    }
    if let Some((updated_at, id)) = filter.after {
        query = query.filter(
            plans::updated_at
                .lt(updated_at)
                .or(plans::updated_at.eq(updated_at).and(plans::id.lt(id))),
        );
    }
    query.load(conn)
}
