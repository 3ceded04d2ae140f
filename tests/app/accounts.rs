//! Password accounts: sign-up, login, logout, what a failed login tells, safe `next`
//! redirects, password rules and deactivated users.

use diesel::prelude::*;
use reqwest::StatusCode;
use wayfare::db::schema::users;

use crate::support::{
    HOME, PASSWORD, SESSION_COOKIE, assert_is_redirect_to, extract_input, extract_link, spawn_app,
    spawn_app_with, without_csrf_tokens,
};

#[tokio::test]
async fn signup_creates_an_unverified_account_signs_in_and_mails_a_link() {
    let app = spawn_app().await;
    let form = app.get("/signup").await;
    assert_eq!(form.status(), 200);
    let html = form.text().await.unwrap();
    for field in [
        "email",
        "username",
        "password",
        "password_confirm",
        "first_name",
    ] {
        assert!(html.contains(&format!("name=\"{field}\"")), "{field}");
    }

    let response = app
        .post_form(
            "/signup",
            &[
                ("email", "Alice.Walker@Example.com"),
                ("username", "alice_w"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("first_name", " Alice "),
                ("last_name", ""),
            ],
        )
        .await;
    assert_is_redirect_to(&response, HOME);

    assert_eq!(app.users().len(), 1);
    let account = app.the_user();
    assert_eq!(account.email, "Alice.Walker@Example.com", "kept as typed");
    assert_eq!(account.username, "alice_w");
    assert_eq!(account.first_name.as_deref(), Some("Alice"));
    assert_eq!(account.last_name, None, "blank is NULL");
    assert_eq!(
        (account.is_active, account.is_verified, account.is_staff),
        (Some(true), Some(false), Some(false))
    );
    let hash = account.password_hash;
    assert!(hash.starts_with("$2b$04$"), "bcrypt at BCRYPT_COST: {hash}");
    assert!(bcrypt::verify(PASSWORD, &hash).unwrap());
    let joined = account.date_joined.unwrap();
    let joined_secs = (chrono::Utc::now().naive_utc() - joined).num_seconds();
    assert!(joined_secs.abs() < 60);

    // Signed in on this browser, with one session row.
    let page = app.get_html("/account").await;
    assert!(page.contains("Welcome to Wayfare"), "{page}");
    assert!(page.contains("not confirmed"));
    assert_eq!(
        app.browser().signed_in_email().await.as_deref(),
        Some("Alice.Walker@Example.com")
    );
    assert_eq!(app.session_count(), 1);

    // A confirmation link went to the address.
    let mail = app.last_mail_to("Alice.Walker@Example.com");
    assert_eq!(mail.subject, "Confirm your e-mail address");
    extract_link(&app, &mail.body, "/verify-email/");
    assert_eq!(app.mails().len(), 1);
}

#[tokio::test]
async fn an_invalid_signup_keeps_the_input_shows_each_error_and_writes_nothing() {
    let app = spawn_app().await;
    let before = app.snapshot();
    let long_name = "n".repeat(31);
    let cases: [(&str, &str, &str, &str, &str, &str); 7] = [
        // (field with the error, email, username, password, confirmation, last name)
        ("email", "not-an-address", "bob_ok", PASSWORD, PASSWORD, ""),
        ("email", "bob@example", "bob_ok", PASSWORD, PASSWORD, ""),
        ("username", "bob@example.com", "bo", PASSWORD, PASSWORD, ""),
        (
            "username",
            "bob@example.com",
            "bob smith",
            PASSWORD,
            PASSWORD,
            "",
        ),
        (
            "last_name",
            "bob@example.com",
            "bob_ok",
            PASSWORD,
            PASSWORD,
            &long_name,
        ),
        (
            "password_confirm",
            "bob@example.com",
            "bob_ok",
            PASSWORD,
            "correct horse battery stapler",
            "",
        ),
        (
            "password",
            "bob@example.com",
            "bob_ok",
            "too short",
            "too short",
            "",
        ),
    ];
    for (field, email, username, password, confirm, last_name) in cases {
        let response = app
            .post_form(
                "/signup",
                &[
                    ("email", email),
                    ("username", username),
                    ("password", password),
                    ("password_confirm", confirm),
                    ("last_name", last_name),
                ],
            )
            .await;
        assert_eq!(response.status(), 422, "{field}");
        assert!(response.cookies().all(|c| c.name() != SESSION_COOKIE));
        let html = response.text().await.unwrap();
        assert!(
            html.contains(&format!("id=\"{field}\"")) && html.contains("class=\"field-error\""),
            "{field}"
        );
        let invalid = format!("id=\"{field}\"");
        let at = html.find(&invalid).unwrap();
        let tag_end = at + html[at..].find('>').unwrap();
        assert!(
            html[at..tag_end].contains("aria-invalid=\"true\""),
            "the error is at its field ({field})"
        );
        // What was typed is kept, except passwords.
        assert_eq!(extract_input(&html, "email").as_deref(), Some(email));
        assert_eq!(extract_input(&html, "username").as_deref(), Some(username));
        assert_eq!(extract_input(&html, "password"), None, "{field}");
        assert!(!html.contains(password), "a password is never echoed");
    }
    assert_eq!(app.snapshot(), before, "nothing was written");
    assert!(app.mails().is_empty());
}

/// 71 ASCII bytes of a strong password.
const STRONG_71: &str = "xQ7!vR2#mK9@xQ7!vR2#mK9@xQ7!vR2#mK9@xQ7!vR2#mK9@xQ7!vR2#mK9@vR2#mK9@xQ7";

#[tokio::test]
async fn a_73_byte_password_is_refused_and_72_bytes_are_used_whole() {
    let app = spawn_app().await;
    assert_eq!(STRONG_71.len(), 71);
    let before = app.snapshot();
    // 73 bytes in 73 characters, and in 72 characters (é is two bytes).
    for long in [format!("{STRONG_71}zz"), format!("{STRONG_71}é")] {
        assert_eq!(long.len(), 73);
        let response = app
            .browser()
            .signup("carol@example.com", "carol", &long)
            .await;
        assert_eq!(response.status(), 422);
        let html = response.text().await.unwrap();
        assert!(html.contains("Use at most 72 bytes"), "{html}");
    }
    assert_eq!(app.snapshot(), before);
    assert!(app.mails().is_empty());

    // 72 bytes are accepted and every one of them counts.
    let exact = format!("{STRONG_71}z");
    let response = app
        .browser()
        .signup("carol@example.com", "carol", &exact)
        .await;
    assert_is_redirect_to(&response, HOME);
    let browser = app.new_browser();
    let truncated_match = browser.login("carol", &format!("{exact}!")).await;
    assert_eq!(truncated_match.status(), 422, "73 bytes never match 72");
    assert_eq!(browser.login("carol", STRONG_71).await.status(), 422);
    browser.login_ok("carol", &exact).await;
}

#[tokio::test]
async fn weak_passwords_are_refused_and_strong_unicode_ones_accepted() {
    let app = spawn_app().await;
    let before = app.snapshot();
    for weak in [
        "password1234",
        "aaaaaaaaaaaaaaaa",
        "qwertyuiop123",
        "dave_traveller",
        "dave@example.com",
    ] {
        let response = app
            .browser()
            .signup("dave@example.com", "dave_traveller", weak)
            .await;
        assert_eq!(response.status(), 422, "{weak}");
        let html = response.text().await.unwrap();
        assert!(html.contains("Choose a stronger password"), "{weak}");
    }
    assert_eq!(app.snapshot(), before);

    let unicode = "Zürich über alles 2025 ☕";
    let response = app
        .browser()
        .signup("dave@example.com", "dave_traveller", unicode)
        .await;
    assert_is_redirect_to(&response, HOME);
    app.new_browser()
        .login_ok("dave@example.com", unicode)
        .await;
}

#[tokio::test]
async fn a_second_account_with_the_same_email_or_username_in_another_case_is_refused() {
    let app = spawn_app().await;
    let first = app
        .browser()
        .signup("erin@example.com", "erin", PASSWORD)
        .await;
    assert_is_redirect_to(&first, HOME);
    let before_users = format!("{:?}", app.users());
    let before_sessions = app.session_count();

    let other = app.new_browser();
    let same_email = other.signup("Erin@EXAMPLE.com", "erin_two", PASSWORD).await;
    assert_eq!(same_email.status(), 422);
    let html = same_email.text().await.unwrap();
    assert!(html.contains("An account with this e-mail address exists already"));
    assert_eq!(
        extract_input(&html, "email").as_deref(),
        Some("Erin@EXAMPLE.com")
    );

    let same_username = other.signup("erin2@example.com", "ERIN", PASSWORD).await;
    assert_eq!(same_username.status(), 422);
    assert!(
        same_username
            .text()
            .await
            .unwrap()
            .contains("This username is taken")
    );

    assert_eq!(format!("{:?}", app.users()), before_users);
    assert_eq!(app.session_count(), before_sessions);
    assert_eq!(app.mails().len(), 1, "only the first sign-up got a mail");
    assert_eq!(other.signed_in_email().await, None);
}

#[tokio::test]
async fn two_simultaneous_signups_with_one_address_make_one_account_and_no_500() {
    let app = spawn_app().await;
    let (a, b) = (app.new_browser(), app.new_browser());
    // Fetch both tokens first so the two posts really race.
    a.csrf_token().await.unwrap();
    b.csrf_token().await.unwrap();
    let (ra, rb) = tokio::join!(
        a.signup("frank@example.com", "frank_a", PASSWORD),
        b.signup("FRANK@example.com", "frank_b", PASSWORD)
    );
    let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [303, 422]);
    assert_eq!(
        app.users()
            .iter()
            .filter(|u| u.email.to_lowercase() == "frank@example.com")
            .count(),
        1
    );
    assert_eq!(app.session_count(), 1);
}

