//! The HTTP side: a cookie-keeping browser, form fields, redirects and headers.

use std::sync::Arc;

use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Response, StatusCode};

use super::app::IDLE_CONNECTION;

/// Where a login or a sign-up lands without a `next`.
pub use wayfare::routes::accounts::HOME;

/// The value of the first `<input name=…>` in a page.
pub fn extract_input(html: &str, name: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(&format!("input[name=\"{name}\"]")).unwrap();
    doc.select(&selector)
        .next()
        .and_then(|e| e.value().attr("value").map(str::to_string))
}

pub fn assert_is_redirect_to(response: &Response, location: &str) {
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "expected a 303 redirect"
    );
    assert_eq!(
        response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok()),
        Some(location)
    );
}

/// The security headers DESIGN.md requires on every response.
pub fn assert_security_headers(headers: &HeaderMap) {
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers.contains_key("referrer-policy"));
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
}

/// The user agent test browsers send (the sessions page shows it as "Firefox on Linux").
pub const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
pub const SESSION_COOKIE: &str = "wayfare_session";
pub const CSRF_COOKIE: &str = "csrftoken";
/// A password the strength check accepts.
pub const PASSWORD: &str = "correct horse battery staple";

/// One browser: its own cookie jar (readable and writable by the test), a user agent, no
/// redirects followed.
#[derive(Clone)]
pub struct Browser {
    pub address: String,
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
}

impl Browser {
    pub fn new(address: &str, user_agent: &str) -> Self {
        Self::with_headers(address, user_agent, HeaderMap::new())
    }

    /// A browser that sends `headers` with every request (e.g. `X-Forwarded-For`).
    pub fn with_headers(address: &str, user_agent: &str, headers: HeaderMap) -> Self {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(jar.clone())
            .user_agent(user_agent)
            .default_headers(headers)
            .pool_idle_timeout(IDLE_CONNECTION)
            .build()
            .unwrap();
        Browser {
            address: address.to_string(),
            client,
            jar,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_html(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// Same-origin, with a valid `csrf_token` unless `fields` has one.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut form: Vec<(&str, String)> =
            fields.iter().map(|(k, v)| (*k, v.to_string())).collect();
        if !form.iter().any(|(k, _)| *k == "csrf_token")
            && let Some(token) = self.csrf_token().await
        {
            form.push(("csrf_token", token));
        }
        self.client
            .post(self.url(path))
            .header("Origin", &self.address)
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// Exactly these fields and headers: no token or `Origin` is added.
    pub async fn post_raw(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Response {
        let mut request = self.client.post(self.url(path)).form(fields);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    /// A token from a form of the site (and the `csrftoken` cookie it goes with).
    pub async fn csrf_token(&self) -> Option<String> {
        let html = self.get_html("/password-reset").await;
        extract_input(&html, "csrf_token")
    }

    /// The value of one of this browser's cookies for the site.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = url::Url::parse(&self.address).unwrap();
        let header = self.jar.cookies(&url)?;
        header.to_str().unwrap().split("; ").find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }

    /// Puts a cookie into this browser, as an attacker who planted it would.
    pub fn set_cookie(&self, name: &str, value: &str) {
        let url = url::Url::parse(&self.address).unwrap();
        self.jar
            .add_cookie_str(&format!("{name}={value}; Path=/; HttpOnly"), &url);
    }

    /// The e-mail address of the account this browser is signed in to, from `/account`;
    /// `None` when the site sends it to the login page.
    pub async fn signed_in_email(&self) -> Option<String> {
        let response = self.get("/account").await;
        match response.status() {
            StatusCode::OK => {
                let html = response.text().await.unwrap();
                let doc = scraper::Html::parse_document(&html);
                let selector = scraper::Selector::parse("article header strong").unwrap();
                let email = doc.select(&selector).next().map(|e| e.text().collect());
                Some(email.expect("the account page names the address"))
            }
            StatusCode::SEE_OTHER => {
                assert_is_redirect_to(&response, "/login?next=%2Faccount");
                None
            }
            other => panic!("/account answered {other}"),
        }
    }

    pub async fn login(&self, login: &str, password: &str) -> Response {
        self.post_form("/login", &[("login", login), ("password", password)])
            .await
    }

    /// Logs in and checks that it worked.
    pub async fn login_ok(&self, login: &str, password: &str) {
        let response = self.login(login, password).await;
        assert_is_redirect_to(&response, HOME);
    }

    pub async fn logout(&self) -> Response {
        self.post_form("/logout", &[]).await
    }

    pub async fn signup(&self, email: &str, username: &str, password: &str) -> Response {
        self.post_form(
            "/signup",
            &[
                ("email", email),
                ("username", username),
                ("password", password),
                ("password_confirm", password),
            ],
        )
        .await
    }
}

/// The response is a 303 to the login page: the visitor is anonymous.
pub fn assert_is_login_redirect(response: &Response) {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[LOCATION].to_str().unwrap();
    assert!(location.starts_with("/login"), "redirected to {location}");
}

/// A page with its CSRF tokens blanked (they differ on every render), to compare pages.
pub fn without_csrf_tokens(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(marker) {
        let value_start = at + marker.len();
        out.push_str(&rest[..value_start]);
        let value_len = rest[value_start..].find('"').unwrap();
        rest = &rest[value_start + value_len..];
    }
    out.push_str(rest);
    out
}
