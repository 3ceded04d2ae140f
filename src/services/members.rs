//! Planning together: the owner invites people by e-mail as editors or viewers, changes
//! their roles, removes them and hands the plan over; a member leaves; an invitee accepts.
//!
//! Inviting reveals nothing about accounts: any address that is not listed on the members
//! page (its open invitations are) gets the same answer, whether an account has it, a
//! member has it, or it is the owner's own. Only a new or re-sent invitation sends a mail;
//! the route sends it after the transaction commits. Everything that changes who is on a
//! plan is recorded in `plan_changes`.

use chrono::Utc;
use diesel::prelude::*;

use crate::config::Collaboration;
use crate::domain::ids::{InvitationId, PlanId, UserId};
use crate::domain::{Email, FieldErrors, MemberRole};
use crate::models::plan_invitation::{
    self, InvitationListing, NewPlanInvitation, PlanInvitation, Token,
};
use crate::models::plan_member::{self, MemberListing, NewPlanMember};
use crate::models::{plan, user};
use crate::services::access::{self, Action, PlanAccess, Role};
use crate::services::history;
use crate::services::{ServiceError, ServiceResult};

/// The members page: who is on the plan, and for its owner the open invitations.
#[derive(Debug)]
pub struct Members {
    pub access: PlanAccess,
    pub owner_username: String,
    pub members: Vec<MemberListing>,
    /// Empty unless the user owns the plan.
    pub invitations: Vec<PlanInvitation>,
}

pub fn members(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
) -> ServiceResult<Members> {
    let access = access::plan(conn, user_id, plan_id, Action::Read)?;
    let owner_username = user::find(conn, access.owner_id())?.username;
    let members = plan_member::list_for_plan(conn, plan_id)?;
    let invitations = if access.can(Action::Manage) {
        plan_invitation::list_open(conn, plan_id)?
    } else {
        Vec::new()
    };
    Ok(Members {
        access,
        owner_username,
        members,
        invitations,
    })
}

/// A checked invitation form.
#[derive(Debug, Clone)]
pub struct Invite {
    pub email: Email,
    pub role: MemberRole,
}

/// The mail an invitation sends: the route sends it once the transaction has committed.
#[derive(Debug, Clone)]
pub struct InvitationMail {
    pub to: String,
    /// The link's token; never logged.
    pub token: String,
    pub plan_title: String,
    pub inviter: String,
    pub role: MemberRole,
    pub valid_days: u64,
}

/// What became of an invitation.
#[derive(Debug)]
pub enum Invited {
    /// A new invitation: mail it.
    New(InvitationMail),
    /// The address had an open invitation: it has a new link now (the old one is dead).
    SentAgain(InvitationMail),
    /// The address is already on the plan (a member's or the owner's): nothing written and
    /// nothing sent, and the page says what it says of a new invitation.
    AlreadyOn,
    /// A limit of the settings: nothing written.
    Refused(FieldErrors),
}

fn username(conn: &mut PgConnection, id: UserId) -> QueryResult<String> {
    Ok(user::find(conn, id)?.username)
}

fn mail_for(
    invitation: &PlanInvitation,
    token: Token,
    plan_title: &str,
    inviter: String,
    limits: &Collaboration,
) -> InvitationMail {
    InvitationMail {
        to: invitation.email.clone(),
        token: token.token,
        plan_title: plan_title.to_string(),
        inviter,
        role: invitation.role,
        valid_days: limits.invitation_ttl.as_secs().div_ceil(86_400),
    }
}

fn expiry(limits: &Collaboration) -> chrono::DateTime<Utc> {
    Utc::now()
        + chrono::TimeDelta::from_std(limits.invitation_ttl).unwrap_or(chrono::TimeDelta::days(7))
}

/// What inviting an address would come to, before anything is written.
enum Decision {
    AlreadyOn,
    Refused(FieldErrors),
    /// Send the address's open invitation again.
    Renew(PlanInvitation),
    Insert,
}

