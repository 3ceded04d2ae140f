//! `/plans/{id}/members` and `/invitations/{token}`: who is on a plan, the owner's
//! invitations and changes, a member leaving, and an invitee accepting.
//!
//! Invitation mails go out after the transaction that made their link commits, within the
//! inviter's daily limit (`LIMIT_INVITATIONS_PER_USER`, counted before, given back when no
//! mail goes out). The link's token is never logged: the request log names the route's
//! pattern, not its path.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use crate::auth::extractors::{CurrentUser, Visitor};
use crate::db::{Actor, Db};
use crate::domain::ids::{InvitationId, PlanId, UserId};
use crate::domain::{Email, FieldErrors, MemberRole};
use crate::error::AppError;
use crate::models::plan_invitation::{self, InvitationListing, PlanInvitation};
use crate::models::plan_member::MemberListing;
use crate::pages::{Layout, render, render_with, see_other};
use crate::rate_limit::Kind;
use crate::services::access::{Action, Role};
use crate::services::members::{
    self, Accepted, InvitationMail, Invite, Invited, Left, Members, Opened, Reviewed, Transferred,
};
use crate::state::AppState;

// ---------------------------------------------------------------- the members page

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct InviteForm {
    pub email: String,
    pub role: String,
}

#[derive(Template)]
#[template(path = "plans/members.html")]
struct MembersPage {
    layout: Layout,
    plan_id: PlanId,
    title: String,
    role: Role,
    owner_username: String,
    members: Vec<MemberListing>,
    invitations: Vec<PlanInvitation>,
    form: InviteForm,
    errors: FieldErrors,
    roles: [MemberRole; 2],
    now: chrono::DateTime<chrono::Utc>,
}

impl MembersPage {
    fn new(layout: Layout, found: Members, form: InviteForm, errors: FieldErrors) -> Self {
        MembersPage {
            layout,
            plan_id: found.access.plan.id,
            title: found.access.plan.title.clone(),
            role: found.access.role,
            owner_username: found.owner_username,
            members: found.members,
            invitations: found.invitations,
            form,
            errors,
            roles: MemberRole::ALL,
            now: chrono::Utc::now(),
        }
    }

    fn is_owner(&self) -> bool {
        self.role.allows(Action::Manage)
    }

    fn expired(&self, invitation: &PlanInvitation) -> bool {
        invitation.expired(self.now)
    }

    /// The invitation form's role, `viewer` until one is chosen.
    fn chosen_role(&self, role: &MemberRole) -> bool {
        match self.form.role.as_str() {
            "" => *role == MemberRole::Viewer,
            chosen => chosen == role.as_str(),
        }
    }
}

pub async fn page(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let found = db
        .read_as(Actor::User(user_id), move |conn| {
            Ok(members::members(conn, user_id, id)?)
        })
        .await?;
    render(&MembersPage::new(
        current.layout,
        found,
        InviteForm::default(),
        FieldErrors::default(),
    ))
}

/// The members page again, with the errors beside their fields (422): nothing was written.
async fn refused(
    current: CurrentUser,
    db: &Db,
    id: PlanId,
    form: InviteForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let user_id = current.id();
    let found = db
        .read_as(Actor::User(user_id), move |conn| {
            Ok(members::members(conn, user_id, id)?)
        })
        .await?;
    render_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        &MembersPage::new(current.layout, found, form, errors),
    )
}

impl TryFrom<&InviteForm> for Invite {
    type Error = FieldErrors;

    fn try_from(form: &InviteForm) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let email = errors.check("email", Email::parse(&form.email));
        let role = errors.check("role", form.role.parse::<MemberRole>());
        match (email, role) {
            (Some(email), Some(role)) if errors.is_empty() => Ok(Invite { email, role }),
            _ => Err(errors),
        }
    }
}

pub async fn invite(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
    web::Form(form): web::Form<InviteForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let invite = match Invite::try_from(&form) {
        Ok(invite) => invite,
        Err(errors) => return refused(current, &db, id, form, errors).await,
    };
    let limits = state.settings.collaboration;
    let address = invite.email.as_ref().to_string();
    // Read first: what editors, viewers and strangers may not do, what is refused and
    // what sends no mail is answered before anything is counted.
    let checked = invite.clone();
    let reviewed = db
        .read_as(Actor::User(user_id), move |conn| {
            Ok(members::review_invite(
                conn, user_id, id, &checked, &limits,
            )?)
        })
        .await?;
    match reviewed {
        Reviewed::SendsMail => count_mail(&state, &db, user_id).await?,
        Reviewed::AlreadyOn => return Ok(invitation_sent(id, &address)),
        Reviewed::Refused(errors) => return refused(current, &db, id, form, errors).await,
    }
    let invited = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(members::invite(conn, user_id, id, &invite, &limits)?)
        })
        .await;
    let invited = match invited {
        Ok(invited) => invited,
        Err(e) => {
            give_back_mail(&state, &db, user_id).await?;
            return Err(e);
        }
    };
    match invited {
        Invited::New(mail) | Invited::SentAgain(mail) => {
            send_invitation(&state, &mail).await;
        }
        Invited::AlreadyOn => give_back_mail(&state, &db, user_id).await?,
        Invited::Refused(errors) => {
            give_back_mail(&state, &db, user_id).await?;
            return refused(current, &db, id, form, errors).await;
        }
    }
    Ok(invitation_sent(id, &address))
}

