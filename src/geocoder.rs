//! Place search over a Nominatim or Photon server (`GEOCODER_URL`), within the public
//! instances' usage policies: a User-Agent naming this instance, at most one request a
//! second for the whole process, and results cached for a day.
//!
//! Every failure (no answer in time, an error status, an answer we cannot read, a queue
//! too long) is a `SearchError` whose text the page shows beside the search field.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::geocoder::{GeocoderKind, GeocoderSettings};

/// Results asked for per search.
const LIMIT: usize = 8;
/// The gap between two requests: the public instances allow one a second; a little more
/// keeps us under it whatever the network's jitter.
const INTERVAL: Duration = Duration::from_millis(1100);
/// A search that would wait longer than this for its turn is refused ("try again").
const MAX_WAIT: Duration = Duration::from_secs(3);
/// How long an answer is reused.
const CACHE_TTL: Duration = Duration::from_secs(24 * 3600);
/// Queries remembered at once.
const CACHE_SIZE: usize = 1000;
/// The longest query we send.
pub const MAX_QUERY_CHARS: usize = 200;

/// One proposed place, as the forms fill it in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub name: String,
    /// The geocoder's display address.
    pub address: String,
    /// Degrees as decimal text with at most 7 decimals (the columns keep 8).
    pub latitude: String,
    pub longitude: String,
}

impl Place {
    /// "Kyoto, Kyoto Prefecture, Japan": the name, then the address unless it starts with it.
    pub fn label(&self) -> String {
        if self.address.is_empty() || self.address == self.name {
            self.name.clone()
        } else if self.address.starts_with(&format!("{}, ", self.name)) {
            self.address.clone()
        } else {
            format!("{}, {}", self.name, self.address)
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SearchError {
    #[error("Type the name of a place to search for.")]
    EmptyQuery,
    #[error("Search for at most {MAX_QUERY_CHARS} characters.")]
    TooLong,
    #[error("Many place searches are waiting: try again in a moment.")]
    Busy,
    #[error(
        "The place search did not answer in time. Try again, or type the place and its coordinates yourself."
    )]
    Timeout,
    #[error(
        "The place search is not available right now. Try again later, or type the place yourself."
    )]
    Unavailable,
    #[error(
        "The place search sent an answer Wayfare cannot read. Type the place and its coordinates yourself."
    )]
    Unreadable,
}

pub struct Geocoder {
    client: reqwest::Client,
    base: url::Url,
    kind: GeocoderKind,
    /// When the next request may go out.
    next_slot: Mutex<Instant>,
    /// Normalised query → (when fetched, places).
    cache: Mutex<HashMap<String, (Instant, Vec<Place>)>>,
}

