//! `wayfare purge` and the purge inside `serve`: expired and ended sessions and old
//! rate-limit counters go; live sessions and recent counters stay.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wayfare::domain::ids::UserId;

use diesel::sql_query;
use diesel::sql_types::{Bool, Integer, Text};

use super::support::{ScratchDir, eventually, free_port, wayfare};
use crate::support::{TestApp, spawn_app};

fn add_session(app: &TestApp, user: UserId, key: &str, expires: &str, active: bool) {
    app.exec(
        sql_query(
            "INSERT INTO user_sessions (user_id, session_key, session_data, expires_at, is_active) \
             VALUES ($1, $2, '{}', now() AT TIME ZONE 'UTC' + $3::interval, $4)",
        )
        .bind::<Integer, _>(user)
        .bind::<Text, _>(key)
        .bind::<Text, _>(expires)
        .bind::<Bool, _>(active),
    );
}

fn add_counter(app: &TestApp, identifier: &str, days_ago: i32) {
    app.exec(
        sql_query(
            "INSERT INTO rate_limits (identifier, identifier_type, request_count, reset_date) \
         VALUES ($1, 'ip', 5, CURRENT_DATE - $2)",
        )
        .bind::<Text, _>(&identifier)
        .bind::<Integer, _>(days_ago),
    );
}

#[tokio::test]
async fn purge_removes_expired_and_ended_sessions_and_old_counters_and_keeps_the_rest() {
    let app = spawn_app().await;
    let user = app.user("beatriz").insert();
    let browser = app.signed_in(&user).await;
    add_session(&app, user.id, "expired", "-1 minute", true);
    add_session(&app, user.id, "ended", "10 days", false);
    add_session(&app, user.id, "soon", "1 hour", true);
    add_counter(&app, "today", 0);
    add_counter(&app, "four-weeks", 29);
    add_counter(&app, "last-month", 31);
    add_counter(&app, "last-year", 400);

    let out = wayfare(&["purge"], &[("DATABASE_URL", &app.db.url)]).ok();
    assert!(
        out.contains("purged 2 expired sessions and 2 old rate-limit rows"),
        "{out}"
    );
    assert_eq!(
        app.text(sql_query("SELECT (SELECT string_agg(session_key, ',' ORDER BY id) FROM user_sessions WHERE session_key IN ('expired', 'ended', 'soon'))::text AS v")),
        Some("soon".into())
    );
    assert_eq!(
        app.count(sql_query("SELECT count(*) FROM user_sessions")),
        2,
        "the login's session and 'soon'"
    );
    assert_eq!(
        app.text(sql_query(
            "SELECT (SELECT string_agg(identifier, ',' ORDER BY id) FROM rate_limits \
             WHERE identifier IN ('today', 'four-weeks', 'last-month', 'last-year'))::text AS v"
        )),
        Some("today,four-weeks".into())
    );
    assert_eq!(
        browser.signed_in_email().await.as_deref(),
        Some(user.email.as_str())
    );

    let again = wayfare(&["purge"], &[("DATABASE_URL", &app.db.url)]).ok();
    assert!(
        again.contains("purged 0 expired sessions and 0 old rate-limit rows"),
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
    add_session(&app, user.id, "expired", "-1 minute", true);
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
        || async {
            app.count(sql_query("SELECT count(*) FROM user_sessions")) == 0
                && app.count(sql_query("SELECT count(*) FROM rate_limits")) == 0
        },
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
