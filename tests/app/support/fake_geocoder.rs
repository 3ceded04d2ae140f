//! A fake geocoder in the test process, speaking Nominatim's `/search` (jsonv2) and
//! Photon's `/api/` (GeoJSON) over a few known places; it counts the requests, records
//! when each came and with which User-Agent, and can fail on demand. `env` points the
//! server's `GEOCODER_*` settings at it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

/// How the fake answers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GeocoderMode {
    Normal,
    /// 500 with a text body.
    Fails,
    /// 200 with a body that is not JSON.
    Garbage,
    /// Answers after `HANG`, past any timeout the tests set.
    Hangs,
}

/// Longer than the 1 s timeout the tests give the server.
const HANG: Duration = Duration::from_secs(3);

/// (name, display_name, lat, lon, Photon's country)
const PLACES: [(&str, &str, &str, &str, &str); 3] = [
    (
        "Kyoto",
        "Kyoto, Kyoto Prefecture, Japan",
        "35.0116",
        "135.7681",
        "Japan",
    ),
    (
        "Kyoto Station",
        "Kyoto Station, Shimogyo Ward, Kyoto, Japan",
        "34.9858",
        "135.7588",
        "Japan",
    ),
    (
        "Lisbon",
        "Lisbon, Lisboa, Portugal",
        "38.7223",
        "-9.1393",
        "Portugal",
    ),
];

#[derive(Default)]
struct Seen {
    /// (when, path, query `q`, User-Agent) of every request.
    requests: Vec<(Instant, String, String, String)>,
}

struct FakeState {
    mode: Mutex<GeocoderMode>,
    seen: Mutex<Seen>,
}

#[derive(Clone)]
pub struct FakeGeocoder {
    pub url: String,
    state: Arc<FakeState>,
}

impl FakeGeocoder {
    pub async fn start() -> Self {
        let state = Arc::new(FakeState {
            mode: Mutex::new(GeocoderMode::Normal),
            seen: Mutex::new(Seen::default()),
        });
        let data = web::Data::from(state.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = actix_web::HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/search", web::get().to(nominatim))
                .route("/api/", web::get().to(photon))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        FakeGeocoder {
            url: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    pub fn mode(&self, mode: GeocoderMode) {
        *self.state.mode.lock().unwrap() = mode;
    }

    /// How many requests reached the fake.
    pub fn count(&self) -> usize {
        self.state.seen.lock().unwrap().requests.len()
    }

    /// The `q` of every request, in order.
    pub fn queries(&self) -> Vec<String> {
        let seen = self.state.seen.lock().unwrap();
        seen.requests.iter().map(|r| r.2.clone()).collect()
    }

    /// The User-Agent of every request.
    pub fn user_agents(&self) -> Vec<String> {
        let seen = self.state.seen.lock().unwrap();
        seen.requests.iter().map(|r| r.3.clone()).collect()
    }

    /// The shortest gap between two requests' arrivals.
    pub fn shortest_gap(&self) -> Option<Duration> {
        let seen = self.state.seen.lock().unwrap();
        seen.requests
            .windows(2)
            .map(|w| w[1].0.duration_since(w[0].0))
            .min()
    }

    /// The server's settings for this fake, speaking `kind`, with a 1 s timeout.
    pub fn env(&self, kind: &str, env: &mut HashMap<String, String>) {
        env.insert("GEOCODER_URL".into(), self.url.clone());
        env.insert("GEOCODER_KIND".into(), kind.into());
        env.insert("GEOCODER_TIMEOUT_SECS".into(), "1".into());
    }
}

/// Records the request and answers as the mode says; `None` means answer normally.
async fn record(state: &FakeState, req: &HttpRequest, q: &str) -> Option<HttpResponse> {
    let agent = req
        .headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    state.seen.lock().unwrap().requests.push((
        Instant::now(),
        req.path().to_string(),
        q.to_string(),
        agent,
    ));
    let mode = *state.mode.lock().unwrap();
    match mode {
        GeocoderMode::Normal => None,
        GeocoderMode::Fails => Some(HttpResponse::InternalServerError().body("boom")),
        GeocoderMode::Garbage => Some(
            HttpResponse::Ok()
                .content_type("application/json")
                .body("<html>not json"),
        ),
        GeocoderMode::Hangs => {
            tokio::time::sleep(HANG).await;
            Some(HttpResponse::Ok().json(json!([])))
        }
    }
}

fn matching(
    q: &str,
) -> impl Iterator<
    Item = &'static (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ),
> {
    let q = q.to_lowercase();
    PLACES
        .iter()
        .filter(move |p| p.0.to_lowercase().contains(q.trim()))
}

async fn nominatim(
    state: web::Data<FakeState>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let q = query.get("q").cloned().unwrap_or_default();
    if let Some(answer) = record(&state, &req, &q).await {
        return answer;
    }
    if query.get("format").map(String::as_str) != Some("jsonv2") {
        return HttpResponse::BadRequest().body("format");
    }
    let places: Vec<Value> = matching(&q)
        .map(|(name, display, lat, lon, _)| {
            json!({"place_id": 1, "name": name, "display_name": display, "lat": lat, "lon": lon, "category": "place"})
        })
        .collect();
    HttpResponse::Ok().json(places)
}

async fn photon(
    state: web::Data<FakeState>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let q = query.get("q").cloned().unwrap_or_default();
    if let Some(answer) = record(&state, &req, &q).await {
        return answer;
    }
    let features: Vec<Value> = matching(&q)
        .map(|(name, _, lat, lon, country)| {
            let point = [lon.parse::<f64>().unwrap(), lat.parse::<f64>().unwrap()];
            json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": point}, "properties": {"name": name, "country": country}})
        })
        .collect();
    HttpResponse::Ok().json(json!({"type": "FeatureCollection", "features": features}))
}
