//! `wayfare seed`: the same `--seed` gives the same data, in the promised amounts, and the
//! seeded accounts can log in; staff with a random password printed once, never the
//! documented one; a production (https) server only with `--allow-production`.

use std::collections::HashSet;

use diesel::prelude::*;
use wayfare::db::schema::{plan_activities, plans, users};
use wayfare::domain::ids::UserId;
use wayfare::models::plan::Plan;
use wayfare::models::plan_activity::PlanActivity;
use wayfare::models::user::User;

use super::support::wayfare;
use crate::support::{HOME, TestDatabase, assert_is_redirect_to, decimal, spawn_app};

/// Every account, plan and activity of a database, in id order, past row-level security.
struct Rows {
    users: Vec<User>,
    plans: Vec<Plan>,
    activities: Vec<PlanActivity>,
}

fn rows(conn: &mut PgConnection) -> Rows {
    Rows {
        users: users::table
            .order(users::id)
            .select(User::as_select())
            .load(conn)
            .unwrap(),
        plans: plans::table
            .order(plans::id)
            .select(Plan::as_select())
            .load(conn)
            .unwrap(),
        activities: plan_activities::table
            .order(plan_activities::id)
            .select(PlanActivity::as_select())
            .load(conn)
            .unwrap(),
    }
}

/// Everything seeded except what is meant to differ: ids, timestamps, bcrypt salts and share
/// tokens (random, but present or not alike). Rows are named by their owner's username.
fn content(db: &TestDatabase, seed: u64) -> String {
    let all = rows(&mut db.admin_conn());
    let prefix = format!("s{seed}u");
    let owner = |id: UserId| {
        all.users
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.username.clone())
    };
    let seeded = |id: UserId| owner(id).is_some_and(|name| name.starts_with(&prefix));
    let users: Vec<_> = all
        .users
        .iter()
        .filter(|u| u.username.starts_with(&prefix))
        .map(|u| {
            (
                (&u.email, &u.username, &u.first_name, &u.last_name),
                (u.is_active, u.is_verified, u.is_staff),
                (&u.google_id, &u.facebook_id),
            )
        })
        .collect();
    let plans: Vec<_> = all
        .plans
        .iter()
        .filter(|p| seeded(p.user_id))
        .map(|p| {
            (
                (&p.title, &p.description, &p.destination),
                (p.start_date, p.end_date, &p.budget, &p.currency),
                (p.status, &p.plan_data, p.is_public),
                (owner(p.user_id), p.share_token.is_some()),
            )
        })
        .collect();
    let activities: Vec<_> = all
        .activities
        .iter()
        .filter_map(|a| {
            let plan = all.plans.iter().find(|p| p.id == a.plan_id)?;
            seeded(plan.user_id).then(|| {
                (
                    (&a.title, &a.description, &a.activity_type, &a.location_name),
                    (&a.latitude, &a.longitude, &a.address),
                    (
                        a.scheduled_date,
                        a.start_time,
                        a.end_time,
                        a.duration_minutes,
                    ),
                    (
                        &a.estimated_cost,
                        &a.actual_cost,
                        a.order_index,
                        a.is_completed,
                    ),
                    &a.metadata,
                    (owner(plan.user_id), &plan.title),
                )
            })
        })
        .collect();
    format!("users: {users:?}\nplans: {plans:?}\nactivities: {activities:?}\n")
}

fn seed(db: &TestDatabase, seed: u64) -> String {
    wayfare(
        &[
            "seed",
            "--users",
            "12",
            "--plans-per-user",
            "5",
            "--activities-per-plan",
            "4",
            "--seed",
            &seed.to_string(),
        ],
        &[("DATABASE_URL", &db.url)],
    )
    .ok()
}

