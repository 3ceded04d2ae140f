//! Password accounts: creating one, and confirming its address.

use diesel::prelude::*;

use crate::domain::ids::UserId;
use crate::models::user::{self, NewUser, User};

/// What became of a sign-up.
#[derive(Debug)]
pub enum SignedUp {
    Created(User),
    /// The address or the name belongs to an account already; nothing was written.
    Taken {
        email: bool,
        username: bool,
    },
}

/// Creates an unverified account, unless its address or username is taken.
pub fn sign_up(conn: &mut PgConnection, new: &NewUser) -> QueryResult<SignedUp> {
    let (email, username) = user::email_or_username_taken(conn, new.email, new.username)?;
    if email || username {
        return Ok(SignedUp::Taken { email, username });
    }
    Ok(SignedUp::Created(user::insert(conn, new)?))
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