/// The one answer to inviting an address that the page does not list yet.
fn invitation_sent(id: PlanId, address: &str) -> HttpResponse {
    FlashMessage::info(format!("Invitation sent to {address}.")).send();
    see_other(&format!("/plans/{id}/members"))
}

/// Counts one invitation mail against the user's daily limit: 429 past it.
async fn count_mail(state: &AppState, db: &Db, user_id: UserId) -> Result<(), AppError> {
    let limit = state.settings.collaboration.invitations_per_user;
    state
        .limiter
        .hit(db, Kind::InvitationMail, &user_id.to_string(), limit)
        .await
}

async fn give_back_mail(state: &AppState, db: &Db, user_id: UserId) -> Result<(), AppError> {
    state
        .limiter
        .refund(db, Kind::InvitationMail, &user_id.to_string())
        .await
}

/// Mails an invitation's link. A failure is logged (without the link) and the owner can
/// send it again from the page: the invitation stands.
async fn send_invitation(state: &AppState, mail: &InvitationMail) {
    let link = state.link(&format!("/invitations/{}", mail.token));
    let body = format!(
        "Hello,\n\n{inviter} invites you to plan \u{201c}{title}\u{201d} on Wayfare as {article}.\n\n\
         Open this link to accept (sign in, or sign up with this address, first):\n\n{link}\n\n\
         The link works for {days} days. If you do not want to join, ignore this mail.\n",
        inviter = mail.inviter,
        title = mail.plan_title,
        article = match mail.role {
            MemberRole::Editor => "an editor",
            MemberRole::Viewer => "a viewer",
        },
        days = mail.valid_days,
    );
    let subject = format!("{} invites you to plan a trip on Wayfare", mail.inviter);
    if let Err(e) = state.mailer.send(&mail.to, &subject, body).await {
        tracing::error!(error = format!("{e:#}"), "invitation mail failed");
    }
}

pub async fn resend(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    path: web::Path<(PlanId, InvitationId)>,
) -> Result<HttpResponse, AppError> {
    let (user_id, (id, invitation_id)) = (current.id(), path.into_inner());
    db.read_as(Actor::User(user_id), move |conn| {
        Ok(members::review_resend(conn, user_id, id, invitation_id)?)
    })
    .await?;
    count_mail(&state, &db, user_id).await?;
    let limits = state.settings.collaboration;
    let renewed = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(members::resend(conn, user_id, id, invitation_id, &limits)?)
        })
        .await;
    let mail = match renewed {
        Ok(mail) => mail,
        Err(e) => {
            give_back_mail(&state, &db, user_id).await?;
            return Err(e);
        }
    };
    send_invitation(&state, &mail).await;
    FlashMessage::info(format!(
        "Invitation sent again to {}; the earlier link no longer works.",
        mail.to
    ))
    .send();
    Ok(see_other(&format!("/plans/{id}/members")))
}

pub async fn revoke(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(PlanId, InvitationId)>,
) -> Result<HttpResponse, AppError> {
    let (user_id, (id, invitation_id)) = (current.id(), path.into_inner());
    let email = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(members::revoke(conn, user_id, id, invitation_id)?)
        })
        .await?;
    FlashMessage::info(format!(
        "The invitation to {email} is revoked: its link no longer works."
    ))
    .send();
    Ok(see_other(&format!("/plans/{id}/members")))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleForm {
    role: String,
}

pub async fn change_role(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(PlanId, UserId)>,
    web::Form(form): web::Form<RoleForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, (id, member_id)) = (current.id(), path.into_inner());
    let role: MemberRole = match form.role.parse() {
        Ok(role) => role,
        Err(message) => {
            let errors = FieldErrors::one("member_role", message);
            return refused(current, &db, id, InviteForm::default(), errors).await;
        }
    };
    let name = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(members::change_role(conn, user_id, id, member_id, role)?)
        })
        .await?;
    FlashMessage::info(format!("{name} is {} now.", role.label().to_lowercase())).send();
    Ok(see_other(&format!("/plans/{id}/members")))
}

pub async fn remove(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(PlanId, UserId)>,
) -> Result<HttpResponse, AppError> {
    let (user_id, (id, member_id)) = (current.id(), path.into_inner());
    let name = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(members::remove(conn, user_id, id, member_id)?)
        })
        .await?;
    FlashMessage::info(format!("{name} is no longer on this plan.")).send();
    Ok(see_other(&format!("/plans/{id}/members")))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TransferForm {
    user_id: String,
}

const CHOOSE_MEMBER: &str = "Choose a member of this plan.";

