//! `wayfare backup` and `wayfare restore`: pg_dump's custom format, verified after writing,
//! the newest N kept; restores go into an empty database and are checked afterwards.

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, anyhow, bail};
use diesel::prelude::*;

use crate::db::local::find_binaries;

fn tool(name: &str) -> anyhow::Result<PathBuf> {
    let dir = find_binaries().map_err(|e| anyhow!("{e}"))?;
    let path = dir.join(name);
    if path.exists() {
        Ok(path)
    } else {
        Ok(PathBuf::from(name))
    }
}

/// Runs pg_dump or pg_restore acting as staff: row-level security (forced even on the
/// tables' owner) then shows and accepts every row, so the app's own role can back up. The
/// URL's password goes in `PGPASSWORD`, not on the command line, where `ps` would show it.
fn run(program: &Path, args: &[&str], database_url: &str) -> anyhow::Result<String> {
    let mut url = url::Url::parse(database_url).context("the database URL is not a URL")?;
    let password = url.password().map(crate::db::roles::percent_decode);
    let _ = url.set_password(None);
    let mut command = Command::new(program);
    command
        .args(args)
        .arg("--dbname")
        .arg(url.as_str())
        .env("PGOPTIONS", "-c app.staff=on");
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    output_of(program, &mut command)
}

