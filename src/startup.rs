//! Builds the running application: database, migrations, pools and the HTTP server.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, error::JsonPayloadError, error::UrlencodedError, web};
use diesel::{Connection, PgConnection};
use tracing_actix_web::TracingLogger;

use crate::auth::password::Hasher;
use crate::config::Settings;
use crate::db::{self, Db, local};
use crate::error::AppError;
use crate::{middleware, routes};

/// Largest form body we accept; the raw plan-data editor allows 256 KiB of JSON.
pub const FORM_LIMIT: usize = 320 * 1024;

pub struct Application {
    port: u16,
    server: Server,
}

/// What handlers reach through `web::Data`.
pub struct AppState {
    pub settings: Settings,
    pub hasher: Hasher,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let database_url = resolve_database_url(&settings).await?;
        let migrate_url = database_url.clone();
        let applied = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
            let mut conn = connect(&migrate_url)?;
            db::run_migrations(&mut conn)
        })
        .await??;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "applied migrations");
        }

        let primary = db::pool::build(&database_url, settings.pool_size, settings.database_timeout);
        let replica = match &settings.database_read_url {
            Some(url) => {
                db::pool::build(url.expose(), settings.pool_size, settings.database_timeout)
            }
            None => primary.clone(),
        };
        let db = web::Data::new(Db { primary, replica });
        let state = web::Data::new(AppState {
            hasher: Hasher::new(settings.bcrypt_cost),
            settings: settings.clone(),
        });

        let listener = TcpListener::bind((settings.host.as_str(), settings.port)).map_err(|e| {
            anyhow::anyhow!("cannot listen on {}:{}: {e}", settings.host, settings.port)
        })?;
        let port = listener.local_addr()?.port();
        let https = settings.is_https();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(middleware::error_pages())
                .wrap(TracingLogger::default())
                .wrap(middleware::security_headers(https))
                .app_data(db.clone())
                .app_data(state.clone())
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
        Ok(Application { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM/SIGINT; in-flight requests finish first.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// `DATABASE_URL`, or the embedded default cluster when it is unset.
pub async fn resolve_database_url(settings: &Settings) -> anyhow::Result<String> {
    if let Some(url) = &settings.database_url {
        return Ok(url.expose().to_string());
    }
    let data_dir = settings.data_dir.clone();
    let cluster = tokio::task::spawn_blocking(move || local::ensure_running(&data_dir)).await??;
    Ok(cluster.app_url(local::APP_DATABASE))
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
