//! The test harness: every test gets the real server on a random port, with its own
//! database cloned from a template that was migrated once.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use diesel::prelude::*;
use diesel::sql_types::Text;
use rand::RngCore;
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Response, StatusCode};
use wayfare::config::Settings;
use wayfare::db::local;
use wayfare::startup::Application;

/// Where test databases live: a superuser URL (`TEST_DATABASE_URL`) or the embedded cluster.
pub struct TestCluster {
    admin_url: url::Url,
    template: String,
}

static CLUSTER: OnceLock<TestCluster> = OnceLock::new();

fn cluster() -> &'static TestCluster {
    CLUSTER.get_or_init(|| {
        let admin_url = match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => url,
            _ => {
                let data_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".data");
                local::ensure_running(&data_dir)
                    .expect("the embedded test database could not start")
                    .admin_url("postgres")
            }
        };
        let admin_url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is not a URL");
        let template = ensure_template(&admin_url);
        TestCluster {
            admin_url,
            template,
        }
    })
}

impl TestCluster {
    fn admin_url(&self, database: &str) -> String {
        let mut url = self.admin_url.clone();
        url.set_path(database);
        url.to_string()
    }

    /// The unprivileged application role's URL for a database.
    fn app_url(&self, database: &str) -> String {
        let mut url = self.admin_url.clone();
        url.set_path(database);
        let _ = url.set_username(local::APP_ROLE);
        let _ = url.set_password(None);
        url.to_string()
    }
}

/// A migrated template named after the migrations' content, built once under an advisory
/// lock and published by renaming, so parallel test processes never see a half-built one.
fn ensure_template(admin_url: &url::Url) -> String {
    let mut hash: u64 = 0xcbf29ce484222325;
    let mut dirs: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        for file in ["up.sql", "down.sql"] {
            let bytes = std::fs::read(dir.join(file)).unwrap_or_default();
            for b in dir.to_string_lossy().bytes().chain(bytes) {
                hash = (hash ^ b as u64).wrapping_mul(0x100000001b3);
            }
        }
    }
    let template = format!("wayfare_tpl_{:012x}", hash & 0xffff_ffff_ffff);
    let mut admin =
        PgConnection::establish(admin_url.as_str()).expect("cannot reach the test cluster");
    local::ensure_app_role(&mut admin).unwrap();
    diesel::sql_query("SELECT pg_advisory_lock(7261001)")
        .execute(&mut admin)
        .unwrap();
    if !database_exists(&mut admin, &template) {
        let building = format!("{template}_building");
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
            .execute(&mut admin)
            .unwrap();
        diesel::sql_query(format!(
            "CREATE DATABASE {building} OWNER {}",
            local::APP_ROLE
        ))
        .execute(&mut admin)
        .unwrap();
        let mut url = admin_url.clone();
        url.set_path(&building);
        let _ = url.set_username(local::APP_ROLE);
        let _ = url.set_password(None);
        let mut conn = PgConnection::establish(url.as_str()).unwrap();
        wayfare::db::run_migrations(&mut conn).unwrap();
        drop(conn);
        diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {template}"))
            .execute(&mut admin)
            .unwrap();
    }
    diesel::sql_query("SELECT pg_advisory_unlock(7261001)")
        .execute(&mut admin)
        .unwrap();
    template
}

fn database_exists(conn: &mut PgConnection, name: &str) -> bool {
    diesel::select(
        diesel::dsl::sql::<diesel::sql_types::Bool>(
            "EXISTS (SELECT 1 FROM pg_database WHERE datname = ",
        )
        .bind::<Text, _>(name)
        .sql(")"),
    )
    .get_result(conn)
    .unwrap()
}

