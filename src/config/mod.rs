//! Settings read once from the environment (and a `.env` file) at start-up.
//!
//! Every variable has a safe default for local use, except the secrets a production server
//! (one whose `PUBLIC_URL` is https) must set: it refuses to start without them.

pub mod geocoder;
pub mod oauth;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rand::RngCore;

/// Largest form body we accept; the raw plan-data editor allows 256 KiB of JSON.
pub const FORM_LIMIT: usize = 320 * 1024;
/// Largest file upload (plan import).
pub const UPLOAD_LIMIT: usize = 1024 * 1024;

/// A value that must never reach a log line or a debug print.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

#[derive(Clone, Debug)]
pub struct Settings {
    /// `DATABASE_URL`: the primary database; `None` starts the embedded default cluster.
    pub database_url: Option<Secret>,
    /// `DATABASE_OWNER_URL`: optional; the role that owns the tables and runs the migrations
    /// (`serve`, `migrate`), so that `DATABASE_URL`'s role owns nothing and row-level
    /// security binds it. Unset, migrations run as `DATABASE_URL`'s role, which then owns the
    /// tables (a warning says so). Needs `DATABASE_URL`: the embedded cluster has its own.
    pub database_owner_url: Option<Secret>,
    /// `DATABASE_READ_URL`: optional read replica for pages showing other people's data.
    pub database_read_url: Option<Secret>,
    /// `DATABASE_POOL_SIZE`: connections per pool (default 10).
    pub pool_size: u32,
    /// `DATABASE_TIMEOUT_SECS`: how long a request waits for a connection (default 3).
    pub database_timeout: Duration,
    /// `DATABASE_STATEMENT_CACHE`: cache prepared statements per connection (default true).
    /// Set false behind a PgBouncer older than 1.21 in transaction pooling mode, which cannot
    /// carry named prepared statements between server connections.
    pub statement_cache: bool,
    /// `HOST`, `PORT`: where the server binds (127.0.0.1:8080).
    pub host: String,
    pub port: u16,
    /// `PUBLIC_URL`: the address users see; https makes cookies `Secure` and adds HSTS.
    pub public_url: url::Url,
    /// `SECRET_KEY`: at least 64 bytes; signs cookies and e-mailed tokens.
    pub secret_key: Secret,
    /// `BCRYPT_COST`: work factor of new password hashes (12).
    pub bcrypt_cost: u32,
    /// `SMTP_URL`: mail server; unset writes mail as `.eml` files into `MAIL_DIR`.
    pub smtp_url: Option<Secret>,
    /// `MAIL_FROM`: sender address of every mail.
    pub mail_from: String,
    /// `MAIL_DIR`: where mail goes without SMTP (`.data/mail`).
    pub mail_dir: PathBuf,
    /// `REDIS_URL`: optional; rate-limit counters in Redis instead of the `rate_limits` table.
    pub redis_url: Option<Secret>,
    /// `DATA_DIR`: local state: the embedded cluster, the generated secret, mail (`.data`).
    pub data_dir: PathBuf,
    /// `SHUTDOWN_TIMEOUT_SECS`: how long in-flight requests may run after SIGTERM (30).
    pub shutdown_timeout: Duration,
    /// Session lifetimes: `SESSION_IDLE_SECS`, `SESSION_ABSOLUTE_SECS` and the shorter
    /// `STAFF_SESSION_IDLE_SECS`, `STAFF_SESSION_ABSOLUTE_SECS`.
    pub sessions: SessionLifetimes,
    /// Daily rate limits (`LIMIT_*` variables).
    pub limits: RateLimits,
    /// Social login providers with a client id and secret (`GOOGLE_*`, `FACEBOOK_*`).
    pub oauth: Vec<oauth::ProviderSettings>,
    /// `METRICS_TOKEN`: when set, `/metrics` needs it as a bearer token; otherwise only
    /// loopback clients may read it.
    pub metrics_token: Option<Secret>,
    /// `SLOW_REQUEST_MS`: requests slower than this are logged with their SQL count (500).
    pub slow_request: Duration,
    /// `TILE_URL`: map tiles ({z}/{x}/{y}); OpenStreetMap's by default.
    pub tile_url: String,
    /// The place search (`GEOCODER_*`); `None` leaves the place fields typed by hand.
    pub geocoder: Option<geocoder::GeocoderSettings>,
    /// Planning together: invitations, members, digests.
    pub collaboration: Collaboration,
    /// `TRUST_FORWARDED_FOR`: take the client address from `X-Forwarded-For` (only behind a
    /// proxy that sets it; otherwise clients could pick their own address). Default false.
    pub trust_forwarded_for: bool,
}

