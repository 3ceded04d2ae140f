//! `plan_data` through forms: trip details, preferences, accommodation, transport, notes,
//! external bookings, and a raw JSON editor for everything else. Every save keeps the keys
//! the forms do not show, and is refused (409) when the plan changed since it was read.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use crate::auth::extractors::CurrentUser;
use crate::db::{Actor, Db};
use crate::domain::ids::{PlanId, UserId};
use crate::domain::money::{Money, display};
use crate::domain::plan::{optional_text, timezone};
use crate::domain::plan_data::{
    Accommodation, Arrival, Booking, BookingDetails, ExternalBookings, MAX_DATA_BYTES, PlanData,
    Preferences, Transportation,
};
use crate::domain::time_zone::TimeZone;
use crate::error::AppError;
use crate::models::plan::{self, Plan};
use crate::models::plan_activity::PlanActivity;
use crate::pages::{FieldErrors, Layout, render_with, see_other};
use crate::services::access::{self, Action};
use crate::services::plans::{self, DataSaved};

fn list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct DetailsForm {
    timezone: String,
    notes: String,
    budget_type: String,
    travel_style: String,
    group_size: String,
    accessibility_needs: String,
    accommodation_type: String,
    accommodation_name: String,
    accommodation_address: String,
    accommodation_confirmation: String,
    check_in: String,
    check_out: String,
    accommodation_preferences: String,
    arrival_method: String,
    arrival_carrier: String,
    arrival_number: String,
    arrival_time: String,
    local_methods: String,
    version: String,
}

impl DetailsForm {
    fn from_data(data: &PlanData, version: i64) -> Self {
        let prefs = data.preferences.clone().unwrap_or_default();
        let acc = data.accommodation.clone().unwrap_or_default();
        let transport = data.transportation.clone().unwrap_or_default();
        DetailsForm {
            timezone: data.timezone.clone().unwrap_or_default(),
            notes: data.notes.clone().unwrap_or_default(),
            budget_type: prefs.budget_type.unwrap_or_default(),
            travel_style: prefs.travel_style.unwrap_or_default(),
            group_size: prefs.group_size.map(|g| g.to_string()).unwrap_or_default(),
            accessibility_needs: prefs.accessibility_needs.join(", "),
            accommodation_type: acc.kind.unwrap_or_default(),
            accommodation_name: acc.booking_details.name.unwrap_or_default(),
            accommodation_address: acc.booking_details.address.unwrap_or_default(),
            accommodation_confirmation: acc.booking_details.confirmation_number.unwrap_or_default(),
            check_in: acc.booking_details.check_in.unwrap_or_default(),
            check_out: acc.booking_details.check_out.unwrap_or_default(),
            accommodation_preferences: acc.preferences.join(", "),
            arrival_method: transport.arrival.method.unwrap_or_default(),
            arrival_carrier: transport.arrival.details.carrier.unwrap_or_default(),
            arrival_number: transport.arrival.details.number.unwrap_or_default(),
            arrival_time: transport.arrival.details.arrives_at.unwrap_or_default(),
            local_methods: transport.local.methods.join(", "),
            version: version.to_string(),
        }
    }

    /// Applies the form to `data`, leaving every key the form does not show as it was.
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
            booking_details: BookingDetails {
                name: text(
                    "accommodation_name",
                    &self.accommodation_name,
                    200,
                    &mut errors,
                ),
                address: text(
                    "accommodation_address",
                    &self.accommodation_address,
                    500,
                    &mut errors,
                ),
                confirmation_number: text(
                    "accommodation_confirmation",
                    &self.accommodation_confirmation,
                    100,
                    &mut errors,
                ),
                check_in: text("check_in", &self.check_in, 50, &mut errors),
                check_out: text("check_out", &self.check_out, 50, &mut errors),
                ..acc_before.booking_details.clone()
            },
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

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct BookingForm {
    kind: String,
    provider: String,
    confirmation_number: String,
    starts_at: String,
    ends_at: String,
    cost: String,
    version: String,
}

impl BookingForm {
    fn validate(&self) -> Result<(String, Booking), FieldErrors> {
        let mut errors = FieldErrors::default();
        if !["flights", "hotels", "activities"].contains(&self.kind.as_str()) {
            errors.add("kind", "Choose a flight, a hotel or an activity.");
        }
        let text = |field: &'static str, value: &str, errors: &mut FieldErrors| {
            errors.check(field, optional_text(value, 200)).flatten()
        };
        let booking = Booking {
            provider: text("provider", &self.provider, &mut errors),
            confirmation_number: text(
                "confirmation_number",
                &self.confirmation_number,
                &mut errors,
            ),
            starts_at: text("starts_at", &self.starts_at, &mut errors),
            ends_at: text("ends_at", &self.ends_at, &mut errors),
            cost: errors
                .check("cost", Money::parse_typed(&self.cost))
                .flatten()
                .map(|m| display(&m.into_inner())),
            extra: Default::default(),
        };
        if booking.provider.is_none() && booking.confirmation_number.is_none() {
            errors.add(
                "provider",
                "Give at least the provider or the confirmation number.",
            );
        }
        if errors.is_empty() {
            Ok((self.kind.clone(), booking))
        } else {
            Err(errors)
        }
    }
}

