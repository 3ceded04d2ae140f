//! Malformed input, generated systematically with proptest, against every form endpoint:
//! oversized bodies, invalid UTF-8, wrong types and content types, huge numbers, impossible
//! dates, NUL bytes, 10,000-character fields. The server never answers 5xx, and a 4xx
//! writes nothing.
//!
//! proptest closures are synchronous: the test builds its own tokio runtime, runs the app
//! on it and blocks on each request.

use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::Integer;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::StatusCode;

use crate::support::{Browser, TestApp, TestUser, spawn_app_with, unique};
use wayfare::domain::ids::{ActivityId, PlanId};

/// Cases per endpoint: enough to cover every kind of value, small enough for a quick suite.
const CASES: u32 = 40;

/// Strings that break parsers, validators and databases.
const NASTY: &[&str] = &[
    "0000-00-00",
    "9999-99-99",
    "2024-02-30",
    "+275760-09-13",
    "-0001-01-01",
    "1899-12-31",
    "2201-01-01",
    "24:00",
    "23:59:60",
    "-1:-1",
    "1e308",
    "-1e308",
    "1e-400",
    "NaN",
    "inf",
    "-0",
    "0x1F",
    "1,5",
    "١٢٣",
    "99999999999999999999999999999999999.99999",
    "0.0000000000000000000000001",
    "-1",
    "2147483648",
    "-2147483649",
    "\0",
    "a\0b",
    "<script>alert(1)</script>",
    "' OR '1'='1' --",
    "\u{202e}gnp.exe",
    "🌍🏳️‍🌈",
    "{{7*7}}",
    "%",
    "%zz",
    "on",
    "null",
    "[]",
    "{}",
    "{\"a\":\"\\u0000\"}",
    "{\"itinerary\":[{\"date\":\"0000-00-00\",\"activities\":[{\"title\":\"x\",\"estimated_cost\":\"1e999\"}]}]}",
    "{\"itinerary\":[{\"date\":\"2026-07-01\",\"activities\":[{\"title\":\"\\u0000\"}]}]}",
    "{\"notes\":1e999}",
    "                                        ",
];

/// One field value, as bytes (they need not be UTF-8).
fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => proptest::sample::select(NASTY).prop_map(|s| s.as_bytes().to_vec()),
        2 => "\\PC{0,30}".prop_map(String::into_bytes),
        2 => proptest::collection::vec(any::<u8>(), 0..40),
        1 => Just(vec![b'x'; 10_000]),
        1 => Just("é".repeat(10_000).into_bytes()),
        1 => any::<i64>().prop_map(|n| n.to_string().into_bytes()),
        1 => any::<f64>().prop_map(|n| n.to_string().into_bytes()),
        1 => any::<u128>().prop_map(|n| format!("{n}{n}.{n}").into_bytes()),
        1 => "[0-9+-]{1,7}-[0-9]{1,3}-[0-9]{1,3}".prop_map(String::into_bytes),
        1 => "[0-9]{1,3}:[0-9]{1,3}(:[0-9]{1,3})?".prop_map(String::into_bytes),
        1 => "\\PC{0,10}".prop_map(|s| format!("{s}\0{s}").into_bytes()),
    ]
}

/// How the body is sent.
#[derive(Debug, Clone)]
enum Wrapping {
    Form,
    /// Over the 320 KiB form limit.
    Oversized,
    Json,
    TextPlain,
    NoContentType,
    /// A trailing broken percent-escape.
    BrokenEscape,
}

fn wrapping() -> impl Strategy<Value = Wrapping> {
    prop_oneof![
        6 => Just(Wrapping::Form),
        1 => Just(Wrapping::Oversized),
        1 => Just(Wrapping::Json),
        1 => Just(Wrapping::TextPlain),
        1 => Just(Wrapping::NoContentType),
        1 => Just(Wrapping::BrokenEscape),
    ]
}

/// A form body: fields of the endpoint (and a few it does not know, repeated or nameless)
/// with hostile values.
fn form_fields(names: &'static [&'static str]) -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let name = prop_oneof![
        8 => proptest::sample::select(names).prop_map(str::to_string),
        1 => Just(String::new()),
        1 => "[a-z_\\[\\]]{1,12}",
    ];
    proptest::collection::vec((name, value()), 0..10)
}

fn percent_encode(bytes: &[u8]) -> String {
    url::form_urlencoded::byte_serialize(bytes).collect()
}

struct Endpoint {
    path: String,
    fields: &'static [&'static str],
    /// Sent by a visitor who is not signed in (sign-up, login).
    anonymous: bool,
    /// The table and id whose current version an edit form may carry, so hostile values
    /// also reach the write and not only the version check.
    versioned: Option<(&'static str, i32)>,
}

