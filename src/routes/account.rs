//! Self-service: profile, password, sessions, data export and account deletion.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use crate::auth::extractors::CurrentUser;
use crate::auth::oauth::Provider;
use crate::client::counted_as;
use crate::db::{Actor, Db};
use crate::domain::Password;
use crate::domain::ids::UserId;
use crate::domain::profile::{Profile, ProfileInput};
use crate::error::AppError;
use crate::models::user::{self, User};
use crate::models::user_session::{self, UserSession};
use crate::models::views::export::{self, AccountExport};
use crate::pages::{FieldErrors, Layout, render, render_with, see_other};
use crate::rate_limit::Kind;
use crate::routes::accounts::{send_verification, taken_errors};
use crate::services::accounts::{
    self, Handover, PasswordChanged, ProfileChange, ProfileReview, ProfileSaved,
};
use crate::services::login::{account_key, check_current_password};
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

impl TryFrom<&ProfileForm> for Profile {
    type Error = FieldErrors;

    fn try_from(form: &ProfileForm) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        Profile::check(form.input(), &mut errors).ok_or(errors)
    }
}

pub async fn update(
    req: HttpRequest,
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    web::Form(form): web::Form<ProfileForm>,
) -> Result<HttpResponse, AppError> {
    let id = current.id();
    count_profile_update(&state, &db, id).await?;
    let profile = match Profile::try_from(&form) {
        Ok(profile) => profile,
        Err(errors) => return profile_failed(&state, &db, current, form, errors).await,
    };
    let review = db.read(move |conn| Ok(accounts::review_profile(conn, id, profile)?));
    let change = match review.await? {
        ProfileReview::Free(change) => change,
        ProfileReview::Taken(found, taken) => {
            let errors = taken_errors(taken, TAKEN_EMAIL);
            return profile_page(&state, current.layout, found, form, errors);
        }
    };
    if let Some(error) = address_refused(&req, &state, &db, &change, &form).await? {
        let errors = FieldErrors::one("current_password", error);
        return profile_page(&state, current.layout, change.before, form, errors);
    }
    let save = db.write(|conn| Ok(accounts::save_profile(conn, change)?));
    let message = match save.await? {
        ProfileSaved::Saved(_) => "Your profile is saved.".to_string(),
        ProfileSaved::Moved { after, from } => address_moved(&state, &db, &from, &after).await,
        ProfileSaved::Taken(found) => {
            let errors = FieldErrors::one("username", TAKEN_MEANWHILE);
            return profile_page(&state, current.layout, found, form, errors);
        }
    };
    FlashMessage::info(message).send();
    Ok(see_other("/account"))
}

/// Counted before the form is even checked: a save can send two mails (the new address's
/// confirmation, the old one's notice), and trying which names are taken costs a save too.
async fn count_profile_update(state: &AppState, db: &Db, id: UserId) -> Result<(), AppError> {
    let limit = state.settings.limits.profile_updates_per_account;
    state
        .limiter
        .hit(db, Kind::ProfileUpdate, &account_key(id), limit)
        .await
}

const TAKEN_EMAIL: &str = "Another account uses this e-mail address.";
const TAKEN_MEANWHILE: &str = "This username or e-mail address was just taken. Choose another.";

/// Why the change cannot move the account's address, when it `needs_password` and the
/// current password typed is not it.
async fn address_refused(
    req: &HttpRequest,
    state: &AppState,
    db: &Db,
    change: &ProfileChange,
    form: &ProfileForm,
) -> Result<Option<&'static str>, AppError> {
    if !change.needs_password() {
        return Ok(None);
    }
    let typed = form.current_password.clone();
    if typed.is_empty() {
        return Ok(Some(
            "Enter your current password to change your e-mail address.",
        ));
    }
    let client = counted_as(req, state.settings.trust_forwarded_for);
    let confirmed = check_current_password(state, db, &client, &change.before, typed).await?;
    Ok((!confirmed).then_some("This is not your current password."))
}

