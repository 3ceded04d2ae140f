//! Every page group registers its routes here.

mod account;
pub mod accounts;
mod health;
mod home;

use actix_web::{HttpResponse, Resource, web};

use crate::error::AppError;

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/").route(web::get().to(home::landing)))
        .service(resource("/healthz").route(web::get().to(health::healthz)))
        .service(resource("/readyz").route(web::get().to(health::readyz)))
        .service(resource("/static/{path:.*}").route(web::get().to(crate::assets::serve)))
        .service(
            resource("/signup")
                .route(web::get().to(accounts::signup_form))
                .route(web::post().to(accounts::signup)),
        )
        .service(
            resource("/login")
                .route(web::get().to(accounts::login_form))
                .route(web::post().to(accounts::login)),
        )
        .service(resource("/logout").route(web::post().to(accounts::logout)))
        .service(resource("/verify-email/{token}").route(web::get().to(accounts::verify_email)))
        .service(
            resource("/password-reset")
                .route(web::get().to(accounts::reset_request_form))
                .route(web::post().to(accounts::reset_request)),
        )
        .service(
            resource("/password-reset/{token}")
                .route(web::get().to(accounts::reset_form))
                .route(web::post().to(accounts::reset)),
        )
        .service(
            resource("/account")
                .route(web::get().to(account::show))
                .route(web::post().to(account::update)),
        )
        .service(resource("/account/verify").route(web::post().to(account::resend_verification)))
        .service(
            resource("/account/password")
                .route(web::get().to(account::password_form))
                .route(web::post().to(account::change_password)),
        )
        .service(resource("/account/sessions").route(web::get().to(account::sessions)))
        .service(
            resource("/account/sessions/revoke-others")
                .route(web::post().to(account::revoke_other_sessions)),
        )
        .service(
            resource("/account/sessions/{id}/revoke")
                .route(web::post().to(account::revoke_session)),
        )
        .service(resource("/account/export").route(web::get().to(account::export)))
        .service(
            resource("/account/delete")
                .route(web::get().to(account::delete_form))
                .route(web::post().to(account::delete)),
        );
}

/// A path whose other methods answer 405 (without this they would fall through to the
/// app's 404 default).
fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

async fn method_not_allowed() -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::MethodNotAllowed().finish())
}
