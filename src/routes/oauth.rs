//! Google and Facebook login: start, callback (log in, link or create), and unlink.

use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use crate::auth::extractors::{CurrentUser, Visitor};
use crate::auth::oauth::{FLOW_COOKIE, FLOW_MINUTES, Flow, Profile, Provider};
use crate::config::cookie_name;
use crate::db::Db;
use crate::domain::Email;
use crate::error::AppError;
use crate::models::user::{self, NewUser, ProviderColumn, User};
use crate::pages::{Layout, render_with, see_other};
use crate::routes::accounts::{HOME, safe_next, sign_in};
use crate::state::AppState;

fn column(provider: Provider) -> ProviderColumn {
    match provider {
        Provider::Google => ProviderColumn::Google,
        Provider::Facebook => ProviderColumn::Facebook,
    }
}

fn provider_id(user: &User, provider: Provider) -> Option<&str> {
    match provider {
        Provider::Google => user.google_id.as_deref(),
        Provider::Facebook => user.facebook_id.as_deref(),
    }
}

/// The flow cookie's name (`__Host-` prefixed over https, hence `Path=/`).
fn flow_cookie(state: &AppState) -> String {
    cookie_name(FLOW_COOKIE, state.settings.is_https())
}

fn flow_removal(state: &AppState) -> Cookie<'static> {
    Cookie::build(flow_cookie(state), "").path("/").finish()
}

fn key(state: &AppState) -> Key {
    Key::from(state.settings.secret_key.expose().as_bytes())
}

#[derive(Template)]
#[template(path = "accounts/oauth_error.html")]
struct ProblemPage {
    layout: Layout,
    title: String,
    message: String,
    providers: Vec<Provider>,
}

