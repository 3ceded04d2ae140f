//! The product in a real browser: Debian's headless Chromium driven through chromedriver
//! (WebDriver, with `fantoccini`). Journeys end with what the page shows and what the
//! database holds; axe-core checks the main pages; screenshots at 375 and 1280 px wide go
//! to `target/screenshots/`.
//!
//! Without chromedriver the tests say that they skipped and pass, except under `CI=true`,
//! where a missing chromedriver fails them (`.ci/run` installs `chromium` and
//! `chromium-driver`).

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, extract_link, free_port, spawn_app_with, unique};

/// Map tiles from the app itself (they 404): the machine is offline and the tests must
/// send nothing anywhere else.
const OFFLINE_TILES: &str = "/tiles-offline/{z}/{x}/{y}.png";
const WAIT: Duration = Duration::from_secs(15);

// ---------------------------------------------------------------- chromedriver and Chromium

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for name in names {
        if name.starts_with('/') {
            if Path::new(name).is_file() {
                return Some(PathBuf::from(name));
            }
            continue;
        }
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// A chromedriver this test started on a free port, in a process group of its own with
/// the browsers it starts: dropping it (also when a test fails) ends them all and removes
/// their profiles.
pub struct Driver {
    child: Child,
    url: String,
    chromium: PathBuf,
    profiles: std::sync::Mutex<Vec<PathBuf>>,
}

impl Driver {
    /// `None` when chromedriver or Chromium is missing (the test then skips), except under
    /// `CI=true`, where that fails the test.
    pub async fn start(test: &str) -> Option<Driver> {
        let driver = std::env::var_os("CHROMEDRIVER")
            .map(PathBuf::from)
            .or_else(|| find_program(&["chromedriver"]));
        let chromium = std::env::var_os("CHROME_BIN")
            .map(PathBuf::from)
            .or_else(|| {
                find_program(&[
                    "/usr/lib/chromium/chromium",
                    "chromium",
                    "chromium-browser",
                    "google-chrome",
                ])
            });
        let (Some(driver), Some(chromium)) = (driver, chromium) else {
            let message = "chromedriver or Chromium not found (Debian: apt-get install \
                           chromium chromium-driver; or set CHROMEDRIVER and CHROME_BIN)";
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{test}: {message}; browser tests cannot be skipped in CI");
            }
            // Straight to stderr: the test harness would hide `eprintln!` of a passing test.
            let _ = writeln!(std::io::stderr(), "SKIPPED browser test {test}: {message}");
            return None;
        };
        let port = free_port();
        let child = Command::new(&driver)
            .process_group(0)
            .arg(format!("--port={port}"))
            .arg("--log-level=SEVERE")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", driver.display()));
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = reqwest::get(format!("{url}/status")).await;
            if let Ok(response) = ready
                && let Ok(status) = response.json::<Value>().await
                && status["value"]["ready"] == json!(true)
            {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Some(Driver {
            child,
            url,
            chromium,
            profiles: std::sync::Mutex::default(),
        })
    }

    /// A new browser with a profile of its own (no cookies, no cache), `width` px wide.
    pub async fn browser(&self, app: &TestApp, width: u32) -> Chrome {
        let profile = std::env::temp_dir().join(unique("wayfare-chrome-"));
        std::fs::create_dir_all(&profile).unwrap();
        self.profiles.lock().unwrap().push(profile.clone());
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--no-default-browser-check".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-extensions".into(),
            "--disable-default-apps".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-breakpad".into(),
            "--disable-crash-reporter".into(),
            "--disable-features=Translate,OptimizationHints,OptimizationGuideOnDeviceModel,MediaRouter,AutofillServerCommunication".into(),
            // Nothing but this machine resolves: the tests reach no one else.
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1".into(),
            format!("--window-size={width},900"),
            format!("--user-data-dir={}", profile.display()),
        ];
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": self.chromium.display().to_string(),
                "args": args,
            },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("chromedriver refused a session");
        let chrome = Chrome {
            client,
            base: app.address.clone(),
            profile,
            frame: std::cell::Cell::new(None),
        };
        chrome.resize(width, 900).await;
        chrome
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The whole group: chromedriver and every Chromium process it started.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        for profile in self.profiles.lock().unwrap().iter() {
            let _ = std::fs::remove_dir_all(profile);
        }
    }
}

