//! The rules that protect the staff accounts, checked under row locks so two staff members
//! acting at once cannot both pass them: staff cannot deactivate, demote or delete their
//! own account, nor the last active staff account, and an actor who lost their rights
//! meanwhile can do nothing.

use diesel::prelude::*;

use crate::domain::ids::UserId;
use crate::models::archive;
use crate::models::user::{self, User, staff};
use crate::models::user_session;
use crate::models::views::user_detail::{DeletionPreview, deletion_preview};

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

/// What an account action came to.
#[derive(Debug)]
pub enum Outcome<T> {
    Done(T),
    Refused(Refused),
}

/// A deactivated account as it was, and how many of its sessions ended.
#[derive(Debug)]
pub struct Deactivated {
    pub before: User,
    pub sessions_ended: usize,
}

/// A flag of an account that needs no rule beyond the actor being staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Active,
    Verified,
    Staff,
}

/// The actor must still be active staff; for a removal (`target` given), the target must
/// be someone else and not the last active staff account.
fn check(
    conn: &mut PgConnection,
    actor_id: UserId,
    target: Option<UserId>,
) -> QueryResult<Option<Refused>> {
    let staff = staff::lock_active_staff(conn)?;
    if !staff.contains(&actor_id) {
        return Ok(Some(Refused::NotStaff));
    }
    if let Some(target) = target {
        if target == actor_id {
            return Ok(Some(Refused::OwnAccount));
        }
        if staff.contains(&target) && staff.len() <= 1 {
            return Ok(Some(Refused::LastStaff));
        }
    }
    Ok(None)
}

/// Deactivates the account and ends every session it has.
pub fn deactivate(
    conn: &mut PgConnection,
    actor_id: UserId,
    id: UserId,
) -> QueryResult<Outcome<Deactivated>> {
    if let Some(refused) = check(conn, actor_id, Some(id))? {
        return Ok(Outcome::Refused(refused));
    }
    let before = staff::lock(conn, id)?;
    staff::set_active(conn, id, false)?;
    let sessions_ended = user_session::revoke_all_except(conn, id, None)?;
    Ok(Outcome::Done(Deactivated {
        before,
        sessions_ended,
    }))
}

/// Sets one flag; returns the user as they were.
pub fn set_flag(
    conn: &mut PgConnection,
    actor_id: UserId,
    id: UserId,
    flag: Flag,
) -> QueryResult<Outcome<User>> {
    if let Some(refused) = check(conn, actor_id, None)? {
        return Ok(Outcome::Refused(refused));
    }
    let before = staff::lock(conn, id)?;
    match flag {
        Flag::Active => staff::set_active(conn, id, true)?,
        Flag::Verified => staff::set_verified(conn, id)?,
        Flag::Staff => staff::set_staff(conn, id, true)?,
    };
    Ok(Outcome::Done(before))
}

/// Removes the staff flag: never one's own, never the last active staff account's.
pub fn revoke_staff(
    conn: &mut PgConnection,
    actor_id: UserId,
    id: UserId,
) -> QueryResult<Outcome<User>> {
    if let Some(refused) = check(conn, actor_id, Some(id))? {
        return Ok(Outcome::Refused(refused));
    }
    let before = staff::lock(conn, id)?;
    staff::set_staff(conn, id, false)?;
    Ok(Outcome::Done(before))
}

/// Deletes the account with everything it owns: plans, activities and sessions go by
/// `ON DELETE CASCADE`; archived plans (no foreign key) are deleted here.
pub fn delete_user(
    conn: &mut PgConnection,
    actor_id: UserId,
    id: UserId,
) -> QueryResult<Outcome<DeletionPreview>> {
    if let Some(refused) = check(conn, actor_id, Some(id))? {
        return Ok(Outcome::Refused(refused));
    }
    staff::lock(conn, id)?;
    let preview = deletion_preview(conn, id)?;
    archive::delete_for_user(conn, id)?;
    // Plans with an editor go to their longest-standing one, as when owners delete
    // their own accounts.
    crate::services::accounts::delete_account(conn, id)?;
    Ok(Outcome::Done(preview))
}

/// Ends every session of a user; `NotFound` when there is no such user.
pub fn end_sessions(conn: &mut PgConnection, user_id: UserId) -> QueryResult<usize> {
    user::find(conn, user_id)?;
    user_session::revoke_all_except(conn, user_id, None)
}
