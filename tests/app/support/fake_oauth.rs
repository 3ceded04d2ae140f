//! A fake OAuth provider in the test process: it approves at once, checks PKCE (S256) and
//! the client secret like a real one, records what it was sent and returns the profile the
//! test gave it. `env` points a provider's settings at it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::app::unique;

/// How the token endpoint answers.
#[derive(Clone, Copy, PartialEq)]
pub enum TokenMode {
    Normal,
    Fails,
    Redirects,
    Hangs,
}

#[derive(Default)]
struct Seen {
    /// code → (PKCE challenge, challenge method, redirect_uri, scope)
    codes: HashMap<String, (String, String, String, String)>,
    /// Every token request's form.
    token_requests: Vec<HashMap<String, String>>,
    /// The scope of every authorization request.
    scopes: Vec<String>,
}

struct FakeState {
    profile: Mutex<Value>,
    mode: Mutex<TokenMode>,
    seen: Mutex<Seen>,
}

#[derive(Clone)]
pub struct FakeProvider {
    pub url: String,
    state: Arc<FakeState>,
}

impl FakeProvider {
    pub async fn start() -> Self {
        let state = Arc::new(FakeState {
            profile: Mutex::new(json!({})),
            mode: Mutex::new(TokenMode::Normal),
            seen: Mutex::new(Seen::default()),
        });
        let data = web::Data::from(state.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/authorize", web::get().to(authorize))
                .route("/token", web::post().to(token))
                .route("/userinfo", web::get().to(userinfo))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        FakeProvider {
            url: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    pub fn profile(&self, profile: Value) {
        *self.state.profile.lock().unwrap() = profile;
    }

    pub fn mode(&self, mode: TokenMode) {
        *self.state.mode.lock().unwrap() = mode;
    }

    pub fn token_requests(&self) -> Vec<HashMap<String, String>> {
        self.state.seen.lock().unwrap().token_requests.clone()
    }

    /// The scope of every authorization request so far.
    pub fn scopes(&self) -> Vec<String> {
        self.state.seen.lock().unwrap().scopes.clone()
    }

    pub fn env(&self, prefix: &str, env: &mut HashMap<String, String>) {
        env.insert(format!("{prefix}_CLIENT_ID"), format!("{prefix}-client"));
        env.insert(
            format!("{prefix}_CLIENT_SECRET"),
            format!("{prefix}-secret"),
        );
        env.insert(
            format!("{prefix}_AUTH_URL"),
            format!("{}/authorize", self.url),
        );
        env.insert(format!("{prefix}_TOKEN_URL"), format!("{}/token", self.url));
        env.insert(
            format!("{prefix}_USERINFO_URL"),
            format!("{}/userinfo", self.url),
        );
    }
}

async fn authorize(
    state: web::Data<FakeState>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let q = query.into_inner();
    let code = unique("code");
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    state.seen.lock().unwrap().scopes.push(get("scope"));
    state.seen.lock().unwrap().codes.insert(
        code.clone(),
        (
            get("code_challenge"),
            get("code_challenge_method"),
            get("redirect_uri"),
            get("scope"),
        ),
    );
    let location = format!("{}?code={code}&state={}", get("redirect_uri"), get("state"));
    HttpResponse::Found()
        .insert_header(("Location", location))
        .finish()
}

async fn token(
    state: web::Data<FakeState>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let form = form.into_inner();
    state.seen.lock().unwrap().token_requests.push(form.clone());
    let mode = *state.mode.lock().unwrap();
    match mode {
        TokenMode::Fails => return HttpResponse::InternalServerError().body("boom"),
        TokenMode::Redirects => {
            return HttpResponse::Found()
                .insert_header(("Location", "http://127.0.0.1:9/elsewhere"))
                .finish();
        }
        TokenMode::Hangs => tokio::time::sleep(Duration::from_secs(8)).await,
        TokenMode::Normal => {}
    }
    let code = form.get("code").cloned().unwrap_or_default();
    // Codes are single-use; the PKCE verifier must hash to the challenge (S256).
    let Some((challenge, method, redirect_uri, _)) = state.seen.lock().unwrap().codes.remove(&code)
    else {
        return HttpResponse::BadRequest().json(json!({"error": "invalid_grant"}));
    };
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    if method != "S256" || computed != challenge || form.get("redirect_uri") != Some(&redirect_uri)
    {
        return HttpResponse::BadRequest()
            .json(json!({"error": "invalid_grant", "error_description": "PKCE"}));
    }
    if !form
        .get("client_secret")
        .is_some_and(|s| s.ends_with("-secret"))
    {
        return HttpResponse::Unauthorized().json(json!({"error": "invalid_client"}));
    }
    HttpResponse::Ok().json(json!({"access_token": format!("token-{code}"), "token_type": "bearer", "expires_in": 3600}))
}

async fn userinfo(state: web::Data<FakeState>, req: actix_web::HttpRequest) -> HttpResponse {
    let authorized = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer token-"));
    if !authorized {
        return HttpResponse::Unauthorized().finish();
    }
    HttpResponse::Ok().json(state.profile.lock().unwrap().clone())
}