/// The rules of inviting `email` (the owner only): an address already on the plan gets
/// nothing, an open invitation is sent again, a new one must fit the plan's limits.
fn decide(
    conn: &mut PgConnection,
    access: &PlanAccess,
    owner_email: &str,
    email: &str,
    limits: &Collaboration,
) -> QueryResult<Decision> {
    let plan_id = access.plan.id;
    if owner_email.eq_ignore_ascii_case(email)
        || plan_member::has_member_with_email(conn, plan_id, email)?
    {
        return Ok(Decision::AlreadyOn);
    }
    if let Some(open) = plan_invitation::find_open_for_email(conn, plan_id, email)? {
        return Ok(Decision::Renew(open));
    }
    let members = plan_member::count_for_plan(conn, plan_id)?;
    let pending = plan_invitation::count_pending(conn, plan_id)?;
    let max_members = i64::from(limits.max_members_per_plan);
    if members + pending >= max_members {
        return Ok(Decision::Refused(FieldErrors::one(
            "email",
            format!(
                "A plan can have {max_members} members besides its owner, invitations waiting for an answer included: remove a member or revoke an invitation first."
            ),
        )));
    }
    let max_pending = i64::from(limits.max_pending_invitations_per_plan);
    if pending >= max_pending {
        return Ok(Decision::Refused(FieldErrors::one(
            "email",
            format!(
                "{pending} invitations are waiting for an answer, the most a plan can have: revoke one, or wait until one is accepted."
            ),
        )));
    }
    Ok(Decision::Insert)
}

/// What inviting would come to, read only: whether a mail would go out (and be counted
/// against the inviter's daily limit). Editors, viewers and strangers are refused here,
/// before anything is counted.
pub fn review_invite(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    invite: &Invite,
    limits: &Collaboration,
) -> ServiceResult<Reviewed> {
    let access = access::plan(conn, user_id, plan_id, Action::Read)?;
    if !access.can(Action::Manage) {
        return Err(ServiceError::Forbidden);
    }
    let owner = user::find(conn, user_id)?;
    Ok(
        match decide(conn, &access, &owner.email, invite.email.as_ref(), limits)? {
            Decision::AlreadyOn => Reviewed::AlreadyOn,
            Decision::Refused(errors) => Reviewed::Refused(errors),
            Decision::Renew(_) | Decision::Insert => Reviewed::SendsMail,
        },
    )
}

/// What `review_invite` found.
#[derive(Debug)]
pub enum Reviewed {
    SendsMail,
    AlreadyOn,
    Refused(FieldErrors),
}

/// Invites `invite.email` to the plan (its owner only).
pub fn invite(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    invite: &Invite,
    limits: &Collaboration,
) -> ServiceResult<Invited> {
    let access = access::plan(conn, user_id, plan_id, Action::Manage)?;
    let owner = user::find(conn, user_id)?;
    let email = invite.email.as_ref();
    let title = access.plan.title.clone();
    let token = Token::generate();
    match decide(conn, &access, &owner.email, email, limits)? {
        Decision::AlreadyOn => return Ok(Invited::AlreadyOn),
        Decision::Refused(errors) => return Ok(Invited::Refused(errors)),
        Decision::Renew(open) => {
            let renewed = plan_invitation::renew(
                conn,
                open.id,
                &token.hash,
                expiry(limits),
                invite.role,
                user_id,
            )?;
            return Ok(Invited::SentAgain(mail_for(
                &renewed,
                token,
                &title,
                owner.username,
                limits,
            )));
        }
        Decision::Insert => {}
    }
    let invitation = plan_invitation::insert(
        conn,
        &NewPlanInvitation {
            plan_id,
            email,
            role: invite.role,
            token_hash: &token.hash,
            invited_by: Some(user_id),
            expires_at: expiry(limits),
        },
    )?;
    history::record(
        conn,
        history::plan(
            user_id,
            plan_id,
            "member_invited",
            format!(
                "{} invited {} as {}",
                owner.username, invitation.email, invitation.role
            ),
        ),
    )?;
    Ok(Invited::New(mail_for(
        &invitation,
        token,
        &title,
        owner.username,
        limits,
    )))
}

/// Whether the invitation can be sent again (it is the plan's, open, and the user owns the
/// plan), read only: checked before the mail is counted.
pub fn review_resend(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    id: InvitationId,
) -> ServiceResult<()> {
    let access = access::plan(conn, user_id, plan_id, Action::Read)?;
    if !access.can(Action::Manage) {
        return Err(ServiceError::Forbidden);
    }
    let found = plan_invitation::find(conn, plan_id, id)?;
    if found.accepted_at.is_some() || found.revoked_at.is_some() {
        return Err(diesel::result::Error::NotFound.into());
    }
    Ok(())
}