#[test]
fn the_same_seed_gives_the_same_data_in_two_fresh_databases_with_the_promised_counts() {
    let (first, second) = (TestDatabase::create(), TestDatabase::create());
    let printed = seed(&first, 42);
    assert!(
        printed.contains("seeded 12 users, 60 plans, 240 activities"),
        "{printed}"
    );
    seed(&second, 42);

    let all = rows(&mut first.admin_conn());
    assert_eq!(all.users.len(), 12);
    assert_eq!(all.plans.len(), 12 * 5);
    assert_eq!(all.activities.len(), 12 * 5 * 4);
    let activities_of = |p: &Plan| all.activities.iter().filter(|a| a.plan_id == p.id).count();
    assert_eq!(
        all.plans.iter().filter(|p| activities_of(p) != 4).count(),
        0,
        "every plan has exactly --activities-per-plan activities"
    );
    let plans_of = |u: &User| all.plans.iter().filter(|p| p.user_id == u.id).count();
    assert_eq!(
        all.users.iter().filter(|u| plans_of(u) != 5).count(),
        0,
        "every user has exactly --plans-per-user plans"
    );

    let expected = content(&first, 42);
    assert!(expected.contains("\"s42u11\""), "{expected}");
    assert_eq!(
        content(&second, 42),
        expected,
        "the same seed, the same data"
    );

    // Another seed is other data, and loads beside the first one.
    seed(&second, 7);
    assert_eq!(rows(&mut second.admin_conn()).users.len(), 24);
    let other = content(&second, 7);
    assert_ne!(
        other.replace("s7u", "s42u"),
        expected,
        "a different seed gives different data"
    );
}

#[test]
fn seeded_data_looks_real() {
    let db = TestDatabase::create();
    seed(&db, 3);
    let all = rows(&mut db.admin_conn());
    // Several currencies and statuses, some public plans with a share link, a staff user,
    // dated itineraries inside each trip, real cities with coordinates nearby.
    let distinct = |values: Vec<String>| values.into_iter().collect::<HashSet<_>>().len();
    assert!(
        distinct(
            all.plans
                .iter()
                .map(|p| format!("{:?}", p.currency))
                .collect()
        ) >= 3
    );
    assert!(
        distinct(
            all.plans
                .iter()
                .map(|p| format!("{:?}", p.status))
                .collect()
        ) >= 2
    );
    assert!(
        all.plans
            .iter()
            .filter(|p| p.is_public == Some(true) && p.share_token.is_some())
            .count()
            >= 1
    );
    assert_eq!(
        all.users
            .iter()
            .filter(|u| u.is_staff == Some(true))
            .count(),
        1
    );
    let plan_of = |a: &PlanActivity| all.plans.iter().find(|p| p.id == a.plan_id).unwrap();
    let outside = all
        .activities
        .iter()
        .filter(|a| {
            let p = plan_of(a);
            match (a.scheduled_date, p.start_date, p.end_date) {
                (Some(day), Some(start), Some(end)) => day < start || day > end,
                _ => false,
            }
        })
        .count();
    assert_eq!(outside, 0);
    assert_eq!(
        all.plans
            .iter()
            .filter(|p| p.destination.is_none() || p.budget.is_none() || p.start_date.is_none())
            .count(),
        0
    );
    assert_eq!(
        all.activities
            .iter()
            .filter(|a| a.latitude.is_none() || a.longitude.is_none())
            .count(),
        0
    );
    let far = |value: &Option<bigdecimal::BigDecimal>, centre: &str| {
        value
            .as_ref()
            .is_some_and(|v| (v - decimal(centre)).abs() > decimal("0.1"))
    };
    let lisbon_far_off = all
        .activities
        .iter()
        .filter(|a| {
            let in_lisbon = plan_of(a)
                .destination
                .as_deref()
                .is_some_and(|d| d.starts_with("Lisbon"));
            in_lisbon && (far(&a.latitude, "38.7223") || far(&a.longitude, "-9.1393"))
        })
        .count();
    assert_eq!(lisbon_far_off, 0, "activities are in the plan's city");
}

#[tokio::test]
async fn seeded_travellers_log_in_with_the_seed_password() {
    let app = spawn_app().await;
    seed(&app.db, 5);
    let browser = app.new_browser();
    let login = browser
        .login("s5u3", wayfare::ops::seed::SEED_PASSWORD)
        .await;
    assert_is_redirect_to(&login, HOME);
    let html = browser.get_html(HOME).await;
    assert!(html.contains(" days in "), "the seeded plans are listed");
}

/// The password the seed command printed after `label` (the text between the quotes).
fn printed_password(printed: &str, label: &str) -> String {
    let line = printed
        .lines()
        .find(|l| l.contains(label))
        .unwrap_or_else(|| panic!("no {label:?} in:\n{printed}"));
    let quoted = &line[line.find(label).unwrap() + label.len()..];
    quoted.trim().trim_matches('"').to_string()
}

