//! A traveller's plans: list, create, show, edit, status, copy, delete, and `plan_data`.

pub mod activities;
pub mod archive;
pub mod data;
pub mod files;
pub mod history;
pub mod members;
pub mod places;
pub mod sharing;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use bigdecimal::BigDecimal;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::auth::extractors::CurrentUser;
use crate::db::{Actor, Db};
use crate::domain::PlanStatus;
use crate::domain::activity::{latitude, longitude};
use crate::domain::checked::CheckedPlan;
use crate::domain::ids::{ActivityId, DeletedItemId, PlanId};
use crate::domain::money::Money;
use crate::domain::plan::{PlanInput, ValidPlan, Visibility};
use crate::domain::plan_data::PlanData;
use crate::error::AppError;
use crate::flash;
use crate::geocoder::Place;
use crate::models::plan::{self, ListFilter, PAGE_SIZE, Plan, PlanChanges};
use crate::models::plan_activity::PlanActivity;
use crate::models::plan_page::OnTrip;
use crate::pages::{FieldErrors, Layout, render, render_with, see_other};
use crate::routes::merge::{self, Attempt, Merge, Outcome};
use crate::routes::plans::places::{PlaceFields, PlaceSearch};
use crate::services::access::{self, Action, Role};
use crate::services::plans::{self, DestinationAt, Saved, Workflow};
use crate::services::undo::{self, NotRestored, Restored};
use crate::state::AppState;
use crate::views::budget::Budget;
use crate::views::chart::{self, Chart};
use crate::views::itinerary::{self, Itinerary, LastChange, StayNight, TripTime, numbering};
use crate::views::map::map_json;
use crate::views::money::{CURRENCY_PICKER, CurrencyPicker};

// ---------------------------------------------------------------- list

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    q: String,
    /// Keyset cursor "<updated_at micros>.<id>".
    after: String,
}

impl From<&ListQuery> for ListFilter {
    fn from(query: &ListQuery) -> Self {
        ListFilter {
            status: query.status.parse().ok(),
            search: Some(query.q.trim().to_string())
                .filter(|q| !q.is_empty() && q.chars().count() <= 100),
            after: parse_cursor(&query.after),
        }
    }
}

impl ListPage {
    fn countdown(&self, plan: &Plan) -> Option<String> {
        itinerary::countdown(plan.start_date, plan.end_date, self.today)
    }

    fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The filter bar, when there is something to filter: more than a handful of plans,
    /// or a filter already set.
    fn shows_filters(&self) -> bool {
        let shown: usize = self.groups.iter().map(|(_, rows)| rows.len()).sum();
        shown > 5 || !self.first_page || !self.q.is_empty() || !self.status.is_empty()
    }
}

impl ListQuery {
    /// The same filters, from after `last`.
    fn next_page(&self, last: &Plan) -> String {
        let mut url = url::form_urlencoded::Serializer::new(String::new());
        if !self.status.is_empty() {
            url.append_pair("status", &self.status);
        }
        if !self.q.is_empty() {
            url.append_pair("q", &self.q);
        }
        url.append_pair("after", &format!("{}.{}", last.version(), last.id));
        format!("/plans?{}", url.finish())
    }
}

pub struct PlanRow {
    pub plan: Plan,
    pub activity_count: i64,
}

#[derive(Template)]
#[template(path = "plans/list.html")]
struct ListPage {
    layout: Layout,
    /// This page's trips, under way, coming, past and undated apart, each group by date.
    groups: Vec<(TripTime, Vec<PlanRow>)>,
    status: String,
    q: String,
    next_page: Option<String>,
    first_page: bool,
    statuses: [PlanStatus; 3],
    /// For each trip's countdown.
    today: chrono::NaiveDate,
    /// Plans others own and the user is a member of (on the first page only).
    shared: Vec<plan::SharedPlan>,
}

fn parse_cursor(raw: &str) -> Option<(NaiveDateTime, PlanId)> {
    let (micros, id) = raw.split_once('.')?;
    Some((plan::version_time(micros.parse().ok()?)?, id.parse().ok()?))
}

