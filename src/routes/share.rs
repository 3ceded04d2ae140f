//! What readers who are not the owner see: the page behind a share link (with what the
//! owner chose to share), Explore's list and its public page of each listed plan (never
//! bookings or contact details), their calendar feeds, and (signed in) "Copy to my plans".
//! Every one of them is built from `views::shared::SharedPlan`, the one allow-list, so
//! what a reader is shown and what a reader can copy cannot diverge.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use crate::auth::extractors::{CurrentUser, Visitor};
use crate::db::{Actor, Db};
use crate::domain::checked::CheckedPlan;
use crate::domain::ids::{ActivityId, PlanId};
use crate::error::AppError;
use crate::formats::ics::{self, Calendar};
use crate::models::plan::{self, ExploreFilter, PAGE_SIZE, Plan};
use crate::models::plan_activity::{self, PlanActivity};
use crate::pages::{Layout, see_other};
use crate::routes::plans::CardActions;
use crate::routes::plans::files::ics_response;
use crate::services::plans;
use crate::state::AppState;
use crate::views::budget::Budget;
use crate::views::chart::{self, Chart};
use crate::views::itinerary::{self, Itinerary, StayNight, numbering};
use crate::views::map::map_json;
use crate::views::shared::{Reader, SharedPlan, summary, webcal};

/// The token in a share page's URL must not travel to other sites in a Referer.
const SHARE_REFERRER_POLICY: &str = "same-origin";

