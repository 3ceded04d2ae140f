//! What the `wayfare` subcommands do; `main.rs` only parses the command line.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, anyhow, bail};
use diesel_migrations::MigrationHarness;

use crate::auth::password;
use crate::config::Settings;
use crate::db::{self, MIGRATIONS};
use crate::domain::{Email, Password, Username};
use crate::models::user::{self, NewUser};
use crate::ops::seed as wayfare_seed;
use crate::startup::Application;

pub async fn serve(settings: Settings, demo: bool) -> anyhow::Result<()> {
    let public_url = settings.public_url.clone();
    if demo {
        let urls = db::setup::resolve_database(&settings).await?;
        db::setup::migrate(&urls).await?;
        let cost = settings.bcrypt_cost;
        let password = password::random_password();
        let shown = password.clone();
        let created = tokio::task::spawn_blocking(move || -> anyhow::Result<bool> {
            let mut conn = db::setup::connect(urls.runtime.expose())?;
            let hash = password::hash(&password, cost)?;
            wayfare_seed::ensure_demo_user(&mut conn, &hash)
        })
        .await??;
        if created {
            println!(
                "Demo traveller: log in as {} with the password: {shown}",
                wayfare_seed::DEMO_EMAIL
            );
        } else {
            println!(
                "The demo traveller {} exists already (its password was printed when it was created).",
                wayfare_seed::DEMO_EMAIL
            );
        }
    }
    let app = Application::build(settings).await?;
    app.start_hourly_purge();
    tracing::info!(port = app.port(), "Wayfare is serving");
    println!("Wayfare is running at {public_url} (Ctrl-C stops it)");
    app.run_until_stopped().await?;
    Ok(())
}

/// Runs as the owner role (`DATABASE_OWNER_URL`, or the embedded cluster's), which may
/// change the schema; applying also grants the runtime role its privileges.
pub async fn migrate(settings: Settings, revert: bool, status: bool) -> anyhow::Result<()> {
    let urls = db::setup::resolve_database(&settings).await?;
    if !status && !revert {
        let applied = db::setup::migrate(&urls).await?;
        for version in &applied {
            println!("applied  {version}");
        }
        println!(
            "{} migrations applied; the database is up to date",
            applied.len()
        );
        return Ok(());
    }
    let url = urls.owner.unwrap_or(urls.runtime);
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut conn = db::setup::connect(url.expose())?;
        if status {
            let status = db::migration_status(&mut conn)?;
            for version in &status.applied {
                println!("applied  {version}");
            }
            for name in &status.pending {
                println!("pending  {name}");
            }
            println!(
                "{} applied, {} pending",
                status.applied.len(),
                status.pending.len()
            );
        } else {
            let version = conn
                .revert_last_migration(MIGRATIONS)
                .map_err(|e| anyhow!("{e}"))?;
            println!("reverted {version}");
        }
        Ok(())
    })
    .await?
}

pub async fn create_staff(
    settings: Settings,
    email: Option<String>,
    username: Option<String>,
    password_arg: Option<String>,
) -> anyhow::Result<()> {
    let email = Email::parse(&ask("E-mail", email)?).map_err(|e| anyhow!("e-mail: {e}"))?;
    let username =
        Username::parse(&ask("Username", username)?).map_err(|e| anyhow!("username: {e}"))?;
    let raw_password = match password_arg {
        Some(p) => p,
        None if std::io::stdin().is_terminal() => {
            rpassword::prompt_password("Password: ").context("cannot read the password")?
        }
        None => read_line()?,
    };
    let password = Password::parse(&raw_password, &[email.as_ref(), username.as_ref()])
        .map_err(|e| anyhow!("password: {e}"))?;
    let cost = settings.bcrypt_cost;
    with_connection(&settings, move |conn| {
        let (email_taken, username_taken) =
            user::email_or_username_taken(conn, email.as_ref(), username.as_ref())?;
        if email_taken {
            bail!(
                "an account with the e-mail {} exists already",
                email.as_ref()
            );
        }
        if username_taken {
            bail!("the username {} is taken", username.as_ref());
        }
        let hash = password::hash(password.expose(), cost)?;
        let created = user::insert(
            conn,
            &NewUser {
                email: email.as_ref(),
                username: username.as_ref(),
                password_hash: &hash,
                first_name: None,
                last_name: None,
                is_verified: true,
                is_staff: true,
            },
        )?;
        println!(
            "created staff account {} ({})",
            created.username, created.email
        );
        Ok(())
    })
    .await
}

fn ask(label: &str, given: Option<String>) -> anyhow::Result<String> {
    if let Some(value) = given {
        return Ok(value);
    }
    if std::io::stdin().is_terminal() {
        print!("{label}: ");
        std::io::stdout().flush()?;
    }
    read_line()
}

fn read_line() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Brings the schema up to date (as the owner role), then runs blocking work on one
/// connection as the runtime role: the commands that only read and write rows (`seed`,
/// `archive`, `purge`, `create-staff`) need nothing more, and row-level security binds them
/// as it binds the pages (they act as staff).
async fn with_connection<T: Send + 'static>(
    settings: &Settings,
    work: impl FnOnce(&mut diesel::PgConnection) -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let urls = db::setup::resolve_database(settings).await?;
    db::setup::migrate(&urls).await?;
    tokio::task::spawn_blocking(move || {
        let mut conn = db::setup::connect(urls.runtime.expose())?;
        work(&mut conn)
    })
    .await?
}

