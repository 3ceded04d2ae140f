//! Test databases: the cluster (embedded, or `TEST_DATABASE_URL`), a template migrated
//! once per migration set, and one database per test cloned from it.

use std::path::PathBuf;
use std::sync::OnceLock;

use diesel::prelude::*;
use diesel::sql_types::Text;
use rand::RngCore;
use wayfare::db::local;

/// Where test databases live: the embedded cluster (reached with its superuser's password),
/// or a superuser URL (`TEST_DATABASE_URL`, on a server with trust or peer authentication,
/// where the two roles get no password). Templates and test databases belong to the owner
/// role, which runs the migrations; the server under test connects as the runtime role.
pub struct TestCluster {
    admin_url: url::Url,
    pub(super) owner_password: Option<String>,
    runtime_password: Option<String>,
    template: String,
}

static CLUSTER: OnceLock<TestCluster> = OnceLock::new();

pub(super) fn cluster() -> &'static TestCluster {
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
    // Named after the migrations this binary embeds, by content (build.rs digests them at
    // compile time; the folder on disk may be newer than an older test binary running now).
    let mut hash: u64 = 0xcbf29ce484222325;
    for name in [
        env!("MIGRATIONS_DIGEST").to_string(),
        format!("owned by {}", local::OWNER_ROLE),
    ] {
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

/// Host and port of the test cluster, for a `DbProxy` in front of it.
pub fn cluster_host_port() -> (String, u16) {
    let url = &cluster().admin_url;
    (
        url.host_str().unwrap().to_string(),
        url.port().unwrap_or(5432),
    )
}

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