/// Once the address moved: tells the old one, and mails the new one its confirmation link.
/// What the flash says.
async fn address_moved(state: &AppState, db: &Db, old_email: &str, after: &User) -> String {
    notify_old_address(state, old_email, after).await;
    match send_verification(state, db, after.id, &after.email).await {
        Ok(()) => format!(
            "Saved. We sent a link to {} to confirm the new address.",
            after.email
        ),
        Err(_) => "Saved. We could not send the confirmation mail; try again below.".into(),
    }
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

/// The account page again, with the form as typed (but the password) and its errors.
fn profile_page(
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

/// `profile_page` for a form that did not get as far as reading the account.
async fn profile_failed(
    state: &AppState,
    db: &Db,
    current: CurrentUser,
    form: ProfileForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let id = current.id();
    let found = db.read(move |conn| Ok(user::find(conn, id)?)).await?;
    profile_page(state, current.layout, found, form, errors)
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

impl PasswordPage {
    fn new(layout: Layout, found: &User, errors: FieldErrors) -> Self {
        PasswordPage {
            layout,
            has_password: found.has_password(),
            errors,
        }
    }
}

impl TryFrom<(&PasswordForm, &User)> for Password {
    type Error = FieldErrors;

    /// The new password, checked against the account's own words.
    fn try_from((form, found): (&PasswordForm, &User)) -> Result<Self, FieldErrors> {
        let hints = [found.email.as_str(), found.username.as_str()];
        Password::check_new(&form.password, &form.password_confirm, &hints)
    }
}

pub async fn password_form(
    current: CurrentUser,
    db: web::Data<Db>,
) -> Result<HttpResponse, AppError> {
    let id = current.id();
    let found = db.read(move |conn| Ok(user::find(conn, id)?)).await?;
    render(&PasswordPage::new(
        current.layout,
        &found,
        FieldErrors::default(),
    ))
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
    let client = counted_as(&req, state.settings.trust_forwarded_for);
    let typed = form.current_password.clone();
    let mut errors = FieldErrors::default();
    if !check_current_password(&state, &db, &client, &found, typed).await? {
        errors.add("current_password", "This is not your current password.");
    }
    let password = Password::try_from((&form, &found)).map_err(|e| errors.append(e));
    let (Ok(password), true) = (password, errors.is_empty()) else {
        let page = PasswordPage::new(current.layout, &found, errors);
        return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let hash = state.hasher.hash(password.expose().to_string()).await?;
    let keep = current.session_row();
    let changed = db
        .write(move |conn| Ok(accounts::change_password(conn, &found, &hash, keep)?))
        .await?;
    let PasswordChanged::Changed { sessions_ended } = changed else {
        return Err(AppError::Conflict("the password changed meanwhile".into()));
    };
    FlashMessage::info(match sessions_ended {
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
    /// The plans that go to their longest-standing editors instead of being deleted.
    handovers: Vec<Handover>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeleteForm {
    password: String,
    confirmation: String,
}

impl DeletePage {
    fn new(layout: Layout, found: User, handovers: Vec<Handover>, error: Option<&str>) -> Self {
        DeletePage {
            layout,
            has_password: found.has_password(),
            username: found.username,
            error: error.map(str::to_string),
            handovers,
        }
    }
}

/// The account and the plans its deletion would hand over.
async fn deletion_subject(db: &Db, id: UserId) -> Result<(User, Vec<Handover>), AppError> {
    db.read_as(Actor::User(id), move |conn| {
        Ok((user::find(conn, id)?, accounts::handovers(conn, id)?))
    })
    .await
}

pub async fn delete_form(
    current: CurrentUser,
    db: web::Data<Db>,
) -> Result<HttpResponse, AppError> {
    let (found, handovers) = deletion_subject(&db, current.id()).await?;
    render(&DeletePage::new(current.layout, found, handovers, None))
}

pub async fn delete(
    req: HttpRequest,
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    web::Form(form): web::Form<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    let id = current.id();
    let (found, handovers) = deletion_subject(&db, id).await?;
    if let Some(error) = deletion_refused(&req, &state, &db, &found, form).await? {
        let page = DeletePage::new(current.layout, found, handovers, Some(error));
        return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    // Plans with an editor go to their longest-standing one; the rest, with activities,
    // sessions and memberships, go with the user (ON DELETE CASCADE).
    let handed = db
        .write_as(Actor::User(id), move |conn| {
            Ok(accounts::delete_account(conn, id)?)
        })
        .await?;
    tracing::info!(
        user_id = id.0,
        handed_over = handed.len(),
        "account deleted by its owner"
    );
    current.session.purge();
    FlashMessage::info(if handed.is_empty() {
        "Your account and everything in it have been deleted.".to_string()
    } else {
        format!(
            "Your account has been deleted; {} of your plans went to their editors.",
            handed.len()
        )
    })
    .send();
    Ok(see_other("/"))
}

/// Why the form does not confirm the deletion, if it does not: an account with a password
/// confirms with it, one without (social logins only) by typing its username.
async fn deletion_refused(
    req: &HttpRequest,
    state: &AppState,
    db: &Db,
    found: &User,
    form: DeleteForm,
) -> Result<Option<&'static str>, AppError> {
    if !found.has_password() {
        let typed_username = form.confirmation.trim() == found.username;
        return Ok((!typed_username).then_some("Type your username exactly to confirm."));
    }
    let client = counted_as(req, state.settings.trust_forwarded_for);
    let confirmed = check_current_password(state, db, &client, found, form.password).await?;
    Ok((!confirmed).then_some("This is not your password."))
}
