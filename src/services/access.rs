//! The one function that decides what a user may do to a plan. Every plan and activity
//! service starts here; row-level security checks the same again inside PostgreSQL.

use diesel::prelude::*;

use crate::db::schema::{plan_members, plans};
use crate::domain::MemberRole;
use crate::domain::ids::{PlanId, UserId};
use crate::models::plan::Plan;
use crate::services::{ServiceError, ServiceResult};

/// What a user is about to do to a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See it: its page, its files, its calendar, its members and history.
    Read,
    /// Change its fields, details, bookings and activities.
    Edit,
    /// Delete, archive or share it, choose who can find it, and manage its members.
    Manage,
}

/// A user's part in a plan: its owner (`plans.user_id`) or a member in a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Editor,
    Viewer,
}

impl Role {
    pub fn allows(self, action: Action) -> bool {
        match self {
            Role::Owner => true,
            Role::Editor => matches!(action, Action::Read | Action::Edit),
            Role::Viewer => action == Action::Read,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Editor => MemberRole::Editor.label(),
            Role::Viewer => MemberRole::Viewer.label(),
        }
    }
}

impl From<MemberRole> for Role {
    fn from(role: MemberRole) -> Self {
        match role {
            MemberRole::Editor => Role::Editor,
            MemberRole::Viewer => Role::Viewer,
        }
    }
}

/// A plan the user may act on, and as whom.
#[derive(Debug)]
pub struct PlanAccess {
    pub plan: Plan,
    pub role: Role,
}

impl PlanAccess {
    /// The id the plan's rows are filed under (its owner's).
    pub fn owner_id(&self) -> UserId {
        self.plan.user_id
    }

    /// Whether the user may also do `action` (what the page offers them).
    pub fn can(&self, action: Action) -> bool {
        self.role.allows(action)
    }
}

/// The plan `plan_id` if `user_id` may do `action` to it. A plan they are not on (or a
/// missing one) is `NotFound`, exactly like one that does not exist, so ids reveal nothing;
/// a member whose role does not allow `action` is `Forbidden`. Changes lock the plan row for
/// the transaction: edits of one plan and its activities' order are serialized.
pub fn plan(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    action: Action,
) -> ServiceResult<PlanAccess> {
    decide(conn, user_id, plan_id, action, action != Action::Read)
}

/// The plan for the page of a form that leads to `action` (the edit form, the delete
/// question): decided exactly like `plan`, without the lock, since the page writes nothing
/// (it reads in a read-only transaction).
pub fn form(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    action: Action,
) -> ServiceResult<PlanAccess> {
    decide(conn, user_id, plan_id, action, false)
}

fn decide(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    action: Action,
    lock: bool,
) -> ServiceResult<PlanAccess> {
    let (found, member_role): (Plan, Option<MemberRole>) = plans::table
        .left_join(
            plan_members::table.on(plan_members::plan_id
                .eq(plans::id)
                .and(plan_members::user_id.eq(user_id))),
        )
        .filter(plans::id.eq(plan_id))
        .filter(
            plans::user_id
                .eq(user_id)
                .or(plan_members::user_id.is_not_null()),
        )
        .select((Plan::as_select(), plan_members::role.nullable()))
        .first(conn)?;
    let role = match member_role {
        _ if found.user_id == user_id => Role::Owner,
        Some(role) => Role::from(role),
        None => return Err(diesel::result::Error::NotFound.into()),
    };
    if !role.allows(action) {
        return Err(ServiceError::Forbidden);
    }
    let plan = if lock {
        plans::table
            .find(plan_id)
            .select(Plan::as_select())
            .for_update()
            .first(conn)?
    } else {
        found
    };
    Ok(PlanAccess { plan, role })
}
