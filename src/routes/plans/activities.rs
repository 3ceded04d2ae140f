//! Activities of a plan: add, edit, delete, reorder, move between days, tick off.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::extractors::CurrentUser;
use crate::db::{Actor, Db};
use crate::domain::activity::{ACTIVITY_TYPES, ActivityInput};
use crate::domain::plan::optional_date;
use crate::error::AppError;
use crate::models::plan::{self, Plan};
use crate::models::plan_activity::{self, NewPlanActivity, PlanActivity};
use crate::pages::{FieldErrors, Layout, render, render_with, see_other};
use crate::rate_limit::Kind;
use crate::state::AppState;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ActivityForm {
    pub title: String,
    pub description: String,
    pub activity_type: String,
    pub location_name: String,
    pub address: String,
    pub latitude: String,
    pub longitude: String,
    pub scheduled_date: String,
    pub start_time: String,
    pub end_time: String,
    pub duration_minutes: String,
    pub estimated_cost: String,
    pub actual_cost: String,
    pub confirmation_number: String,
    pub provider: String,
    pub cancellation_policy: String,
    pub phone: String,
    pub website: String,
    pub email: String,
    pub rating: String,
    pub tags: String,
    pub version: String,
}

impl ActivityForm {
    fn from_activity(a: &PlanActivity) -> Self {
        let i = ActivityInput::from_activity(a);
        ActivityForm {
            title: i.title,
            description: i.description,
            activity_type: i.activity_type,
            location_name: i.location_name,
            address: i.address,
            latitude: i.latitude,
            longitude: i.longitude,
            scheduled_date: i.scheduled_date,
            start_time: i.start_time,
            end_time: i.end_time,
            duration_minutes: i.duration_minutes,
            estimated_cost: i.estimated_cost,
            actual_cost: i.actual_cost,
            confirmation_number: i.confirmation_number,
            provider: i.provider,
            cancellation_policy: i.cancellation_policy,
            phone: i.phone,
            website: i.website,
            email: i.email,
            rating: i.rating,
            tags: i.tags,
            version: a.version().to_string(),
        }
    }

    /// The checked row (order_index is set by the caller), merging the form's metadata
    /// fields into `existing` so keys the form does not show survive.
    fn validate(
        &self,
        plan_id: i32,
        existing: Option<&serde_json::Value>,
    ) -> Result<NewPlanActivity, FieldErrors> {
        let input = ActivityInput {
            title: self.title.clone(),
            description: self.description.clone(),
            activity_type: self.activity_type.clone(),
            location_name: self.location_name.clone(),
            address: self.address.clone(),
            latitude: self.latitude.clone(),
            longitude: self.longitude.clone(),
            scheduled_date: self.scheduled_date.clone(),
            start_time: self.start_time.clone(),
            end_time: self.end_time.clone(),
            duration_minutes: self.duration_minutes.clone(),
            estimated_cost: self.estimated_cost.clone(),
            actual_cost: self.actual_cost.clone(),
            confirmation_number: self.confirmation_number.clone(),
            provider: self.provider.clone(),
            cancellation_policy: self.cancellation_policy.clone(),
            phone: self.phone.clone(),
            website: self.website.clone(),
            email: self.email.clone(),
            rating: self.rating.clone(),
            tags: self.tags.clone(),
        };
        Ok(NewPlanActivity::from_valid(
            plan_id,
            0,
            input.validate(existing)?,
        ))
    }
}

