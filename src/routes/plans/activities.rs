//! Activities of a plan: add, edit, delete, reorder, move between days, tick off.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::extractors::CurrentUser;
use crate::db::{Actor, Db};
use crate::domain::activity::{
    self as rules, ACTIVITY_TYPES, BookingInfo, ContactInfo, Metadata, Reviews,
};
use crate::domain::money::{Money, display};
use crate::domain::plan::{optional_date, optional_text, required_text};
use crate::error::AppError;
use crate::models::plan::{self, Plan};
use crate::models::plan_activity::{self, NewPlanActivity, PlanActivity};
use crate::pages::{FieldErrors, Layout, render, render_with, see_other};
use crate::rate_limit::Kind;
use crate::startup::AppState;

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

fn money_text(v: &Option<bigdecimal::BigDecimal>) -> String {
    v.as_ref().map(display).unwrap_or_default()
}

impl ActivityForm {
    fn from_activity(a: &PlanActivity) -> Self {
        let meta = Metadata::from_value(a.metadata.as_ref());
        let booking = meta.booking_info.unwrap_or_default();
        let contact = meta.contact_info.unwrap_or_default();
        ActivityForm {
            title: a.title.clone(),
            description: a.description.clone().unwrap_or_default(),
            activity_type: a.activity_type.clone().unwrap_or_default(),
            location_name: a.location_name.clone().unwrap_or_default(),
            address: a.address.clone().unwrap_or_default(),
            latitude: a
                .latitude
                .as_ref()
                .map(|v| v.normalized().to_string())
                .unwrap_or_default(),
            longitude: a
                .longitude
                .as_ref()
                .map(|v| v.normalized().to_string())
                .unwrap_or_default(),
            scheduled_date: a.scheduled_date.map(|d| d.to_string()).unwrap_or_default(),
            start_time: a
                .start_time
                .map(|t| t.format("%H:%M").to_string())
                .unwrap_or_default(),
            end_time: a
                .end_time
                .map(|t| t.format("%H:%M").to_string())
                .unwrap_or_default(),
            duration_minutes: a
                .duration_minutes
                .map(|d| d.to_string())
                .unwrap_or_default(),
            estimated_cost: money_text(&a.estimated_cost),
            actual_cost: money_text(&a.actual_cost),
            confirmation_number: booking.confirmation_number.unwrap_or_default(),
            provider: booking.provider.unwrap_or_default(),
            cancellation_policy: booking.cancellation_policy.unwrap_or_default(),
            phone: contact.phone.unwrap_or_default(),
            website: contact.website.unwrap_or_default(),
            email: contact.email.unwrap_or_default(),
            rating: meta
                .reviews
                .and_then(|r| r.rating)
                .map(|r| r.to_string())
                .unwrap_or_default(),
            tags: meta.tags.join(", "),
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
        let mut errors = FieldErrors::default();
        let title = errors.check("title", required_text(&self.title, 200, "a title"));
        let description = errors.check("description", optional_text(&self.description, 20_000));
        let activity_type =
            errors.check("activity_type", rules::activity_type(&self.activity_type));
        let location_name = errors.check("location_name", optional_text(&self.location_name, 200));
        let address = errors.check("address", optional_text(&self.address, 2_000));
        let latitude = errors.check("latitude", rules::latitude(&self.latitude));
        let longitude = errors.check("longitude", rules::longitude(&self.longitude));
        if matches!(
            (&latitude, &longitude),
            (Some(Some(_)), Some(None)) | (Some(None), Some(Some(_)))
        ) {
            errors.add("longitude", "Give both latitude and longitude, or neither.");
        }
        let scheduled_date = errors.check("scheduled_date", optional_date(&self.scheduled_date));
        let start_time = errors.check("start_time", rules::time(&self.start_time));
        let end_time = errors.check("end_time", rules::time(&self.end_time));
        if let (Some(Some(s)), Some(Some(e))) = (start_time, end_time)
            && e <= s
        {
            errors.add("end_time", "The end must be after the start.");
        }
        let duration_minutes =
            errors.check("duration_minutes", rules::duration(&self.duration_minutes));
        let estimated_cost = errors.check(
            "estimated_cost",
            Money::parse_optional(&self.estimated_cost),
        );
        let actual_cost = errors.check("actual_cost", Money::parse_optional(&self.actual_cost));
        let short = |field: &'static str, value: &str, errors: &mut FieldErrors| {
            errors.check(field, optional_text(value, 200)).flatten()
        };
        let confirmation_number = short(
            "confirmation_number",
            &self.confirmation_number,
            &mut errors,
        );
        let provider = short("provider", &self.provider, &mut errors);
        let cancellation_policy = short(
            "cancellation_policy",
            &self.cancellation_policy,
            &mut errors,
        );
        let phone = short("phone", &self.phone, &mut errors);
        let website = short("website", &self.website, &mut errors);
        if let Some(site) = &website
            && !(site.starts_with("https://") || site.starts_with("http://"))
        {
            errors.add("website", "Enter a web address starting with https://.");
        }
        let email = short("email", &self.email, &mut errors);
        let rating = errors.check("rating", rules::rating(&self.rating));
        let tags = errors.check("tags", rules::tags(&self.tags));
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut meta = Metadata::from_value(existing);
        let booking = meta.booking_info.take().unwrap_or_default();
        let booking = BookingInfo {
            confirmation_number,
            provider,
            cancellation_policy,
            ..booking
        };
        meta.booking_info = (booking != BookingInfo::default()).then_some(booking);
        let contact = meta.contact_info.take().unwrap_or_default();
        let contact = ContactInfo {
            phone,
            website,
            email,
            ..contact
        };
        meta.contact_info = (contact != ContactInfo::default()).then_some(contact);
        let reviews = meta.reviews.take().unwrap_or_default();
        let reviews = Reviews {
            rating: rating.flatten(),
            ..reviews
        };
        meta.reviews = (reviews != Reviews::default()).then_some(reviews);
        meta.tags = tags.unwrap_or_default();
        Ok(NewPlanActivity {
            plan_id,
            title: title.unwrap_or_default(),
            description: description.flatten(),
            activity_type: activity_type.flatten(),
            location_name: location_name.flatten(),
            latitude: latitude.flatten(),
            longitude: longitude.flatten(),
            address: address.flatten(),
            scheduled_date: scheduled_date.flatten(),
            start_time: start_time.flatten(),
            end_time: end_time.flatten(),
            duration_minutes: duration_minutes.flatten(),
            estimated_cost: estimated_cost.flatten().map(Money::into_inner),
            actual_cost: actual_cost.flatten().map(Money::into_inner),
            order_index: 0,
            metadata: meta.to_value(),
        })
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
