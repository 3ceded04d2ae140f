//! Faults a running service meets: its database going away under load, a SIGTERM in the
//! middle of writes, and two people saving the same plan at once.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use reqwest::StatusCode;
use wayfare::db::schema::{plans, users};
use wayfare::domain::PlanStatus;
use wayfare::models::plan::Plan;

use crate::support::{
    Browser, FIREFOX, PASSWORD, TestDatabase, TestUser, extract_input, free_port, spawn_app,
    spawn_app_behind_proxy, test_env, unique,
};
use crate::support::{date, decimal};
use wayfare::domain::ids::{PlanId, UserId};

// ---------------------------------------------------------------- the database stops

/// One answer seen by the load: when it arrived, its status, whether it said when to
/// retry, and the title of the plan it created (for creations).
struct Seen {
    at: Instant,
    status: StatusCode,
    retry_after: bool,
    created: Option<String>,
}

/// What one load client does on its `n`th request.
fn load_request(
    browser: &Browser,
    plan_id: PlanId,
    token: &str,
    client: usize,
    n: usize,
) -> (reqwest::RequestBuilder, Option<String>) {
    let http = &browser.client;
    match n % 5 {
        0 => (http.get(browser.url("/plans")), None),
        1 => (http.get(browser.url(&format!("/plans/{plan_id}"))), None),
        2 => (http.get(browser.url("/account")), None),
        3 => (http.get(browser.url("/explore")), None),
        _ => {
            let title = format!("load-{client}-{n}");
            let request = http
                .post(browser.url("/plans"))
                .header("Origin", &browser.address)
                .form(&[
                    ("csrf_token", token),
                    ("title", title.as_str()),
                    ("destination", "Porto"),
                    ("currency", "EUR"),
                    ("status", "draft"),
                ]);
            (request, Some(title))
        }
    }
}

