//! The plans list and one plan's page.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::PAGE_SIZE;
use crate::db::schema::{plan_activities, plans, users};
use crate::domain::PlanStatus;
use crate::domain::ids::PlanId;
use crate::models::plan::{self, Plan, PlanSummary, like_pattern};
use crate::models::plan_activity::{self, PlanActivity};
use crate::models::user::{self, User};

#[derive(Debug, Clone, Default)]
pub struct PlanFilter {
    /// Part of the title or destination.
    pub search: Option<String>,
    pub status: Option<PlanStatus>,
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
    match filter.status {
        Some(PlanStatus::Draft) => {
            query = query.filter(
                plans::status
                    .eq(PlanStatus::Draft)
                    .or(plans::status.is_null()),
            )
        }
        Some(status) => query = query.filter(plans::status.eq(status)),
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

pub fn plan_detail(conn: &mut PgConnection, id: PlanId) -> QueryResult<PlanDetail> {
    let plan = plan::find(conn, id)?;
    let owner = user::find(conn, plan.user_id)?;
    let activities = plan_activity::list_for_plan(conn, id)?;
    Ok(PlanDetail {
        plan,
        owner,
        activities,
    })
}
