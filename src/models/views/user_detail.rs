//! One user as the staff see them: the account, its sessions and newest plans, and what
//! deleting it would remove.

use diesel::prelude::*;

use super::USER_PAGE_PLANS;
use crate::db::schema::{plan_activities, plans, user_sessions};
use crate::domain::ids::UserId;
use crate::models::plan::PlanSummary;
use crate::models::user::{self, User};
use crate::models::user_session::{self, UserSession};

pub struct UserDetail {
    pub user: User,
    /// The newest `USER_PAGE_PLANS` plans, each with its activity count.
    pub plans: Vec<(PlanSummary, i64)>,
    pub plan_total: i64,
    pub sessions: Vec<UserSession>,
}

/// A user's page: four statements, however many plans and sessions they have.
pub fn user_detail(conn: &mut PgConnection, id: UserId) -> QueryResult<UserDetail> {
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

pub fn deletion_preview(conn: &mut PgConnection, id: UserId) -> QueryResult<DeletionPreview> {
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