/// Seeds the database. A server whose `PUBLIC_URL` is https is a production server: the
/// command refuses it unless `allow_production`, and then no account gets the documented
/// password.
pub async fn seed(
    settings: Settings,
    options: wayfare_seed::SeedOptions,
    allow_production: bool,
) -> anyhow::Result<()> {
    let production = settings.is_https();
    if production && !allow_production {
        bail!(
            "refusing to seed {}: an https PUBLIC_URL is a production server, and seeding adds \
             staff accounts and sample data to it. Run `wayfare seed --allow-production` if \
             that is what you want.",
            settings.public_url
        );
    }
    let cost = settings.bcrypt_cost;
    let started = std::time::Instant::now();
    // On production even the travellers get a password nobody has published.
    let traveller_password = if production {
        password::random_password()
    } else {
        wayfare_seed::SEED_PASSWORD.to_string()
    };
    let shown = traveller_password.clone();
    let seeded = with_connection(&settings, move |conn| {
        let traveller_hash = password::hash(&traveller_password, cost)?;
        let new_staff = || -> anyhow::Result<(String, String)> {
            let password = password::random_password();
            let hash = password::hash(&password, cost)?;
            Ok((password, hash))
        };
        wayfare_seed::seed(
            conn,
            options,
            &wayfare_seed::Passwords {
                traveller_hash: &traveller_hash,
                new_staff: &new_staff,
            },
        )
    })
    .await?;
    println!("seeded travellers' password: \"{shown}\"");
    if !seeded.staff.is_empty() {
        println!("seeded staff accounts, each with its own password (shown only this once):");
        for staff in &seeded.staff {
            println!(
                "  {} <{}>: \"{}\"",
                staff.username, staff.email, staff.password
            );
        }
    }
    // Last, for scripts that read the summary with `tail -1`.
    println!(
        "seeded {} users, {} plans, {} activities in {:.1}s",
        seeded.users,
        seeded.plans,
        seeded.activities,
        started.elapsed().as_secs_f64(),
    );
    Ok(())
}

pub async fn archive(
    settings: Settings,
    older_than: &str,
    dry_run: bool,
    restore: Option<crate::domain::ids::PlanId>,
) -> anyhow::Result<()> {
    use crate::ops::archive;
    if let Some(plan_id) = restore {
        let restored = with_connection(&settings, move |conn| {
            Ok(archive::restore(conn, plan_id, None)?)
        })
        .await?;
        if !restored {
            bail!("there is no archived plan {plan_id}");
        }
        println!("plan {plan_id} is back among the live plans, with its activities");
        return Ok(());
    }
    let cutoff = archive::cutoff(older_than).map_err(|e| anyhow!(e))?;
    let fail_after = std::env::var("WAYFARE_ARCHIVE_FAIL_AFTER_BATCHES")
        .ok()
        .and_then(|v| v.parse().ok());
    let moved = with_connection(&settings, move |conn| {
        if dry_run {
            Ok(archive::eligible(conn, cutoff)? as usize)
        } else {
            archive::archive(conn, cutoff, fail_after)
        }
    })
    .await?;
    if dry_run {
        println!("{moved} plans would be archived (dry run: nothing moved)");
    } else {
        println!("archived {moved} plans with their activities");
    }
    Ok(())
}

/// `pg_dump` as the runtime role: reading every row (acting as staff) is all it needs.
pub async fn backup(settings: Settings, dir: &std::path::Path, keep: usize) -> anyhow::Result<()> {
    let url = db::setup::resolve_database(&settings).await?.runtime;
    let dir = dir.to_path_buf();
    let path =
        tokio::task::spawn_blocking(move || crate::ops::backup::backup(url.expose(), &dir, keep))
            .await??;
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "backup written and verified: {} ({} KiB)",
        path.display(),
        size / 1024
    );
    Ok(())
}

/// Restores as the role of `--into`, which becomes the owner of every table (the owner
/// role), and grants the runtime role (`DATABASE_URL`'s, or the embedded cluster's
/// `wayfare`) its privileges there.
pub async fn restore(settings: Settings, file: &std::path::Path, into: &str) -> anyhow::Result<()> {
    let runtime_role = settings
        .database_url
        .as_ref()
        .and_then(|url| db::roles::user_of_url(url.expose()))
        .unwrap_or_else(|| db::local::APP_ROLE.to_string());
    let (file, into) = (file.to_path_buf(), into.to_string());
    let counts = tokio::task::spawn_blocking(move || {
        crate::ops::backup::restore(&file, &into, &runtime_role)
    })
    .await??;
    println!("restored; the migrations are up to date. Rows:");
    for (table, n) in counts {
        println!("  {table:<26} {n}");
    }
    Ok(())
}

pub async fn purge(settings: Settings) -> anyhow::Result<()> {
    let purged = with_connection(&settings, |conn| Ok(crate::ops::purge::purge(conn)?)).await?;
    println!(
        "purged {} expired sessions, {} old rate-limit rows and {} {} kept for undo",
        purged.sessions,
        purged.rate_limits,
        purged.deleted_items,
        if purged.deleted_items == 1 {
            "copy"
        } else {
            "copies"
        }
    );
    Ok(())
}