pub async fn list(
    current: CurrentUser,
    db: web::Data<Db>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let filter = ListFilter::from(&query);
    let user_id = current.id();
    let first_page = filter.after.is_none();
    let (mut rows, shared) = db
        .read_as(Actor::User(user_id), move |conn| {
            let shared = if first_page {
                plan::shared_with_user(conn, user_id)?
            } else {
                Vec::new()
            };
            Ok((plan::list_for_user(conn, user_id, &filter)?, shared))
        })
        .await?;
    let next_page = (rows.len() as i64 > PAGE_SIZE).then(|| {
        rows.truncate(PAGE_SIZE as usize);
        query.next_page(&rows[rows.len() - 1].0)
    });
    let today = chrono::Utc::now().date_naive();
    let rows = rows.into_iter().map(|(plan, activity_count)| PlanRow {
        plan,
        activity_count,
    });
    let groups = itinerary::by_trip_time(rows, today, |r| (r.plan.start_date, r.plan.end_date));
    render(&ListPage {
        layout: current.layout,
        groups,
        status: query.status,
        q: query.q,
        next_page,
        first_page,
        statuses: PlanStatus::ALL,
        today,
        shared,
    })
}

// ---------------------------------------------------------------- the plan form

/// The plan's own fields. Who can find the plan is not here: it is one choice in the plan
/// page's sharing section (`sharing::visibility`).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    pub title: String,
    pub description: String,
    pub destination: String,
    pub start_date: String,
    pub end_date: String,
    pub budget: String,
    pub currency: String,
    pub version: String,
    /// The fields as the form was opened (`routes::merge`).
    pub base: String,
    /// The destination's coordinates (`plan_data.destination_location`); absent from a
    /// post that does not show them, which leaves them as they are.
    pub destination_latitude: Option<String>,
    pub destination_longitude: Option<String>,
    /// The place search's field and buttons.
    #[serde(flatten, skip_serializing)]
    pub places: PlaceFields,
}

impl PlanForm {
    /// The fields in the order the form shows them, with their labels.
    const LABELS: [(&'static str, &'static str); 7] = [
        ("title", "Title"),
        ("destination", "Destination"),
        ("start_date", "Start date"),
        ("end_date", "End date"),
        ("budget", "Budget"),
        ("currency", "Currency"),
        ("description", "Description"),
    ];

    fn from_plan(p: &Plan) -> Self {
        let input = PlanInput::from_plan(p);
        let at = PlanData::from_value(p.plan_data.as_ref()).destination_location;
        let degrees = |v: Option<f64>| Some(v.map(|d| d.to_string()).unwrap_or_default());
        merge::opened(PlanForm {
            destination_latitude: degrees(at.as_ref().map(|l| l.latitude)),
            destination_longitude: degrees(at.as_ref().map(|l| l.longitude)),
            places: PlaceFields::default(),
            title: input.title,
            description: input.description,
            destination: input.destination,
            start_date: input.start_date,
            end_date: input.end_date,
            budget: input.budget,
            currency: input.currency,
            version: p.version().to_string(),
            base: String::new(),
        })
    }

    /// The place chosen from the search: its name (within the column's 100 characters)
    /// and coordinates.
    fn fill_place(&mut self, place: Place) {
        self.destination = place.name.chars().take(100).collect();
        self.destination_latitude = Some(place.latitude);
        self.destination_longitude = Some(place.longitude);
    }

    /// Where the destination is, checked like an activity's coordinates.
    fn destination_at(&self) -> Result<DestinationAt, FieldErrors> {
        let (Some(lat), Some(lng)) = (&self.destination_latitude, &self.destination_longitude)
        else {
            return Ok(DestinationAt::Unchanged);
        };
        let mut errors = FieldErrors::default();
        let lat = errors.check("destination_latitude", latitude(lat));
        let lng = errors.check("destination_longitude", longitude(lng));
        let degrees = |d: &BigDecimal| d.to_string().parse::<f64>().ok();
        match (lat, lng) {
            (Some(None), Some(None)) => Ok(DestinationAt::Nowhere),
            (Some(Some(lat)), Some(Some(lng))) => match (degrees(&lat), degrees(&lng)) {
                (Some(lat), Some(lng)) => Ok(DestinationAt::At(lat, lng)),
                _ => {
                    errors.add("destination_latitude", "Enter a latitude like 35.0116.");
                    Err(errors)
                }
            },
            (Some(_), Some(_)) => {
                errors.add(
                    "destination_longitude",
                    "Give both latitude and longitude, or neither.",
                );
                Err(errors)
            }
            _ => Err(errors),
        }
    }

    fn input(&self) -> PlanInput {
        PlanInput {
            title: self.title.clone(),
            description: self.description.clone(),
            destination: self.destination.clone(),
            start_date: self.start_date.clone(),
            end_date: self.end_date.clone(),
            budget: self.budget.clone(),
            currency: self.currency.clone(),
        }
    }
}

