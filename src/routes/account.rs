//! Self-service: profile, password, sessions, data export and account deletion.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use crate::auth::extractors::CurrentUser;
use crate::auth::oauth::Provider;
use crate::client::{client_ip, client_key};
use crate::db::{Actor, Db};
use crate::domain::profile::{Profile, ProfileInput};
use crate::error::AppError;
use crate::models::user::{self, User, UserChanges};
use crate::models::user_session::{self, UserSession};
use crate::models::views::export::{self, AccountExport};
use crate::pages::{FieldErrors, Layout, render, render_with, see_other};
use crate::rate_limit::Kind;
use crate::routes::accounts::send_verification;
use crate::services::login::{account_key, check_password_throttled};
use crate::state::AppState;

// ---------------------------------------------------------------- profile

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProfileForm {
    email: String,
    username: String,
    first_name: String,
    last_name: String,
    /// Asked for only when the e-mail address changes (and the account has a password).
    current_password: String,
}

impl AccountPage {
    fn new(
        state: &AppState,
        layout: Layout,
        user: User,
        form: ProfileForm,
        errors: FieldErrors,
    ) -> Self {
        let configured = state.oauth.configured();
        let providers = [Provider::Google, Provider::Facebook]
            .into_iter()
            .filter(|p| configured.contains(p) || linked(&user, *p))
            .collect();
        AccountPage {
            layout,
            providers,
            user,
            form,
            errors,
        }
    }

    fn linked(&self, provider: &Provider) -> bool {
        linked(&self.user, *provider)
    }
}

fn linked(user: &User, provider: Provider) -> bool {
    match provider {
        Provider::Google => user.google_id.is_some(),
        Provider::Facebook => user.facebook_id.is_some(),
    }
}

impl ProfileForm {
    fn input(&self) -> ProfileInput<'_> {
        ProfileInput {
            email: &self.email,
            username: &self.username,
            first_name: &self.first_name,
            last_name: &self.last_name,
        }
    }
}