const PLAN: &[&str] = &[
    "title",
    "description",
    "destination",
    "start_date",
    "end_date",
    "budget",
    "currency",
    "version",
];
const VISIBILITY: &[&str] = &["visibility"];
const ACTIVITY: &[&str] = &[
    "title",
    "description",
    "activity_type",
    "location_name",
    "address",
    "latitude",
    "longitude",
    "scheduled_date",
    "start_time",
    "end_time",
    "duration_minutes",
    "estimated_cost",
    "actual_cost",
    "confirmation_number",
    "provider",
    "cancellation_policy",
    "phone",
    "website",
    "email",
    "rating",
    "tags",
    "version",
];
const DETAILS: &[&str] = &[
    "timezone",
    "notes",
    "budget_type",
    "travel_style",
    "group_size",
    "accessibility_needs",
    "accommodation_type",
    "accommodation_preferences",
    "arrival_method",
    "arrival_carrier",
    "arrival_number",
    "arrival_time",
    "local_methods",
    "version",
];

const SIGNUP: &[&str] = &[
    "email",
    "username",
    "first_name",
    "last_name",
    "password",
    "password_confirm",
];
const LOGIN: &[&str] = &["login", "password", "next"];
const KEPT_BOOKING: &[&str] = &["kind", "index", "version"];
const RAW: &[&str] = &["plan_data", "version"];

/// The rows of every table but `rate_limits` (failed logins are counted there on purpose),
/// read in one statement on one connection.
fn rows(conn: &mut PgConnection) -> String {
    #[derive(QueryableByName)]
    struct Rows {
        #[diesel(sql_type = diesel::sql_types::Text)]
        rows: String,
    }
    diesel::sql_query(ROWS)
        .get_result::<Rows>(conn)
        .unwrap()
        .rows
}

/// A table's name and its rows in id order, as `json_build_object` arguments.
macro_rules! rows_of {
    ($table:literal) => {
        concat!(
            "'",
            $table,
            "', (SELECT coalesce(json_agg(r ORDER BY r.id), '[]') FROM ",
            $table,
            " r)"
        )
    };
}

const ROWS: &str = concat!(
    "SELECT json_build_object(",
    rows_of!("users"),
    ", ",
    rows_of!("user_sessions"),
    ", ",
    rows_of!("plans"),
    ", ",
    rows_of!("plan_activities"),
    ", ",
    rows_of!("archived_plans"),
    ", ",
    rows_of!("archived_plan_activities"),
    ")::text AS rows"
);

struct Fuzz {
    rt: tokio::runtime::Runtime,
    app: TestApp,
    user: TestUser,
    signed_in: Browser,
    token: String,
    db: std::cell::RefCell<PgConnection>,
}

impl Fuzz {
    fn start() -> Fuzz {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let app = rt.block_on(spawn_app_with(|env| {
            for limit in [
                "LIMIT_LOGIN_FAILURES_PER_IP",
                "LOGIN_FREE_FAILURES",
                "LIMIT_PROFILE_UPDATES_PER_ACCOUNT",
                "LIMIT_SIGNUPS_PER_IP",
                "LIMIT_PLANS_PER_USER",
                "LIMIT_ACTIVITIES_PER_USER",
            ] {
                env.insert(limit.into(), "1000000".into());
            }
        }));
        let user = app.user(&unique("fuzz")).insert();
        let signed_in = rt.block_on(app.signed_in(&user));
        let token = rt.block_on(signed_in.csrf_token()).unwrap();
        let db = std::cell::RefCell::new(app.db.admin_conn());
        Fuzz {
            rt,
            app,
            user,
            signed_in,
            token,
            db,
        }
    }

    /// A browser for one case, and its CSRF token.
    fn browser(&self, anonymous: bool) -> (Browser, String) {
        if anonymous {
            let browser = self.app.new_browser();
            let token = self.rt.block_on(browser.csrf_token()).unwrap();
            (browser, token)
        } else {
            (self.signed_in.clone(), self.token.clone())
        }
    }

    /// Sends one request (with the token also in `X-CSRF-Token`, as scripts send it, when
    /// `header_token` is given); fails the case on a 5xx, or on a 4xx that wrote something.
    fn check(
        &self,
        what: &str,
        browser: &Browser,
        path: &str,
        content_type: Option<String>,
        body: Vec<u8>,
        header_token: Option<&str>,
    ) -> Result<(), TestCaseError> {
        let before = rows(&mut self.db.borrow_mut());
        let mut request = browser
            .client
            .post(browser.url(path))
            .header("Origin", &browser.address)
            .body(body);
        if let Some(token) = header_token {
            request = request.header("X-CSRF-Token", token);
        }
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        let response = self
            .rt
            .block_on(request.send())
            .map_err(|e| TestCaseError::fail(format!("{what}: no answer: {e}")))?;
        let status = response.status();
        let text = self.rt.block_on(response.text()).unwrap_or_default();
        prop_assert!(
            !status.is_server_error(),
            "{what}: POST {path} answered {status}:\n{}",
            text.chars().take(2000).collect::<String>()
        );
        if status.is_client_error() {
            prop_assert_eq!(
                rows(&mut self.db.borrow_mut()),
                before,
                "{}: POST {} answered {} but wrote",
                what,
                path,
                status
            );
        }
        Ok(())
    }

