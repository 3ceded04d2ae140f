//! The owner's side of sharing: one choice says who can find the plan (only them, people
//! with the link, everyone on Explore); the link can be regenerated or revoked; and the
//! owner chooses what link holders see (costs, bookings, a display name). Explore never
//! shows bookings or contact details, whatever the link shows (`views::shared`).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::auth::extractors::CurrentUser;
use crate::db::{Actor, Db};
use crate::domain::ids::PlanId;
use crate::domain::plan::{Visibility, optional_text};
use crate::error::AppError;
use crate::flash;
use crate::models::plan;
use crate::pages::see_other;
use crate::services::sharing::{self, LinkOptions, VisibilityChanged};

/// Creates the link, or replaces it: the old one stops working at once.
pub async fn share(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let had_link = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(sharing::renew_link(conn, user_id, id)?)
        })
        .await?;
    flash::info_at(
        "sharing",
        if had_link {
            "A new share link is ready; the old one no longer works."
        } else {
            "Your share link is ready. Anyone with it can read the plan."
        },
    );
    Ok(see_other(&format!("/plans/{id}#sharing")))
}

/// Stops sharing: the same as choosing "Only me".
pub async fn revoke(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    db.write_as(Actor::User(user_id), move |conn| {
        Ok(sharing::set_visibility(
            conn,
            user_id,
            id,
            Visibility::Private,
        )?)
    })
    .await?;
    let message = "The share link is revoked: nobody can open it any more, and Explore no longer lists the plan.";
    flash::info_at("sharing", message);
    Ok(see_other(&format!("/plans/{id}#sharing")))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VisibilityForm {
    visibility: String,
}

/// The one choice of who can find the plan. Listing it on Explore needs a verified e-mail
/// address; without one nothing changes and the page says why.
pub async fn visibility(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
    web::Form(form): web::Form<VisibilityForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let choice = Visibility::parse(&form.visibility).map_err(AppError::BadRequest)?;
    let changed = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(sharing::set_visibility(conn, user_id, id, choice)?)
        })
        .await?;
    match changed {
        VisibilityChanged::NeedsConfirmedEmail => flash::warning_at(
            "sharing",
            "Confirm your e-mail address to list a plan on Explore; who can find this one is unchanged.",
        ),
        VisibilityChanged::Changed(choice) => flash::info_at(
            "sharing",
            match choice {
                Visibility::Private => {
                    "Only you can find the plan now: its link no longer works, and Explore does not list it."
                }
                Visibility::Link => {
                    "Anyone with the link can read the plan; Explore does not list it."
                }
                Visibility::Public => {
                    "Explore lists the plan: anyone can find and read it there, without its bookings or contact details."
                }
            },
        ),
    }
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
    path: web::Path<PlanId>,
    web::Form(form): web::Form<OptionsForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let display_name = optional_text(&form.display_name, 60)
        .map_err(|e| AppError::BadRequest(format!("Display name: {e}")))?;
    let version = form.version.parse().ok().and_then(plan::version_time);
    let options = LinkOptions {
        show_costs: form.show_costs.is_some(),
        show_bookings: form.show_bookings.is_some(),
        display_name,
    };
    let saved = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(sharing::set_link_options(
                conn, user_id, id, version, options,
            )?)
        })
        .await?;
    if !saved {
        return Err(AppError::Conflict("the plan changed meanwhile".into()));
    }
    flash::info_at("sharing", "Sharing options saved.");
    Ok(see_other(&format!("/plans/{id}#sharing")))
}
