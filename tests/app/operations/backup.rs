//! `wayfare backup` and `wayfare restore`: a verified dump, the newest N kept, restored into
//! an empty database with every row, row-level security and the sessions intact.

use diesel::sql_query;
use diesel::sql_types::{Integer, Text};

use super::support::{ScratchDir, count, serve, server_env, snapshot, wayfare};
use crate::support::{
    Browser, FIREFOX, HOME, PASSWORD, SESSION_COOKIE, TestDatabase, assert_is_redirect_to,
    spawn_app,
};

fn backup(db_url: &str, dir: &std::path::Path, keep: &str) -> std::path::PathBuf {
    let out = wayfare(
        &["backup", "--dir", dir.to_str().unwrap(), "--keep", keep],
        &[("DATABASE_URL", db_url)],
    )
    .ok();
    let path = out
        .split_whitespace()
        .find(|w| w.ends_with(".dump"))
        .unwrap_or_else(|| panic!("no backup file named in: {out}"));
    assert!(out.starts_with("backup written and verified: "), "{out}");
    std::path::PathBuf::from(path)
}

#[tokio::test]
async fn backup_and_restore_round_trip_keeps_every_row_and_the_sessions() {
    let app = spawn_app().await;
    let user = app.user("margarida").insert();
    let browser = app.signed_in(&user).await;
    let created = browser
        .post_form(
            "/plans",
            &[
                ("title", "Lisbon in spring"),
                ("destination", "Lisbon, Portugal"),
                ("start_date", "2026-04-01"),
                ("end_date", "2026-04-05"),
                ("budget", "1500.00"),
                ("currency", "EUR"),
                ("status", "draft"),
            ],
        )
        .await;
    assert_eq!(created.status(), 303);
    let plan_path = created.headers()["location"].to_str().unwrap().to_string();
    let plan_id: i32 = plan_path.trim_start_matches("/plans/").parse().unwrap();
    app.exec(
        sql_query(
            "INSERT INTO plan_activities (plan_id, title, estimated_cost, metadata) VALUES \
         ($1, 'Tram 28', 3.10, '{\"booking_info\": \"none\"}'), \
         ($1, 'Pastéis de Belém', 1.50, '{}')",
        )
        .bind::<Integer, _>(plan_id),
    );
    app.exec(sql_query("INSERT INTO archived_plans (user_id, title, status) VALUES ($1, 'Old trip', 'archived')")
.bind::<Integer, _>(user.id));
    app.exec(sql_query(
        "INSERT INTO rate_limits (identifier, identifier_type, request_count) \
         VALUES ('198.51.100.7', 'ip', 3)",
    ));
    // Planning together: a member with digests on, an invitation, the plan's history,
    // and an archived plan's member and change.
    let friend = app.user("joana").insert();
    app.exec(
        sql_query(
            "INSERT INTO plan_members (plan_id, user_id, role, invited_by, notify_changes) \
             VALUES ($1, $2, 'editor', $3, true)",
        )
        .bind::<Integer, _>(plan_id)
        .bind::<Integer, _>(friend.id)
        .bind::<Integer, _>(user.id),
    );
    app.exec(
        sql_query(
            "INSERT INTO plan_invitations (plan_id, email, role, token_hash, invited_by, expires_at) \
             VALUES ($1, 'rui@example.com', 'viewer', repeat('a', 64), $2, now() + interval '7 days')",
        )
        .bind::<Integer, _>(plan_id)
        .bind::<Integer, _>(user.id),
    );
    app.exec(
        sql_query(
            "INSERT INTO plan_changes (plan_id, user_id, action, summary) VALUES \
             ($1, $2, 'activity_added', 'added Tram 28'), \
             ($1, $3, 'activity_moved', 'moved Pastéis de Belém to day 2')",
        )
        .bind::<Integer, _>(plan_id)
        .bind::<Integer, _>(user.id)
        .bind::<Integer, _>(friend.id),
    );
    app.exec(
        sql_query(
            "WITH old AS (SELECT id FROM archived_plans WHERE title = 'Old trip') \
             INSERT INTO archived_plan_members (plan_id, user_id, role) \
             SELECT id, $1, 'viewer' FROM old",
        )
        .bind::<Integer, _>(friend.id),
    );
    app.exec(
        sql_query(
            "INSERT INTO archived_plan_changes (plan_id, user_id, action, summary) \
             SELECT id, $1, 'plan_edited', 'renamed the old trip' FROM archived_plans",
        )
        .bind::<Integer, _>(user.id),
    );

    // Older backups in the directory: all but the newest `--keep` go.
    let dir = ScratchDir::new("wayfare-backups");
    for stamp in ["20200101-000000", "20200102-000000"] {
        std::fs::write(
            dir.path().join(format!("travel_planner_{stamp}.dump")),
            b"old",
        )
        .unwrap();
    }
    let file = backup(&app.db.url, dir.path(), "2");
    let name = file.file_name().unwrap().to_str().unwrap().to_string();
    assert!(
        name.starts_with("travel_planner_")
            && name.len() == "travel_planner_YYYYMMDD-HHMMSS.dump".len(),
        "{name}"
    );
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["travel_planner_20200102-000000.dump".to_string(), name]
    );

    // Restored as the owner role, which then owns every table; the runtime role (DATABASE_URL)
    // gets its privileges there.
    let target = TestDatabase::create_empty();
    let out = wayfare(
        &[
            "restore",
            file.to_str().unwrap(),
            "--into",
            &target.owner_url,
        ],
        &[("DATABASE_URL", &target.url)],
    )
    .ok();
    assert!(
        out.contains("restored; the migrations are up to date"),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.split_whitespace().eq(["plans", "1"])),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.split_whitespace().eq(["plan_activities", "2"])),
        "{out}"
    );

    // Every row of every table, byte for byte.
    let original = snapshot(&mut app.db.conn());
    assert!(original.contains("Pastéis de Belém") && original.contains("198.51.100.7"));
    assert_eq!(snapshot(&mut target.conn()), original);
    // The plan's members, invitations, history and digest state came back, and the archived
    // plan's; the report counts them.
    let collaboration = |conn: &mut diesel::PgConnection| -> String {
        [
            "plan_members",
            "plan_invitations",
            "plan_changes",
            "plan_member_digests",
            "archived_plan_members",
            "archived_plan_changes",
        ]
        .iter()
        .map(|table| {
            let rows = super::support::text(
                conn,
                sql_query(format!(
                    "SELECT coalesce(json_agg(to_jsonb(r) ORDER BY to_jsonb(r)::text), '[]')::text AS v \
                     FROM {table} r"
                )),
            );
            format!("{table}: {rows}\n")
        })
        .collect()
    };
    let held = collaboration(&mut app.admin());
    assert!(
        held.contains("moved Pastéis de Belém to day 2")
            && held.contains("rui@example.com")
            && held.contains("renamed the old trip")
            && held.contains("\"last_change_id\""),
        "{held}"
    );
    assert_eq!(collaboration(&mut target.admin_conn()), held);
    for (table, n) in [
        ("plan_members", "1"),
        ("plan_invitations", "1"),
        ("plan_changes", "2"),
        ("plan_member_digests", "1"),
        ("archived_plan_members", "1"),
        ("archived_plan_changes", "1"),
    ] {
        assert!(
            out.lines().any(|l| l.split_whitespace().eq([table, n])),
            "{table} {n}: {out}"
        );
    }

    // Row-level security came along: the app's role without an actor sees no plan, and it
    // owns nothing it could switch it off on.
    let mut bare = target.conn();
    assert_eq!(count(&mut bare, sql_query("SELECT count(*) FROM plans")), 0);
    assert_eq!(
        count(
            &mut bare,
            sql_query(
                "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace \
             AND relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
            )
        ),
        0
    );
    assert_eq!(
        count(
            &mut target.admin_conn(),
            sql_query(
                "SELECT count(*) FROM pg_class WHERE relname IN ('plans', 'plan_activities') AND relforcerowsecurity"
            )
        ),
        2
    );
    assert_eq!(
        count(
            &mut target.admin_conn(),
            sql_query(
                "SELECT count(*) FROM pg_class WHERE relname IN ('plan_changes', \
                 'plan_member_digests', 'archived_plan_members', 'archived_plan_changes') \
                 AND relrowsecurity AND relforcerowsecurity"
            )
        ),
        4,
        "the new tables' row-level security came along"
    );

    // An app on the restored database, with the same SECRET_KEY, serves the plan to the
    // session created before the backup.
    let data_dir = ScratchDir::new("wayfare-restored");
    let restored = serve(server_env(&target.url, &app.secret_key, data_dir.path())).await;
    let same_browser = Browser::new(&restored, FIREFOX);
    same_browser.set_cookie(SESSION_COOKIE, &browser.cookie(SESSION_COOKIE).unwrap());
    assert_eq!(
        same_browser.signed_in_email().await.as_deref(),
        Some(user.email.as_str())
    );
    let page = same_browser.get(&plan_path).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Lisbon in spring") && html.contains("Tram 28"));
    // New rows get new ids: the sequences came along too.
    let newcomer = Browser::new(&restored, FIREFOX);
    let signup = newcomer.signup("nuno@example.com", "nuno", PASSWORD).await;
    assert_is_redirect_to(&signup, HOME);
    assert_eq!(
        count(
            &mut target.admin_conn(),
            sql_query("SELECT count(*) FROM users")
        ),
        3,
        "Margarida, Joana and Nuno"
    );
}

