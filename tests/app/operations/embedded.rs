//! The embedded default database (no `DATABASE_URL`): nobody gets in without a password,
//! the passwords stay private, a checkout the `postgres` system user cannot reach still
//! starts (its cluster lives outside it) and finds its cluster again, and a cluster made by
//! an earlier version with trust authentication is switched to passwords and keeps its data.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_query;
use wayfare::db::local::{self, APP_DATABASE, APP_ROLE, OWNER_ROLE, SUPERUSER};

use super::support::{
    PgCluster, ScratchDir, as_postgres, count, free_port, postgres_ids, text, wayfare,
};

/// A role's password from `DATA_DIR/pgpass`.
fn password_in(data_dir: &Path, role: &str) -> String {
    let text = std::fs::read_to_string(data_dir.join(local::CREDENTIALS_FILE)).unwrap();
    text.lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.len() == 5 && fields[3] == role).then(|| fields[4].to_string())
        })
        .unwrap_or_else(|| panic!("no password for {role} in pgpass"))
}

fn url(role: &str, password: Option<&str>, port: u16, database: &str) -> String {
    match password {
        Some(p) => format!("postgres://{role}:{p}@127.0.0.1:{port}/{database}"),
        // Nothing from a ~/.pgpass either: no password at all.
        None => {
            format!("postgres://{role}@127.0.0.1:{port}/{database}?passfile=/nonexistent/pgpass")
        }
    }
}

fn port_of(cluster_dir: &Path) -> u16 {
    let conf = std::fs::read_to_string(cluster_dir.join("postgresql.conf")).unwrap();
    conf.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("port = ")?.trim().parse().ok())
        .unwrap()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Stops a cluster and, when it lives outside its checkout, removes it: also when the test
/// fails.
struct StopCluster(Option<PathBuf>);

impl Drop for StopCluster {
    fn drop(&mut self) {
        let Some(dir) = self.0.take() else { return };
        let bin = local::find_binaries().unwrap();
        let _ = as_postgres(bin.join("pg_ctl"))
            .arg("-D")
            .arg(&dir)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        if dir.starts_with(local::OUTSIDE_DIR) {
            let _ = std::fs::remove_dir_all(dir.parent().unwrap());
        }
    }
}

/// Every password-less login is refused, each with the password is let in.
fn assert_passwords_required(data_dir: &Path, port: u16) {
    for role in [SUPERUSER, OWNER_ROLE, APP_ROLE] {
        let err = PgConnection::establish(&url(role, None, port, "postgres"))
            .err()
            .unwrap_or_else(|| panic!("{role} got in without a password"));
        assert!(err.to_string().contains("password"), "{role}: {err}");
        let wrong = PgConnection::establish(&url(role, Some("guess"), port, "postgres"))
            .err()
            .unwrap_or_else(|| panic!("{role} got in with a wrong password"));
        assert!(
            wrong.to_string().contains("password authentication failed"),
            "{role}: {wrong}"
        );
        let password = password_in(data_dir, role);
        PgConnection::establish(&url(role, Some(&password), port, APP_DATABASE))
            .unwrap_or_else(|e| panic!("{role} with its password: {e}"));
    }
}

