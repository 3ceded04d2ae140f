use actix_web::HttpResponse;
use askama::Template;

use crate::error::AppError;
use crate::pages::{Layout, render};

#[derive(Template)]
#[template(path = "home.html")]
struct LandingPage {
    layout: Layout,
}

pub async fn landing() -> Result<HttpResponse, AppError> {
    render(&LandingPage {
        layout: Layout::anonymous(),
    })
}