/// One browser window on the app.
pub struct Chrome {
    pub client: Client,
    base: String,
    profile: PathBuf,
    /// Window size minus viewport size, measured at the first resize.
    frame: std::cell::Cell<Option<(i64, i64)>>,
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
    async fn mark_page(&self) {
        self.js("window.__wayfareOldPage = true").await;
    }

    async fn wait_for_new_page(&self) {
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

    /// Logs in through the login form.
    pub async fn log_in(&self, user: &TestUser) {
        self.goto("/login").await;
        self.fill("#login", &user.username).await;
        self.fill("#password", &user.password).await;
        self.click_to_page("form[action=\"/login\"] button[type=submit]")
            .await;
        assert_eq!(self.path().await, crate::helpers::HOME, "login failed");
    }
}

/// Polls the database until `check` holds (pages that post by script answer before the
/// test looks).
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !check() {
        assert!(Instant::now() < deadline, "waited 15 s for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn browser_app() -> TestApp {
    spawn_app_with(|env| {
        env.insert("TILE_URL".into(), OFFLINE_TILES.into());
    })
    .await
}

fn activity_id(app: &TestApp, plan: i32, title: &str) -> i32 {
    app.text(&format!(
        "SELECT id FROM plan_activities WHERE plan_id = {plan} AND title = '{title}'"
    ))
    .unwrap_or_else(|| panic!("no activity {title}"))
    .parse()
    .unwrap()
}

/// The titles of a plan's activities on `date`, in order.
fn day(app: &TestApp, plan: i32, date: &str) -> Vec<String> {
    app.text(&format!(
        "SELECT string_agg(title, ',' ORDER BY order_index, id) FROM plan_activities \
         WHERE plan_id = {plan} AND scheduled_date = DATE '{date}'"
    ))
    .map(|s| s.split(',').map(str::to_string).collect())
    .unwrap_or_default()
}

// ---------------------------------------------------------------- journeys

#[tokio::test]
async fn a_traveller_signs_up_plans_a_trip_shares_it_and_another_user_copies_it() {
    let Some(driver) = Driver::start("traveller journey").await else {
        return;
    };
    let app = browser_app().await;
    let chrome = driver.browser(&app, 1280).await;

    // Sign up, then confirm the address from the mail.
    let name = unique("ana");
    let email = format!("{name}@example.com");
    chrome.goto("/").await;
    chrome.click_to_page("header a[href=\"/signup\"]").await;
    chrome.fill("#email", &email).await;
    chrome.fill("#username", &name).await;
    chrome.fill("#password", crate::helpers::PASSWORD).await;
    chrome
        .fill("#password_confirm", crate::helpers::PASSWORD)
        .await;
    chrome
        .click_to_page("form[action=\"/signup\"] button[type=submit]")
        .await;
    assert_eq!(chrome.path().await, crate::helpers::HOME);
    assert_eq!(
        app.count(&format!(
            "users WHERE username = '{name}' AND NOT is_verified"
        )),
        1
    );
    let mail = app.last_mail_to(&email);
    let link = extract_link(&app, &mail.body, "/verify-email/");
    chrome.goto(&link).await;
    assert_eq!(
        app.count(&format!("users WHERE username = '{name}' AND is_verified")),
        1,
        "the link confirmed the address:\n{}",
        chrome.visible_text().await
    );

    // A plan with dates.
    chrome.goto("/plans").await;
    chrome.click_to_page("a[href=\"/plans/new\"]").await;
    chrome.fill("#title", "Lisbon in July").await;
    chrome.fill("#destination", "Lisbon").await;
    chrome.set_value("#start_date", "2026-07-01").await;
    chrome.set_value("#end_date", "2026-07-03").await;
    chrome.fill("#budget", "1000").await;
    chrome.select("#currency", "EUR").await;
    chrome
        .click_to_page("form[action=\"/plans\"] button[type=submit]")
        .await;
    let path = chrome.path().await;
    let plan: i32 = path
        .strip_prefix("/plans/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not on a plan page: {path}"));
    assert_eq!(
        app.count(&format!(
            "plans WHERE id = {plan} AND title = 'Lisbon in July' AND start_date = DATE '2026-07-01' \
             AND end_date = DATE '2026-07-03' AND budget = 1000 AND currency = 'EUR'"
        )),
        1
    );

    // Activities on two days, from each day's "+ Add".
    for (title, date, cost) in [
        ("Castle", "2026-07-01", "40"),
        ("Museum", "2026-07-01", "25"),
        ("Beach", "2026-07-02", "10"),
    ] {
        chrome
            .click_to_page(&format!(
                "a[href=\"/plans/{plan}/activities/new?date={date}\"]"
            ))
            .await;
        chrome.fill("#title", title).await;
        chrome.fill("#estimated_cost", cost).await;
        chrome
            .click_to_page(&format!(
                "form[action=\"/plans/{plan}/activities\"] button[type=submit]"
            ))
            .await;
        assert_eq!(chrome.path().await, format!("/plans/{plan}"));
        assert!(chrome.exists(&format!("#day-{date} li.activity")).await);
    }
    assert_eq!(day(&app, plan, "2026-07-01"), ["Castle", "Museum"]);
    assert_eq!(day(&app, plan, "2026-07-02"), ["Beach"]);
    let (castle, museum, beach) = (
        activity_id(&app, plan, "Castle"),
        activity_id(&app, plan, "Museum"),
        activity_id(&app, plan, "Beach"),
    );

    // Move the museum to day 2 with the plain form, then up before the beach.
    chrome
        .find(&format!("#activity-{museum} details summary"))
        .await
        .click()
        .await
        .unwrap();
    chrome
        .select(
            &format!("#activity-{museum} form.move-day select"),
            "2026-07-02",
        )
        .await;
    chrome
        .click_to_page(&format!(
            "#activity-{museum} form.move-day button[value=day]"
        ))
        .await;
    assert_eq!(day(&app, plan, "2026-07-02"), ["Beach", "Museum"]);
    chrome
        .find(&format!("#activity-{museum} details summary"))
        .await
        .click()
        .await
        .unwrap();
    chrome
        .click_to_page(&format!("#activity-{museum} button[value=up]"))
        .await;
    assert_eq!(day(&app, plan, "2026-07-02"), ["Museum", "Beach"]);
    assert_eq!(
        chrome
            .js("return [...document.querySelectorAll('#day-2026-07-02 li.activity strong')].map(e => e.textContent)")
            .await,
        json!(["Museum", "Beach"])
    );

    // Drag the castle to the top of day 2 (the script's drag and drop, with DOM events).
    chrome.mark_page().await;
    chrome
        .js_with(
            "const src = document.getElementById('activity-' + arguments[0]);
             const list = document.querySelector('ol.activities[data-date=\"' + arguments[1] + '\"]');
             const dt = new DataTransfer();
             src.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: dt}));
             const top = list.querySelector('li.activity').getBoundingClientRect().top + 2;
             list.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: dt, clientY: top}));
             list.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: dt, clientY: top}));
             src.dispatchEvent(new DragEvent('dragend', {bubbles: true, dataTransfer: dt}));",
            vec![json!(castle), json!("2026-07-02")],
        )
        .await;
    chrome.wait_for_new_page().await;
    assert_eq!(day(&app, plan, "2026-07-02"), ["Castle", "Museum", "Beach"]);
    assert!(day(&app, plan, "2026-07-01").is_empty());
    assert_eq!(
        chrome
            .js("return [...document.querySelectorAll('#day-2026-07-02 li.activity strong')].map(e => e.textContent)")
            .await,
        json!(["Castle", "Museum", "Beach"])
    );

    // Tick the beach off: in place, by script.
    chrome
        .find(&format!("#activity-{beach} form.toggle-form button"))
        .await
        .click()
        .await
        .unwrap();
    chrome
        .wait_until(
            "the tick",
            &format!("document.getElementById('activity-{beach}').classList.contains('done')"),
        )
        .await;
    eventually("the tick to be saved", || {
        app.count(&format!(
            "plan_activities WHERE id = {beach} AND is_completed"
        )) == 1
    })
    .await;
    assert_eq!(
        app.count(&format!(
            "plan_activities WHERE plan_id = {plan} AND is_completed"
        )),
        1
    );

    // A smaller budget: the figures and the chart show the overspend.
    let figures_before = chrome.find(".budget-figures").await.text().await.unwrap();
    assert!(!chrome.exists(".budget-figures .over").await);
    assert!(!chrome.exists("svg.chart .chart-label.over").await);
    chrome
        .click_to_page(&format!("a[href=\"/plans/{plan}/edit\"]"))
        .await;
    chrome.fill("#budget", "50").await;
    chrome
        .click_to_page(&format!(
            "form[action=\"/plans/{plan}/edit\"] button[type=submit]"
        ))
        .await;
    let figures_after = chrome.find(".budget-figures").await.text().await.unwrap();
    assert_ne!(figures_before, figures_after);
    assert!(figures_after.contains("50"), "{figures_after}");
    assert!(
        chrome.exists(".budget-figures .over").await,
        "estimated over budget"
    );
    assert!(
        chrome.exists("svg.chart .chart-label.over").await,
        "the day over its share is marked in the chart"
    );
    assert_eq!(
        app.count(&format!("plans WHERE id = {plan} AND budget = 50")),
        1
    );

    // Share: "People with the link" in the one choice of who can find the plan.
    chrome
        .find("input[name=visibility][value=link]")
        .await
        .click()
        .await
        .unwrap();
    chrome
        .click_to_page(&format!(
            "form[action=\"/plans/{plan}/share/visibility\"] button[type=submit]"
        ))
        .await;
    let link = chrome
        .find("input.share-link")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    let token = app
        .text(&format!("SELECT share_token FROM plans WHERE id = {plan}"))
        .expect("a share token");
    assert!(link.ends_with(&format!("/s/{token}")), "{link}");
    chrome.close().await;

    // Someone else, signed out, in a fresh profile: the plan without costs.
    let stranger = driver.browser(&app, 1280).await;
    stranger.goto(&link).await;
    let text = stranger.visible_text().await;
    assert!(text.contains("Lisbon in July"), "{text}");
    for title in ["Castle", "Museum", "Beach"] {
        assert!(text.contains(title), "{title} missing:\n{text}");
    }
    assert!(!stranger.exists(".budget").await, "no budget section");
    for cost in ["Estimated", "40.00", "Budget", "1000"] {
        assert!(
            !text.contains(cost),
            "the shared page shows {cost}:\n{text}"
        );
    }

    // They log in from the share page and copy the plan.
    let bo = app.create_user(&unique("bo"));
    stranger
        .click_to_page(&format!("a[href=\"/login?next=/s/{token}\"]"))
        .await;
    stranger.fill("#login", &bo.username).await;
    stranger.fill("#password", &bo.password).await;
    stranger
        .click_to_page("form[action=\"/login\"] button[type=submit]")
        .await;
    assert_eq!(stranger.path().await, format!("/s/{token}"));
    stranger
        .click_to_page(&format!(
            "form[action=\"/s/{token}/copy\"] button[type=submit]"
        ))
        .await;
    let path = stranger.path().await;
    let Some(copy) = path
        .strip_prefix("/plans/")
        .and_then(|id| id.parse::<i32>().ok())
    else {
        panic!("not on the copy: {path}\n{}", stranger.visible_text().await);
    };
    assert_ne!(copy, plan);
    assert_eq!(
        app.count(&format!(
            "plans WHERE id = {copy} AND user_id = {} AND title = 'Lisbon in July' \
             AND status = 'draft' AND budget IS NULL AND share_token IS NULL",
            bo.id
        )),
        1
    );
    assert_eq!(
        app.count(&format!(
            "plan_activities WHERE plan_id = {copy} AND estimated_cost IS NULL"
        )),
        3,
        "the activities, without the costs that were not shared"
    );
    assert!(stranger.visible_text().await.contains("Lisbon in July"));
    stranger.close().await;
}