#[tokio::test]
async fn login_works_by_email_or_username_in_any_case_and_records_last_login() {
    let app = spawn_app().await;
    let user = app.user("grace").insert();
    assert_eq!(app.the_user().last_login, None);
    for login in ["grace", "GRACE@example.com", "  Grace  "] {
        let browser = app.new_browser();
        browser.login_ok(login, PASSWORD).await;
        assert_eq!(
            browser.signed_in_email().await.as_deref(),
            Some(user.email.as_str())
        );
    }
    let last_login = app.the_user().last_login.unwrap();
    let since_login =
        (chrono::Utc::now().naive_utc() - last_login).num_milliseconds() as f64 / 1000.0;
    assert!(since_login.abs() < 60.0, "{since_login}");
    assert_eq!(app.session_count(), 3, "one row per browser");
}

#[tokio::test]
async fn an_unknown_user_and_a_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    app.user("heidi").insert();
    let before = format!("{:?}", app.users());

    let browser = app.new_browser();
    let login = "someone@example.com";
    let unknown = browser.login(login, PASSWORD).await;
    let wrong = browser
        .login("heidi@example.com", "not the right password")
        .await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.status(), unknown.status());
    for response in [&unknown, &wrong] {
        assert!(response.cookies().all(|c| c.name() != SESSION_COOKIE));
    }
    let unknown = without_csrf_tokens(&unknown.text().await.unwrap());
    let wrong = without_csrf_tokens(&wrong.text().await.unwrap());
    assert!(unknown.contains("Incorrect e-mail, username or password."));
    // The pages differ only in the login echoed back into the form.
    assert_eq!(
        unknown.replace(login, "LOGIN"),
        wrong.replace("heidi@example.com", "LOGIN")
    );

    assert_eq!(app.session_count(), 0);
    assert_eq!(format!("{:?}", app.users()), before, "no last_login");
}

