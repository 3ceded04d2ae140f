//! The one function that decides what a user may do to a plan. Every plan and activity
//! service starts here; row-level security checks the same again inside PostgreSQL.

use diesel::prelude::*;

use crate::domain::ids::{PlanId, UserId};

use crate::models::plan::{self, Plan};

/// What a user is about to do to a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See it: its page, its files, its calendar.
    Read,
    /// Change its fields, details and activities.
    Edit,
    /// Delete, archive or share it, and choose who can find it.
    Manage,
}

/// A user's part in a plan. Today a plan has one person on it, its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Owner,
}

impl Role {
    pub fn allows(self, action: Action) -> bool {
        match self {
            Role::Owner => matches!(action, Action::Read | Action::Edit | Action::Manage),
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
}

/// The plan `plan_id` if `user_id` may do `action` to it. A plan they may not act on
/// answers `NotFound`, exactly like one that does not exist, so ids reveal nothing. Changes
/// lock the plan row for the transaction: edits of one plan and its activities' order are
/// serialized.
pub fn plan(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    action: Action,
) -> QueryResult<PlanAccess> {
    let found = match action {
        Action::Read => plan::find_for_user(conn, user_id, plan_id)?,
        Action::Edit | Action::Manage => plan::lock_for_user(conn, user_id, plan_id)?,
    };
    let role = Role::Owner;
    if !role.allows(action) {
        return Err(diesel::result::Error::NotFound);
    }
    Ok(PlanAccess { plan: found, role })
}