impl TryFrom<&PlanForm> for ValidPlan {
    type Error = FieldErrors;

    /// The checked values, or every field's error beside its field. The budget is read
    /// as typed ("2,500", "€1.240,00").
    fn try_from(form: &PlanForm) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let [budget] = Money::typed_fields([("budget", &form.budget)], &mut errors);
        errors.then(
            PlanInput {
                budget,
                ..form.input()
            }
            .validate(),
        )
    }
}

impl TryFrom<&PlanForm> for PlanChanges {
    type Error = FieldErrors;

    fn try_from(form: &PlanForm) -> Result<Self, FieldErrors> {
        let plan = ValidPlan::try_from(form)?;
        Ok(PlanChanges {
            title: plan.title,
            description: plan.description,
            destination: plan.destination,
            start_date: plan.start_date,
            end_date: plan.end_date,
            budget: plan.budget,
            currency: Some(plan.currency),
        })
    }
}

#[derive(Template)]
#[template(path = "plans/form.html")]
struct FormPage {
    layout: Layout,
    /// `None` for a new plan.
    plan_id: Option<PlanId>,
    form: PlanForm,
    errors: FieldErrors,
    currencies: &'static CurrencyPicker,
    /// The plan as someone else saved it meanwhile (the 409 page).
    newer: Option<Plan>,
    /// What the form took in of someone else's save.
    merge: Merge,
    places: PlaceSearch,
}

impl FormPage {
    fn new(layout: Layout, plan_id: Option<PlanId>, form: PlanForm, errors: FieldErrors) -> Self {
        FormPage {
            layout,
            plan_id,
            form,
            errors,
            currencies: &CURRENCY_PICKER,
            newer: None,
            merge: Merge::default(),
            places: PlaceSearch::default(),
        }
    }

    /// With the place search, when the server has one.
    fn searching(mut self, state: &AppState) -> Self {
        self.places = PlaceSearch::for_form(state);
        self
    }
}

/// "Search places" or one of its results was pressed: the form again, as typed (or with
/// the chosen place as the destination), nothing saved; `None` when it is to be saved.
async fn place_step(
    current: &CurrentUser,
    state: &AppState,
    db: &Db,
    plan_id: Option<PlanId>,
    form: &PlanForm,
) -> Result<Option<HttpResponse>, AppError> {
    if !form.places.pressed() {
        return Ok(None);
    }
    let user_id = current.id();
    if let Some(id) = plan_id {
        // Only someone who may read the plan searches from its form.
        db.read_as(Actor::User(user_id), move |conn| {
            Ok(access::form(conn, user_id, id, Action::Edit)?.plan)
        })
        .await?;
    }
    let Some(step) = places::step(state, db, user_id, &form.places).await? else {
        return Ok(None);
    };
    let mut form = form.clone();
    let places = step.shown(|place| form.fill_place(place));
    form.places = form.places.query_only();
    let mut page = FormPage::new(
        current.layout.clone(),
        plan_id,
        form,
        FieldErrors::default(),
    );
    page.places = places;
    render(&page).map(Some)
}

/// The plan's fields and where its destination is, or every error beside its field.
fn checked(form: &PlanForm) -> Result<(ValidPlan, DestinationAt), FieldErrors> {
    let plan = ValidPlan::try_from(form);
    let at = form.destination_at();
    match (plan, at) {
        (Ok(plan), Ok(at)) => Ok((plan, at)),
        (Err(mut errors), Err(more)) => {
            errors.append(more);
            Err(errors)
        }
        (Err(errors), _) | (_, Err(errors)) => Err(errors),
    }
}

pub async fn new_form(
    current: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = PlanForm {
        currency: "USD".into(),
        ..PlanForm::default()
    };
    render(&FormPage::new(current.layout, None, form, FieldErrors::default()).searching(&state))
}

/// Creates a plan as a private draft: only its owner can find it until they choose
/// otherwise in its sharing section.
pub async fn create(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    web::Form(form): web::Form<PlanForm>,
) -> Result<HttpResponse, AppError> {
    if let Some(page) = place_step(&current, &state, &db, None, &form).await? {
        return Ok(page);
    }
    let (fields, at) = match checked(&form) {
        Ok(checked) => checked,
        Err(errors) => {
            return render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FormPage::new(current.layout, None, form, errors).searching(&state),
            );
        }
    };
    let at = match at {
        DestinationAt::At(latitude, longitude) => Some((latitude, longitude)),
        DestinationAt::Unchanged | DestinationAt::Nowhere => None,
    };
    let user_id = current.id();
    state.count_new_plan(&db, user_id).await?;
    let created = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(plans::create(conn, user_id, fields, at)?)
        })
        .await?;
    FlashMessage::info("Your plan is created. Add the first activity.").send();
    Ok(see_other(&format!("/plans/{}", created.id)))
}