#[tokio::test]
async fn staff_deactivate_a_user_whose_open_browser_is_signed_out_on_its_next_click() {
    let Some(driver) = Driver::start("deactivation journey").await else {
        return;
    };
    let app = browser_app().await;
    let cy = app.create_user(&unique("cy"));
    app.create_plan(&cy, "Cy's trip");
    let staff = app.create_user(&unique("staff"));
    app.exec(&format!(
        "UPDATE users SET is_staff = true WHERE id = {}",
        staff.id
    ));

    let user = driver.browser(&app, 1280).await;
    user.log_in(&cy).await;
    assert!(user.visible_text().await.contains("Cy's trip"));

    let admin = driver.browser(&app, 1280).await;
    admin.log_in(&staff).await;
    admin.goto(&format!("/admin/users/{}", cy.id)).await;
    admin
        .click_to_page(&format!(
            "form[action=\"/admin/users/{}/deactivate\"] button",
            cy.id
        ))
        .await;
    assert!(admin.visible_text().await.contains("deactivated"));
    assert_eq!(
        app.count(&format!("users WHERE id = {} AND NOT is_active", cy.id)),
        1
    );

    // The user's next click lands on the login page, signed out.
    user.click_to_page("header a[href=\"/plans\"]").await;
    assert_eq!(user.path().await, "/login?next=%2Fplans");
    assert!(user.exists("form[action=\"/login\"]").await);
    assert!(!user.exists("header a[href=\"/account\"]").await);
    assert!(!user.visible_text().await.contains("Cy's trip"));
    assert_eq!(
        app.count(&format!(
            "user_sessions WHERE user_id = {} AND is_active",
            cy.id
        )),
        0
    );
    user.close().await;
    admin.close().await;
}

