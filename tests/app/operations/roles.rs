//! The two roles: the owner role owns the tables and runs the migrations; the runtime role,
//! which serves the pages, owns nothing, so row-level security binds it and it cannot switch
//! it off or drop a policy, while every page still works.

use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::Text;
use wayfare::db::schema::users;

use super::support::{ScratchDir, count, serve, server_env, text, wayfare};
use crate::support::{
    Browser, FIREFOX, HOME, PASSWORD, TestDatabase, assert_is_redirect_to, spawn_app,
};

/// What the connected role may not do to the schema, each with PostgreSQL's refusal.
const OWNER_ONLY: [&str; 7] = [
    "ALTER TABLE plans DISABLE ROW LEVEL SECURITY",
    "ALTER TABLE plans NO FORCE ROW LEVEL SECURITY",
    "ALTER TABLE plan_activities DISABLE ROW LEVEL SECURITY",
    "DROP POLICY plans_owner ON plans",
    "CREATE POLICY everything ON plans USING (true)",
    "ALTER TABLE plans OWNER TO CURRENT_USER",
    "CREATE TABLE mine (id integer)",
];

fn refused(conn: &mut PgConnection, sql: &str) -> String {
    let err = conn
        .transaction(|conn| diesel::sql_query(sql).execute(conn))
        .expect_err(sql);
    err.to_string()
}

/// Tables and sequences of `public` the connected role owns.
fn owned_by_current_user(conn: &mut PgConnection) -> i64 {
    count(
        conn,
        sql_query(
            "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace \
             AND relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)",
        ),
    )
}

#[tokio::test]
async fn the_runtime_role_owns_nothing_and_cannot_switch_row_level_security_off() {
    let app = spawn_app().await;
    let mut runtime = app.db.conn();
    assert_eq!(owned_by_current_user(&mut runtime), 0);
    assert_eq!(
        text(
            &mut runtime,
            sql_query(
                "SELECT (SELECT rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb \
             FROM pg_roles WHERE rolname = current_user)::text AS v"
            )
        ),
        "false"
    );
    for sql in OWNER_ONLY {
        let err = refused(&mut runtime, sql);
        assert!(
            err.contains("must be owner") || err.contains("permission denied"),
            "{sql}: {err}"
        );
    }
    for sql in [
        "TRUNCATE plans",
        "DELETE FROM __diesel_schema_migrations",
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('99999999999999')",
    ] {
        assert!(
            refused(&mut runtime, sql).contains("permission denied"),
            "{sql}"
        );
    }
    // Everything is the owner role's, and the policies are all still there.
    let mut owner = app.db.owner_conn();
    assert!(owned_by_current_user(&mut owner) >= 8);
    assert_eq!(
        count(
            &mut owner,
            sql_query(
                "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' \
             AND relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)"
            )
        ),
        0
    );
    assert_eq!(
        count(
            &mut owner,
            sql_query("SELECT count(*) FROM pg_policies WHERE tablename = 'plans'")
        ),
        7
    );

    // The pages still work as the runtime role: sign up, plan, see it; a query without an
    // actor still sees none of it.
    let browser = app.new_browser();
    assert_is_redirect_to(
        &browser.signup("rui@example.com", "rui", PASSWORD).await,
        HOME,
    );
    app.exec(diesel::update(users::table).set(users::is_verified.eq(true)));
    let created = browser
        .post_form(
            "/plans",
            &[("title", "Porto"), ("currency", "EUR"), ("status", "draft")],
        )
        .await;
    assert_eq!(created.status(), 303);
    let plan = created.headers()["location"].to_str().unwrap().to_string();
    let page = browser.get(&plan).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Porto"));
    assert_eq!(
        count(&mut runtime, sql_query("SELECT count(*) FROM plans")),
        0
    );
    assert_eq!(app.plan_count(), 1);
}

