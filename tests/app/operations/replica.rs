//! `DATABASE_READ_URL` on a real streaming replica: a primary cluster of the test's own, a
//! second cluster made from it by `pg_basebackup -R`, both stopped when the test ends.
//! Share pages and Explore read the replica; the owner's own pages read the primary, so
//! replica lag never shows anyone stale data right after their own write.

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::Integer;

use super::support::{PgCluster, ScratchDir, count, eventually, serve, server_env, text};
use crate::support::{Browser, FIREFOX, HOME, PASSWORD, assert_is_redirect_to, extract_input};

#[tokio::test]
async fn share_pages_and_explore_read_the_replica_and_owners_read_their_own_writes() {
    let dir = ScratchDir::new("wayfare-replica").for_postgres();
    let primary = PgCluster::init(dir.path().join("primary"));
    primary.start();
    {
        let mut admin = primary.admin("postgres");
        wayfare::db::local::ensure_app_role(&mut admin).unwrap();
        diesel::sql_query("CREATE DATABASE wayfare OWNER wayfare")
            .execute(&mut admin)
            .unwrap();
        let mut app_conn = PgConnection::establish(&primary.url("wayfare", "wayfare")).unwrap();
        wayfare::db::run_migrations(&mut app_conn).unwrap();
    }
    let replica = PgCluster::replica_of(&primary, dir.path().join("replica"));
    replica.start();
    let mut on_replica = replica.admin("wayfare");
    assert_eq!(
        text(
            &mut on_replica,
            sql_query("SELECT (pg_is_in_recovery())::text AS v")
        ),
        "true"
    );

    let data_dir = ScratchDir::new("wayfare-replica-app");
    let mut env = server_env(
        &primary.url("wayfare", "wayfare"),
        &"k".repeat(64),
        data_dir.path(),
    );
    env.insert(
        "DATABASE_READ_URL".into(),
        replica.url("wayfare", "wayfare"),
    );
    env.insert("DATABASE_TIMEOUT_SECS".into(), "1".into());
    let address = serve(env).await;

    // The owner signs up and lists a plan on Explore; the share page and Explore show it once the
    // replica has it.
    let owner = Browser::new(&address, FIREFOX);
    let signup = owner.signup("ana@example.com", "ana", PASSWORD).await;
    assert_is_redirect_to(&signup, HOME);
    let mut primary_db = primary.admin("wayfare");
    diesel::sql_query("UPDATE users SET is_verified = true")
        .execute(&mut primary_db)
        .unwrap();
    let created = owner
        .post_form(
            "/plans",
            &[("title", "Reykjavik by bus"), ("currency", "EUR")],
        )
        .await;
    assert_eq!(created.status(), 303);
    let plan_path = created.headers()["location"].to_str().unwrap().to_string();
    let listed = owner
        .post_form(
            &format!("{plan_path}/share/visibility"),
            &[("visibility", "public")],
        )
        .await;
    assert_eq!(listed.status(), 303);
    let id: i32 = plan_path.trim_start_matches("/plans/").parse().unwrap();
    let token = text(
        &mut primary_db,
        sql_query("SELECT (SELECT share_token FROM plans WHERE id = $1)::text AS v")
            .bind::<Integer, _>(id),
    );
    assert_eq!(token.len(), 43, "a published public plan has a link");
    let share_path = format!("/s/{token}");
    let browse = Browser::new(&address, FIREFOX);
    eventually(
        Duration::from_secs(10),
        "the replica has the plan",
        || async {
            browse
                .get_html(&share_path)
                .await
                .contains("Reykjavik by bus")
        },
    )
    .await;
    assert!(
        browse
            .get_html("/explore")
            .await
            .contains("Reykjavik by bus")
    );

    // With replay paused, the owner's edit shows at once on their own pages (the primary)
    // while the share page and Explore still show the replica's older copy.
    diesel::sql_query("SELECT pg_wal_replay_pause()")
        .execute(&mut replica.admin("postgres"))
        .unwrap();
    let form = owner.get_html(&format!("{plan_path}/edit")).await;
    let version = extract_input(&form, "version").expect("the edit form has a version");
    let saved = owner
        .post_form(
            &format!("{plan_path}/edit"),
            &[
                ("title", "Reykjavik by bike"),
                ("currency", "EUR"),
                ("version", &version),
            ],
        )
        .await;
    assert_is_redirect_to(&saved, &plan_path);
    assert!(
        owner
            .get_html(&plan_path)
            .await
            .contains("Reykjavik by bike")
    );
    assert!(owner.get_html(HOME).await.contains("Reykjavik by bike"));
    let stale = browse.get_html(&share_path).await;
    assert!(
        stale.contains("Reykjavik by bus") && !stale.contains("by bike"),
        "the share page reads the (paused) replica"
    );
    let explore = browse.get_html("/explore").await;
    assert!(explore.contains("Reykjavik by bus") && !explore.contains("by bike"));

    diesel::sql_query("SELECT pg_wal_replay_resume()")
        .execute(&mut replica.admin("postgres"))
        .unwrap();
    eventually(
        Duration::from_secs(10),
        "the replica catches up",
        || async {
            browse
                .get_html(&share_path)
                .await
                .contains("Reykjavik by bike")
        },
    )
    .await;

    // The replica goes away: pages that read it answer 503, the owner's own pages and
    // writes go on.
    drop(on_replica);
    replica.stop();
    assert_eq!(browse.get(&share_path).await.status(), 503);
    assert_eq!(browse.get("/explore").await.status(), 503);
    assert_eq!(owner.get(&plan_path).await.status(), 200);
    assert_eq!(owner.get(HOME).await.status(), 200);
    let another = owner
        .post_form(
            "/plans",
            &[
                ("title", "Akureyri"),
                ("currency", "EUR"),
                ("status", "draft"),
            ],
        )
        .await;
    assert_eq!(another.status(), 303);
    assert_eq!(
        count(&mut primary_db, sql_query("SELECT count(*) FROM plans")),
        2
    );
    drop(primary_db);
    primary.stop();
}
