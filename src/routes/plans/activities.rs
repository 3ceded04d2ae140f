//! Activities of a plan: add, edit, delete, reorder, move between days, tick off.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::auth::extractors::CurrentUser;
use crate::db::{Actor, Db};
use crate::domain::activity::{ACTIVITY_TYPES, ActivityInput};
use crate::domain::ids::{ActivityId, PlanId, UserId};
use crate::domain::money::Money;
use crate::domain::plan::optional_date;
use crate::domain::plan_data::PlanData;
use crate::error::AppError;
use crate::flash;
use crate::geocoder::Place;
use crate::models::plan::{self, Plan};
use crate::models::plan_activity::{NewPlanActivity, PlanActivity};
use crate::pages::{FieldErrors, Layout, render, render_with, see_other};
use crate::rate_limit::Kind;
use crate::routes::merge::{self, Attempt, Merge, Outcome};
use crate::routes::plans::Seen;
use crate::routes::plans::places::{self, PlaceFields, PlaceSearch};
use crate::services::access::Action;
use crate::services::activities::{self, ActivitySaved, Move};
use crate::services::plans;
use crate::state::AppState;
use crate::views::itinerary::section_id;
use crate::views::map::picker_start;

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
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
    pub nights: String,
    pub version: String,
    /// The fields as the form was opened (`routes::merge`).
    pub base: String,
    /// The place search's field and buttons.
    #[serde(flatten, skip_serializing)]
    pub places: PlaceFields,
}

impl ActivityForm {
    fn from_activity(a: &PlanActivity) -> Self {
        let i = ActivityInput::from_activity(a);
        merge::opened(ActivityForm {
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
            nights: i.nights,
            version: a.version().to_string(),
            base: String::new(),
            places: PlaceFields::default(),
        })
    }

    /// The place chosen from the search, in the place fields.
    fn fill_place(&mut self, place: Place) {
        self.location_name = place.name;
        self.address = place.address;
        self.latitude = place.latitude;
        self.longitude = place.longitude;
    }

    /// The fields' labels on the form, for the messages of a merged save.
    const LABELS: [(&'static str, &'static str); 22] = [
        ("title", "Title"),
        ("activity_type", "Type"),
        ("description", "Description"),
        ("scheduled_date", "Date"),
        ("start_time", "Starts"),
        ("end_time", "Ends"),
        ("duration_minutes", "Duration"),
        ("nights", "Nights"),
        ("location_name", "Place"),
        ("address", "Address"),
        ("latitude", "Latitude"),
        ("longitude", "Longitude"),
        ("estimated_cost", "Estimated cost"),
        ("actual_cost", "Actually spent"),
        ("confirmation_number", "Confirmation number"),
        ("provider", "Booked with"),
        ("cancellation_policy", "Cancellation"),
        ("phone", "Phone"),
        ("website", "Website"),
        ("email", "E-mail"),
        ("rating", "Rating"),
        ("tags", "Tags"),
    ];

    /// The fields in the order the form shows them.
    const FIELDS: [&'static str; 22] = [
        "title",
        "activity_type",
        "description",
        "scheduled_date",
        "start_time",
        "end_time",
        "duration_minutes",
        "nights",
        "location_name",
        "address",
        "latitude",
        "longitude",
        "estimated_cost",
        "actual_cost",
        "confirmation_number",
        "provider",
        "cancellation_policy",
        "phone",
        "website",
        "email",
        "rating",
        "tags",
    ];

