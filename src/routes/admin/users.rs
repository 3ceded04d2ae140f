//! `/admin/users`: find accounts, see one with its providers, plans and sessions, and act
//! on it: deactivate or activate, mark verified, grant or revoke staff, send a password
//! reset mail, delete.

use actix_web::{HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use super::{audit, page_link, plural, search_term, split_page, yes_no};
use crate::auth::extractors::StaffUser;
use crate::db::{Actor, Db};
use crate::domain::ids::UserId;
use crate::error::AppError;
use crate::models::user::{self, User};
use crate::models::views::user_detail::{self, DeletionPreview, UserDetail};
use crate::models::views::users::{self as admin, Provider, UserFilter, UserRow, UserSort};
use crate::pages::{Layout, render, see_other};
use crate::services::staff::{self, Deactivated, Flag, Outcome, Refused};
use crate::state::AppState;

// ---------------------------------------------------------------- list

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    active: String,
    verified: String,
    staff: String,
    /// "google" or "facebook": has that provider linked.
    provider: String,
    sort: String,
    after: String,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct ListPage {
    layout: Layout,
    section: &'static str,
    rows: Vec<UserRow>,
    query: ListQuery,
    sort: UserSort,
    sorts: [UserSort; 5],
    next_page: Option<String>,
    first_page: bool,
    first_page_link: String,
}

impl ListPage {
    fn sort_label(&self, sort: &UserSort) -> &'static str {
        sort_label(*sort)
    }
}

/// A sort order as the list's choice names it.
fn sort_label(sort: UserSort) -> &'static str {
    match sort {
        UserSort::Newest => "Newest first",
        UserSort::Oldest => "Oldest first",
        UserSort::Email => "E-mail",
        UserSort::Username => "Username",
        UserSort::LastLogin => "Last login",
    }
}

pub async fn list(
    staff: StaffUser,
    db: web::Data<Db>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let sort = UserSort::parse(&query.sort);
    let filter = UserFilter {
        search: search_term(&query.q),
        active: yes_no(&query.active),
        verified: yes_no(&query.verified),
        staff: yes_no(&query.staff),
        provider: match query.provider.as_str() {
            "google" => Some(Provider::Google),
            "facebook" => Some(Provider::Facebook),
            _ => None,
        },
        sort,
        after: sort.parse_cursor(&query.after),
    };
    let first_page = filter.after.is_none();
    let mut rows = db
        .read_as(Actor::Staff, move |conn| {
            Ok(admin::list_users(conn, &filter)?)
        })
        .await?;
    let filters = [
        ("q", query.q.as_str()),
        ("active", query.active.as_str()),
        ("verified", query.verified.as_str()),
        ("staff", query.staff.as_str()),
        ("provider", query.provider.as_str()),
        ("sort", query.sort.as_str()),
    ];
    let next_page = split_page(&mut rows).map(|last| {
        page_link(
            "/admin/users",
            &filters,
            Some(&sort.cursor_after(&last.user)),
        )
    });
    let first_page_link = page_link("/admin/users", &filters, None);
    render(&ListPage {
        layout: staff.layout,
        section: "users",
        rows,
        query,
        sort,
        sorts: UserSort::ALL,
        next_page,
        first_page,
        first_page_link,
    })
}

// ---------------------------------------------------------------- one user

#[derive(Template)]
#[template(path = "admin/user.html")]
struct ShowPage {
    layout: Layout,
    section: &'static str,
    detail: UserDetail,
    /// The staff member is looking at their own account.
    own: bool,
}

pub async fn show(
    staff: StaffUser,
    db: web::Data<Db>,
    path: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let detail = db
        .read_as(Actor::Staff, move |conn| {
            Ok(user_detail::user_detail(conn, id)?)
        })
        .await?;
    render(&ShowPage {
        own: staff.id() == id,
        layout: staff.layout,
        section: "users",
        detail,
    })
}

fn user_page(id: UserId) -> HttpResponse {
    see_other(&format!("/admin/users/{id}"))
}

/// A refused action: a flash on the user's page, or the 404 a non-staff visitor gets when
/// the one asking lost their staff rights meanwhile.
fn refused(refusal: Refused, id: UserId, what: &str) -> Result<HttpResponse, AppError> {
    let message = match refusal {
        Refused::NotStaff => return Err(AppError::NotFound),
        Refused::OwnAccount => format!("You cannot {what} your own account."),
        Refused::LastStaff => {
            format!("You cannot {what} the last active staff account.")
        }
    };
    FlashMessage::error(message).send();
    Ok(user_page(id))
}

// ---------------------------------------------------------------- actions

pub async fn deactivate(
    staff: StaffUser,
    db: web::Data<Db>,
    path: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    let (actor, id) = (staff.id(), path.into_inner());
    let outcome = db
        .write_as(Actor::Staff, move |conn| {
            Ok(staff::deactivate(conn, actor, id)?)
        })
        .await?;
    let (before, ended) = match outcome {
        Outcome::Done(Deactivated {
            before,
            sessions_ended,
        }) => (before, sessions_ended),
        Outcome::Refused(refusal) => return refused(refusal, id, "deactivate"),
    };
    audit(
        &staff,
        "user.deactivate",
        "user",
        id,
        format_args!("sessions_ended={ended}"),
    );
    FlashMessage::info(format!(
        "{} is deactivated: they cannot log in, and {} ended.",
        before.username,
        plural(ended as i64, "session was", "sessions were"),
    ))
    .send();
    Ok(user_page(id))
}

