//! `wayfare seed`: realistic, deterministic data for demos and benchmarks — real cities and
//! coordinates, dated itineraries, budgets in several currencies, a mix of statuses, some
//! public plans and a few staff. Batched multi-row inserts, one transaction per batch of
//! users, so 10,000 users with 100,000 plans and 1,000,000 activities load in minutes.
//!
//! Staff accounts never get the documented password: each gets a random one, which the
//! command prints once. Travellers share `SEED_PASSWORD` unless the caller chose another
//! (`wayfare seed --allow-production` gives them one random password for the run).

use bigdecimal::BigDecimal;
use chrono::{NaiveDate, NaiveTime, TimeDelta};
use diesel::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::db::Actor;
use crate::db::schema::{plans, users};
use crate::domain::ids::{PlanId, UserId};
use crate::domain::{ActivityType, PlanStatus};
use crate::models::plan_activity::NewPlanActivity;
use crate::ops::progress::Progress;

/// Every seeded traveller's password on a development server (seeded data is for demos and
/// benchmarks only). Seeded staff never have it.
pub const SEED_PASSWORD: &str = "wayfare seed password";

const CITIES: [(&str, &str, f64, f64); 24] = [
    ("Lisbon", "Portugal", 38.7223, -9.1393),
    ("Paris", "France", 48.8566, 2.3522),
    ("Rome", "Italy", 41.9028, 12.4964),
    ("Barcelona", "Spain", 41.3874, 2.1686),
    ("Amsterdam", "Netherlands", 52.3676, 4.9041),
    ("Berlin", "Germany", 52.5200, 13.4050),
    ("Prague", "Czechia", 50.0755, 14.4378),
    ("Vienna", "Austria", 48.2082, 16.3738),
    ("Copenhagen", "Denmark", 55.6761, 12.5683),
    ("Edinburgh", "United Kingdom", 55.9533, -3.1883),
    ("Dublin", "Ireland", 53.3498, -6.2603),
    ("Istanbul", "Türkiye", 41.0082, 28.9784),
    ("Marrakesh", "Morocco", 31.6295, -7.9811),
    ("Cape Town", "South Africa", -33.9249, 18.4241),
    ("Tokyo", "Japan", 35.6762, 139.6503),
    ("Kyoto", "Japan", 35.0116, 135.7681),
    ("Seoul", "South Korea", 37.5665, 126.9780),
    ("Bangkok", "Thailand", 13.7563, 100.5018),
    ("Sydney", "Australia", -33.8688, 151.2093),
    ("New York", "United States", 40.7128, -74.0060),
    ("San Francisco", "United States", 37.7749, -122.4194),
    ("Mexico City", "Mexico", 19.4326, -99.1332),
    ("Buenos Aires", "Argentina", -34.6037, -58.3816),
    ("Vancouver", "Canada", 49.2827, -123.1207),
];

const CURRENCIES: [&str; 7] = ["USD", "EUR", "GBP", "JPY", "AUD", "CAD", "CHF"];

const ACTIVITIES: [(ActivityType, &[&str]); 5] = [
    (
        ActivityType::Attraction,
        &[
            "Old town walking tour",
            "Cathedral visit",
            "National museum",
            "Castle and gardens",
            "Viewpoint at sunset",
            "Street art tour",
        ],
    ),
    (
        ActivityType::Restaurant,
        &[
            "Breakfast at the market",
            "Lunch at a local tavern",
            "Dinner with a view",
            "Street food crawl",
            "Coffee and pastries",
        ],
    ),
    (
        ActivityType::Activity,
        &[
            "Bike ride along the river",
            "Cooking class",
            "Boat trip",
            "Day hike",
            "Concert",
            "Spa afternoon",
        ],
    ),
    (
        ActivityType::Transport,
        &[
            "Airport transfer",
            "Train to the coast",
            "Ferry crossing",
            "Car rental pick-up",
        ],
    ),
    (
        ActivityType::Accommodation,
        &["Hotel check-in", "Apartment check-in", "Hotel check-out"],
    ),
];