#[derive(Clone, Copy, Debug)]
pub struct SessionLifetimes {
    pub idle: Duration,
    pub absolute: Duration,
    pub staff_idle: Duration,
    pub staff_absolute: Duration,
}

impl SessionLifetimes {
    /// (idle, absolute) for a user.
    pub fn for_user(&self, is_staff: bool) -> (Duration, Duration) {
        if is_staff {
            (self.staff_idle, self.staff_absolute)
        } else {
            (self.idle, self.absolute)
        }
    }
}

/// Limits of planning together.
#[derive(Clone, Copy, Debug)]
pub struct Collaboration {
    /// `INVITATION_TTL_DAYS`: how long an invitation's link works (7).
    pub invitation_ttl: Duration,
    /// `MAX_MEMBERS_PER_PLAN`: members besides the owner (50).
    pub max_members_per_plan: u32,
    /// `MAX_PENDING_INVITATIONS_PER_PLAN`: invitations sent and not yet accepted (20).
    pub max_pending_invitations_per_plan: u32,
    /// `LIMIT_INVITATIONS_PER_USER`: invitation mails one user may send in a day, new and
    /// sent again (50).
    pub invitations_per_user: u32,
    /// `DIGEST_INTERVAL_SECS`: at most one digest of changes per member this often (3600).
    pub digest_interval: Duration,
    /// `DIGEST_POLL_SECS`: how often each server looks for digests that are due (60); 0
    /// sends none from this server (another instance on the same database may).
    pub digest_poll: Duration,
}

/// How many of each action one client may take per day (UTC).
#[derive(Clone, Copy, Debug)]
pub struct RateLimits {
    /// `LIMIT_LOGIN_FAILURES_PER_IP` (100).
    pub login_failures_per_ip: u32,
    /// `LOGIN_FAILURES_NOTICE`: failed password checks of one account in a day after which
    /// its owner gets one mail (20). They never lock the account: see `rate_limit`.
    pub login_failures_notice: u32,
    /// `LOGIN_FREE_FAILURES`: wrong passwords one client may type for one account before
    /// each further try waits twice as long as the last (5).
    pub login_free_failures: u32,
    /// `LOGIN_BACKOFF_SECS`: the first of those waits (1); each further failure doubles it,
    /// up to 15 minutes.
    pub login_backoff_secs: u32,
    /// `LIMIT_PROFILE_UPDATES_PER_ACCOUNT`: saves of the profile form (20).
    pub profile_updates_per_account: u32,
    /// `LIMIT_SIGNUPS_PER_IP` (20).
    pub signups_per_ip: u32,
    /// `LIMIT_MAILS_PER_ACCOUNT`: verification and reset mails (5).
    pub mails_per_account: u32,
    /// `LIMIT_PLANS_PER_USER` (200).
    pub plans_per_user: u32,
    /// `LIMIT_ACTIVITIES_PER_USER` (2000).
    pub activities_per_user: u32,
    /// `LIMIT_PLACE_SEARCHES_PER_USER`: place searches (form and suggestions) (500).
    pub place_searches_per_user: u32,
}

/// Where the environment comes from; tests pass a map instead of the process environment.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }
}

impl<S: std::hash::BuildHasher> Env for std::collections::HashMap<String, String, S> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned().filter(|v| !v.trim().is_empty())
    }
}

const MIN_SECRET_LEN: usize = 64;