#[tokio::test]
async fn restore_refuses_a_database_that_is_not_empty_and_a_missing_file() {
    let app = spawn_app().await;
    app.user("paulo").insert();
    let dir = ScratchDir::new("wayfare-backups");
    let file = backup(&app.db.url, dir.path(), "7");

    let target = TestDatabase::create(); // migrated: it has tables
    let mut conn = target.conn();
    let before = snapshot(&mut conn);
    let err = wayfare(
        &[
            "restore",
            file.to_str().unwrap(),
            "--into",
            &target.owner_url,
        ],
        &[],
    )
    .failed();
    assert!(
        err.contains("the target database is not empty")
            && err.contains("restore into an empty database"),
        "{err}"
    );
    assert_eq!(snapshot(&mut conn), before);

    let empty = TestDatabase::create_empty();
    let missing = dir.path().join("travel_planner_19990101-000000.dump");
    let err = wayfare(
        &[
            "restore",
            missing.to_str().unwrap(),
            "--into",
            &empty.owner_url,
        ],
        &[],
    )
    .failed();
    assert!(err.contains("no backup at"), "{err}");
    assert_eq!(
        count(
            &mut empty.conn(),
            sql_query(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            )
        ),
        0
    );
}

#[test]
fn a_backup_that_cannot_reach_the_database_fails_and_leaves_no_file() {
    let dir = ScratchDir::new("wayfare-backups");
    let err = wayfare(
        &["backup", "--dir", dir.path().to_str().unwrap()],
        &[("DATABASE_URL", "postgres://wayfare@127.0.0.1:1/wayfare")],
    )
    .failed();
    assert!(err.contains("pg_dump"), "{err}");
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".dump"))
        .collect();
    assert!(files.is_empty(), "{files:?}");
}