// ---------------------------------------------------------------- OAuth against a fake provider

/// A provider that approves at once, checks PKCE (S256) and returns one profile.
mod fake_provider {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use actix_web::{App, HttpResponse, HttpServer, web};
    use base64::Engine;
    use sha2::{Digest, Sha256};

    #[derive(Default)]
    pub struct State {
        /// code → (challenge, redirect_uri)
        codes: Mutex<HashMap<String, (String, String)>>,
    }

    pub fn start() -> String {
        let data = web::Data::new(State::default());
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
        format!("http://127.0.0.1:{port}")
    }

    async fn authorize(
        state: web::Data<State>,
        query: web::Query<HashMap<String, String>>,
    ) -> HttpResponse {
        let get = |k: &str| query.get(k).cloned().unwrap_or_default();
        let code = crate::helpers::unique("code");
        state
            .codes
            .lock()
            .unwrap()
            .insert(code.clone(), (get("code_challenge"), get("redirect_uri")));
        let location = format!("{}?code={code}&state={}", get("redirect_uri"), get("state"));
        HttpResponse::Found()
            .insert_header(("Location", location))
            .finish()
    }

    async fn token(
        state: web::Data<State>,
        form: web::Form<HashMap<String, String>>,
    ) -> HttpResponse {
        let code = form.get("code").cloned().unwrap_or_default();
        let Some((challenge, redirect_uri)) = state.codes.lock().unwrap().remove(&code) else {
            return HttpResponse::BadRequest().json(serde_json::json!({"error": "invalid_grant"}));
        };
        let verifier = form.get("code_verifier").cloned().unwrap_or_default();
        let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(verifier.as_bytes()));
        if computed != challenge || form.get("redirect_uri") != Some(&redirect_uri) {
            return HttpResponse::BadRequest().json(serde_json::json!({"error": "invalid_grant"}));
        }
        HttpResponse::Ok().json(serde_json::json!({
            "access_token": "token-browser", "token_type": "bearer", "expires_in": 3600
        }))
    }

    async fn userinfo(req: actix_web::HttpRequest) -> HttpResponse {
        let authorized = req
            .headers()
            .get("authorization")
            .is_some_and(|v| v == "Bearer token-browser");
        if !authorized {
            return HttpResponse::Unauthorized().finish();
        }
        HttpResponse::Ok().json(serde_json::json!({
            "sub": "g-browser", "email": "eva@example.com", "email_verified": true,
            "given_name": "Eva", "family_name": "Lind", "name": "Eva Lind"
        }))
    }
}

