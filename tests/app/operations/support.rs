//! What the operations tests share: the `wayfare` binary, processes run as the `postgres`
//! system user, free ports, scratch directories, servers on a database of the test's
//! choosing, and table contents to compare. Private PostgreSQL clusters are in `cluster`.

use std::collections::HashMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::query_dsl::LoadQuery;
use rand::RngCore;
use wayfare::config::Settings;
use wayfare::startup::Application;

pub use super::cluster::PgCluster;
use crate::support::{Count, TextValue, test_env};

// ---------------------------------------------------------------- the binary

/// What a `wayfare` command printed, and whether it succeeded.
pub struct Ran {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// Fails the test with everything the command printed unless it succeeded.
    pub fn ok(self) -> String {
        assert!(
            self.success,
            "wayfare failed:\n{}\n{}",
            self.stdout, self.stderr
        );
        self.stdout
    }

    /// Fails the test unless the command failed; returns its error output.
    pub fn failed(self) -> String {
        assert!(!self.success, "wayfare succeeded:\n{}", self.stdout);
        self.stderr
    }
}

/// Runs the `wayfare` binary with only `env` (plus `PATH`, a private `DATA_DIR` and a cheap
/// bcrypt cost), from a scratch directory so that no `.env` file is read.
pub fn wayfare(args: &[&str], env: &[(&str, &str)]) -> Ran {
    let dir = ScratchDir::new("wayfare-cli");
    let out: Output = Command::new(env!("CARGO_BIN_EXE_wayfare"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATA_DIR", dir.path())
        .env("BCRYPT_COST", "4")
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the wayfare binary runs");
    Ran {
        success: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

// ---------------------------------------------------------------- servers

/// Starts one more server (in this process) with exactly `env`; returns its address.
pub async fn serve(env: HashMap<String, String>) -> String {
    let settings = Settings::from_source(&env).expect("test settings");
    let app = Application::build(settings)
        .await
        .expect("the app failed to start");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    address
}

/// The environment of a test server on `database_url` with this `secret_key`.
pub fn server_env(
    database_url: &str,
    secret_key: &str,
    data_dir: &Path,
) -> HashMap<String, String> {
    let mut env = test_env(database_url, data_dir);
    env.insert("SECRET_KEY".into(), secret_key.to_string());
    env
}

/// Polls `check` every 100 ms until it holds; fails the test after `within`.
pub async fn eventually<F, Fut>(within: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !check().await {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---------------------------------------------------------------- processes and files

/// A directory under the system's temp dir, removed with everything in it when dropped.
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    pub fn new(prefix: &str) -> Self {
        let path = std::env::temp_dir().join(format!("{prefix}-{:016x}", rand::rng().next_u64()));
        std::fs::create_dir_all(&path).unwrap();
        ScratchDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Hands the directory to the `postgres` system user (when we are root), so server
    /// processes running as that user can write into it.
    pub fn for_postgres(self) -> Self {
        if let Some((uid, gid)) = postgres_ids() {
            std::os::unix::fs::chown(&self.0, Some(uid), Some(gid)).unwrap();
        }
        self
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The `postgres` system user's uid and gid when we run as root (PostgreSQL and PgBouncer
/// refuse to run as root); `None` when we are an ordinary user and run them as ourselves.
pub fn postgres_ids() -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    if !root {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    let line = passwd
        .lines()
        .find(|l| l.starts_with("postgres:"))
        .expect("a `postgres` system user (Debian's postgresql package creates it)");
    let fields: Vec<&str> = line.split(':').collect();
    Some((fields[2].parse().unwrap(), fields[3].parse().unwrap()))
}

/// A command run as the `postgres` system user when we are root, in its own process group
/// (a Ctrl-C meant for the tests does not reach it), from `/`.
pub fn as_postgres(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    if let Some((uid, gid)) = postgres_ids() {
        command.uid(uid).gid(gid).env("HOME", "/tmp");
    }
    command
        .current_dir("/")
        .process_group(0)
        .stdin(std::process::Stdio::null());
    command
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(super) fn run_checked(command: &mut Command, what: &str) {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------- table contents

/// The one result of a constant query (with its values bound) returning a count or a text.
pub fn one<'q, T, Q>(conn: &mut PgConnection, query: Q) -> T
where
    Q: RunQueryDsl<PgConnection> + LoadQuery<'q, PgConnection, T>,
{
    query.get_result(conn).unwrap()
}

/// The result of a constant `SELECT (…)::text AS v`, which must not be NULL.
pub fn text<'q, Q>(conn: &mut PgConnection, query: Q) -> String
where
    Q: RunQueryDsl<PgConnection> + LoadQuery<'q, PgConnection, TextValue>,
{
    one::<TextValue, _>(conn, query)
        .v
        .expect("a value, not NULL")
}

/// The result of a constant `SELECT count(*) …`.
pub fn count<'q, Q>(conn: &mut PgConnection, query: Q) -> i64
where
    Q: RunQueryDsl<PgConnection> + LoadQuery<'q, PgConnection, Count>,
{
    one::<Count, _>(conn, query).count
}

/// Every row of every table, as JSON text in id order. On the app's role this acts as
/// staff for row-level security (a superuser sees everything anyway).
pub fn snapshot(conn: &mut PgConnection) -> String {
    diesel::sql_query("SELECT set_config('app.staff', 'on', false)")
        .execute(conn)
        .unwrap();
    crate::support::DUMPS
        .iter()
        .map(|(table, sql)| {
            let rows = text(conn, diesel::sql_query(*sql));
            format!("{table}: {rows}\n")
        })
        .collect()
}
