//! Social login with Google and Facebook: authorization code flow with PKCE (S256) through
//! the oauth2 crate, one client per configured provider, built at start-up.
//!
//! What the flow needs between start and callback (state, PKCE verifier, `next`) travels in
//! a private (encrypted and authenticated) cookie bound to this browser for ten minutes, and
//! is removed by the callback: each state is used once.

use std::time::Duration;

use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};

pub use crate::config::oauth::{Provider, ProviderSettings};

pub type Client =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// How long the provider may take to answer a token or profile request.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(5);
pub const FLOW_COOKIE: &str = "wayfare_oauth";
pub const FLOW_MINUTES: i64 = 10;

/// The configured providers, with their clients and one HTTP client that follows no
/// redirects and gives up after five seconds.
#[derive(Clone)]
pub struct OAuth {
    providers: Vec<(ProviderSettings, Client)>,
    http: reqwest::Client,
}

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("the provider refused or failed the token exchange: {0}")]
    Token(String),
    #[error("the provider's profile could not be read: {0}")]
    Profile(String),
}

/// The flow's state between start and callback (kept in the private cookie).
#[derive(Debug, Serialize, Deserialize)]
pub struct Flow {
    pub provider: Provider,
    pub state: String,
    pub verifier: String,
    pub next: String,
    /// Unix seconds.
    pub expires: i64,
}

/// Who the provider says the user is.
#[derive(Debug, Clone)]
pub struct Profile {
    pub provider_id: String,
    pub email: Option<String>,
    /// Only Google's `email_verified = true` counts; Facebook's addresses are never trusted.
    pub email_verified: bool,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub name: Option<String>,
}

#[derive(Deserialize)]
struct GoogleUser {
    sub: String,
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<serde_json::Value>,
    given_name: Option<String>,
    family_name: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct FacebookUser {
    id: String,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    name: Option<String>,
}

impl OAuth {
    pub fn new(settings: Vec<ProviderSettings>, public_url: &url::Url) -> anyhow::Result<Self> {
        let base = public_url.as_str().trim_end_matches('/');
        let mut providers = Vec::new();
        for s in settings {
            let label = s.provider.env_prefix();
            let client = BasicClient::new(ClientId::new(s.client_id.clone()))
                .set_client_secret(ClientSecret::new(s.client_secret.expose().to_string()))
                .set_auth_uri(
                    AuthUrl::new(s.auth_url.clone())
                        .map_err(|e| anyhow::anyhow!("{label}_AUTH_URL is not a URL: {e}"))?,
                )
                .set_token_uri(
                    TokenUrl::new(s.token_url.clone())
                        .map_err(|e| anyhow::anyhow!("{label}_TOKEN_URL is not a URL: {e}"))?,
                )
                .set_redirect_uri(
                    RedirectUrl::new(format!("{base}/auth/{}/callback", s.provider.slug()))
                        .map_err(|e| {
                            anyhow::anyhow!("PUBLIC_URL gives no valid redirect URL: {e}")
                        })?,
                )
                .set_auth_type(AuthType::RequestBody);
            url::Url::parse(&s.userinfo_url)
                .map_err(|e| anyhow::anyhow!("{label}_USERINFO_URL is not a URL: {e}"))?;
            providers.push((s, client));
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .build()?;
        Ok(OAuth { providers, http })
    }

    /// Providers whose buttons the login and sign-up pages show.
    pub fn configured(&self) -> Vec<Provider> {
        self.providers.iter().map(|(s, _)| s.provider).collect()
    }

    fn get(&self, provider: Provider) -> Option<&(ProviderSettings, Client)> {
        self.providers.iter().find(|(s, _)| s.provider == provider)
    }

    pub fn is_configured(&self, provider: Provider) -> bool {
        self.get(provider).is_some()
    }

    /// The provider's authorization URL and the flow to remember.
    pub fn start(&self, provider: Provider, next: String) -> Option<(url::Url, Flow)> {
        let (_, client) = self.get(provider)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge);
        for scope in provider.scopes() {
            request = request.add_scope(Scope::new((*scope).to_string()));
        }
        let (url, state) = request.url();
        let flow = Flow {
            provider,
            state: state.secret().clone(),
            verifier: verifier.secret().clone(),
            next,
            expires: (chrono::Utc::now() + chrono::TimeDelta::minutes(FLOW_MINUTES)).timestamp(),
        };
        Some((url, flow))
    }

