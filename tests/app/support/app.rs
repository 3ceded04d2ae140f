//! The server under test: started on a random port with its own database.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use diesel::prelude::*;
use rand::RngCore;
use reqwest::Response;
use reqwest::cookie::Jar;
use wayfare::config::Settings;
use wayfare::db::local;
use wayfare::startup::Application;

use super::db::{TestDatabase, cluster, owner_url_for};
use super::http::{Browser, FIREFOX};

pub struct TestApp {
    pub address: String,
    pub port: u16,
    /// The first browser: shares its cookies with `jar`.
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
    pub db: TestDatabase,
    pub data_dir: PathBuf,
    /// The server's `SECRET_KEY`, to open and forge cookies and links as an attacker who
    /// had it would.
    pub secret_key: String,
    /// Every SQL statement the server runs, to check that a page runs a constant number.
    pub queries: wayfare::db::pool::QueryCounter,
}

/// Environment every test server starts with; tests add or override entries.
/// `DATABASE_OWNER_URL` is there when `db_url` is a test database's runtime URL, so that
/// migrations run as the owner role, as in production.
pub fn test_env(db_url: &str, data_dir: &std::path::Path) -> HashMap<String, String> {
    let mut key = [0u8; 64];
    rand::rng().fill_bytes(&mut key);
    let mut env = HashMap::from([
        ("DATABASE_URL".into(), db_url.to_string()),
        ("PORT".into(), "0".into()),
        ("BCRYPT_COST".into(), "4".into()),
        ("DATABASE_POOL_SIZE".into(), "3".into()),
        ("DATA_DIR".into(), data_dir.display().to_string()),
        ("SECRET_KEY".into(), hex::encode(key)),
    ]);
    if let Some(owner) = owner_url_for(db_url) {
        env.insert("DATABASE_OWNER_URL".into(), owner);
    }
    env
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
    // A test that serves another database (through a proxy, say) migrates that one.
    let database_of = |url: &str| url::Url::parse(url).map(|u| u.path().to_string()).ok();
    if database_of(&env["DATABASE_URL"]) != database_of(&db.url)
        && env.get("DATABASE_OWNER_URL") == Some(&db.owner_url)
    {
        let mut owner = url::Url::parse(&env["DATABASE_URL"]).unwrap();
        let _ = owner.set_username(local::OWNER_ROLE);
        let _ = owner.set_password(cluster().owner_password.as_deref());
        env.insert("DATABASE_OWNER_URL".into(), owner.to_string());
    }
    let secret_key = env["SECRET_KEY"].clone();
    let settings = Settings::from_source(&env).expect("test settings");
    let app = Application::build(settings)
        .await
        .expect("the app failed to start");
    let port = app.port();
    let queries = app.queries();
    tokio::spawn(app.run_until_stopped());
    let address = format!("http://127.0.0.1:{port}");
    let browser = Browser::new(&address, FIREFOX);
    TestApp {
        address,
        port,
        client: browser.client,
        jar: browser.jar,
        db,
        data_dir,
        secret_key,
        queries,
    }
}

/// The server closes a connection idle for 5 s (actix-web's keep-alive); a client reusing
/// one at that moment gets "connection closed before message completed" on a loaded
/// machine. Test clients let idle connections go well before.
pub(super) const IDLE_CONNECTION: std::time::Duration = std::time::Duration::from_secs(2);

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The first browser (`client` and `jar`) as a `Browser`.
    pub fn browser(&self) -> Browser {
        Browser {
            address: self.address.clone(),
            client: self.client.clone(),
            jar: self.jar.clone(),
        }
    }

    /// Another browser, with no cookies yet.
    pub fn new_browser(&self) -> Browser {
        Browser::new(&self.address, FIREFOX)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.browser().get(path).await
    }

    pub async fn get_html(&self, path: &str) -> String {
        self.browser().get_html(path).await
    }

    /// Posts a form as a browser on this site would: same-origin, with `csrf_token` taken
    /// from the cookie the site set, unless the form gives its own.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.browser().post_form(path, fields).await
    }

    /// The CSRF token the site put into its forms, read from a page that has one.
    pub async fn csrf_token(&self) -> Option<String> {
        self.browser().csrf_token().await
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

/// A random suffix for names that must not collide between tests (Redis is shared).
pub fn unique(prefix: &str) -> String {
    format!("{prefix}{:012x}", rand::rng().next_u64() & 0xffff_ffff_ffff)
}

/// A TCP port nobody listens on right now (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