/// "  Kyoto   Station " and "kyoto station" are one search.
fn normalise(query: &str) -> String {
    query
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Degrees as text with at most 7 decimals, no trailing zeros.
fn degrees(value: f64) -> String {
    let text = format!("{value:.7}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

impl Geocoder {
    /// `public_url` names this instance in the User-Agent, as the usage policies ask.
    pub fn new(settings: &GeocoderSettings, public_url: &url::Url) -> anyhow::Result<Self> {
        let agent = format!(
            "Wayfare/{} ({})",
            env!("CARGO_PKG_VERSION"),
            public_url.as_str().trim_end_matches('/')
        );
        let client = reqwest::Client::builder()
            .user_agent(agent)
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()?;
        Ok(Geocoder {
            client,
            base: settings.url.clone(),
            kind: settings.kind,
            next_slot: Mutex::new(Instant::now()),
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Places matching `query`, from the cache when it was asked within a day.
    pub async fn search(&self, query: &str) -> Result<Vec<Place>, SearchError> {
        let key = normalise(query);
        if key.is_empty() {
            return Err(SearchError::EmptyQuery);
        }
        if key.chars().count() > MAX_QUERY_CHARS {
            return Err(SearchError::TooLong);
        }
        if let Some(places) = self.cached(&key) {
            return Ok(places);
        }
        self.wait_for_turn().await?;
        // Another search for the same words may have finished while this one waited.
        if let Some(places) = self.cached(&key) {
            return Ok(places);
        }
        let places = self.fetch(&key).await?;
        self.remember(key, places.clone());
        Ok(places)
    }

    fn cached(&self, key: &str) -> Option<Vec<Place>> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(key)
            .filter(|(at, _)| at.elapsed() < CACHE_TTL)
            .map(|(_, places)| places.clone())
    }

    fn remember(&self, key: String, places: Vec<Place>) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CACHE_SIZE {
            cache.retain(|_, (at, _)| at.elapsed() < CACHE_TTL);
        }
        if cache.len() >= CACHE_SIZE
            && let Some(oldest) = cache
                .iter()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(k, _)| k.clone())
        {
            cache.remove(&oldest);
        }
        cache.insert(key, (Instant::now(), places));
    }

    /// Takes the next free slot, one `INTERVAL` after the last, and sleeps until it; a
    /// queue longer than `MAX_WAIT` is refused rather than joined.
    async fn wait_for_turn(&self) -> Result<(), SearchError> {
        let slot = {
            let mut next = self.next_slot.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let slot = (*next).max(now);
            if slot - now > MAX_WAIT {
                return Err(SearchError::Busy);
            }
            *next = slot + INTERVAL;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
        Ok(())
    }

    async fn fetch(&self, query: &str) -> Result<Vec<Place>, SearchError> {
        let limit = LIMIT.to_string();
        let request = match self.kind {
            GeocoderKind::Nominatim => self.client.get(self.endpoint("search")).query(&[
                ("q", query),
                ("format", "jsonv2"),
                ("addressdetails", "1"),
                ("limit", &limit),
            ]),
            GeocoderKind::Photon => self
                .client
                .get(self.endpoint("api/"))
                .query(&[("q", query), ("limit", &limit)]),
        };
        let response = request.send().await.map_err(|e| {
            tracing::warn!(error = %e, "place search failed");
            if e.is_timeout() {
                SearchError::Timeout
            } else {
                SearchError::Unavailable
            }
        })?;
        if !response.status().is_success() {
            tracing::warn!(status = %response.status(), "place search answered an error");
            return Err(SearchError::Unavailable);
        }
        let body: Value = response.json().await.map_err(|e| {
            tracing::warn!(error = %e, "place search answer unreadable");
            if e.is_timeout() {
                SearchError::Timeout
            } else {
                SearchError::Unreadable
            }
        })?;
        let places = match self.kind {
            GeocoderKind::Nominatim => nominatim_places(&body),
            GeocoderKind::Photon => photon_places(&body),
        };
        places.ok_or(SearchError::Unreadable)
    }

    /// `path` under the base URL, whether or not that ends with a slash.
    fn endpoint(&self, path: &str) -> url::Url {
        let mut base = self.base.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        base.join(path).unwrap_or(base)
    }
}

/// Nominatim's jsonv2: an array of `{name, display_name, lat, lon}` with text degrees.
fn nominatim_places(body: &Value) -> Option<Vec<Place>> {
    let items = body.as_array()?;
    let mut places = Vec::new();
    for item in items.iter().take(LIMIT) {
        let number = |key: &str| -> Option<f64> {
            match item.get(key)? {
                Value::String(s) => s.trim().parse().ok(),
                v => v.as_f64(),
            }
        };
        let (lat, lon) = (number("lat")?, number("lon")?);
        let address = text(item.get("display_name"));
        let name = Some(text(item.get("name")))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| address.split(',').next().unwrap_or("").trim().to_string());
        places.push(place(name, address, lat, lon)?);
    }
    Some(places)
}

/// Photon's GeoJSON: features with `[lon, lat]` points and the address in properties.
fn photon_places(body: &Value) -> Option<Vec<Place>> {
    let features = body.get("features")?.as_array()?;
    let mut places = Vec::new();
    for feature in features.iter().take(LIMIT) {
        let point = feature.get("geometry")?.get("coordinates")?.as_array()?;
        let (lon, lat) = (point.first()?.as_f64()?, point.get(1)?.as_f64()?);
        let props = feature.get("properties")?;
        let name = text(props.get("name"));
        let parts: Vec<String> = [
            "housenumber",
            "street",
            "postcode",
            "city",
            "state",
            "country",
        ]
        .iter()
        .map(|k| text(props.get(*k)))
        .filter(|p| !p.is_empty() && *p != name)
        .collect();
        let address = parts.join(", ");
        let name = if name.is_empty() {
            parts.first().cloned().unwrap_or_default()
        } else {
            name
        };
        places.push(place(name, address, lat, lon)?);
    }
    Some(places)
}

fn text(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_str)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// A place whose coordinates are on the globe; anything else is an answer we cannot read.
fn place(name: String, address: String, lat: f64, lon: f64) -> Option<Place> {
    let on_globe = lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0;
    (on_globe && !name.is_empty()).then(|| Place {
        name: name.chars().take(200).collect(),
        address: address.chars().take(2000).collect(),
        latitude: degrees(lat),
        longitude: degrees(lon),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn queries_are_normalised() {
        assert_eq!(normalise("  Kyoto   STATION "), "kyoto station");
    }

    #[test]
    fn degrees_keep_seven_decimals() {
        assert_eq!(degrees(35.0116), "35.0116");
        assert_eq!(degrees(-9.139336789), "-9.1393368");
        assert_eq!(degrees(0.0), "0");
    }

    #[test]
    fn nominatim_and_photon_answers_are_read() {
        let nominatim = json!([{"name": "Kyoto", "display_name": "Kyoto, Japan", "lat": "35.0116", "lon": "135.7681"}]);
        let places = nominatim_places(&nominatim).unwrap();
        assert_eq!(places[0].label(), "Kyoto, Japan");
        assert_eq!(places[0].longitude, "135.7681");
        let photon = json!({"type": "FeatureCollection", "features": [{"geometry": {"type": "Point", "coordinates": [-9.1393, 38.7223]}, "properties": {"name": "Lisbon", "country": "Portugal"}}]});
        let places = photon_places(&photon).unwrap();
        assert_eq!(
            (places[0].address.as_str(), places[0].latitude.as_str()),
            ("Portugal", "38.7223")
        );
        assert!(nominatim_places(&json!({"error": 1})).is_none());
        assert!(nominatim_places(&json!([{"name": "x", "lat": "95", "lon": "0"}])).is_none());
    }
}