    /// Exchanges the code (with the PKCE verifier) and reads the user's profile.
    pub async fn finish(&self, flow: &Flow, code: String) -> Result<Profile, OAuthError> {
        let (settings, client) = self
            .get(flow.provider)
            .ok_or_else(|| OAuthError::Token("provider not configured".into()))?;
        let token = client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| OAuthError::Token(error_chain(&e)))?;
        let response = self
            .http
            .get(&settings.userinfo_url)
            .bearer_auth(token.access_token().secret())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| OAuthError::Profile(e.without_url().to_string()))?;
        if !response.status().is_success() {
            return Err(OAuthError::Profile(format!("status {}", response.status())));
        }
        let body = read_limited(response, MAX_PROFILE_BYTES).await?;
        parse_profile(flow.provider, &body)
    }
}

/// A profile is a few hundred bytes; a provider (or whoever answers in its place) that
/// sends more is not read into memory.
const MAX_PROFILE_BYTES: usize = 64 * 1024;

async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, OAuthError> {
    let too_large = || OAuthError::Profile(format!("the profile is larger than {limit} bytes"));
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| OAuthError::Profile(e.without_url().to_string()))?
    {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

pub fn parse_profile(provider: Provider, body: &[u8]) -> Result<Profile, OAuthError> {
    let bad = |e: serde_json::Error| OAuthError::Profile(format!("malformed profile: {e}"));
    let profile = match provider {
        Provider::Google => {
            let u: GoogleUser = serde_json::from_slice(body).map_err(bad)?;
            let verified = matches!(&u.email_verified, Some(serde_json::Value::Bool(true)))
                || matches!(&u.email_verified, Some(serde_json::Value::String(s)) if s == "true");
            Profile {
                provider_id: u.sub,
                email: u.email,
                email_verified: verified,
                first_name: u.given_name,
                last_name: u.family_name,
                name: u.name,
            }
        }
        Provider::Facebook => {
            let u: FacebookUser = serde_json::from_slice(body).map_err(bad)?;
            Profile {
                provider_id: u.id,
                email: u.email,
                email_verified: false,
                first_name: u.first_name,
                last_name: u.last_name,
                name: u.name,
            }
        }
    };
    if profile.provider_id.is_empty() || profile.provider_id.len() > 100 {
        return Err(OAuthError::Profile("the profile has no usable id".into()));
    }
    Ok(profile)
}

/// A username from the profile: its name or the e-mail's local part, reduced to the
/// characters usernames allow; the caller makes it unique.
pub fn username_base(profile: &Profile) -> String {
    let source = profile
        .name
        .clone()
        .or_else(|| {
            profile
                .email
                .as_ref()
                .and_then(|e| e.split('@').next().map(str::to_string))
        })
        .unwrap_or_default();
    let mut base: String = source
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else if c.is_whitespace() {
                '.'
            } else {
                '_'
            }
        })
        .filter(|c| c.is_ascii())
        .collect();
    base = base
        .trim_matches(|c| ".-_".contains(c))
        .chars()
        .take(140)
        .collect();
    if base.len() < 3 {
        base = format!("traveller{base}");
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_read_and_facebook_emails_never_count_as_verified() {
        let g = parse_profile(
            Provider::Google,
            br#"{"sub":"123","email":"a@b.co","email_verified":true,"name":"Ann Lee"}"#,
        )
        .unwrap();
        assert!(g.email_verified);
        let f = parse_profile(
            Provider::Facebook,
            br#"{"id":"9","email":"a@b.co","name":"Ann"}"#,
        )
        .unwrap();
        assert!(!f.email_verified);
        assert!(parse_profile(Provider::Google, b"<html>").is_err());
        assert!(parse_profile(Provider::Google, br#"{"sub":""}"#).is_err());
    }

    #[test]
    fn usernames_from_names() {
        let p = |name: &str| Profile {
            provider_id: "1".into(),
            email: None,
            email_verified: false,
            first_name: None,
            last_name: None,
            name: Some(name.into()),
        };
        assert_eq!(username_base(&p("Ann Lee")), "ann.lee");
        assert_eq!(username_base(&p("Zoë")), "travellerzo");
        assert_eq!(username_base(&p("李")), "traveller");
        assert!(crate::domain::Username::parse(&username_base(&p("<script>x</script>"))).is_ok());
    }
}