/// A database of its own for one test, dropped when the test ends.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub fn create() -> Self {
        let cluster = cluster();
        let name = format!("wayfare_test_{:016x}", rand::rng().next_u64());
        let mut admin = PgConnection::establish(&cluster.admin_url("postgres")).unwrap();
        diesel::sql_query(format!(
            "CREATE DATABASE {name} TEMPLATE {} OWNER {}",
            cluster.template,
            local::APP_ROLE
        ))
        .execute(&mut admin)
        .unwrap();
        TestDatabase {
            url: cluster.app_url(&name),
            name,
        }
    }

    /// A connection as the application's role.
    pub fn conn(&self) -> PgConnection {
        PgConnection::establish(&self.url).unwrap()
    }

    /// A superuser connection to this database.
    pub fn admin_conn(&self) -> PgConnection {
        PgConnection::establish(&cluster().admin_url(&self.name)).unwrap()
    }

    /// Host and port of the cluster, for tests that put a proxy in front of it.
    pub fn host_port(&self) -> (String, u16) {
        let url = &cluster().admin_url;
        (
            url.host_str().unwrap().to_string(),
            url.port().unwrap_or(5432),
        )
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&cluster().admin_url("postgres")) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut admin);
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub db: TestDatabase,
    pub data_dir: PathBuf,
}

/// Environment every test server starts with; tests add or override entries.
pub fn test_env(db_url: &str, data_dir: &std::path::Path) -> HashMap<String, String> {
    let mut key = [0u8; 64];
    rand::rng().fill_bytes(&mut key);
    HashMap::from([
        ("DATABASE_URL".into(), db_url.to_string()),
        ("PORT".into(), "0".into()),
        ("BCRYPT_COST".into(), "4".into()),
        ("DATABASE_POOL_SIZE".into(), "3".into()),
        ("DATA_DIR".into(), data_dir.display().to_string()),
        ("SECRET_KEY".into(), hex::encode(key)),
    ])
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the server with the test environment, changed by `configure` first.
pub async fn spawn_app_with(configure: impl FnOnce(&mut HashMap<String, String>)) -> TestApp {
    let db = TestDatabase::create();
    let data_dir = std::env::temp_dir().join(&db.name);
    let mut env = test_env(&db.url, &data_dir);
    configure(&mut env);
    let settings = Settings::from_source(&env).expect("test settings");
    let app = Application::build(settings)
        .await
        .expect("the app failed to start");
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: client(),
        db,
        data_dir,
    }
}

/// A browser-like client: cookie store, no redirects followed.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_html(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// Posts a form as a browser on this site would: same-origin, with `csrf_token` taken
    /// from the cookie the site set, unless the form gives its own.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut form: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if !form.iter().any(|(k, _)| k == "csrf_token")
            && let Some(token) = self.csrf_token().await
        {
            form.push(("csrf_token".into(), token));
        }
        self.client
            .post(self.url(path))
            .header("Origin", &self.address)
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// The CSRF token the site put into its forms, read from a page that has one.
    pub async fn csrf_token(&self) -> Option<String> {
        let html = self.get_html("/password-reset").await;
        extract_input(&html, "csrf_token")
    }

    pub fn conn(&self) -> PgConnection {
        self.db.conn()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// The value of the first `<input name=…>` in a page.
pub fn extract_input(html: &str, name: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(&format!("input[name=\"{name}\"]")).unwrap();
    doc.select(&selector)
        .next()
        .and_then(|e| e.value().attr("value").map(str::to_string))
}

pub fn assert_is_redirect_to(response: &Response, location: &str) {
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "expected a 303 redirect"
    );
    assert_eq!(
        response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok()),
        Some(location)
    );
}

/// The security headers DESIGN.md requires on every response.
pub fn assert_security_headers(headers: &HeaderMap) {
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers.contains_key("referrer-policy"));
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
}

/// A TCP proxy in front of the database that a test can cut and restore, to see the app
/// through an outage without stopping the shared cluster.
pub struct DbProxy {
    pub port: u16,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    generation: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
}

impl DbProxy {
    pub async fn start(target_host: String, target_port: u16) -> Self {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let (generation, _) = tokio::sync::watch::channel(0u64);
        let generation = Arc::new(generation);
        let (accept_up, accept_gen) = (up.clone(), generation.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if !accept_up.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is refused
                }
                let target = format!("{target_host}:{target_port}");
                let mut cut = accept_gen.subscribe();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        DbProxy {
            port,
            up,
            generation,
        }
    }

    /// Every open connection is cut and new ones are refused.
    pub fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    pub fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}
