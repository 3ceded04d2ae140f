//! Wayfare behind PgBouncer in transaction pooling mode (Debian's `pgbouncer`).
//!
//! Row-level security works there because the actor is set with `set_config(.., true)`,
//! local to each transaction. Diesel caches queries as named prepared statements
//! (`__diesel_stmt_N`), which PgBouncer carries from one server connection to another only
//! from version 1.21 on, with `max_prepared_statements` above 0. With an older PgBouncer the
//! test shows the failure, then runs the app with `DATABASE_STATEMENT_CACHE=false`.

use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::Duration;

use diesel::connection::CacheSize;
use diesel::prelude::*;
use wayfare::db::schema::users;

use super::support::{ScratchDir, as_postgres, free_port};
use crate::support::{HOME, PASSWORD, TestDatabase, assert_is_redirect_to, spawn_app_with};

/// The first version that tracks protocol-level named prepared statements.
const PREPARED_STATEMENTS_SINCE: (u32, u32) = (1, 21);

fn pgbouncer_binary() -> PathBuf {
    [
        "/usr/sbin/pgbouncer",
        "/usr/bin/pgbouncer",
        "/usr/local/bin/pgbouncer",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
    .expect("PgBouncer is not installed: apt-get install pgbouncer (.ci/run does)")
}

/// (major, minor) from `pgbouncer --version` ("PgBouncer 1.18.0").
fn pgbouncer_version(binary: &PathBuf) -> ((u32, u32), String) {
    let out = std::process::Command::new(binary)
        .arg("--version")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let full = text
        .split_whitespace()
        .nth(1)
        .unwrap_or_else(|| panic!("unexpected `pgbouncer --version`: {text}"))
        .to_string();
    let mut parts = full.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    ((parts.next().unwrap(), parts.next().unwrap_or(0)), full)
}

/// A PgBouncer of the test's own in front of the test cluster, in transaction pooling
/// mode with two server connections per database; killed when dropped.
struct Bouncer {
    port: u16,
    child: Child,
    dir: ScratchDir,
}

impl Bouncer {
    fn start(binary: &PathBuf, prepared_statements: bool, db: &TestDatabase) -> Self {
        let dir = ScratchDir::new("wayfare-pgbouncer").for_postgres();
        let (host, db_port) = db.host_port();
        let port = free_port();
        let d = dir.path().display();
        // With trust towards its clients, PgBouncer logs in to the server with these.
        std::fs::write(
            dir.path().join("userlist.txt"),
            format!(
                "\"wayfare\" \"{}\"\n\"postgres\" \"\"\n",
                db.runtime_password()
            ),
        )
        .unwrap();
        let prepared = if prepared_statements {
            "max_prepared_statements = 200\n"
        } else {
            ""
        };
        std::fs::write(
            dir.path().join("pgbouncer.ini"),
            format!(
                "[databases]\n* = host={host} port={db_port}\n\n[pgbouncer]\n\
                 listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
                 auth_type = trust\nauth_file = {d}/userlist.txt\npool_mode = transaction\n\
                 default_pool_size = 2\nmax_client_conn = 200\nlogfile = {d}/pgbouncer.log\n\
                 pidfile = {d}/pgbouncer.pid\nadmin_users = postgres\n\
                 ignore_startup_parameters = extra_float_digits\n{prepared}"
            ),
        )
        .unwrap();
        let child = as_postgres(binary)
            .arg(dir.path().join("pgbouncer.ini"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "pgbouncer did not start: {}",
                std::fs::read_to_string(dir.path().join("pgbouncer.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Bouncer { port, child, dir }
    }

    /// `url` with its host and port replaced by PgBouncer's.
    fn in_front_of(&self, url: &str) -> String {
        let mut url = url::Url::parse(url).unwrap();
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(self.port)).unwrap();
        url.to_string()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pgbouncer.log")).unwrap_or_default()
    }

    /// Whether the log shows `text` within a few seconds: PgBouncer writes its log after
    /// the fact, and on a loaded machine the line may come after the app has started.
    async fn logs(&self, text: &str) -> bool {
        for _ in 0..50 {
            if self.log().contains(text) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        false
    }
}

impl Drop for Bouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_app_works_behind_pgbouncer_in_transaction_pooling_mode() {
    let binary = pgbouncer_binary();
    let (version, full) = pgbouncer_version(&binary);
    let tracks_statements = version >= PREPARED_STATEMENTS_SINCE;
    if !tracks_statements {
        cached_statements_collide(&binary, &full);
    }
    let bouncer = Bouncer::start(&binary, tracks_statements, &TestDatabase::create());
    let app = spawn_app_with(|env| {
        let through = bouncer.in_front_of(&env["DATABASE_URL"]);
        env.insert("DATABASE_URL".into(), through);
        env.insert("DATABASE_POOL_SIZE".into(), "6".into());
        if !tracks_statements {
            // What docs/deploy.md tells users of an older PgBouncer to set.
            env.insert("DATABASE_STATEMENT_CACHE".into(), "false".into());
        }
    })
    .await;
    assert!(
        bouncer.logs(&app.db.name).await,
        "the app connected through PgBouncer"
    );

    let owner = app.new_browser();
    assert_is_redirect_to(
        &owner.signup("ulla@example.com", "ulla", PASSWORD).await,
        HOME,
    );
    app.exec(diesel::update(users::table).set(users::is_verified.eq(true)));
    let created = owner
        .post_form("/plans", &[("title", "Helsinki"), ("currency", "EUR")])
        .await;
    assert_eq!(created.status(), 303);
    let plan_path = created.headers()["location"].to_str().unwrap().to_string();
    let listed = owner
        .post_form(
            &format!("{plan_path}/share/visibility"),
            &[("visibility", "public")],
        )
        .await;
    assert_eq!(listed.status(), 303);
    let token = app
        .plan_row(
            plan_path
                .trim_start_matches("/plans/")
                .parse::<i32>()
                .unwrap(),
        )
        .and_then(|p| p.share_token)
        .unwrap();
    assert_eq!(owner.logout().await.status(), 303);
    owner.login_ok("ulla", PASSWORD).await;

    // Many requests at once: six app connections share two server connections, so every
    // statement may land on a server connection another client prepared things on.
    let visitor = app.new_browser();
    let mut requests = Vec::new();
    for i in 0..40 {
        let (owner, visitor) = (owner.clone(), visitor.clone());
        let (plan_path, share_path) = (plan_path.clone(), format!("/s/{token}"));
        requests.push(tokio::spawn(async move {
            let path = match i % 4 {
                0 => plan_path,
                1 => share_path,
                2 => "/explore".to_string(),
                _ => HOME.to_string(),
            };
            let browser = if i % 4 == 1 || i % 4 == 2 {
                visitor
            } else {
                owner
            };
            let response = browser.get(&path).await;
            (
                path,
                response.status().as_u16(),
                response.text().await.unwrap(),
            )
        }));
    }
    for request in requests {
        let (path, status, html) = request.await.unwrap();
        assert_eq!(status, 200, "{path}: {html}");
        assert!(html.contains("Helsinki"), "{path}");
    }
    let metrics = app.get_html("/metrics").await;
    assert!(
        metrics.contains("\nwayfare_db_errors_total 0\n"),
        "{metrics}"
    );
    assert!(
        !bouncer.log().contains("prepared statement"),
        "{}",
        bouncer.log()
    );
}

/// Shows why an older PgBouncer cannot carry diesel's default connections, and that diesel
/// without its statement cache (`DATABASE_STATEMENT_CACHE=false`) works there.
fn cached_statements_collide(binary: &PathBuf, version: &str) {
    let db = TestDatabase::create();
    let bouncer = Bouncer::start(binary, false, &db);
    let url = bouncer.in_front_of(&db.url);
    let mut ours = PgConnection::establish(&url).unwrap();
    let mut theirs = PgConnection::establish(&url).unwrap();
    // Each client names its first cached statement __diesel_stmt_0; both land on the same
    // server connection once the pool is busy or small.
    let mut collided = None;
    for _ in 0..10 {
        use wayfare::db::schema::{plans, users};
        if let Err(e) = users::table.count().get_result::<i64>(&mut ours) {
            collided = Some(e.to_string());
            break;
        }
        if let Err(e) = plans::table.count().get_result::<i64>(&mut theirs) {
            collided = Some(e.to_string());
            break;
        }
    }
    let collided = collided.expect("diesel's cached statements collide behind this PgBouncer");
    assert!(collided.contains("__diesel_stmt_"), "{collided}");

    let mut a = PgConnection::establish(&url).unwrap();
    let mut b = PgConnection::establish(&url).unwrap();
    a.set_prepared_statement_cache_size(CacheSize::Disabled);
    b.set_prepared_statement_cache_size(CacheSize::Disabled);
    for _ in 0..10 {
        use wayfare::db::schema::{plans, users};
        users::table.count().get_result::<i64>(&mut a).unwrap();
        plans::table.count().get_result::<i64>(&mut b).unwrap();
    }
    eprintln!(
        "PgBouncer {version} cannot carry diesel's cached (named) prepared statements \
         (\"{collided}\"): the app runs with DATABASE_STATEMENT_CACHE=false. See docs/deploy.md."
    );
}
