//! What staff may do to anyone's plan from the admin pages.

use diesel::prelude::*;

use crate::db::schema::plans;
use crate::domain::PlanStatus;
use crate::domain::ids::{PlanId, UserId};

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
pub fn moderate(
    conn: &mut PgConnection,
    id: PlanId,
    action: Moderation,
) -> QueryResult<(UserId, bool)> {
    let owner: UserId = plans::table
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
            diesel::update(target.filter(plans::status.is_distinct_from(PlanStatus::Archived)))
                .set(plans::status.eq(PlanStatus::Archived))
                .execute(conn)?
        }
        Moderation::RevokeShare => diesel::update(target.filter(plans::share_token.is_not_null()))
            .set(plans::share_token.eq(None::<String>))
            .execute(conn)?,
    };
    Ok((owner, changed > 0))
}