#[derive(Template)]
#[template(path = "plans/activity_form.html")]
struct FormPage {
    layout: Layout,
    plan: Plan,
    /// `None` for a new activity.
    activity_id: Option<i32>,
    form: ActivityForm,
    errors: FieldErrors,
    types: [&'static str; 6],
    tile_url: String,
    newer: Option<PlanActivity>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewQuery {
    date: String,
}

async fn own_plan(db: &Db, user_id: i32, plan_id: i32) -> Result<Plan, AppError> {
    db.read_as(Actor::User(user_id), move |conn| {
        Ok(plan::find_for_user(conn, user_id, plan_id)?)
    })
    .await
}

pub async fn new_form(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    path: web::Path<i32>,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, AppError> {
    let found = own_plan(&db, current.id(), path.into_inner()).await?;
    let date = optional_date(&query.date)
        .ok()
        .flatten()
        .or(found.start_date);
    let form = ActivityForm {
        scheduled_date: date.map(|d| d.to_string()).unwrap_or_default(),
        ..ActivityForm::default()
    };
    render(&FormPage {
        layout: current.layout,
        plan: found,
        activity_id: None,
        form,
        errors: FieldErrors::default(),
        types: ACTIVITY_TYPES,
        tile_url: state.settings.tile_url.clone(),
        newer: None,
    })
}

pub async fn create(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    path: web::Path<i32>,
    web::Form(form): web::Form<ActivityForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, plan_id) = (current.id(), path.into_inner());
    let found = own_plan(&db, user_id, plan_id).await?;
    let mut row = match form.validate(plan_id, None) {
        Ok(row) => row,
        Err(errors) => {
            return render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FormPage {
                    layout: current.layout,
                    plan: found,
                    activity_id: None,
                    form,
                    errors,
                    types: ACTIVITY_TYPES,
                    tile_url: state.settings.tile_url.clone(),
                    newer: None,
                },
            );
        }
    };
    state
        .limiter
        .hit(
            &db,
            Kind::ActivityCreate,
            &user_id.to_string(),
            state.settings.limits.activities_per_user,
        )
        .await?;
    let date = row.scheduled_date;
    db.write_as(Actor::User(user_id), move |conn| {
        plan::lock_for_user(conn, user_id, plan_id)?;
        row.order_index = plan_activity::next_order_index(conn, plan_id, date)?;
        Ok(plan_activity::insert(conn, &row)?)
    })
    .await?;
    FlashMessage::info("The activity is added.").send();
    Ok(see_other(&day_anchor(plan_id, date)))
}

fn day_anchor(plan_id: i32, date: Option<NaiveDate>) -> String {
    match date {
        Some(d) => format!("/plans/{plan_id}#day-{d}"),
        None => format!("/plans/{plan_id}#unscheduled"),
    }
}

pub async fn edit_form(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    path: web::Path<(i32, i32)>,
) -> Result<HttpResponse, AppError> {
    let (user_id, (plan_id, id)) = (current.id(), path.into_inner());
    let (found, activity) = db
        .read_as(Actor::User(user_id), move |conn| {
            Ok((
                plan::find_for_user(conn, user_id, plan_id)?,
                plan_activity::find_for_user(conn, user_id, plan_id, id)?,
            ))
        })
        .await?;
    render(&FormPage {
        layout: current.layout,
        plan: found,
        activity_id: Some(id),
        form: ActivityForm::from_activity(&activity),
        errors: FieldErrors::default(),
        types: ACTIVITY_TYPES,
        tile_url: state.settings.tile_url.clone(),
        newer: None,
    })
}

pub async fn update(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    path: web::Path<(i32, i32)>,
    web::Form(form): web::Form<ActivityForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, (plan_id, id)) = (current.id(), path.into_inner());
    let version = form.version.parse().ok().and_then(plan::version_time);
    let submitted = form.clone();
    let outcome = db
        .write_as(Actor::User(user_id), move |conn| {
            let found = plan::lock_for_user(conn, user_id, plan_id)?;
            let before = plan_activity::find_for_user(conn, user_id, plan_id, id)?;
            let mut row = match submitted.validate(plan_id, before.metadata.as_ref()) {
                Ok(row) => row,
                Err(errors) => return Ok(Err((found, errors, None))),
            };
            // A new day puts it at the end of that day; otherwise it keeps its place.
            row.order_index = if row.scheduled_date == before.scheduled_date {
                before.order()
            } else {
                plan_activity::next_order_index(conn, plan_id, row.scheduled_date)?
            };
            let saved = match version {
                Some(version) => plan_activity::update_versioned(conn, plan_id, id, version, &row)?,
                None => None,
            };
            match saved {
                Some(saved) => {
                    if saved.scheduled_date != before.scheduled_date {
                        plan_activity::renumber_day(conn, plan_id, before.scheduled_date, &[])?;
                    }
                    Ok(Ok(saved))
                }
                None => Ok(Err((found, FieldErrors::default(), Some(before)))),
            }
        })
        .await?;
    match outcome {
        Ok(saved) => {
            FlashMessage::info("The activity is saved.").send();
            Ok(see_other(&day_anchor(plan_id, saved.scheduled_date)))
        }
        Err((found, errors, newer)) => {
            let status = if newer.is_some() {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let mut form = form;
            if let Some(newer) = &newer {
                // Submitting again saves over the newer version, on purpose.
                form.version = newer.version().to_string();
            }
            render_with(
                status,
                &FormPage {
                    layout: current.layout,
                    plan: found,
                    activity_id: Some(id),
                    form,
                    errors,
                    types: ACTIVITY_TYPES,
                    tile_url: state.settings.tile_url.clone(),
                    newer,
                },
            )
        }
    }
}

pub async fn delete(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(i32, i32)>,
) -> Result<HttpResponse, AppError> {
    let (user_id, (plan_id, id)) = (current.id(), path.into_inner());
    let date = db
        .write_as(Actor::User(user_id), move |conn| {
            plan::lock_for_user(conn, user_id, plan_id)?;
            let activity = plan_activity::find_for_user(conn, user_id, plan_id, id)?;
            plan_activity::delete(conn, plan_id, id)?;
            plan_activity::renumber_day(conn, plan_id, activity.scheduled_date, &[])?;
            Ok(activity.scheduled_date)
        })
        .await?;
    FlashMessage::info("The activity is deleted.").send();
    Ok(see_other(&day_anchor(plan_id, date)))
}

pub async fn toggle(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(i32, i32)>,
) -> Result<HttpResponse, AppError> {
    let (user_id, (plan_id, id)) = (current.id(), path.into_inner());
    let date = db
        .write_as(Actor::User(user_id), move |conn| {
            let activity = plan_activity::find_for_user(conn, user_id, plan_id, id)?;
            plan_activity::toggle_completed(conn, plan_id, id)?;
            Ok(activity.scheduled_date)
        })
        .await?;
    Ok(see_other(&day_anchor(plan_id, date)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MoveForm {
    /// "up" or "down" within the day, or "day" to move to `date` (blank: no date).
    direction: String,
    date: String,
}

pub async fn move_activity(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(i32, i32)>,
    web::Form(form): web::Form<MoveForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, (plan_id, id)) = (current.id(), path.into_inner());
    let target = match form.direction.as_str() {
        "up" | "down" => None,
        "day" => Some(optional_date(&form.date).map_err(AppError::BadRequest)?),
        _ => return Err(AppError::BadRequest("Choose up, down or a day.".into())),
    };
    let up = form.direction == "up";
    let date = db
        .write_as(Actor::User(user_id), move |conn| {
            plan::lock_for_user(conn, user_id, plan_id)?;
            let activity = plan_activity::find_for_user(conn, user_id, plan_id, id)?;
            match target {
                Some(date) => {
                    if date != activity.scheduled_date {
                        plan_activity::move_to_day(conn, plan_id, id, date)?;
                        plan_activity::renumber_day(conn, plan_id, activity.scheduled_date, &[])?;
                    }
                    Ok(date)
                }
                None => {
                    let day: Vec<i32> = plan_activity::list_for_plan(conn, plan_id)?
                        .into_iter()
                        .filter(|a| a.scheduled_date == activity.scheduled_date)
                        .map(|a| a.id)
                        .collect();
                    let mut order = day.clone();
                    if let Some(i) = order.iter().position(|x| *x == id) {
                        let j = if up {
                            i.checked_sub(1)
                        } else {
                            Some(i + 1).filter(|j| *j < order.len())
                        };
                        if let Some(j) = j {
                            order.swap(i, j);
                        }
                    }
                    plan_activity::renumber_day(conn, plan_id, activity.scheduled_date, &order)?;
                    Ok(activity.scheduled_date)
                }
            }
        })
        .await?;
    Ok(see_other(&day_anchor(plan_id, date)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReorderForm {
    date: String,
    /// Comma-separated activity ids in their new order (from drag and drop).
    ids: String,
}

/// Drag and drop: the day's new order in one request; activities dragged in from another
/// day move to this one.
pub async fn reorder(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    web::Form(form): web::Form<ReorderForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, plan_id) = (current.id(), path.into_inner());
    let date = optional_date(&form.date).map_err(AppError::BadRequest)?;
    let ids: Vec<i32> = form
        .ids
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse::<i32>())
        .collect::<Result<_, _>>()
        .map_err(|_| AppError::BadRequest("The order could not be read.".into()))?;
    if ids.len() > 1000 {
        return Err(AppError::BadRequest(
            "Too many activities in one day.".into(),
        ));
    }
    db.write_as(Actor::User(user_id), move |conn| {
        plan::lock_for_user(conn, user_id, plan_id)?;
        let activities = plan_activity::list_for_plan(conn, plan_id)?;
        for id in &ids {
            let Some(activity) = activities.iter().find(|a| a.id == *id) else {
                return Err(AppError::NotFound);
            };
            if activity.scheduled_date != date {
                plan_activity::move_to_day(conn, plan_id, *id, date)?;
                plan_activity::renumber_day(conn, plan_id, activity.scheduled_date, &[])?;
            }
        }
        plan_activity::renumber_day(conn, plan_id, date, &ids)?;
        Ok(())
    })
    .await?;
    Ok(see_other(&day_anchor(plan_id, date)))
}