impl Settings {
    /// Reads the process environment, after loading `.env` if there is one.
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        Self::from_source(&ProcessEnv)
    }

    pub fn from_source(env: &dyn Env) -> Result<Self, ConfigError> {
        let data_dir = PathBuf::from(env.var("DATA_DIR").unwrap_or_else(|| ".data".into()));
        let port: u16 = parse(env, "PORT", 8080)?;
        let host = env.var("HOST").unwrap_or_else(|| "127.0.0.1".into());
        let public_url = match env.var("PUBLIC_URL") {
            Some(raw) => url::Url::parse(&raw)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
                .ok_or_else(|| {
                    ConfigError(format!(
                        "PUBLIC_URL is not an http(s) URL ({raw}): set it like https://travel.example.org"
                    ))
                })?,
            None => url::Url::parse(&format!("http://{host}:{port}"))
                .map_err(|_| ConfigError(format!("HOST is not a valid host name ({host})")))?,
        };
        let production = public_url.scheme() == "https";

        let database_url = env
            .var("DATABASE_URL")
            .map(|v| postgres_url("DATABASE_URL", v))
            .transpose()?;
        let database_owner_url = env
            .var("DATABASE_OWNER_URL")
            .map(|v| postgres_url("DATABASE_OWNER_URL", v))
            .transpose()?;
        if database_owner_url.is_some() && database_url.is_none() {
            return Err(ConfigError(
                "DATABASE_OWNER_URL is set without DATABASE_URL: set both (the embedded database has its own owner role)".into(),
            ));
        }
        let database_read_url = env
            .var("DATABASE_READ_URL")
            .map(|v| postgres_url("DATABASE_READ_URL", v))
            .transpose()?;

        let secret_key = match env.var("SECRET_KEY") {
            Some(key) if key.len() >= MIN_SECRET_LEN => Secret(key),
            Some(_) => {
                return Err(ConfigError(format!(
                    "SECRET_KEY is too short: set it to at least {MIN_SECRET_LEN} random bytes (openssl rand -hex 64)"
                )));
            }
            None if production => {
                return Err(ConfigError(
                    "SECRET_KEY is not set: a server with an https PUBLIC_URL needs one (openssl rand -hex 64)".into(),
                ));
            }
            None => local_secret_key(&data_dir)?,
        };
        // Without SMTP, mail (reset links included) is written to files on the server: fine
        // for development, a leak and a dead end in production.
        if production && env.var("SMTP_URL").is_none() {
            return Err(ConfigError(
                "SMTP_URL is not set: a server with an https PUBLIC_URL must send its mail (smtps://user:password@mail.example.org)".into(),
            ));
        }

        let bcrypt_cost: u32 = parse(env, "BCRYPT_COST", 12)?;
        if !(4..=31).contains(&bcrypt_cost) {
            return Err(ConfigError("BCRYPT_COST must be between 4 and 31".into()));
        }
        let pool_size: u32 = parse(env, "DATABASE_POOL_SIZE", 10)?;
        if pool_size == 0 {
            return Err(ConfigError("DATABASE_POOL_SIZE must be at least 1".into()));
        }

        Ok(Settings {
            database_url,
            database_owner_url,
            database_read_url,
            pool_size,
            database_timeout: Duration::from_secs(parse(env, "DATABASE_TIMEOUT_SECS", 3)?),
            statement_cache: parse(env, "DATABASE_STATEMENT_CACHE", true)?,
            host,
            port,
            public_url,
            secret_key,
            bcrypt_cost,
            smtp_url: env.var("SMTP_URL").map(Secret),
            mail_from: env
                .var("MAIL_FROM")
                .unwrap_or_else(|| "Wayfare <no-reply@localhost>".into()),
            mail_dir: env
                .var("MAIL_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| data_dir.join("mail")),
            redis_url: env.var("REDIS_URL").map(Secret),
            shutdown_timeout: Duration::from_secs(parse(env, "SHUTDOWN_TIMEOUT_SECS", 30)?),
            sessions: SessionLifetimes {
                idle: secs(env, "SESSION_IDLE_SECS", 14 * DAY)?,
                absolute: secs(env, "SESSION_ABSOLUTE_SECS", 30 * DAY)?,
                staff_idle: secs(env, "STAFF_SESSION_IDLE_SECS", HOUR)?,
                staff_absolute: secs(env, "STAFF_SESSION_ABSOLUTE_SECS", 12 * HOUR)?,
            },
            limits: RateLimits {
                login_failures_per_ip: parse(env, "LIMIT_LOGIN_FAILURES_PER_IP", 100)?,
                login_failures_notice: parse(env, "LOGIN_FAILURES_NOTICE", 20)?,
                login_free_failures: parse(env, "LOGIN_FREE_FAILURES", 5)?,
                login_backoff_secs: parse(env, "LOGIN_BACKOFF_SECS", 1)?,
                profile_updates_per_account: parse(env, "LIMIT_PROFILE_UPDATES_PER_ACCOUNT", 20)?,
                signups_per_ip: parse(env, "LIMIT_SIGNUPS_PER_IP", 20)?,
                mails_per_account: parse(env, "LIMIT_MAILS_PER_ACCOUNT", 5)?,
                plans_per_user: parse(env, "LIMIT_PLANS_PER_USER", 200)?,
                activities_per_user: parse(env, "LIMIT_ACTIVITIES_PER_USER", 2000)?,
                place_searches_per_user: parse(env, "LIMIT_PLACE_SEARCHES_PER_USER", 500)?,
            },
            trust_forwarded_for: parse(env, "TRUST_FORWARDED_FOR", false)?,
            oauth: [oauth::Provider::Google, oauth::Provider::Facebook]
                .into_iter()
                .filter_map(|p| oauth::ProviderSettings::from_env(env, p))
                .collect(),
            metrics_token: env.var("METRICS_TOKEN").map(Secret),
            slow_request: Duration::from_millis(parse(env, "SLOW_REQUEST_MS", 500)?),
            tile_url: env
                .var("TILE_URL")
                .unwrap_or_else(|| "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into()),
            geocoder: geocoder::GeocoderSettings::from_env(env)?,
            collaboration: Collaboration {
                invitation_ttl: secs(env, "INVITATION_TTL_DAYS", 7)? * 86_400,
                max_members_per_plan: parse(env, "MAX_MEMBERS_PER_PLAN", 50)?,
                max_pending_invitations_per_plan: parse(
                    env,
                    "MAX_PENDING_INVITATIONS_PER_PLAN",
                    20,
                )?,
                invitations_per_user: parse(env, "LIMIT_INVITATIONS_PER_USER", 50)?,
                digest_interval: secs(env, "DIGEST_INTERVAL_SECS", HOUR)?,
                digest_poll: secs(env, "DIGEST_POLL_SECS", 60)?,
            },
            data_dir,
        })
    }

    /// Cookies carry `Secure` and responses HSTS only when users reach us over https.
    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }
}