    /// The checked row (order_index is set by the caller), merging the form's metadata
    /// fields into `existing` so keys the form does not show survive.
    fn validate(
        &self,
        plan_id: PlanId,
        existing: Option<&serde_json::Value>,
    ) -> Result<NewPlanActivity, FieldErrors> {
        // Costs are read as typed ("1.240,00", "8 €").
        let mut errors = FieldErrors::default();
        let [estimated_cost, actual_cost] = Money::typed_fields(
            [
                ("estimated_cost", &self.estimated_cost),
                ("actual_cost", &self.actual_cost),
            ],
            &mut errors,
        );
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
            estimated_cost,
            actual_cost,
            confirmation_number: self.confirmation_number.clone(),
            provider: self.provider.clone(),
            cancellation_policy: self.cancellation_policy.clone(),
            phone: self.phone.clone(),
            website: self.website.clone(),
            email: self.email.clone(),
            rating: self.rating.clone(),
            tags: self.tags.clone(),
            nights: self.nights.clone(),
        };
        let valid = errors
            .then(input.validate(existing))
            .map_err(|errors| errors.in_order(&Self::FIELDS))?;
        Ok(NewPlanActivity::from_valid(plan_id, 0, valid))
    }
}

#[derive(Template)]
#[template(path = "plans/activity_form.html")]
struct FormPage {
    layout: Layout,
    plan: Plan,
    /// `None` for a new activity.
    activity_id: Option<ActivityId>,
    form: ActivityForm,
    errors: FieldErrors,
    types: [&'static str; 6],
    tile_url: String,
    newer: Option<PlanActivity>,
    /// What the form took in of someone else's save.
    merge: Merge,
    places: PlaceSearch,
    /// Where the map picker opens without coordinates (`views::map::picker_start`).
    picker_start: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewQuery {
    date: String,
    /// The kind to start with ("Add a stay": accommodation).
    #[serde(rename = "type")]
    activity_type: String,
}

/// The plan, and where the form's map opens, for whoever may edit it (owner, editors): a
/// viewer has no activity form (403).
async fn readable_plan(
    db: &Db,
    user_id: UserId,
    plan_id: PlanId,
) -> Result<(Plan, String), AppError> {
    let (found, activities) = db
        .read_as(Actor::User(user_id), move |conn| {
            Ok(plans::read_with_activities(
                conn,
                user_id,
                plan_id,
                Action::Edit,
            )?)
        })
        .await?;
    let start = picker_start(&PlanData::from_value(found.plan_data.as_ref()), &activities);
    Ok((found, start))
}

/// "Search places" or one of its results was pressed: the form again, as typed (or with
/// the chosen place filled in), and nothing saved. `None` when the form is to be saved.
async fn place_step(
    current: &CurrentUser,
    state: &AppState,
    db: &Db,
    (plan_id, activity_id): (PlanId, Option<ActivityId>),
    form: &ActivityForm,
) -> Result<Option<HttpResponse>, AppError> {
    if !form.places.pressed() {
        return Ok(None);
    }
    let user_id = current.id();
    // Only someone who may read the plan searches from its form.
    let (found, picker_start) = readable_plan(db, user_id, plan_id).await?;
    let Some(step) = places::step(state, db, user_id, &form.places).await? else {
        return Ok(None);
    };
    let mut form = form.clone();
    let places = step.shown(|place| form.fill_place(place));
    form.places = form.places.query_only();
    render(&FormPage {
        layout: current.layout.clone(),
        plan: found,
        activity_id,
        form,
        errors: FieldErrors::default(),
        types: ACTIVITY_TYPES,
        tile_url: state.settings.tile_url.clone(),
        newer: None,
        merge: Merge::default(),
        places,
        picker_start,
    })
    .map(Some)
}

pub async fn new_form(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, AppError> {
    let (found, picker_start) = readable_plan(&db, current.id(), path.into_inner()).await?;
    let date = optional_date(&query.date)
        .ok()
        .flatten()
        .or(found.start_date);
    let kind = ACTIVITY_TYPES.iter().find(|t| **t == query.activity_type);
    let form = ActivityForm {
        scheduled_date: date.map(|d| d.to_string()).unwrap_or_default(),
        activity_type: kind.map(|t| t.to_string()).unwrap_or_default(),
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
        merge: Merge::default(),
        places: PlaceSearch::for_form(&state),
        picker_start,
    })
}

pub async fn create(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
    web::Form(form): web::Form<ActivityForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, plan_id) = (current.id(), path.into_inner());
    if let Some(page) = place_step(&current, &state, &db, (plan_id, None), &form).await? {
        return Ok(page);
    }
    let (found, picker_start) = readable_plan(&db, user_id, plan_id).await?;
    let row = match form.validate(plan_id, None) {
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
                    merge: Merge::default(),
                    places: PlaceSearch::for_form(&state),
                    picker_start,
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
    let added = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(activities::create(conn, user_id, row)?)
        })
        .await?;
    Ok(to_card(plan_id, added.id, Some("The activity is added.")))
}

