//! The WebDriver harness: a chromedriver of the test's own, driving Debian's headless
//! Chromium (with `fantoccini`). Without chromedriver a test says that it skipped and
//! passes, except under `CI=true`, where a missing chromedriver fails it.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::ClientBuilder;
use serde_json::{Value, json};

use super::app::{TestApp, free_port, unique};
use super::chrome::Chrome;

/// How long a page, an element or a script's result may take.
pub const WAIT: Duration = Duration::from_secs(15);

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
        self.browser_with(app, width, Scripts::On).await
    }

    /// The same, with the pages' scripts blocked, as for a reader who turned them off
    /// (WebDriver's own scripts still run, so tests can look at the page).
    pub async fn browser_without_scripts(&self, app: &TestApp, width: u32) -> Chrome {
        self.browser_with(app, width, Scripts::Off).await
    }

    async fn browser_with(&self, app: &TestApp, width: u32, scripts: Scripts) -> Chrome {
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
                "prefs": {
                    "profile.managed_default_content_settings.javascript": scripts as u8,
                },
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

/// Chromium's content setting for the pages' scripts: 1 allows them, 2 blocks them.
#[derive(Clone, Copy)]
enum Scripts {
    On = 1,
    Off = 2,
}