    fn run(&self, name: &str, strategy: impl Strategy<Value = Case>, endpoint: &Endpoint) {
        let mut runner = TestRunner::new(Config {
            cases: CASES,
            max_shrink_iters: 64,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&strategy, |case| {
            let (browser, token) = self.browser(endpoint.anonymous);
            let case = match (case, endpoint.versioned) {
                (Case::Form(mut fields, wrapping, true, header), Some((table, id))) => {
                    let version = self
                        .app
                        .text(sql_query(version_sql(table)).bind::<Integer, _>(id))
                        .unwrap_or_default();
                    fields.retain(|(name, _)| name != "version");
                    fields.push(("version".into(), version.into_bytes()));
                    Case::Form(fields, wrapping, true, header)
                }
                (case, _) => case,
            };
            let header = match case {
                Case::Form(_, _, _, false) => None,
                _ => Some(token.as_str()),
            };
            let (content_type, body) = case.encode(&token);
            self.check(name, &browser, &endpoint.path, content_type, body, header)
        });
        if let Err(e) = result {
            panic!("{name}: {e}");
        }
    }
}

/// One generated request body.
#[derive(Debug, Clone)]
enum Case {
    /// Fields, how they are sent, whether the form carries the row's current version, and
    /// whether the token also goes in the `X-CSRF-Token` header.
    Form(Vec<(String, Vec<u8>)>, Wrapping, bool, bool),
    Upload(Vec<u8>, Upload),
}

#[derive(Debug, Clone)]
enum Upload {
    Normal,
    /// Over the 1 MiB upload limit.
    Huge,
    /// The file under another field name.
    WrongField,
    /// No closing boundary.
    Unterminated,
    /// A boundary the body does not use.
    WrongBoundary,
}

impl Case {
    fn encode(&self, token: &str) -> (Option<String>, Vec<u8>) {
        match self {
            Case::Form(fields, wrapping, _, _) => {
                let mut body = format!("csrf_token={token}");
                for (name, value) in fields {
                    body.push('&');
                    body.push_str(&percent_encode(name.as_bytes()));
                    body.push('=');
                    body.push_str(&percent_encode(value));
                }
                let form = Some("application/x-www-form-urlencoded".to_string());
                match wrapping {
                    Wrapping::Form => (form, body.into_bytes()),
                    Wrapping::Oversized => {
                        body.push_str("&title=");
                        body.push_str(&"A".repeat(400 * 1024));
                        (form, body.into_bytes())
                    }
                    Wrapping::Json => (Some("application/json".into()), body.into_bytes()),
                    Wrapping::TextPlain => (Some("text/plain".into()), body.into_bytes()),
                    Wrapping::NoContentType => (None, body.into_bytes()),
                    Wrapping::BrokenEscape => (form, format!("{body}&title=%E").into_bytes()),
                }
            }
            Case::Upload(file, kind) => {
                let boundary = "----wayfarefuzzboundary";
                let field = match kind {
                    Upload::WrongField => "upload",
                    _ => "file",
                };
                let file = match kind {
                    Upload::Huge => {
                        let mut big = file.clone();
                        big.resize(1024 * 1024 + 10, b' ');
                        big
                    }
                    _ => file.clone(),
                };
                let mut body = format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
                     --{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"plan.json\"\r\n\
                     Content-Type: application/json\r\n\r\n"
                )
                .into_bytes();
                body.extend_from_slice(&file);
                if !matches!(kind, Upload::Unterminated) {
                    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
                }
                let used = match kind {
                    Upload::WrongBoundary => "other",
                    _ => boundary,
                };
                (Some(format!("multipart/form-data; boundary={used}")), body)
            }
        }
    }
}

fn form_case(names: &'static [&'static str]) -> impl Strategy<Value = Case> {
    (form_fields(names), wrapping(), any::<bool>(), any::<bool>()).prop_map(
        |(fields, wrapping, current, header)| Case::Form(fields, wrapping, current, header),
    )
}

/// A JSON text for a hostile value: a string made of the value, or the value itself as a
/// raw token (numbers such as 1e999, broken syntax).
fn json_token() -> impl Strategy<Value = String> {
    prop_oneof![
        value().prop_map(
            |v| serde_json::Value::String(String::from_utf8_lossy(&v).into()).to_string()
        ),
        proptest::sample::select(
            &[
                "1e999",
                "-1e999",
                "123456789012345678901234567890",
                "-0",
                "null",
                "true",
                "[]",
                "{}",
                "\"\\u0000\"",
                "\"\\ud800\"",
                "\"0000-00-00\"",
                "\"+275760-09-13\"",
                "\"-0001-01-01\"",
                "\"2026-07-01\"",
                "\"25:00:00\"",
                "\"1e999\"",
                "\"-5\"",
                "2147483648",
                "-2147483649",
            ][..]
        )
        .prop_map(str::to_string),
    ]
}

/// Slot `i` of a generated file: usually its valid default, sometimes a hostile token, so
/// that one bad value at a time reaches the deeper checks and the database.
fn slots(defaults: &'static [&'static str]) -> impl Strategy<Value = Vec<String>> {
    defaults
        .iter()
        .map(|d| {
            prop_oneof![
                2 => Just(d.to_string()),
                1 => json_token(),
            ]
        })
        .collect::<Vec<_>>()
}

