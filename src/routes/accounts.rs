//! Password accounts: sign-up, login, logout, e-mail verification and password reset.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use diesel::OptionalExtension;
use serde::Deserialize;

use crate::auth::csrf;
use crate::auth::extractors::Visitor;
use crate::auth::oauth::Provider;
use crate::auth::session_store::{CLIENT_AGENT, CLIENT_IP, USER_ID};
use crate::auth::tokens::{self, Purpose, TokenError};
use crate::client::{client_ip, counted_as};
use crate::db::Db;
use crate::domain::ids::UserId;
use crate::domain::profile::{NewAccount, ProfileInput};
use crate::domain::{Email, Password};
use crate::error::AppError;
use crate::models::user;
use crate::pages::{FieldErrors, Layout, render, render_with, see_other};
use crate::rate_limit::Kind;
use crate::services::accounts::{self, Confirmed, PasswordReset, SignedUp, Taken};
use crate::services::login::{self, LoggedIn, account_key};
use crate::state::AppState;
use actix_web::http::StatusCode;

/// Where a signed-in user lands when no `next` says otherwise.
pub const HOME: &str = "/plans";
const VERIFY_LINK_HOURS: i64 = 48;
const RESET_LINK_HOURS: i64 = 1;

// ---------------------------------------------------------------- sign-up

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignupForm {
    email: String,
    username: String,
    password: String,
    password_confirm: String,
    first_name: String,
    last_name: String,
    /// Where to go once signed up (an invitation's page, say): a path on this site only.
    next: String,
}

#[derive(Template)]
#[template(path = "accounts/signup.html")]
struct SignupPage {
    layout: Layout,
    providers: Vec<Provider>,
    form: SignupForm,
    errors: FieldErrors,
}

pub async fn signup_form(
    visitor: Visitor,
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(&query.next).unwrap_or_default().to_string();
    if visitor.user.is_some() {
        return Ok(see_other(landing(&next)));
    }
    render(&SignupPage {
        layout: visitor.layout,
        providers: state.oauth.configured(),
        form: SignupForm {
            next,
            ..SignupForm::default()
        },
        errors: FieldErrors::default(),
    })
}

impl TryFrom<&SignupForm> for NewAccount {
    type Error = FieldErrors;

    fn try_from(form: &SignupForm) -> Result<Self, FieldErrors> {
        let input = ProfileInput {
            email: &form.email,
            username: &form.username,
            first_name: &form.first_name,
            last_name: &form.last_name,
        };
        NewAccount::check(input, &form.password, &form.password_confirm)
    }
}

pub async fn signup(
    req: HttpRequest,
    visitor: Visitor,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    web::Form(mut form): web::Form<SignupForm>,
) -> Result<HttpResponse, AppError> {
    form.next = safe_next(&form.next).unwrap_or_default().to_string();
    let NewAccount { profile, password } = match NewAccount::try_from(&form) {
        Ok(account) => account,
        Err(errors) => return signup_failed(&state, visitor, form, errors),
    };
    let ip = client_ip(&req, state.settings.trust_forwarded_for);
    let limit = state.settings.limits.signups_per_ip;
    state.limiter.hit(&db, Kind::SignupIp, &ip, limit).await?;
    let hash = state.hasher.hash(password.expose().to_string()).await?;
    let signed_up = db.write(move |conn| Ok(accounts::sign_up(conn, &profile, &hash)?));
    let created = match signed_up.await? {
        SignedUp::Created(created) => created,
        SignedUp::Taken(taken) => {
            let errors = taken_errors(taken, TAKEN_EMAIL);
            return signup_failed(&state, visitor, form, errors);
        }
        SignedUp::TakenMeanwhile => {
            let errors = FieldErrors::one("email", TAKEN_MEANWHILE);
            return signup_failed(&state, visitor, form, errors);
        }
    };
    state.metrics.signups.inc();
    let sent = send_verification(&state, &db, created.id, &created.email).await;
    let response = signed_in(
        &req,
        &visitor.session,
        created.id,
        &state,
        landing(&form.next),
    )?;
    FlashMessage::info(match sent {
        Ok(()) => format!("Welcome to Wayfare! We sent a link to {} to confirm your address.", created.email),
        Err(_) => "Welcome to Wayfare! We could not send the confirmation mail; send it again from this page.".into(),
    })
    .send();
    Ok(response)
}

const TAKEN_EMAIL: &str =
    "An account with this e-mail address exists already. Log in, or reset its password.";
const TAKEN_MEANWHILE: &str = "An account with this e-mail address or username exists already.";

