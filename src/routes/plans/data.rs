//! `plan_data` through forms: trip details, preferences, accommodation, transport, notes,
//! external bookings, and a raw JSON editor for everything else. Every save keeps the keys
//! the forms do not show, and is refused (409) when the plan changed since it was read.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::{Deserialize, Serialize};

use crate::auth::extractors::CurrentUser;
use crate::db::{Actor, Db};
use crate::domain::activity::{BookingInfo, Metadata};
use crate::domain::ids::{ActivityId, PlanId, UserId};
use crate::domain::plan::{optional_text, timezone};
use crate::domain::plan_data::{
    Accommodation, Arrival, Booking, ExternalBookings, MAX_DATA_BYTES, PlanData, Preferences,
    Transportation,
};
use crate::domain::time_zone::TimeZone;
use crate::error::AppError;
use crate::flash;
use crate::models::plan::{self, Plan};
use crate::models::plan_activity::{self, PlanActivity};
use crate::pages::{FieldErrors, Layout, render_with, see_other};
use crate::routes::merge::{self, Attempt, Merge, Outcome};
use crate::services::access::{self, Action};
use crate::services::activities::{self, BookingMoved, KeptBooking};
use crate::services::history;
use crate::services::plans::{self, DataEdit, DataSaved};
use crate::views::itinerary::LastChange;
use crate::views::money::amount;

fn list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DetailsForm {
    timezone: String,
    notes: String,
    budget_type: String,
    travel_style: String,
    group_size: String,
    accessibility_needs: String,
    accommodation_type: String,
    accommodation_preferences: String,
    arrival_method: String,
    arrival_carrier: String,
    arrival_number: String,
    arrival_time: String,
    local_methods: String,
    version: String,
    /// The fields as the form was opened (`routes::merge`).
    base: String,
}

impl DetailsForm {
    /// The fields' labels on the form, for the messages of a merged save.
    const LABELS: [(&'static str, &'static str); 13] = [
        ("timezone", "Time zone"),
        ("notes", "Notes"),
        ("budget_type", "Budget style"),
        ("travel_style", "Travel style"),
        ("group_size", "Travellers"),
        ("accessibility_needs", "Accessibility needs"),
        ("accommodation_type", "Accommodation type"),
        ("accommodation_preferences", "Accommodation wishes"),
        ("arrival_method", "Arrival by"),
        ("arrival_carrier", "Carrier"),
        ("arrival_number", "Flight or train number"),
        ("arrival_time", "Arrives"),
        ("local_methods", "Getting around"),
    ];

    /// The form as it opens on the plan `found`.
    fn of_plan(found: &Plan) -> Self {
        Self::from_data(
            &PlanData::from_value(found.plan_data.as_ref()),
            found.version(),
        )
    }

    fn from_data(data: &PlanData, version: i64) -> Self {
        let prefs = data.preferences.clone().unwrap_or_default();
        let acc = data.accommodation.clone().unwrap_or_default();
        let transport = data.transportation.clone().unwrap_or_default();
        merge::opened(DetailsForm {
            timezone: data.timezone.clone().unwrap_or_default(),
            notes: data.notes.clone().unwrap_or_default(),
            budget_type: prefs.budget_type.unwrap_or_default(),
            travel_style: prefs.travel_style.unwrap_or_default(),
            group_size: prefs.group_size.map(|g| g.to_string()).unwrap_or_default(),
            accessibility_needs: prefs.accessibility_needs.join(", "),
            accommodation_type: acc.kind.unwrap_or_default(),
            accommodation_preferences: acc.preferences.join(", "),
            arrival_method: transport.arrival.method.unwrap_or_default(),
            arrival_carrier: transport.arrival.details.carrier.unwrap_or_default(),
            arrival_number: transport.arrival.details.number.unwrap_or_default(),
            arrival_time: transport.arrival.details.arrives_at.unwrap_or_default(),
            local_methods: transport.local.methods.join(", "),
            version: version.to_string(),
            base: String::new(),
        })
    }