const EXPORT_SLOTS: &[&str] = &[
    "1",
    "\"Trip\"",
    "\"About it\"",
    "\"2026-07-01\"",
    "\"2026-07-03\"",
    "\"100\"",
    "\"EUR\"",
    "\"notes\"",
    "{}",
    "\"Stop\"",
    "\"2026-07-02\"",
    "\"5\"",
    "\"v\"",
];
const SEED_SLOTS: &[&str] = &[
    "\"Trip\"",
    "\"notes\"",
    "1",
    "\"2026-07-01\"",
    "\"Stop\"",
    "\"10:00\"",
    "5",
    "\"5\"",
];

/// A plan file: an export or a seed-style object with hostile values in its slots, raw
/// bytes, or deep nesting.
fn plan_file() -> impl Strategy<Value = Vec<u8>> {
    let export = slots(EXPORT_SLOTS).prop_map(|t| {
        format!(
            r#"{{"format":"wayfare-plan","version":{},"plan":{{"title":{},"description":{},"start_date":{},"end_date":{},"budget":{},"currency":{},"plan_data":{{"notes":{},"extra":{}}}}},"activities":[{{"title":{},"scheduled_date":{},"estimated_cost":{},"metadata":{{"k":{}}}}}]}}"#,
            t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11], t[12]
        )
        .into_bytes()
    });
    let seed = slots(SEED_SLOTS).prop_map(|t| {
        format!(
            r#"{{"title":{},"notes":{},"itinerary":[{{"day":{},"date":{},"activities":[{{"title":{},"time":{},"cost":{},"estimated_cost":{}}}]}}]}}"#,
            t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]
        )
        .into_bytes()
    });
    prop_oneof![
        4 => export,
        3 => seed,
        1 => proptest::collection::vec(any::<u8>(), 0..200),
        1 => (1usize..50_000).prop_map(|depth| {
            let mut s = "[".repeat(depth);
            s.push_str(&"]".repeat(depth));
            format!("{{\"title\":\"deep\",\"x\":{s}}}").into_bytes()
        }),
        1 => Just(Vec::new()),
    ]
}

fn upload_case() -> impl Strategy<Value = Case> {
    let kind = prop_oneof![
        6 => Just(Upload::Normal),
        1 => Just(Upload::Huge),
        1 => Just(Upload::WrongField),
        1 => Just(Upload::Unterminated),
        1 => Just(Upload::WrongBoundary),
    ];
    (plan_file(), kind).prop_map(|(file, kind)| Case::Upload(file, kind))
}

/// The url-encoded forms of the site, on a plan and an activity of the fuzzed user.
fn form_endpoints(plan: PlanId, activity: ActivityId) -> Vec<(&'static str, Endpoint)> {
    // The snapshot compares rows by their plain `id`.
    let (plan, activity) = (plan.0, activity.0);
    let endpoint = |path: String, fields, anonymous, versioned| Endpoint {
        path,
        fields,
        anonymous,
        versioned,
    };
    vec![
        ("signup", endpoint("/signup".into(), SIGNUP, true, None)),
        ("login", endpoint("/login".into(), LOGIN, true, None)),
        ("plan create", endpoint("/plans".into(), PLAN, false, None)),
        (
            "plan edit",
            endpoint(
                format!("/plans/{plan}/edit"),
                PLAN,
                false,
                Some(("plans", plan)),
            ),
        ),
        (
            "activity create",
            endpoint(format!("/plans/{plan}/activities"), ACTIVITY, false, None),
        ),
        (
            "activity edit",
            endpoint(
                format!("/plans/{plan}/activities/{activity}/edit"),
                ACTIVITY,
                false,
                Some(("plan_activities", activity)),
            ),
        ),
        (
            "details",
            endpoint(
                format!("/plans/{plan}/details"),
                DETAILS,
                false,
                Some(("plans", plan)),
            ),
        ),
        (
            "bookings",
            endpoint(
                format!("/plans/{plan}/bookings/move"),
                KEPT_BOOKING,
                false,
                Some(("plans", plan)),
            ),
        ),
        (
            "raw data",
            endpoint(
                format!("/plans/{plan}/data"),
                RAW,
                false,
                Some(("plans", plan)),
            ),
        ),
        (
            "visibility",
            endpoint(
                format!("/plans/{plan}/share/visibility"),
                VISIBILITY,
                false,
                None,
            ),
        ),
    ]
}

#[test]
fn hostile_input_to_every_form_endpoint_never_makes_a_5xx_and_a_4xx_writes_nothing() {
    let fuzz = Fuzz::start();
    let plan = fuzz
        .app
        .plan(&fuzz.user.clone())
        .title("Fuzzed trip")
        .lisbon_trip()
        .insert()
        .id;
    let activity = fuzz
        .app
        .activity(plan)
        .title("Fuzzed stop")
        .date("2026-07-01")
        .cost("10")
        .next_in_order()
        .insert()
        .id;
    for (name, endpoint) in form_endpoints(plan, activity) {
        fuzz.run(name, form_case(endpoint.fields), &endpoint);
    }
    let import = Endpoint {
        path: "/plans/import".into(),
        fields: &[],
        anonymous: false,
        versioned: None,
    };
    fuzz.run("import", upload_case(), &import);
    // The fuzzed user is still there and signed in: nothing above broke the account.
    let status = fuzz.rt.block_on(fuzz.signed_in.get("/plans")).status();
    assert_eq!(status, StatusCode::OK);
}

