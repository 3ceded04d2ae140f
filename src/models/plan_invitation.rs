//! `plan_invitations`: invitations by e-mail to join a plan in a role.
//!
//! The mailed link carries a random token (32 bytes, URL-safe base64); the row keeps only
//! its SHA-256 in hex (`token_hash`), as `user_sessions` keeps its keys, so a database
//! leak opens no invitation. An invitation is *open* until it is accepted or revoked (one
//! open invitation per address and plan, a unique index); an open one whose `expires_at`
//! has passed is *expired*, and sending it again gives it a new token and a new expiry.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use rand::RngCore;

use crate::db::schema::{plan_invitations, plans, users};
use crate::domain::MemberRole;
use crate::domain::ids::{InvitationId, PlanId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plan_invitations, check_for_backend(diesel::pg::Pg))]
pub struct PlanInvitation {
    pub id: InvitationId,
    pub plan_id: PlanId,
    pub email: String,
    pub role: MemberRole,
    pub invited_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl PlanInvitation {
    /// Neither accepted nor revoked, and not expired: its link works.
    pub fn usable(&self, now: DateTime<Utc>) -> bool {
        self.accepted_at.is_none() && self.revoked_at.is_none() && self.expires_at > now
    }

    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at <= now
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = plan_invitations)]
pub struct NewPlanInvitation<'a> {
    pub plan_id: PlanId,
    pub email: &'a str,
    pub role: MemberRole,
    pub token_hash: &'a str,
    pub invited_by: Option<UserId>,
    pub expires_at: DateTime<Utc>,
}

/// A new token: what the mail carries and what the row keeps.
pub struct Token {
    pub token: String,
    pub hash: String,
}

impl Token {
    pub fn generate() -> Token {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let hash = token_hash(&token);
        Token { token, hash }
    }
}

/// What `token_hash` holds for a link's token.
pub fn token_hash(token: &str) -> String {
    crate::auth::session_store::key_digest(token)
}

/// The most invitations a plan's page lists; `MAX_PENDING_INVITATIONS_PER_PLAN` keeps the
/// open ones below.
pub const LIST_LIMIT: i64 = 200;

pub fn insert(conn: &mut PgConnection, new: &NewPlanInvitation) -> QueryResult<PlanInvitation> {
    diesel::insert_into(plan_invitations::table)
        .values(new)
        .returning(PlanInvitation::as_returning())
        .get_result(conn)
}

/// The plan's open invitations (expired ones too: they can be sent again), newest first.
pub fn list_open(conn: &mut PgConnection, plan_id: PlanId) -> QueryResult<Vec<PlanInvitation>> {
    plan_invitations::table
        .filter(plan_invitations::plan_id.eq(plan_id))
        .filter(plan_invitations::accepted_at.is_null())
        .filter(plan_invitations::revoked_at.is_null())
        .order((
            plan_invitations::created_at.desc(),
            plan_invitations::id.desc(),
        ))
        .limit(LIST_LIMIT)
        .select(PlanInvitation::as_select())
        .load(conn)
}

/// Open invitations whose link still works: what `MAX_PENDING_INVITATIONS_PER_PLAN` counts.
pub fn count_pending(conn: &mut PgConnection, plan_id: PlanId) -> QueryResult<i64> {
    plan_invitations::table
        .filter(plan_invitations::plan_id.eq(plan_id))
        .filter(plan_invitations::accepted_at.is_null())
        .filter(plan_invitations::revoked_at.is_null())
        .filter(plan_invitations::expires_at.gt(Utc::now()))
        .count()
        .get_result(conn)
}

/// The open invitation of the plan to `email` (compared case-insensitively), expired or not.
pub fn find_open_for_email(
    conn: &mut PgConnection,
    plan_id: PlanId,
    email: &str,
) -> QueryResult<Option<PlanInvitation>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    plan_invitations::table
        .filter(plan_invitations::plan_id.eq(plan_id))
        .filter(plan_invitations::accepted_at.is_null())
        .filter(plan_invitations::revoked_at.is_null())
        .filter(
            sql::<Bool>("lower(plan_invitations.email) = lower(")
                .bind::<Text, _>(email.to_string())
                .sql(")"),
        )
        .select(PlanInvitation::as_select())
        .first(conn)
        .optional()
}