/// To the activity's card on the plan page, with `message` beside it.
pub(super) fn to_card(plan_id: PlanId, id: ActivityId, message: Option<&str>) -> HttpResponse {
    let card = format!("activity-{id}");
    if let Some(message) = message {
        flash::info_at(&card, message);
    }
    see_other(&format!("/plans/{plan_id}#{card}"))
}

fn day_anchor(plan_id: PlanId, date: Option<NaiveDate>) -> String {
    match date {
        Some(d) => format!("/plans/{plan_id}#day-{d}"),
        None => format!("/plans/{plan_id}#unscheduled"),
    }
}

pub async fn edit_form(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    path: web::Path<(PlanId, ActivityId)>,
) -> Result<HttpResponse, AppError> {
    let (user_id, (plan_id, id)) = (current.id(), path.into_inner());
    let (found, activity, all) = db
        .read_as(Actor::User(user_id), move |conn| {
            Ok(activities::find_in_plan(conn, user_id, plan_id, id)?)
        })
        .await?;
    let picker_start = picker_start(&PlanData::from_value(found.plan_data.as_ref()), &all);
    render(&FormPage {
        layout: current.layout,
        plan: found,
        activity_id: Some(id),
        form: ActivityForm::from_activity(&activity),
        errors: FieldErrors::default(),
        types: ACTIVITY_TYPES,
        tile_url: state.settings.tile_url.clone(),
        newer: None,
        merge: Merge::default(),
        places: PlaceSearch::for_form(&state),
        picker_start,
    })
}

/// Saves an edit, merged with what someone else saved meanwhile when the form was opened
/// on an older version (`routes::merge`).
pub async fn update(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    path: web::Path<(PlanId, ActivityId)>,
    web::Form(form): web::Form<ActivityForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, (plan_id, id)) = (current.id(), path.into_inner());
    if let Some(page) = place_step(&current, &state, &db, (plan_id, Some(id)), &form).await? {
        return Ok(page);
    }
    let shown = |(_, current): &(Plan, Box<PlanActivity>)| ActivityForm::from_activity(current);
    let outcome = db
        .write_as(Actor::User(user_id), move |conn| {
            let outcome =
                merge::save::<_, _, _, _, AppError>(form, &ActivityForm::LABELS, shown, |form| {
                    let version = form.version.parse().ok().and_then(plan::version_time);
                    let saved = activities::update(conn, user_id, (plan_id, id), version, |m| {
                        form.validate(plan_id, m)
                    })?;
                    Ok(match saved {
                        ActivitySaved::Saved(saved) => Attempt::Saved(saved),
                        ActivitySaved::Invalid { plan, errors } => Attempt::Invalid(plan, errors),
                        ActivitySaved::Conflict { plan, current } => {
                            Attempt::Conflict((plan, current))
                        }
                    })
                })?;
            Ok(merge::attributed(conn, plan_id, outcome)?)
        })
        .await?;
    answer_edit(&state, current.layout, (plan_id, id), outcome)
}

/// What became of an edit of an activity (`routes::merge`).
type EditOutcome = Outcome<ActivityForm, PlanActivity, Plan, (Plan, Box<PlanActivity>)>;