/// Whether a login with this password works, in a fresh browser.
async fn logs_in(app: &crate::support::TestApp, login: &str, password: &str) -> bool {
    let response = app.new_browser().login(login, password).await;
    response.status() == reqwest::StatusCode::SEE_OTHER
        && response.headers()["location"].to_str().unwrap() == HOME
}

#[tokio::test]
async fn seeded_staff_get_random_passwords_printed_once_and_travellers_the_documented_one() {
    let app = spawn_app().await;
    let printed = seed(&app.db, 5);
    let staff = printed_password(&printed, "s5u0 <s5u0@seed.example>:");
    assert_eq!(staff.len(), 23, "four groups of five letters: {staff}");
    assert_ne!(staff, wayfare::ops::seed::SEED_PASSWORD);
    assert_eq!(
        printed_password(&printed, "seeded travellers' password:"),
        wayfare::ops::seed::SEED_PASSWORD
    );
    assert_eq!(
        printed.matches(&staff).count(),
        1,
        "printed once:\n{printed}"
    );
    let accounts = rows(&mut app.db.admin_conn()).users;
    assert_eq!(
        accounts.iter().filter(|u| u.is_staff == Some(true)).count(),
        1
    );
    let hashes: Vec<&str> = accounts.iter().map(|u| u.password_hash.as_str()).collect();
    assert!(!hashes.join(" ").contains(&staff), "stored only as a hash");
    assert!(
        !logs_in(&app, "s5u0", wayfare::ops::seed::SEED_PASSWORD).await,
        "the published password opens no staff account"
    );
    assert!(logs_in(&app, "s5u0", &staff).await);
    assert!(logs_in(&app, "s5u1", wayfare::ops::seed::SEED_PASSWORD).await);

    // Another run, another staff account, another password.
    let other = TestDatabase::create();
    let again = printed_password(&seed(&other, 5), "s5u0 <s5u0@seed.example>:");
    assert_ne!(again, staff);
}

#[tokio::test]
async fn seeding_a_production_server_needs_allow_production_and_publishes_no_password() {
    let app = spawn_app().await;
    let secret = "k".repeat(64);
    let env = [
        ("DATABASE_URL", app.db.url.as_str()),
        ("PUBLIC_URL", "https://trips.example.org"),
        ("SECRET_KEY", secret.as_str()),
        ("SMTP_URL", "smtp://127.0.0.1:1"),
    ];
    let mut args = vec![
        "seed",
        "--users",
        "3",
        "--plans-per-user",
        "1",
        "--activities-per-plan",
        "1",
        "--seed",
        "9",
    ];
    let stderr = wayfare(&args, &env).failed();
    assert!(
        stderr.contains("https://trips.example.org") && stderr.contains("--allow-production"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one clear line: {stderr}");
    let nothing = rows(&mut app.db.admin_conn());
    for (table, n) in [
        ("users", nothing.users.len()),
        ("plans", nothing.plans.len()),
        ("plan_activities", nothing.activities.len()),
    ] {
        assert_eq!(n, 0, "{table}: nothing is seeded");
    }

    args.push("--allow-production");
    let printed = wayfare(&args, &env).ok();
    assert!(
        printed.contains("seeded 3 users, 3 plans, 3 activities"),
        "{printed}"
    );
    let staff = printed_password(&printed, "s9u0 <s9u0@seed.example>:");
    let travellers = printed_password(&printed, "seeded travellers' password:");
    assert_ne!(travellers, wayfare::ops::seed::SEED_PASSWORD);
    assert_ne!(travellers, staff);
    assert!(
        !printed.contains(wayfare::ops::seed::SEED_PASSWORD),
        "{printed}"
    );
    for login in ["s9u0", "s9u1", "s9u2"] {
        assert!(
            !logs_in(&app, login, wayfare::ops::seed::SEED_PASSWORD).await,
            "{login} opens with the published password"
        );
    }
    assert!(logs_in(&app, "s9u0", &staff).await);
    assert!(logs_in(&app, "s9u1", &travellers).await);
    assert!(!logs_in(&app, "s9u1", &staff).await);
}