// ---------------------------------------------------------------- show

#[derive(Template)]
#[template(path = "plans/show.html")]
struct ShowPage {
    layout: Layout,
    plan: Plan,
    data: PlanData,
    itinerary: Itinerary,
    budget: Budget,
    day_chart: Chart,
    type_chart: Chart,
    map_json: String,
    tile_url: String,
    /// Who can find the plan, as the sharing section's one choice.
    visibility: Visibility,
    /// Only a verified owner may list a plan on Explore.
    verified: bool,
    share_url: Option<String>,
    /// Each activity's number in itinerary order, as on the map.
    numbers: std::collections::HashMap<ActivityId, usize>,
    /// Today, when the trip is under way.
    today: Option<chrono::NaiveDate>,
    /// The reader's part in the plan: what the page offers them.
    role: Role,
    /// The owner, then members with their roles ("On this trip").
    on_trip: Vec<OnTrip>,
    /// Members the plan has beyond those named.
    more_members: i64,
    /// Who changed the plan last, and when.
    latest: Option<LastChange>,
    /// Changes by others since the page the reader came from (`Seen`): how many, and the
    /// newest.
    changed_since: Option<(i64, LastChange)>,
    /// The newest change this page shows, for its forms' `seen`.
    seen: i64,
}

impl ShowPage {
    fn number(&self, id: &ActivityId) -> usize {
        self.numbers.get(id).copied().unwrap_or(0)
    }

    /// The id of an activity's card, which messages and the map's popups point at.
    fn card_id(&self, a: &PlanActivity) -> String {
        format!("activity-{}", a.id)
    }

    /// The card of the stay a later night belongs to.
    fn stay_card(&self, night: &StayNight) -> String {
        format!("activity-{}", night.id)
    }

    /// The actions on each activity hang off the plan's path (`plans/_activity.html`), for
    /// the owner and editors; a viewer has none.
    fn owner_actions(&self) -> Option<CardActions> {
        self.can_edit().then(|| CardActions {
            base: format!("/plans/{}", self.plan.id),
            seen: self.seen,
        })
    }

    /// Changing the plan, its activities and details: owner and editors.
    fn can_edit(&self) -> bool {
        self.role.allows(Action::Edit)
    }

    /// Deleting, archiving and sharing the plan, and managing its members: the owner.
    fn can_manage(&self) -> bool {
        self.role.allows(Action::Manage)
    }

    /// "ana (owner)", "bo (editor)".
    fn on_trip_label(&self, person: &OnTrip) -> String {
        match person.role {
            None => format!("{} (owner)", person.username),
            Some(role) => format!("{} ({})", person.username, role.as_str()),
        }
    }

    fn choices(&self) -> [Visibility; 3] {
        Visibility::ALL
    }

    fn archived(&self) -> bool {
        self.plan.status_or_default() == PlanStatus::Archived
    }
}

/// `seen`, on the plan page's forms and on the way back from them: the time, in
/// microseconds, of the newest change the page showed. Carried back to the plan page, it
/// makes the page say who else changed the plan meanwhile ("changed by ana 2 minutes ago").
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Seen {
    seen: String,
}

impl Seen {
    fn time(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let micros = self.seen.trim().parse().ok()?;
        plan::version_time(micros).map(|t| t.and_utc())
    }

    /// The plan page at `anchor` (a card or a day), with `seen` carried on.
    pub fn plan_url(&self, plan_id: PlanId, anchor: &str) -> String {
        match self.time() {
            Some(t) => format!("/plans/{plan_id}?seen={}#{anchor}", t.timestamp_micros()),
            None => format!("/plans/{plan_id}#{anchor}"),
        }
    }
}

/// What the card's forms need: where they post, and the `seen` they carry.
pub struct CardActions {
    pub base: String,
    pub seen: i64,
}

