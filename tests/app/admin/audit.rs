//! The `audit` log: one line per admin change, none for anything else.

use std::collections::HashMap;
use std::sync::{Mutex, Once};
use wayfare::domain::ids::UserId;

use diesel::sql_query;
use diesel::sql_types::BigInt;

use super::*;

// ---------------------------------------------------------------- audit log

/// Audit events, captured from the log as name → value.
static AUDIT: Mutex<Vec<HashMap<String, String>>> = Mutex::new(Vec::new());

struct AuditCapture;

#[derive(Default)]
struct Fields(HashMap<String, String>);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for AuditCapture {
    fn enabled(
        &self,
        metadata: &tracing::Metadata<'_>,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) -> bool {
        metadata.target() == "audit"
    }

    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        fields
            .0
            .insert("level".into(), event.metadata().level().to_string());
        AUDIT.lock().unwrap().push(fields.0);
    }
}

/// Installs the capture once for the whole test binary (it records `audit` events only).
fn capture_audit_log() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        use tracing_subscriber::layer::SubscriberExt;
        let subscriber = tracing_subscriber::registry().with(AuditCapture);
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global tracing subscriber in the test binary");
    });
}

fn audit_lines(actor: UserId) -> Vec<HashMap<String, String>> {
    AUDIT
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.get("actor_id").map(String::as_str) == Some(&*actor.to_string()))
        .cloned()
        .collect()
}

#[tokio::test]
async fn every_admin_change_writes_one_audit_line_and_nothing_else_does() {
    capture_audit_log();
    let app = spawn_app().await;
    // Ids no other test's database uses, so this test's lines are its own (a sequence is
    // no row of the app's: SQL says it).
    app.exec(
        sql_query("SELECT setval('users_id_seq', $1, false)").bind::<BigInt, _>(unique_id_start()),
    );
    let w = world_with(app).await;
    let staff = w.staff.id;
    let (u, p) = (w.alice.id, w.plan);
    let bob = w.app.user("bob").insert();
    let bob_browser = w.app.signed_in(&bob).await;
    let bob_session = w.app.session_row_of(&bob_browser).unwrap().id;

    // Reading and refused or empty actions log nothing.
    for page in [
        "/admin",
        "/admin/users",
        "/admin/plans",
        "/admin/sessions",
        "/admin/rate-limits",
    ] {
        w.admin.get(page).await;
    }
    w.admin
        .post_form(&format!("/admin/users/{staff}/revoke-staff"), &[])
        .await;
    w.admin
        .post_form(&format!("/admin/users/{staff}/deactivate"), &[])
        .await;
    w.admin
        .post_form(
            "/admin/rate-limits/reset",
            &[("kind", "login_ip"), ("identifier", "none")],
        )
        .await;
    assert!(audit_lines(staff).is_empty(), "{:?}", audit_lines(staff));

    let alice_id = u.to_string();
    let reset_fields = [("kind", "mail_account"), ("identifier", alice_id.as_str())];
    let actions = [
        (format!("/admin/users/{u}/verify"), "user.verify", u.0),
        (
            format!("/admin/users/{u}/grant-staff"),
            "user.grant_staff",
            u.0,
        ),
        (
            format!("/admin/users/{u}/revoke-staff"),
            "user.revoke_staff",
            u.0,
        ),
        (
            format!("/admin/users/{u}/send-reset"),
            "user.send_reset",
            u.0,
        ),
        (
            format!("/admin/sessions/{bob_session}/revoke"),
            "session.revoke",
            bob_session,
        ),
        (
            format!("/admin/users/{u}/sessions/revoke"),
            "user.revoke_sessions",
            u.0,
        ),
        (
            format!("/admin/users/{u}/deactivate"),
            "user.deactivate",
            u.0,
        ),
        (format!("/admin/users/{u}/activate"), "user.activate", u.0),
        (format!("/admin/plans/{p}/unpublish"), "plan.unpublish", p.0),
        (
            format!("/admin/plans/{p}/revoke-share"),
            "plan.revoke_share",
            p.0,
        ),
        (format!("/admin/plans/{p}/archive"), "plan.archive", p.0),
        ("/admin/rate-limits/reset".into(), "rate_limit.reset", u.0),
        (
            format!("/admin/users/{}/delete", bob.id),
            "user.delete",
            bob.id.0,
        ),
    ];
    for (i, (path, action, target)) in actions.iter().enumerate() {
        let form: &[(&str, &str)] = if *action == "rate_limit.reset" {
            &reset_fields
        } else {
            &[]
        };
        let response = w.admin.post_form(path, form).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        let lines = audit_lines(staff);
        assert_eq!(lines.len(), i + 1, "{path}: one line per action");
        let line = lines.last().unwrap();
        assert_eq!(line["action"], *action);
        let target = if *action == "rate_limit.reset" {
            format!("mail_account:{target}")
        } else {
            target.to_string()
        };
        assert_eq!(line["target_id"], target);
        assert_eq!(line["actor"], "stella");
        assert_eq!(line["level"], "INFO");
        assert!(line.contains_key("target_type") && line.contains_key("at"));
    }
    // Doing it again when there is nothing left to change logs nothing.
    w.admin
        .post_form(&format!("/admin/plans/{p}/archive"), &[])
        .await;
    w.admin
        .post_form(&format!("/admin/users/{u}/sessions/revoke"), &[])
        .await;
    assert_eq!(audit_lines(staff).len(), actions.len());
}