/// The errors of a profile whose address or username another account has; what is said
/// of the address depends on the form (sign-up or the account page).
pub fn taken_errors(taken: Taken, email_message: &str) -> FieldErrors {
    let mut errors = FieldErrors::default();
    if taken.email {
        errors.add("email", email_message);
    }
    if taken.username {
        errors.add("username", "This username is taken. Choose another.");
    }
    errors
}

fn signup_failed(
    state: &AppState,
    visitor: Visitor,
    mut form: SignupForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    form.password.clear();
    form.password_confirm.clear();
    render_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        &SignupPage {
            layout: visitor.layout,
            providers: state.oauth.configured(),
            form,
            errors,
        },
    )
}

/// Signs a user in on this browser: a new session key (no fixation) carrying who they are
/// and where they sign in from, and a new CSRF secret (returned as the cookie to set).
pub fn sign_in(
    req: &HttpRequest,
    session: &Session,
    user_id: UserId,
    state: &AppState,
) -> Result<actix_web::cookie::Cookie<'static>, AppError> {
    let ip = client_ip(req, state.settings.trust_forwarded_for);
    let agent: String = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .chars()
        .take(500)
        .collect();
    session.renew();
    let insert_error =
        |e: actix_session::SessionInsertError| AppError::Internal(anyhow::anyhow!("{e}"));
    session.insert(USER_ID, user_id).map_err(insert_error)?;
    session.insert(CLIENT_IP, ip).map_err(insert_error)?;
    session.insert(CLIENT_AGENT, agent).map_err(insert_error)?;
    Ok(csrf::rotate(req, state.settings.is_https()))
}

/// Signs the user in (`sign_in`) and sends them on to `location` with the new CSRF cookie.
pub fn signed_in(
    req: &HttpRequest,
    session: &Session,
    user_id: UserId,
    state: &AppState,
    location: &str,
) -> Result<HttpResponse, AppError> {
    let csrf_cookie = sign_in(req, session, user_id, state)?;
    let mut response = see_other(location);
    response
        .add_cookie(&csrf_cookie)
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(response)
}

// ---------------------------------------------------------------- login and logout

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginQuery {
    next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    login: String,
    password: String,
    next: String,
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    layout: Layout,
    providers: Vec<Provider>,
    login: String,
    next: String,
    error: Option<String>,
}

pub async fn login_form(
    visitor: Visitor,
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(&query.next).unwrap_or_default().to_string();
    if visitor.user.is_some() {
        return Ok(see_other(landing(&next)));
    }
    render(&LoginPage {
        layout: visitor.layout,
        providers: state.oauth.configured(),
        login: String::new(),
        next,
        error: None,
    })
}

/// `next` only when it is a path on this site: never another host (`//evil.example`,
/// `/\evil.example`, `https://…`).
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then_some(next)
}

const BAD_LOGIN: &str = "Incorrect e-mail, username or password.";
const DEACTIVATED: &str =
    "This account has been deactivated. Contact the site's staff if you think this is a mistake.";

pub async fn login(
    req: HttpRequest,
    visitor: Visitor,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    web::Form(form): web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let client = counted_as(&req, state.settings.trust_forwarded_for);
    let login = form.login.trim().to_string();
    let next = safe_next(&form.next).unwrap_or_default().to_string();
    let (error, status) = match login::log_in(&state, &db, &login, form.password, &client).await? {
        LoggedIn::Yes(user_id) => {
            let response = signed_in(&req, &visitor.session, user_id, &state, landing(&next))?;
            state.metrics.logins.with_label_values(&["password"]).inc();
            return Ok(response);
        }
        LoggedIn::Wrong => {
            state.metrics.login_failures.inc();
            (BAD_LOGIN, StatusCode::UNPROCESSABLE_ENTITY)
        }
        LoggedIn::Deactivated => (DEACTIVATED, StatusCode::FORBIDDEN),
    };
    render_with(
        status,
        &LoginPage {
            layout: visitor.layout,
            providers: state.oauth.configured(),
            login,
            next,
            error: Some(error.to_string()),
        },
    )
}

/// Where a login sends the user: `next` (checked by `safe_next`), else home.
fn landing(next: &str) -> &str {
    if next.is_empty() { HOME } else { next }
}

pub async fn logout(visitor: Visitor) -> Result<HttpResponse, AppError> {
    // Purging deletes the row and clears the cookie.
    visitor.session.purge();
    FlashMessage::info("You have logged out.").send();
    Ok(see_other("/"))
}

// ---------------------------------------------------------------- e-mail verification

