//! What the `wayfare` subcommands do; `main.rs` only parses the command line.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, anyhow, bail};
use diesel_migrations::MigrationHarness;

use crate::auth::password;
use crate::config::Settings;
use crate::db::{self, MIGRATIONS};
use crate::domain::{Email, Password, Username};
use crate::models::user::{self, NewUser};
use crate::startup::{self, Application};

pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let public_url = settings.public_url.clone();
    let app = Application::build(settings).await?;
    tracing::info!(port = app.port(), "Wayfare is serving");
    println!("Wayfare is running at {public_url} (Ctrl-C stops it)");
    app.run_until_stopped().await?;
    Ok(())
}

pub async fn migrate(settings: Settings, revert: bool, status: bool) -> anyhow::Result<()> {
    let url = startup::resolve_database_url(&settings).await?;
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut conn = startup::connect(&url)?;
        if status {
            let applied: Vec<String> = conn
                .applied_migrations()
                .map_err(|e| anyhow!("{e}"))?
                .iter()
                .map(|v| v.to_string())
                .collect();
            let pending: Vec<String> = conn
                .pending_migrations(MIGRATIONS)
                .map_err(|e| anyhow!("{e}"))?
                .iter()
                .map(|m| m.name().to_string())
                .collect();
            let mut applied_sorted = applied.clone();
            applied_sorted.sort();
            for version in applied_sorted {
                println!("applied  {version}");
            }
            for name in &pending {
                println!("pending  {name}");
            }
            println!("{} applied, {} pending", applied.len(), pending.len());
        } else if revert {
            let version = conn
                .revert_last_migration(MIGRATIONS)
                .map_err(|e| anyhow!("{e}"))?;
            println!("reverted {version}");
        } else {
            let applied = db::run_migrations(&mut conn)?;
            for version in &applied {
                println!("applied  {version}");
            }
            println!(
                "{} migrations applied; the database is up to date",
                applied.len()
            );
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
    let url = startup::resolve_database_url(&settings).await?;
    let cost = settings.bcrypt_cost;
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut conn = startup::connect(&url)?;
        db::run_migrations(&mut conn)?;
        let (email_taken, username_taken) =
            user::email_or_username_taken(&mut conn, email.as_ref(), username.as_ref())?;
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
            &mut conn,
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
    .await?
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
