//! The PostgreSQL server binaries at work on the embedded cluster: `initdb`, `pg_ctl`, the
//! single-user `postgres`, and the files they read (`postgresql.conf`, `pg_hba.conf`). Started
//! as root, every one runs as the `postgres` system user (PostgreSQL refuses root).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::{LocalDbError, SUPERUSER, io_error};

/// Every role logs in with its password, over TCP on 127.0.0.1 only (there is no socket).
const HBA: &str = "# Wayfare's embedded cluster: TCP on 127.0.0.1 only, every role with its password.\n\
                   host all all 127.0.0.1/32 scram-sha-256\n";

/// `initdb` with password authentication; the superuser's password goes in through a file
/// of mode 0600 that only the server's user can read, removed right after.
pub fn init(
    bin: &Path,
    cluster_dir: &Path,
    as_root: bool,
    superuser_password: &str,
) -> Result<(), LocalDbError> {
    fs::create_dir_all(cluster_dir).map_err(|e| io_error(cluster_dir, e))?;
    if as_root {
        chown_to_postgres(cluster_dir)?;
    }
    let parent = cluster_dir.parent().unwrap_or(Path::new("/"));
    let pwfile = parent.join(format!(".initdb-password-{}", std::process::id()));
    let _ = fs::remove_file(&pwfile);
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&pwfile)
        .and_then(|mut f| f.write_all(format!("{superuser_password}\n").as_bytes()));
    written.map_err(|e| io_error(&pwfile, e))?;
    let initdb = bin.join("initdb");
    let result = (|| {
        if as_root {
            chown_to_postgres(&pwfile)?;
        }
        let out = run(
            &initdb,
            &[
                "-D",
                path_str(cluster_dir),
                "-U",
                SUPERUSER,
                "--auth=scram-sha-256",
                &format!("--pwfile={}", path_str(&pwfile)),
                "--encoding=UTF8",
                "--locale=C",
            ],
            as_root,
        )?;
        check(&initdb, out)
    })();
    let _ = fs::remove_file(&pwfile);
    result?;
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
         password_encryption = 'scram-sha-256'\nmax_connections = 200\ntimezone = 'UTC'"
    )
    .map_err(|e| io_error(&conf, e))?;
    write_hba(cluster_dir, as_root)
}

/// Replaces `pg_hba.conf` with the password-only rules (a new file of mode 0600, renamed
/// over the old one).
pub fn write_hba(cluster_dir: &Path, as_root: bool) -> Result<(), LocalDbError> {
    let hba = cluster_dir.join("pg_hba.conf");
    let tmp = cluster_dir.join("pg_hba.conf.wayfare");
    let _ = fs::remove_file(&tmp);
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| f.write_all(HBA.as_bytes()))
        .map_err(|e| io_error(&tmp, e))?;
    if as_root {
        chown_to_postgres(&tmp)?;
    }
    fs::rename(&tmp, &hba).map_err(|e| io_error(&hba, e))
}

/// Whether a rule of `pg_hba.conf` lets anyone in without a password (clusters made by
/// Wayfare before it used passwords said `trust`).
pub fn uses_trust(cluster_dir: &Path) -> Result<bool, LocalDbError> {
    let hba = cluster_dir.join("pg_hba.conf");
    let text = fs::read_to_string(&hba).map_err(|e| io_error(&hba, e))?;
    Ok(text.lines().any(|line| {
        let rule = line.split('#').next().unwrap_or_default();
        rule.split_whitespace().any(|word| word == "trust")
    }))
}

/// Starts the server unless it runs already.
pub fn start(bin: &Path, cluster_dir: &Path, as_root: bool) -> Result<(), LocalDbError> {
    let pg_ctl = bin.join("pg_ctl");
    let status = run(&pg_ctl, &["-D", path_str(cluster_dir), "status"], as_root)?;
    if status.status.success() {
        return Ok(());
    }
    tracing::info!(dir = %cluster_dir.display(), "starting the embedded PostgreSQL cluster");
    // While it was stopped, another program (another checkout's cluster) may have taken its
    // port: it moves to a free one rather than fail to start.
    let port = read_port(cluster_dir)?;
    if TcpListener::bind(("127.0.0.1", port)).is_err() {
        let moved = free_port()?;
        tracing::warn!(
            port,
            moved,
            "the embedded cluster's port is taken: it moves"
        );
        let conf = cluster_dir.join("postgresql.conf");
        let mut file = OpenOptions::new()
            .append(true)
            .open(&conf)
            .map_err(|e| io_error(&conf, e))?;
        writeln!(file, "port = {moved}").map_err(|e| io_error(&conf, e))?;
    }
    let log = cluster_dir.join("server.log");
    let started = run(
        &pg_ctl,
        &[
            "-D",
            path_str(cluster_dir),
            "-l",
            path_str(&log),
            "-w",
            "-t",
            "60",
            "start",
        ],
        as_root,
    )?;
    check(&pg_ctl, started)
}