#[derive(Template)]
#[template(path = "accounts/message.html")]
pub struct MessagePage {
    pub layout: Layout,
    pub title: String,
    pub message: String,
    pub link_href: String,
    pub link_text: String,
}

/// Mails a verification link for `email`, within the per-account mail limit.
pub async fn send_verification(
    state: &AppState,
    db: &Db,
    user_id: UserId,
    email: &str,
) -> Result<(), AppError> {
    state
        .limiter
        .hit(
            db,
            Kind::MailAccount,
            &user_id.to_string(),
            state.settings.limits.mails_per_account,
        )
        .await?;
    let token = tokens::sign(
        state.settings.secret_key.expose(),
        Purpose::VerifyEmail,
        user_id,
        &email.to_lowercase(),
        chrono::TimeDelta::hours(VERIFY_LINK_HOURS),
    );
    let link = state.link(&format!("/verify-email/{token}"));
    let body = format!(
        "Hello,\n\nplease confirm that {email} is your address for Wayfare by opening this link:\n\n{link}\n\n\
         The link works for {VERIFY_LINK_HOURS} hours. If you did not sign up, ignore this mail.\n"
    );
    state
        .mailer
        .send(email, "Confirm your e-mail address", body)
        .await
        .map_err(|e| {
            tracing::error!(error = format!("{e:#}"), "verification mail failed");
            AppError::Unavailable("mail".into())
        })
}

pub async fn verify_email(
    visitor: Visitor,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let secret = state.settings.secret_key.expose();
    let confirmed = match tokens::verify(secret, Purpose::VerifyEmail, &token) {
        // A deleted user's link is invalid; a database error is a 503, not that.
        Ok(claims) => Ok(db
            .write(move |conn| Ok(accounts::confirm_email(conn, claims.u, &claims.b)?))
            .await?),
        Err(e) => Err(e),
    };
    let (status, title, message) = match link_problem(confirmed) {
        None => (
            StatusCode::OK,
            "Address confirmed",
            "Thank you: your e-mail address is confirmed.",
        ),
        Some(problem) => (StatusCode::BAD_REQUEST, "Link not valid", problem),
    };
    let (link_href, link_text) = if visitor.user.is_some() {
        (HOME, "Go to your account")
    } else {
        ("/login", "Log in")
    };
    let page = MessagePage {
        layout: visitor.layout,
        title: title.into(),
        message: message.into(),
        link_href: link_href.into(),
        link_text: link_text.into(),
    };
    render_with(status, &page)
}

/// What is wrong with a confirmation link, as its page says it; `None` when it confirmed.
fn link_problem(confirmed: Result<Confirmed, TokenError>) -> Option<&'static str> {
    const NOT_VALID: &str = "This link is not valid. Check that you copied all of it.";
    match confirmed {
        Ok(Confirmed::Confirmed) => None,
        Err(TokenError::Expired) => {
            Some("This link has expired. Send a new one from your account page.")
        }
        Err(TokenError::Invalid) | Ok(Confirmed::NoAccount) => Some(NOT_VALID),
        Ok(Confirmed::AddressChanged) => {
            Some("This link is for an address that is no longer on the account.")
        }
        Ok(Confirmed::AlreadyConfirmed) => {
            Some("This link has already been used: your address is confirmed.")
        }
    }
}

// ---------------------------------------------------------------- password reset

#[derive(Template)]
#[template(path = "accounts/reset_request.html")]
struct ResetRequestPage {
    layout: Layout,
    email: String,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResetRequestForm {
    email: String,
}

pub async fn reset_request_form(visitor: Visitor) -> Result<HttpResponse, AppError> {
    render(&ResetRequestPage {
        layout: visitor.layout,
        email: String::new(),
        error: None,
    })
}

/// Always the same answer, whether or not an account has this address.
pub async fn reset_request(
    visitor: Visitor,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    web::Form(form): web::Form<ResetRequestForm>,
) -> Result<HttpResponse, AppError> {
    let email = match Email::parse(&form.email) {
        Ok(email) => email,
        Err(error) => {
            return render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ResetRequestPage {
                    layout: visitor.layout,
                    email: form.email,
                    error: Some(error),
                },
            );
        }
    };
    let lookup = email.clone();
    let found = db
        .read(move |conn| Ok(user::find_by_email(conn, lookup.as_ref())?))
        .await?;
    if let Some(found) = found.filter(|u| u.active())
        && let Err(e) = send_reset(&state, &db, &found).await
    {
        // Over the mail limit or a mail failure: logged, and the answer stays the same.
        tracing::warn!(error = %e, "password reset mail not sent");
    }
    render(&MessagePage {
        layout: visitor.layout,
        title: "Check your mail".into(),
        message: format!(
            "If an account exists for {}, we sent it a link to choose a new password. The link works for one hour.",
            email.as_ref()
        ),
        link_href: "/login".into(),
        link_text: "Back to log in".into(),
    })
}