    /// Applies the form to `data`, leaving every key the form does not show as it was (a
    /// stay's booking is an activity of the itinerary, not a field here).
    fn apply(&self, data: &mut PlanData) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        let text = |field: &'static str, value: &str, max: usize, errors: &mut FieldErrors| {
            errors.check(field, optional_text(value, max)).flatten()
        };
        let tz = errors.check("timezone", timezone(&self.timezone)).flatten();
        let notes = text("notes", &self.notes, 20_000, &mut errors);
        let group_size = match self.group_size.trim() {
            "" => None,
            raw => match raw.parse::<i64>() {
                Ok(n) if (1..=1000).contains(&n) => Some(n),
                _ => {
                    errors.add("group_size", "Enter a number of travellers from 1 to 1000.");
                    None
                }
            },
        };
        let prefs_before = data.preferences.clone().unwrap_or_default();
        let preferences = Preferences {
            budget_type: text("budget_type", &self.budget_type, 50, &mut errors),
            travel_style: text("travel_style", &self.travel_style, 100, &mut errors),
            group_size,
            accessibility_needs: list(&self.accessibility_needs),
            ..prefs_before
        };
        let acc_before = data.accommodation.clone().unwrap_or_default();
        let accommodation = Accommodation {
            kind: text(
                "accommodation_type",
                &self.accommodation_type,
                50,
                &mut errors,
            ),
            preferences: list(&self.accommodation_preferences),
            ..acc_before
        };
        let transport_before = data.transportation.clone().unwrap_or_default();
        let transportation = Transportation {
            arrival: Arrival {
                method: text("arrival_method", &self.arrival_method, 50, &mut errors),
                details: crate::domain::plan_data::ArrivalDetails {
                    carrier: text("arrival_carrier", &self.arrival_carrier, 100, &mut errors),
                    number: text("arrival_number", &self.arrival_number, 50, &mut errors),
                    arrives_at: text("arrival_time", &self.arrival_time, 50, &mut errors),
                    ..transport_before.arrival.details.clone()
                },
                ..transport_before.arrival.clone()
            },
            local: crate::domain::plan_data::LocalTransport {
                methods: list(&self.local_methods),
                ..transport_before.local.clone()
            },
            ..transport_before
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        data.timezone = tz;
        data.notes = notes;
        data.preferences = Some(preferences);
        data.accommodation = Some(accommodation);
        data.transportation = Some(transportation);
        Ok(())
    }
}

/// A booking kept in the plan's details from before bookings were activities: shown
/// with a button that moves it into the itinerary (and, for listed ones, one that removes it).
pub struct KeptRow {
    /// `accommodation`, or the list it is in: flights, hotels, activities.
    pub kind: &'static str,
    pub label: &'static str,
    pub index: usize,
    pub booking: Booking,
}

/// The kept accommodation's booking first, then the listed ones.
fn kept_rows(data: &PlanData) -> Vec<KeptRow> {
    let stay = data
        .accommodation
        .as_ref()
        .map(|a| &a.booking_details)
        .filter(|d| **d != Default::default())
        .map(|d| KeptRow {
            kind: "accommodation",
            label: "Accommodation",
            index: 0,
            booking: Booking {
                provider: d.name.clone(),
                confirmation_number: d.confirmation_number.clone(),
                starts_at: d.check_in.clone(),
                ends_at: d.check_out.clone(),
                cost: None,
                extra: Default::default(),
            },
        });
    let bookings: ExternalBookings = data.bookings();
    let listed: Vec<KeptRow> = [
        ("flights", "Flight", &bookings.flights),
        ("hotels", "Hotel", &bookings.hotels),
        ("activities", "Activity", &bookings.activities),
    ]
    .into_iter()
    .flat_map(|(kind, label, list)| {
        list.iter().enumerate().map(move |(index, b)| KeptRow {
            kind,
            label,
            index,
            booking: b.clone(),
        })
    })
    .collect();
    stay.into_iter().chain(listed).collect()
}

/// A booking as the itinerary holds it: an activity with booking details, or a stay.
pub struct Booked {
    pub id: ActivityId,
    pub title: String,
    /// "Wed 1 Jul 2026 at 15:00 · 3 nights, check-out Sat 4 Jul".
    pub when: String,
    pub confirmation: Option<String>,
    pub provider: Option<String>,
    pub cost: Option<String>,
}