#[tokio::test]
async fn the_server_migrates_as_the_owner_url_and_grants_the_runtime_role_only_rows() {
    // An empty database, as a new production one: the owner role owns it, nothing is in it.
    let db = TestDatabase::create_empty();
    let data_dir = ScratchDir::new("wayfare-roles");
    let env = server_env(&db.url, &"r".repeat(64), data_dir.path());
    assert_eq!(env.get("DATABASE_OWNER_URL"), Some(&db.owner_url));
    let address = serve(env).await;

    let mut runtime = db.conn();
    assert_eq!(owned_by_current_user(&mut runtime), 0);
    let privilege = |table: &str, what: &str| {
        text(
            &mut db.admin_conn(),
            sql_query("SELECT (SELECT has_table_privilege('wayfare', $1, $2))::text AS v")
                .bind::<Text, _>(&table)
                .bind::<Text, _>(&what),
        )
    };
    for what in ["SELECT", "INSERT", "UPDATE", "DELETE"] {
        assert_eq!(privilege("plans", what), "true", "{what}");
    }
    for what in ["TRUNCATE", "REFERENCES", "TRIGGER"] {
        assert_eq!(privilege("plans", what), "false", "{what}");
    }
    assert_eq!(privilege("__diesel_schema_migrations", "SELECT"), "true");
    assert_eq!(privilege("__diesel_schema_migrations", "INSERT"), "false");
    assert!(refused(&mut runtime, OWNER_ONLY[0]).contains("must be owner"));

    let browser = Browser::new(&address, FIREFOX);
    assert_is_redirect_to(
        &browser.signup("ines@example.com", "ines", PASSWORD).await,
        HOME,
    );
    assert_eq!(
        count(
            &mut db.admin_conn(),
            sql_query("SELECT count(*) FROM users")
        ),
        1
    );
}

#[test]
fn without_an_owner_url_the_log_says_that_the_runtime_role_owns_the_tables() {
    // A database as an earlier Wayfare had it: its one role owns it and will own the tables.
    let db = TestDatabase::create_empty();
    diesel::sql_query(
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I OWNER TO wayfare', current_database()); END $$",
    )
    .execute(&mut db.admin_conn())
    .unwrap();
    let ran = wayfare(&["migrate"], &[("DATABASE_URL", &db.url)]);
    let output = format!("{}{}", ran.stdout, ran.stderr);
    assert!(ran.success, "{output}");
    assert!(
        output.contains("DATABASE_OWNER_URL is not set")
            && output.contains("owns the tables (")
            && output.contains("switch row-level security off"),
        "{output}"
    );
    assert!(owned_by_current_user(&mut db.conn()) > 0);

    // With both roles set (the tables handed over, as docs/deploy.md says; one by one here,
    // where REASSIGN OWNED would reach other databases of a shared test server), no warning.
    diesel::connection::SimpleConnection::batch_execute(
        &mut db.admin_conn(),
        "DO $$ DECLARE r record; BEGIN
               EXECUTE format('ALTER DATABASE %I OWNER TO wayfare_owner', current_database());
               FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
                 EXECUTE format('ALTER TABLE public.%I OWNER TO wayfare_owner', r.tablename);
               END LOOP;
               FOR r IN SELECT oid::regprocedure AS f FROM pg_proc
                         WHERE pronamespace = 'public'::regnamespace LOOP
                 EXECUTE format('ALTER FUNCTION %s OWNER TO wayfare_owner', r.f);
               END LOOP;
             END $$",
    )
    .unwrap();
    let ran = wayfare(
        &["migrate"],
        &[
            ("DATABASE_URL", &db.url),
            ("DATABASE_OWNER_URL", &db.owner_url),
        ],
    );
    let output = format!("{}{}", ran.stdout, ran.stderr);
    assert!(ran.success && !output.contains("WARN"), "{output}");
    assert_eq!(owned_by_current_user(&mut db.conn()), 0);
    assert!(ran.stdout.contains("0 migrations applied"), "{output}");
}

#[test]
fn a_runtime_role_that_owns_nothing_applies_no_migration_and_says_what_to_set() {
    // The service without the owner's password, a migration pending (here: all of them).
    let db = TestDatabase::create_empty();
    let ran = wayfare(&["migrate"], &[("DATABASE_URL", &db.url)]);
    assert!(!ran.success, "{}", ran.stdout);
    assert!(
        ran.stderr.contains("permission denied") && ran.stderr.contains("set DATABASE_OWNER_URL"),
        "{}",
        ran.stderr
    );
    assert_eq!(
        count(
            &mut db.admin_conn(),
            sql_query("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")
        ),
        0
    );
    // Up to date, it starts: it only reads which migrations are applied.
    let ran = wayfare(
        &["migrate"],
        &[
            ("DATABASE_URL", &db.url),
            ("DATABASE_OWNER_URL", &db.owner_url),
        ],
    );
    assert!(ran.success, "{}", ran.stderr);
    let again = wayfare(&["migrate"], &[("DATABASE_URL", &db.url)]);
    let said = format!("{}{}", again.stdout, again.stderr);
    assert!(again.success && !said.contains("WARN"), "{said}");
    let status = wayfare(&["migrate", "--status"], &[("DATABASE_URL", &db.url)]).ok();
    assert!(status.contains(" applied, 0 pending"), "{status}");
}
