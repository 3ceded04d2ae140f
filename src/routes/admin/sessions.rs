//! `/admin/sessions`: signed-in browsers with their user, address, device and expiry; end
//! one, or all of a user's.

use actix_web::{HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use super::{NextForm, audit, back_to, page_link, plural, search_term, split_page};
use crate::auth::extractors::StaffUser;
use crate::db::{Actor, Db};
use crate::domain::ids::UserId;
use crate::error::AppError;
use crate::models::user_session;
use crate::models::views::sessions::{self as admin, SessionFilter, SessionRow};
use crate::pages::{Layout, render, see_other};
use crate::services::staff;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// The user's id, username or e-mail.
    user: String,
    after: String,
}

#[derive(Template)]
#[template(path = "admin/sessions.html")]
struct ListPage {
    layout: Layout,
    section: &'static str,
    rows: Vec<SessionRow>,
    query: ListQuery,
    /// The browser asking: its row is marked.
    current: Option<i32>,
    next_page: Option<String>,
    first_page: bool,
    first_page_link: String,
    this_page: String,
}

pub async fn list(
    staff: StaffUser,
    db: web::Data<Db>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let filter = SessionFilter {
        user: search_term(&query.user),
        after: query.after.parse().ok(),
    };
    let first_page = filter.after.is_none();
    let mut rows = db
        .read_as(Actor::Staff, move |conn| {
            Ok(admin::list_sessions(conn, &filter)?)
        })
        .await?;
    let filters = [("user", query.user.as_str())];
    let next_page = split_page(&mut rows).map(|last| {
        page_link(
            "/admin/sessions",
            &filters,
            Some(&last.session.id.to_string()),
        )
    });
    let this_page = page_link(
        "/admin/sessions",
        &filters,
        (!first_page).then_some(query.after.as_str()),
    );
    let first_page_link = page_link("/admin/sessions", &filters, None);
    render(&ListPage {
        current: current_row(&staff),
        first_page_link,
        layout: staff.layout,
        section: "sessions",
        rows,
        query,
        next_page,
        first_page,
        this_page,
    })
}

/// The `user_sessions` row of the browser asking (the store puts its id in the state).
fn current_row(staff: &StaffUser) -> Option<i32> {
    use crate::auth::session_store::SESSION_ROW;
    let session = &staff.session;
    session.get::<i32>(SESSION_ROW).ok().flatten().or_else(|| {
        let raw = session.get::<String>(SESSION_ROW).ok().flatten()?;
        raw.parse().ok()
    })
}

/// Ends one session: that browser is signed out on its next request.
pub async fn revoke(
    staff: StaffUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    web::Form(form): web::Form<NextForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let user_id = db
        .write_as(Actor::Staff, move |conn| {
            Ok(user_session::delete(conn, id)?)
        })
        .await?;
    audit(
        &staff,
        "session.revoke",
        "session",
        id,
        format_args!("user_id={user_id}"),
    );
    FlashMessage::info("The session is ended.").send();
    Ok(see_other(&back_to(&form.next, "/admin/sessions".into())))
}

/// Ends every session of a user: signed out everywhere at once.
pub async fn revoke_all_of_user(
    staff: StaffUser,
    db: web::Data<Db>,
    path: web::Path<UserId>,
    web::Form(form): web::Form<NextForm>,
) -> Result<HttpResponse, AppError> {
    let user_id = path.into_inner();
    let ended = db
        .write_as(Actor::Staff, move |conn| {
            Ok(staff::end_sessions(conn, user_id)?)
        })
        .await?;
    if ended > 0 {
        audit(
            &staff,
            "user.revoke_sessions",
            "user",
            user_id,
            format_args!("sessions_ended={ended}"),
        );
    }
    FlashMessage::info(format!(
        "{} ended.",
        plural(ended as i64, "session was", "sessions were")
    ))
    .send();
    Ok(see_other(&back_to(
        &form.next,
        format!("/admin/users/{user_id}"),
    )))
}