/// The plan's bookings, by date: activities with booking details, and every stay.
fn booked(activities: Vec<PlanActivity>, currency: &str) -> Vec<Booked> {
    let mut found: Vec<(PlanActivity, Option<BookingInfo>)> = activities
        .into_iter()
        .filter_map(|a| {
            let booking = Metadata::from_value(a.metadata.as_ref()).booking_info;
            let stay = a.nights() > 1 || a.activity_type.as_deref() == Some("accommodation");
            (booking.is_some() || stay).then_some((a, booking))
        })
        .collect();
    found.sort_by_key(|(a, _)| (a.scheduled_date.is_none(), a.scheduled_date, a.start_time));
    found
        .into_iter()
        .map(|(a, booking)| {
            let mut when: Vec<String> = Vec::new();
            if let Some(date) = a.scheduled_date {
                let time = a.start_time.map(|t| t.format(" at %H:%M").to_string());
                when.push(format!(
                    "{}{}",
                    date.format("%a %-d %b %Y"),
                    time.unwrap_or_default()
                ));
            }
            if let Some(out) = a.check_out() {
                when.push(format!(
                    "{} nights, check-out {}",
                    a.nights(),
                    out.format("%a %-d %b")
                ));
            }
            let booking = booking.unwrap_or_default();
            Booked {
                id: a.id,
                when: when.join(" · "),
                confirmation: booking.confirmation_number,
                provider: booking.provider,
                cost: a
                    .estimated_cost
                    .as_ref()
                    .or(a.actual_cost.as_ref())
                    .map(|c| amount(c, currency)),
                title: a.title,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "plans/details.html")]
struct DetailsPage {
    layout: Layout,
    plan: Plan,
    form: DetailsForm,
    errors: FieldErrors,
    booked: Vec<Booked>,
    kept: Vec<KeptRow>,
    conflict: bool,
    /// What the details form took in of someone else's save.
    merge: Merge,
    zones: ZonePicker,
    /// Owner and editors change the details; a viewer reads them.
    can_edit: bool,
}

/// The time-zone choices: the zone found from the plan's places first, then every zone.
pub struct ZonePicker {
    /// The zone found, and where from ("from the destination").
    pub suggested: Option<(TimeZone, &'static str)>,
    pub all: &'static [&'static str],
}

impl ZonePicker {
    /// The zone of the destination, else of the first activity with coordinates.
    fn of(data: &PlanData, activities: &[PlanActivity]) -> Self {
        let degrees = |v: &Option<bigdecimal::BigDecimal>| v.as_ref()?.to_string().parse().ok();
        let from_activity = || {
            activities.iter().find_map(|a| {
                let zone = TimeZone::at(degrees(&a.latitude)?, degrees(&a.longitude)?)?;
                Some((zone, "from the first activity with a place"))
            })
        };
        ZonePicker {
            suggested: data
                .destination_zone()
                .map(|zone| (zone, "from the destination"))
                .or_else(from_activity),
            all: TimeZone::names(),
        }
    }

    /// A name that is none of the zones (typed in the raw editor, or posted by hand), shown
    /// as it is so that saving it is refused beside the field rather than clearing it.
    fn unknown<'a>(&self, name: &'a str) -> Option<&'a str> {
        let name = name.trim();
        (!name.is_empty() && self.all.binary_search(&name).is_err()).then_some(name)
    }

    /// The suggested zone's name, when it is `name`.
    fn is_suggested(&self, name: &str) -> bool {
        self.suggested
            .is_some_and(|(zone, _)| zone.as_str() == name)
    }
}

/// The plan, and whether the reader may change it.
async fn load(db: &Db, user_id: UserId, id: PlanId) -> Result<(Plan, bool), AppError> {
    db.read_as(Actor::User(user_id), move |conn| {
        let found = access::plan(conn, user_id, id, Action::Read)?;
        let can_edit = found.can(Action::Edit);
        Ok((found.plan, can_edit))
    })
    .await
}

/// The plan's activities, for the bookings they hold.
async fn load_activities(
    db: &Db,
    user_id: UserId,
    id: PlanId,
) -> Result<Vec<PlanActivity>, AppError> {
    db.read_as(Actor::User(user_id), move |conn| {
        let found = access::plan(conn, user_id, id, Action::Read)?;
        Ok(plan_activity::list_for_plan(conn, found.plan.id)?)
    })
    .await
}

/// The details page: the form as typed (or as saved), the itinerary's bookings and the
/// ones kept from before.
async fn page(
    (db, user_id): (&Db, UserId),
    layout: Layout,
    found: Plan,
    form: Option<DetailsForm>,
    (errors, conflict): (FieldErrors, bool),
) -> Result<DetailsPage, AppError> {
    let activities = load_activities(db, user_id, found.id).await?;
    let data = PlanData::from_value(found.plan_data.as_ref());
    let zones = ZonePicker::of(&data, &activities);
    Ok(DetailsPage {
        zones,
        layout,
        form: form.unwrap_or_else(|| DetailsForm::of_plan(&found)),
        booked: booked(activities, found.currency_or_default()),
        kept: kept_rows(&data),
        plan: found,
        errors,
        conflict,
        merge: Merge::default(),
        can_edit: true,
    })
}

pub async fn details_form(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    let (found, can_edit) = load(&db, current.id(), path.into_inner()).await?;
    let reader = (db.get_ref(), current.id());
    let mut page = page(
        reader,
        current.layout,
        found,
        None,
        (FieldErrors::default(), false),
    )
    .await?;
    page.can_edit = can_edit;
    render_with(StatusCode::OK, &page)
}