async fn set_flag(
    staff: StaffUser,
    db: web::Data<Db>,
    id: UserId,
    flag: Flag,
) -> Result<HttpResponse, AppError> {
    let actor = staff.id();
    let outcome = db
        .write_as(Actor::Staff, move |conn| {
            Ok(staff::set_flag(conn, actor, id, flag)?)
        })
        .await?;
    let before = match outcome {
        Outcome::Done(before) => before,
        Outcome::Refused(refusal) => return refused(refusal, id, "change"),
    };
    let (action, message) = match flag {
        Flag::Active => ("user.activate", "can log in again"),
        Flag::Verified => ("user.verify", "is marked as verified"),
        Flag::Staff => ("user.grant_staff", "is now staff"),
    };
    audit(&staff, action, "user", id, "");
    FlashMessage::info(format!("{} {message}.", before.username)).send();
    Ok(user_page(id))
}

pub async fn activate(
    staff: StaffUser,
    db: web::Data<Db>,
    path: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    set_flag(staff, db, path.into_inner(), Flag::Active).await
}

pub async fn mark_verified(
    staff: StaffUser,
    db: web::Data<Db>,
    path: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    set_flag(staff, db, path.into_inner(), Flag::Verified).await
}

pub async fn grant_staff(
    staff: StaffUser,
    db: web::Data<Db>,
    path: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    set_flag(staff, db, path.into_inner(), Flag::Staff).await
}

pub async fn revoke_staff(
    staff: StaffUser,
    db: web::Data<Db>,
    path: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    let (actor, id) = (staff.id(), path.into_inner());
    let outcome = db
        .write_as(Actor::Staff, move |conn| {
            Ok(staff::revoke_staff(conn, actor, id)?)
        })
        .await?;
    let before = match outcome {
        Outcome::Done(before) => before,
        Outcome::Refused(refusal) => return refused(refusal, id, "remove staff rights from"),
    };
    audit(&staff, "user.revoke_staff", "user", id, "");
    FlashMessage::info(format!("{} is no longer staff.", before.username)).send();
    Ok(user_page(id))
}

/// Mails the user a password-reset link, as the "forgot password" page would (and within
/// the same daily mail limit); not to deactivated accounts, whose links do not work.
pub async fn send_reset(
    staff: StaffUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    path: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let found: User = db.read(move |conn| Ok(user::find(conn, id)?)).await?;
    if !found.active() {
        // Reset links of deactivated accounts do not work.
        FlashMessage::error(format!(
            "{} is deactivated: activate the account before sending a reset link.",
            found.username
        ))
        .send();
        return Ok(user_page(id));
    }
    match crate::routes::accounts::send_reset(&state, &db, &found).await {
        Ok(()) => {
            audit(&staff, "user.send_reset", "user", id, "");
            FlashMessage::info(format!(
                "A password-reset link was mailed to {}; it works for one hour.",
                found.email
            ))
            .send();
        }
        Err(AppError::TooManyRequests { .. }) => {
            FlashMessage::error(format!(
                "{} has had all the mails allowed today; reset their mail counter under Rate limits to send another.",
                found.username
            ))
            .send();
        }
        Err(e) => return Err(e),
    }
    Ok(user_page(id))
}

#[derive(Template)]
#[template(path = "admin/user_delete.html")]
struct DeletePage {
    layout: Layout,
    section: &'static str,
    preview: DeletionPreview,
}

pub async fn delete_form(
    staff: StaffUser,
    db: web::Data<Db>,
    path: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    if id == staff.id() {
        return refused(Refused::OwnAccount, id, "delete");
    }
    let preview = db
        .read_as(Actor::Staff, move |conn| {
            Ok(user_detail::deletion_preview(conn, id)?)
        })
        .await?;
    render(&DeletePage {
        layout: staff.layout,
        section: "users",
        preview,
    })
}

pub async fn delete(
    staff: StaffUser,
    db: web::Data<Db>,
    path: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    let (actor, id) = (staff.id(), path.into_inner());
    let outcome = db
        .write_as(Actor::Staff, move |conn| {
            Ok(staff::delete_user(conn, actor, id)?)
        })
        .await?;
    let deleted = match outcome {
        Outcome::Done(deleted) => deleted,
        Outcome::Refused(refusal) => return refused(refusal, id, "delete"),
    };
    audit(
        &staff,
        "user.delete",
        "user",
        id,
        format_args!(
            "username={} plans={} sessions={}",
            deleted.user.username, deleted.plans, deleted.sessions
        ),
    );
    FlashMessage::info(format!(
        "{} is deleted, with {} and {}.",
        deleted.user.username,
        plural(deleted.plans, "plan", "plans"),
        plural(deleted.activities, "activity", "activities"),
    ))
    .send();
    Ok(see_other("/admin/users"))
}