#[tokio::test]
async fn a_password_reset_answers_the_same_whether_or_not_the_account_exists() {
    let app = spawn_app().await;
    app.user("ivan").insert();
    app.user("judy").inactive().insert();

    let mut pages = Vec::new();
    for email in ["ivan@example.com", "nobody@example.com", "judy@example.com"] {
        let response = app.post_form("/password-reset", &[("email", email)]).await;
        assert_eq!(response.status(), 200, "{email}");
        let html = response.text().await.unwrap();
        assert!(html.contains("If an account exists for"));
        pages.push(without_csrf_tokens(&html).replace(email, "EMAIL"));
    }
    assert_eq!(pages[0], pages[1]);
    assert_eq!(pages[0], pages[2]);
    // Only the active account's owner got a mail.
    let mails = app.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, "ivan@example.com");
    assert_eq!(mails[0].subject, "Reset your Wayfare password");
}

#[tokio::test]
async fn a_deactivated_user_cannot_log_in_and_is_told_so_only_after_the_right_password() {
    let app = spawn_app().await;
    let user = app.user("ken").insert();
    let open = app.signed_in(&user).await;
    app.exec(diesel::update(users::table.find(user.id)).set((
        users::is_active.eq(false),
        users::last_login.eq(None::<chrono::NaiveDateTime>),
    )));
    // The session open before the deactivation no longer signs anyone in.
    assert_eq!(open.signed_in_email().await, None);

    let browser = app.new_browser();
    let wrong = browser.login("ken", "not the right password").await;
    assert_eq!(wrong.status(), 422);
    let wrong = wrong.text().await.unwrap();
    assert!(wrong.contains("Incorrect e-mail, username or password."));
    assert!(!wrong.contains("deactivated"));

    let right = browser.login("ken", PASSWORD).await;
    assert_eq!(right.status(), 403);
    assert!(right.cookies().all(|c| c.name() != SESSION_COOKIE));
    assert!(
        right
            .text()
            .await
            .unwrap()
            .contains("This account has been deactivated")
    );
    assert_eq!(browser.signed_in_email().await, None);
    let now = chrono::Utc::now().naive_utc();
    let live = app
        .sessions()
        .into_iter()
        .filter(|s| s.is_active != Some(false) && s.expires_at > now)
        .count();
    assert_eq!(live, 1, "only the row from before");
    assert_eq!(app.the_user().last_login, None);
}

