//! What anyone with a share link sees: a read-only plan, its calendar feed, and (signed in)
//! a button to copy it into their own plans. Explore lists public, published plans.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use crate::auth::extractors::{CurrentUser, Visitor};
use crate::db::{Actor, Db};
use crate::domain::activity::Metadata;
use crate::domain::checked::CheckedPlan;
use crate::domain::ics::{self, Calendar};
use crate::domain::itinerary::{self, Budget, Chart, Itinerary};
use crate::domain::plan::PlanInput;
use crate::domain::plan_data::{PlanData, Sharing};
use crate::error::AppError;
use crate::models::plan::{self, ExploreFilter, PAGE_SIZE, Plan};
use crate::models::plan_activity::{self, PlanActivity};
use crate::pages::{Layout, see_other};
use crate::routes::plans::files::ics_response;
use crate::routes::plans::map_json;
use crate::startup::AppState;

/// The token in a share page's URL must not travel to other sites in a Referer.
const SHARE_REFERRER_POLICY: &str = "same-origin";

/// Tokens are 43 URL-safe characters; anything else is not worth a query.
fn plausible(token: &str) -> bool {
    (16..=100).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Drops from the activities what the owner did not choose to share.
fn redact(activities: &mut [PlanActivity], sharing: &Sharing) {
    for a in activities {
        if !sharing.show_costs {
            a.estimated_cost = None;
            a.actual_cost = None;
        }
        if !sharing.show_bookings {
            let mut meta = Metadata::from_value(a.metadata.as_ref());
            meta.booking_info = None;
            meta.contact_info = None;
            a.metadata = Some(meta.to_value());
        }
    }
}

/// The shared plan and its activities, redacted, read as the link's holder.
async fn shared(db: &Db, token: String) -> Result<(Plan, PlanData, Vec<PlanActivity>), AppError> {
    if !plausible(&token) {
        return Err(AppError::NotFound);
    }
    let (found, mut activities) = db
        .read_replica_as(Actor::ShareToken(token.clone()), move |conn| {
            let found = plan::find_by_share_token(conn, &token)?;
            let activities = plan_activity::list_for_plan(conn, found.id)?;
            Ok((found, activities))
        })
        .await?;
    let data = PlanData::from_value(found.plan_data.as_ref());
    redact(&mut activities, &data.sharing());
    Ok((found, data, activities))
}

#[derive(Template)]
#[template(path = "share/show.html")]
struct SharePage {
    layout: Layout,
    plan: Plan,
    data: PlanData,
    sharing: Sharing,
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
    token: String,
}

/// "Lisbon · 1–5 Jul 2026 · 5 days": the preview line of chat apps.
fn summary(plan: &Plan) -> String {
    let mut parts: Vec<String> = plan.destination.iter().cloned().collect();
    if let (Some(s), Some(e)) = (plan.start_date, plan.end_date) {
        parts.push(format!(
            "{} – {}",
            s.format("%-d %b %Y"),
            e.format("%-d %b %Y")
        ));
        parts.push(format!("{} days", (e - s).num_days() + 1));
    }
    if parts.is_empty() {
        parts.push("A trip planned with Wayfare".into());
    }
    parts.join(" · ")
}

pub async fn show(
    visitor: Visitor,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let (found, data, activities) = shared(&db, token.clone()).await?;
    let sharing = data.sharing();
    let listed = found.public() && found.status_or_default() == "published";
    let itinerary = itinerary::itinerary(found.start_date, found.end_date, activities);
    let budget = Budget::of(
        if sharing.show_costs {
            found.budget.clone()
        } else {
            None
        },
        &itinerary,
    );
    let url = state.link(&format!("/s/{token}"));
    let calendar_url = state.link(&format!("/s/{token}/calendar.ics"));
    let page = SharePage {
        signed_in: visitor.user.is_some(),
        layout: visitor.layout,
        description: summary(&found),
        day_chart: itinerary::chart(&budget.per_day),
        map_json: map_json(&itinerary),
        tile_url: state.settings.tile_url.clone(),
        webcal_url: calendar_url.replacen("https://", "webcal://", 1).replacen(
            "http://",
            "webcal://",
            1,
        ),
        calendar_url,
        url,
        itinerary,
        budget,
        sharing,
        data,
        plan: found,
        token,
    };
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/html; charset=utf-8")
        // Never "no-referrer": browsers then send `Origin: null` with the page's forms
        // (copy, log out), which the CSRF check rightly refuses. same-origin keeps the token
        // in the URL from ever reaching another site, which is what matters.
        .insert_header((header::REFERRER_POLICY, SHARE_REFERRER_POLICY))
        .insert_header((header::CACHE_CONTROL, "private, max-age=60"));
    if !listed {
        response.insert_header(("X-Robots-Tag", "noindex, nofollow"));
    }
    Ok(response.body(page.render()?))
}

pub async fn calendar(
    state: web::Data<AppState>,
    db: web::Data<Db>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (found, data, activities) = shared(&db, token.into_inner()).await?;
    let body = ics::render(&Calendar {
        name: &found.title,
        timezone: data.timezone.as_deref(),
        host: state.settings.public_url.host_str().unwrap_or("wayfare"),
        activities: &activities,
        // Already redacted: booking details are gone unless shared.
        describe: &crate::routes::plans::files::describe_all,
    });
    let mut response = ics_response(body, &found.title);
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

/// Copies a shared plan into the visitor's own plans as a draft, without what the owner
/// did not share, its link, or its sharing options.
pub async fn copy(
    current: Option<CurrentUser>,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    // After logging in, back to the shared page: the copy URL itself only takes POST.
    let current = current.ok_or_else(|| AppError::LoginRequired(format!("/s/{token}")))?;
    let (found, mut data, activities) = shared(&db, token).await?;
    let sharing = data.sharing();
    let user_id = current.id();
    data.sharing = None;
    if !sharing.show_bookings {
        data.external_bookings = None;
        if let Some(acc) = data.accommodation.as_mut() {
            acc.booking_details.confirmation_number = None;
        }
    }
    if !sharing.show_costs
        && let Some(bookings) = data.external_bookings.as_mut()
    {
        // Shared bookings without their prices, when costs are not shared.
        for booking in bookings
            .flights
            .iter_mut()
            .chain(bookings.hotels.iter_mut())
            .chain(bookings.activities.iter_mut())
        {
            booking.cost = None;
        }
    }
    let mut input = PlanInput::from_plan(&found);
    if !sharing.show_costs {
        input.budget = String::new();
    }
    let copy = CheckedPlan::copy(&input, data.to_value(), &activities).map_err(|problems| {
        AppError::Invalid(format!(
            "This plan cannot be copied: {}",
            problems.sentence()
        ))
    })?;
    state
        .count_new_plan_with_activities(&db, user_id, copy.activities.len())
        .await?;
    let created = db
        .write_as(Actor::User(user_id), move |conn| {
            let new_plan = copy.new_plan(user_id);
            Ok(plan::insert_with_activities(
                conn,
                &new_plan,
                copy.activities,
                &copy.completed,
            )?)
        })
        .await?;
    FlashMessage::info("The plan is copied into your plans as a draft.").send();
    Ok(see_other(&format!("/plans/{}", created.id)))
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

pub struct Listed {
    pub plan: Plan,
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

pub async fn explore(
    visitor: Visitor,
    db: web::Data<Db>,
    query: web::Query<ExploreQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let length = LENGTHS.iter().find(|l| l.0 == query.length);
    let filter = ExploreFilter {
        search: Some(query.q.trim().to_string())
            .filter(|q| !q.is_empty() && q.chars().count() <= 100 && !q.contains('\0')),
        month: query.month.parse().ok().filter(|m| (1..=12).contains(m)),
        min_days: length.map(|l| l.2),
        max_days: length.and_then(|l| l.3),
        after: query
            .after
            .split_once('.')
            .and_then(|(t, id)| Some((plan::version_time(t.parse().ok()?)?, id.parse().ok()?))),
    };
    let mut plans = db
        .read_replica_as(Actor::Explore, move |conn| {
            Ok(plan::explore(conn, &filter)?)
        })
        .await?;
    let next_page = (plans.len() as i64 > PAGE_SIZE).then(|| {
        plans.truncate(PAGE_SIZE as usize);
        let last = &plans[plans.len() - 1];
        let mut url = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &query.q),
            ("month", &query.month),
            ("length", &query.length),
        ] {
            if !v.is_empty() {
                url.append_pair(k, v);
            }
        }
        url.append_pair("after", &format!("{}.{}", last.version(), last.id));
        format!("/explore?{}", url.finish())
    });
    let page = ExplorePage {
        layout: visitor.layout,
        plans: plans
            .into_iter()
            .map(|p| Listed {
                summary: summary(&p),
                plan: p,
            })
            .collect(),
        q: query.q,
        month: query.month,
        length: query.length,
        next_page,
    };
    crate::pages::render(&page)
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
