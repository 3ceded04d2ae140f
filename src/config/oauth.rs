//! Social login providers and their settings (`GOOGLE_*`, `FACEBOOK_*`).

use serde::{Deserialize, Serialize};

use super::{Env, Secret};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Google,
    Facebook,
}

impl Provider {
    pub fn from_slug(slug: &str) -> Option<Self> {
        match slug {
            "google" => Some(Provider::Google),
            "facebook" => Some(Provider::Facebook),
            _ => None,
        }
    }
    pub fn slug(self) -> &'static str {
        match self {
            Provider::Google => "google",
            Provider::Facebook => "facebook",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Provider::Google => "Google",
            Provider::Facebook => "Facebook",
        }
    }
    pub fn env_prefix(self) -> &'static str {
        match self {
            Provider::Google => "GOOGLE",
            Provider::Facebook => "FACEBOOK",
        }
    }
    pub(super) fn defaults(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Provider::Google => (
                "https://accounts.google.com/o/oauth2/v2/auth",
                "https://oauth2.googleapis.com/token",
                "https://openidconnect.googleapis.com/v1/userinfo",
            ),
            Provider::Facebook => (
                "https://www.facebook.com/v19.0/dialog/oauth",
                "https://graph.facebook.com/v19.0/oauth/access_token",
                "https://graph.facebook.com/v19.0/me?fields=id,name,email,first_name,last_name",
            ),
        }
    }
    pub fn scopes(self) -> &'static [&'static str] {
        match self {
            Provider::Google => &["openid", "email", "profile"],
            Provider::Facebook => &["email", "public_profile"],
        }
    }
}

/// A provider's settings, read from `GOOGLE_*` / `FACEBOOK_*` variables.
#[derive(Clone, Debug)]
pub struct ProviderSettings {
    pub provider: Provider,
    pub client_id: String,
    pub client_secret: Secret,
    pub auth_url: String,
    pub token_url: String,
    pub userinfo_url: String,
}

impl ProviderSettings {
    /// `None` when the provider is not configured (no client id or secret).
    pub fn from_env(env: &dyn Env, provider: Provider) -> Option<Self> {
        let prefix = provider.env_prefix();
        let (auth, token, userinfo) = provider.defaults();
        Some(ProviderSettings {
            provider,
            client_id: env.var(&format!("{prefix}_CLIENT_ID"))?,
            client_secret: Secret::new(env.var(&format!("{prefix}_CLIENT_SECRET"))?),
            auth_url: env
                .var(&format!("{prefix}_AUTH_URL"))
                .unwrap_or_else(|| auth.into()),
            token_url: env
                .var(&format!("{prefix}_TOKEN_URL"))
                .unwrap_or_else(|| token.into()),
            userinfo_url: env
                .var(&format!("{prefix}_USERINFO_URL"))
                .unwrap_or_else(|| userinfo.into()),
        })
    }
}
