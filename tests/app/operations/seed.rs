//! `wayfare seed`: the same `--seed` gives the same data, in the promised amounts, and the
//! seeded accounts can log in.

use super::support::{count, text, wayfare};
use crate::helpers::{HOME, TestDatabase, assert_is_redirect_to, spawn_app};

/// Everything seeded except what is meant to differ: ids, timestamps, bcrypt salts and share
/// tokens (random, but present or not alike). Rows are named by their owner's username.
fn content(db: &TestDatabase, seed: u64) -> String {
    let mut conn = db.admin_conn();
    let users = text(
        &mut conn,
        &format!(
            "SELECT json_agg(to_jsonb(u) - ARRAY['id', 'password_hash', 'created_at', \
             'updated_at', 'last_login', 'date_joined'] ORDER BY u.id) FROM users u \
             WHERE u.username LIKE 's{seed}u%'"
        ),
    );
    let plans = text(
        &mut conn,
        &format!(
            "SELECT json_agg(to_jsonb(p) - ARRAY['id', 'user_id', 'share_token', 'created_at', \
             'updated_at'] || jsonb_build_object('owner', u.username, 'shared', \
             p.share_token IS NOT NULL) ORDER BY p.id) \
             FROM plans p JOIN users u ON u.id = p.user_id WHERE u.username LIKE 's{seed}u%'"
        ),
    );
    let activities = text(
        &mut conn,
        &format!(
            "SELECT json_agg(to_jsonb(a) - ARRAY['id', 'plan_id', 'created_at', 'updated_at'] \
             || jsonb_build_object('owner', u.username, 'plan', p.title) ORDER BY a.id) \
             FROM plan_activities a JOIN plans p ON p.id = a.plan_id \
             JOIN users u ON u.id = p.user_id WHERE u.username LIKE 's{seed}u%'"
        ),
    );
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
    assert_eq!(count(&mut conn, "users"), 12);
    assert_eq!(count(&mut conn, "plans"), 12 * 5);
    assert_eq!(count(&mut conn, "plan_activities"), 12 * 5 * 4);
    assert_eq!(
        count(
            &mut conn,
            "plans p WHERE (SELECT count(*) FROM plan_activities a WHERE a.plan_id = p.id) <> 4"
        ),
        0,
        "every plan has exactly --activities-per-plan activities"
    );
    assert_eq!(
        count(
            &mut conn,
            "users u WHERE (SELECT count(*) FROM plans p WHERE p.user_id = u.id) <> 5"
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
    assert_eq!(count(&mut second.admin_conn(), "users"), 24);
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
    assert!(count(&mut conn, "(SELECT DISTINCT currency FROM plans) c") >= 3);
    assert!(count(&mut conn, "(SELECT DISTINCT status FROM plans) s") >= 2);
    assert!(
        count(
            &mut conn,
            "plans WHERE is_public AND share_token IS NOT NULL"
        ) >= 1
    );
    assert_eq!(count(&mut conn, "users WHERE is_staff"), 1);
    assert_eq!(
        count(
            &mut conn,
            "plan_activities a JOIN plans p ON p.id = a.plan_id \
             WHERE a.scheduled_date NOT BETWEEN p.start_date AND p.end_date"
        ),
        0
    );
    assert_eq!(
        count(
            &mut conn,
            "plans WHERE destination IS NULL OR budget IS NULL OR start_date IS NULL"
        ),
        0
    );
    assert_eq!(
        count(
            &mut conn,
            "plan_activities WHERE latitude IS NULL OR longitude IS NULL"
        ),
        0
    );
    let lisbon_far_off = count(
        &mut conn,
        "plan_activities a JOIN plans p ON p.id = a.plan_id WHERE p.destination LIKE 'Lisbon%' \
         AND (abs(a.latitude - 38.7223) > 0.1 OR abs(a.longitude + 9.1393) > 0.1)",
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