/// A cookie's name: over https with the `__Host-` prefix, which browsers accept only on a
/// `Secure`, host-only cookie with `Path=/`, so that no subdomain or plain-http page can
/// plant or overwrite it.
pub fn cookie_name(base: &str, https: bool) -> String {
    if https {
        format!("__Host-{base}")
    } else {
        base.to_string()
    }
}

const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

fn secs(env: &dyn Env, name: &str, default: u64) -> Result<Duration, ConfigError> {
    Ok(Duration::from_secs(parse(env, name, default)?))
}

fn parse<T: std::str::FromStr>(env: &dyn Env, name: &str, default: T) -> Result<T, ConfigError> {
    match env.var(name) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|_| ConfigError(format!("{name} is not a valid value ({raw})"))),
    }
}

fn postgres_url(name: &str, raw: String) -> Result<Secret, ConfigError> {
    let valid = url::Url::parse(&raw)
        .map(|u| matches!(u.scheme(), "postgres" | "postgresql"))
        .unwrap_or(false);
    if valid {
        Ok(Secret(raw))
    } else {
        Err(ConfigError(format!(
            "{name} is not a PostgreSQL URL: set it like postgres://user:password@localhost:5432/wayfare"
        )))
    }
}

/// For local use only: a random key generated once into `DATA_DIR/secret_key`.
fn local_secret_key(data_dir: &Path) -> Result<Secret, ConfigError> {
    let path = data_dir.join("secret_key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_string();
        if existing.len() >= MIN_SECRET_LEN {
            return Ok(Secret(existing));
        }
    }
    let mut bytes = [0u8; 64];
    rand::rng().fill_bytes(&mut bytes);
    let key = hex::encode(bytes);
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        std::fs::create_dir_all(data_dir)?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        // Readable by its owner only from the first byte on, not after a chmod.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&tmp)?.write_all(key.as_bytes())?;
        std::fs::rename(&tmp, &path)
    };
    write().map_err(|e| {
        ConfigError(format!(
            "cannot write {}: {e}; set SECRET_KEY instead",
            path.display()
        ))
    })?;
    Ok(Secret(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        let dir = std::env::temp_dir().join(format!("wayfare-config-{}", rand::rng().next_u64()));
        let mut map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        map.entry("DATA_DIR".into())
            .or_insert_with(|| dir.display().to_string());
        map
    }

    #[test]
    fn defaults_are_local() {
        let s = Settings::from_source(&env(&[])).unwrap();
        assert_eq!(s.port, 8080);
        assert_eq!(s.public_url.as_str(), "http://127.0.0.1:8080/");
        assert!(s.database_url.is_none());
        assert!(s.secret_key.expose().len() >= 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(s.data_dir.join("secret_key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "only its owner reads the key");
        }
        // The generated key is reused on the next start.
        let again =
            Settings::from_source(&env(&[("DATA_DIR", s.data_dir.to_str().unwrap())])).unwrap();
        assert_eq!(again.secret_key.expose(), s.secret_key.expose());
    }

    #[test]
    fn malformed_database_url_says_what_to_set() {
        let err = Settings::from_source(&env(&[("DATABASE_URL", "mysql://x")])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("DATABASE_URL is not a PostgreSQL URL")
        );
    }

    #[test]
    fn an_owner_url_needs_a_database_url() {
        let err = Settings::from_source(&env(&[("DATABASE_OWNER_URL", "postgres://o@h/db")]))
            .unwrap_err();
        assert!(err.to_string().contains("without DATABASE_URL"), "{err}");
        let bad = Settings::from_source(&env(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("DATABASE_OWNER_URL", "mysql://o@h/db"),
        ]))
        .unwrap_err();
        assert!(
            bad.to_string()
                .starts_with("DATABASE_OWNER_URL is not a PostgreSQL URL")
        );
    }

    #[test]
    fn production_requires_a_secret_key() {
        let err = Settings::from_source(&env(&[("PUBLIC_URL", "https://trips.example.org")]))
            .unwrap_err();
        assert!(err.to_string().contains("SECRET_KEY is not set"));
        let key = "k".repeat(64);
        let no_smtp = Settings::from_source(&env(&[
            ("PUBLIC_URL", "https://trips.example.org"),
            ("SECRET_KEY", &key),
        ]))
        .unwrap_err();
        assert!(no_smtp.to_string().contains("SMTP_URL is not set"));
        assert!(
            Settings::from_source(&env(&[
                ("PUBLIC_URL", "https://trips.example.org"),
                ("SECRET_KEY", &key),
                ("SMTP_URL", "smtp://127.0.0.1:2525"),
            ]))
            .is_ok()
        );
        let short = Settings::from_source(&env(&[("SECRET_KEY", "short")])).unwrap_err();
        assert!(short.to_string().contains("too short"));
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Settings::from_source(&env(&[
            ("DATABASE_URL", "postgres://u:hunter2@h/db"),
            ("DATABASE_OWNER_URL", "postgres://o:swordfish@h/db"),
        ]))
        .unwrap();
        let printed = format!("{s:?}");
        assert!(!printed.contains("hunter2") && !printed.contains("swordfish"));
        assert!(!printed.contains(s.secret_key.expose()));
    }

    #[test]
    fn the_geocoder_is_optional_and_checked() {
        assert!(Settings::from_source(&env(&[])).unwrap().geocoder.is_none());
        let photon = Settings::from_source(&env(&[
            ("GEOCODER_URL", "https://photon.example.org"),
            ("GEOCODER_KIND", "photon"),
        ]))
        .unwrap()
        .geocoder
        .unwrap();
        assert_eq!(photon.kind, geocoder::GeocoderKind::Photon);
        let err = Settings::from_source(&env(&[("GEOCODER_URL", "ftp://x")])).unwrap_err();
        assert!(err.to_string().starts_with("GEOCODER_URL is not"), "{err}");
        let err = Settings::from_source(&env(&[
            ("GEOCODER_URL", "https://geo.example.org"),
            ("GEOCODER_KIND", "google"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("nominatim or photon"), "{err}");
    }

    #[test]
    fn bad_numbers_are_refused() {
        let err = Settings::from_source(&env(&[("PORT", "eighty")])).unwrap_err();
        assert_eq!(err.to_string(), "PORT is not a valid value (eighty)");
    }
}
