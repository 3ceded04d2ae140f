//! `wayfare purge` and the purge inside `serve`: expired and ended sessions, old
//! rate-limit counters and deletes past their undo window go; live sessions, recent
//! counters and deletes that can still be undone stay.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wayfare::domain::ids::UserId;

use chrono::TimeDelta;
use diesel::prelude::*;
use diesel::sql_types::{Date, Integer, Nullable};
use wayfare::db::schema::{rate_limits, user_sessions};

use super::support::{ScratchDir, eventually, free_port, wayfare};
use crate::support::{TestApp, spawn_app};

/// A session row expiring `expires` from now (negative: already expired).
fn add_session(app: &TestApp, user: UserId, key: &str, expires: TimeDelta, active: bool) {
    app.exec(diesel::insert_into(user_sessions::table).values((
        user_sessions::user_id.eq(user),
        user_sessions::session_key.eq(key),
        user_sessions::session_data.eq("{}"),
        user_sessions::expires_at.eq(chrono::Utc::now().naive_utc() + expires),
        user_sessions::is_active.eq(active),
    )));
}

/// A counter dated `days_ago` days before the cluster's today, as `purge` counts days.
fn add_counter(app: &TestApp, identifier: &str, days_ago: i32) {
    let day = diesel::dsl::sql::<Nullable<Date>>("CURRENT_DATE - ").bind::<Integer, _>(days_ago);
    app.exec(diesel::insert_into(rate_limits::table).values((
        rate_limits::identifier.eq(identifier),
        rate_limits::identifier_type.eq("ip"),
        rate_limits::request_count.eq(5),
        rate_limits::reset_date.eq(day),
    )));
}

/// A copy of a deleted activity, kept for undo, deleted `minutes_ago`.
fn add_deleted(app: &TestApp, user: UserId, title: &str, minutes_ago: i32) {
    app.exec(
        diesel::sql_query(
            "INSERT INTO deleted_items (user_id, plan_id, activity_id, title, activity_rows, \
             deleted_at) VALUES ($1, 1, 1, $2, '[]', now() - make_interval(mins => $3))",
        )
        .bind::<Integer, _>(user)
        .bind::<diesel::sql_types::Text, _>(title)
        .bind::<Integer, _>(minutes_ago),
    );
}

#[tokio::test]
async fn purge_removes_expired_and_ended_sessions_and_old_counters_and_keeps_the_rest() {
    let app = spawn_app().await;
    let user = app.user("beatriz").insert();
    let browser = app.signed_in(&user).await;
    add_session(&app, user.id, "expired", TimeDelta::minutes(-1), true);
    add_session(&app, user.id, "ended", TimeDelta::days(10), false);
    add_session(&app, user.id, "soon", TimeDelta::hours(1), true);
    add_counter(&app, "today", 0);
    add_counter(&app, "four-weeks", 29);
    add_counter(&app, "last-month", 31);
    add_counter(&app, "last-year", 400);
    add_deleted(&app, user.id, "can still come back", 14);
    add_deleted(&app, user.id, "too late", 16);

    let out = wayfare(&["purge"], &[("DATABASE_URL", &app.db.url)]).ok();
    assert!(
        out.contains("purged 2 expired sessions, 2 old rate-limit rows and 1 copy kept for undo"),
        "{out}"
    );
    let kept: Vec<String> = app
        .rows_of("deleted_items")
        .into_iter()
        .map(|row| row["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kept, ["can still come back"]);
    assert_eq!(
        app.sessions()
            .into_iter()
            .map(|s| s.session_key)
            .filter(|key| ["expired", "ended", "soon"].contains(&key.as_str()))
            .collect::<Vec<_>>(),
        ["soon"]
    );
    assert_eq!(app.session_count(), 2, "the login's session and 'soon'");
    assert_eq!(
        app.counters()
            .into_iter()
            .map(|c| c.identifier)
            .filter(|id| ["today", "four-weeks", "last-month", "last-year"].contains(&id.as_str()))
            .collect::<Vec<_>>(),
        ["today", "four-weeks"]
    );
    assert_eq!(
        browser.signed_in_email().await.as_deref(),
        Some(user.email.as_str())
    );

    let again = wayfare(&["purge"], &[("DATABASE_URL", &app.db.url)]).ok();
    assert!(
        again.contains("purged 0 expired sessions, 0 old rate-limit rows and 0 copies kept"),
        "{again}"
    );
}

/// A `wayfare serve` process of the test's own, killed when the test ends.
struct ServeProcess {
    child: Child,
    output: Arc<Mutex<String>>,
    _dir: ScratchDir,
}

impl ServeProcess {
    fn start(env: &[(&str, &str)]) -> Self {
        let dir = ScratchDir::new("wayfare-serve");
        let mut child = Command::new(env!("CARGO_BIN_EXE_wayfare"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATA_DIR", dir.path())
            .env("BCRYPT_COST", "4")
            .envs(env.iter().copied())
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let output = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut all = output.lock().unwrap();
                    all.push_str(&line);
                    all.push('\n');
                }
            });
        }
        ServeProcess {
            child,
            output,
            _dir: dir,
        }
    }

    /// Everything it printed so far, without terminal colour codes.
    fn output(&self) -> String {
        let raw = self.output.lock().unwrap().clone();
        let mut plain = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            } else {
                plain.push(c);
            }
        }
        plain
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn serve_purges_when_it_starts_and_logs_slow_requests_with_their_sql_count() {
    let app = spawn_app().await;
    let user = app.user("joana").insert();
    add_session(&app, user.id, "expired", TimeDelta::minutes(-1), true);
    add_counter(&app, "last-year", 400);

    let port = free_port().to_string();
    let server = ServeProcess::start(&[
        ("DATABASE_URL", &app.db.url),
        ("PORT", &port),
        ("SECRET_KEY", &app.secret_key),
        ("SLOW_REQUEST_MS", "0"),
        ("RUST_LOG", "info"),
    ]);
    eventually(
        Duration::from_secs(15),
        "the hourly purge's first run",
        || async { app.session_count() == 0 && app.counters().is_empty() },
    )
    .await;

    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/readyz");
    eventually(Duration::from_secs(15), "wayfare serve answers", || async {
        client
            .get(&url)
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
    })
    .await;
    eventually(Duration::from_secs(5), "a slow-request line", || async {
        server
            .output()
            .lines()
            .any(|l| l.contains("slow request") && l.contains("/readyz"))
    })
    .await;
    let output = server.output();
    let line = output
        .lines()
        .find(|l| l.contains("slow request") && l.contains("/readyz"))
        .unwrap();
    assert!(line.contains("sql_statements=1"), "{line}");
    assert!(
        line.contains("route=\"/readyz\" method=\"GET\" status=\"200\""),
        "{line}"
    );
    assert!(output.contains("purged expired rows"), "{output}");
}
