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
use crate::error::AppError;
use crate::pages::{Layout, render_with, see_other};
use crate::routes::accounts::{HOME, safe_next, sign_in};
use crate::services::linking::{self, Refusal, Resolved, Unlinked};
use crate::state::AppState;

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
    let (flow, profile) = match profile(&req, &state, provider, &query).await {
        Ok(found) => found,
        Err(p) => return problem(&state, visitor.layout, p.status, &p.title, &p.message),
    };
    let next = safe_next(&flow.next).unwrap_or(HOME).to_string();
    let signed_in = visitor.user.as_ref().map(|u| u.id);
    let resolved = db
        .write(move |conn| Ok(linking::resolve(conn, provider, &profile, signed_in)?))
        .await?;
    let label = provider.label();
    let mut response = match resolved {
        Resolved::SignIn { user_id, created } => {
            if created {
                tracing::info!(
                    user_id = user_id.0,
                    provider = provider.slug(),
                    "account created through social login"
                );
            }
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
        Resolved::Linked => {
            FlashMessage::info(format!(
                "Your {label} account is linked: you can log in with it."
            ))
            .send();
            see_other("/account")
        }
        Resolved::Refused(refusal) => {
            let p = Problem::refused(provider, &refusal);
            return problem(&state, visitor.layout, p.status, &p.title, &p.message);
        }
    };
    response
        .add_removal_cookie(&flow_removal(&state))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(response)
}

/// What the problem page says.
struct Problem {
    status: StatusCode,
    title: String,
    message: String,
}

impl Problem {
    fn new(status: StatusCode, title: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            status,
            title: title.into(),
            message: message.into(),
        }
    }

    fn refused(provider: Provider, refusal: &Refusal) -> Self {
        let label = provider.label();
        let (title, message) = match refusal {
            Refusal::LinkedElsewhere => (
                "Already linked elsewhere",
                format!("This {label} account is linked to another Wayfare account. Unlink it there first."),
            ),
            Refusal::Deactivated => (
                "Account deactivated",
                "This account has been deactivated. Contact the site's staff if you think this is a mistake.".into(),
            ),
            Refusal::NoEmail => (
                "No e-mail address",
                format!("{label} did not share a usable e-mail address with us. Sign up with your e-mail address instead."),
            ),
            Refusal::PasswordFirst { email } => (
                "Log in with your password first",
                format!("An account with {email} exists already. Log in with your password, then link {label} from your account page."),
            ),
            Refusal::Unconfirmed { email } => (
                "Confirm this account first",
                format!("An account with {email} exists, but its address has not been confirmed. If it is yours, log in with its password and link {label} from your account page, or choose a new password through “Forgot your password?”: the link we mail confirms the address and ends every other session."),
            ),
            Refusal::OtherProfileLinked => (
                "Already linked",
                format!("Your account is linked to another {label} account."),
            ),
        };
        Problem::new(StatusCode::FORBIDDEN, title, message)
    }
}

/// The provider's profile, once the flow this browser started is checked (its cookie, the
/// `state`, the provider's answer) and the code exchanged.
async fn profile(
    req: &HttpRequest,
    state: &AppState,
    provider: Provider,
    query: &CallbackQuery,
) -> Result<(Flow, Profile), Problem> {
    let label = provider.label();
    let Some(flow) = read_flow(req, state, provider) else {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "Sign-in expired",
            format!(
                "This {label} sign-in has expired, was already used, or was started in another browser. Please start again."
            ),
        ));
    };
    let state_matches: bool =
        subtle::ConstantTimeEq::ct_eq(flow.state.as_bytes(), query.state.as_bytes()).into();
    if !state_matches || query.state.is_empty() {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "Sign-in not valid",
            format!(
                "This {label} sign-in does not match the one this browser started. Please start again."
            ),
        ));
    }
    if !query.error.is_empty() || query.code.is_empty() {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            format!("{label} sign-in cancelled"),
            format!("{label} did not sign you in. You can try again, or use another way in."),
        ));
    }
    let profile = state.oauth.finish(&flow, query.code.clone()).await.map_err(|e| {
        tracing::warn!(provider = provider.slug(), error = %e, "social login failed");
        Problem::new(
            StatusCode::BAD_GATEWAY,
            format!("{label} is not answering"),
            format!("We could not complete the sign-in with {label}. Please try again in a moment, or use another way in."),
        )
    })?;
    Ok((flow, profile))
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
        .write(move |conn| Ok(linking::unlink(conn, id, provider)?))
        .await?;
    match unlinked {
        Unlinked::Unlinked => FlashMessage::info(format!("{} is unlinked.", provider.label())).send(),
        Unlinked::NotLinked => FlashMessage::error("This provider is not linked.").send(),
        Unlinked::LastWayIn => FlashMessage::error("This is your only way to log in. Set a password first (through “Forgot your password?”), then unlink.").send(),
    }
    Ok(see_other("/account"))
}