pub async fn show(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
    query: web::Query<Seen>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let seen = query.time();
    let found = db
        .read_as(Actor::User(user_id), move |conn| {
            Ok(plans::read_page(conn, user_id, id, seen)?)
        })
        .await?;
    let now = chrono::Utc::now();
    let changes = found
        .activity_changes
        .iter()
        .map(|c| {
            let change = LastChange::new(c.username.as_deref(), c.created_at, now);
            (c.activity_id, change)
        })
        .collect();
    let latest = found
        .latest
        .as_ref()
        .map(|c| LastChange::new(c.username.as_deref(), c.created_at, now));
    let (plan, role) = (found.access.plan, found.access.role);
    let changed_since = found.by_others_since_seen.as_ref().map(|(count, c)| {
        (
            *count,
            LastChange::new(c.username.as_deref(), c.created_at, now),
        )
    });
    let seen = found
        .latest
        .as_ref()
        .map_or(0, |c| c.created_at.timestamp_micros());
    let shown_members = found.on_trip.iter().filter(|p| p.role.is_some()).count();
    let itinerary = itinerary::itinerary(plan.start_date, plan.end_date, found.activities)
        .with_changes(changes);
    let budget = Budget::of(plan.budget.clone(), plan.currency_or_default(), &itinerary);
    let verified = current.user.is_verified;
    let data = PlanData::from_value(plan.plan_data.as_ref());
    render(&ShowPage {
        layout: current.layout,
        today: itinerary::today_on_trip(&itinerary, data.timezone.as_deref()),
        data,
        day_chart: chart::chart(&budget.per_day, &budget.currency),
        type_chart: chart::chart(&budget.per_type, &budget.currency),
        map_json: map_json(&itinerary, |a, _| format!("activity-{}", a.id)),
        tile_url: state.settings.tile_url.clone(),
        share_url: plan
            .share_token
            .as_ref()
            .map(|t| state.link(&format!("/s/{t}"))),
        numbers: numbering(&itinerary),
        itinerary,
        budget,
        visibility: Visibility::of(&plan),
        verified,
        plan,
        role,
        more_members: (found.members - shown_members as i64).max(0),
        on_trip: found.on_trip,
        latest,
        changed_since,
        seen,
    })
}

// ---------------------------------------------------------------- edit

/// The plan form, for whoever may edit the plan (a viewer gets 403).
pub async fn edit_form(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let found = db
        .read_as(Actor::User(user_id), move |conn| {
            Ok(access::form(conn, user_id, id, Action::Edit)?.plan)
        })
        .await?;
    render(
        &FormPage::new(
            current.layout,
            Some(id),
            PlanForm::from_plan(&found),
            FieldErrors::default(),
        )
        .searching(&state),
    )
}

/// Saves the plan's fields, merged with what someone else saved meanwhile when the form
/// was opened on an older version (`routes::merge`).
pub async fn update(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
    web::Form(form): web::Form<PlanForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    if let Some(page) = place_step(&current, &state, &db, Some(id), &form).await? {
        return Ok(page);
    }
    let outcome = db
        .write_as(Actor::User(user_id), move |conn| {
            let outcome = merge::save::<_, _, _, _, AppError>(
                form,
                &PlanForm::LABELS,
                PlanForm::from_plan,
                |form| {
                    let checked =
                        checked(form).and_then(|(_, at)| Ok((PlanChanges::try_from(form)?, at)));
                    let (changes, at) = match checked {
                        Ok(changes) => changes,
                        Err(errors) => {
                            // The plan must exist and be theirs before we show anything about it.
                            let found = access::plan(conn, user_id, id, Action::Edit)?.plan;
                            return Ok(Attempt::Invalid(found, errors));
                        }
                    };
                    let version = form.version.parse().ok().and_then(plan::version_time);
                    let saved =
                        plans::update_with_destination(conn, user_id, id, version, &changes, at)?;
                    Ok(match saved {
                        Saved::Saved(saved) => Attempt::Saved(saved),
                        Saved::Conflict(newer) => Attempt::Conflict(newer),
                    })
                },
            )?;
            Ok(merge::attributed(conn, id, outcome)?)
        })
        .await?;
    let (status, form, errors, newer, merge) = match outcome {
        Outcome::Saved(_, merge) => {
            FlashMessage::info(merge.saved_message("Your plan is saved.")).send();
            return Ok(see_other(&format!("/plans/{id}")));
        }
        Outcome::Invalid(_, form, errors, merge) => {
            (StatusCode::UNPROCESSABLE_ENTITY, form, errors, None, merge)
        }
        Outcome::Conflict(newer, form, merge) => (
            StatusCode::CONFLICT,
            form,
            FieldErrors::default(),
            Some(newer),
            merge,
        ),
    };
    let mut page =
        FormPage::new(current.layout, Some(id), form, merge.mark(errors)).searching(&state);
    page.newer = newer;
    page.merge = merge;
    render_with(status, &page)
}

