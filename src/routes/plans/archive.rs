//! Plans that `wayfare archive` moved out of the live tables: read-only, and restorable by
//! their owner.

use actix_web::{HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;

use crate::auth::extractors::CurrentUser;
use crate::db::Db;
use crate::domain::ids::PlanId;
use crate::error::AppError;
use crate::models::archive::{self as archived, ArchivedPlan};
use crate::ops::archive;
use crate::pages::{Layout, render, see_other};

#[derive(Template)]
#[template(path = "plans/archive.html")]
struct ArchivePage {
    layout: Layout,
    plans: Vec<ArchivedPlan>,
}

pub async fn list(current: CurrentUser, db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    let user_id = current.id();
    let plans = db
        .read(move |conn| Ok(archived::list_for_user(conn, user_id)?))
        .await?;
    render(&ArchivePage {
        layout: current.layout,
        plans,
    })
}

pub async fn restore(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    // The archive tables have no row-level security: `restore` checks the owner itself.
    let restored = db
        .write(move |conn| Ok(archive::restore(conn, id, Some(user_id))?))
        .await?;
    if !restored {
        return Err(AppError::NotFound);
    }
    FlashMessage::info("The plan is back among your plans, with its activities.").send();
    Ok(see_other(&format!("/plans/{id}")))
}