#[derive(Debug, Clone, Copy)]
pub struct SeedOptions {
    pub users: u32,
    pub plans_per_user: u32,
    pub activities_per_plan: u32,
    pub seed: u64,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Seeded {
    pub users: usize,
    pub plans: usize,
    pub activities: usize,
    /// The staff accounts created, each with its random password: shown once, stored
    /// nowhere but as a hash.
    pub staff: Vec<StaffLogin>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct StaffLogin {
    pub username: String,
    pub email: String,
    pub password: String,
}

/// How seeded accounts get their passwords.
pub struct Passwords<'a> {
    /// The hash every traveller gets.
    pub traveller_hash: &'a str,
    /// A fresh random password and its hash, for each staff account.
    pub new_staff: &'a dyn Fn() -> anyhow::Result<(String, String)>,
}

/// Users per transaction: small enough to stay within PostgreSQL's bind limit per insert.
const USERS_PER_BATCH: u32 = 100;
const ACTIVITIES_PER_INSERT: usize = 3_000;

fn money(rng: &mut ChaCha8Rng, low: i64, high: i64) -> BigDecimal {
    BigDecimal::new(rng.random_range(low * 100..high * 100).into(), 2)
}

fn coordinate(value: f64) -> BigDecimal {
    BigDecimal::try_from(value)
        .unwrap_or_default()
        .with_scale_round(6, bigdecimal::RoundingMode::HalfEven)
}

pub fn seed(
    conn: &mut PgConnection,
    options: SeedOptions,
    passwords: &Passwords,
) -> anyhow::Result<Seeded> {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut total = Seeded::default();
    let mut progress = Progress::new("users", u64::from(options.users));
    let mut first = 0;
    while first < options.users {
        let count = USERS_PER_BATCH.min(options.users - first);
        let batch = conn.transaction(|conn| -> anyhow::Result<Seeded> {
            Actor::Staff.apply(conn)?;
            seed_batch(conn, &mut rng, options, first, count, passwords)
        })?;
        total.users += batch.users;
        total.plans += batch.plans;
        total.activities += batch.activities;
        total.staff.extend(batch.staff);
        progress.advance(u64::from(count));
        first += count;
    }
    progress.finish();
    Ok(total)
}

fn seed_batch(
    conn: &mut PgConnection,
    rng: &mut ChaCha8Rng,
    options: SeedOptions,
    first: u32,
    count: u32,
    passwords: &Passwords,
) -> anyhow::Result<Seeded> {
    let mut staff = Vec::new();
    let mut names: Vec<(String, String, String, bool)> = Vec::new();
    for n in first..first + count {
        let email = format!("s{}u{n}@seed.example", options.seed);
        let username = format!("s{}u{n}", options.seed);
        // The first user and one in a thousand are staff, each with a password of its own.
        let is_staff = n.is_multiple_of(1000);
        let hash = if is_staff {
            let (password, hash) = (passwords.new_staff)()?;
            staff.push(StaffLogin {
                username: username.clone(),
                email: email.clone(),
                password,
            });
            hash
        } else {
            passwords.traveller_hash.to_string()
        };
        names.push((email, username, hash, is_staff));
    }
    let rows: Vec<_> = names
        .iter()
        .map(|(email, username, hash, is_staff)| {
            (
                users::email.eq(email),
                users::username.eq(username),
                users::password_hash.eq(hash),
                users::is_verified.eq(rng.random_bool(0.8)),
                users::is_staff.eq(*is_staff),
                users::is_active.eq(true),
            )
        })
        .collect();
    let user_ids: Vec<UserId> = diesel::insert_into(users::table)
        .values(&rows)
        .returning(users::id)
        .get_results(conn)?;

    let mut plan_rows = Vec::new();
    let mut trips = Vec::new();
    for user_id in &user_ids {
        for _ in 0..options.plans_per_user {
            let (city, country, lat, lng) = CITIES[rng.random_range(0..CITIES.len())];
            let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()
                + TimeDelta::days(rng.random_range(0..365));
            let days = rng.random_range(2..15);
            let end = start + TimeDelta::days(days - 1);
            let status = match rng.random_range(0..10) {
                0..=5 => PlanStatus::Draft,
                6..=8 => PlanStatus::Published,
                _ => PlanStatus::Archived,
            };
            let public = status == PlanStatus::Published && rng.random_bool(0.5);
            // Who can find a plan is one choice (see `domain::plan::Visibility`): listed
            // plans are public and published; the other "published" ones become drafts
            // shared by link.
            let (status, linked) = if status == PlanStatus::Published && !public {
                (PlanStatus::Draft, true)
            } else {
                (status, public)
            };
            let currency = CURRENCIES[rng.random_range(0..CURRENCIES.len())];
            let budget = money(rng, 300, 6000);
            let budget_type = ["budget", "mid-range", "luxury"][rng.random_range(0..3)];
            let group_size: i64 = rng.random_range(1..6);
            plan_rows.push((
                plans::user_id.eq(*user_id),
                plans::title.eq(format!("{days} days in {city}")),
                plans::description.eq(Some(format!("A trip to {city}, {country}."))),
                plans::destination.eq(Some(format!("{city}, {country}"))),
                plans::start_date.eq(Some(start)),
                plans::end_date.eq(Some(end)),
                plans::budget.eq(Some(budget)),
                plans::currency.eq(currency),
                plans::status.eq(status),
                plans::is_public.eq(public),
                plans::share_token.eq(linked.then(crate::models::plan::new_share_token)),
                plans::plan_data.eq(serde_json::json!({
                    "preferences": {"budget_type": budget_type, "group_size": group_size, "accessibility_needs": []},
                    "notes": format!("Remember to check opening hours in {city}."),
                    "timezone": "UTC"
                })),
            ));
            trips.push((start, days, lat, lng));
        }
    }
    let plan_ids: Vec<PlanId> = if plan_rows.is_empty() {
        Vec::new()
    } else {
        diesel::insert_into(plans::table)
            .values(&plan_rows)
            .returning(plans::id)
            .get_results(conn)?
    };

    let mut activities = Vec::new();
    let mut inserted = 0;
    for (plan_id, (start, days, lat, lng)) in plan_ids.iter().zip(trips) {
        for i in 0..options.activities_per_plan {
            let (kind, titles) = ACTIVITIES[rng.random_range(0..ACTIVITIES.len())];
            let day = i64::from(i) * days / i64::from(options.activities_per_plan.max(1));
            let hour = 8 + (i % 6) * 2;
            let estimated = money(rng, 5, 200);
            let spent = rng.random_bool(0.5).then(|| money(rng, 5, 220));
            activities.push(NewPlanActivity {
                plan_id: *plan_id,
                title: titles[rng.random_range(0..titles.len())].to_string(),
                description: None,
                activity_type: Some(kind),
                location_name: None,
                latitude: Some(coordinate(lat + rng.random_range(-0.05..0.05))),
                longitude: Some(coordinate(lng + rng.random_range(-0.05..0.05))),
                address: None,
                scheduled_date: Some(start + TimeDelta::days(day)),
                start_time: NaiveTime::from_hms_opt(hour, 0, 0),
                end_time: NaiveTime::from_hms_opt(hour + 1, 30, 0),
                duration_minutes: Some(90),
                estimated_cost: Some(estimated),
                actual_cost: spent,
                order_index: i as i32,
                metadata: serde_json::json!({}),
            });
            if activities.len() == ACTIVITIES_PER_INSERT {
                inserted += crate::models::plan_activity::insert_many(conn, &activities)?;
                activities.clear();
            }
        }
    }
    inserted += crate::models::plan_activity::insert_many(conn, &activities)?;
    Ok(Seeded {
        users: user_ids.len(),
        plans: plan_ids.len(),
        activities: inserted,
        staff,
    })
}

/// The demo traveller for `serve --demo`: created once, with three plans.
pub fn ensure_demo_user(conn: &mut PgConnection, password_hash: &str) -> anyhow::Result<bool> {
    conn.transaction(|conn| {
        let exists: bool = diesel::select(diesel::dsl::exists(
            users::table.filter(users::email.eq(DEMO_EMAIL)),
        ))
        .get_result(conn)?;
        if exists {
            return Ok(false);
        }
        let id: UserId = diesel::insert_into(users::table)
            .values((
                users::email.eq(DEMO_EMAIL),
                users::username.eq("demo"),
                users::password_hash.eq(password_hash),
                users::first_name.eq("Demo"),
                users::is_verified.eq(true),
            ))
            .returning(users::id)
            .get_result(conn)?;
        Actor::User(id).apply(conn)?;
        demo_plans(conn, &mut ChaCha8Rng::seed_from_u64(7), id)?;
        Ok(true)
    })
}

pub const DEMO_EMAIL: &str = "demo@wayfare.example";

/// Three week-long plans of eight activities each.
fn demo_plans(
    conn: &mut PgConnection,
    rng: &mut ChaCha8Rng,
    user_id: UserId,
) -> anyhow::Result<()> {
    const ACTIVITIES_PER_PLAN: u32 = 8;
    for n in 0..3 {
        let (city, country, lat, lng) = CITIES[(n as usize * 7) % CITIES.len()];
        let start = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default()
            + TimeDelta::days(i64::from(n) * 40);
        let plan_id: PlanId = diesel::insert_into(plans::table)
            .values((
                plans::user_id.eq(user_id),
                plans::title.eq(format!("A week in {city}")),
                plans::destination.eq(format!("{city}, {country}")),
                plans::start_date.eq(start),
                plans::end_date.eq(start + TimeDelta::days(6)),
                plans::budget.eq(money(rng, 800, 3000)),
                plans::currency.eq("EUR"),
                plans::status.eq(PlanStatus::Draft),
                plans::plan_data.eq(serde_json::json!({"notes": format!("Ideas for {city}.")})),
            ))
            .returning(plans::id)
            .get_result(conn)?;
        let rows: Vec<NewPlanActivity> = (0..ACTIVITIES_PER_PLAN)
            .map(|i| {
                let (kind, titles) = ACTIVITIES[i as usize % ACTIVITIES.len()];
                NewPlanActivity {
                    plan_id,
                    title: titles[i as usize % titles.len()].to_string(),
                    description: None,
                    activity_type: Some(kind),
                    location_name: Some(city.to_string()),
                    latitude: Some(coordinate(lat + f64::from(i) * 0.004)),
                    longitude: Some(coordinate(lng - f64::from(i) * 0.003)),
                    address: None,
                    scheduled_date: Some(start + TimeDelta::days(i64::from(i / 2))),
                    start_time: NaiveTime::from_hms_opt(9 + (i % 2) * 5, 0, 0),
                    end_time: None,
                    duration_minutes: Some(120),
                    estimated_cost: Some(money(rng, 10, 120)),
                    actual_cost: None,
                    order_index: (i % 2) as i32,
                    metadata: serde_json::json!({}),
                }
            })
            .collect();
        crate::models::plan_activity::insert_many(conn, &rows)?;
    }
    Ok(())
}