#[tokio::test]
async fn a_visitor_signs_in_with_google_through_the_providers_pages() {
    let Some(driver) = Driver::start("OAuth journey").await else {
        return;
    };
    let provider = fake_provider::start();
    let app = spawn_app_with(|env| {
        env.insert("TILE_URL".into(), OFFLINE_TILES.into());
        env.insert("GOOGLE_CLIENT_ID".into(), "browser-client".into());
        env.insert("GOOGLE_CLIENT_SECRET".into(), "browser-secret".into());
        env.insert("GOOGLE_AUTH_URL".into(), format!("{provider}/authorize"));
        env.insert("GOOGLE_TOKEN_URL".into(), format!("{provider}/token"));
        env.insert("GOOGLE_USERINFO_URL".into(), format!("{provider}/userinfo"));
    })
    .await;
    let chrome = driver.browser(&app, 1280).await;
    chrome.goto("/login").await;
    chrome.click_to_page("a[href=\"/auth/google/start\"]").await;
    assert_eq!(chrome.path().await, "/plans");
    assert!(
        chrome.exists("header a[href=\"/account\"]").await,
        "signed in"
    );
    assert_eq!(
        app.count(
            "users WHERE google_id = 'g-browser' AND email = 'eva@example.com' AND is_verified"
        ),
        1
    );
    assert_eq!(app.count("user_sessions WHERE is_active"), 1);
    chrome.goto("/account").await;
    assert!(chrome.visible_text().await.contains("eva@example.com"));
    chrome.close().await;
}

