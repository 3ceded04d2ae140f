//! What must never leak: tokens into the log, private pages into caches, cookies to other
//! hosts, and the protocol we do not speak.

use std::io::{Read, Write};

use diesel::prelude::*;
use wayfare::db::schema::{plans, users};

use crate::faults::{Server, insert_user};
use crate::support::{
    Browser, FIREFOX, PASSWORD, TestDatabase, parse_mail, spawn_app, spawn_app_with, unique,
};

/// Every path that carries a token is visited, mistyped, refused by the CSRF check and
/// logged as slow; the log names routes and never a token, and no mail body.
#[tokio::test]
async fn tokens_and_mail_bodies_never_reach_the_log() {
    let db = TestDatabase::create();
    let server = Server::start_with(&db, &[("SLOW_REQUEST_MS", "0")]).await;
    let user = insert_user(&db, &unique("logged"));
    let share_token = format!("sharetoken{}", unique("s").replace(['-', '_'], ""));
    {
        let mut admin = db.admin_conn();
        let owner: i32 = users::table
            .filter(users::email.eq(&user.email))
            .select(users::id)
            .first(&mut admin)
            .unwrap();
        diesel::insert_into(plans::table)
            .values((
                plans::user_id.eq(owner),
                plans::title.eq("Logged trip"),
                plans::share_token.eq(&share_token),
            ))
            .execute(&mut admin)
            .unwrap();
    }
    let browser = Browser::new(&server.address, FIREFOX);
    assert_eq!(
        browser
            .post_form("/password-reset", &[("email", user.email.as_str())])
            .await
            .status(),
        200
    );
    let mail_dir = server.data_dir.join("mail");
    for entry in std::fs::read_dir(&mail_dir).unwrap() {
        use std::os::unix::fs::PermissionsExt;
        let mode = entry.unwrap().metadata().unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "a mail file is for the server's user only"
        );
    }
    let mail = std::fs::read_dir(&mail_dir)
        .unwrap()
        .map(|e| parse_mail(&std::fs::read_to_string(e.unwrap().path()).unwrap()))
        .next()
        .expect("the reset mail was written");
    let reset_path = mail
        .body
        .lines()
        .find_map(|line| {
            line.find("/password-reset/")
                .map(|at| line[at..].trim().to_string())
        })
        .expect("a reset link in the mail");
    let reset_token = reset_path
        .trim_start_matches("/password-reset/")
        .to_string();
    let share = format!("/s/{share_token}");
    for path in [
        reset_path.clone(),
        share.clone(),
        format!("{share}/calendar.ics"),
        format!("/login?next={share}"),
        format!("/s/{share_token}x"),
    ] {
        let status = browser.get(&path).await.status();
        assert!(status.as_u16() < 500, "{path}: {status}");
    }
    // CSRF failures: no token, and a foreign origin.
    for path in [reset_path.clone(), format!("{share}/copy")] {
        let refused = browser
            .post_raw(
                &path,
                &[("password", PASSWORD), ("password_confirm", PASSWORD)],
                &[("Origin", "https://evil.example")],
            )
            .await;
        assert_eq!(refused.status(), 403, "{path}");
    }

    let log = server.log();
    assert!(log.contains("CSRF check failed"), "{log}");
    assert!(log.contains("slow request"), "{log}");
    assert!(
        log.contains("/password-reset/{token}"),
        "routes are logged: {log}"
    );
    assert!(log.contains("mail written to file"), "{log}");
    for secret in [reset_token.as_str(), share_token.as_str()] {
        assert!(!log.contains(secret), "a token in the log:\n{log}");
    }
    assert!(
        !log.contains("Choose a new password"),
        "a mail body in the log"
    );
}

