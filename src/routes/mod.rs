//! Every page group registers its routes here.

mod account;
pub mod accounts;
mod admin;
mod health;
mod home;
mod merge;
mod metrics;
mod oauth;
mod plans;
mod share;

use actix_web::{HttpResponse, Resource, web};

use crate::error::AppError;

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/").route(web::get().to(home::landing)))
        .service(resource("/healthz").route(web::get().to(health::healthz)))
        .service(resource("/readyz").route(web::get().to(health::readyz)))
        .service(resource("/metrics").route(web::get().to(metrics::metrics)))
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
        .service(resource("/auth/{provider}/start").route(web::get().to(oauth::start)))
        .service(resource("/auth/{provider}/callback").route(web::get().to(oauth::callback)))
        .service(
            resource("/account/providers/{provider}/unlink").route(web::post().to(oauth::unlink)),
        )
        .service(resource("/account/export").route(web::get().to(account::export)))
        .configure(plan_routes)
        .configure(admin::config)
        .service(
            resource("/account/delete")
                .route(web::get().to(account::delete_form))
                .route(web::post().to(account::delete)),
        );
}

fn plan_routes(cfg: &mut web::ServiceConfig) {
    use plans::{activities, data, files, members};
    cfg.service(
        resource("/plans")
            .route(web::get().to(plans::list))
            .route(web::post().to(plans::create)),
    )
    .service(resource("/plans/new").route(web::get().to(plans::new_form)))
    .service(
        resource("/plans/import")
            .route(web::get().to(files::import_form))
            .route(web::post().to(files::import)),
    )
    .service(resource("/plans/archive").route(web::get().to(plans::archive::list)))
    .service(resource("/plans/archive/{id}/restore").route(web::post().to(plans::archive::restore)))
    .service(resource("/places").route(web::get().to(plans::places::suggestions)))
    .service(resource("/plans/{id}").route(web::get().to(plans::show)))
    .service(
        resource("/plans/{id}/edit")
            .route(web::get().to(plans::edit_form))
            .route(web::post().to(plans::update)),
    )
    .service(resource("/plans/{id}/status").route(web::post().to(plans::set_status)))
    .service(resource("/plans/{id}/history").route(web::get().to(plans::history::show)))
    .service(
        resource("/plans/{id}/notifications").route(web::post().to(plans::history::notifications)),
    )
    .service(resource("/plans/{id}/duplicate").route(web::post().to(plans::duplicate)))
    .service(
        resource("/plans/{id}/delete")
            .route(web::get().to(plans::delete_form))
            .route(web::post().to(plans::delete)),
    )
    .service(resource("/undo/{id}").route(web::post().to(plans::undo)))
    .service(
        resource("/plans/{id}/details")
            .route(web::get().to(data::details_form))
            .route(web::post().to(data::details_save)),
    )
    .service(resource("/plans/{id}/bookings/move").route(web::post().to(data::booking_move)))
    .service(resource("/plans/{id}/bookings/delete").route(web::post().to(data::booking_delete)))
    .service(
        resource("/plans/{id}/data")
            .route(web::get().to(data::raw_form))
            .route(web::post().to(data::raw_save)),
    )
    .service(resource("/plans/{id}/share").route(web::post().to(plans::sharing::share)))
    .service(resource("/plans/{id}/share/revoke").route(web::post().to(plans::sharing::revoke)))
    .service(resource("/plans/{id}/share/options").route(web::post().to(plans::sharing::options)))
    .service(
        resource("/plans/{id}/share/visibility").route(web::post().to(plans::sharing::visibility)),
    )
    .service(
        resource("/plans/{id}/members")
            .route(web::get().to(members::page))
            .route(web::post().to(members::invite)),
    )
    .service(
        resource("/plans/{id}/members/{user_id}/role").route(web::post().to(members::change_role)),
    )
    .service(
        resource("/plans/{id}/members/{user_id}/remove").route(web::post().to(members::remove)),
    )
    .service(
        resource("/plans/{id}/invitations/{invitation_id}/resend")
            .route(web::post().to(members::resend)),
    )
    .service(
        resource("/plans/{id}/invitations/{invitation_id}/revoke")
            .route(web::post().to(members::revoke)),
    )
    .service(resource("/plans/{id}/transfer").route(web::post().to(members::transfer)))
    .service(resource("/plans/{id}/leave").route(web::post().to(members::leave)))
    .service(
        resource("/invitations/{token}")
            .route(web::get().to(members::invitation))
            .route(web::post().to(members::accept)),
    )
    .service(resource("/s/{token}").route(web::get().to(share::show)))
    .service(resource("/s/{token}/calendar.ics").route(web::get().to(share::calendar)))
    .service(resource("/s/{token}/copy").route(web::post().to(share::copy)))
    .service(resource("/explore").route(web::get().to(share::explore)))
    .service(resource("/explore/{id}").route(web::get().to(share::explore_show)))
    .service(resource("/explore/{id}/calendar.ics").route(web::get().to(share::explore_calendar)))
    .service(resource("/explore/{id}/copy").route(web::post().to(share::explore_copy)))
    .service(resource("/plans/{id}/calendar.ics").route(web::get().to(files::calendar)))
    .service(resource("/plans/{id}/export.json").route(web::get().to(files::export)))
    .service(resource("/plans/{id}/activities").route(web::post().to(activities::create)))
    .service(resource("/plans/{id}/activities/new").route(web::get().to(activities::new_form)))
    .service(resource("/plans/{id}/activities/reorder").route(web::post().to(activities::reorder)))
    .service(
        resource("/plans/{id}/activities/{aid}/edit")
            .route(web::get().to(activities::edit_form))
            .route(web::post().to(activities::update)),
    )
    .service(
        resource("/plans/{id}/activities/{aid}/delete").route(web::post().to(activities::delete)),
    )
    .service(
        resource("/plans/{id}/activities/{aid}/move")
            .route(web::post().to(activities::move_activity)),
    )
    .service(
        resource("/plans/{id}/activities/{aid}/toggle").route(web::post().to(activities::toggle)),
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
