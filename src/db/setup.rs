//! Reaching the database at start-up: which URLs the two roles log in with, the embedded
//! cluster when none is configured, migrations as the owner, and single connections with
//! errors that never show a password.

use diesel::{Connection, PgConnection};

use crate::config::{Secret, Settings};
use crate::db::{self, local};

/// Where the app's two roles log in: `runtime` serves the pages (`DATABASE_URL`), `owner`
/// owns the tables and runs the migrations (`DATABASE_OWNER_URL`; `None`: the runtime role
/// does, as before the roles were split).
#[derive(Clone, Debug)]
pub struct DatabaseUrls {
    pub runtime: Secret,
    pub owner: Option<Secret>,
}

/// `DATABASE_URL` and `DATABASE_OWNER_URL`, or the embedded default cluster's two roles
/// when `DATABASE_URL` is unset.
pub async fn resolve_database(settings: &Settings) -> anyhow::Result<DatabaseUrls> {
    if let Some(url) = &settings.database_url {
        return Ok(DatabaseUrls {
            runtime: url.clone(),
            owner: settings.database_owner_url.clone(),
        });
    }
    let data_dir = settings.data_dir.clone();
    let cluster = tokio::task::spawn_blocking(move || local::ensure_running(&data_dir)).await??;
    Ok(DatabaseUrls {
        runtime: Secret::new(cluster.app_url(local::APP_DATABASE)),
        owner: Some(Secret::new(cluster.owner_url(local::APP_DATABASE))),
    })
}

/// Applies pending migrations as the owner role and grants the runtime role what it needs;
/// without an owner role, as the runtime role, with a warning when that leaves it able to
/// switch row-level security off. Returns the versions applied.
pub async fn migrate(urls: &DatabaseUrls) -> anyhow::Result<Vec<String>> {
    let urls = urls.clone();
    tokio::task::spawn_blocking(move || migrate_blocking(&urls)).await?
}

fn migrate_blocking(urls: &DatabaseUrls) -> anyhow::Result<Vec<String>> {
    let runtime_url = urls.runtime.expose();
    let Some(owner_url) = &urls.owner else {
        let mut conn = connect(runtime_url)?;
        let applied = db::run_migrations(&mut conn)?;
        warn_about_runtime_role(&mut conn, false)?;
        return Ok(applied);
    };
    let mut owner = connect(owner_url.expose())?;
    let applied = db::run_migrations(&mut owner)?;
    let runtime_role = match db::roles::user_of_url(runtime_url) {
        Some(role) => role,
        None => current_user(&mut connect(runtime_url)?)?,
    };
    if current_user(&mut owner)? == runtime_role {
        warn_about_runtime_role(&mut owner, true)?;
    } else {
        db::roles::grant_runtime_role(&mut owner, &runtime_role).map_err(|e| {
            anyhow::anyhow!("cannot grant the runtime role {runtime_role} its privileges: {e}")
        })?;
    }
    Ok(applied)
}

/// One warning line when the runtime role could walk past row-level security.
fn warn_about_runtime_role(conn: &mut PgConnection, owner_is_runtime: bool) -> anyhow::Result<()> {
    let risks = db::roles::risks_of_current_role(conn)?;
    if !risks.any() {
        return Ok(());
    }
    let mut what = Vec::new();
    if !risks.owned_tables.is_empty() {
        what.push(format!(
            "owns the tables ({}), so it could switch row-level security off",
            risks.owned_tables.join(", ")
        ));
    }
    if risks.superuser {
        what.push("is a superuser, whom row-level security does not bind".into());
    } else if risks.bypass_rls {
        what.push("has BYPASSRLS, so row-level security does not bind it".into());
    }
    let cause = if owner_is_runtime {
        "DATABASE_OWNER_URL logs in as the same role as DATABASE_URL"
    } else {
        "DATABASE_OWNER_URL is not set, so the migrations run as DATABASE_URL's role"
    };
    tracing::warn!(
        role = %risks.name,
        "{cause}: the runtime role {} {}; give the tables to an owner role and set DATABASE_OWNER_URL (docs/deploy.md, \"The database and its roles\")",
        risks.name,
        what.join(" and ")
    );
    Ok(())
}

fn current_user(conn: &mut PgConnection) -> anyhow::Result<String> {
    use diesel::RunQueryDsl;
    Ok(diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
        "current_user::text",
    ))
    .get_result(conn)?)
}

/// Opens one connection, with an error that names the server but never the password.
pub fn connect(url: &str) -> anyhow::Result<PgConnection> {
    PgConnection::establish(url)
        .map_err(|e| anyhow::anyhow!("cannot connect to the database at {}: {e}", redact(url)))
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => "(unparsable URL)".into(),
    }
}