pub struct BookingRow {
    pub kind: &'static str,
    pub label: &'static str,
    pub index: usize,
    pub booking: Booking,
}

fn booking_rows(bookings: &ExternalBookings) -> Vec<BookingRow> {
    [
        ("flights", "Flight", &bookings.flights),
        ("hotels", "Hotel", &bookings.hotels),
        ("activities", "Activity", &bookings.activities),
    ]
    .into_iter()
    .flat_map(|(kind, label, list)| {
        list.iter().enumerate().map(move |(index, b)| BookingRow {
            kind,
            label,
            index,
            booking: b.clone(),
        })
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
    bookings: Vec<BookingRow>,
    booking_form: BookingForm,
    booking_errors: FieldErrors,
    conflict: bool,
    zones: ZonePicker,
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

    /// The suggested zone's name, when it is `name`.
    fn is_suggested(&self, name: &str) -> bool {
        self.suggested
            .is_some_and(|(zone, _)| zone.as_str() == name)
    }
}

async fn load(db: &Db, user_id: UserId, id: PlanId) -> Result<Plan, AppError> {
    db.read_as(Actor::User(user_id), move |conn| {
        Ok(access::plan(conn, user_id, id, Action::Read)?.plan)
    })
    .await
}

fn page(
    layout: Layout,
    found: Plan,
    form: Option<DetailsForm>,
    errors: FieldErrors,
    booking_form: BookingForm,
    booking_errors: FieldErrors,
    conflict: bool,
) -> DetailsPage {
    let data = PlanData::from_value(found.plan_data.as_ref());
    DetailsPage {
        zones: ZonePicker::of(&data, &[]),
        layout,
        form: form.unwrap_or_else(|| DetailsForm::from_data(&data, found.version())),
        bookings: booking_rows(&data.bookings()),
        booking_form: BookingForm {
            version: found.version().to_string(),
            ..booking_form
        },
        plan: found,
        errors,
        booking_errors,
        conflict,
    }
}

pub async fn details_form(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let (found, activities) = db
        .read_as(Actor::User(user_id), move |conn| {
            Ok(plans::read_with_activities(conn, user_id, id)?)
        })
        .await?;
    let zones = ZonePicker::of(&PlanData::from_value(found.plan_data.as_ref()), &activities);
    let mut shown = page(
        current.layout,
        found,
        None,
        FieldErrors::default(),
        BookingForm::default(),
        FieldErrors::default(),
        false,
    );
    shown.zones = zones;
    render_with(StatusCode::OK, &shown)
}

/// Reads, changes and saves `plan_data` in one transaction under the version rule.
async fn save_data(
    db: &Db,
    user_id: UserId,
    id: PlanId,
    version: &str,
    change: impl FnOnce(&mut PlanData) -> Result<(), FieldErrors> + Send + 'static,
) -> Result<DataSaved<FieldErrors>, AppError> {
    let version = version.parse().ok().and_then(plan::version_time);
    db.write_as(Actor::User(user_id), move |conn| {
        Ok(plans::update_data(conn, user_id, id, version, |found| {
            let mut data = PlanData::from_value(found.plan_data.as_ref());
            change(&mut data)?;
            Ok(data.to_value())
        })?)
    })
    .await
}

/// The details page again, with what was typed: 422 with the errors, or 409 over the
/// newer plan (submitting again saves over it, on purpose).
fn retry(
    layout: Layout,
    (status, found, errors): (StatusCode, Plan, FieldErrors),
    details: Option<DetailsForm>,
    booking: BookingForm,
) -> Result<HttpResponse, AppError> {
    let conflict = status == StatusCode::CONFLICT;
    let details = details.map(|mut form| {
        if conflict {
            form.version = found.version().to_string();
        }
        form
    });
    let (errors, booking_errors) = if details.is_some() {
        (errors, FieldErrors::default())
    } else {
        (FieldErrors::default(), errors)
    };
    render_with(
        status,
        &page(
            layout,
            found,
            details,
            errors,
            booking,
            booking_errors,
            conflict,
        ),
    )
}

pub async fn details_save(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
    web::Form(form): web::Form<DetailsForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let submitted = form.clone();
    match save_data(&db, current.id(), id, &form.version, move |data| {
        submitted.apply(data)
    })
    .await?
    {
        DataSaved::Saved(_) => {
            FlashMessage::info("The trip details are saved.").send();
            Ok(see_other(&format!("/plans/{id}")))
        }
        DataSaved::Invalid(found, errors) => retry(
            current.layout,
            (StatusCode::UNPROCESSABLE_ENTITY, found, errors),
            Some(form),
            BookingForm::default(),
        ),
        DataSaved::Conflict(found) => retry(
            current.layout,
            (StatusCode::CONFLICT, found, FieldErrors::default()),
            Some(form),
            BookingForm::default(),
        ),
    }
}

pub async fn booking_add(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
    web::Form(form): web::Form<BookingForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let submitted = form.clone();
    let outcome = save_data(&db, current.id(), id, &form.version, move |data| {
        let (kind, booking) = submitted.validate()?;
        let mut bookings = data.bookings();
        match kind.as_str() {
            "flights" => bookings.flights.push(booking),
            "hotels" => bookings.hotels.push(booking),
            _ => bookings.activities.push(booking),
        }
        data.external_bookings = Some(bookings);
        Ok(())
    })
    .await?;
    match outcome {
        DataSaved::Saved(_) => {
            FlashMessage::info("The booking is added.").send();
            Ok(see_other(&format!("/plans/{id}/details#bookings")))
        }
        DataSaved::Invalid(found, errors) => retry(
            current.layout,
            (StatusCode::UNPROCESSABLE_ENTITY, found, errors),
            None,
            form,
        ),
        DataSaved::Conflict(found) => retry(
            current.layout,
            (StatusCode::CONFLICT, found, FieldErrors::default()),
            None,
            form,
        ),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BookingDeleteForm {
    kind: String,
    index: usize,
    version: String,
}

pub async fn booking_delete(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
    web::Form(form): web::Form<BookingDeleteForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (kind, index) = (form.kind.clone(), form.index);
    let outcome = save_data(&db, current.id(), id, &form.version, move |data| {
        let mut bookings = data.bookings();
        let list = match kind.as_str() {
            "flights" => &mut bookings.flights,
            "hotels" => &mut bookings.hotels,
            "activities" => &mut bookings.activities,
            _ => return Err(FieldErrors::default()),
        };
        if index >= list.len() {
            return Err(FieldErrors::default());
        }
        list.remove(index);
        data.external_bookings = Some(bookings);
        Ok(())
    })
    .await?;
    match outcome {
        DataSaved::Saved(_) => {
            FlashMessage::info("The booking is removed.").send();
            Ok(see_other(&format!("/plans/{id}/details#bookings")))
        }
        DataSaved::Invalid(..) => Err(AppError::BadRequest("There is no such booking.".into())),
        DataSaved::Conflict(found) => retry(
            current.layout,
            (StatusCode::CONFLICT, found, FieldErrors::default()),
            None,
            BookingForm::default(),
        ),
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
    let found = load(&db, current.id(), path.into_inner()).await?;
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
    let outcome = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(plans::update_data(conn, user_id, id, version, |_| parsed)?)
        })
        .await?;
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
        },
    )
}