/// Sends an open invitation again with a new link; the old link stops working.
pub fn resend(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    id: InvitationId,
    limits: &Collaboration,
) -> ServiceResult<InvitationMail> {
    let access = access::plan(conn, user_id, plan_id, Action::Manage)?;
    let found = plan_invitation::find_for_plan(conn, plan_id, id)?;
    if found.accepted_at.is_some() || found.revoked_at.is_some() {
        return Err(diesel::result::Error::NotFound.into());
    }
    let token = Token::generate();
    let renewed =
        plan_invitation::renew(conn, id, &token.hash, expiry(limits), found.role, user_id)?;
    let inviter = username(conn, user_id)?;
    Ok(mail_for(
        &renewed,
        token,
        &access.plan.title,
        inviter,
        limits,
    ))
}

/// Revokes an open invitation: its link stops working. The address it went to.
pub fn revoke(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    id: InvitationId,
) -> ServiceResult<String> {
    access::plan(conn, user_id, plan_id, Action::Manage)?;
    let found = plan_invitation::find_for_plan(conn, plan_id, id)?;
    plan_invitation::revoke(conn, id)?;
    Ok(found.email)
}

/// A member's name and role, for the owner's changes.
fn member(
    conn: &mut PgConnection,
    plan_id: PlanId,
    member_id: UserId,
) -> ServiceResult<(String, MemberRole)> {
    let role = plan_member::role_of(conn, plan_id, member_id)?
        .ok_or(ServiceError::Db(diesel::result::Error::NotFound))?;
    Ok((username(conn, member_id)?, role))
}

/// Gives a member another role (the owner only). The member's name.
pub fn change_role(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    member_id: UserId,
    role: MemberRole,
) -> ServiceResult<String> {
    access::plan(conn, user_id, plan_id, Action::Manage)?;
    let (name, before) = member(conn, plan_id, member_id)?;
    if before != role {
        plan_member::set_role(conn, plan_id, member_id, role)?;
        let owner = username(conn, user_id)?;
        history::record(
            conn,
            history::plan(
                user_id,
                plan_id,
                "member_role",
                format!("{owner} made {name} {}", with_article(role)),
            ),
        )?;
    }
    Ok(name)
}

fn with_article(role: MemberRole) -> &'static str {
    match role {
        MemberRole::Editor => "an editor",
        MemberRole::Viewer => "a viewer",
    }
}

/// Takes a member off the plan (the owner only): their next request to it is a 404. The
/// member's name.
pub fn remove(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    member_id: UserId,
) -> ServiceResult<String> {
    access::plan(conn, user_id, plan_id, Action::Manage)?;
    let (name, _) = member(conn, plan_id, member_id)?;
    let owner = username(conn, user_id)?;
    history::record(
        conn,
        history::plan(
            user_id,
            plan_id,
            "member_removed",
            format!("{owner} removed {name}"),
        ),
    )?;
    plan_member::remove(conn, plan_id, member_id)?;
    Ok(name)
}

/// What became of a hand-over.
#[derive(Debug)]
pub enum Transferred {
    /// The plan is `to`'s now; its old owner is an editor.
    Done { to: String },
    /// The chosen account is not a member: nothing written.
    NotAMember,
}

/// Hands the plan over to one of its members (the owner only); the old owner stays on as
/// an editor.
pub fn transfer(
    conn: &mut PgConnection,
    user_id: UserId,
    plan_id: PlanId,
    to: UserId,
) -> ServiceResult<Transferred> {
    access::plan(conn, user_id, plan_id, Action::Manage)?;
    if plan_member::role_of(conn, plan_id, to)?.is_none() {
        return Ok(Transferred::NotAMember);
    }
    let (from_name, to_name) = (username(conn, user_id)?, username(conn, to)?);
    history::record(
        conn,
        history::plan(
            user_id,
            plan_id,
            "plan_transferred",
            format!("{from_name} handed the plan over to {to_name}"),
        ),
    )?;
    hand_over(conn, plan_id, user_id, to)?;
    Ok(Transferred::Done { to: to_name })
}

/// Moves plan `plan_id` from `from` to its member `to`. In this order, for row security
/// (migration 000013): `to`'s membership goes first (an owner is no member), then `from`
/// becomes an editor, which is what lets `from` write a row they no longer own
/// (`plans_editor`'s check), then the owner changes. An account being deleted takes the
/// old owner's new membership with it.
pub fn hand_over(
    conn: &mut PgConnection,
    plan_id: PlanId,
    from: UserId,
    to: UserId,
) -> QueryResult<()> {
    plan_member::remove(conn, plan_id, to)?;
    plan_member::insert(
        conn,
        &NewPlanMember {
            plan_id,
            user_id: from,
            role: MemberRole::Editor,
            invited_by: Some(to),
        },
    )?;
    if plan::set_owner(conn, plan_id, from, to)? == 0 {
        return Err(diesel::result::Error::NotFound);
    }
    Ok(())
}