/// A friendly page that says what went wrong and offers the other ways in.
fn problem(
    state: &AppState,
    layout: Layout,
    status: StatusCode,
    title: &str,
    message: &str,
) -> Result<HttpResponse, AppError> {
    let mut response = render_with(
        status,
        &ProblemPage {
            layout,
            title: title.into(),
            message: message.into(),
            providers: state.oauth.configured(),
        },
    )?;
    // Whatever happened, this flow is over.
    response
        .add_removal_cookie(&flow_removal(state))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StartQuery {
    next: String,
}

pub async fn start(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<StartQuery>,
) -> Result<HttpResponse, AppError> {
    let provider = Provider::from_slug(&path).ok_or(AppError::NotFound)?;
    let next = safe_next(&query.next).unwrap_or_default().to_string();
    let (url, flow) = state
        .oauth
        .start(provider, next)
        .ok_or(AppError::NotFound)?;
    let value = serde_json::to_string(&flow).map_err(|e| AppError::Internal(e.into()))?;
    let mut jar = CookieJar::new();
    jar.private_mut(&key(&state)).add(
        Cookie::build(flow_cookie(&state), value)
            .path("/")
            .http_only(true)
            .secure(state.settings.is_https())
            // Lax: the provider's redirect back to us is a top-level GET that must carry it.
            .same_site(SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::minutes(FLOW_MINUTES))
            .finish(),
    );
    let cookie = jar
        .delta()
        .next()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no flow cookie")))?;
    let mut response = see_other(url.as_str());
    response
        .add_cookie(&cookie)
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CallbackQuery {
    code: String,
    state: String,
    error: String,
}

/// The flow this browser started, if its cookie is genuine, unexpired and for `provider`.
fn read_flow(req: &HttpRequest, state: &AppState, provider: Provider) -> Option<Flow> {
    let name = flow_cookie(state);
    let cookie = req.cookie(&name)?;
    let mut jar = CookieJar::new();
    jar.add_original(cookie);
    let opened = jar.private(&key(state)).get(&name)?;
    let flow: Flow = serde_json::from_str(opened.value()).ok()?;
    (flow.provider == provider && flow.expires > chrono::Utc::now().timestamp()).then_some(flow)
}

pub async fn callback(
    req: HttpRequest,
    visitor: Visitor,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    path: web::Path<String>,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, AppError> {
    let provider = Provider::from_slug(&path)
        .filter(|p| state.oauth.is_configured(*p))
        .ok_or(AppError::NotFound)?;
    let label = provider.label();
    let Some(flow) = read_flow(&req, &state, provider) else {
        return problem(
            &state,
            visitor.layout,
            StatusCode::BAD_REQUEST,
            "Sign-in expired",
            &format!(
                "This {label} sign-in has expired, was already used, or was started in another browser. Please start again."
            ),
        );
    };
    let state_matches: bool =
        subtle::ConstantTimeEq::ct_eq(flow.state.as_bytes(), query.state.as_bytes()).into();
    if !state_matches || query.state.is_empty() {
        return problem(
            &state,
            visitor.layout,
            StatusCode::BAD_REQUEST,
            "Sign-in not valid",
            &format!(
                "This {label} sign-in does not match the one this browser started. Please start again."
            ),
        );
    }
    if !query.error.is_empty() || query.code.is_empty() {
        return problem(
            &state,
            visitor.layout,
            StatusCode::BAD_REQUEST,
            &format!("{label} sign-in cancelled"),
            &format!("{label} did not sign you in. You can try again, or use another way in."),
        );
    }
    let profile = match state.oauth.finish(&flow, query.code.clone()).await {
        Ok(profile) => profile,
        Err(e) => {
            tracing::warn!(provider = provider.slug(), error = %e, "social login failed");
            return problem(
                &state,
                visitor.layout,
                StatusCode::BAD_GATEWAY,
                &format!("{label} is not answering"),
                &format!(
                    "We could not complete the sign-in with {label}. Please try again in a moment, or use another way in."
                ),
            );
        }
    };
    let outcome = resolve(&db, provider, profile, visitor.user.as_ref().map(|u| u.id)).await?;
    let next = safe_next(&flow.next).unwrap_or(HOME).to_string();
    let removal = flow_removal(&state);
    let mut response = match outcome {
        Outcome::LogIn(user_id) => {
            let csrf_cookie = sign_in(&req, &visitor.session, user_id, &state)?;
            state
                .metrics
                .logins
                .with_label_values(&[provider.slug()])
                .inc();
            let mut response = see_other(&next);
            response
                .add_cookie(&csrf_cookie)
                .map_err(|e| AppError::Internal(e.into()))?;
            response
        }
        Outcome::Linked => {
            FlashMessage::info(format!(
                "Your {label} account is linked: you can log in with it."
            ))
            .send();
            see_other("/account")
        }
        Outcome::Refused {
            status,
            title,
            message,
        } => return problem(&state, visitor.layout, status, &title, &message),
    };
    response
        .add_removal_cookie(&removal)
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(response)
}

enum Outcome {
    LogIn(i32),
    Linked,
    Refused {
        status: StatusCode,
        title: String,
        message: String,
    },
}

fn refused(title: &str, message: String) -> Outcome {
    Outcome::Refused {
        status: StatusCode::FORBIDDEN,
        title: title.into(),
        message,
    }
}

/// Matching, in order: the provider id; the signed-in user (link); an e-mail that both the
/// provider (Google only) and our own account have verified; otherwise a new account. One
/// transaction.
async fn resolve(
    db: &Db,
    provider: Provider,
    profile: Profile,
    signed_in: Option<i32>,
) -> Result<Outcome, AppError> {
    let label = provider.label();
    let col = column(provider);
    db.write(move |conn| {
        let owner = user::find_by_provider(conn, col, &profile.provider_id)?;
        if let Some(current) = signed_in {
            return Ok(match owner {
                Some(owner) if owner.id != current => refused(
                    "Already linked elsewhere",
                    format!("This {label} account is linked to another Wayfare account. Unlink it there first."),
                ),
                Some(_) => Outcome::Linked,
                None => {
                    user::set_provider(conn, current, col, Some(&profile.provider_id))?;
                    Outcome::Linked
                }
            });
        }
        if let Some(owner) = owner {
            if !owner.active() {
                return Ok(refused("Account deactivated", "This account has been deactivated. Contact the site's staff if you think this is a mistake.".into()));
            }
            user::record_login(conn, owner.id, None)?;
            return Ok(Outcome::LogIn(owner.id));
        }
        let email = profile.email.as_deref().and_then(|e| Email::parse(e).ok());
        let Some(email) = email else {
            return Ok(refused(
                "No e-mail address",
                format!("{label} did not share a usable e-mail address with us. Sign up with your e-mail address instead."),
            ));
        };
        if let Some(existing) = user::find_by_email(conn, email.as_ref())? {
            if !profile.email_verified {
                return Ok(refused(
                    "Log in with your password first",
                    format!("An account with {} exists already. Log in with your password, then link {label} from your account page.", existing.email),
                ));
            }
            if !existing.active() {
                return Ok(refused("Account deactivated", "This account has been deactivated. Contact the site's staff if you think this is a mistake.".into()));
            }
            // Whoever signed up with this address never proved it is theirs: linking would
            // sign the address's real owner into a stranger's account (a pre-hijack).
            if !existing.verified() {
                return Ok(refused(
                    "Confirm this account first",
                    format!("An account with {} exists, but its address has not been confirmed. If it is yours, log in with its password and link {label} from your account page, or choose a new password through “Forgot your password?”: the link we mail confirms the address and ends every other session.", existing.email),
                ));
            }
            if provider_id(&existing, provider).is_some() {
                return Ok(refused("Already linked", format!("Your account is linked to another {label} account.")));
            }
            user::set_provider(conn, existing.id, col, Some(&profile.provider_id))?;
            user::record_login(conn, existing.id, None)?;
            return Ok(Outcome::LogIn(existing.id));
        }
        let username = user::unique_username(conn, &crate::auth::oauth::username_base(&profile))?;
        let name = |n: &Option<String>| n.as_deref().map(|s| s.chars().take(30).collect::<String>());
        let (first, last) = (name(&profile.first_name), name(&profile.last_name));
        let created = user::insert(
            conn,
            &NewUser {
                email: email.as_ref(),
                username: &username,
                password_hash: user::NO_PASSWORD,
                first_name: first.as_deref(),
                last_name: last.as_deref(),
                is_verified: profile.email_verified,
                is_staff: false,
            },
        )?;
        user::set_provider(conn, created.id, col, Some(&profile.provider_id))?;
        user::record_login(conn, created.id, None)?;
        tracing::info!(user_id = created.id, provider = provider.slug(), "account created through social login");
        Ok(Outcome::LogIn(created.id))
    })
    .await
}

/// Unlinks a provider unless it is the account's last way in.
pub async fn unlink(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let provider = Provider::from_slug(&path).ok_or(AppError::NotFound)?;
    let id = current.id();
    let unlinked = db
        .write(move |conn| {
            let found = user::find(conn, id)?;
            if provider_id(&found, provider).is_none() {
                return Ok(Err("This provider is not linked."));
            }
            let other = match provider {
                Provider::Google => found.facebook_id.is_some(),
                Provider::Facebook => found.google_id.is_some(),
            };
            if !found.has_password() && !other {
                return Ok(Err("This is your only way to log in. Set a password first (through “Forgot your password?”), then unlink."));
            }
            user::set_provider(conn, id, column(provider), None)?;
            Ok(Ok(()))
        })
        .await?;
    match unlinked {
        Ok(()) => FlashMessage::info(format!("{} is unlinked.", provider.label())).send(),
        Err(message) => FlashMessage::error(message).send(),
    }
    Ok(see_other("/account"))
}