/// Tokens are 43 URL-safe characters; anything else is not worth a query.
fn plausible(token: &str) -> bool {
    (16..=100).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Where a reader came from: a share link, or Explore.
#[derive(Clone, Debug)]
enum Door {
    Link(String),
    Explore(PlanId),
}

impl Door {
    /// The page's path: the copy form, the login link and the calendar hang off it.
    fn base(&self) -> String {
        match self {
            Door::Link(token) => format!("/s/{token}"),
            Door::Explore(id) => format!("/explore/{id}"),
        }
    }
}

/// The plan as this door's reader may see it, read as that reader (row-level security
/// shows a link holder that one plan, and Explore only listed ones).
async fn read(db: &Db, door: &Door) -> Result<SharedPlan, AppError> {
    match door.clone() {
        Door::Link(token) => {
            if !plausible(&token) {
                return Err(AppError::LinkWithdrawn);
            }
            let (found, activities) = db
                .read_replica_as(Actor::ShareToken(token.clone()), move |conn| {
                    let found = plan::find_by_share_token(conn, &token)?;
                    let activities = plan_activity::list_for_plan(conn, found.id)?;
                    Ok((found, activities))
                })
                .await
                .map_err(|e| match e {
                    AppError::NotFound => AppError::LinkWithdrawn,
                    other => other,
                })?;
            Ok(SharedPlan::of(&found, activities, Reader::Link))
        }
        Door::Explore(id) => {
            let (found, activities) = db
                .read_replica_as(Actor::Explore, move |conn| {
                    let found = plan::find_listed(conn, id)?;
                    let activities = plan_activity::list_for_plan(conn, found.id)?;
                    Ok((found, activities))
                })
                .await?;
            Ok(SharedPlan::of(&found, activities, Reader::Public))
        }
    }
}

#[derive(Template)]
#[template(path = "share/show.html")]
struct SharePage {
    layout: Layout,
    plan: SharedPlan,
    itinerary: Itinerary,
    budget: Budget,
    day_chart: Chart,
    map_json: String,
    tile_url: String,
    url: String,
    calendar_url: String,
    webcal_url: String,
    description: String,
    signed_in: bool,
    /// The page's own path (`/s/{token}` or `/explore/{id}`).
    base: String,
    /// Reached through Explore: the public view.
    public: bool,
}

impl SharePage {
    /// A reader has no actions on the activities (`plans/_activity.html`).
    fn owner_actions(&self) -> Option<CardActions> {
        None
    }

    /// An activity's number in itinerary order, as on the map.
    fn number(&self, id: &ActivityId) -> usize {
        numbering(&self.itinerary).get(id).copied().unwrap_or(0)
    }

    /// The id of an activity's card, by its number: the share page shows no database ids.
    fn card_id(&self, a: &PlanActivity) -> String {
        format!("stop-{}", self.number(&a.id))
    }

    /// The card of the stay a later night belongs to.
    fn stay_card(&self, night: &StayNight) -> String {
        format!("stop-{}", self.number(&night.id))
    }
}

impl SharePage {
    fn new(visitor: Visitor, state: &AppState, shared: SharedPlan, door: &Door) -> Self {
        let base = door.base();
        let itinerary = itinerary::itinerary(
            shared.start_date,
            shared.end_date,
            shared.activities.clone(),
        );
        let budget = Budget::of(shared.budget.clone(), &shared.currency, &itinerary);
        let calendar_url = state.link(&format!("{base}/calendar.ics"));
        SharePage {
            signed_in: visitor.user.is_some(),
            layout: visitor.layout,
            description: summary(
                shared.destination.as_deref(),
                shared.start_date,
                shared.end_date,
            ),
            day_chart: chart::chart(&budget.per_day, &budget.currency),
            map_json: map_json(&itinerary, |_, n| format!("stop-{n}")),
            tile_url: state.settings.tile_url.clone(),
            webcal_url: webcal(&calendar_url),
            calendar_url,
            url: state.link(&base),
            itinerary,
            budget,
            plan: shared,
            public: matches!(door, Door::Explore(_)),
            base,
        }
    }
}

async fn page(
    visitor: Visitor,
    state: &AppState,
    db: &Db,
    door: Door,
) -> Result<HttpResponse, AppError> {
    let shared = read(db, &door).await?;
    let page = SharePage::new(visitor, state, shared, &door);
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/html; charset=utf-8")
        // Never "no-referrer": browsers then send `Origin: null` with the page's forms
        // (copy, log out), which the CSRF check rightly refuses. same-origin keeps the token
        // in the URL from ever reaching another site, which is what matters.
        .insert_header((header::REFERRER_POLICY, SHARE_REFERRER_POLICY))
        .insert_header((header::CACHE_CONTROL, "private, max-age=60"));
    if let Door::Link(_) = door {
        // A link page may show bookings: only Explore's public page is for search engines.
        response.insert_header(("X-Robots-Tag", "noindex, nofollow"));
    }
    Ok(response.body(page.render()?))
}

async fn calendar_of(state: &AppState, db: &Db, door: Door) -> Result<HttpResponse, AppError> {
    let shared = read(db, &door).await?;
    let body = ics::render(&Calendar {
        name: &shared.title,
        timezone: shared.timezone.as_deref(),
        host: state.settings.public_url.host_str().unwrap_or("wayfare"),
        activities: &shared.activities,
        // Already allow-listed: booking details are there only when this reader sees them.
        describe: &crate::routes::plans::files::describe_all,
    });
    let mut response = ics_response(body, &shared.title);
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static(SHARE_REFERRER_POLICY),
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, max-age=300"),
    );
    Ok(response)
}

/// Copies what this reader sees into their own plans as a private draft (through the
/// forms' checks, counted against their daily limits): never the link, the sharing
/// options, or anything the page does not show.
async fn copy_of(
    current: Option<CurrentUser>,
    state: &AppState,
    db: &Db,
    door: Door,
) -> Result<HttpResponse, AppError> {
    // After logging in, back to the page: the copy URL itself only takes POST.
    let current = current.ok_or_else(|| AppError::LoginRequired(door.base()))?;
    let shared = read(db, &door).await?;
    let copy = CheckedPlan::copy(&shared.plan_input(), shared.plan_data(), &shared.activities)
        .map_err(|problems| {
            AppError::Invalid(format!(
                "This plan cannot be copied: {}",
                problems.sentence()
            ))
        })?;
    let user_id = current.id();
    state
        .count_new_plan_with_activities(db, user_id, copy.activities.len())
        .await?;
    let created = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(plans::create_with_activities(conn, user_id, copy)?)
        })
        .await?;
    FlashMessage::info("The plan is copied into your plans as a draft.").send();
    Ok(see_other(&format!("/plans/{}", created.id)))
}

pub async fn show(
    visitor: Visitor,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    page(visitor, &state, &db, Door::Link(token.into_inner())).await
}

pub async fn calendar(
    state: web::Data<AppState>,
    db: web::Data<Db>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    calendar_of(&state, &db, Door::Link(token.into_inner())).await
}