/// What became of leaving.
#[derive(Debug)]
pub enum Left {
    /// Off the plan; its title.
    Left(String),
    /// The owner cannot leave their plan (they hand it over, or delete it).
    Owner,
}

/// Takes the user off a plan they are a member of.
pub fn leave(conn: &mut PgConnection, user_id: UserId, plan_id: PlanId) -> ServiceResult<Left> {
    let access = access::plan(conn, user_id, plan_id, Action::Read)?;
    if access.role == Role::Owner {
        return Ok(Left::Owner);
    }
    let name = username(conn, user_id)?;
    // Recorded first: once off the plan, the user may not write its history.
    history::record(
        conn,
        history::plan(
            user_id,
            plan_id,
            "member_left",
            format!("{name} left the plan"),
        ),
    )?;
    plan_member::remove(conn, plan_id, user_id)?;
    Ok(Left::Left(access.plan.title))
}

// ---------------------------------------------------------------- the invitee's side

/// An invitation as its link shows it to the visitor holding it.
#[derive(Debug)]
pub enum Opened {
    /// Unknown, expired, revoked or accepted: one answer for all.
    Gone,
    /// Open, and the visitor may accept it (or sign in to).
    Open(InvitationListing),
    /// Open, but for another address than the signed-in account's.
    ForAnotherAddress,
}

/// Reads the invitation whose token hashes to `hash`, for `viewer` (`None`: anonymous).
/// Row security: `Actor::Invitee(viewer, hash)`.
pub fn open(conn: &mut PgConnection, viewer: Option<UserId>, hash: &str) -> ServiceResult<Opened> {
    let Some(found) = plan_invitation::find_by_token_hash(conn, hash)? else {
        return Ok(Opened::Gone);
    };
    if !found.invitation.usable(Utc::now()) {
        return Ok(Opened::Gone);
    }
    if let Some(viewer) = viewer {
        let account = user::find(conn, viewer)?;
        if !account.email.eq_ignore_ascii_case(&found.invitation.email) {
            return Ok(Opened::ForAnotherAddress);
        }
    }
    Ok(Opened::Open(found))
}

/// What became of accepting an invitation.
#[derive(Debug)]
pub enum Accepted {
    /// A member now (or already was one).
    Joined {
        plan_id: PlanId,
        title: String,
        role: MemberRole,
    },
    Gone,
    ForAnotherAddress,
    /// The plan has its maximum of members: nothing written.
    Full,
}

/// Accepts the invitation whose token hashes to `hash` as `user_id`, whose address must be
/// the invited one. Coming from the mailed link, it confirms that address too. Row security:
/// `Actor::Invitee(user_id, hash)`, which lets the invitee add themselves in the invited role.
pub fn accept(
    conn: &mut PgConnection,
    user_id: UserId,
    hash: &str,
    limits: &Collaboration,
) -> ServiceResult<Accepted> {
    let found = match open(conn, Some(user_id), hash)? {
        Opened::Gone => return Ok(Accepted::Gone),
        Opened::ForAnotherAddress => return Ok(Accepted::ForAnotherAddress),
        Opened::Open(found) => found,
    };
    let invitation = &found.invitation;
    let plan_id = invitation.plan_id;
    if plan_member::role_of(conn, plan_id, user_id)?.is_none() {
        let members = plan_member::count_for_plan(conn, plan_id)?;
        if members >= i64::from(limits.max_members_per_plan) {
            return Ok(Accepted::Full);
        }
        plan_member::insert_new(
            conn,
            &NewPlanMember {
                plan_id,
                user_id,
                role: invitation.role,
                invited_by: invitation.invited_by,
            },
        )?;
    }
    plan_invitation::mark_accepted(conn, invitation.id, user_id)?;
    user::mark_verified(conn, user_id)?;
    let name = username(conn, user_id)?;
    history::record(
        conn,
        history::plan(
            user_id,
            plan_id,
            "member_joined",
            format!("{name} joined as {}", invitation.role),
        ),
    )?;
    Ok(Accepted::Joined {
        plan_id,
        title: found.plan_title,
        role: invitation.role,
    })
}