/// Pages of a signed-in user are never stored; files and share pages keep their own rules.
#[tokio::test]
async fn private_pages_are_never_stored_by_a_cache() {
    let app = spawn_app().await;
    let user = app.user(&unique("private")).insert();
    let plan = app
        .plan(&user)
        .title("Cached nowhere")
        .lisbon_trip()
        .insert()
        .id;
    app.exec(
        diesel::update(plans::table.find(plan))
            .set(plans::share_token.eq("cachetesttoken0123456789")),
    );
    app.exec(diesel::update(users::table.find(user.id)).set(users::is_staff.eq(true)));
    let browser = app.signed_in(&user).await;
    for path in [
        "/plans".to_string(),
        format!("/plans/{plan}"),
        format!("/plans/{plan}/edit"),
        "/plans/new".into(),
        "/account".into(),
        "/account/sessions".into(),
        "/account/password".into(),
        "/admin".into(),
        "/admin/users".into(),
        "/login".into(),
        "/nowhere".into(),
    ] {
        let response = browser.get(&path).await;
        assert_eq!(
            response.headers()["cache-control"],
            "no-store",
            "{path} ({})",
            response.status()
        );
    }
    let share = browser.get("/s/cachetesttoken0123456789").await;
    assert_eq!(share.headers()["cache-control"], "private, max-age=60");
    let asset = browser.get(&wayfare::assets::url("css/app.css")).await;
    assert_eq!(asset.status(), 200);
    assert_ne!(asset.headers()["cache-control"], "no-store");
}

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

fn cookie_value(set_cookies: &[String], name: &str) -> Option<String> {
    set_cookies.iter().find_map(|c| {
        c.strip_prefix(&format!("{name}="))
            .map(|rest| rest.split(';').next().unwrap().to_string())
    })
}

/// Over https every cookie is `__Host-` prefixed: Secure, `Path=/`, no `Domain`, so that
/// no other host (a subdomain) or plain-http page can plant or overwrite it.
#[tokio::test]
async fn over_https_every_cookie_has_the_host_prefix() {
    const ORIGIN: &str = "https://trips.example.org";
    let app = spawn_app_with(|env| {
        env.insert("PUBLIC_URL".into(), ORIGIN.into());
        env.insert("SMTP_URL".into(), "smtp://127.0.0.1:1".into());
    })
    .await;
    let user = app.user(&unique("https")).insert();
    // A client without a cookie store: browsers keep Secure cookies from plain http away.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = client.get(app.url("/login")).send().await.unwrap();
    let first = set_cookies(&form);
    let csrf = cookie_value(&first, "__Host-csrftoken").expect("a __Host- CSRF cookie");
    assert!(cookie_value(&first, "csrftoken").is_none());
    let token = crate::support::extract_input(&form.text().await.unwrap(), "csrf_token").unwrap();
    let login = client
        .post(app.url("/login"))
        .header("origin", ORIGIN)
        .header("cookie", format!("__Host-csrftoken={csrf}"))
        .form(&[
            ("login", user.username.as_str()),
            ("password", PASSWORD),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    let cookies = set_cookies(&login);
    let names: Vec<&str> = cookies
        .iter()
        .map(|c| c.split('=').next().unwrap())
        .collect();
    assert!(names.contains(&"__Host-wayfare_session"), "{cookies:?}");
    for cookie in cookies.iter().chain(&first) {
        let lower = cookie.to_lowercase();
        assert!(cookie.starts_with("__Host-"), "{cookie}");
        assert!(lower.contains("; secure"), "{cookie}");
        assert!(lower.contains("path=/"), "{cookie}");
        assert!(!lower.contains("domain="), "{cookie}");
    }
    let session = cookie_value(&cookies, "__Host-wayfare_session").unwrap();
    let plans = client
        .get(app.url("/plans"))
        .header("cookie", format!("__Host-wayfare_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(plans.status(), 200, "the prefixed session cookie signs in");
}

/// HTTP/2 is not spoken (h2 is not even in the dependency tree; see docs/SECURITY.md): a
/// prior-knowledge HTTP/2 client gets no HTTP/2 frame back.
#[tokio::test]
async fn an_http2_prior_knowledge_request_gets_no_http2_answer() {
    let app = spawn_app().await;
    let address = format!("127.0.0.1:{}", app.port);
    let reply = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        stream
            .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
            .unwrap();
        // An empty SETTINGS frame.
        stream.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).unwrap();
        let mut reply = Vec::new();
        let _ = stream.read_to_end(&mut reply);
        reply
    })
    .await
    .unwrap();
    let is_settings_frame = reply.len() >= 9 && reply[3] == 4;
    assert!(
        reply.is_empty() || reply.starts_with(b"HTTP/1.1 "),
        "{:?}",
        String::from_utf8_lossy(&reply)
    );
    assert!(!is_settings_frame);
}