impl From<&User> for ProfileForm {
    fn from(u: &User) -> Self {
        ProfileForm {
            email: u.email.clone(),
            username: u.username.clone(),
            first_name: u.first_name.clone().unwrap_or_default(),
            last_name: u.last_name.clone().unwrap_or_default(),
            current_password: String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "account/show.html")]
struct AccountPage {
    layout: Layout,
    /// Social logins to show: configured, or linked before they were unconfigured.
    providers: Vec<Provider>,
    user: User,
    form: ProfileForm,
    errors: FieldErrors,
}

pub async fn show(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
) -> Result<HttpResponse, AppError> {
    let id = current.id();
    let found = db.read(move |conn| Ok(user::find(conn, id)?)).await?;
    let form = ProfileForm::from(&found);
    render(&AccountPage::new(
        &state,
        current.layout,
        found,
        form,
        FieldErrors::default(),
    ))
}

pub async fn update(
    req: HttpRequest,
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    web::Form(form): web::Form<ProfileForm>,
) -> Result<HttpResponse, AppError> {
    let id = current.id();
    state
        .limiter
        .hit(
            &db,
            Kind::ProfileUpdate,
            &account_key(id),
            state.settings.limits.profile_updates_per_account,
        )
        .await?;
    let mut errors = FieldErrors::default();
    let checked = Profile::check(form.input(), &mut errors);
    let before = db.read(move |conn| Ok(user::find(conn, id)?)).await?;
    let Some(Profile {
        email,
        username,
        first_name,
        last_name,
    }) = checked
    else {
        return profile_failed(&state, current.layout, before, form, errors);
    };
    let email_changed = !before.email.eq_ignore_ascii_case(email.as_ref());
    let username_changed = !before.username.eq_ignore_ascii_case(username.as_ref());
    let (taken_email, taken_username) = (email.clone(), username.clone());
    let (email_taken, username_taken) = db
        .read(move |conn| {
            Ok(user::email_or_username_taken(
                conn,
                taken_email.as_ref(),
                taken_username.as_ref(),
            )?)
        })
        .await?;
    if email_changed && email_taken {
        errors.add("email", "Another account uses this e-mail address.");
    }
    if username_changed && username_taken {
        errors.add("username", "This username is taken. Choose another.");
    }
    // A new address takes over the account's mail (and its reset links): whoever holds
    // only a session cookie must not be able to move it.
    if errors.is_empty() && email_changed && before.has_password() {
        let confirmed = !form.current_password.is_empty()
            && check_password_throttled(
                &state,
                &db,
                &account_key(id),
                &client_key(&client_ip(&req, state.settings.trust_forwarded_for)),
                form.current_password.clone(),
                before.password_hash.clone(),
            )
            .await?;
        if !confirmed {
            errors.add(
                "current_password",
                if form.current_password.is_empty() {
                    "Enter your current password to change your e-mail address."
                } else {
                    "This is not your current password."
                },
            );
        }
    }
    if !errors.is_empty() {
        return profile_failed(&state, current.layout, before, form, errors);
    }

    let old_email = before.email.clone();
    let saved = db
        .write(move |conn| {
            Ok(user::update(
                conn,
                id,
                &UserChanges {
                    email: Some(email.as_ref()),
                    username: Some(username.as_ref()),
                    first_name: Some(first_name.as_deref()),
                    last_name: Some(last_name.as_deref()),
                    // A new address must be confirmed again.
                    is_verified: email_changed.then_some(false),
                },
            )?)
        })
        .await;
    let after = match saved {
        Ok(after) => after,
        // Taken between the check and the write: the unique indexes caught it.
        Err(AppError::Conflict(_)) => {
            errors.add(
                "username",
                "This username or e-mail address was just taken. Choose another.",
            );
            let found = db.read(move |conn| Ok(user::find(conn, id)?)).await?;
            return profile_failed(&state, current.layout, found, form, errors);
        }
        Err(e) => return Err(e),
    };
    if !email_changed {
        FlashMessage::info("Your profile is saved.").send();
        return Ok(see_other("/account"));
    }
    notify_old_address(&state, &old_email, &after).await;
    let message = match send_verification(&state, &db, after.id, &after.email).await {
        Ok(()) => format!(
            "Saved. We sent a link to {} to confirm the new address.",
            after.email
        ),
        Err(_) => "Saved. We could not send the confirmation mail; try again below.".into(),
    };
    FlashMessage::info(message).send();
    Ok(see_other("/account"))
}

/// Tells the address an account leaves that it left, so a change its owner did not make
/// does not go unnoticed. A failure is logged: the change itself is done.
async fn notify_old_address(state: &AppState, old_email: &str, after: &User) {
    let body = format!(
        "Hello {},\n\nthe e-mail address of your Wayfare account was changed from {old_email} to {}.\n\n\
         If you made this change, there is nothing to do. If you did not, someone who knows your \
         password has used your account: contact the site's staff at once, replying to this mail.\n",
        after.username, after.email
    );
    if let Err(e) = state
        .mailer
        .send(old_email, "Your Wayfare e-mail address was changed", body)
        .await
    {
        tracing::warn!(error = format!("{e:#}"), "address-change notice not sent");
    }
}

fn profile_failed(
    state: &AppState,
    layout: Layout,
    found: User,
    mut form: ProfileForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    form.current_password.clear();
    render_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        &AccountPage::new(state, layout, found, form, errors),
    )
}

pub async fn resend_verification(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
) -> Result<HttpResponse, AppError> {
    let id = current.id();
    let found = db.read(move |conn| Ok(user::find(conn, id)?)).await?;
    if found.verified() {
        FlashMessage::info("Your address is already confirmed.").send();
    } else {
        send_verification(&state, &db, found.id, &found.email).await?;
        FlashMessage::info(format!("We sent a new link to {}.", found.email)).send();
    }
    Ok(see_other("/account"))
}

// ---------------------------------------------------------------- password

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    layout: Layout,
    has_password: bool,
    errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    password: String,
    password_confirm: String,
}

pub async fn password_form(
    current: CurrentUser,
    db: web::Data<Db>,
) -> Result<HttpResponse, AppError> {
    let id = current.id();
    let found = db.read(move |conn| Ok(user::find(conn, id)?)).await?;
    render(&PasswordPage {
        layout: current.layout,
        has_password: found.has_password(),
        errors: FieldErrors::default(),
    })
}

