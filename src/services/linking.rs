//! Social login: which account a provider's profile opens, links or creates, and when a
//! link must be refused. The pre-hijack rule lives here: an account is linked by e-mail
//! only when both the provider and our own account have verified the address.

use diesel::prelude::*;

use crate::auth::oauth::{Profile, Provider};
use crate::domain::Email;
use crate::domain::ids::UserId;
use crate::models::user::{self, NewUser, ProviderColumn, User};

pub fn column(provider: Provider) -> ProviderColumn {
    match provider {
        Provider::Google => ProviderColumn::Google,
        Provider::Facebook => ProviderColumn::Facebook,
    }
}

pub fn provider_id(user: &User, provider: Provider) -> Option<&str> {
    match provider {
        Provider::Google => user.google_id.as_deref(),
        Provider::Facebook => user.facebook_id.as_deref(),
    }
}

/// What a provider's profile led to.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// Sign this account in (found by its provider id, linked by a verified e-mail, or new).
    SignIn {
        user_id: UserId,
        created: bool,
    },
    /// The signed-in user's account is now linked to the profile.
    Linked,
    Refused(Refusal),
}

/// Why a profile opens no account.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The profile is linked to another account than the signed-in one.
    LinkedElsewhere,
    Deactivated,
    /// The provider gave no usable e-mail address.
    NoEmail,
    /// An account has this address, but the provider did not verify it.
    PasswordFirst {
        email: String,
    },
    /// An account has this address, but never confirmed it: it may be a squatter's.
    Unconfirmed {
        email: String,
    },
    /// The account with this address is linked to another profile of the provider.
    OtherProfileLinked,
}

/// Matching, in order: the provider id; the signed-in user (link); an e-mail that both the
/// provider and our own account have verified; otherwise a new account. Run in one
/// transaction.
pub fn resolve(
    conn: &mut PgConnection,
    provider: Provider,
    profile: &Profile,
    signed_in: Option<UserId>,
) -> QueryResult<Resolved> {
    let col = column(provider);
    let owner = user::find_by_provider(conn, col, &profile.provider_id)?;
    if let Some(current) = signed_in {
        return Ok(match owner {
            Some(owner) if owner.id != current => Resolved::Refused(Refusal::LinkedElsewhere),
            Some(_) => Resolved::Linked,
            None => {
                user::set_provider(conn, current, col, Some(&profile.provider_id))?;
                Resolved::Linked
            }
        });
    }
    if let Some(owner) = owner {
        return sign_in(conn, &owner, false);
    }
    let Some(email) = profile.email.as_deref().and_then(|e| Email::parse(e).ok()) else {
        return Ok(Resolved::Refused(Refusal::NoEmail));
    };
    if let Some(existing) = user::find_by_email(conn, email.as_ref())? {
        let email = existing.email.clone();
        let refusal = if !profile.email_verified {
            Some(Refusal::PasswordFirst { email })
        } else if !existing.active() {
            Some(Refusal::Deactivated)
        } else if !existing.verified() {
            Some(Refusal::Unconfirmed { email })
        } else if provider_id(&existing, provider).is_some() {
            Some(Refusal::OtherProfileLinked)
        } else {
            None
        };
        if let Some(refusal) = refusal {
            return Ok(Resolved::Refused(refusal));
        }
        user::set_provider(conn, existing.id, col, Some(&profile.provider_id))?;
        return sign_in(conn, &existing, false);
    }
    let created = create(conn, col, profile, &email)?;
    sign_in(conn, &created, true)
}

fn sign_in(conn: &mut PgConnection, found: &User, created: bool) -> QueryResult<Resolved> {
    if !found.active() {
        return Ok(Resolved::Refused(Refusal::Deactivated));
    }
    user::record_login(conn, found.id, None)?;
    Ok(Resolved::SignIn {
        user_id: found.id,
        created,
    })
}

/// A new account for the profile, without a password, verified if the provider says so.
fn create(
    conn: &mut PgConnection,
    col: ProviderColumn,
    profile: &Profile,
    email: &Email,
) -> QueryResult<User> {
    let username = user::unique_username(conn, &crate::auth::oauth::username_base(profile))?;
    let name = |n: &Option<String>| n.as_deref().map(|s| s.chars().take(30).collect::<String>());
    let (first, last) = (name(&profile.first_name), name(&profile.last_name));
    let created = user::insert(
        conn,
        &NewUser {
            email: email.as_ref(),
            username: &username,
            password_hash: user::NO_PASSWORD,
            first_name: first.as_deref(),
            last_name: last.as_deref(),
            is_verified: profile.email_verified,
            is_staff: false,
        },
    )?;
    user::set_provider(conn, created.id, col, Some(&profile.provider_id))?;
    Ok(created)
}

/// What became of a request to unlink a provider.
#[derive(Debug, PartialEq, Eq)]
pub enum Unlinked {
    Unlinked,
    NotLinked,
    /// It is the account's only way in: no password and no other provider.
    LastWayIn,
}

pub fn unlink(
    conn: &mut PgConnection,
    user_id: UserId,
    provider: Provider,
) -> QueryResult<Unlinked> {
    let found = user::find(conn, user_id)?;
    if provider_id(&found, provider).is_none() {
        return Ok(Unlinked::NotLinked);
    }
    let other = match provider {
        Provider::Google => found.facebook_id.is_some(),
        Provider::Facebook => found.google_id.is_some(),
    };
    if !found.has_password() && !other {
        return Ok(Unlinked::LastWayIn);
    }
    user::set_provider(conn, user_id, column(provider), None)?;
    Ok(Unlinked::Unlinked)
}