// ---------------------------------------------------------------- status, copy, delete

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusForm {
    status: String,
}

/// Archives a plan or brings it back: the owner's own workflow. Archiving takes a plan off
/// Explore; listing one there is the sharing section's choice, not a status.
pub async fn set_status(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
    web::Form(form): web::Form<StatusForm>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let (to, message) = match form.status.trim().parse() {
        Ok(PlanStatus::Archived) => (Workflow::Archive, "The plan is archived."),
        Ok(PlanStatus::Draft) => (Workflow::Restore, "The plan is back from the archive."),
        _ => {
            return Err(AppError::BadRequest(
                "Choose to archive the plan or to bring it back. To list it on Explore, \
                 choose “Everyone” under “Who can find this plan” in its sharing section."
                    .into(),
            ));
        }
    };
    db.write_as(Actor::User(user_id), move |conn| {
        Ok(plans::set_workflow(conn, user_id, id, to)?)
    })
    .await?;
    FlashMessage::info(message).send();
    Ok(see_other(&format!("/plans/{id}")))
}

/// Copies one of the user's plans with all its activities as a new private draft, through
/// the forms' checks: a plan holding what the forms refuse (a date far out of range, a
/// title too long for "Copy of …") is not copied, and the answer says why.
pub async fn duplicate(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    // A missing or foreign plan answers 404 before anything is counted.
    let (source, activities) = db
        .read_as(Actor::User(user_id), move |conn| {
            Ok(plans::read_with_activities(
                conn,
                user_id,
                id,
                Action::Read,
            )?)
        })
        .await?;
    let title: String = format!("Copy of {}", source.title)
        .chars()
        .take(200)
        .collect();
    let input = PlanInput {
        title,
        ..PlanInput::from_plan(&source)
    };
    let plan_data = source
        .plan_data
        .clone()
        .unwrap_or_else(|| serde_json::json!({}));
    let copy = CheckedPlan::copy(&input, plan_data, &activities).map_err(|problems| {
        AppError::Invalid(format!(
            "This plan cannot be copied until it is fixed: {}",
            problems.sentence()
        ))
    })?;
    state
        .count_new_plan_with_activities(&db, user_id, copy.activities.len())
        .await?;
    let created = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(plans::create_with_activities(conn, user_id, copy)?)
        })
        .await?;
    FlashMessage::info("This is your copy, with all the activities.").send();
    Ok(see_other(&format!("/plans/{}", created.id)))
}

#[derive(Template)]
#[template(path = "plans/delete.html")]
struct DeletePage {
    layout: Layout,
    plan: Plan,
}

/// The delete confirmation, for the owner only (members get 403).
pub async fn delete_form(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let found = db
        .read_as(Actor::User(user_id), move |conn| {
            Ok(access::form(conn, user_id, id, Action::Manage)?.plan)
        })
        .await?;
    render(&DeletePage {
        layout: current.layout,
        plan: found,
    })
}

pub async fn delete(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let undo = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(plans::delete(conn, user_id, id)?)
        })
        .await?;
    flash::deleted(None, "The plan and its activities are deleted.", undo);
    Ok(see_other("/plans"))
}

/// "Undo" on a delete's message: the plan or activity comes back where it was.
pub async fn undo(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<DeletedItemId>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let outcome = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(undo::undo(conn, user_id, id)?)
        })
        .await?;
    Ok(match outcome {
        Ok(Restored::Plan {
            id,
            title,
            activities,
        }) => {
            let with = match activities {
                0 => String::new(),
                1 => ", with its activity".into(),
                n => format!(", with its {n} activities"),
            };
            FlashMessage::info(format!("“{title}” is back{with}.")).send();
            see_other(&format!("/plans/{id}"))
        }
        Ok(Restored::Activity { plan_id, id, title }) => {
            activities::to_card(plan_id, id, Some(&format!("“{title}” is back.")))
        }
        Err(NotRestored::PlanGone { title }) => {
            FlashMessage::warning(format!(
                "“{title}” cannot come back: its plan has been deleted since."
            ))
            .send();
            see_other("/plans")
        }
        Err(NotRestored::TooLate) => {
            FlashMessage::warning(format!(
                "This can no longer be undone: a delete can be undone for {} minutes, once.",
                undo::UNDO_WINDOW.as_secs() / 60
            ))
            .send();
            see_other("/plans")
        }
    })
}
