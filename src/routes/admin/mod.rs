//! Staff-only administration under `/admin`: dashboard, users, plans, sessions and rate
//! limits. Every handler takes a `StaffUser` (signed in, staff, read from the database on
//! this very request) first; everyone else gets the login page or a 404. Every action that
//! changes data writes one `audit` log line once it has been committed.

mod dashboard;
mod plans;
mod rate_limits;
mod sessions;
mod users;

use std::fmt::Display;

use actix_web::web;
use serde::Deserialize;

use super::resource;
use crate::auth::extractors::StaffUser;
use crate::routes::accounts::safe_next;

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/admin").route(web::get().to(dashboard::show)))
        .service(resource("/admin/users").route(web::get().to(users::list)))
        .service(resource("/admin/users/{id}").route(web::get().to(users::show)))
        .service(resource("/admin/users/{id}/deactivate").route(web::post().to(users::deactivate)))
        .service(resource("/admin/users/{id}/activate").route(web::post().to(users::activate)))
        .service(resource("/admin/users/{id}/verify").route(web::post().to(users::mark_verified)))
        .service(
            resource("/admin/users/{id}/grant-staff").route(web::post().to(users::grant_staff)),
        )
        .service(
            resource("/admin/users/{id}/revoke-staff").route(web::post().to(users::revoke_staff)),
        )
        .service(resource("/admin/users/{id}/send-reset").route(web::post().to(users::send_reset)))
        .service(
            resource("/admin/users/{id}/delete")
                .route(web::get().to(users::delete_form))
                .route(web::post().to(users::delete)),
        )
        .service(
            resource("/admin/users/{id}/sessions/revoke")
                .route(web::post().to(sessions::revoke_all_of_user)),
        )
        .service(resource("/admin/plans").route(web::get().to(plans::list)))
        .service(resource("/admin/plans/{id}").route(web::get().to(plans::show)))
        .service(resource("/admin/plans/{id}/unpublish").route(web::post().to(plans::unpublish)))
        .service(resource("/admin/plans/{id}/archive").route(web::post().to(plans::archive)))
        .service(
            resource("/admin/plans/{id}/revoke-share").route(web::post().to(plans::revoke_share)),
        )
        .service(resource("/admin/sessions").route(web::get().to(sessions::list)))
        .service(resource("/admin/sessions/{id}/revoke").route(web::post().to(sessions::revoke)))
        .service(resource("/admin/rate-limits").route(web::get().to(rate_limits::list)))
        .service(resource("/admin/rate-limits/reset").route(web::post().to(rate_limits::reset)));
}

/// One line per committed admin change, with target `audit`: who did what to which row,
/// and when.
fn audit(
    staff: &StaffUser,
    action: &str,
    target_type: &str,
    target_id: impl Display,
    detail: impl Display,
) {
    tracing::info!(
        target: "audit",
        actor_id = staff.id().0,
        actor = %staff.user.username,
        action,
        target_type,
        target_id = %target_id,
        detail = %detail,
        at = %chrono::Utc::now().to_rfc3339(),
        "admin action"
    );
}

/// The `next` field of action forms that can be used from several pages.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextForm {
    next: String,
}

/// Where an action returns: `next` when it is an admin page of this site, else `fallback`.
fn back_to(next: &str, fallback: String) -> String {
    match safe_next(next) {
        Some(path) if path == "/admin" || path.starts_with("/admin/") => path.to_string(),
        _ => fallback,
    }
}

/// "1 plan", "2 plans".
fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A filter's "yes"/"no"; anything else is no filter.
fn yes_no(raw: &str) -> Option<bool> {
    match raw {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// A search term worth running: trimmed, not empty, at most 100 characters, and no NUL
/// (which PostgreSQL text cannot hold).
fn search_term(raw: &str) -> Option<String> {
    Some(raw.trim().to_string())
        .filter(|q| !q.is_empty() && q.chars().count() <= 100 && !q.contains('\0'))
}

/// A link to a list page: its filters (blank ones left out) and the cursor, if any.
fn page_link(path: &str, filters: &[(&str, &str)], after: Option<&str>) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in filters.iter().chain(after.map(|a| ("after", a)).iter()) {
        if !value.is_empty() {
            query.append_pair(name, value);
        }
    }
    match query.finish() {
        query if query.is_empty() => path.to_string(),
        query => format!("{path}?{query}"),
    }
}

/// Trims a loaded page of `PAGE_SIZE + 1` rows to `PAGE_SIZE`; the last row kept, when
/// there is a next page.
fn split_page<T>(rows: &mut Vec<T>) -> Option<&T> {
    let size = crate::models::views::PAGE_SIZE as usize;
    if rows.len() > size {
        rows.truncate(size);
        rows.last()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_return_only_to_admin_pages() {
        assert_eq!(back_to("/admin/sessions", "/x".into()), "/admin/sessions");
        assert_eq!(back_to("/admin", "/x".into()), "/admin");
        assert_eq!(back_to("/administrator", "/x".into()), "/x");
        assert_eq!(back_to("//evil.example/admin/", "/x".into()), "/x");
        assert_eq!(back_to("https://evil.example/admin/", "/x".into()), "/x");
        assert_eq!(back_to("/plans", "/x".into()), "/x");
        assert_eq!(back_to("", "/x".into()), "/x");
    }

    #[test]
    fn page_links_keep_the_filters() {
        assert_eq!(
            page_link("/admin/users", &[("q", "a b&c"), ("staff", "")], Some("12")),
            "/admin/users?q=a+b%26c&after=12"
        );
        assert_eq!(
            page_link("/admin/users", &[("q", "")], None),
            "/admin/users"
        );
    }

    #[test]
    fn search_terms() {
        assert_eq!(search_term("  x "), Some("x".into()));
        assert_eq!(search_term("   "), None);
        assert_eq!(search_term(&"a".repeat(101)), None);
        assert_eq!(search_term("a\0b"), None);
    }
}