/// After an edit: to the activity's card when saved, else the form again, beside each
/// error or merged with the newer version.
fn answer_edit(
    state: &AppState,
    layout: Layout,
    (plan_id, id): (PlanId, ActivityId),
    outcome: EditOutcome,
) -> Result<HttpResponse, AppError> {
    let (status, found, form, errors, newer, merge) = match outcome {
        Outcome::Saved(_, merge) => {
            let message = merge.saved_message("The activity is saved.");
            return Ok(to_card(plan_id, id, Some(&message)));
        }
        Outcome::Invalid(plan, form, errors, merge) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            plan,
            form,
            errors,
            None,
            merge,
        ),
        Outcome::Conflict((plan, current), form, merge) => (
            StatusCode::CONFLICT,
            plan,
            form,
            FieldErrors::default(),
            Some(*current),
            merge,
        ),
    };
    let found_data = found.plan_data.clone();
    render_with(
        status,
        &FormPage {
            layout,
            plan: found,
            activity_id: Some(id),
            form,
            errors: merge.mark(errors),
            types: ACTIVITY_TYPES,
            tile_url: state.settings.tile_url.clone(),
            newer,
            merge,
            places: PlaceSearch::for_form(state),
            picker_start: picker_start(&PlanData::from_value(found_data.as_ref()), &[]),
        },
    )
}

pub async fn delete(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(PlanId, ActivityId)>,
    web::Form(seen): web::Form<Seen>,
) -> Result<HttpResponse, AppError> {
    let (user_id, (plan_id, id)) = (current.id(), path.into_inner());
    let deleted = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(activities::delete(conn, user_id, plan_id, id)?)
        })
        .await?;
    // Beside the section it was in, where the user is looking.
    let (plan, activity) = (&deleted.plan, &deleted.activity);
    let section = section_id(plan.start_date, plan.end_date, activity.scheduled_date);
    let message = format!("“{}” is deleted.", activity.title);
    flash::deleted(Some(&section), &message, deleted.undo);
    Ok(see_other(&seen.plan_url(plan_id, &section)))
}

pub async fn toggle(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(PlanId, ActivityId)>,
    web::Form(seen): web::Form<Seen>,
) -> Result<HttpResponse, AppError> {
    let (user_id, (plan_id, id)) = (current.id(), path.into_inner());
    db.write_as(Actor::User(user_id), move |conn| {
        Ok(activities::toggle(conn, user_id, plan_id, id)?)
    })
    .await?;
    Ok(see_other(
        &seen.plan_url(plan_id, &format!("activity-{id}")),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MoveForm {
    /// "up" or "down" within the day, or "day" to move to `date` (blank: no date).
    direction: String,
    date: String,
    #[serde(flatten)]
    seen: Seen,
}

pub async fn move_activity(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(PlanId, ActivityId)>,
    web::Form(form): web::Form<MoveForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, (plan_id, id)) = (current.id(), path.into_inner());
    let to = match form.direction.as_str() {
        "up" => Move::Up,
        "down" => Move::Down,
        "day" => Move::ToDay(optional_date(&form.date).map_err(AppError::BadRequest)?),
        _ => return Err(AppError::BadRequest("Choose up, down or a day.".into())),
    };
    db.write_as(Actor::User(user_id), move |conn| {
        Ok(activities::move_activity(conn, user_id, plan_id, id, to)?)
    })
    .await?;
    Ok(see_other(
        &form.seen.plan_url(plan_id, &format!("activity-{id}")),
    ))
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
    path: web::Path<PlanId>,
    web::Form(form): web::Form<ReorderForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, plan_id) = (current.id(), path.into_inner());
    let date = optional_date(&form.date).map_err(AppError::BadRequest)?;
    let ids: Vec<ActivityId> = form
        .ids
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse::<i32>().map(ActivityId))
        .collect::<Result<_, _>>()
        .map_err(|_| AppError::BadRequest("The order could not be read.".into()))?;
    if ids.len() > 1000 {
        return Err(AppError::BadRequest(
            "Too many activities in one day.".into(),
        ));
    }
    db.write_as(Actor::User(user_id), move |conn| {
        Ok(activities::reorder_day(conn, user_id, plan_id, date, &ids)?)
    })
    .await?;
    Ok(see_other(&day_anchor(plan_id, date)))
}