/// Reads, changes and saves `plan_data` in one transaction under the version rule: the
/// removal of a kept booking.
async fn save_data(
    db: &Db,
    user_id: UserId,
    id: PlanId,
    version: &str,
    change: impl FnOnce(&mut PlanData) -> Result<(), FieldErrors> + Send + 'static,
) -> Result<DataSaved<FieldErrors>, AppError> {
    let version = version.to_string();
    db.write_as(Actor::User(user_id), move |conn| {
        let by = (user_id, DataEdit::BookingRemoved);
        Ok(change_data(conn, by, id, &version, change)?)
    })
    .await
}

/// Changes `plan_data` with `change` over `version`, on the one connection of a request.
fn change_data(
    conn: &mut diesel::PgConnection,
    by: (UserId, DataEdit),
    id: PlanId,
    version: &str,
    change: impl FnOnce(&mut PlanData) -> Result<(), FieldErrors>,
) -> crate::services::ServiceResult<DataSaved<FieldErrors>> {
    let version = version.parse().ok().and_then(plan::version_time);
    plans::update_data_as(conn, by, id, version, |found| {
        let mut data = PlanData::from_value(found.plan_data.as_ref());
        change(&mut data)?;
        Ok(data.to_value())
    })
}

/// The details page again: 422 with what was typed and the errors, or 409 over the newer
/// plan (a details form comes merged with it, `routes::merge`).
async fn retry(
    reader: (&Db, UserId),
    layout: Layout,
    (status, found, errors): (StatusCode, Plan, FieldErrors),
    details: Option<(DetailsForm, Merge)>,
) -> Result<HttpResponse, AppError> {
    let conflict = status == StatusCode::CONFLICT;
    let (details, merge) = details.unzip();
    let merge = merge.unwrap_or_default();
    let mut page = page(
        reader,
        layout,
        found,
        details,
        (merge.mark(errors), conflict),
    )
    .await?;
    page.merge = merge;
    render_with(status, &page)
}

/// Saves the trip details, merged with what someone else saved meanwhile when the form was
/// opened on an older version (`routes::merge`).
pub async fn details_save(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
    web::Form(form): web::Form<DetailsForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let outcome = db
        .write_as(Actor::User(user_id), move |conn| {
            let details = (user_id, DataEdit::Details);
            let outcome = merge::save::<_, _, _, _, AppError>(
                form,
                &DetailsForm::LABELS,
                DetailsForm::of_plan,
                |form| {
                    Ok(
                        match change_data(conn, details, id, &form.version, |d| form.apply(d))? {
                            DataSaved::Saved(saved) => Attempt::Saved(saved),
                            DataSaved::Invalid(found, errors) => Attempt::Invalid(found, errors),
                            DataSaved::Conflict(found) => Attempt::Conflict(found),
                        },
                    )
                },
            )?;
            Ok(merge::attributed(conn, id, outcome)?)
        })
        .await?;
    let (status, found, form, errors, merge) = match outcome {
        Outcome::Saved(_, merge) => {
            FlashMessage::info(merge.saved_message("The trip details are saved.")).send();
            return Ok(see_other(&format!("/plans/{id}")));
        }
        Outcome::Invalid(found, form, errors, merge) => {
            (StatusCode::UNPROCESSABLE_ENTITY, found, form, errors, merge)
        }
        Outcome::Conflict(found, form, merge) => (
            StatusCode::CONFLICT,
            found,
            form,
            FieldErrors::default(),
            merge,
        ),
    };
    let failed = (status, found, errors);
    retry((&db, user_id), current.layout, failed, Some((form, merge))).await
}

/// Which kept booking a button acts on.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct KeptForm {
    kind: String,
    index: usize,
    version: String,
}

/// Moves a kept booking into the itinerary: one booking, one activity.
pub async fn booking_move(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
    web::Form(form): web::Form<KeptForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let which = match form.kind.as_str() {
        "accommodation" => KeptBooking::Stay,
        kind => KeptBooking::Listed {
            kind: kind.to_string(),
            index: form.index,
        },
    };
    let version = form.version.parse().ok().and_then(plan::version_time);
    let moved = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(activities::move_booking(conn, user_id, id, version, which)?)
        })
        .await?;
    match moved {
        BookingMoved::Moved(activity) => {
            let card = format!("activity-{}", activity.id);
            let message = format!(
                "“{}” is in the itinerary now, with its booking.",
                activity.title
            );
            flash::info_at(&card, &message);
            Ok(see_other(&format!("/plans/{id}#{card}")))
        }
        BookingMoved::Refused(found, message) => {
            let errors = FieldErrors::one("bookings", message);
            let failed = (StatusCode::UNPROCESSABLE_ENTITY, found, errors);
            retry((&db, current.id()), current.layout, failed, None).await
        }
        BookingMoved::Conflict(found) => {
            let failed = (StatusCode::CONFLICT, found, FieldErrors::default());
            retry((&db, current.id()), current.layout, failed, None).await
        }
    }
}

