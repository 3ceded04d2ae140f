//! The one error type of the application. Every variant has a status and renders a page
//! that shares the site layout; causes are logged once, here, and never shown to users.

use actix_web::body::BoxBody;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::layout::Layout;

/// Seconds a client should wait before retrying while the database is away.
const RETRY_AFTER_UNAVAILABLE: u64 = 5;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// A member of a plan whose role does not allow what they asked (a stranger gets
    /// `NotFound`).
    #[error("the member's role does not allow this")]
    RoleForbids,
    #[error("not found")]
    NotFound,
    /// A share link that opens nothing: withdrawn, replaced, or never given out (the reader
    /// cannot be told which without telling strangers which links once worked).
    #[error("share link not working")]
    LinkWithdrawn,
    /// Not signed in: redirect to the login page, then back to this path.
    #[error("login required")]
    LoginRequired(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// Data that the forms' rules refuse (a copy of a plan with an out-of-range date):
    /// 422 with the list of what is wrong.
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<DieselError> for AppError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => AppError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                AppError::Conflict(info.message().to_string())
            }
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => AppError::Unavailable(info.message().to_string()),
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::Unavailable(e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(anyhow::anyhow!("template failed: {e}"))
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) | AppError::RoleForbids => StatusCode::FORBIDDEN,
            AppError::NotFound | AppError::LinkWithdrawn => StatusCode::NOT_FOUND,
            AppError::LoginRequired(_) => StatusCode::SEE_OTHER,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        if let AppError::LoginRequired(next) = self {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("next", next)
                .finish();
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("/login?{query}")))
                .finish();
        }
        match self {
            AppError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "request failed")
            }
            AppError::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
            _ => {}
        }
        let retry_after = match self {
            AppError::TooManyRequests { retry_after_secs } => Some(*retry_after_secs),
            AppError::Unavailable(_) => Some(RETRY_AFTER_UNAVAILABLE),
            _ => None,
        };
        let detail = match self {
            AppError::BadRequest(message) | AppError::Invalid(message) => Some(message.as_str()),
            AppError::RoleForbids => Some(
                "Your role on this plan does not allow this. Ask the plan's owner if you need to change it.",
            ),
            AppError::LinkWithdrawn => Some(
                "This share link no longer works: its owner withdrew it or replaced it with a new one. Ask them for the current link.",
            ),
            _ => None,
        };
        let mut response = error_page(self.status_code(), detail, retry_after);
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response
    }
}

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    status: u16,
    title: &'a str,
    message: String,
}

/// Renders the error page for a status; used by `AppError` and for actix's own errors
/// (unknown routes, wrong methods, oversized bodies) by the error-page middleware.
pub fn error_page(
    status: StatusCode,
    detail: Option<&str>,
    retry_after: Option<u64>,
) -> HttpResponse {
    let (title, message) = describe(status);
    let message = match (detail, retry_after) {
        (Some(detail), _) => detail.to_string(),
        (None, Some(seconds)) if status == StatusCode::TOO_MANY_REQUESTS => {
            format!("{message} Try again in {}.", human_wait(seconds))
        }
        _ => message.to_string(),
    };
    let page = ErrorPage {
        layout: Layout::anonymous(),
        status: status.as_u16(),
        title,
        message,
    };
    let body = page.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "error page failed to render");
        format!("<!doctype html><title>{title}</title><h1>{title}</h1>")
    });
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"));
    // Also here, not only in the middleware: errors raised by middleware skip it.
    for pair in crate::headers::SECURITY_HEADERS {
        response.insert_header(pair);
    }
    response.body(body)
}

fn describe(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => (
            "Bad request",
            "The request could not be understood. Go back, check what you entered and try again.",
        ),
        403 => (
            "Forbidden",
            "This form has expired or did not come from this site. Go back, reload the page and try again.",
        ),
        404 => (
            "Page not found",
            "There is nothing here. The link may be wrong, or the page was removed.",
        ),
        405 => (
            "Method not allowed",
            "This address does not accept that kind of request.",
        ),
        409 => (
            "Conflict",
            "Someone else changed this at the same time. Reload the page to see the latest version.",
        ),
        413 => (
            "Too large",
            "What you sent is larger than we accept. Shorten it and try again.",
        ),
        422 => ("Check your input", "Some of what you entered is not valid."),
        429 => ("Too many requests", "You have tried this too often."),
        503 => (
            "Temporarily unavailable",
            "Wayfare cannot reach its database right now. Please try again in a few seconds.",
        ),
        s if s >= 500 => (
            "Something went wrong",
            "An unexpected error happened on our side. It has been logged; please try again.",
        ),
        _ => ("Error", "The request could not be completed."),
    }
}

fn human_wait(seconds: u64) -> String {
    match seconds {
        0..=1 => "a second".into(),
        2..=59 => format!("{seconds} seconds"),
        60..=119 => "a minute".into(),
        120..=3599 => format!("{} minutes", seconds.div_ceil(60)),
        _ => format!("{} hours", seconds.div_ceil(3600)),
    }
}