/// Plan files known to trip parsers and PostgreSQL, each checked on its own.
const HOSTILE_FILES: &[&str] = &[
    r#"{"title":"nul","notes":"\u0000"}"#,
    r#"{"title":"nul key","\u0000":1}"#,
    r#"{"title":"lone surrogate","notes":"\ud800"}"#,
    r#"{"title":"huge","notes":1e999}"#,
    r#"{"title":"dates","itinerary":[{"date":"0000-00-00","activities":[{"title":"x"}]}]}"#,
    r#"{"title":"far","itinerary":[{"date":"+275760-09-13","activities":[{"title":"x"}]}]}"#,
    r#"{"title":"costs","itinerary":[{"date":"2026-07-01","activities":[{"title":"x","estimated_cost":"1e999","cost":-5}]}]}"#,
    r#"{"format":"wayfare-plan","version":1,"plan":{"title":"t","start_date":"+275760-09-13","end_date":"+275760-09-14"}}"#,
    r#"{"format":"wayfare-plan","version":1,"plan":{"title":"t","start_date":"-0001-01-01"}}"#,
    r#"{"format":"wayfare-plan","version":1,"plan":{"title":"t","budget":"99999999999999999999999999"}}"#,
    r#"{"format":"wayfare-plan","version":1,"plan":{"title":"t","plan_data":{"notes":"\u0000"}}}"#,
    r#"{"format":"wayfare-plan","version":1,"plan":{"title":"t"},"activities":[{"title":"a","metadata":{"k":"\u0000"}}]}"#,
    r#"{"format":"wayfare-plan","version":1,"plan":{"title":"t"},"activities":[{"title":"a","order_index":2147483647,"duration_minutes":-5}]}"#,
    r#"{"format":"wayfare-plan","version":1,"plan":{"title":"t"},"activities":[{"title":"a","scheduled_date":"+262142-01-01","latitude":"91","longitude":"-181"}]}"#,
    r#"{"format":"wayfare-plan","version":4294967296,"plan":{"title":"t"}}"#,
];

