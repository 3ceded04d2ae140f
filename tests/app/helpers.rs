//! The test harness: every test gets the real server on a random port, with its own
//! database cloned from a template that was migrated once.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use diesel::prelude::*;
use diesel::sql_types::Text;
use rand::RngCore;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Response, StatusCode};
use wayfare::config::Settings;
use wayfare::db::local;
use wayfare::startup::Application;

/// Where a login or a sign-up lands without a `next`.
pub use wayfare::routes::accounts::HOME;

/// Where test databases live: the embedded cluster (reached with its superuser's password),
/// or a superuser URL (`TEST_DATABASE_URL`, on a server with trust or peer authentication,
/// where the two roles get no password). Templates and test databases belong to the owner
/// role, which runs the migrations; the server under test connects as the runtime role.
pub struct TestCluster {
    admin_url: url::Url,
    owner_password: Option<String>,
    runtime_password: Option<String>,
    template: String,
}

static CLUSTER: OnceLock<TestCluster> = OnceLock::new();

fn cluster() -> &'static TestCluster {
    CLUSTER.get_or_init(|| {
        let cluster = match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => {
                let admin_url = url::Url::parse(&url).expect("TEST_DATABASE_URL is not a URL");
                let mut admin = PgConnection::establish(admin_url.as_str())
                    .expect("cannot reach TEST_DATABASE_URL");
                for role in [local::OWNER_ROLE, local::APP_ROLE] {
                    wayfare::db::roles::ensure_login_role(&mut admin, role, None).unwrap();
                }
                TestCluster {
                    admin_url,
                    owner_password: None,
                    runtime_password: None,
                    template: String::new(),
                }
            }
            _ => {
                let data_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".data");
                let local = local::ensure_running(&data_dir)
                    .expect("the embedded test database could not start");
                TestCluster {
                    admin_url: url::Url::parse(&local.admin_url("postgres")).unwrap(),
                    owner_password: local.password(local::OWNER_ROLE).map(str::to_string),
                    runtime_password: local.password(local::APP_ROLE).map(str::to_string),
                    template: String::new(),
                }
            }
        };
        let template = ensure_template(&cluster);
        TestCluster {
            template,
            ..cluster
        }
    })
}

impl TestCluster {
    fn admin_url(&self, database: &str) -> String {
        let mut url = self.admin_url.clone();
        url.set_path(database);
        url.to_string()
    }

    /// The unprivileged runtime role's URL for a database.
    fn app_url(&self, database: &str) -> String {
        self.url_as(local::APP_ROLE, self.runtime_password.as_deref(), database)
    }

    /// The owner role's URL for a database.
    fn owner_url(&self, database: &str) -> String {
        self.url_as(local::OWNER_ROLE, self.owner_password.as_deref(), database)
    }

    fn url_as(&self, role: &str, password: Option<&str>, database: &str) -> String {
        let mut url = self.admin_url.clone();
        url.set_path(database);
        let _ = url.set_username(role);
        let _ = url.set_password(password);
        url.to_string()
    }

    fn create_database(&self, name: &str, template: Option<&str>) {
        let mut admin = PgConnection::establish(&self.admin_url("postgres")).unwrap();
        let template = template
            .map(|t| format!(" TEMPLATE {t}"))
            .unwrap_or_default();
        diesel::sql_query(format!(
            "CREATE DATABASE {name}{template} OWNER {}",
            local::OWNER_ROLE
        ))
        .execute(&mut admin)
        .unwrap();
    }
}

