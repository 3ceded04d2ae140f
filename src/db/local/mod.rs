//! The embedded default database: a private PostgreSQL cluster, started (or reused) with the
//! machine's PostgreSQL server binaries when no `DATABASE_URL` is set.
//!
//! - It listens on 127.0.0.1 only (no Unix socket), on a port chosen when it is created, and
//!   every role logs in with its password (scram-sha-256). The passwords are generated into
//!   `DATA_DIR/pgpass` (mode 0600; see `credentials`).
//! - Three roles: the superuser `postgres` creates the others and the database;
//!   `wayfare_owner` owns the `wayfare` database and every table and runs the migrations;
//!   `wayfare`, what the app connects as, owns nothing (see `db::roles`).
//! - Its files are in `DATA_DIR/postgres`, or outside the checkout when we are root and the
//!   `postgres` system user cannot reach `DATA_DIR` (see `place`).
//! - A cluster made by an earlier Wayfare, with trust authentication and one role owning
//!   everything, is upgraded in place on the next start and keeps its data.

mod credentials;
mod place;
mod server;

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::db::roles;
pub use credentials::CREDENTIALS_FILE;
use credentials::Credentials;
pub use place::OUTSIDE_DIR;
pub use server::find_binaries;

/// The role the application connects as: never a superuser, owner of nothing, so
/// row-level security binds it.
pub const APP_ROLE: &str = "wayfare";
/// The role that owns the database and its tables and runs the migrations.
pub const OWNER_ROLE: &str = "wayfare_owner";
pub const APP_DATABASE: &str = "wayfare";
pub const SUPERUSER: &str = "postgres";

#[derive(Debug, thiserror::Error)]
pub enum LocalDbError {
    #[error(
        "no PostgreSQL server binaries found (initdb, pg_ctl): install Debian's `postgresql` package, set PG_BIN, or set DATABASE_URL"
    )]
    NoBinaries,
    #[error("{0}")]
    Io(String),
    #[error("{command} failed: {output}")]
    Command { command: String, output: String },
    #[error("cannot set up the embedded database: {0}")]
    Setup(String),
}

/// A running embedded cluster.
#[derive(Clone, Debug)]
pub struct LocalCluster {
    pub port: u16,
    pub data_dir: PathBuf,
    /// Where its files are: `DATA_DIR/postgres`, or outside the checkout (see `place`).
    pub cluster_dir: PathBuf,
    credentials: Credentials,
}

impl LocalCluster {
    /// URL of the cluster's superuser, for creating roles and databases.
    pub fn admin_url(&self, database: &str) -> String {
        self.url(SUPERUSER, database)
    }
    /// URL of the role that owns the tables and runs migrations.
    pub fn owner_url(&self, database: &str) -> String {
        self.url(OWNER_ROLE, database)
    }
    /// URL the application uses: the unprivileged runtime role.
    pub fn app_url(&self, database: &str) -> String {
        self.url(APP_ROLE, database)
    }
    pub fn password(&self, role: &str) -> Option<&str> {
        self.credentials.password(role)
    }
    /// `DATA_DIR/pgpass`, the passwords in libpq's format.
    pub fn credentials_file(&self) -> &Path {
        &self.credentials.path
    }

    fn url(&self, role: &str, database: &str) -> String {
        format!(
            "postgres://{role}:{}@127.0.0.1:{}/{database}",
            self.password(role).unwrap_or_default(),
            self.port
        )
    }
}

