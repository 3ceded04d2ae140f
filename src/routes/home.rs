use actix_web::HttpResponse;
use askama::Template;

use crate::auth::extractors::Visitor;
use crate::error::AppError;
use crate::pages::{Layout, render, see_other};

#[derive(Template)]
#[template(path = "home.html")]
struct LandingPage {
    layout: Layout,
}

/// The landing page; signed-in travellers go straight to their plans.
pub async fn landing(visitor: Visitor) -> Result<HttpResponse, AppError> {
    if visitor.user.is_some() {
        return Ok(see_other(crate::routes::accounts::HOME));
    }
    render(&LandingPage {
        layout: visitor.layout,
    })
}