#[tokio::test]
async fn a_click_on_the_map_fills_the_coordinates_of_an_activity() {
    let Some(driver) = Driver::start("map journey").await else {
        return;
    };
    let app = browser_app().await;
    let di = app.create_user(&unique("di"));
    let plan = app.create_plan(&di, "Map trip");
    let chrome = driver.browser(&app, 1280).await;
    chrome.log_in(&di).await;
    chrome
        .goto(&format!("/plans/{plan}/activities/new?date=2026-07-02"))
        .await;
    // Leaflet (served from /static, offline) shows the picker; tiles do not matter.
    chrome
        .wait_until(
            "the map",
            "document.querySelector('#picker.leaflet-container') && !document.getElementById('picker').hidden",
        )
        .await;
    assert_eq!(
        chrome
            .find("#latitude")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("")
    );
    chrome.find("#picker").await.click().await.unwrap();
    chrome
        .wait_until(
            "coordinates",
            "document.getElementById('latitude').value !== ''",
        )
        .await;
    let lat: f64 = chrome
        .find("#latitude")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    let lng: f64 = chrome
        .find("#longitude")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    // The picker opens on (20, 0) at zoom 2, and the click was in its middle.
    assert!(
        (lat - 20.0).abs() < 2.0 && lng.abs() < 2.0,
        "({lat}, {lng})"
    );
    chrome.fill("#title", "Somewhere").await;
    chrome
        .click_to_page(&format!(
            "form[action=\"/plans/{plan}/activities\"] button[type=submit]"
        ))
        .await;
    assert_eq!(
        app.count(&format!(
            "plan_activities WHERE plan_id = {plan} AND title = 'Somewhere' \
             AND abs(latitude - {lat}) < 0.000001 AND abs(longitude - {lng}) < 0.000001"
        )),
        1
    );
    chrome.close().await;
}

// ---------------------------------------------------------------- accessibility and phones

const AXE: &str = include_str!("../vendor/axe-core/axe.min.js");

/// Runs axe-core on the page; returns its critical and serious violations, described.
async fn axe_violations(chrome: &Chrome) -> Vec<String> {
    let loaded = chrome.js("return typeof window.axe").await;
    if loaded != json!("object") {
        chrome.js(AXE).await;
    }
    let result = chrome
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {resultTypes: ['violations']})
               .then(r => done(r.violations.map(v => ({
                 id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + n.failureSummary)
               }))))
               .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));",
            vec![],
        )
        .await
        .expect("axe did not run");
    result
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("critical" | "serious")))
        .map(|v| {
            format!(
                "{} ({}): {}\n    {}",
                v["id"].as_str().unwrap_or_default(),
                v["impact"].as_str().unwrap_or_default(),
                v["help"].as_str().unwrap_or_default(),
                v["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n.as_str().unwrap_or_default().replace('\n', " "))
                    .collect::<Vec<_>>()
                    .join("\n    ")
            )
        })
        .collect()
}

