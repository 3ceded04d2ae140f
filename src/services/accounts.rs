//! Password accounts: creating one, confirming its address, changing its profile and its
//! password.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};

use crate::domain::ids::UserId;
use crate::domain::profile::Profile;
use crate::models::user::{self, NewUser, User, UserChanges};
use crate::models::{plan_member, user_session};
use crate::services::members;

/// What became of a sign-up.
#[derive(Debug)]
pub enum SignedUp {
    Created(User),
    /// The address or the name belongs to an account already; nothing was written.
    Taken(Taken),
    /// Taken between the check and the write (two sign-ups racing; the unique indexes
    /// caught it): nothing was written.
    TakenMeanwhile,
}

/// Creates an unverified account with a password, unless its address or username is taken.
pub fn sign_up(
    conn: &mut PgConnection,
    profile: &Profile,
    password_hash: &str,
) -> QueryResult<SignedUp> {
    let new = NewUser {
        email: profile.email.as_ref(),
        username: profile.username.as_ref(),
        password_hash,
        first_name: profile.first_name.as_deref(),
        last_name: profile.last_name.as_deref(),
        is_verified: false,
        is_staff: false,
    };
    let (email, username) = user::email_or_username_taken(conn, new.email, new.username)?;
    if email || username {
        return Ok(SignedUp::Taken(Taken { email, username }));
    }
    // In a savepoint, so that a unique violation is an outcome, not a failed transaction.
    let created = taken_meanwhile(conn.transaction(|conn| user::insert(conn, &new)))?;
    Ok(created.map_or(SignedUp::TakenMeanwhile, SignedUp::Created))
}

/// What became of a confirmation link.
#[derive(Debug, PartialEq, Eq)]
pub enum Confirmed {
    Confirmed,
    /// The account is gone.
    NoAccount,
    /// The link went to an address that is no longer the account's.
    AddressChanged,
    AlreadyConfirmed,
}

/// Confirms the address of account `user_id`, if `mailed_to` (as the link was bound to it)
/// is still the account's address.
pub fn confirm_email(
    conn: &mut PgConnection,
    user_id: UserId,
    mailed_to: &str,
) -> QueryResult<Confirmed> {
    let Some(found) = user::find(conn, user_id).optional()? else {
        return Ok(Confirmed::NoAccount);
    };
    if found.email.to_lowercase() != mailed_to {
        return Ok(Confirmed::AddressChanged);
    }
    if found.verified() {
        return Ok(Confirmed::AlreadyConfirmed);
    }
    user::mark_verified(conn, found.id)?;
    Ok(Confirmed::Confirmed)
}

