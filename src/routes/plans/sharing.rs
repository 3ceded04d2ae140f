//! The owner's side of sharing: create, regenerate and revoke the link, and choose what it
//! shows (costs, bookings, a display name).

use actix_web::{HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use serde::Deserialize;

use crate::auth::extractors::CurrentUser;
use crate::db::{Actor, Db};
use crate::domain::plan::optional_text;
use crate::error::AppError;
use crate::models::plan;
use crate::pages::see_other;

/// Creates the link, or replaces it: the old one stops working at once.
pub async fn share(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let had_link = db
        .write_as(Actor::User(user_id), move |conn| {
            let found = plan::find_for_user(conn, user_id, id)?;
            plan::set_share_token(conn, user_id, id, Some(&plan::new_share_token()))?;
            Ok(found.share_token.is_some())
        })
        .await?;
    FlashMessage::info(if had_link {
        "A new share link is ready; the old one no longer works."
    } else {
        "Your share link is ready. Anyone with it can read the plan."
    })
    .send();
    Ok(see_other(&format!("/plans/{id}#sharing")))
}

pub async fn revoke(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    db.write_as(Actor::User(user_id), move |conn| {
        plan::find_for_user(conn, user_id, id)?;
        Ok(plan::set_share_token(conn, user_id, id, None)?)
    })
    .await?;
    let message = "The share link is revoked: nobody can open it any more, and Explore no longer lists the plan.";
    FlashMessage::info(message).send();
    Ok(see_other(&format!("/plans/{id}#sharing")))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OptionsForm {
    show_costs: Option<String>,
    show_bookings: Option<String>,
    display_name: String,
    version: String,
}

pub async fn options(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    web::Form(form): web::Form<OptionsForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let display_name = optional_text(&form.display_name, 60)
        .map_err(|e| AppError::BadRequest(format!("Display name: {e}")))?;
    let version = form.version.parse().ok().and_then(plan::version_time);
    let saved = db
        .write_as(Actor::User(user_id), move |conn| {
            let found = plan::find_for_user(conn, user_id, id)?;
            let mut data = crate::domain::plan_data::PlanData::from_value(found.plan_data.as_ref());
            let mut sharing = data.sharing();
            sharing.show_costs = form.show_costs.is_some();
            sharing.show_bookings = form.show_bookings.is_some();
            sharing.display_name = display_name;
            data.sharing = Some(sharing);
            let Some(version) = version else {
                return Ok(false);
            };
            Ok(
                plan::update_data_versioned(conn, user_id, id, version, &data.to_value())?
                    .is_some(),
            )
        })
        .await?;
    if !saved {
        return Err(AppError::Conflict("the plan changed meanwhile".into()));
    }
    FlashMessage::info("Sharing options saved.").send();
    Ok(see_other(&format!("/plans/{id}#sharing")))
}
