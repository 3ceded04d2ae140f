//! Every page group registers its routes here.

mod health;
mod home;

use actix_web::{HttpResponse, Resource, web};

use crate::error::AppError;

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/").route(web::get().to(home::landing)))
        .service(resource("/healthz").route(web::get().to(health::healthz)))
        .service(resource("/readyz").route(web::get().to(health::readyz)))
        .service(resource("/static/{path:.*}").route(web::get().to(crate::assets::serve)));
}

/// A path whose other methods answer 405 (without this they would fall through to the
/// app's 404 default).
fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

async fn method_not_allowed() -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::MethodNotAllowed().finish())
}
