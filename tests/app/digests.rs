//! Digest mails of the others' changes: at most one per member and interval, sent by the
//! background task (never a request), exactly once however many server instances poll the
//! database, and only to members who asked and are still on the plan.

use std::time::{Duration, Instant};

use diesel::sql_query;
use diesel::sql_types::{Bool, Integer, Text};
use wayfare::domain::ids::{PlanId, UserId};

use crate::support::{Mail, TestApp, TestUser, spawn_app_with, test_env};

/// A server that polls for digests every second.
async fn polling_app(interval_secs: &str) -> TestApp {
    let interval = interval_secs.to_string();
    spawn_app_with(move |env| {
        env.insert("DIGEST_POLL_SECS".into(), "1".into());
        env.insert("DIGEST_INTERVAL_SECS".into(), interval);
    })
    .await
}

fn join(app: &TestApp, plan: PlanId, user: &TestUser, role: &str, notify: bool) {
    app.exec(
        sql_query(
            "INSERT INTO plan_members (plan_id, user_id, role, notify_changes) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind::<Integer, _>(plan.0)
        .bind::<Integer, _>(user.id.0)
        .bind::<Text, _>(role)
        .bind::<Bool, _>(notify),
    );
}

/// A change by `who`, made a few seconds ago (so the task need not wait for it to settle).
fn change(app: &TestApp, plan: PlanId, who: UserId, summary: &str) {
    app.exec(
        sql_query(
            "INSERT INTO plan_changes (plan_id, user_id, action, summary, created_at) \
             VALUES ($1, $2, 'activity_added', $3, now() - interval '5 seconds')",
        )
        .bind::<Integer, _>(plan.0)
        .bind::<Integer, _>(who.0)
        .bind::<Text, _>(summary),
    );
}

/// Waits until `to` has `n` mails; fails the test after 20 s.
async fn mails_arrive(app: &TestApp, to: &str, n: usize) -> Vec<Mail> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mails = app.mails_to(to);
        if mails.len() >= n {
            return mails;
        }
        assert!(
            Instant::now() < deadline,
            "{n} mails to {to}: got {mails:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Several polls' time: what has not been sent by then is not going to be.
async fn several_polls() {
    tokio::time::sleep(Duration::from_secs(4)).await;
}

#[tokio::test]
async fn a_member_gets_one_digest_of_the_others_changes_and_none_inside_the_interval() {
    let app = polling_app("3600").await;
    let ana = app.user("ana").insert();
    let ben = app.user("ben").insert();
    let plan = app.plan(&ana).title("Lisbon <in> spring").insert().id;
    // Changes before Ben asked for digests are not news to him.
    change(&app, plan, ana.id, "renamed the plan before Ben joined");
    join(&app, plan, &ben, "editor", true);
    change(&app, plan, ana.id, "added Tram 28 on 2026-04-02");
    change(&app, plan, ben.id, "moved Fado evening to 2026-04-03");
    change(&app, plan, ana.id, "marked Tram 28 done");

    let mails = mails_arrive(&app, &ben.email, 1).await;
    let mail = &mails[0];
    assert_eq!(mail.subject, "Changes to \"Lisbon <in> spring\"");
    let body = &mail.body;
    assert!(body.contains("Lisbon <in> spring"), "{body}");
    assert!(
        body.contains("· ana · added Tram 28 on 2026-04-02"),
        "{body}"
    );
    assert!(body.contains("· ana · marked Tram 28 done"), "{body}");
    assert!(body.contains(" UTC · ana · "), "when: {body}");
    assert!(!body.contains("Fado"), "not his own change: {body}");
    assert!(!body.contains("before Ben joined"), "{body}");
    assert!(
        body.contains(&app.url(&format!("/plans/{plan}/history"))),
        "{body}"
    );
    // The owner is no member: no digest of Ben's change for her.
    assert!(app.mails_to(&ana.email).is_empty());

    // More changes within the hour wait for the next interval.
    change(&app, plan, ana.id, "added Belém tower");
    several_polls().await;
    assert_eq!(app.mails_to(&ben.email).len(), 1, "one digest an hour");

    // Once the interval has passed (here: the last one is made an hour old), the next
    // digest holds only what is new since the last.
    app.exec(sql_query(
        "UPDATE plan_member_digests SET sent_at = sent_at - interval '1 hour'",
    ));
    let mails = mails_arrive(&app, &ben.email, 2).await;
    let second = &mails[1].body;
    assert!(second.contains("added Belém tower"), "{second}");
    assert!(!second.contains("Tram 28"), "{second}");
    several_polls().await;
    assert_eq!(app.mails_to(&ben.email).len(), 2);
}

#[tokio::test]
async fn members_who_turned_digests_off_or_were_removed_get_none() {
    let app = polling_app("3600").await;
    let ana = app.user("ana").insert();
    let cleo = app.user("cleo").insert();
    let dan = app.user("dan").insert();
    let eva = app.user("eva").insert();
    let plan = app.plan(&ana).title("Porto weekend").insert().id;
    join(&app, plan, &cleo, "viewer", true);
    join(&app, plan, &dan, "editor", true);
    join(&app, plan, &eva, "viewer", false);
    // Cleo changes her mind; Dan is taken off the plan.
    app.exec(
        sql_query("UPDATE plan_members SET notify_changes = false WHERE user_id = $1")
            .bind::<Integer, _>(cleo.id.0),
    );
    app.exec(sql_query("DELETE FROM plan_members WHERE user_id = $1").bind::<Integer, _>(dan.id.0));
    change(&app, plan, ana.id, "added Livraria Lello");

    several_polls().await;
    for who in [&cleo, &dan, &eva] {
        assert!(app.mails_to(&who.email).is_empty(), "{}", who.username);
    }
    let rows = app.count(sql_query(
        "SELECT count(*) FROM plan_member_digests WHERE sent_at IS NOT NULL",
    ));
    assert_eq!(rows, 0, "nothing recorded as sent");

    // Turned on again, Cleo hears of what happens from then on only.
    app.exec(
        sql_query("UPDATE plan_members SET notify_changes = true WHERE user_id = $1")
            .bind::<Integer, _>(cleo.id.0),
    );
    change(&app, plan, ana.id, "added a port tasting");
    let mails = mails_arrive(&app, &cleo.email, 1).await;
    assert!(mails[0].body.contains("added a port tasting"));
    assert!(
        !mails[0].body.contains("Livraria Lello"),
        "{}",
        mails[0].body
    );
    assert!(app.mails_to(&dan.email).is_empty());
}

#[tokio::test]
async fn two_instances_polling_one_database_send_each_digest_once() {
    let first = polling_app("3600").await;
    // The second instance writes its mail where the first does, so both are counted.
    let dir = std::env::temp_dir().join(crate::support::unique("wayfare-digests-second"));
    let mut env = test_env(&first.db.url, &dir);
    env.insert("SECRET_KEY".into(), first.secret_key.clone());
    env.insert("DIGEST_POLL_SECS".into(), "1".into());
    env.insert("MAIL_DIR".into(), first.mail_dir().display().to_string());
    let settings = wayfare::config::Settings::from_source(&env).unwrap();
    let second = wayfare::startup::Application::build(settings)
        .await
        .unwrap();
    tokio::spawn(second.run_until_stopped());

    let ana = first.user("ana").insert();
    let plan = first.plan(&ana).title("Oslo in winter").insert().id;
    let members: Vec<TestUser> = (0..12)
        .map(|i| first.user(&format!("member{i}")).insert())
        .collect();
    for member in &members {
        join(&first, plan, member, "viewer", true);
    }
    change(&first, plan, ana.id, "added the Fram museum");

    for member in &members {
        mails_arrive(&first, &member.email, 1).await;
    }
    several_polls().await;
    for member in &members {
        assert_eq!(
            first.mails_to(&member.email).len(),
            1,
            "{} got one digest",
            member.username
        );
    }
    assert_eq!(first.mails().len(), members.len());
    let _ = std::fs::remove_dir_all(dir);
}