/// Starts the cluster of `data_dir` (creating it on first use, upgrading one an earlier
/// version made) and makes sure the roles and the application database exist. Safe to call
/// from several processes at once.
pub fn ensure_running(data_dir: &Path) -> Result<LocalCluster, LocalDbError> {
    fs::create_dir_all(data_dir).map_err(|e| io_error(data_dir, e))?;
    let data_dir = data_dir.canonicalize().map_err(|e| io_error(data_dir, e))?;
    let lock_path = data_dir.join("postgres.lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| io_error(&lock_path, e))?;
    lock.lock().map_err(|e| io_error(&lock_path, e))?;

    let bin = find_binaries()?;
    let as_root = running_as_root();
    let credentials = Credentials::load_or_create(&data_dir, &[SUPERUSER, OWNER_ROLE, APP_ROLE])?;
    let superuser_password = credentials.password(SUPERUSER).unwrap_or_default();
    let cluster_dir = place::prepare(&data_dir, as_root)?;
    if !cluster_dir.join("PG_VERSION").exists() {
        server::init(&bin, &cluster_dir, as_root, superuser_password)?;
    } else if credentials.was_generated(SUPERUSER) && !server::uses_trust(&cluster_dir)? {
        // The cluster outlived DATA_DIR (it lives outside it): a new password for its superuser.
        server::reset_superuser_password(&bin, &cluster_dir, as_root, superuser_password)?;
    }
    server::start(&bin, &cluster_dir, as_root)?;
    let port = server::read_port(&cluster_dir)?;
    let cluster = LocalCluster {
        port,
        data_dir,
        cluster_dir,
        credentials,
    };
    if server::uses_trust(&cluster.cluster_dir)? {
        upgrade_from_trust(&cluster, as_root)?;
    }
    ensure_app_database(&cluster)?;
    drop(lock);
    tracing::info!(
        dir = %cluster.cluster_dir.display(),
        port = cluster.port,
        passwords = %cluster.credentials.path.display(),
        "the embedded PostgreSQL cluster is running (it keeps running after Wayfare stops); stop it with: {}",
        stop_command(&bin, &cluster.cluster_dir, as_root)
    );
    Ok(cluster)
}

/// Stops the cluster of `data_dir` (for users who want it gone, and tests that clean up).
pub fn stop(data_dir: &Path) -> Result<(), LocalDbError> {
    let data_dir = data_dir.canonicalize().map_err(|e| io_error(data_dir, e))?;
    let as_root = running_as_root();
    server::stop(&find_binaries()?, &place::find(&data_dir, as_root), as_root)
}

/// Where the cluster of `data_dir` is (or would be when it exists).
pub fn cluster_dir(data_dir: &Path) -> Result<PathBuf, LocalDbError> {
    let data_dir = data_dir.canonicalize().map_err(|e| io_error(data_dir, e))?;
    Ok(place::find(&data_dir, running_as_root()))
}

fn stop_command(bin: &Path, cluster_dir: &Path, as_root: bool) -> String {
    format!(
        "{}{} -D {} stop",
        if as_root {
            "runuser -u postgres -- "
        } else {
            ""
        },
        bin.join("pg_ctl").display(),
        cluster_dir.display()
    )
}

/// A cluster made before Wayfare used passwords lets anyone in (`trust`). It gets its
/// superuser's password while trust still works, then the password-only `pg_hba.conf`, and
/// the server reloads it; done when a connection without a password is refused.
fn upgrade_from_trust(cluster: &LocalCluster, as_root: bool) -> Result<(), LocalDbError> {
    tracing::warn!(
        dir = %cluster.cluster_dir.display(),
        "the embedded cluster let anyone in without a password (trust): switching it to passwords"
    );
    let setup = |e: diesel::result::Error| LocalDbError::Setup(e.to_string());
    let open = format!(
        "postgres://{SUPERUSER}@127.0.0.1:{}/postgres?passfile=/nonexistent/pgpass",
        cluster.port
    );
    let mut conn =
        PgConnection::establish(&open).map_err(|e| LocalDbError::Setup(e.to_string()))?;
    roles::set_password(
        &mut conn,
        SUPERUSER,
        cluster.password(SUPERUSER).unwrap_or_default(),
    )
    .map_err(setup)?;
    server::write_hba(&cluster.cluster_dir, as_root)?;
    diesel::sql_query("SELECT pg_reload_conf()")
        .execute(&mut conn)
        .map_err(setup)?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while PgConnection::establish(&open).is_ok() {
        if Instant::now() > deadline {
            return Err(LocalDbError::Setup(
                "the embedded cluster still lets connections in without a password after reloading pg_hba.conf".into(),
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// The owner and runtime roles with their passwords, and the application database owned
/// by the owner role (what the runtime role owned in it handed over).
fn ensure_app_database(cluster: &LocalCluster) -> Result<(), LocalDbError> {
    let setup = |e: diesel::result::Error| LocalDbError::Setup(e.to_string());
    let connect = |database: &str| {
        PgConnection::establish(&cluster.admin_url(database))
            .map_err(|e| LocalDbError::Setup(e.to_string()))
    };
    let mut conn = connect("postgres")?;
    for role in [OWNER_ROLE, APP_ROLE] {
        roles::ensure_login_role(&mut conn, role, cluster.password(role)).map_err(setup)?;
    }
    let owner: Option<String> = diesel::select(
        diesel::dsl::sql::<diesel::sql_types::Nullable<Text>>(
            "(SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = ",
        )
        .bind::<Text, _>(APP_DATABASE)
        .sql(")"),
    )
    .get_result(&mut conn)
    .map_err(setup)?;
    match owner.as_deref() {
        None => diesel::sql_query(format!("CREATE DATABASE {APP_DATABASE} OWNER {OWNER_ROLE}"))
            .execute(&mut conn)
            .map(|_| ()),
        Some(OWNER_ROLE) => Ok(()),
        Some(_) => diesel::sql_query(format!(
            "ALTER DATABASE {APP_DATABASE} OWNER TO {OWNER_ROLE}"
        ))
        .execute(&mut conn)
        .map(|_| ()),
    }
    .map_err(setup)?;
    roles::hand_over(&mut connect(APP_DATABASE)?, APP_ROLE, OWNER_ROLE).map_err(setup)
}

/// Creates the runtime role without a password if it is missing (servers with trust or peer
/// authentication, such as the clusters tests make). Run as a superuser.
pub fn ensure_app_role(conn: &mut PgConnection) -> QueryResult<()> {
    roles::ensure_login_role(conn, APP_ROLE, None)
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the effective user of this process.
    fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

fn io_error(path: &Path, e: std::io::Error) -> LocalDbError {
    LocalDbError::Io(format!("{}: {e}", path.display()))
}