pub fn stop(bin: &Path, cluster_dir: &Path, as_root: bool) -> Result<(), LocalDbError> {
    let pg_ctl = bin.join("pg_ctl");
    let out = run(
        &pg_ctl,
        &["-D", path_str(cluster_dir), "-m", "fast", "-w", "stop"],
        as_root,
    )?;
    check(&pg_ctl, out)
}

/// Gives the superuser a new password with the server stopped, in single-user mode (no
/// connection, nothing listening): for a cluster that outlived its `DATA_DIR/pgpass`.
pub fn reset_superuser_password(
    bin: &Path,
    cluster_dir: &Path,
    as_root: bool,
    password: &str,
) -> Result<(), LocalDbError> {
    tracing::warn!(
        dir = %cluster_dir.display(),
        "the embedded cluster has no password on record: giving its superuser a new one"
    );
    let pg_ctl = bin.join("pg_ctl");
    let running = run(&pg_ctl, &["-D", path_str(cluster_dir), "status"], as_root)?;
    if running.status.success() {
        stop(bin, cluster_dir, as_root)?;
    }
    let postgres = bin.join("postgres");
    let out = run_with_input(
        &postgres,
        &[
            "--single",
            "-D",
            path_str(cluster_dir),
            "-c",
            "password_encryption=scram-sha-256",
            "postgres",
        ],
        as_root,
        &format!("ALTER ROLE {SUPERUSER} PASSWORD '{password}';\n"),
    )?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || stderr.contains("ERROR") {
        return Err(LocalDbError::Command {
            command: postgres.display().to_string(),
            output: stderr.trim().to_string(),
        });
    }
    Ok(())
}

pub fn read_port(cluster_dir: &Path) -> Result<u16, LocalDbError> {
    let conf = cluster_dir.join("postgresql.conf");
    let text = fs::read_to_string(&conf).map_err(|e| io_error(&conf, e))?;
    text.lines()
        .rev()
        .filter_map(|line| line.trim().strip_prefix("port = "))
        .find_map(|value| value.trim().parse().ok())
        .ok_or_else(|| LocalDbError::Setup(format!("no port in {}", conf.display())))
}

fn free_port() -> Result<u16, LocalDbError> {
    // Ports near PostgreSQL's own, skipping the ones a system server already holds, looked
    // for from a place in the range that differs per process and moment, so that clusters
    // made at once (several checkouts, tests) rarely reach for the same one.
    const FIRST: u16 = 54330;
    const COUNT: u16 = 70;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let offset = ((std::process::id() ^ nanos) % u32::from(COUNT)) as u16;
    (0..COUNT)
        .map(|i| FIRST + (offset + i) % COUNT)
        .find(|port| TcpListener::bind(("127.0.0.1", *port)).is_ok())
        .ok_or_else(|| LocalDbError::Setup("no free port between 54330 and 54400".into()))
}

/// Whether the `postgres` system user can reach `path` (root only).
pub fn postgres_reaches(path: &Path) -> Result<bool, LocalDbError> {
    Ok(run(Path::new("test"), &["-x", path_str(path)], true)?
        .status
        .success())
}

pub fn chown_to_postgres(path: &Path) -> Result<(), LocalDbError> {
    let out = Command::new("chown")
        .args([&format!("{SUPERUSER}:"), path_str(path)])
        .output()
        .map_err(|e| LocalDbError::Io(format!("chown: {e}")))?;
    check(Path::new("chown"), out)
}

/// Runs a server binary, as the `postgres` system user when we are root, in its own process
/// group so that a Ctrl-C meant for us does not stop the database server.
pub fn run(program: &Path, args: &[&str], as_root: bool) -> Result<Output, LocalDbError> {
    command(program, args, as_root)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| LocalDbError::Io(format!("cannot run {}: {e}", program.display())))
}

fn run_with_input(
    program: &Path,
    args: &[&str],
    as_root: bool,
    input: &str,
) -> Result<Output, LocalDbError> {
    let cannot =
        |e: std::io::Error| LocalDbError::Io(format!("cannot run {}: {e}", program.display()));
    let mut child = command(program, args, as_root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(cannot)?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes()).map_err(cannot)?;
    }
    child.wait_with_output().map_err(cannot)
}

fn command(program: &Path, args: &[&str], as_root: bool) -> Command {
    use std::os::unix::process::CommandExt;
    let mut command = if as_root {
        let mut c = Command::new("runuser");
        c.args(["-u", SUPERUSER, "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    command.args(args).current_dir("/").process_group(0);
    command
}

pub fn check(program: &Path, out: Output) -> Result<(), LocalDbError> {
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

pub fn path_str(path: &Path) -> &str {
    path.to_str().unwrap_or_default()
}