pub async fn change_password(
    req: HttpRequest,
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    web::Form(form): web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let id = current.id();
    let found = db.read(move |conn| Ok(user::find(conn, id)?)).await?;
    let mut errors = FieldErrors::default();
    if !check_password_throttled(
        &state,
        &db,
        &account_key(id),
        &client_key(&client_ip(&req, state.settings.trust_forwarded_for)),
        form.current_password.clone(),
        found.password_hash.clone(),
    )
    .await?
    {
        errors.add("current_password", "This is not your current password.");
    }
    let password = errors.check_new_password(
        &form.password,
        &form.password_confirm,
        &[&found.email, &found.username],
    );
    let (Some(password), true) = (password, errors.is_empty()) else {
        return render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                layout: current.layout,
                has_password: found.has_password(),
                errors,
            },
        );
    };
    let hash = state.hasher.hash(password.expose().to_string()).await?;
    let keep = current.session_row();
    let ended = db
        .write(move |conn| {
            if !user::replace_password(conn, id, &found.email, &found.password_hash, &hash)? {
                return Err(AppError::Conflict("the password changed meanwhile".into()));
            }
            Ok(user_session::revoke_all_except(conn, id, keep)?)
        })
        .await?;
    FlashMessage::info(match ended {
        0 => "Your password is changed.".to_string(),
        1 => "Your password is changed, and your other session has been ended.".to_string(),
        n => format!("Your password is changed, and your {n} other sessions have been ended."),
    })
    .send();
    Ok(see_other("/account"))
}

// ---------------------------------------------------------------- sessions

#[derive(Template)]
#[template(path = "account/sessions.html")]
struct SessionsPage {
    layout: Layout,
    sessions: Vec<UserSession>,
    current: Option<i32>,
}

pub async fn sessions(current: CurrentUser, db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    let id = current.id();
    let sessions = db
        .read(move |conn| Ok(user_session::list_active(conn, id)?))
        .await?;
    render(&SessionsPage {
        current: current.session_row(),
        layout: current.layout,
        sessions,
    })
}

pub async fn revoke_session(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (id, session_id) = (current.id(), path.into_inner());
    let removed = db
        .write(move |conn| Ok(user_session::revoke(conn, id, session_id)?))
        .await?;
    if removed == 0 {
        return Err(AppError::NotFound);
    }
    if current.session_row() == Some(session_id) {
        current.session.purge();
        FlashMessage::info("This session has ended.").send();
        return Ok(see_other("/login"));
    }
    FlashMessage::info("The session has been ended.").send();
    Ok(see_other("/account/sessions"))
}

pub async fn revoke_other_sessions(
    current: CurrentUser,
    db: web::Data<Db>,
) -> Result<HttpResponse, AppError> {
    let (id, keep) = (current.id(), current.session_row());
    let ended = db
        .write(move |conn| Ok(user_session::revoke_all_except(conn, id, keep)?))
        .await?;
    FlashMessage::info(format!("{ended} other session(s) ended.")).send();
    Ok(see_other("/account/sessions"))
}

// ---------------------------------------------------------------- export and delete

pub async fn export(current: CurrentUser, db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    let id = current.id();
    let data: AccountExport = db
        .read_as(Actor::User(id), move |conn| Ok(export::account(conn, id)?))
        .await?;
    let body = serde_json::to_vec_pretty(&data).map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"wayfare-{}.json\"",
                current.user.username
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

#[derive(Template)]
#[template(path = "account/delete.html")]
struct DeletePage {
    layout: Layout,
    has_password: bool,
    username: String,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeleteForm {
    password: String,
    confirmation: String,
}

pub async fn delete_form(
    current: CurrentUser,
    db: web::Data<Db>,
) -> Result<HttpResponse, AppError> {
    let id = current.id();
    let found = db.read(move |conn| Ok(user::find(conn, id)?)).await?;
    render(&DeletePage {
        layout: current.layout,
        has_password: found.has_password(),
        username: found.username,
        error: None,
    })
}

pub async fn delete(
    req: HttpRequest,
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    web::Form(form): web::Form<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    let id = current.id();
    let found = db.read(move |conn| Ok(user::find(conn, id)?)).await?;
    let confirmed = if found.has_password() {
        check_password_throttled(
            &state,
            &db,
            &account_key(id),
            &client_key(&client_ip(&req, state.settings.trust_forwarded_for)),
            form.password,
            found.password_hash.clone(),
        )
        .await?
    } else {
        form.confirmation.trim() == found.username
    };
    if !confirmed {
        let error = if found.has_password() {
            "This is not your password."
        } else {
            "Type your username exactly to confirm."
        };
        return render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &DeletePage {
                layout: current.layout,
                has_password: found.has_password(),
                username: found.username,
                error: Some(error.into()),
            },
        );
    }
    // Plans, activities and sessions go with the user (ON DELETE CASCADE).
    db.write(move |conn| Ok(user::delete(conn, id)?)).await?;
    tracing::info!(user_id = id.0, "account deleted by its owner");
    current.session.purge();
    FlashMessage::info("Your account and everything in it have been deleted.").send();
    Ok(see_other("/"))
}