#[tokio::test]
async fn the_restore_drill_script_restores_the_newest_backup_serves_it_and_cleans_up() {
    let app = spawn_app().await;
    app.user("drill").insert();
    let dir = ScratchDir::new("wayfare-backups");
    backup(&app.db.url, dir.path(), "7");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/restore-drill");
    let out = std::process::Command::new("bash")
        .arg(script)
        .arg(dir.path())
        .env("DATABASE_URL", &app.db.url)
        .env("DATABASE_OWNER_URL", &app.db.owner_url)
        .env("DRILL_ADMIN_URL", app.db.admin_url())
        .env("DRILL_PORT", super::support::free_port().to_string())
        .env("WAYFARE", env!("CARGO_BIN_EXE_wayfare"))
        .env("BCRYPT_COST", "4")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("restored; the migrations are up to date"),
        "{stdout}"
    );
    assert!(
        stdout.contains("/readyz: HTTP/1.") && stdout.contains("restore drill passed"),
        "{stdout}"
    );
    let scratch = stdout
        .split_whitespace()
        .find(|w| w.starts_with("wayfare_drill_"))
        .expect("the drill names its scratch database");
    assert_eq!(
        count(
            &mut app.db.admin_conn(),
            sql_query("SELECT count(*) FROM pg_database WHERE datname = $1")
                .bind::<Text, _>(&scratch)
        ),
        0,
        "the scratch database is dropped"
    );
}

#[tokio::test]
async fn every_backup_file_is_private_from_the_moment_it_is_created() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    app.user("helena").insert();
    // pg_dump in a PG_BIN of our own notes the mode of the file it is given and its command
    // line before it writes a byte, then does the real work.
    let real = wayfare::db::local::find_binaries().unwrap();
    let bin = ScratchDir::new("wayfare-fake-bin");
    let notes = bin.path().join("notes");
    let script = format!(
        "#!/bin/sh\nprev=\nfor a in \"$@\"; do\n  [ \"$prev\" = --file ] && stat -c %a \"$a\" >> {notes}\n  prev=$a\ndone\necho \"argv: $*\" >> {notes}\nexec {real}/pg_dump \"$@\"\n",
        notes = notes.display(),
        real = real.display()
    );
    let fake = bin.path().join("pg_dump");
    std::fs::write(&fake, script).unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink(real.join("pg_restore"), bin.path().join("pg_restore")).unwrap();

    // Even with a umask that would make every new file world-readable.
    let scratch = ScratchDir::new("wayfare-private-backups");
    let dir = scratch.path().join("backups");
    let out = std::process::Command::new("sh")
        .args(["-c", "umask 000; exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_wayfare"))
        .args(["backup", "--dir", dir.to_str().unwrap()])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.db.url)
        .env("DATA_DIR", scratch.path())
        .env("PG_BIN", bin.path())
        .current_dir(scratch.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let notes = std::fs::read_to_string(&notes).unwrap();
    assert_eq!(notes.lines().next(), Some("600"), "{notes}");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700, "a new backup directory is private");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(mode(&files[0]), 0o600);
    // The database password reaches pg_dump through its environment, not its command line.
    let password = url::Url::parse(&app.db.url)
        .unwrap()
        .password()
        .map(str::to_string);
    if let Some(password) = password.filter(|p| !p.is_empty()) {
        assert!(!notes.contains(&password), "{notes}");
    }
}
