//! `plan_changes`: who changed what in a plan, and when.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{plan_changes, users};
use crate::domain::ids::{ActivityId, PlanId, UserId};

/// The longest summary kept (the column's length); longer ones are cut at a character.
pub const SUMMARY_MAX: usize = 300;

#[derive(Debug, Insertable)]
#[diesel(table_name = plan_changes)]
pub struct NewPlanChange {
    pub plan_id: PlanId,
    pub user_id: Option<UserId>,
    pub activity_id: Option<ActivityId>,
    pub action: &'static str,
    pub summary: String,
}

/// A change as the history page shows it: who (`None` once their account is gone).
#[derive(Debug, Clone, Queryable)]
pub struct ChangeListing {
    pub id: i64,
    pub user_id: Option<UserId>,
    pub username: Option<String>,
    pub activity_id: Option<ActivityId>,
    pub action: String,
    pub summary: String,
    pub created_at: DateTime<Utc>,
}

/// Records a change. The summary is cut to the column's length.
pub fn record(conn: &mut PgConnection, mut change: NewPlanChange) -> QueryResult<()> {
    if change.summary.chars().count() > SUMMARY_MAX {
        change.summary = change.summary.chars().take(SUMMARY_MAX - 1).collect();
        change.summary.push('…');
    }
    diesel::insert_into(plan_changes::table)
        .values(&change)
        .execute(conn)
        .map(drop)
}

/// A page of the plan's history, newest first: the `limit` changes before `before`
/// (`(created_at, id)` of the last one shown), by keyset on the plan's index.
pub fn page_for_plan(
    conn: &mut PgConnection,
    plan_id: PlanId,
    before: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> QueryResult<Vec<ChangeListing>> {
    let mut query = plan_changes::table
        .left_join(users::table)
        .filter(plan_changes::plan_id.eq(plan_id))
        .order((plan_changes::created_at.desc(), plan_changes::id.desc()))
        .limit(limit)
        .select((
            plan_changes::id,
            plan_changes::user_id,
            users::username.nullable(),
            plan_changes::activity_id,
            plan_changes::action,
            plan_changes::summary,
            plan_changes::created_at,
        ))
        .into_boxed();
    if let Some((at, id)) = before {
        query = query.filter(
            plan_changes::created_at
                .lt(at)
                .or(plan_changes::created_at.eq(at).and(plan_changes::id.lt(id))),
        );
    }
    query.load(conn)
}

/// Changes to the plan by anyone but `me` after `after`: how many, and the newest. Both
/// read only the plan's changes newer than `after`, on its index, however long the history.
pub fn by_others_since(
    conn: &mut PgConnection,
    plan_id: PlanId,
    me: UserId,
    after: DateTime<Utc>,
) -> QueryResult<Option<(i64, ChangeListing)>> {
    let by_others = || {
        plan_changes::table
            .filter(plan_changes::plan_id.eq(plan_id))
            .filter(plan_changes::created_at.gt(after))
            .filter(plan_changes::user_id.is_distinct_from(Some(me)))
    };
    let newest = by_others()
        .left_join(users::table)
        .order((plan_changes::created_at.desc(), plan_changes::id.desc()))
        .select((
            plan_changes::id,
            plan_changes::user_id,
            users::username.nullable(),
            plan_changes::activity_id,
            plan_changes::action,
            plan_changes::summary,
            plan_changes::created_at,
        ))
        .first::<ChangeListing>(conn)
        .optional()?;
    let Some(newest) = newest else {
        return Ok(None);
    };
    let count = by_others().count().get_result(conn)?;
    Ok(Some((count, newest)))
}

/// The newest change of the plan, if any: "changed by Ana 2 minutes ago".
pub fn latest_for_plan(
    conn: &mut PgConnection,
    plan_id: PlanId,
) -> QueryResult<Option<ChangeListing>> {
    Ok(page_for_plan(conn, plan_id, None, 1)?.into_iter().next())
}