#[test]
fn every_known_hostile_plan_file_is_refused_or_imported_without_a_5xx() {
    let fuzz = Fuzz::start();
    let endpoint = Endpoint {
        path: "/plans/import".into(),
        fields: &[],
        anonymous: false,
        versioned: None,
    };
    let mut failures = Vec::new();
    for file in HOSTILE_FILES {
        let case = Case::Upload(file.as_bytes().to_vec(), Upload::Normal);
        let (content_type, body) = case.encode(&fuzz.token);
        if let Err(e) = fuzz.check(
            file,
            &fuzz.signed_in,
            &endpoint.path,
            content_type,
            body,
            Some(&fuzz.token),
        ) {
            failures.push(e.to_string());
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The values every field of every form gets in turn, the rest of the form being valid.
fn sweep_values() -> Vec<Vec<u8>> {
    let mut values: Vec<Vec<u8>> = [
        "a\0b",
        "0000-00-00",
        "+275760-09-13",
        "1e308",
        "99999999999999999999999999999999999.99999",
        "-1",
        "2147483648",
        "<script>alert(1)</script>",
        "{\"a\":\"\\u0000\"}",
        "\u{202e}",
        "NaN",
        "",
    ]
    .iter()
    .map(|v| v.as_bytes().to_vec())
    .collect();
    values.push("x".repeat(10_000).into_bytes());
    values.push(vec![0xff, 0xfe, b'a', 0xc3]);
    values
}

/// A valid form for each endpoint (sign-ups with a fresh address each time).
fn valid_form(name: &str) -> Vec<(String, String)> {
    let fresh = unique("sweep");
    let pairs: Vec<(&str, String)> = match name {
        "signup" => vec![
            ("email", format!("{fresh}@example.com")),
            ("username", fresh.clone()),
            ("password", crate::support::PASSWORD.into()),
            ("password_confirm", crate::support::PASSWORD.into()),
        ],
        "login" => vec![("login", fresh), ("password", "not the password".into())],
        "plan create" | "plan edit" => vec![
            ("title", "Trip".into()),
            ("destination", "Lisbon".into()),
            ("start_date", "2026-07-01".into()),
            ("end_date", "2026-07-03".into()),
            ("budget", "100".into()),
            ("currency", "EUR".into()),
        ],
        "activity create" | "activity edit" => vec![
            ("title", "Stop".into()),
            ("scheduled_date", "2026-07-01".into()),
            ("start_time", "10:00".into()),
            ("end_time", "11:00".into()),
            ("estimated_cost", "5".into()),
            ("latitude", "38.7".into()),
            ("longitude", "-9.1".into()),
            ("tags", "a, b".into()),
        ],
        "details" => vec![
            ("timezone", "Europe/Lisbon".into()),
            ("notes", "Notes".into()),
            ("group_size", "2".into()),
        ],
        "bookings" => vec![("kind", "flights".into()), ("index", "0".into())],
        "raw data" => vec![("plan_data", "{\"notes\": \"x\"}".into())],
        "visibility" => vec![("visibility", "link".into())],
        other => panic!("no valid form for {other}"),
    };
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Each field of each form gets each hostile value while the rest of the form is valid (and
/// carries the current version), so every value reaches the validation and the database.
/// The token also travels in `X-CSRF-Token`, as the plan page's script sends it: the
/// handlers themselves must hold, whatever the CSRF layer reads.
#[test]
fn each_field_of_each_form_survives_every_hostile_value() {
    let fuzz = Fuzz::start();
    let plan = fuzz
        .app
        .plan(&fuzz.user.clone())
        .title("Swept trip")
        .lisbon_trip()
        .insert()
        .id;
    let activity = fuzz
        .app
        .activity(plan)
        .title("Swept stop")
        .date("2026-07-01")
        .cost("10")
        .next_in_order()
        .insert()
        .id;
    let endpoints = form_endpoints(plan, activity);
    let mut failures = Vec::new();
    let mut requests = 0;
    for (
        name,
        Endpoint {
            path,
            fields,
            anonymous,
            versioned,
        },
    ) in endpoints
    {
        for field in fields.iter().filter(|f| **f != "version") {
            for value in sweep_values() {
                let (browser, token) = fuzz.browser(anonymous);
                let mut body = format!("csrf_token={token}");
                for (k, v) in valid_form(name) {
                    if k != *field {
                        body.push_str(&format!("&{k}={}", percent_encode(v.as_bytes())));
                    }
                }
                body.push_str(&format!("&{field}={}", percent_encode(&value)));
                if let Some((table, id)) = versioned {
                    let version = fuzz
                        .app
                        .text(sql_query(version_sql(table)).bind::<Integer, _>(id))
                        .unwrap();
                    body.push_str(&format!("&version={version}"));
                }
                let what = format!("{name}: {field}={:?}", String::from_utf8_lossy(&value));
                let content_type = Some("application/x-www-form-urlencoded".to_string());
                requests += 1;
                if let Err(e) = fuzz.check(
                    &what,
                    &browser,
                    &path,
                    content_type,
                    body.into_bytes(),
                    Some(&token),
                ) {
                    failures.push(e.to_string().chars().take(300).collect::<String>());
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("field sweep: {requests} requests, no 5xx, no write on a 4xx");
}

// ---------------------------------------------------------------- what an import accepts

/// Files each breaking one rule of the forms: every one is refused whole (422).
const OUT_OF_RULES_FILES: &[&str] = &[
    r#"{"format":"wayfare-plan","version":1,"plan":{"title":"t"},"activities":[{"title":"a","scheduled_date":"+262142-12-31"}]}"#,
    r#"{"format":"wayfare-plan","version":1,"plan":{"title":"t"},"activities":[{"title":"a","scheduled_date":"2201-01-01"}]}"#,
    r#"{"format":"wayfare-plan","version":1,"plan":{"title":"t","start_date":"1899-12-31"}}"#,
    r#"{"format":"wayfare-plan","version":1,"plan":{"title":"t"},"activities":[{"title":"a","start_time":"10:00","end_time":"10:00"}]}"#,
    r#"{"format":"wayfare-plan","version":1,"plan":{"title":"t"},"activities":[{"title":"a","duration_minutes":10081}]}"#,
    r#"{"format":"wayfare-plan","version":1,"plan":{"title":"t"},"activities":[{"title":"a","latitude":"38.7"}]}"#,
    r#"{"format":"wayfare-plan","version":1,"plan":{"title":"t"},"activities":[{"title":"a","metadata":{"contact_info":{"website":"javascript:alert(1)"}}}]}"#,
    r#"{"format":"wayfare-plan","version":1,"plan":{"title":"t"},"activities":[{"title":"a","metadata":{"reviews":{"rating":7}}}]}"#,
    r#"{"format":"wayfare-plan","version":1,"plan":{"title":"t"},"activities":[{"title":"a","metadata":{"tags":["t","t","t","t","t","t","t","t","t","t","t","t","t","t","t","t","t","t","t","t","t"]}}]}"#,
    r#"{"itinerary":[{"date":"+262142-12-31","activities":[{"activity":"x"}]}]}"#,
    r#"{"itinerary":[{"date":"2026-07-01","activities":[{"activity":"x","time":"24:00"}]}]}"#,
    r#"{"itinerary":[{"date":"2026-07-01","activities":[{"activity":"x","duration":99999}]}]}"#,
];

#[test]
fn every_file_the_forms_would_refuse_is_refused_whole() {
    let fuzz = Fuzz::start();
    let mut failures = Vec::new();
    let mut files: Vec<String> = OUT_OF_RULES_FILES.iter().map(|f| f.to_string()).collect();
    let long = "x".repeat(201);
    files.push(format!(
        r#"{{"format":"wayfare-plan","version":1,"plan":{{"title":"t"}},"activities":[{{"title":"{long}"}}]}}"#
    ));
    files.push(format!(r#"{{"title":"{long}"}}"#));
    files.push(format!(
        r#"{{"format":"wayfare-plan","version":1,"plan":{{"title":"t","destination":"{}"}}}}"#,
        "d".repeat(101)
    ));
    files.push(format!(
        r#"{{"format":"wayfare-plan","version":1,"plan":{{"title":"t"}},"activities":[{{"title":"a","metadata":{{"k":"{}"}}}}]}}"#,
        "m".repeat(17 * 1024)
    ));
    files.push(format!(
        r#"{{"title":"t","notes":"{}"}}"#,
        "n".repeat(257 * 1024)
    ));
    for file in files {
        let before = rows(&mut fuzz.db.borrow_mut());
        let (status, _, _) = fuzz.upload(file.as_bytes());
        if status != StatusCode::UNPROCESSABLE_ENTITY {
            failures.push(format!("{status}: {}", &file[..file.len().min(160)]));
        }
        assert_eq!(rows(&mut fuzz.db.borrow_mut()), before, "{file}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

impl Fuzz {
    /// Uploads a plan file as the fuzzed user: the status, the `Location`, the body.
    fn upload(&self, file: &[u8]) -> (StatusCode, String, String) {
        let case = Case::Upload(file.to_vec(), Upload::Normal);
        let (content_type, body) = case.encode(&self.token);
        let browser = &self.signed_in;
        let mut request = browser
            .client
            .post(browser.url("/plans/import"))
            .header("Origin", &browser.address)
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        let response = self.rt.block_on(request.send()).expect("an answer");
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let text = self.rt.block_on(response.text()).unwrap_or_default();
        (status, location, text)
    }

    /// Fetches a calendar; fails the case unless it answers 200 with a calendar that
    /// follows RFC 5545's line rules, parses, and writes every date with four-digit years.
    /// Returns its number of events.
    fn calendar(&self, browser: &Browser, path: &str) -> Result<usize, TestCaseError> {
        use icalendar::Component;
        let response = self
            .rt
            .block_on(browser.client.get(browser.url(path)).send())
            .map_err(|e| TestCaseError::fail(format!("GET {path}: no answer: {e}")))?;
        prop_assert_eq!(response.status(), StatusCode::OK, "GET {}", path);
        let text = self.rt.block_on(response.text()).unwrap_or_default();
        prop_assert!(text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'));
        for line in text.split("\r\n") {
            prop_assert!(line.len() <= 75, "{} octets: {}", line.len(), line);
        }
        let unfolded = text.replace("\r\n ", "");
        for line in unfolded.lines() {
            if let Some((name, value)) = line.split_once(':')
                && (name.starts_with("DTSTART") || name.starts_with("DTEND"))
            {
                let date_time = value.len() == 16 && value.ends_with('Z') || value.len() == 15;
                prop_assert!(value.len() == 8 || date_time, "{} in\n{}", line, text);
                prop_assert!(value[..8].chars().all(|c| c.is_ascii_digit()), "{}", line);
            }
        }
        let calendar: icalendar::Calendar = text
            .parse()
            .map_err(|e| TestCaseError::fail(format!("{path} does not parse: {e}\n{text}")))?;
        let events = calendar.events().count();
        for event in calendar.events() {
            prop_assert!(event.get_start().is_some() && event.get_uid().is_some());
        }
        Ok(events)
    }
}

/// Days from 1900-01-01 to 2200-12-31: the forms' whole range.
const DAYS_IN_RANGE: i64 = 109_937;

/// A date as a file may carry it: mostly within the forms' years (their first and last
/// days included), sometimes just past them or impossible.
fn date_text() -> impl Strategy<Value = String> {
    let first = chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
    prop_oneof![
        8 => (0..=DAYS_IN_RANGE).prop_map(move |d| (first + chrono::TimeDelta::days(d)).to_string()),
        2 => proptest::sample::select(
            &[
                "1900-01-01", "2200-12-31", "2200-12-30", "2024-02-29", "2026-03-29",
                "2026-10-25", "2026-11-01", "2026-03-08",
            ][..]
        )
        .prop_map(str::to_string),
        1 => proptest::sample::select(
            &["1899-12-31", "2201-01-01", "+262142-12-31", "-0001-01-01", "2026-02-30"][..]
        )
        .prop_map(str::to_string),
        1 => Just(String::new()),
    ]
}

fn time_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u32..24, 0u32..60).prop_map(|(h, m)| format!("{h:02}:{m:02}")),
        1 => (0u32..24, 0u32..60, 0u32..60).prop_map(|(h, m, s)| format!("{h:02}:{m:02}:{s:02}")),
        1 => proptest::sample::select(&["23:59:59", "23:30", "00:00", "02:30", "24:00"][..])
            .prop_map(str::to_string),
        2 => Just(String::new()),
    ]
}

fn activity_json() -> impl Strategy<Value = serde_json::Value> {
    let duration = prop_oneof![
        2 => Just(None),
        4 => (0i64..=10_080).prop_map(Some),
        1 => proptest::sample::select(&[10_080i64, 1, 10_081, -1][..]).prop_map(Some),
    ];
    let end = prop_oneof![3 => Just(String::new()), 1 => time_text()];
    (
        prop_oneof![6 => "[A-Za-zÀ-ÿ ,;\\:\"<>&é🌍]{1,30}", 1 => Just("t".repeat(200)), 1 => Just("t".repeat(201))],
        date_text(),
        time_text(),
        end,
        duration,
        any::<bool>(),
    )
        .prop_map(|(title, date, start, end, duration, done)| {
            serde_json::json!({
                "title": title,
                "scheduled_date": date,
                "start_time": start,
                "end_time": end,
                "duration_minutes": duration,
                "is_completed": done,
            })
        })
}

/// An export-style file whose values range over what the forms accept and just past it.
fn rule_edge_file() -> impl Strategy<Value = String> {
    let zone = proptest::sample::select(
        &[
            "UTC",
            "Pacific/Kiritimati",
            "Pacific/Niue",
            "Europe/Paris",
            "America/St_Johns",
            "Asia/Kathmandu",
            "Australia/Lord_Howe",
            "America/Santiago",
            "Mars/Olympus",
            "",
        ][..],
    );
    let first = chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
    let dates = prop_oneof![
        3 => (0..=DAYS_IN_RANGE, 0i64..40).prop_map(move |(d, length)| {
            let start = first + chrono::TimeDelta::days(d);
            (start.to_string(), (start + chrono::TimeDelta::days(length)).to_string())
        }),
        1 => (date_text(), date_text()),
    ];
    (
        prop_oneof![4 => "\\PC{1,30}", 1 => Just("p".repeat(200)), 1 => Just("p".repeat(201))],
        dates,
        zone,
        proptest::collection::vec(activity_json(), 0..5),
    )
        .prop_map(|(title, (start, end), zone, activities)| {
            serde_json::json!({
                "format": "wayfare-plan",
                "version": 1,
                "plan": {
                    "title": title,
                    "start_date": start,
                    "end_date": end,
                    "plan_data": {"timezone": zone},
                },
                "activities": activities,
            })
            .to_string()
        })
}

/// For any plan the import accepts, its rows keep the forms' rules (dates within
/// 1900–2200, lengths, ordered times), and both its calendars — the owner's and the shared
/// link's — answer 200 with a calendar that parses, an event per scheduled activity. Every
/// refused file writes nothing.
#[test]
fn any_plan_the_import_accepts_keeps_the_form_rules_and_both_its_calendars_parse() {
    let fuzz = Fuzz::start();
    let mut runner = TestRunner::new(Config {
        cases: CASES * 2,
        max_shrink_iters: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let accepted = std::cell::Cell::new(0);
    let result = runner.run(&rule_edge_file(), |file| {
        let before = rows(&mut fuzz.db.borrow_mut());
        let (status, location, text) = fuzz.upload(file.as_bytes());
        prop_assert!(!status.is_server_error(), "{}: {}", status, text);
        if status != StatusCode::SEE_OTHER {
            prop_assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
            prop_assert_eq!(rows(&mut fuzz.db.borrow_mut()), before);
            return Ok(());
        }
        accepted.set(accepted.get() + 1);
        let id: i32 = location
            .strip_prefix("/plans/")
            .and_then(|rest| rest.parse().ok())
            .ok_or_else(|| TestCaseError::fail(format!("redirected to {location}")))?;
        let broken = fuzz.app.count(sql_query("SELECT count(*) FROM plans WHERE id = $1 AND (char_length(title) > 200 \
               OR start_date NOT BETWEEN '1900-01-01' AND '2200-12-31' \
               OR end_date NOT BETWEEN '1900-01-01' AND '2200-12-31' OR end_date < start_date)")
.bind::<Integer, _>(id)) + fuzz.app.count(sql_query("SELECT count(*) FROM plan_activities WHERE plan_id = $1 AND (char_length(title) > 200 \
               OR scheduled_date NOT BETWEEN '1900-01-01' AND '2200-12-31' \
               OR duration_minutes NOT BETWEEN 0 AND 10080 OR end_time = start_time)")
.bind::<Integer, _>(id));
        prop_assert_eq!(broken, 0, "the import broke a rule of the forms: {}", file);
        let scheduled = fuzz.app.count(sql_query("SELECT count(*) FROM plan_activities WHERE plan_id = $1 AND scheduled_date IS NOT NULL")
.bind::<Integer, _>(id));
        let owners = fuzz.calendar(&fuzz.signed_in, &format!("/plans/{id}/calendar.ics"))?;
        prop_assert_eq!(owners as i64, scheduled, "an event per scheduled activity");
        let response = fuzz.rt.block_on(fuzz.signed_in.post_form(
            &format!("/plans/{id}/share"),
            &[("csrf_token", &fuzz.token)],
        ));
        prop_assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let token = fuzz
            .app
            .plan_row(id).and_then(|p| p.share_token)
            .unwrap();
        let reader = fuzz.app.new_browser();
        let shared = fuzz.calendar(&reader, &format!("/s/{token}/calendar.ics"))?;
        prop_assert_eq!(shared, owners);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(
        accepted.get() >= 5,
        "only {} files were accepted: the strategy hardly reaches the calendars",
        accepted.get()
    );
}

/// The edit version of a row of `table` (`updated_at` in microseconds), by id.
fn version_sql(table: &str) -> &'static str {
    match table {
        "plans" => {
            "SELECT (SELECT (extract(epoch FROM updated_at) * 1000000)::bigint \
             FROM plans WHERE id = $1)::text AS v"
        }
        "plan_activities" => {
            "SELECT (SELECT (extract(epoch FROM updated_at) * 1000000)::bigint \
             FROM plan_activities WHERE id = $1)::text AS v"
        }
        other => panic!("no edit version in {other}"),
    }
}
