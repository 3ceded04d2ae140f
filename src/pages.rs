//! What every page shares: the layout's data (who is signed in, the CSRF token for forms,
//! flash messages) and the one way a handler turns a page into a response.

use actix_web::HttpResponse;
use askama::Template;

use crate::error::AppError;

/// The signed-in user as the navigation shows them.
#[derive(Clone, Debug)]
pub struct NavUser {
    pub username: String,
    pub is_staff: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlashLevel {
    Info,
    Error,
}

#[derive(Clone, Debug)]
pub struct Flash {
    pub level: FlashLevel,
    pub message: String,
}

impl Flash {
    pub fn is_error(&self) -> bool {
        self.level == FlashLevel::Error
    }
}

/// Data `base.html` needs; every page struct has it as its `layout` field.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub user: Option<NavUser>,
    pub csrf_token: String,
    pub flashes: Vec<Flash>,
}

impl Layout {
    pub fn anonymous() -> Self {
        Layout::default()
    }
}

/// Renders a page as a 200 HTML response.
pub fn render(page: &impl Template) -> Result<HttpResponse, AppError> {
    render_with(actix_web::http::StatusCode::OK, page)
}

/// Renders a page with another status (422 for a form with errors, 409 for a conflict).
pub fn render_with(
    status: actix_web::http::StatusCode,
    page: &impl Template,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

pub use crate::domain::field_errors::FieldErrors;

/// 303 to another page: the answer to every successful form.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}