pub async fn send_reset(state: &AppState, db: &Db, found: &user::User) -> Result<(), AppError> {
    state
        .limiter
        .hit(
            db,
            Kind::MailAccount,
            &found.id.to_string(),
            state.settings.limits.mails_per_account,
        )
        .await?;
    let token = tokens::sign(
        state.settings.secret_key.expose(),
        Purpose::ResetPassword,
        found.id,
        &tokens::reset_binding(&found.email, &found.password_hash),
        chrono::TimeDelta::hours(RESET_LINK_HOURS),
    );
    let link = state.link(&format!("/password-reset/{token}"));
    let body = format!(
        "Hello {},\n\nsomeone (we hope you) asked to reset the password of your Wayfare account.\n\
         Choose a new password here:\n\n{link}\n\nThe link works for one hour and only once. \
         If you did not ask for it, ignore this mail: your password stays as it is.\n",
        found.username
    );
    state
        .mailer
        .send(&found.email, "Reset your Wayfare password", body)
        .await
        .map_err(|e| AppError::Internal(e.context("reset mail failed")))
}

#[derive(Template)]
#[template(path = "accounts/reset_form.html")]
struct ResetFormPage {
    layout: Layout,
    token: String,
    errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResetForm {
    password: String,
    password_confirm: String,
}

/// The user a reset token is for, if it is still good: signed, not expired, and the
/// address and password unchanged since it was sent.
async fn reset_target(
    state: &AppState,
    db: &Db,
    token: &str,
) -> Result<Option<user::User>, AppError> {
    let Ok(claims) = tokens::verify(
        state.settings.secret_key.expose(),
        Purpose::ResetPassword,
        token,
    ) else {
        return Ok(None);
    };
    let found = db
        .read(move |conn| Ok(user::find(conn, claims.u).optional()?))
        .await?;
    Ok(found
        .filter(|u| tokens::reset_binding(&u.email, &u.password_hash) == claims.b && u.active()))
}

fn reset_link_dead(layout: Layout) -> Result<HttpResponse, AppError> {
    render_with(
        StatusCode::BAD_REQUEST,
        &MessagePage {
            layout,
            title: "Link not valid".into(),
            message: "This link has expired or has already been used. Ask for a new one.".into(),
            link_href: "/password-reset".into(),
            link_text: "Ask for a new link".into(),
        },
    )
}

pub async fn reset_form(
    visitor: Visitor,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    if reset_target(&state, &db, &token).await?.is_none() {
        return reset_link_dead(visitor.layout);
    }
    render(&ResetFormPage {
        layout: visitor.layout,
        token: token.into_inner(),
        errors: FieldErrors::default(),
    })
}

impl TryFrom<(&ResetForm, &user::User)> for Password {
    type Error = FieldErrors;

    /// The new password, checked against the account's own words.
    fn try_from((form, target): (&ResetForm, &user::User)) -> Result<Self, FieldErrors> {
        let words = [target.email.as_str(), target.username.as_str()];
        Password::check_new(&form.password, &form.password_confirm, &words)
    }
}

pub async fn reset(
    visitor: Visitor,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    token: web::Path<String>,
    web::Form(form): web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let Some(target) = reset_target(&state, &db, &token).await? else {
        return reset_link_dead(visitor.layout);
    };
    let password = match Password::try_from((&form, &target)) {
        Ok(password) => password,
        Err(errors) => {
            let page = ResetFormPage {
                layout: visitor.layout,
                token: token.into_inner(),
                errors,
            };
            return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let hash = state.hasher.hash(password.expose().to_string()).await?;
    let id = target.id;
    let reset = db.write(move |conn| Ok(accounts::reset_password(conn, &target, &hash)?));
    let PasswordReset::Reset { unlinked } = reset.await? else {
        return reset_link_dead(visitor.layout);
    };
    // Whoever was guessing this password starts again from nothing, and so does its owner.
    state.limiter.clear_account(&db, &account_key(id)).await?;
    visitor.session.purge();
    FlashMessage::info(if unlinked {
        "Your password has been changed and every session ended. Social logins linked before your address was confirmed were removed: log in with the new password and link them again from your account page."
    } else {
        "Your password has been changed and every session ended. Log in with the new password."
    })
    .send();
    Ok(see_other("/login"))
}
