//! One Chromium window on the app, and what tests do with it.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use super::fixtures::TestUser;
use super::webdriver::WAIT;

/// One browser window on the app.
pub struct Chrome {
    pub client: Client,
    pub(super) base: String,
    pub(super) profile: PathBuf,
    /// Window size minus viewport size, measured at the first resize.
    pub(super) frame: std::cell::Cell<Option<(i64, i64)>>,
}

impl Chrome {
    pub async fn close(self) {
        let _ = self.client.close().await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }

    /// The viewport's size once it is `expected`, or after a second.
    async fn viewport(&self, expected: Option<(i64, i64)>) -> (i64, i64) {
        let mut last = (-1, -1);
        for _ in 0..40 {
            let v = self
                .js("return [window.innerWidth, window.innerHeight]")
                .await;
            let now = (v[0].as_i64().unwrap(), v[1].as_i64().unwrap());
            if Some(now) == expected || (expected.is_none() && now == last) {
                return now;
            }
            last = now;
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        last
    }

    /// Makes the viewport (not the window) `width` × `height`.
    pub async fn resize(&self, width: u32, height: u32) {
        let target = (i64::from(width), i64::from(height));
        let frame = match self.frame.get() {
            Some(frame) => frame,
            None => {
                self.client.set_window_size(width, height).await.unwrap();
                let (iw, ih) = self.viewport(None).await;
                let frame = (target.0 - iw, target.1 - ih);
                self.frame.set(Some(frame));
                frame
            }
        };
        let window = ((target.0 + frame.0) as u32, (target.1 + frame.1) as u32);
        self.client
            .set_window_size(window.0, window.1)
            .await
            .unwrap();
        self.viewport(Some(target)).await;
    }

    pub async fn goto(&self, path: &str) {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        };
        self.client.goto(&url).await.unwrap();
    }

    /// The current path and query (no fragment).
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    pub async fn js_with(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => panic!(
                "no {css} on {}: {e}\n{}",
                self.path().await,
                self.visible_text().await
            ),
        }
    }

    pub async fn exists(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap()
            .is_empty()
    }

    pub async fn visible_text(&self) -> String {
        self.js("return document.body ? document.body.innerText : ''")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Types into a field, replacing what it held.
    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    /// Sets a field's value as a picker would (date inputs take no typed ISO dates).
    pub async fn set_value(&self, css: &str, value: &str) {
        self.find(css).await;
        self.js_with(
            "const el = document.querySelector(arguments[0]); el.value = arguments[1]; \
             el.dispatchEvent(new Event('input', {bubbles: true})); \
             el.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![json!(css), json!(value)],
        )
        .await;
    }

    pub async fn select(&self, css: &str, value: &str) {
        self.find(css).await.select_by_value(value).await.unwrap();
    }

    /// Marks the current document, so that `wait_for_new_page` sees it replaced.
    pub async fn mark_page(&self) {
        self.js("window.__wayfareOldPage = true").await;
    }

    pub async fn wait_for_new_page(&self) {
        let deadline = Instant::now() + WAIT;
        loop {
            let state = self
                .client
                .execute(
                    "return window.__wayfareOldPage ? 'old' : document.readyState",
                    vec![],
                )
                .await;
            if let Ok(Value::String(state)) = state
                && state == "complete"
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no new page after 15 s on {}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks and waits for the page it leads to.
    pub async fn click_to_page(&self, css: &str) {
        let element = self.find(css).await;
        self.mark_page().await;
        element.click().await.unwrap();
        self.wait_for_new_page().await;
    }

    /// Waits until `script` (a JS expression) is truthy.
    pub async fn wait_until(&self, what: &str, script: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let value = self.js(&format!("return !!({script})")).await;
            if value == json!(true) {
                return;
            }
            assert!(Instant::now() < deadline, "waited 15 s for {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs a Chrome DevTools Protocol command in this window, through chromedriver's
    /// `goog/cdp/execute` (what WebDriver itself cannot do: emulating media, for one).
    pub async fn cdp(&self, method: &str, params: Value) -> Value {
        self.client
            .issue_cmd(Cdp {
                method: method.to_string(),
                params,
            })
            .await
            .unwrap_or_else(|e| panic!("CDP {method} failed: {e}"))
    }

    /// Makes the page's CSS see `media` ("screen" or "print") and the colour `scheme`
    /// ("light" or "dark"), until the next call; it holds across navigations.
    pub async fn emulate_media(&self, media: &str, scheme: &str) {
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({
                "media": media,
                "features": [{"name": "prefers-color-scheme", "value": scheme}],
            }),
        )
        .await;
        let query = format!("(prefers-color-scheme: {scheme})");
        let matches = self
            .js_with(
                "return matchMedia(arguments[0]).matches",
                vec![json!(query)],
            )
            .await;
        assert_eq!(matches, json!(true), "the page does not see {query}");
    }

    /// Logs in through the login form.
    pub async fn log_in(&self, user: &TestUser) {
        self.goto("/login").await;
        self.fill("#login", &user.username).await;
        self.fill("#password", &user.password).await;
        self.click_to_page("form[action=\"/login\"] button[type=submit]")
            .await;
        assert_eq!(self.path().await, crate::support::HOME, "login failed");
    }
}

/// chromedriver's endpoint for one DevTools command in the session's window.
#[derive(Debug)]
struct Cdp {
    method: String,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session_id.expect("a CDP command needs a session");
        base_url.join(&format!("session/{session}/goog/cdp/execute"))
    }

    fn method_and_body(&self, _: &url::Url) -> (reqwest::Method, Option<String>) {
        let body = json!({"cmd": self.method, "params": self.params});
        (reqwest::Method::POST, Some(body.to_string()))
    }
}
