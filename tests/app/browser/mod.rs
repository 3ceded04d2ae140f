//! The product in a real browser: Debian's headless Chromium driven through chromedriver
//! (WebDriver, with `fantoccini`). Journeys end with what the page shows and what the
//! database holds; axe-core checks the main pages; screenshots at 375 and 1280 px wide go
//! to `target/screenshots/`.
//!
//! Without chromedriver the tests say that they skipped and pass, except under `CI=true`,
//! where a missing chromedriver fails them (`.ci/run` installs `chromium` and
//! `chromium-driver`).

mod accessibility;
mod deactivation;
mod map;
mod oauth;
mod places;
mod print;
mod traveller;
mod walk;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use wayfare::db::schema::plan_activities;

use crate::support::{Chrome, TestApp, WAIT, date, spawn_app_with};

/// Map tiles from the app itself (they 404): the machine is offline and the tests must
/// send nothing anywhere else.
const OFFLINE_TILES: &str = "/tiles-offline/{z}/{x}/{y}.png";

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
    use plan_activities as a;
    a::table
        .filter(a::plan_id.eq(plan))
        .filter(a::title.eq(title))
        .select(a::id)
        .first(&mut app.admin())
        .optional()
        .unwrap()
        .unwrap_or_else(|| panic!("no activity {title}"))
}

/// The titles of a plan's activities on `day`, in order.
fn day(app: &TestApp, plan: i32, day: &str) -> Vec<String> {
    use plan_activities as a;
    app.all(
        a::table
            .filter(a::plan_id.eq(plan))
            .filter(a::scheduled_date.eq(date(day)))
            .order((a::order_index, a::id))
            .select(a::title),
    )
}

/// The whole page as a PNG, `width` px wide.
pub(super) async fn screenshot(chrome: &Chrome, name: &str, width: u32) {
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

/// Where screenshots and printed pages go, for a person to look at.
fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
