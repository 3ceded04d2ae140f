//! What every page shares: the layout's data (who is signed in, the CSRF token for forms,
//! flash messages) and the one way a handler turns a page into a response.

use actix_web::HttpResponse;
use askama::Template;

use crate::error::AppError;

pub use crate::layout::{Flash, FlashLevel, Layout, NavUser};

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