fn output_of(program: &Path, command: &mut Command) -> anyhow::Result<String> {
    let out = command
        .output()
        .with_context(|| format!("cannot run {}", program.display()))?;
    if !out.status.success() {
        bail!(
            "{} failed: {}",
            program.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Writes `travel_planner_YYYYMMDD-HHMMSS.dump` into `dir`, checks it with
/// `pg_restore --list`, and deletes all but the newest `keep` backups there. A backup holds
/// password hashes and e-mail addresses: the file is created with mode 0600 before pg_dump
/// writes into it (pg_dump keeps the mode of a file that exists), and a new `dir` is 0700.
pub fn backup(database_url: &str, dir: &Path, keep: usize) -> anyhow::Result<PathBuf> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let name = format!(
        "travel_planner_{}.dump",
        chrono::Utc::now().format("%Y%m%d-%H%M%S")
    );
    let path = dir.join(&name);
    let partial = dir.join(format!("{name}.partial"));
    let partial_str = partial
        .to_str()
        .ok_or_else(|| anyhow!("the backup path is not UTF-8"))?;
    let _ = std::fs::remove_file(&partial);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let written = (|| -> anyhow::Result<()> {
        run(
            &tool("pg_dump")?,
            &[
                "--format=custom",
                "--no-owner",
                "--enable-row-security",
                "--file",
                partial_str,
            ],
            database_url,
        )?;
        let pg_restore = tool("pg_restore")?;
        let listing = output_of(
            &pg_restore,
            Command::new(&pg_restore).args(["--list", partial_str]),
        )?;
        let missing = missing_from(&listing);
        if !missing.is_empty() {
            bail!(
                "the backup {} lacks the data of {}; it is not usable",
                partial.display(),
                missing.join(", ")
            );
        }
        Ok(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, &path)?;
    prune(dir, keep)?;
    Ok(path)
}

/// Deletes the oldest backups beyond `keep` (names sort by time).
fn prune(dir: &Path, keep: usize) -> anyhow::Result<Vec<PathBuf>> {
    let mut backups: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("travel_planner_") && n.ends_with(".dump"))
        })
        .collect();
    backups.sort();
    let excess = backups.len().saturating_sub(keep.max(1));
    let removed: Vec<PathBuf> = backups.into_iter().take(excess).collect();
    for path in &removed {
        std::fs::remove_file(path)?;
    }
    Ok(removed)
}

#[derive(QueryableByName)]
struct TableCount {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Every table a backup must carry, in the order the restore report lists them. The
/// written backup is checked to hold the data of each.
pub const TABLES: [&str; 14] = [
    "users",
    "plans",
    "plan_activities",
    "plan_members",
    "plan_invitations",
    "plan_changes",
    "plan_member_digests",
    "user_sessions",
    "rate_limits",
    "deleted_items",
    "archived_plans",
    "archived_plan_activities",
    "archived_plan_members",
    "archived_plan_changes",
];

/// The tables of `TABLES` whose data a `pg_restore --list` listing lacks (its lines read
/// `3456; 0 16390 TABLE DATA public plans owner`).
fn missing_from(listing: &str) -> Vec<&'static str> {
    TABLES
        .into_iter()
        .filter(|table| {
            !listing.lines().any(|line| {
                let words: Vec<&str> = line.split_whitespace().collect();
                words
                    .windows(4)
                    .any(|w| w == ["TABLE", "DATA", "public", *table])
            })
        })
        .collect()
}

/// Rows per table, for the restore check and its report.
pub fn row_counts(conn: &mut PgConnection) -> anyhow::Result<Vec<(&'static str, i64)>> {
    conn.transaction(|conn| {
        crate::db::Actor::Staff.apply(conn)?;
        let mut counts = Vec::new();
        for table in TABLES {
            let n = diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
                .get_result::<TableCount>(conn)?
                .n;
            counts.push((table, n));
        }
        Ok(counts)
    })
}

/// Restores a backup into an empty database as the role of `into_url`, which then owns
/// every table (the dump's owners and privileges are left out: the target's roles may have
/// other names), grants `runtime_role` what the pages need, checks that the migrations are
/// up to date and returns the row counts.
pub fn restore(
    file: &Path,
    into_url: &str,
    runtime_role: &str,
) -> anyhow::Result<Vec<(&'static str, i64)>> {
    if !file.exists() {
        bail!("no backup at {}", file.display());
    }
    let mut conn = crate::db::setup::connect(into_url)?;
    let tables: i64 = diesel::sql_query(
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .get_result::<TableCount>(&mut conn)?
    .n;
    if tables > 0 {
        bail!("the target database is not empty ({tables} tables); restore into an empty database");
    }
    #[derive(QueryableByName)]
    struct Roles {
        #[diesel(sql_type = diesel::sql_types::Text)]
        current: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        runtime_exists: bool,
    }
    let roles: Roles = diesel::sql_query(
        "SELECT current_user::text AS current, \
         EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS runtime_exists",
    )
    .bind::<diesel::sql_types::Text, _>(runtime_role)
    .get_result(&mut conn)?;
    if !roles.runtime_exists {
        bail!(
            "the runtime role {runtime_role} does not exist on the target server: create it (docs/deploy.md), or set DATABASE_URL to the URL the app will use"
        );
    }
    let file_str = file
        .to_str()
        .ok_or_else(|| anyhow!("the backup path is not UTF-8"))?;
    run(
        &tool("pg_restore")?,
        &[
            "--no-owner",
            "--no-acl",
            "--enable-row-security",
            "--exit-on-error",
            "--single-transaction",
            file_str,
        ],
        into_url,
    )?;
    if roles.current != runtime_role {
        crate::db::roles::grant_runtime_role(&mut conn, runtime_role)?;
    }
    let pending = crate::db::migration_status(&mut conn)
        .map_err(|e| anyhow!("cannot read the migrations of the restored database: {e}"))?
        .pending;
    if !pending.is_empty() {
        bail!(
            "the restored database lacks {} migrations; run `wayfare migrate` against it",
            pending.len()
        );
    }
    row_counts(&mut conn)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_listing_without_a_tables_data_is_refused() {
        let every: String = super::TABLES
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{i}; 0 1639{i} TABLE DATA public {t} wayfare_owner\n"))
            .collect();
        assert!(super::missing_from(&every).is_empty());
        let without = every.replace(
            "TABLE DATA public plan_changes ",
            "TABLE public plan_changes ",
        );
        assert_eq!(super::missing_from(&without), ["plan_changes"]);
        assert_eq!(
            super::missing_from(&every.replace("public plan_members ", "public plan_membersx ")),
            ["plan_members"]
        );
    }

    #[test]
    fn prune_keeps_the_newest() {
        let dir = std::env::temp_dir().join(format!("wayfare-prune-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for stamp in ["20260101-000000", "20260102-000000", "20260103-000000"] {
            std::fs::write(dir.join(format!("travel_planner_{stamp}.dump")), b"x").unwrap();
        }
        std::fs::write(dir.join("other.txt"), b"x").unwrap();
        let removed = super::prune(&dir, 2).unwrap();
        assert_eq!(removed.len(), 1);
        assert!(removed[0].ends_with("travel_planner_20260101-000000.dump"));
        assert!(dir.join("other.txt").exists());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