/// One of the plan's invitations, by id.
pub fn find(
    conn: &mut PgConnection,
    plan_id: PlanId,
    id: InvitationId,
) -> QueryResult<PlanInvitation> {
    plan_invitations::table
        .filter(plan_invitations::plan_id.eq(plan_id))
        .filter(plan_invitations::id.eq(id))
        .select(PlanInvitation::as_select())
        .first(conn)
}

/// One of the plan's invitations, by id, locked for the rest of the transaction.
pub fn find_for_plan(
    conn: &mut PgConnection,
    plan_id: PlanId,
    id: InvitationId,
) -> QueryResult<PlanInvitation> {
    plan_invitations::table
        .filter(plan_invitations::plan_id.eq(plan_id))
        .filter(plan_invitations::id.eq(id))
        .select(PlanInvitation::as_select())
        .for_update()
        .first(conn)
}

/// An invitation as its page shows it: the plan's title and who sent it.
#[derive(Debug, Clone)]
pub struct InvitationListing {
    pub invitation: PlanInvitation,
    pub plan_title: String,
    pub inviter: Option<String>,
}

/// The invitation whose link carries the token with this hash, with its plan's title (row
/// security: `Actor::Invitee`, which shows the plan only while the invitation is open).
pub fn find_by_token_hash(
    conn: &mut PgConnection,
    hash: &str,
) -> QueryResult<Option<InvitationListing>> {
    let found: Option<(PlanInvitation, Option<String>, Option<String>)> = plan_invitations::table
        .left_join(plans::table)
        .left_join(users::table.on(plan_invitations::invited_by.eq(users::id.nullable())))
        .filter(plan_invitations::token_hash.eq(hash))
        .select((
            PlanInvitation::as_select(),
            plans::title.nullable(),
            users::username.nullable(),
        ))
        .first(conn)
        .optional()?;
    Ok(found.and_then(|(invitation, title, inviter)| {
        Some(InvitationListing {
            invitation,
            plan_title: title?,
            inviter,
        })
    }))
}

/// Marks the invitation accepted by `user_id`. No `RETURNING`: the invitee's policies let
/// them change the row, and reading it back adds nothing.
pub fn mark_accepted(
    conn: &mut PgConnection,
    id: InvitationId,
    user_id: UserId,
) -> QueryResult<usize> {
    diesel::update(plan_invitations::table.find(id))
        .set((
            plan_invitations::accepted_at.eq(Utc::now()),
            plan_invitations::accepted_by.eq(user_id),
        ))
        .execute(conn)
}

pub fn revoke(conn: &mut PgConnection, id: InvitationId) -> QueryResult<usize> {
    diesel::update(plan_invitations::table.find(id))
        .filter(plan_invitations::accepted_at.is_null())
        .filter(plan_invitations::revoked_at.is_null())
        .set(plan_invitations::revoked_at.eq(Utc::now()))
        .execute(conn)
}

/// Sends the invitation again: a new token (the old link dies) and a new expiry, on the same
/// row; `role` and `invited_by` as the new sending says.
pub fn renew(
    conn: &mut PgConnection,
    id: InvitationId,
    token_hash: &str,
    expires_at: DateTime<Utc>,
    role: MemberRole,
    invited_by: UserId,
) -> QueryResult<PlanInvitation> {
    diesel::update(plan_invitations::table.find(id))
        .set((
            plan_invitations::token_hash.eq(token_hash),
            plan_invitations::expires_at.eq(expires_at),
            plan_invitations::role.eq(role),
            plan_invitations::invited_by.eq(invited_by),
        ))
        .returning(PlanInvitation::as_returning())
        .get_result(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_32_bytes_in_url_safe_base64_and_its_hash_is_sha256_hex() {
        let t = Token::generate();
        assert_eq!(t.token.len(), 43);
        assert!(
            t.token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(t.hash.len(), 64);
        assert_eq!(t.hash, token_hash(&t.token));
        assert_ne!(Token::generate().token, t.token);
    }
}
