//! `wayfare seed`: the same `--seed` gives the same data, in the promised amounts, and the
//! seeded accounts can log in; staff with a random password printed once, never the
//! documented one; a production (https) server only with `--allow-production`.

use diesel::sql_query;
use diesel::sql_types::Text;

use super::support::{count, text, wayfare};
use crate::support::{HOME, TestDatabase, assert_is_redirect_to, spawn_app};

/// Everything seeded except what is meant to differ: ids, timestamps, bcrypt salts and share
/// tokens (random, but present or not alike). Rows are named by their owner's username.
fn content(db: &TestDatabase, seed: u64) -> String {
    let mut conn = db.admin_conn();
    let users = text(
        &mut conn,
        sql_query(
            "SELECT (SELECT json_agg(to_jsonb(u) - ARRAY['id', 'password_hash', 'created_at', \
             'updated_at', 'last_login', 'date_joined'] ORDER BY u.id) FROM users u \
             WHERE u.username LIKE ('s' || $1 || 'u%'))::text AS v",
        )
        .bind::<Text, _>(seed.to_string()),
    );
    let plans = text(&mut conn, sql_query("SELECT (SELECT json_agg(to_jsonb(p) - ARRAY['id', 'user_id', 'share_token', 'created_at', \
             'updated_at'] || jsonb_build_object('owner', u.username, 'shared', \
             p.share_token IS NOT NULL) ORDER BY p.id) \
             FROM plans p JOIN users u ON u.id = p.user_id WHERE u.username LIKE ('s' || $1 || 'u%'))::text AS v")
.bind::<Text, _>(seed.to_string()));
    let activities = text(&mut conn, sql_query("SELECT (SELECT json_agg(to_jsonb(a) - ARRAY['id', 'plan_id', 'created_at', 'updated_at'] \
             || jsonb_build_object('owner', u.username, 'plan', p.title) ORDER BY a.id) \
             FROM plan_activities a JOIN plans p ON p.id = a.plan_id \
             JOIN users u ON u.id = p.user_id WHERE u.username LIKE ('s' || $1 || 'u%'))::text AS v")
.bind::<Text, _>(seed.to_string()));
    format!("users: {users}\nplans: {plans}\nactivities: {activities}\n")
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

    let mut conn = first.admin_conn();
    assert_eq!(
        count(&mut conn, sql_query("SELECT count(*) FROM users")),
        12
    );
    assert_eq!(
        count(&mut conn, sql_query("SELECT count(*) FROM plans")),
        12 * 5
    );
    assert_eq!(
        count(&mut conn, sql_query("SELECT count(*) FROM plan_activities")),
        12 * 5 * 4
    );
    assert_eq!(
        count(
            &mut conn,
            sql_query(
                "SELECT count(*) FROM plans p WHERE (SELECT count(*) FROM plan_activities a WHERE a.plan_id = p.id) <> 4"
            )
        ),
        0,
        "every plan has exactly --activities-per-plan activities"
    );
    assert_eq!(
        count(
            &mut conn,
            sql_query(
                "SELECT count(*) FROM users u WHERE (SELECT count(*) FROM plans p WHERE p.user_id = u.id) <> 5"
            )
        ),
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
    assert_eq!(
        count(
            &mut second.admin_conn(),
            sql_query("SELECT count(*) FROM users")
        ),
        24
    );
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
    let mut conn = db.admin_conn();
    // Several currencies and statuses, some public plans with a share link, a staff user,
    // dated itineraries inside each trip, real cities with coordinates nearby.
    assert!(
        count(
            &mut conn,
            sql_query("SELECT count(*) FROM (SELECT DISTINCT currency FROM plans) c")
        ) >= 3
    );
    assert!(
        count(
            &mut conn,
            sql_query("SELECT count(*) FROM (SELECT DISTINCT status FROM plans) s")
        ) >= 2
    );
    assert!(
        count(
            &mut conn,
            sql_query("SELECT count(*) FROM plans WHERE is_public AND share_token IS NOT NULL")
        ) >= 1
    );
    assert_eq!(
        count(
            &mut conn,
            sql_query("SELECT count(*) FROM users WHERE is_staff")
        ),
        1
    );
    assert_eq!(
        count(
            &mut conn,
            sql_query(
                "SELECT count(*) FROM plan_activities a JOIN plans p ON p.id = a.plan_id \
             WHERE a.scheduled_date NOT BETWEEN p.start_date AND p.end_date"
            )
        ),
        0
    );
    assert_eq!(
        count(
            &mut conn,
            sql_query(
                "SELECT count(*) FROM plans WHERE destination IS NULL OR budget IS NULL OR start_date IS NULL"
            )
        ),
        0
    );
    assert_eq!(
        count(
            &mut conn,
            sql_query(
                "SELECT count(*) FROM plan_activities WHERE latitude IS NULL OR longitude IS NULL"
            )
        ),
        0
    );
    let lisbon_far_off = count(
        &mut conn,
        sql_query(
            "SELECT count(*) FROM plan_activities a JOIN plans p ON p.id = a.plan_id WHERE p.destination LIKE 'Lisbon%' \
         AND (abs(a.latitude - 38.7223) > 0.1 OR abs(a.longitude + 9.1393) > 0.1)",
        ),
    );
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
    let mut conn = app.db.admin_conn();
    assert_eq!(
        count(
            &mut conn,
            sql_query("SELECT count(*) FROM users WHERE is_staff")
        ),
        1
    );
    assert!(
        !text(
            &mut conn,
            sql_query("SELECT (SELECT string_agg(password_hash, ' ') FROM users)::text AS v")
        )
        .contains(&staff),
        "stored only as a hash"
    );
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
    let mut conn = app.db.admin_conn();
    for (table, sql) in [
        ("users", "SELECT count(*) FROM users"),
        ("plans", "SELECT count(*) FROM plans"),
        ("plan_activities", "SELECT count(*) FROM plan_activities"),
    ] {
        assert_eq!(
            count(&mut conn, sql_query(sql)),
            0,
            "{table}: nothing is seeded"
        );
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