pub async fn copy(
    current: Option<CurrentUser>,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    copy_of(current, &state, &db, Door::Link(token.into_inner())).await
}

/// A listed plan as Explore shows it to anyone.
pub async fn explore_show(
    visitor: Visitor,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    id: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    page(visitor, &state, &db, Door::Explore(id.into_inner())).await
}

pub async fn explore_calendar(
    state: web::Data<AppState>,
    db: web::Data<Db>,
    id: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    calendar_of(&state, &db, Door::Explore(id.into_inner())).await
}

pub async fn explore_copy(
    current: Option<CurrentUser>,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    id: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    copy_of(current, &state, &db, Door::Explore(id.into_inner())).await
}

// ---------------------------------------------------------------- explore

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExploreQuery {
    q: String,
    month: String,
    length: String,
    after: String,
}

/// A card on Explore: what it shows and where it leads, nothing more (no share token:
/// Explore's readers never reach the link's page).
pub struct Listed {
    pub id: PlanId,
    pub title: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "share/explore.html")]
struct ExplorePage {
    layout: Layout,
    plans: Vec<Listed>,
    q: String,
    month: String,
    length: String,
    next_page: Option<String>,
}

pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Trip lengths offered as filters: (value, label, min days, max days).
pub const LENGTHS: [(&str, &str, i32, Option<i32>); 4] = [
    ("1-3", "A weekend (1–3 days)", 1, Some(3)),
    ("4-7", "Up to a week (4–7 days)", 4, Some(7)),
    ("8-14", "Up to two weeks (8–14 days)", 8, Some(14)),
    ("15-", "Longer (15 days or more)", 15, None),
];

impl From<&ExploreQuery> for ExploreFilter {
    /// Anything out of range is no filter.
    fn from(query: &ExploreQuery) -> Self {
        let length = LENGTHS.iter().find(|l| l.0 == query.length);
        ExploreFilter {
            search: Some(query.q.trim().to_string())
                .filter(|q| !q.is_empty() && q.chars().count() <= 100 && !q.contains('\0')),
            month: query.month.parse().ok().filter(|m| (1..=12).contains(m)),
            min_days: length.map(|l| l.2),
            max_days: length.and_then(|l| l.3),
            after: query
                .after
                .split_once('.')
                .and_then(|(t, id)| Some((plan::version_time(t.parse().ok()?)?, id.parse().ok()?))),
        }
    }
}

impl ExploreQuery {
    /// The link to the page after the one ending with `last`, with the same filters.
    fn next_page(&self, last: &Plan) -> String {
        let mut url = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("month", &self.month),
            ("length", &self.length),
        ] {
            if !v.is_empty() {
                url.append_pair(k, v);
            }
        }
        url.append_pair("after", &format!("{}.{}", last.version(), last.id));
        format!("/explore?{}", url.finish())
    }
}

impl From<Plan> for Listed {
    fn from(p: Plan) -> Self {
        Listed {
            summary: summary(p.destination.as_deref(), p.start_date, p.end_date),
            id: p.id,
            title: p.title,
        }
    }
}

pub async fn explore(
    visitor: Visitor,
    db: web::Data<Db>,
    query: web::Query<ExploreQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let filter = ExploreFilter::from(&query);
    let mut plans = db
        .read_replica_as(Actor::Explore, move |conn| {
            Ok(plan::explore(conn, &filter)?)
        })
        .await?;
    let next_page = (plans.len() as i64 > PAGE_SIZE).then(|| {
        plans.truncate(PAGE_SIZE as usize);
        query.next_page(&plans[plans.len() - 1])
    });
    crate::pages::render(&ExplorePage {
        layout: visitor.layout,
        plans: plans.into_iter().map(Listed::from).collect(),
        q: query.q,
        month: query.month,
        length: query.length,
        next_page,
    })
}

impl ExplorePage {
    fn months(&self) -> Vec<(String, &'static str)> {
        MONTHS
            .iter()
            .enumerate()
            .map(|(i, m)| ((i + 1).to_string(), *m))
            .collect()
    }
    fn lengths(&self) -> &'static [(&'static str, &'static str, i32, Option<i32>)] {
        &LENGTHS
    }
}