pub async fn booking_delete(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
    web::Form(form): web::Form<KeptForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (kind, index) = (form.kind.clone(), form.index);
    let outcome = save_data(&db, current.id(), id, &form.version, move |data| match data
        .take_booking(&kind, index)
    {
        Some(_) => Ok(()),
        None => Err(FieldErrors::default()),
    })
    .await?;
    match outcome {
        DataSaved::Saved(_) => {
            FlashMessage::info("The booking is removed.").send();
            Ok(see_other(&format!("/plans/{id}/details#bookings")))
        }
        DataSaved::Invalid(..) => Err(AppError::BadRequest("There is no such booking.".into())),
        DataSaved::Conflict(found) => {
            let failed = (StatusCode::CONFLICT, found, FieldErrors::default());
            retry((&db, current.id()), current.layout, failed, None).await
        }
    }
}

// ---------------------------------------------------------------- raw JSON

#[derive(Template)]
#[template(path = "plans/data.html")]
struct RawPage {
    layout: Layout,
    plan: Plan,
    json: String,
    version: String,
    error: Option<String>,
    conflict: bool,
    /// Owner and editors change the data; a viewer reads it.
    can_edit: bool,
    /// On a conflict: who changed the plan meanwhile.
    by: Option<LastChange>,
}

impl RawPage {
    fn current_json(&self) -> String {
        serde_json::to_string_pretty(
            self.plan
                .plan_data
                .as_ref()
                .unwrap_or(&serde_json::json!({})),
        )
        .unwrap_or_default()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawForm {
    plan_data: String,
    version: String,
}

pub async fn raw_form(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    let (found, can_edit) = load(&db, current.id(), path.into_inner()).await?;
    let json =
        serde_json::to_string_pretty(found.plan_data.as_ref().unwrap_or(&serde_json::json!({})))
            .unwrap_or_default();
    render_with(
        StatusCode::OK,
        &RawPage {
            layout: current.layout,
            version: found.version().to_string(),
            plan: found,
            json,
            error: None,
            conflict: false,
            can_edit,
            by: None,
        },
    )
}

/// The editor's text as a JSON object within the size limit.
pub fn parse_raw(text: &str) -> Result<serde_json::Value, String> {
    if text.len() > MAX_DATA_BYTES {
        return Err(format!(
            "The data may be at most {} KiB.",
            MAX_DATA_BYTES / 1024
        ));
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("This is not valid JSON: {e}."))?;
    if !value.is_object() {
        return Err("The data must be a JSON object: { … }.".into());
    }
    if text.contains("\\u0000") {
        return Err("The data contains a NUL character, which cannot be stored.".into());
    }
    Ok(value)
}

pub async fn raw_save(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
    web::Form(form): web::Form<RawForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let parsed = parse_raw(&form.plan_data);
    let version = form.version.parse().ok().and_then(plan::version_time);
    let (outcome, by) = db
        .write_as(Actor::User(user_id), move |conn| {
            let edit = (user_id, DataEdit::Raw);
            let outcome = plans::update_data_as(conn, edit, id, version, |_| parsed)?;
            let by = match outcome {
                DataSaved::Conflict(_) => history::latest_before(conn, id, 0)?,
                DataSaved::Saved(_) | DataSaved::Invalid(..) => None,
            };
            Ok((outcome, by))
        })
        .await?;
    let now = chrono::Utc::now();
    let by = by.map(|c| LastChange::new(c.username.as_deref(), c.created_at, now));
    let (status, found, error) = match outcome {
        DataSaved::Saved(_) => {
            FlashMessage::info("The plan data is saved.").send();
            return Ok(see_other(&format!("/plans/{id}")));
        }
        DataSaved::Invalid(found, error) => (StatusCode::UNPROCESSABLE_ENTITY, found, Some(error)),
        DataSaved::Conflict(found) => (StatusCode::CONFLICT, found, None),
    };
    render_with(
        status,
        &RawPage {
            layout: current.layout,
            version: found.version().to_string(),
            plan: found,
            json: form.plan_data,
            error,
            conflict: status == StatusCode::CONFLICT,
            can_edit: true,
            by,
        },
    )
}
