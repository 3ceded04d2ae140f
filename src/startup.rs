//! Builds the running application: database, migrations, pools and the HTTP server.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, error::JsonPayloadError, error::UrlencodedError, web};
use diesel::{Connection, PgConnection};
use tracing_actix_web::TracingLogger;

use actix_session::SessionMiddleware;
use actix_session::config::{CookieContentSecurity, PersistentSession, TtlExtensionPolicy};
use actix_web::cookie::{Key, SameSite};
use actix_web::middleware::from_fn;
use actix_web_flash_messages::FlashMessagesFramework;

use crate::auth::csrf;
use crate::auth::oauth::OAuth;
use crate::auth::password::Hasher;
use crate::auth::session_store::PgSessionStore;
use crate::config::{Secret, Settings, cookie_name};
use crate::db::pool::QueryCounter;
use crate::db::{self, Db, local};
use crate::error::AppError;
use crate::mail::Mailer;
use crate::rate_limit::RateLimiter;
use crate::{middleware, routes};

/// Largest form body we accept; the raw plan-data editor allows 256 KiB of JSON.
pub const FORM_LIMIT: usize = 320 * 1024;
/// Largest file upload (plan import).
pub const UPLOAD_LIMIT: usize = 1024 * 1024;

pub struct Application {
    port: u16,
    server: Server,
    queries: QueryCounter,
    pool: db::PgPool,
}

/// What handlers reach through `web::Data`.
pub struct AppState {
    pub settings: Settings,
    pub hasher: Hasher,
    pub mailer: Mailer,
    pub limiter: RateLimiter,
    pub oauth: OAuth,
    pub metrics: crate::metrics::Metrics,
}

impl AppState {
    /// Counts a new plan (created, copied or imported) against the user's daily limit.
    pub async fn count_new_plan(&self, db: &Db, user_id: i32) -> Result<(), AppError> {
        let limit = self.settings.limits.plans_per_user;
        self.limiter
            .hit(
                db,
                crate::rate_limit::Kind::PlanCreate,
                &user_id.to_string(),
                limit,
            )
            .await
    }

    /// Counts a new plan and its `activities` (an import, a copy, a duplicate) against the
    /// user's daily limits. When the activities would pass theirs, the plan is given back
    /// too: a refused copy costs nothing.
    pub async fn count_new_plan_with_activities(
        &self,
        db: &Db,
        user_id: i32,
        activities: usize,
    ) -> Result<(), AppError> {
        use crate::rate_limit::Kind;
        self.count_new_plan(db, user_id).await?;
        let user = user_id.to_string();
        let n = u32::try_from(activities).unwrap_or(u32::MAX);
        let limit = self.settings.limits.activities_per_user;
        if let Err(refused) = self
            .limiter
            .hit_many(db, Kind::ActivityCreate, &user, n, limit)
            .await
        {
            self.limiter.refund(db, Kind::PlanCreate, &user).await?;
            return Err(refused);
        }
        Ok(())
    }

    /// An absolute link for mails and share pages.
    pub fn link(&self, path: &str) -> String {
        format!(
            "{}{path}",
            self.settings.public_url.as_str().trim_end_matches('/')
        )
    }
}