/// Whether a write failed on a unique index: a name taken since it was checked.
fn taken_meanwhile<T>(written: QueryResult<T>) -> QueryResult<Option<T>> {
    match written {
        Ok(value) => Ok(Some(value)),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Which of a profile's names another account has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taken {
    pub email: bool,
    pub username: bool,
}

/// What stands between a checked profile and the account.
#[derive(Debug)]
pub enum ProfileReview {
    /// Free to save.
    Free(ProfileChange),
    /// Another account has the new address or the new username: the account as it is.
    Taken(User, Taken),
}

/// A profile change that `review_profile` found free.
#[derive(Debug)]
pub struct ProfileChange {
    pub before: User,
    pub profile: Profile,
    pub email_changed: bool,
}

impl ProfileChange {
    /// A new address takes over the account's mail (and its reset links), so on an account
    /// with a password it is saved only once that password is confirmed: whoever holds only
    /// a session cookie must not be able to move it.
    pub fn needs_password(&self) -> bool {
        self.email_changed && self.before.has_password()
    }
}

/// Reviews a change of account `user_id`'s profile; writes nothing.
pub fn review_profile(
    conn: &mut PgConnection,
    user_id: UserId,
    profile: Profile,
) -> QueryResult<ProfileReview> {
    let before = user::find(conn, user_id)?;
    let email_changed = !before.email.eq_ignore_ascii_case(profile.email.as_ref());
    let username_changed = !before
        .username
        .eq_ignore_ascii_case(profile.username.as_ref());
    let (email_taken, username_taken) =
        user::email_or_username_taken(conn, profile.email.as_ref(), profile.username.as_ref())?;
    let taken = Taken {
        email: email_changed && email_taken,
        username: username_changed && username_taken,
    };
    if taken.email || taken.username {
        return Ok(ProfileReview::Taken(before, taken));
    }
    Ok(ProfileReview::Free(ProfileChange {
        before,
        profile,
        email_changed,
    }))
}

/// What became of a reviewed profile change.
#[derive(Debug)]
pub enum ProfileSaved {
    Saved(User),
    /// Saved with a new address, which must be confirmed again; `from` is the address the
    /// account left.
    Moved {
        after: User,
        from: String,
    },
    /// The address or the username was taken since the review (the unique indexes caught
    /// it): nothing was written; the account as it is.
    Taken(User),
}

/// Saves a profile change that `review_profile` found free (and whose password, when it
/// `needs_password`, was confirmed). A new address must be confirmed again.
pub fn save_profile(conn: &mut PgConnection, change: ProfileChange) -> QueryResult<ProfileSaved> {
    let ProfileChange {
        before,
        profile,
        email_changed,
    } = change;
    let changes = UserChanges {
        email: Some(profile.email.as_ref()),
        username: Some(profile.username.as_ref()),
        first_name: Some(profile.first_name.as_deref()),
        last_name: Some(profile.last_name.as_deref()),
        is_verified: email_changed.then_some(false),
    };
    // In a savepoint: after a unique violation the transaction can still read the account.
    let saved = taken_meanwhile(conn.transaction(|conn| user::update(conn, before.id, &changes)))?;
    Ok(match saved {
        None => ProfileSaved::Taken(user::find(conn, before.id)?),
        Some(after) if email_changed => ProfileSaved::Moved {
            after,
            from: before.email,
        },
        Some(after) => ProfileSaved::Saved(after),
    })
}

/// What became of a new password.
#[derive(Debug, PartialEq, Eq)]
pub enum PasswordChanged {
    /// Changed; `sessions_ended` other sessions were ended with it.
    Changed { sessions_ended: usize },
    /// The password or the address changed since the account was read: nothing was written.
    Stale,
}

/// Replaces the password of `found` (as read before its current password was checked)
/// and ends every session of the account but `keep`.
pub fn change_password(
    conn: &mut PgConnection,
    found: &User,
    new_hash: &str,
    keep: Option<i32>,
) -> QueryResult<PasswordChanged> {
    if !user::replace_password(conn, found.id, &found.email, &found.password_hash, new_hash)? {
        return Ok(PasswordChanged::Stale);
    }
    let sessions_ended = user_session::revoke_all_except(conn, found.id, keep)?;
    Ok(PasswordChanged::Changed { sessions_ended })
}

/// What became of a password reset.
#[derive(Debug, PartialEq, Eq)]
pub enum PasswordReset {
    /// Reset, every session ended; `unlinked`: social logins were removed with it.
    Reset { unlinked: bool },
    /// The link was spent meanwhile (password or address changed): nothing was written.
    Stale,
}

/// Sets the password of `target` (the account a reset link, checked just before, is for)
/// and ends every session. The mail reached its owner: the address is confirmed too.
/// Social logins linked while it was not confirmed may be a squatter's: they go, and the
/// owner links them again.
pub fn reset_password(
    conn: &mut PgConnection,
    target: &User,
    new_hash: &str,
) -> QueryResult<PasswordReset> {
    let id = target.id;
    if !user::replace_password(conn, id, &target.email, &target.password_hash, new_hash)? {
        return Ok(PasswordReset::Stale);
    }
    let unlinked = if target.verified() {
        0
    } else {
        user::unlink_providers(conn, id)?
    };
    user::mark_verified(conn, id)?;
    user_session::revoke_all_except(conn, id, None)?;
    Ok(PasswordReset::Reset {
        unlinked: unlinked > 0,
    })
}

/// A plan that goes to its longest-standing editor when its owner's account is deleted.
pub use crate::models::plan_member::Heir as Handover;

/// The plans the account's deletion would hand over, each to its longest-standing editor
/// (the others are deleted with the account). What the deletion page lists.
pub fn handovers(conn: &mut PgConnection, user_id: UserId) -> QueryResult<Vec<Handover>> {
    plan_member::heirs_of_owner(conn, user_id)
}

/// Deletes the account. First each plan it owns with an editor goes to its
/// longest-standing editor; everything else (its other plans, activities, sessions and
/// memberships) goes with it by `ON DELETE CASCADE`. Row security: the account's own
/// actor, or staff's. The plans handed over.
pub fn delete_account(conn: &mut PgConnection, user_id: UserId) -> QueryResult<Vec<Handover>> {
    let handed = handovers(conn, user_id)?;
    for heir in &handed {
        members::hand_over(conn, heir.plan_id, user_id, heir.editor_id)?;
    }
    user::delete(conn, user_id)?;
    Ok(handed)
}