#[tokio::test]
async fn a_database_outage_under_load_answers_only_503_with_retry_after_and_heals_within_5_s() {
    let (app, proxy) = spawn_app_behind_proxy(|env| {
        env.insert("DATABASE_TIMEOUT_SECS".into(), "1".into());
        env.insert("LIMIT_PLANS_PER_USER".into(), "100000".into());
    })
    .await;
    let alice = app.user(&unique("alice")).insert();
    let plan_id = app
        .plan(&alice)
        .title("Outage trip")
        .lisbon_trip()
        .insert()
        .id;
    let browser = app.signed_in(&alice).await;
    let token = browser.csrf_token().await.unwrap();

    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let failures: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for client in 0..4 {
        let (browser, token) = (browser.clone(), token.clone());
        let (seen, failures, stop) = (seen.clone(), failures.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let mut n = client;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let (request, created) = load_request(&browser, plan_id, &token, client, n);
                match request.timeout(Duration::from_secs(10)).send().await {
                    Ok(response) => seen.lock().unwrap().push(Seen {
                        at: Instant::now(),
                        status: response.status(),
                        retry_after: response.headers().contains_key("retry-after"),
                        created,
                    }),
                    Err(e) => failures.lock().unwrap().push(e.to_string()),
                }
                n += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }

    tokio::time::sleep(Duration::from_secs(1)).await;
    proxy.cut();
    let cut_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    proxy.restore();
    let restored_at = Instant::now();
    // Keep the load on for 6 s after the database is back.
    tokio::time::sleep(Duration::from_secs(6)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for client in clients {
        client.await.unwrap();
    }

    let failures = std::mem::take(&mut *failures.lock().unwrap());
    assert!(
        failures.is_empty(),
        "the server stopped answering: {failures:?}"
    );
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    let count = |f: &dyn Fn(&Seen) -> bool| seen.iter().filter(|s| f(s)).count();
    for s in seen.iter() {
        assert!(
            matches!(s.status.as_u16(), 200 | 303 | 503),
            "unexpected {} (the load only makes valid requests)",
            s.status
        );
        if s.status == StatusCode::SERVICE_UNAVAILABLE {
            assert!(s.retry_after, "a 503 without Retry-After");
        }
    }
    let unavailable = count(&|s| s.status == StatusCode::SERVICE_UNAVAILABLE);
    assert!(unavailable > 0, "the outage was never seen");
    assert!(
        count(&|s| s.at < cut_at && s.status.is_success()) > 0,
        "no load before the outage"
    );
    let last_503 = seen
        .iter()
        .filter(|s| s.status == StatusCode::SERVICE_UNAVAILABLE)
        .map(|s| s.at)
        .max()
        .unwrap();
    assert!(
        last_503 < restored_at + Duration::from_secs(5),
        "still 503 {:?} after the database came back",
        last_503 - restored_at
    );
    let healthy_after = count(&|s| s.at > restored_at + Duration::from_secs(5));
    assert!(
        healthy_after >= 4,
        "too little load after recovery to judge"
    );

    // Every creation the server confirmed is there.
    for title in seen
        .iter()
        .filter(|s| s.status == StatusCode::SEE_OTHER)
        .filter_map(|s| s.created.as_ref())
    {
        assert_eq!(
            app.all::<Plan, _>(plans::table.select(Plan::as_select()))
                .iter()
                .filter(|p| p.title == *title)
                .count(),
            1,
            "{title} was confirmed but is missing"
        );
    }
    // The same process serves normally: no restart happened.
    assert_eq!(browser.get("/plans").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
    eprintln!(
        "outage under load: {} answers, {unavailable} of them 503, last 503 {:?} after the return",
        seen.len(),
        last_503.saturating_duration_since(restored_at)
    );
}

// ---------------------------------------------------------------- SIGTERM

/// The release or debug binary cargo built for these tests, serving a test database.
pub struct Server {
    child: std::process::Child,
    pub address: String,
    log: std::path::PathBuf,
    pub data_dir: std::path::PathBuf,
}

impl Server {
    async fn start(db: &TestDatabase) -> Server {
        Self::start_with(db, &[]).await
    }

    /// The binary on `db`, with `extra` added to the test environment; its standard output
    /// and error go to `log()`.
    pub async fn start_with(db: &TestDatabase, extra: &[(&str, &str)]) -> Server {
        let data_dir = std::env::temp_dir().join(format!("{}-sigterm", db.name));
        std::fs::create_dir_all(&data_dir).unwrap();
        let port = free_port();
        let mut env = test_env(&db.url, &data_dir);
        env.insert("PORT".into(), port.to_string());
        env.insert("DATABASE_POOL_SIZE".into(), "4".into());
        env.insert("LIMIT_PLANS_PER_USER".into(), "100000".into());
        env.insert("SHUTDOWN_TIMEOUT_SECS".into(), "10".into());
        env.insert("RUST_LOG".into(), "info".into());
        for (k, v) in extra {
            env.insert(k.to_string(), v.to_string());
        }
        let log = data_dir.join("server.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_wayfare"))
            .arg("serve")
            .envs(&env)
            .env_remove("DATABASE_READ_URL")
            .env_remove("REDIS_URL")
            .current_dir(&data_dir)
            .stdin(std::process::Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("the wayfare binary did not start");
        let server = Server {
            child,
            address: format!("http://127.0.0.1:{port}"),
            log,
            data_dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let up = reqwest::get(format!("{}/healthz", server.address)).await;
            if up.is_ok_and(|r| r.status() == 200) {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "not up in 30 s:\n{}",
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn sigterm(&self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to end by itself.
    async fn exit_status(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("still running {within:?} after SIGTERM:\n{}", self.log());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

pub fn insert_user(db: &TestDatabase, username: &str) -> TestUser {
    let email = format!("{username}@example.com");
    let hash = bcrypt::hash(PASSWORD, 4).unwrap();
    diesel::insert_into(users::table)
        .values((
            users::email.eq(&email),
            users::username.eq(username),
            users::password_hash.eq(&hash),
            users::is_verified.eq(true),
        ))
        .execute(&mut db.admin_conn())
        .unwrap();
    TestUser {
        id: UserId(0),
        email,
        username: username.into(),
        password: PASSWORD.into(),
    }
}

/// Every plan in `db`, past row-level security.
fn plans_in(db: &TestDatabase) -> Vec<Plan> {
    plans::table
        .select(Plan::as_select())
        .load(&mut db.admin_conn())
        .unwrap()
}

/// Every field of the plan the form wrote is there.
fn complete_plan(p: &Plan) -> bool {
    p.description.as_deref() == Some("Written whole or not at all")
        && p.destination.as_deref() == Some("Porto")
        && p.start_date == Some(date("2026-08-01"))
        && p.end_date == Some(date("2026-08-05"))
        && p.budget == Some(decimal("1234.50"))
        && p.currency.as_deref() == Some("EUR")
        && p.status == Some(PlanStatus::Draft)
        && p.is_public == Some(false)
        && p.plan_data.is_some()
}

#[tokio::test]
async fn sigterm_during_plan_creations_loses_no_confirmed_plan_and_exits_0() {
    let db = TestDatabase::create();
    let mut server = Server::start(&db).await;
    let user = insert_user(&db, &unique("sig"));
    let browser = Browser::new(&server.address, FIREFOX);
    browser.login_ok(&user.username, &user.password).await;
    let token = browser.csrf_token().await.unwrap();

    let sent = Arc::new(Mutex::new(None::<Instant>));
    let mut clients = Vec::new();
    for client in 0..6 {
        let (browser, token, sent) = (browser.clone(), token.clone(), sent.clone());
        clients.push(tokio::spawn(async move {
            let mut answers: Vec<(String, Result<u16, String>)> = Vec::new();
            for n in 0..2000 {
                let stop_at = sent.lock().unwrap().map(|t| t + Duration::from_secs(3));
                if stop_at.is_some_and(|t| Instant::now() > t) {
                    break;
                }
                let title = format!("sigterm-{client}-{n}");
                let answer = browser
                    .client
                    .post(browser.url("/plans"))
                    .header("Origin", &browser.address)
                    .form(&[
                        ("csrf_token", token.as_str()),
                        ("title", &title),
                        ("description", "Written whole or not at all"),
                        ("destination", "Porto"),
                        ("start_date", "2026-08-01"),
                        ("end_date", "2026-08-05"),
                        ("budget", "1234.50"),
                        ("currency", "EUR"),
                        ("status", "draft"),
                    ])
                    .timeout(Duration::from_secs(15))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .map_err(|e| e.to_string());
                let failed = answer.is_err();
                answers.push((title, answer));
                if failed {
                    break; // the server is gone or going
                }
            }
            answers
        }));
    }

    tokio::time::sleep(Duration::from_secs(1)).await;
    server.sigterm();
    *sent.lock().unwrap() = Some(Instant::now());
    let mut answers = Vec::new();
    for client in clients {
        answers.extend(client.await.unwrap());
    }
    let status = server.exit_status(Duration::from_secs(20)).await;
    let log = server.log();
    assert!(status.success(), "exit status {status:?}:\n{log}");

    let confirmed: Vec<&String> = answers
        .iter()
        .filter(|(_, a)| *a == Ok(303))
        .map(|(t, _)| t)
        .collect();
    let other: Vec<_> = answers
        .iter()
        .filter(|(_, a)| !matches!(a, Ok(303) | Err(_)))
        .collect();
    assert!(
        other.is_empty(),
        "answers other than 303 or a closed connection: {other:?}"
    );
    assert!(
        confirmed.len() >= 3,
        "too little load before SIGTERM: {}",
        confirmed.len()
    );
    let written = plans_in(&db);
    for title in &confirmed {
        assert_eq!(
            written
                .iter()
                .filter(|p| p.title == **title && complete_plan(p))
                .count(),
            1,
            "{title} got a 303 but is not in the database whole"
        );
    }
    let rows = written.len() as i64;
    assert_eq!(
        written
            .iter()
            .filter(|p| p.title.starts_with("sigterm-") && complete_plan(p))
            .count() as i64,
        rows,
        "a plan was half-written"
    );
    assert!(rows >= confirmed.len() as i64);
    assert!(rows <= answers.len() as i64);
    eprintln!(
        "SIGTERM: {} requests, {} confirmed, {} rows, {} cut off",
        answers.len(),
        confirmed.len(),
        rows,
        answers.iter().filter(|(_, a)| a.is_err()).count()
    );
}

// ---------------------------------------------------------------- two browsers, one plan

fn fields<'a>(pairs: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The text of the first element matching `css`.
fn text_of(html: &str, css: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(css).unwrap();
    doc.select(&selector)
        .next()
        .map(|e| e.text().collect::<String>())
        .unwrap_or_default()
}

#[tokio::test]
async fn two_browsers_saving_the_same_plan_one_wins_the_other_gets_409_with_both_versions() {
    let app = spawn_app().await;
    let owner = app.user(&unique("own")).insert();
    let plan_id = app
        .plan(&owner)
        .title("Original title")
        .lisbon_trip()
        .insert()
        .id;
    let laptop = app.signed_in(&owner).await;
    let phone = app.signed_in(&owner).await;
    let edit = format!("/plans/{plan_id}/edit");

    // Both open the edit form of the same version.
    let laptop_form = laptop.get_html(&edit).await;
    let phone_form = phone.get_html(&edit).await;
    let version = extract_input(&laptop_form, "version").unwrap();
    assert_eq!(extract_input(&phone_form, "version").unwrap(), version);
    let form = |title: &str, destination: &str, budget: &str, version: &str| {
        vec![
            ("title", title.to_string()),
            ("destination", destination.to_string()),
            ("start_date", "2026-07-01".to_string()),
            ("end_date", "2026-07-03".to_string()),
            ("budget", budget.to_string()),
            ("currency", "EUR".to_string()),
            ("status", "draft".to_string()),
            ("description", String::new()),
            ("version", version.to_string()),
        ]
    };

    // The laptop saves first and wins.
    let first = form("Laptop's title", "Lisbon", "900", &version);
    let saved = laptop.post_form(&edit, &fields(&first)).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.plan_row(plan_id).map(|p| p.title).as_deref(),
        Some("Laptop's title")
    );

    // The phone saves from the old version: 409, the newer data shown, its input kept.
    let before = app.snapshot();
    let second = form("Phone's title", "Sintra", "777", &version);
    let conflict = phone.post_form(&edit, &fields(&second)).await;
    assert_eq!(conflict.status(), StatusCode::CONFLICT);
    let html = conflict.text().await.unwrap();
    assert_eq!(app.snapshot(), before, "the conflict wrote nothing");
    let newer = text_of(&html, ".conflict");
    assert!(
        newer.contains("Laptop's title") && newer.contains("900"),
        "{newer}"
    );
    assert_eq!(
        extract_input(&html, "title").as_deref(),
        Some("Phone's title")
    );
    assert_eq!(
        extract_input(&html, "destination").as_deref(),
        Some("Sintra")
    );
    assert_eq!(extract_input(&html, "budget").as_deref(), Some("777"));
    let newer_version = extract_input(&html, "version").unwrap();
    assert_ne!(
        newer_version, version,
        "the form now carries the newer version"
    );

    // Saving again from the 409 page replaces the laptop's version on purpose.
    let again = form("Phone's title", "Sintra", "777", &newer_version);
    let resaved = phone.post_form(&edit, &fields(&again)).await;
    assert_eq!(resaved.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.plan_row(plan_id)
            .filter(|p| {
                p.title == "Phone's title"
                    && p.destination.as_deref() == Some("Sintra")
                    && p.budget == Some(decimal("777"))
            })
            .iter()
            .count(),
        1
    );
    // And the laptop, still on its old version, is told in turn.
    let stale = laptop.post_form(&edit, &fields(&first)).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let html = stale.text().await.unwrap();
    assert!(
        text_of(&html, ".conflict").contains("Phone's title"),
        "{html}"
    );
}

#[tokio::test]
async fn two_browsers_saving_the_same_activity_or_raw_data_one_wins_the_other_gets_409() {
    let app = spawn_app().await;
    let owner = app.user(&unique("own")).insert();
    let plan_id = app.plan(&owner).title("Trip").lisbon_trip().insert().id;
    let activity = app
        .activity(plan_id)
        .title("Castle")
        .date("2026-07-01")
        .cost("10")
        .next_in_order()
        .insert()
        .id;
    let laptop = app.signed_in(&owner).await;
    let phone = app.signed_in(&owner).await;

    // An activity.
    let edit = format!("/plans/{plan_id}/activities/{activity}/edit");
    let version = extract_input(&laptop.get_html(&edit).await, "version").unwrap();
    assert_eq!(
        extract_input(&phone.get_html(&edit).await, "version").unwrap(),
        version
    );
    let form = |title: &str, cost: &str| {
        vec![
            ("title", title.to_string()),
            ("scheduled_date", "2026-07-01".to_string()),
            ("estimated_cost", cost.to_string()),
            ("version", version.clone()),
        ]
    };
    let saved = laptop
        .post_form(&edit, &fields(&form("Castle at dawn", "12")))
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let before = app.snapshot();
    let conflict = phone
        .post_form(&edit, &fields(&form("Castle at dusk", "99")))
        .await;
    assert_eq!(conflict.status(), StatusCode::CONFLICT);
    let html = conflict.text().await.unwrap();
    assert_eq!(app.snapshot(), before);
    assert!(
        text_of(&html, ".conflict").contains("Castle at dawn"),
        "{html}"
    );
    assert_eq!(
        extract_input(&html, "title").as_deref(),
        Some("Castle at dusk")
    );
    assert_eq!(
        extract_input(&html, "estimated_cost").as_deref(),
        Some("99")
    );
    assert_eq!(
        app.activity_row(activity)
            .filter(|a| a.title == "Castle at dawn" && a.estimated_cost == Some(decimal("12")))
            .iter()
            .count(),
        1
    );

    // The raw data editor.
    let raw = format!("/plans/{plan_id}/data");
    let page = laptop.get_html(&raw).await;
    let version = extract_input(&page, "version").unwrap();
    let saved = laptop
        .post_form(
            &raw,
            &[
                ("plan_data", r#"{"notes": "laptop"}"#),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let before = app.snapshot();
    let conflict = phone
        .post_form(
            &raw,
            &[
                ("plan_data", r#"{"notes": "phone"}"#),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(conflict.status(), StatusCode::CONFLICT);
    let html = conflict.text().await.unwrap();
    assert!(html.contains("phone"), "the typed JSON is kept");
    assert_eq!(app.snapshot(), before);
    let data = app.plan_row(plan_id).unwrap().plan_data.unwrap();
    assert_eq!(data["notes"], "laptop");
}
