//! A plan as a calendar (ICS) and as a JSON file; importing such a file as a new plan.

use actix_multipart::Multipart;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use futures_util::StreamExt;

use crate::auth::extractors::CurrentUser;
use crate::config::UPLOAD_LIMIT;
use crate::db::{Actor, Db};
use crate::domain::checked::CheckedPlan;
use crate::domain::ids::PlanId;
use crate::domain::plan_data::PlanData;
use crate::error::AppError;
use crate::formats::ics::{self, Calendar};
use crate::formats::plan_file;
use crate::models::plan_activity::PlanActivity;
use crate::pages::{Layout, render, render_with, see_other};
use crate::services::access::Action;
use crate::services::plans;
use crate::state::AppState;

/// A filename safe in a Content-Disposition header.
pub fn file_name(title: &str, extension: &str) -> String {
    let stem: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let stem = if stem.is_empty() {
        "plan".to_string()
    } else {
        stem.chars().take(60).collect()
    };
    format!("{stem}.{extension}")
}

/// The owner's description of an activity in the calendar: everything, bookings included.
pub fn describe_all(a: &PlanActivity) -> String {
    let meta = crate::domain::activity::Metadata::from_value(a.metadata.as_ref());
    let mut lines: Vec<String> = a.description.iter().cloned().collect();
    if let Some(booking) = meta.booking_info {
        if let Some(n) = booking.confirmation_number {
            lines.push(format!("Confirmation: {n}"));
        }
        if let Some(p) = booking.provider {
            lines.push(format!("Booked with: {p}"));
        }
    }
    lines.join("\n")
}

pub fn ics_response(body: String, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}\"", file_name(name, "ics")),
        ))
        .body(body)
}

pub async fn calendar(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let (found, activities) = db
        .read_as(Actor::User(user_id), move |conn| {
            Ok(plans::read_with_activities(
                conn,
                user_id,
                id,
                Action::Read,
            )?)
        })
        .await?;
    let data = PlanData::from_value(found.plan_data.as_ref());
    let body = ics::render(&Calendar {
        name: &found.title,
        timezone: data.timezone.as_deref(),
        host: state.settings.public_url.host_str().unwrap_or("wayfare"),
        activities: &activities,
        describe: &describe_all,
    });
    Ok(ics_response(body, &found.title))
}

pub async fn export(
    current: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<PlanId>,
) -> Result<HttpResponse, AppError> {
    let (user_id, id) = (current.id(), path.into_inner());
    let (found, activities) = db
        .read_as(Actor::User(user_id), move |conn| {
            Ok(plans::read_with_activities(
                conn,
                user_id,
                id,
                Action::Read,
            )?)
        })
        .await?;
    let file = plan_file::export(&found, &activities);
    let body = serde_json::to_vec_pretty(&file).map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}\"",
                file_name(&found.title, "json")
            ),
        ))
        .body(body))
}

#[derive(Template)]
#[template(path = "plans/import.html")]
struct ImportPage {
    layout: Layout,
    /// What is wrong with the file, one line per problem.
    errors: Vec<String>,
}

pub async fn import_form(current: CurrentUser) -> Result<HttpResponse, AppError> {
    render(&ImportPage {
        layout: current.layout,
        errors: Vec::new(),
    })
}

/// The uploaded file's bytes (the `file` field).
async fn uploaded_file(mut form: Multipart) -> Result<Option<Vec<u8>>, AppError> {
    while let Some(field) = form.next().await {
        let mut field = field
            .map_err(|e| AppError::BadRequest(format!("The upload could not be read: {e}.")))?;
        if field.name() != Some("file") {
            continue;
        }
        let bytes = field
            .bytes(UPLOAD_LIMIT)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?
            .map_err(|e| AppError::BadRequest(format!("The upload could not be read: {e}.")))?;
        return Ok(Some(bytes.to_vec()));
    }
    Ok(None)
}

/// Imports a file as a new private draft. Every value goes through the forms' checks; a
/// file with any problem is refused with the list of them and writes nothing. The plan and
/// its activities count against the user's daily limits.
pub async fn import(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    form: Multipart,
) -> Result<HttpResponse, AppError> {
    let parsed = match uploaded_file(form).await? {
        Some(bytes) if !bytes.is_empty() => plan_file::parse(&bytes).map_err(|p| p.lines()),
        _ => Err(vec!["Choose a file to import.".to_string()]),
    };
    let import: CheckedPlan = match parsed {
        Ok(import) => import,
        Err(errors) => {
            return render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ImportPage {
                    layout: current.layout,
                    errors,
                },
            );
        }
    };
    let user_id = current.id();
    state
        .count_new_plan_with_activities(&db, user_id, import.activities.len())
        .await?;
    let created = db
        .write_as(Actor::User(user_id), move |conn| {
            Ok(plans::create_with_activities(conn, user_id, import)?)
        })
        .await?;
    FlashMessage::info("The plan is imported as a draft.").send();
    Ok(see_other(&format!("/plans/{}", created.id)))
}
