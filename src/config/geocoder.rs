//! The place search (`GEOCODER_URL`, `GEOCODER_KIND`, `GEOCODER_TIMEOUT_SECS`): optional;
//! without it the place fields are typed by hand, as they always could be.

use std::time::Duration;

use super::{ConfigError, Env, parse};

/// Which API the geocoder speaks; both are open source and self-hostable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeocoderKind {
    /// Nominatim's `/search?format=jsonv2`.
    Nominatim,
    /// Photon's `/api/`, answering GeoJSON.
    Photon,
}

#[derive(Clone, Debug)]
pub struct GeocoderSettings {
    /// `GEOCODER_URL`: the instance's base URL, like https://nominatim.openstreetmap.org.
    pub url: url::Url,
    /// `GEOCODER_KIND`: `nominatim` (default) or `photon`.
    pub kind: GeocoderKind,
    /// `GEOCODER_TIMEOUT_SECS`: how long one search may take before the form says so (5).
    pub timeout: Duration,
}

impl GeocoderSettings {
    pub(super) fn from_env(env: &dyn Env) -> Result<Option<Self>, ConfigError> {
        let Some(raw) = env.var("GEOCODER_URL") else {
            return Ok(None);
        };
        let url = url::Url::parse(raw.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .ok_or_else(|| {
                ConfigError(format!(
                    "GEOCODER_URL is not an http(s) URL ({raw}): set it like https://nominatim.openstreetmap.org"
                ))
            })?;
        let kind = match env.var("GEOCODER_KIND").as_deref().map(str::trim) {
            None | Some("nominatim") => GeocoderKind::Nominatim,
            Some("photon") => GeocoderKind::Photon,
            Some(other) => {
                return Err(ConfigError(format!(
                    "GEOCODER_KIND must be nominatim or photon ({other})"
                )));
            }
        };
        let timeout: u64 = parse(env, "GEOCODER_TIMEOUT_SECS", 5)?;
        if timeout == 0 {
            return Err(ConfigError(
                "GEOCODER_TIMEOUT_SECS must be at least 1".into(),
            ));
        }
        Ok(Some(GeocoderSettings {
            url,
            kind,
            timeout: Duration::from_secs(timeout),
        }))
    }
}
