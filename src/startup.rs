//! Builds the running application: database, migrations, pools and the HTTP server.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, error::JsonPayloadError, error::UrlencodedError, web};
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
use crate::config::{FORM_LIMIT, Settings, cookie_name};
use crate::db::pool::QueryCounter;
use crate::db::setup::{migrate, resolve_database};
use crate::db::{self, Db};
use crate::error::AppError;
use crate::mail::Mailer;
use crate::rate_limit::RateLimiter;
use crate::state::AppState;
use crate::{middleware, routes};

pub struct Application {
    port: u16,
    server: Server,
    queries: QueryCounter,
    pool: db::PgPool,
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
            geocoder: settings
                .geocoder
                .as_ref()
                .map(|g| crate::geocoder::Geocoder::new(g, &settings.public_url))
                .transpose()?,
            settings: settings.clone(),
        });

        // Every instance polls for digests: the database hands each one to one of them.
        crate::ops::digest::spawn(crate::ops::digest::DigestTask {
            database_url: database_url.clone(),
            mailer: state.mailer.clone(),
            site: state.link(""),
            interval: settings.collaboration.digest_interval,
            poll: settings.collaboration.digest_poll,
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
                .wrap(from_fn(middleware::measure))
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