#[test]
fn the_embedded_cluster_lets_nobody_in_without_a_password_and_keeps_the_passwords_private() {
    let data_dir = ScratchDir::new("wayfare-embedded");
    let cluster = local::ensure_running(data_dir.path()).unwrap();
    let _stop = StopCluster(Some(cluster.cluster_dir.clone()));
    assert_passwords_required(&cluster.data_dir, cluster.port);

    let pgpass = cluster.credentials_file();
    assert_eq!(mode(pgpass), 0o600, "{}", pgpass.display());
    assert_eq!(std::fs::read_to_string(pgpass).unwrap().lines().count(), 3);
    if postgres_ids().is_some() {
        let meta = std::fs::metadata(&cluster.cluster_dir).unwrap();
        assert_eq!(
            (meta.uid(), mode(&cluster.cluster_dir)),
            (postgres_ids().unwrap().0, 0o700)
        );
    }
    let hba = std::fs::read_to_string(cluster.cluster_dir.join("pg_hba.conf")).unwrap();
    let rules: Vec<&str> = hba
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(rules, ["host all all 127.0.0.1/32 scram-sha-256"]);
    let conf = std::fs::read_to_string(cluster.cluster_dir.join("postgresql.conf")).unwrap();
    assert!(
        conf.contains("listen_addresses = '127.0.0.1'")
            && conf.contains("unix_socket_directories = ''")
    );

    // Three roles: the superuser; the owner and the runtime role are neither superusers nor
    // able to bypass row-level security, create roles or databases. Passwords are SCRAM.
    let mut admin = PgConnection::establish(&cluster.admin_url("postgres")).unwrap();
    assert_eq!(
        text(
            &mut admin,
            sql_query(
                "SELECT (SELECT string_agg(rolname || ':' || rolsuper || rolbypassrls || rolcreaterole \
             || rolcreatedb || ':' || (rolpassword LIKE 'SCRAM-SHA-256$%'), ' ' ORDER BY rolname) \
             FROM pg_authid WHERE rolname IN ('postgres', 'wayfare', 'wayfare_owner'))::text AS v"
            )
        ),
        "postgres:truetruetruetrue:true wayfare:falsefalsefalsefalse:true \
         wayfare_owner:falsefalsefalsefalse:true"
    );
    assert_eq!(
        text(
            &mut admin,
            sql_query(
                "SELECT (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'wayfare')::text AS v"
            )
        ),
        OWNER_ROLE
    );
    drop(admin);

    // Stopped, its port taken by another program: the next start moves it to a free one.
    local::stop(data_dir.path()).unwrap();
    let squatter = std::net::TcpListener::bind(("127.0.0.1", cluster.port)).unwrap();
    let again = local::ensure_running(data_dir.path()).unwrap();
    assert_ne!(again.port, cluster.port);
    assert_eq!(port_of(&again.cluster_dir), again.port);
    assert_passwords_required(&again.data_dir, again.port);
    drop(squatter);
}

/// `wayfare serve` as the README starts it: from the checkout, nothing set but the port.
fn serve_from(checkout: &Path, port: u16, log: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_wayfare"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PORT", port.to_string())
        .env("BCRYPT_COST", "4")
        .env("RUST_LOG", "info")
        .current_dir(checkout)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(log).unwrap())
        .stderr(std::fs::File::create(log.with_extension("err")).unwrap())
        .spawn()
        .expect("the wayfare binary runs")
}

fn log_of(log: &Path) -> String {
    let out = std::fs::read_to_string(log).unwrap_or_default();
    out + &std::fs::read_to_string(log.with_extension("err")).unwrap_or_default()
}

