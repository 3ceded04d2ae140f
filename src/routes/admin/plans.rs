//! `/admin/plans`: every user's plans, a read-only view of one, and moderation: unpublish
//! (make private), archive, revoke the share link. The owner sees each change in their
//! own pages as it is; nothing else about the plan changes.

use actix_web::{HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use super::{audit, page_link, search_term, split_page, yes_no};
use crate::auth::extractors::StaffUser;
use crate::db::{Actor, Db};
use crate::domain::PlanStatus;
use crate::domain::ids::PlanId;
use crate::error::AppError;
use crate::models::plan::{self, Moderation};
use crate::models::views::plans::{self as admin, ChangeCursor, PlanDetail, PlanFilter, PlanRow};
use crate::pages::{Layout, render, see_other};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    status: String,
    public: String,
    /// The owner's id, username or e-mail.
    owner: String,
    after: String,
}

#[derive(Template)]
#[template(path = "admin/plans.html")]
struct ListPage {
    layout: Layout,
    section: &'static str,
    rows: Vec<PlanRow>,
    query: ListQuery,
    statuses: [PlanStatus; 3],
    next_page: Option<String>,
    first_page: bool,
    first_page_link: String,
}

pub async fn list(
    staff: StaffUser,
    db: web::Data<Db>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let filter = PlanFilter {
        search: search_term(&query.q),
        status: query.status.parse().ok(),
        public: yes_no(&query.public),
        owner: search_term(&query.owner),
        after: query.after.parse().ok(),
    };
    let first_page = filter.after.is_none();
    let mut rows = db
        .read_as(Actor::Staff, move |conn| {
            Ok(admin::list_plans(conn, &filter)?)
        })
        .await?;
    let filters = [
        ("q", query.q.as_str()),
        ("status", query.status.as_str()),
        ("public", query.public.as_str()),
        ("owner", query.owner.as_str()),
    ];
    let next_page = split_page(&mut rows)
        .map(|last| page_link("/admin/plans", &filters, Some(&last.plan.id.to_string())));
    let first_page_link = page_link("/admin/plans", &filters, None);
    render(&ListPage {
        layout: staff.layout,
        section: "plans",
        rows,
        query,
        statuses: PlanStatus::ALL,
        next_page,
        first_page,
        first_page_link,
    })
}

#[derive(Template)]
#[template(path = "admin/plan.html")]
struct ShowPage {
    layout: Layout,
    section: &'static str,
    detail: PlanDetail,
    share_url: Option<String>,
    /// Showing an older page of the history (a link back to the newest is due).
    older_page: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    /// Where the page of history starts (`ChangeCursor`); the newest changes without it.
    before: String,
}

/// The plan as its owner sees it, read only, with its activities in itinerary order, its
/// members and its history (newest first, paged by keyset). A cursor that does not read
/// shows the newest page.
pub async fn show(
    staff: StaffUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let before: Option<ChangeCursor> = query.before.parse().ok();
    let detail = db
        .read_as(Actor::Staff, move |conn| {
            Ok(admin::plan_detail(conn, id, before)?)
        })
        .await?;
    render(&ShowPage {
        older_page: before.is_some(),
        share_url: detail
            .plan
            .share_token
            .as_ref()
            .map(|t| state.link(&format!("/s/{t}"))),
        layout: staff.layout,
        section: "plans",
        detail,
    })
}

async fn moderate(
    staff: StaffUser,
    db: web::Data<Db>,
    id: PlanId,
    action: Moderation,
) -> Result<HttpResponse, AppError> {
    let (owner, changed) = db
        .write_as(Actor::Staff, move |conn| {
            Ok(plan::moderate(conn, id, action)?)
        })
        .await?;
    let message = match (action, changed) {
        (Moderation::Unpublish, true) => "The plan is private now; it is off Explore.",
        (Moderation::Unpublish, false) => "The plan was private already.",
        (Moderation::Archive, true) => "The plan is archived.",
        (Moderation::Archive, false) => "The plan was archived already.",
        (Moderation::RevokeShare, true) => "The share link is revoked; it leads nowhere now.",
        (Moderation::RevokeShare, false) => "The plan had no share link.",
    };
    if changed {
        audit(
            &staff,
            action.as_str(),
            "plan",
            id,
            format_args!("owner_id={owner}"),
        );
    }
    FlashMessage::info(message).send();
    Ok(see_other(&format!("/admin/plans/{id}")))
}

pub async fn unpublish(
    staff: StaffUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    moderate(staff, db, path.into_inner(), Moderation::Unpublish).await
}

pub async fn archive(
    staff: StaffUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    moderate(staff, db, path.into_inner(), Moderation::Archive).await
}

pub async fn revoke_share(
    staff: StaffUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    moderate(staff, db, path.into_inner(), Moderation::RevokeShare).await
}