#[tokio::test]
async fn next_only_leads_to_paths_on_this_site() {
    let app = spawn_app().await;
    let user = app.user("liam").insert();
    let cases = [
        ("/plans/3", "/plans/3"),
        ("/plans/3?view=map#day-2", "/plans/3?view=map#day-2"),
        ("https://evil.example", HOME),
        ("http://evil.example/plans", HOME),
        ("//evil.example", HOME),
        ("///evil.example", HOME),
        ("/\\evil.example", HOME),
        ("\\\\evil.example", HOME),
        ("/\t/evil.example", HOME),
        (" //evil.example", HOME),
        ("javascript:alert(1)", HOME),
        ("/plans\r\nSet-Cookie: a=b", HOME),
        ("/plans/3\u{7f}", HOME),
        ("evil.example", HOME),
        ("", HOME),
    ];
    for (next, expected) in cases {
        let browser = app.new_browser();
        let response = browser
            .post_form(
                "/login",
                &[
                    ("login", &user.username),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_is_redirect_to(&response, expected);

        // The login page carries only a safe `next` into its form…
        let anonymous = app.new_browser();
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("next", next)
            .finish();
        let html = anonymous.get_html(&format!("/login?{query}")).await;
        let carried = extract_input(&html, "next").unwrap_or_default();
        assert!(
            carried == next || (carried.is_empty() && expected == HOME),
            "{next:?} carried as {carried:?}"
        );
        // …and a signed-in visitor is sent on only to a safe one.
        let again = browser.get(&format!("/login?{query}")).await;
        assert_is_redirect_to(&again, expected);
    }
}

#[tokio::test]
async fn a_page_that_needs_login_comes_back_after_it() {
    let app = spawn_app().await;
    let user = app.user("nina").insert();
    let browser = app.new_browser();
    let response = browser.get("/account/sessions").await;
    assert_is_redirect_to(&response, "/login?next=%2Faccount%2Fsessions");
    let html = browser.get_html("/login?next=%2Faccount%2Fsessions").await;
    let next = extract_input(&html, "next").unwrap();
    assert_eq!(next, "/account/sessions");
    let response = browser
        .post_form(
            "/login",
            &[
                ("login", &user.email),
                ("password", PASSWORD),
                ("next", &next),
            ],
        )
        .await;
    assert_is_redirect_to(&response, "/account/sessions");
    assert_eq!(browser.get("/account/sessions").await.status(), 200);
}

#[tokio::test]
async fn logout_is_post_only() {
    let app = spawn_app().await;
    let user = app.user("oscar").insert();
    let browser = app.signed_in(&user).await;
    assert_eq!(browser.get("/logout").await.status(), 405);
    assert_eq!(
        browser.signed_in_email().await.as_deref(),
        Some(user.email.as_str())
    );
    assert_eq!(app.session_count(), 1);
    assert_is_redirect_to(&browser.logout().await, "/");
    assert_eq!(browser.signed_in_email().await, None);
    assert_eq!(app.session_count(), 0);
}

#[tokio::test]
async fn a_hash_made_with_a_lower_cost_is_replaced_at_login() {
    let app = spawn_app_with(|env| {
        env.insert("BCRYPT_COST".into(), "5".into());
    })
    .await;
    let user = app.user("pia").insert(); // hashed at cost 4
    let old = app.the_user().password_hash;
    assert!(old.starts_with("$2b$04$"));
    app.new_browser().login_ok(&user.username, PASSWORD).await;
    let new = app.the_user().password_hash;
    assert!(new.starts_with("$2b$05$"), "{new}");
    assert!(bcrypt::verify(PASSWORD, &new).unwrap());
    // A wrong password changes nothing.
    let browser = app.new_browser();
    assert_eq!(
        browser
            .login("pia", "not the right password")
            .await
            .status(),
        422
    );
    assert_eq!(app.the_user().password_hash, new);
    browser.login_ok("pia", PASSWORD).await;
}