impl Application {
    pub async fn build(mut settings: Settings) -> anyhow::Result<Self> {
        let urls = resolve_database(&settings).await?;
        let applied = migrate(&urls).await?;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "applied migrations");
        }
        let database_url = urls.runtime.expose().to_string();

        let queries = QueryCounter::default();
        let primary = db::pool::build(
            &database_url,
            settings.pool_size,
            settings.database_timeout,
            queries.clone(),
            settings.statement_cache,
        );
        let replica = match &settings.database_read_url {
            Some(url) => db::pool::build(
                url.expose(),
                settings.pool_size,
                settings.database_timeout,
                queries.clone(),
                settings.statement_cache,
            ),
            None => primary.clone(),
        };
        let session_store = PgSessionStore::new(primary.clone(), settings.sessions);
        let pool = primary.clone();
        let metrics = crate::metrics::Metrics::new();
        let waiting = metrics.bcrypt_waiting.clone();
        let cost = settings.bcrypt_cost;
        let hasher = tokio::task::spawn_blocking(move || Hasher::new(cost, waiting)).await??;
        let db = web::Data::new(Db {
            primary,
            replica,
            stats: crate::db::DbStats {
                checkout_timeouts: metrics.checkout_timeouts.clone(),
                errors: metrics.database_errors.clone(),
            },
        });

        let listener = TcpListener::bind((settings.host.as_str(), settings.port)).map_err(|e| {
            anyhow::anyhow!("cannot listen on {}:{}: {e}", settings.host, settings.port)
        })?;
        let port = listener.local_addr()?.port();
        // Bound to port 0 (tests): links must name the port we got.
        if settings.public_url.port() == Some(0) {
            let _ = settings.public_url.set_port(Some(port));
        }
        let limiter = RateLimiter::connect(
            settings.redis_url.as_ref().map(|u| u.expose()),
            (
                settings.limits.login_free_failures,
                settings.limits.login_backoff_secs,
            ),
            metrics.rate_limit_hits.clone(),
        )
        .await?;
        let state = web::Data::new(AppState {
            hasher,
            mailer: Mailer::from_settings(&settings)?,
            oauth: OAuth::new(settings.oauth.clone(), &settings.public_url)?,
            metrics,
            limiter,
            settings: settings.clone(),
        });

        let https = settings.is_https();
        let key = Key::from(settings.secret_key.expose().as_bytes());
        let longest = settings
            .sessions
            .absolute
            .max(settings.sessions.staff_absolute);
        let cookie_ttl = actix_web::cookie::time::Duration::seconds(longest.as_secs() as i64);
        let counted = queries.clone();
        let server = HttpServer::new(move || {
            let flashes = FlashMessagesFramework::builder(crate::flash::FlashCookie::new(
                key.clone(),
                cookie_name("_flash", https),
                https,
            ))
            .build();
            let sessions = SessionMiddleware::builder(session_store.clone(), key.clone())
                .cookie_name(cookie_name("wayfare_session", https))
                .cookie_secure(https)
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Lax)
                .cookie_content_security(CookieContentSecurity::Private)
                .session_lifecycle(
                    PersistentSession::default()
                        .session_ttl(cookie_ttl)
                        .session_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
                )
                .build();
            App::new()
                .wrap(middleware::error_pages())
                .wrap(flashes)
                .wrap(sessions)
                .wrap(from_fn(middleware::session_errors))
                .wrap(from_fn(csrf::middleware))
                .wrap(from_fn(middleware::reject_nul_in_query))
                .wrap(from_fn(crate::metrics::middleware))
                .wrap(TracingLogger::<crate::telemetry::RequestSpan>::new())
                .wrap(middleware::security_headers(https))
                .wrap(from_fn(middleware::no_store_by_default))
                .app_data(db.clone())
                .app_data(state.clone())
                .app_data(web::Data::new(counted.clone()))
                .app_data(
                    web::FormConfig::default()
                        .limit(FORM_LIMIT)
                        .error_handler(|e, _| form_error(e).into()),
                )
                .app_data(
                    web::JsonConfig::default()
                        .limit(FORM_LIMIT)
                        .error_handler(|e, _| json_error(e).into()),
                )
                .configure(routes::config)
                .default_service(web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(AppError::NotFound)
                }))
        })
        .shutdown_timeout(settings.shutdown_timeout.as_secs())
        .listen(listener)?
        .run();
        Ok(Application {
            port,
            server,
            queries,
            pool,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Purges expired sessions and old rate-limit rows every hour (from the first tick on).
    pub fn start_hourly_purge(&self) {
        crate::ops::purge::spawn_hourly(self.pool.clone());
    }

    /// How many SQL statements the app has run so far.
    pub fn queries(&self) -> QueryCounter {
        self.queries.clone()
    }

    /// Serves until SIGTERM/SIGINT; in-flight requests finish first.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

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

fn form_error(e: UrlencodedError) -> AppError {
    match e {
        UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge,
        other => AppError::BadRequest(format!("The form could not be read: {other}.")),
    }
}

fn json_error(e: JsonPayloadError) -> AppError {
    match e {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            AppError::PayloadTooLarge
        }
        other => AppError::BadRequest(format!("The JSON could not be read: {other}.")),
    }
}