/// Elements wider than the viewport (a page that scrolls sideways on a phone).
async fn overflowing(chrome: &Chrome) -> Vec<String> {
    let found = chrome
        .js(
            "const w = document.documentElement.clientWidth;
             if (document.documentElement.scrollWidth <= w) return [];
             return [...document.querySelectorAll('body *')]
               .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > w + 1; })
               .filter(e => !e.closest('.leaflet-container'))
               .slice(0, 10)
               .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                         (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
                         ' right=' + Math.round(e.getBoundingClientRect().right));",
        )
        .await;
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The whole page as a PNG, `width` px wide.
async fn screenshot(chrome: &Chrome, name: &str, width: u32) {
    let height = chrome
        .js("return document.documentElement.scrollHeight")
        .await
        .as_u64()
        .unwrap_or(900)
        .clamp(600, 6000) as u32;
    chrome.resize(width, height).await;
    let png = chrome.client.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(format!("{name}-{width}.png")), png).unwrap();
    chrome.resize(width, 900).await;
}

/// Checks one page at both widths: axe finds nothing critical or serious, nothing makes
/// the page wider than a phone, and screenshots are saved.
async fn check_page(chrome: &Chrome, name: &str, path: &str, problems: &mut Vec<String>) {
    for width in [1280, 375] {
        chrome.resize(width, 900).await;
        chrome.goto(path).await;
        chrome
            .wait_until("the page", "document.readyState === 'complete'")
            .await;
        // Maps draw after load.
        tokio::time::sleep(Duration::from_millis(200)).await;
        for violation in axe_violations(chrome).await {
            problems.push(format!("{name} ({path}) at {width} px: {violation}"));
        }
        if width == 375 {
            for element in overflowing(chrome).await {
                problems.push(format!("{name} ({path}) overflows 375 px: {element}"));
            }
        }
        screenshot(chrome, name, width).await;
    }
}

#[tokio::test]
async fn the_main_pages_pass_axe_and_fit_a_375_px_phone() {
    let Some(driver) = Driver::start("accessibility").await else {
        return;
    };
    let app = browser_app().await;
    let fay = app.create_user(&unique("fay"));
    let plan = app.create_plan(&fay, "Porto and the Douro valley by train");
    let castle = app.create_activity(plan, "São Jorge Castle", "2026-07-01", "15.50");
    app.create_activity(plan, "Tram 28 across the old town", "2026-07-01", "3");
    app.create_activity(
        plan,
        "A long lunch at a very small tasca by the river",
        "2026-07-02",
        "42",
    );
    app.exec(&format!(
        "UPDATE plan_activities SET actual_cost = 20, start_time = '10:00', end_time = '12:30', \
         location_name = 'Castelo de São Jorge', latitude = 38.7139, longitude = -9.1335, \
         activity_type = 'attraction', is_completed = true WHERE id = {castle}"
    ));
    let token = unique("sharetoken_");
    app.exec(&format!(
        "UPDATE plans SET share_token = '{token}', status = 'published', is_public = true, \
         description = 'Three days of tiles, trams and pastéis de nata.' WHERE id = {plan}"
    ));

    let mut problems = Vec::new();
    let visitor = driver.browser(&app, 1280).await;
    for (name, path) in [
        ("landing", "/".to_string()),
        ("login", "/login".into()),
        ("signup", "/signup".into()),
        ("explore", "/explore".into()),
        ("explore-plan", format!("/explore/{plan}")),
        ("share", format!("/s/{token}")),
    ] {
        check_page(&visitor, name, &path, &mut problems).await;
    }
    visitor.close().await;

    let traveller = driver.browser(&app, 1280).await;
    traveller.log_in(&fay).await;
    for (name, path) in [
        ("plans", "/plans".to_string()),
        ("plan", format!("/plans/{plan}")),
        ("plan-form", format!("/plans/{plan}/edit")),
        ("activity-form", format!("/plans/{plan}/activities/new")),
        ("share-signed-in", format!("/s/{token}")),
        ("explore-signed-in", "/explore".into()),
        ("account", "/account".into()),
    ] {
        check_page(&traveller, name, &path, &mut problems).await;
    }
    traveller.close().await;
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