pub async fn transfer(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
    web::Form(form): web::Form<TransferForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let Ok(to) = form.user_id.trim().parse::<i32>().map(UserId) else {
        let errors = FieldErrors::one("user_id", CHOOSE_MEMBER);
        return refused(current, &db, id, InviteForm::default(), errors).await;
    };
    let transferred = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(members::transfer(conn, user_id, id, to)?)
        })
        .await?;
    match transferred {
        Transferred::Done { to } => {
            FlashMessage::info(format!(
                "The plan is {to}'s now. You stay on it as an editor."
            ))
            .send();
            Ok(see_other(&format!("/plans/{id}/members")))
        }
        Transferred::NotAMember => {
            let errors = FieldErrors::one("user_id", CHOOSE_MEMBER);
            refused(current, &db, id, InviteForm::default(), errors).await
        }
    }
}

pub async fn leave(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let left = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(members::leave(conn, user_id, id)?)
        })
        .await?;
    match left {
        Left::Left(title) => {
            FlashMessage::info(format!("You left \u{201c}{title}\u{201d}.")).send();
            Ok(see_other("/plans"))
        }
        Left::Owner => Err(AppError::Invalid(
            "You own this plan, so you cannot leave it: hand it over to a member first, or delete it."
                .into(),
        )),
    }
}

// ---------------------------------------------------------------- the invitee's side

#[derive(Template)]
#[template(path = "plans/invitation.html")]
struct InvitationPage {
    layout: Layout,
    token: String,
    signed_in: bool,
    invitation: InvitationListing,
}

impl InvitationPage {
    fn role_article(&self) -> &'static str {
        match self.invitation.invitation.role {
            MemberRole::Editor => "an editor",
            MemberRole::Viewer => "a viewer",
        }
    }

    /// `?next=` back to this page, for the sign-in and sign-up links.
    fn next_query(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("next", &format!("/invitations/{}", self.token))
            .finish()
    }
}

#[derive(Template)]
#[template(path = "accounts/message.html")]
struct MessagePage {
    layout: Layout,
    title: String,
    message: String,
    link_href: String,
    link_text: String,
}

/// Unknown, expired, revoked and accepted links: one answer, which tells nothing apart.
fn gone(layout: Layout) -> Result<HttpResponse, AppError> {
    render_with(
        StatusCode::GONE,
        &MessagePage {
            layout,
            title: "This invitation no longer works".into(),
            message: "The link has expired, was withdrawn, or has been used already. Ask whoever invited you to send it again.".into(),
            link_href: "/".into(),
            link_text: "Go to Wayfare".into(),
        },
    )
}

/// Signed in to an account whose address is not the invited one: nothing is written.
fn for_another_address(layout: Layout) -> Result<HttpResponse, AppError> {
    render_with(
        StatusCode::FORBIDDEN,
        &MessagePage {
            layout,
            title: "This invitation is for another address".into(),
            message: "This invitation is for another address than your account's. Sign out and sign in (or sign up) with the address it was sent to, then open the link again.".into(),
            link_href: "/plans".into(),
            link_text: "My plans".into(),
        },
    )
}

/// The actor that reads an invitation by its link. An anonymous visitor holding the link
/// reads it as no account (id 0, which no account has): they see what the link opens.
fn invitee(user: Option<UserId>, hash: &str) -> Actor {
    Actor::Invitee(user.unwrap_or(UserId(0)), hash.to_string())
}

pub async fn invitation(
    visitor: Visitor,
    db: web::Data<Db>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let hash = plan_invitation::token_hash(&token);
    let viewer = visitor.user.as_ref().map(|u| u.id);
    let opened = db
        .read_as(invitee(viewer, &hash), move |conn| {
            Ok(members::open(conn, viewer, &hash)?)
        })
        .await?;
    match opened {
        Opened::Gone => gone(visitor.layout),
        Opened::ForAnotherAddress => for_another_address(visitor.layout),
        Opened::Open(invitation) => render(&InvitationPage {
            layout: visitor.layout,
            token,
            signed_in: viewer.is_some(),
            invitation,
        }),
    }
}

pub async fn accept(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let user_id = current.id();
    let hash = plan_invitation::token_hash(&token.into_inner());
    let limits = state.settings.collaboration;
    let accepted = db
        .write_as(invitee(Some(user_id), &hash), move |conn| {
            Ok(members::accept(conn, user_id, &hash, &limits)?)
        })
        .await?;
    match accepted {
        Accepted::Joined {
            plan_id,
            title,
            role,
        } => {
            FlashMessage::info(format!(
                "Welcome aboard: you are on \u{201c}{title}\u{201d} as {}.",
                role.label().to_lowercase()
            ))
            .send();
            Ok(see_other(&format!("/plans/{plan_id}")))
        }
        Accepted::Gone => gone(current.layout),
        Accepted::ForAnotherAddress => for_another_address(current.layout),
        Accepted::Full => Err(AppError::Invalid(
            "This plan has as many members as it can have. Ask whoever invited you to make room, then open the link again.".into(),
        )),
    }
}
