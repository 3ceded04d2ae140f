//! The embedded default database: a private PostgreSQL cluster under `DATA_DIR/postgres`,
//! started (or reused) with the machine's PostgreSQL server binaries when no `DATABASE_URL`
//! is set. It listens on 127.0.0.1 only, on a port chosen when the cluster is created.
//! Started as root, the server runs as the `postgres` system user (PostgreSQL refuses root).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use diesel::prelude::*;
use diesel::sql_types::Text;

/// The role the application connects as: never a superuser, so row-level security applies.
pub const APP_ROLE: &str = "wayfare";
pub const APP_DATABASE: &str = "wayfare";
const SUPERUSER: &str = "postgres";

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
}

impl LocalCluster {
    /// URL of the cluster's superuser, for creating roles and databases.
    pub fn admin_url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }
    /// URL the application uses: the unprivileged role.
    pub fn app_url(&self, database: &str) -> String {
        format!("postgres://{APP_ROLE}@127.0.0.1:{}/{database}", self.port)
    }
}

/// Starts the cluster in `data_dir/postgres` (creating it on first use) and makes sure the
/// application role and database exist. Safe to call from several processes at once.
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
    let cluster_dir = data_dir.join("postgres");
    let as_root = running_as_root();
    if !cluster_dir.join("PG_VERSION").exists() {
        init_cluster(&bin, &cluster_dir, as_root)?;
    }
    let port = read_port(&cluster_dir)?;
    let pg_ctl = bin.join("pg_ctl");
    let status = run(&pg_ctl, &["-D", path_str(&cluster_dir), "status"], as_root)?;
    if !status.status.success() {
        tracing::info!(dir = %cluster_dir.display(), port, "starting the embedded PostgreSQL cluster");
        let log = cluster_dir.join("server.log");
        let started = run(
            &pg_ctl,
            &[
                "-D",
                path_str(&cluster_dir),
                "-l",
                path_str(&log),
                "-w",
                "-t",
                "60",
                "start",
            ],
            as_root,
        )?;
        check(&pg_ctl, started)?;
    }
    let cluster = LocalCluster { port, data_dir };
    ensure_app_database(&cluster)?;
    drop(lock);
    Ok(cluster)
}

/// Stops the cluster (used by `wayfare` tests of outages and by users who want it gone).
pub fn stop(data_dir: &Path) -> Result<(), LocalDbError> {
    let bin = find_binaries()?;
    let cluster_dir = data_dir.join("postgres");
    let pg_ctl = bin.join("pg_ctl");
    let out = run(
        &pg_ctl,
        &["-D", path_str(&cluster_dir), "-m", "fast", "-w", "stop"],
        running_as_root(),
    )?;
    check(&pg_ctl, out)
}

fn ensure_app_database(cluster: &LocalCluster) -> Result<(), LocalDbError> {
    let setup = |e: diesel::result::Error| LocalDbError::Setup(e.to_string());
    let mut conn = PgConnection::establish(&cluster.admin_url("postgres"))
        .map_err(|e| LocalDbError::Setup(e.to_string()))?;
    ensure_app_role(&mut conn).map_err(setup)?;
    let exists: bool = diesel::select(
        diesel::dsl::sql::<diesel::sql_types::Bool>(
            "EXISTS (SELECT 1 FROM pg_database WHERE datname = ",
        )
        .bind::<Text, _>(APP_DATABASE)
        .sql(")"),
    )
    .get_result(&mut conn)
    .map_err(setup)?;
    if !exists {
        diesel::sql_query(format!("CREATE DATABASE {APP_DATABASE} OWNER {APP_ROLE}"))
            .execute(&mut conn)
            .map_err(setup)?;
    }
    Ok(())
}

/// Creates the unprivileged application role if it is missing. Run as a superuser.
pub fn ensure_app_role(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query(format!(
        "DO $$ BEGIN
           IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
             CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
           END IF;
         END $$"
    ))
    .execute(conn)
    .map(|_| ())
}

fn init_cluster(bin: &Path, cluster_dir: &Path, as_root: bool) -> Result<(), LocalDbError> {
    fs::create_dir_all(cluster_dir).map_err(|e| io_error(cluster_dir, e))?;
    if as_root {
        let chown = Command::new("chown")
            .args([&format!("{SUPERUSER}:"), path_str(cluster_dir)])
            .output()
            .map_err(|e| LocalDbError::Io(format!("chown: {e}")))?;
        check(Path::new("chown"), chown)?;
        let access = run(Path::new("test"), &["-w", path_str(cluster_dir)], true)?;
        if !access.status.success() {
            return Err(LocalDbError::Setup(format!(
                "the postgres system user cannot reach {}: move the project under a directory it can read, or set DATABASE_URL",
                cluster_dir.display()
            )));
        }
    }
    let initdb = bin.join("initdb");
    let out = run(
        &initdb,
        &[
            "-D",
            path_str(cluster_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
        ],
        as_root,
    )?;
    check(&initdb, out)?;
    let port = free_port()?;
    let conf = cluster_dir.join("postgresql.conf");
    let mut file = OpenOptions::new()
        .append(true)
        .open(&conf)
        .map_err(|e| io_error(&conf, e))?;
    writeln!(
        file,
        "\n# Wayfare's embedded cluster: loopback only, no socket directory to share.\n\
         listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = ''\n\
         max_connections = 200\ntimezone = 'UTC'"
    )
    .map_err(|e| io_error(&conf, e))?;
    Ok(())
}

fn read_port(cluster_dir: &Path) -> Result<u16, LocalDbError> {
    let conf = cluster_dir.join("postgresql.conf");
    let text = fs::read_to_string(&conf).map_err(|e| io_error(&conf, e))?;
    text.lines()
        .rev()
        .filter_map(|line| line.trim().strip_prefix("port = "))
        .find_map(|value| value.trim().parse().ok())
        .ok_or_else(|| LocalDbError::Setup(format!("no port in {}", conf.display())))
}

fn free_port() -> Result<u16, LocalDbError> {
    // Ports near PostgreSQL's own, skipping the ones a system server already holds.
    (54330..54400)
        .find(|port| TcpListener::bind(("127.0.0.1", *port)).is_ok())
        .ok_or_else(|| LocalDbError::Setup("no free port between 54330 and 54400".into()))
}

/// The directory of the newest PostgreSQL server binaries (`PG_BIN` first).
pub fn find_binaries() -> Result<PathBuf, LocalDbError> {
    if let Ok(dir) = std::env::var("PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
        .ok_or(LocalDbError::NoBinaries)
}

/// Runs a server binary, as the `postgres` system user when we are root, in its own process
/// group so that a Ctrl-C meant for us does not stop the database server.
fn run(program: &Path, args: &[&str], as_root: bool) -> Result<Output, LocalDbError> {
    use std::os::unix::process::CommandExt;
    let mut command = if as_root {
        let mut c = Command::new("runuser");
        c.args(["-u", SUPERUSER, "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    command
        .args(args)
        .current_dir("/")
        .process_group(0)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| LocalDbError::Io(format!("cannot run {}: {e}", program.display())))
}

fn check(program: &Path, out: Output) -> Result<(), LocalDbError> {
    if out.status.success() {
        return Ok(());
    }
    let mut output = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if output.is_empty() {
        output = String::from_utf8_lossy(&out.stdout).trim().to_string();
    }
    Err(LocalDbError::Command {
        command: program.display().to_string(),
        output,
    })
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the effective user of this process.
    fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap_or_default()
}

fn io_error(path: &Path, e: std::io::Error) -> LocalDbError {
    LocalDbError::Io(format!("{}: {e}", path.display()))
}