/// A migrated template named after the migrations' content and the role layout, built once
/// under an advisory lock and published by renaming, so parallel test processes never see a
/// half-built one.
fn ensure_template(cluster: &TestCluster) -> String {
    // Named after the migrations this binary embeds (not the folder on disk, which an older
    // test binary running at the same time would not match).
    use diesel::migration::MigrationSource;
    let mut hash: u64 = 0xcbf29ce484222325;
    let migrations =
        MigrationSource::<diesel::pg::Pg>::migrations(&wayfare::db::MIGRATIONS).unwrap();
    let names = migrations.iter().map(|m| m.name().to_string());
    for name in names.chain([format!("owned by {}", local::OWNER_ROLE)]) {
        for b in name.bytes() {
            hash = (hash ^ b as u64).wrapping_mul(0x100000001b3);
        }
    }
    let template = format!("wayfare_tpl_{:012x}", hash & 0xffff_ffff_ffff);
    let mut admin = PgConnection::establish(&cluster.admin_url("postgres"))
        .expect("cannot reach the test cluster");
    diesel::sql_query("SELECT pg_advisory_lock(7261001)")
        .execute(&mut admin)
        .unwrap();
    if !database_exists(&mut admin, &template) {
        let building = format!("{template}_building");
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
            .execute(&mut admin)
            .unwrap();
        cluster.create_database(&building, None);
        let mut building_admin = PgConnection::establish(&cluster.admin_url(&building)).unwrap();
        wayfare::db::roles::hand_over(&mut building_admin, local::APP_ROLE, local::OWNER_ROLE)
            .unwrap();
        drop(building_admin);
        let mut owner = PgConnection::establish(&cluster.owner_url(&building)).unwrap();
        wayfare::db::run_migrations(&mut owner).unwrap();
        wayfare::db::roles::grant_runtime_role(&mut owner, local::APP_ROLE).unwrap();
        drop(owner);
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

/// A database of its own for one test, owned by the owner role, dropped when the test ends.
pub struct TestDatabase {
    pub name: String,
    /// The runtime role's URL: what the server under test connects with.
    pub url: String,
    /// The owner role's URL: migrations, and the schema changes only an owner may make.
    pub owner_url: String,
}

impl TestDatabase {
    pub fn create() -> Self {
        let cluster = cluster();
        let name = format!("wayfare_test_{:016x}", rand::rng().next_u64());
        cluster.create_database(&name, Some(&cluster.template));
        Self::named(name)
    }

    fn named(name: String) -> Self {
        let cluster = cluster();
        TestDatabase {
            url: cluster.app_url(&name),
            owner_url: cluster.owner_url(&name),
            name,
        }
    }

    /// A connection as the application's role.
    pub fn conn(&self) -> PgConnection {
        PgConnection::establish(&self.url).unwrap()
    }

    /// A connection as the owner role.
    pub fn owner_conn(&self) -> PgConnection {
        PgConnection::establish(&self.owner_url).unwrap()
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

    /// The runtime role's password ("" where the roles have none), for a pooler's user list.
    pub fn runtime_password(&self) -> String {
        cluster().runtime_password.clone().unwrap_or_default()
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

/// `DATABASE_OWNER_URL` for a runtime URL of a test database: the same server, port and
/// database as the owner role. `None` for other URLs (a cluster a test made itself).
pub fn owner_url_for(runtime_url: &str) -> Option<String> {
    let cluster = cluster();
    let mut url = url::Url::parse(runtime_url).ok()?;
    if url.username() != local::APP_ROLE {
        return None;
    }
    let same_password = url.password().map(str::to_string) == cluster.runtime_password;
    let own_cluster = url.port() == cluster.admin_url.port();
    if !same_password || !own_cluster {
        return None;
    }
    let _ = url.set_username(local::OWNER_ROLE);
    let _ = url.set_password(cluster.owner_password.as_deref());
    Some(url.to_string())
}

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

/// A browser-like client: cookie store, no redirects followed.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .pool_idle_timeout(IDLE_CONNECTION)
        .build()
        .unwrap()
}

/// The server closes a connection idle for 5 s (actix-web's keep-alive); a client reusing
/// one at that moment gets "connection closed before message completed" on a loaded
/// machine. Test clients let idle connections go well before.
const IDLE_CONNECTION: std::time::Duration = std::time::Duration::from_secs(2);

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

// ---------------------------------------------------------------- browsers

/// The user agent test browsers send (the sessions page shows it as "Firefox on Linux").
pub const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
pub const SESSION_COOKIE: &str = "wayfare_session";
pub const CSRF_COOKIE: &str = "csrftoken";
/// A password the strength check accepts.
pub const PASSWORD: &str = "correct horse battery staple";

/// One browser: its own cookie jar (readable and writable by the test), a user agent, no
/// redirects followed.
#[derive(Clone)]
pub struct Browser {
    pub address: String,
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
}

impl Browser {
    pub fn new(address: &str, user_agent: &str) -> Self {
        Self::with_headers(address, user_agent, HeaderMap::new())
    }

    /// A browser that sends `headers` with every request (e.g. `X-Forwarded-For`).
    pub fn with_headers(address: &str, user_agent: &str, headers: HeaderMap) -> Self {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(jar.clone())
            .user_agent(user_agent)
            .default_headers(headers)
            .pool_idle_timeout(IDLE_CONNECTION)
            .build()
            .unwrap();
        Browser {
            address: address.to_string(),
            client,
            jar,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_html(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// Same-origin, with a valid `csrf_token` unless `fields` has one.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut form: Vec<(&str, String)> =
            fields.iter().map(|(k, v)| (*k, v.to_string())).collect();
        if !form.iter().any(|(k, _)| *k == "csrf_token")
            && let Some(token) = self.csrf_token().await
        {
            form.push(("csrf_token", token));
        }
        self.client
            .post(self.url(path))
            .header("Origin", &self.address)
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// Exactly these fields and headers: no token or `Origin` is added.
    pub async fn post_raw(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Response {
        let mut request = self.client.post(self.url(path)).form(fields);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    /// A token from a form of the site (and the `csrftoken` cookie it goes with).
    pub async fn csrf_token(&self) -> Option<String> {
        let html = self.get_html("/password-reset").await;
        extract_input(&html, "csrf_token")
    }

    /// The value of one of this browser's cookies for the site.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = url::Url::parse(&self.address).unwrap();
        let header = self.jar.cookies(&url)?;
        header.to_str().unwrap().split("; ").find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }

    /// Puts a cookie into this browser, as an attacker who planted it would.
    pub fn set_cookie(&self, name: &str, value: &str) {
        let url = url::Url::parse(&self.address).unwrap();
        self.jar
            .add_cookie_str(&format!("{name}={value}; Path=/; HttpOnly"), &url);
    }

    /// The e-mail address of the account this browser is signed in to, from `/account`;
    /// `None` when the site sends it to the login page.
    pub async fn signed_in_email(&self) -> Option<String> {
        let response = self.get("/account").await;
        match response.status() {
            StatusCode::OK => {
                let html = response.text().await.unwrap();
                let doc = scraper::Html::parse_document(&html);
                let selector = scraper::Selector::parse("article header strong").unwrap();
                let email = doc.select(&selector).next().map(|e| e.text().collect());
                Some(email.expect("the account page names the address"))
            }
            StatusCode::SEE_OTHER => {
                assert_is_redirect_to(&response, "/login?next=%2Faccount");
                None
            }
            other => panic!("/account answered {other}"),
        }
    }

    pub async fn login(&self, login: &str, password: &str) -> Response {
        self.post_form("/login", &[("login", login), ("password", password)])
            .await
    }

    /// Logs in and checks that it worked.
    pub async fn login_ok(&self, login: &str, password: &str) {
        let response = self.login(login, password).await;
        assert_is_redirect_to(&response, HOME);
    }

    pub async fn logout(&self) -> Response {
        self.post_form("/logout", &[]).await
    }

    pub async fn signup(&self, email: &str, username: &str, password: &str) -> Response {
        self.post_form(
            "/signup",
            &[
                ("email", email),
                ("username", username),
                ("password", password),
                ("password_confirm", password),
            ],
        )
        .await
    }
}

/// A random suffix for names that must not collide between tests (Redis is shared).
pub fn unique(prefix: &str) -> String {
    format!("{prefix}{:012x}", rand::rng().next_u64() & 0xffff_ffff_ffff)
}

// ---------------------------------------------------------------- users and rows

/// An account made straight in the database, for tests about something other than sign-up.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: i32,
    pub email: String,
    pub username: String,
    pub password: String,
}

impl TestApp {
    /// A verified, active account `<username>@example.com` with `PASSWORD`.
    pub fn create_user(&self, username: &str) -> TestUser {
        let email = format!("{username}@example.com");
        let hash = bcrypt::hash(PASSWORD, 4).unwrap();
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            id: i32,
        }
        let row: Id = diesel::sql_query(
            "INSERT INTO users (email, username, password_hash, is_verified) \
             VALUES ($1, $2, $3, true) RETURNING id",
        )
        .bind::<Text, _>(&email)
        .bind::<Text, _>(username)
        .bind::<Text, _>(&hash)
        .get_result(&mut self.conn())
        .unwrap();
        TestUser {
            id: row.id,
            email,
            username: username.to_string(),
            password: PASSWORD.to_string(),
        }
    }

    /// A new browser signed in as `user`.
    pub async fn signed_in(&self, user: &TestUser) -> Browser {
        let browser = self.new_browser();
        browser.login_ok(&user.username, &user.password).await;
        browser
    }

    /// Runs one statement as a superuser (past row-level security).
    pub fn exec(&self, sql: &str) -> usize {
        diesel::sql_query(sql)
            .execute(&mut self.db.admin_conn())
            .unwrap()
    }

    /// Runs an `INSERT … RETURNING id` as a superuser; returns the id.
    pub fn insert(&self, sql: &str) -> i32 {
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            id: i32,
        }
        diesel::sql_query(sql)
            .get_result::<Id>(&mut self.db.admin_conn())
            .unwrap()
            .id
    }

    /// `SELECT count(*) FROM <from_where>`, as a superuser (past row-level security).
    pub fn count(&self, from_where: &str) -> i64 {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(format!("SELECT count(*) AS n FROM {from_where}"))
            .get_result::<Count>(&mut self.db.admin_conn())
            .unwrap()
            .n
    }

    /// One text value from a query, as a superuser.
    pub fn text(&self, sql: &str) -> Option<String> {
        #[derive(QueryableByName)]
        struct Value {
            #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
            v: Option<String>,
        }
        diesel::sql_query(format!("SELECT ({sql})::text AS v"))
            .get_result::<Value>(&mut self.db.admin_conn())
            .unwrap()
            .v
    }

    /// Every row of every table, as JSON text: equal before and after a request that must
    /// write nothing.
    pub fn snapshot(&self) -> String {
        self.snapshot_of(&[
            "users",
            "user_sessions",
            "rate_limits",
            "plans",
            "plan_activities",
            "archived_plans",
            "archived_plan_activities",
        ])
    }

    /// `snapshot` without the rate-limit counters, for refusals that count on purpose (a
    /// wrong password is counted like a failed login).
    pub fn snapshot_except_counters(&self) -> String {
        self.snapshot_of(&[
            "users",
            "user_sessions",
            "plans",
            "plan_activities",
            "archived_plans",
            "archived_plan_activities",
        ])
    }

    fn snapshot_of(&self, tables: &[&str]) -> String {
        tables
            .iter()
            .map(|t| {
                let rows = self
                    .text(&format!(
                        "SELECT coalesce(json_agg(r ORDER BY r.id), '[]') FROM {t} r"
                    ))
                    .unwrap();
                format!("{t}: {rows}\n")
            })
            .collect()
    }

    /// The row of the session a browser's cookie carries, found by the key's digest.
    pub fn session_row_of(&self, browser: &Browser) -> Option<SessionRow> {
        let key = self.session_key_in(&browser.cookie(SESSION_COOKIE)?)?;
        let digest = sha256_hex(&key);
        let user: Option<i32> = {
            use wayfare::db::schema::user_sessions as s;
            s::table
                .filter(s::session_key.eq(&digest))
                .select(s::user_id)
                .first(&mut self.conn())
                .optional()
                .unwrap()
        };
        self.sessions_of(user?)
            .into_iter()
            .find(|row| row.session_key == digest)
    }

    /// The session rows of a user, oldest first.
    pub fn sessions_of(&self, user: i32) -> Vec<SessionRow> {
        use wayfare::db::schema::user_sessions as s;
        s::table
            .filter(s::user_id.eq(user))
            .order(s::id)
            .select((
                s::id,
                s::session_key,
                s::session_data,
                s::ip_address,
                s::user_agent,
                s::created_at,
                s::expires_at,
                s::is_active,
            ))
            .load::<SessionRow>(&mut self.conn())
            .unwrap()
    }
}

#[derive(Debug, Clone, Queryable)]
pub struct SessionRow {
    pub id: i32,
    pub session_key: String,
    pub session_data: Option<String>,
    pub ip_address: Option<ipnetwork::IpNetwork>,
    pub user_agent: Option<String>,
    pub created_at: Option<chrono::NaiveDateTime>,
    pub expires_at: chrono::NaiveDateTime,
    pub is_active: Option<bool>,
}

// ---------------------------------------------------------------- cookies as an attacker sees them

pub fn sha256_hex(value: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(value.as_bytes()))
}

impl TestApp {
    fn cookie_key(&self) -> actix_web::cookie::Key {
        actix_web::cookie::Key::from(self.secret_key.as_bytes())
    }

    /// The session key inside a session cookie (which the server encrypts and
    /// percent-encodes).
    pub fn session_key_in(&self, cookie_value: &str) -> Option<String> {
        use actix_web::cookie::{Cookie, CookieJar};
        let cookie = Cookie::parse_encoded(format!("{SESSION_COOKIE}={cookie_value}")).ok()?;
        let mut jar = CookieJar::new();
        jar.add_original(cookie.into_owned());
        jar.private(&self.cookie_key())
            .get(SESSION_COOKIE)
            .map(|c| c.value().to_string())
    }

    /// A session cookie carrying a key of the attacker's choice, encrypted as the server
    /// would: the worst case, where an attacker can make the browser send any session key.
    pub fn forge_session_cookie(&self, session_key: &str) -> String {
        encrypted_cookie(&self.cookie_key(), session_key)
    }
}

/// The value of a session cookie carrying `session_key`, encrypted with `key`.
pub fn encrypted_cookie(key: &actix_web::cookie::Key, session_key: &str) -> String {
    use actix_web::cookie::{Cookie, CookieJar};
    let mut jar = CookieJar::new();
    jar.private_mut(key)
        .add(Cookie::new(SESSION_COOKIE, session_key.to_string()));
    let cookie = jar.get(SESSION_COOKIE).unwrap();
    cookie.encoded().to_string()[SESSION_COOKIE.len() + 1..].to_string()
}

// ---------------------------------------------------------------- mail

/// A mail the app wrote into `MAIL_DIR`.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl TestApp {
    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.join("mail")
    }

    /// Every mail so far, oldest first.
    pub fn mails(&self) -> Vec<Mail> {
        let Ok(entries) = std::fs::read_dir(self.mail_dir()) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| parse_mail(&std::fs::read_to_string(p).unwrap()))
            .collect()
    }

    pub fn mails_to(&self, to: &str) -> Vec<Mail> {
        self.mails()
            .into_iter()
            .filter(|m| m.to.eq_ignore_ascii_case(to))
            .collect()
    }

    /// The newest mail to `to`; fails the test when there is none.
    pub fn last_mail_to(&self, to: &str) -> Mail {
        self.mails_to(to)
            .pop()
            .unwrap_or_else(|| panic!("no mail to {to}"))
    }
}

pub fn parse_mail(raw: &str) -> Mail {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw
        .split_once("\n\n")
        .expect("a mail has headers and a body");
    // Unfold continued header lines.
    let head = head.replace("\n ", " ").replace("\n\t", " ");
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
            .unwrap_or_default()
    };
    let body = match header("Content-Transfer-Encoding")
        .to_ascii_lowercase()
        .as_str()
    {
        "quoted-printable" => decode_quoted_printable(body),
        "base64" => {
            use base64::Engine;
            let joined: String = body.split_whitespace().collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(joined)
                    .unwrap(),
            )
            .unwrap()
        }
        _ => body.to_string(),
    };
    let to = header("To");
    let to = match (to.find('<'), to.find('>')) {
        (Some(a), Some(b)) => to[a + 1..b].to_string(),
        _ => to,
    };
    Mail {
        to,
        subject: header("Subject"),
        body,
    }
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(hex) = joined.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// The path of the first link in `body` on this site whose path starts with `prefix`.
pub fn extract_link(app: &TestApp, body: &str, prefix: &str) -> String {
    let start = format!("{}{prefix}", app.address);
    let at = body
        .find(&start)
        .unwrap_or_else(|| panic!("no link {start}… in:\n{body}"));
    let link: String = body[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    link[app.address.len()..].to_string()
}

/// The response is a 303 to the login page: the visitor is anonymous.
pub fn assert_is_login_redirect(response: &Response) {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[LOCATION].to_str().unwrap();
    assert!(location.starts_with("/login"), "redirected to {location}");
}

/// A page with its CSRF tokens blanked (they differ on every render), to compare pages.
pub fn without_csrf_tokens(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(marker) {
        let value_start = at + marker.len();
        out.push_str(&rest[..value_start]);
        let value_len = rest[value_start..].find('"').unwrap();
        rest = &rest[value_start + value_len..];
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------- faults, security, browsers
// (added for the fault, security and browser suites; the helpers above are unchanged)

/// Host and port of the test cluster, for a `DbProxy` in front of it.
pub fn cluster_host_port() -> (String, u16) {
    let url = &cluster().admin_url;
    (
        url.host_str().unwrap().to_string(),
        url.port().unwrap_or(5432),
    )
}

/// The app reaching its own test database through a `DbProxy` the test can cut. `app.db`
/// (snapshots, counts) is that same database, reached directly.
pub async fn spawn_app_behind_proxy(
    configure: impl FnOnce(&mut HashMap<String, String>),
) -> (TestApp, DbProxy) {
    let (host, port) = cluster_host_port();
    let proxy = DbProxy::start(host, port).await;
    let proxy_port = proxy.port;
    let app = spawn_app_with(move |env| {
        let mut url = url::Url::parse(&env["DATABASE_URL"]).unwrap();
        url.set_port(Some(proxy_port)).unwrap();
        env.insert("DATABASE_URL".into(), url.to_string());
        configure(env);
    })
    .await;
    (app, proxy)
}

/// A TCP port nobody listens on right now (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl TestApp {
    /// A plan of `user`, written straight into the database; returns its id.
    pub fn create_plan(&self, user: &TestUser, title: &str) -> i32 {
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            id: i32,
        }
        diesel::sql_query(
            "INSERT INTO plans (user_id, title, destination, start_date, end_date, budget, \
             currency, status, plan_data, is_public) \
             VALUES ($1, $2, 'Lisbon', DATE '2026-07-01', DATE '2026-07-03', 1000, 'EUR', \
             'draft', '{}', false) RETURNING id",
        )
        .bind::<diesel::sql_types::Integer, _>(user.id)
        .bind::<Text, _>(title)
        .get_result::<Id>(&mut self.db.admin_conn())
        .unwrap()
        .id
    }

    /// An activity on `date` (`YYYY-MM-DD`) of a plan, straight into the database.
    pub fn create_activity(&self, plan_id: i32, title: &str, date: &str, cost: &str) -> i32 {
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            id: i32,
        }
        diesel::sql_query(
            "INSERT INTO plan_activities (plan_id, title, scheduled_date, estimated_cost, \
             order_index, metadata) \
             VALUES ($1, $2, $3::date, $4::numeric, \
             (SELECT count(*) FROM plan_activities WHERE plan_id = $1), '{}') RETURNING id",
        )
        .bind::<diesel::sql_types::Integer, _>(plan_id)
        .bind::<Text, _>(title)
        .bind::<Text, _>(date)
        .bind::<Text, _>(cost)
        .get_result::<Id>(&mut self.db.admin_conn())
        .unwrap()
        .id
    }
}

// ---------------------------------------------------------------- operations (tests/app/operations)

impl TestDatabase {
    /// An empty database (not even migrated) owned by the owner role, dropped when the test
    /// ends: a target for `wayfare restore` (as the owner role).
    pub fn create_empty() -> Self {
        let cluster = cluster();
        let name = format!("wayfare_test_{:016x}", rand::rng().next_u64());
        cluster.create_database(&name, None);
        let mut admin = PgConnection::establish(&cluster.admin_url(&name)).unwrap();
        wayfare::db::roles::hand_over(&mut admin, local::APP_ROLE, local::OWNER_ROLE).unwrap();
        Self::named(name)
    }

    /// A superuser URL of this database (for tools run past row-level security).
    pub fn admin_url(&self) -> String {
        cluster().admin_url(&self.name)
    }
}