#[tokio::test]
async fn a_checkout_in_a_private_directory_serves_with_its_cluster_outside_and_finds_it_again() {
    // A checkout under a directory of mode 0700, as in root's home on a fresh server.
    let private = ScratchDir::new("wayfare-private-home");
    std::fs::set_permissions(private.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let checkout = private.path().join("wayfare");
    std::fs::create_dir(&checkout).unwrap();
    let logs = ScratchDir::new("wayfare-private-logs");
    let log = logs.path().join("serve.log");
    let port = free_port();
    let mut server = serve_from(&checkout, port, &log);
    let mut stop = StopCluster(None);
    let address = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let ready = reqwest::get(format!("{address}/readyz")).await;
        if ready.is_ok_and(|r| r.status() == 200) {
            break;
        }
        if let Some(status) = server.try_wait().unwrap() {
            panic!("wayfare exited ({status}):\n{}", log_of(&log));
        }
        assert!(
            Instant::now() < deadline,
            "not ready in 120 s:\n{}",
            log_of(&log)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        reqwest::get(format!("{address}/healthz"))
            .await
            .unwrap()
            .status(),
        200
    );

    let data_dir = checkout.join(".data").canonicalize().unwrap();
    let cluster_dir = local::cluster_dir(&data_dir).unwrap();
    stop.0 = Some(cluster_dir.clone());
    let as_root = postgres_ids().is_some();
    if as_root {
        // Outside the checkout, keyed to it, reachable by postgres; found through a link.
        assert!(
            cluster_dir.starts_with(local::OUTSIDE_DIR),
            "{}",
            cluster_dir.display()
        );
        assert_eq!(
            std::fs::read_link(data_dir.join("postgres")).unwrap(),
            cluster_dir
        );
        let key_dir = cluster_dir.parent().unwrap();
        assert_eq!(
            (mode(Path::new(local::OUTSIDE_DIR)), mode(key_dir)),
            (0o755, 0o755)
        );
        assert_eq!(std::fs::metadata(key_dir).unwrap().uid(), 0);
        let meta = std::fs::metadata(&cluster_dir).unwrap();
        assert_eq!(
            (meta.uid(), mode(&cluster_dir)),
            (postgres_ids().unwrap().0, 0o700)
        );
        assert_eq!(
            std::fs::read_to_string(key_dir.join("data_dir"))
                .unwrap()
                .trim(),
            data_dir.to_str().unwrap()
        );
    } else {
        assert_eq!(cluster_dir, data_dir.join("postgres"));
    }
    // The log says where the cluster is and how to stop it.
    let said = log_of(&log);
    assert!(
        said.contains("stop it with: ")
            && said.contains(&format!("-D {} stop", cluster_dir.display())),
        "{said}"
    );
    let pgpass = data_dir.join(local::CREDENTIALS_FILE);
    assert_eq!(
        (mode(&pgpass), std::fs::metadata(&pgpass).unwrap().uid()),
        (0o600, our_uid())
    );
    let port_db = port_of(&cluster_dir);
    assert_passwords_required(&data_dir, port_db);

    // The database `cargo run` serves: the runtime role owns nothing there.
    let runtime_url = url(
        APP_ROLE,
        Some(&password_in(&data_dir, APP_ROLE)),
        port_db,
        APP_DATABASE,
    );
    let mut runtime = PgConnection::establish(&runtime_url).unwrap();
    assert_eq!(
        count(
            &mut runtime,
            sql_query(
                "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace \
             AND relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
            )
        ),
        0
    );
    let disabled = runtime.transaction(|c| {
        diesel::sql_query("ALTER TABLE plans DISABLE ROW LEVEL SECURITY").execute(c)
    });
    assert!(disabled.unwrap_err().to_string().contains("must be owner"));
    diesel::sql_query(
        "INSERT INTO users (email, username, password_hash) VALUES ('keep@example.com', 'keep', 'x')",
    )
    .execute(&mut runtime)
    .unwrap();
    drop(runtime);

    // SIGTERM: Wayfare stops, its cluster keeps running for the next start.
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(server.wait().unwrap().success(), "{}", log_of(&log));

    if as_root {
        // The checkout loses `.data` (and with it the passwords): the next start finds the
        // cluster outside again, gives its roles new passwords, and the data is there.
        std::fs::remove_dir_all(&data_dir).unwrap();
        let ran = wayfare(&["migrate"], &[("DATA_DIR", data_dir.to_str().unwrap())]);
        assert!(ran.success, "{}\n{}", ran.stdout, ran.stderr);
        assert_eq!(local::cluster_dir(&data_dir).unwrap(), cluster_dir);
        // Its port, or another when that one was taken while it was stopped.
        let port_db = port_of(&cluster_dir);
        let runtime_url = url(
            APP_ROLE,
            Some(&password_in(&data_dir, APP_ROLE)),
            port_db,
            APP_DATABASE,
        );
        let mut runtime = PgConnection::establish(&runtime_url).unwrap();
        assert_eq!(
            count(
                &mut runtime,
                sql_query("SELECT count(*) FROM users WHERE username = 'keep'")
            ),
            1
        );
        assert_passwords_required(&data_dir, port_db);
    }
}

/// Our own uid: the passwords belong to whoever runs Wayfare.
fn our_uid() -> u32 {
    std::fs::metadata("/proc/self").unwrap().uid()
}

#[test]
fn a_cluster_an_earlier_version_made_with_trust_switches_to_passwords_and_keeps_its_data() {
    // What Wayfare used to make: trust authentication, one role owning the database and
    // every table, running.
    let data_dir = ScratchDir::new("wayfare-upgrade").for_postgres();
    let old = PgCluster::init(data_dir.path().join("postgres"));
    old.start();
    {
        let mut admin = old.admin("postgres");
        local::ensure_app_role(&mut admin).unwrap();
        diesel::sql_query("CREATE DATABASE wayfare OWNER wayfare")
            .execute(&mut admin)
            .unwrap();
        let mut app = PgConnection::establish(&old.url(APP_ROLE, APP_DATABASE)).unwrap();
        wayfare::db::run_migrations(&mut app).unwrap();
        diesel::sql_query(
            "INSERT INTO users (email, username, password_hash) VALUES ('old@example.com', 'old', 'x')",
        )
        .execute(&mut app)
        .unwrap();
        let mut admin = old.admin(APP_DATABASE);
        diesel::sql_query("INSERT INTO plans (user_id, title) SELECT id, 'Old trip' FROM users")
            .execute(&mut admin)
            .unwrap();
    }

    let ran = wayfare(
        &["migrate"],
        &[("DATA_DIR", data_dir.path().to_str().unwrap())],
    );
    let said = format!("{}{}", ran.stdout, ran.stderr);
    assert!(ran.success, "{said}");
    assert!(said.contains("switching it to passwords"), "{said}");
    assert!(
        !std::fs::read_to_string(old.dir.join("pg_hba.conf"))
            .unwrap()
            .contains("trust")
    );
    assert_eq!(mode(&data_dir.path().join(local::CREDENTIALS_FILE)), 0o600);
    assert_passwords_required(data_dir.path(), old.port);

    // The tables are the owner role's now; the data is all there.
    let password = password_in(data_dir.path(), OWNER_ROLE);
    let mut owner =
        PgConnection::establish(&url(OWNER_ROLE, Some(&password), old.port, APP_DATABASE)).unwrap();
    assert_eq!(
        count(
            &mut owner,
            sql_query(
                "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' \
             AND relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)"
            )
        ),
        0
    );
    assert_eq!(
        text(
            &mut owner,
            sql_query(
                "SELECT (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database())::text AS v"
            )
        ),
        OWNER_ROLE
    );
    let password = password_in(data_dir.path(), APP_ROLE);
    let mut runtime =
        PgConnection::establish(&url(APP_ROLE, Some(&password), old.port, APP_DATABASE)).unwrap();
    assert_eq!(
        count(
            &mut runtime,
            sql_query("SELECT count(*) FROM users WHERE username = 'old'")
        ),
        1
    );
    diesel::sql_query("SELECT set_config('app.staff', 'on', false)")
        .execute(&mut runtime)
        .unwrap();
    assert_eq!(
        count(
            &mut runtime,
            sql_query("SELECT count(*) FROM plans WHERE title = 'Old trip'")
        ),
        1
    );

    // The next start has nothing left to upgrade.
    let again = wayfare(
        &["migrate"],
        &[("DATA_DIR", data_dir.path().to_str().unwrap())],
    );
    let said = format!("{}{}", again.stdout, again.stderr);
    assert!(again.success && !said.contains("switching"), "{said}");
}
