//! The schema: every migration goes down and up again to the same schema, the seed's
//! constraints refuse bad rows, and the triggers keep `updated_at` current.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::QueryFragment;
use diesel::query_dsl::methods::ExecuteDsl;
use diesel::result::{DatabaseErrorKind, Error};
use diesel::sql_query;
use diesel::sql_types::{Integer, Text};
use diesel_migrations::MigrationHarness;
use wayfare::db::MIGRATIONS;
use wayfare::db::schema::users;

use crate::support::TestDatabase;

#[derive(QueryableByName)]
struct Dump {
    #[diesel(sql_type = Text)]
    dump: String,
}

/// Every column, constraint, index and trigger of the public schema, one line each.
fn schema_dump(conn: &mut PgConnection) -> String {
    diesel::sql_query(
        "SELECT coalesce(string_agg(line, E'\\n' ORDER BY line), '') AS dump FROM (
           SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' '
                  || coalesce(character_maximum_length::text, '') || ' '
                  || coalesce(numeric_precision::text, '') || ',' || coalesce(numeric_scale::text, '')
                  || ' null=' || is_nullable || ' default=' || coalesce(column_default, '') AS line
             FROM information_schema.columns WHERE table_schema = 'public'
           UNION ALL
           SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(c.oid)
             FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'
           UNION ALL
           SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
           UNION ALL
           SELECT 'trigger ' || tgname || ' ' || pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE NOT tgisinternal
           UNION ALL
           SELECT 'policy ' || tablename || ' ' || policyname || ' ' || coalesce(qual, '') FROM pg_policies
         ) lines",
    )
    .get_result::<Dump>(conn)
    .unwrap()
    .dump
}

#[test]
fn every_migration_reverts_and_reapplies_to_an_identical_schema() {
    let db = TestDatabase::create();
    // Migrations are the owner role's to run (the runtime role may not change the schema).
    let mut conn = db.owner_conn();
    let before = schema_dump(&mut conn);
    assert!(
        before.contains("index idx_plans_data"),
        "the template is migrated"
    );

    let reverted = conn.revert_all_migrations(MIGRATIONS).unwrap();
    assert_eq!(reverted.len(), migrations_count());
    let empty = schema_dump(&mut conn);
    assert!(
        !empty.contains("users"),
        "every down.sql removes what its up.sql made: {empty}"
    );

    let applied = conn.run_pending_migrations(MIGRATIONS).unwrap();
    assert_eq!(applied.len(), migrations_count());
    assert_eq!(schema_dump(&mut conn), before);

    // And one at a time: each down then up again.
    for _ in 0..migrations_count() {
        conn.revert_last_migration(MIGRATIONS).unwrap();
    }
    conn.run_pending_migrations(MIGRATIONS).unwrap();
    assert_eq!(schema_dump(&mut conn), before);
}

/// The migrations folder's entries: every one of them is reverted and applied again.
fn migrations_count() -> usize {
    std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().path().join("up.sql").is_file())
        .count()
}

/// A session of a user with the key `k`: the second one is refused.
const NEW_SESSION: &str =
    "INSERT INTO user_sessions (user_id, session_key, expires_at) VALUES ($1, 'k', now())";

fn user(conn: &mut PgConnection, email: &str, username: &str) -> QueryResult<i32> {
    diesel::insert_into(users::table)
        .values((
            users::email.eq(email),
            users::username.eq(username),
            users::password_hash.eq("x"),
        ))
        .returning(users::id)
        .get_result(conn)
}

fn kind(result: QueryResult<usize>) -> DatabaseErrorKind {
    match result {
        Err(Error::DatabaseError(kind, _)) => kind,
        other => panic!("expected the database to refuse this, got {other:?}"),
    }
}

/// Runs one constant statement (with its values bound).
fn exec<Q>(conn: &mut PgConnection, statement: Q) -> QueryResult<usize>
where
    Q: RunQueryDsl<PgConnection> + ExecuteDsl<PgConnection, Pg> + QueryFragment<Pg>,
{
    // A savepoint per statement, so one refusal does not end the test's transaction.
    conn.transaction(|conn| statement.execute(conn))
}

#[test]
fn the_seed_constraints_refuse_bad_rows() {
    let db = TestDatabase::create();
    // As a superuser: row-level security is tested on its own below.
    let mut conn = db.admin_conn();
    let alice = user(&mut conn, "alice@example.com", "alice").unwrap();

    assert_eq!(
        kind(exec(
            &mut conn,
            sql_query(
                "INSERT INTO users (email, username, password_hash) VALUES ('not-an-email', 'bob', 'x')"
            )
        )),
        DatabaseErrorKind::CheckViolation
    );
    assert_eq!(
        kind(exec(
            &mut conn,
            sql_query(
                "INSERT INTO users (email, username, password_hash) VALUES ('alice@example.com', 'alice2', 'x')"
            )
        )),
        DatabaseErrorKind::UniqueViolation
    );
    assert_eq!(
        kind(exec(
            &mut conn,
            sql_query(
                "INSERT INTO users (email, username, password_hash) VALUES ('a2@example.com', 'alice', 'x')"
            )
        )),
        DatabaseErrorKind::UniqueViolation
    );
    assert_eq!(
        kind(exec(
            &mut conn,
            sql_query("INSERT INTO users (email, username) VALUES ('a3@example.com', 'carol')")
        )),
        DatabaseErrorKind::NotNullViolation
    );
    exec(
        &mut conn,
        sql_query("UPDATE users SET google_id = 'g1', facebook_id = 'f1' WHERE id = $1")
            .bind::<Integer, _>(alice),
    )
    .unwrap();
    let bob = user(&mut conn, "bob@example.com", "bob").unwrap();
    assert_eq!(
        kind(exec(
            &mut conn,
            sql_query("UPDATE users SET google_id = 'g1' WHERE id = $1").bind::<Integer, _>(bob)
        )),
        DatabaseErrorKind::UniqueViolation
    );
    assert_eq!(
        kind(exec(
            &mut conn,
            sql_query("UPDATE users SET facebook_id = 'f1' WHERE id = $1").bind::<Integer, _>(bob)
        )),
        DatabaseErrorKind::UniqueViolation
    );

    let plan = |sql: &'static str| sql_query(sql).bind::<Integer, _>(alice);
    exec(
        &mut conn,
        plan("INSERT INTO plans (user_id, title) VALUES ($1, 'Trip')"),
    )
    .unwrap();
    assert_eq!(
        kind(exec(
            &mut conn,
            plan("INSERT INTO plans (user_id, title, status) VALUES ($1, 'Trip', 'deleted')")
        )),
        DatabaseErrorKind::CheckViolation
    );
    assert_eq!(
        kind(exec(
            &mut conn,
            plan(
                "INSERT INTO plans (user_id, title, start_date, end_date) \
                 VALUES ($1, 'Trip', '2025-09-02', '2025-09-01')"
            )
        )),
        DatabaseErrorKind::CheckViolation
    );
    assert_eq!(
        kind(exec(
            &mut conn,
            plan("INSERT INTO plans (user_id, title, budget) VALUES ($1, 'Trip', -1)")
        )),
        DatabaseErrorKind::CheckViolation
    );
    let with_token = "INSERT INTO plans (user_id, title, share_token) VALUES ($1, 'Trip', 'tok')";
    exec(&mut conn, plan(with_token)).unwrap();
    assert_eq!(
        kind(exec(&mut conn, plan(with_token))),
        DatabaseErrorKind::UniqueViolation
    );
    assert_eq!(
        kind(exec(
            &mut conn,
            sql_query("INSERT INTO plans (user_id, title) VALUES (999999, 'Orphan')")
        )),
        DatabaseErrorKind::ForeignKeyViolation
    );
    assert_eq!(
        kind(exec(
            &mut conn,
            sql_query("INSERT INTO plan_activities (plan_id, title) VALUES (999999, 'Orphan')")
        )),
        DatabaseErrorKind::ForeignKeyViolation
    );
    assert_eq!(
        kind(exec(
            &mut conn,
            sql_query("INSERT INTO user_sessions (user_id, session_key) VALUES (1, 'k')")
        )),
        DatabaseErrorKind::NotNullViolation
    );
    exec(&mut conn, sql_query(NEW_SESSION).bind::<Integer, _>(alice)).unwrap();
    assert_eq!(
        kind(exec(
            &mut conn,
            sql_query(NEW_SESSION).bind::<Integer, _>(alice)
        )),
        DatabaseErrorKind::UniqueViolation
    );
    exec(
        &mut conn,
        sql_query("INSERT INTO rate_limits (identifier, identifier_type) VALUES ('1.2.3.4', 'ip')"),
    )
    .unwrap();
    assert_eq!(
        kind(exec(
            &mut conn,
            sql_query(
                "INSERT INTO rate_limits (identifier, identifier_type) VALUES ('1.2.3.4', 'ip')"
            )
        )),
        DatabaseErrorKind::UniqueViolation
    );

    // Deleting a user cascades to plans, their activities and sessions.
    exec(&mut conn, sql_query("INSERT INTO plan_activities (plan_id, title) SELECT id, 'Museum' FROM plans WHERE user_id = $1").bind::<Integer, _>(alice)).unwrap();
    exec(
        &mut conn,
        sql_query("DELETE FROM users WHERE id = $1").bind::<Integer, _>(alice),
    )
    .unwrap();
    for (table, sql) in [
        ("plans", "SELECT count(*) FROM plans"),
        ("plan_activities", "SELECT count(*) FROM plan_activities"),
        ("user_sessions", "SELECT count(*) FROM user_sessions"),
    ] {
        let left = count(&mut conn, sql);
        assert_eq!(left, 0, "{table} keeps rows of a deleted user");
    }
}

#[test]
fn updated_at_triggers_move_on_every_update() {
    let db = TestDatabase::create();
    let mut conn = db.admin_conn();
    let alice = user(&mut conn, "alice@example.com", "alice").unwrap();
    exec(
        &mut conn,
        sql_query(
            "INSERT INTO plans (user_id, title, updated_at) VALUES ($1, 'Trip', '2000-01-01')",
        )
        .bind::<Integer, _>(alice),
    )
    .unwrap();
    exec(&mut conn, sql_query("INSERT INTO plan_activities (plan_id, title, updated_at) SELECT id, 'Museum', '2000-01-01' FROM plans")).unwrap();
    exec(&mut conn, sql_query("UPDATE plans SET title = 'Trip 2'")).unwrap();
    exec(
        &mut conn,
        sql_query("UPDATE plan_activities SET title = 'Museum 2'"),
    )
    .unwrap();
    for (table, sql) in [
        (
            "plans",
            "SELECT bool_and(updated_at > '2020-01-01') FROM plans",
        ),
        (
            "plan_activities",
            "SELECT bool_and(updated_at > '2020-01-01') FROM plan_activities",
        ),
    ] {
        let moved: bool = diesel::dsl::sql::<diesel::sql_types::Bool>(sql)
            .get_result(&mut conn)
            .unwrap();
        assert!(moved, "{table}.updated_at did not move");
    }
}

#[test]
fn archive_tables_mirror_the_live_ones() {
    let db = TestDatabase::create();
    let mut conn = db.admin_conn();
    let alice = user(&mut conn, "alice@example.com", "alice").unwrap();
    exec(
        &mut conn,
        sql_query("INSERT INTO archived_plans (user_id, title) VALUES ($1, 'Old trip')")
            .bind::<Integer, _>(alice),
    )
    .unwrap();
    assert_eq!(
        kind(exec(
            &mut conn,
            sql_query("INSERT INTO archived_plans (user_id, title, budget) VALUES ($1, 'x', -5)")
                .bind::<Integer, _>(alice)
        )),
        DatabaseErrorKind::CheckViolation
    );
    exec(&mut conn, sql_query("INSERT INTO archived_plan_activities (plan_id, title) SELECT id, 'Walk' FROM archived_plans")).unwrap();
    assert_eq!(
        kind(exec(
            &mut conn,
            sql_query("INSERT INTO archived_plan_activities (plan_id, title) VALUES (999999, 'x')")
        )),
        DatabaseErrorKind::ForeignKeyViolation
    );
}

fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    diesel::dsl::sql::<diesel::sql_types::BigInt>(sql)
        .get_result(conn)
        .unwrap()
}

#[test]
fn row_level_security_shows_an_unfiltered_query_only_the_actors_rows() {
    use wayfare::db::Actor;
    let db = TestDatabase::create();
    let mut admin = db.admin_conn();
    let alice = user(&mut admin, "alice@example.com", "alice").unwrap();
    let bob = user(&mut admin, "bob@example.com", "bob").unwrap();
    exec(
        &mut admin,
        sql_query("INSERT INTO plans (user_id, title) VALUES ($1, 'A1'), ($1, 'A2'), ($2, 'B1')")
            .bind::<Integer, _>(alice)
            .bind::<Integer, _>(bob),
    )
    .unwrap();
    exec(
        &mut admin,
        sql_query("INSERT INTO plan_activities (plan_id, title) SELECT id, 'x' FROM plans"),
    )
    .unwrap();
    exec(
        &mut admin,
        sql_query("UPDATE plans SET share_token = 'bob-token' WHERE user_id = $1")
            .bind::<Integer, _>(bob),
    )
    .unwrap();

    // The application's role is not a superuser, so the policies apply to it.
    let mut conn = db.conn();
    let superuser: bool = diesel::dsl::sql::<diesel::sql_types::Bool>(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
    )
    .get_result(&mut conn)
    .unwrap();
    assert!(!superuser);
    assert_eq!(
        count(&mut conn, "SELECT count(*) FROM plans"),
        0,
        "no actor, no rows"
    );

    let seen = |actor: Actor, conn: &mut PgConnection| -> (i64, i64) {
        conn.transaction(|conn| {
            actor.apply(conn)?;
            Ok::<_, Error>((
                count(conn, "SELECT count(*) FROM plans"),
                count(conn, "SELECT count(*) FROM plan_activities"),
            ))
        })
        .unwrap()
    };
    assert_eq!(seen(Actor::User(alice.into()), &mut conn), (2, 2));
    assert_eq!(seen(Actor::User(bob.into()), &mut conn), (1, 1));
    assert_eq!(seen(Actor::Staff, &mut conn), (3, 3));
    assert_eq!(
        seen(Actor::ShareToken("bob-token".into()), &mut conn),
        (1, 1)
    );
    assert_eq!(seen(Actor::ShareToken("wrong".into()), &mut conn), (0, 0));
    assert_eq!(
        seen(Actor::Explore, &mut conn),
        (0, 0),
        "nothing is public and published"
    );

    // Alice can neither change nor create Bob's rows.
    let changed = conn
        .transaction(|conn| {
            Actor::User(alice.into()).apply(conn)?;
            sql_query("UPDATE plans SET title = 'hacked' WHERE user_id = $1")
                .bind::<Integer, _>(bob)
                .execute(conn)
        })
        .unwrap();
    assert_eq!(changed, 0);
    let insert = conn.transaction(|conn| {
        Actor::User(alice.into()).apply(conn)?;
        sql_query("INSERT INTO plans (user_id, title) VALUES ($1, 'planted')")
            .bind::<Integer, _>(bob)
            .execute(conn)
    });
    assert!(insert.is_err(), "a plan for someone else is refused");
    // The setting lasts one transaction only.
    assert_eq!(count(&mut conn, "SELECT count(*) FROM plans"), 0);
}

#[test]
fn row_level_security_lets_members_read_editors_write_and_nobody_else_even_when_a_query_forgets() {
    use wayfare::db::Actor;
    let db = TestDatabase::create();
    let mut admin = db.admin_conn();
    let owner = user(&mut admin, "olga@example.com", "olga").unwrap();
    let editor = user(&mut admin, "ed@example.com", "ed").unwrap();
    let viewer = user(&mut admin, "vi@example.com", "vi").unwrap();
    let stranger = user(&mut admin, "st@example.com", "st").unwrap();
    let plan: i32 = diesel::sql_query(
        "INSERT INTO plans (user_id, title) VALUES ($1, 'Lisbon') RETURNING id AS v",
    )
    .bind::<Integer, _>(owner)
    .get_result::<IntValue>(&mut admin)
    .unwrap()
    .v;
    for statement in [
        format!("INSERT INTO plan_activities (plan_id, title) VALUES ({plan}, 'Tram 28')"),
        format!(
            "INSERT INTO plan_members (plan_id, user_id, role) VALUES ({plan}, {editor}, 'editor'), ({plan}, {viewer}, 'viewer')"
        ),
        format!(
            "INSERT INTO plan_changes (plan_id, user_id, action, summary) VALUES ({plan}, {owner}, 'plan_created', 'Created')"
        ),
        format!(
            "INSERT INTO plan_invitations (plan_id, email, role, token_hash, expires_at) VALUES ({plan}, 'x@example.com', 'viewer', 'abc', now() + interval '1 day')"
        ),
    ] {
        exec(&mut admin, sql_query(statement)).unwrap();
    }

    let mut conn = db.conn();
    let as_user = |id: i32, sql: &str, conn: &mut PgConnection| -> QueryResult<usize> {
        conn.transaction(|conn| {
            Actor::User(id.into()).apply(conn)?;
            sql_query(sql).execute(conn)
        })
    };
    let seen = |id: i32, table: &str, conn: &mut PgConnection| -> i64 {
        conn.transaction(|conn| {
            Actor::User(id.into()).apply(conn)?;
            Ok::<_, Error>(count(conn, &format!("SELECT count(*) FROM {table}")))
        })
        .unwrap()
    };

    // Reading: members see the plan, its activities, members and history; the invitations
    // are the owner's; a stranger sees nothing at all.
    for (who, expected) in [
        (owner, [1, 1, 2, 1, 1]),
        (editor, [1, 1, 2, 1, 0]),
        (viewer, [1, 1, 2, 1, 0]),
        (stranger, [0, 0, 0, 0, 0]),
    ] {
        let counts = [
            "plans",
            "plan_activities",
            "plan_members",
            "plan_changes",
            "plan_invitations",
        ]
        .map(|table| seen(who, table, &mut conn));
        assert_eq!(counts, expected, "user {who}");
    }

    // Writing with no filter at all: a viewer and a stranger change nothing.
    for who in [viewer, stranger] {
        for sql in [
            "UPDATE plans SET title = 'hacked'",
            "DELETE FROM plans",
            "UPDATE plan_activities SET title = 'hacked'",
            "DELETE FROM plan_activities",
            "UPDATE plan_members SET role = 'editor'",
            "UPDATE plan_invitations SET role = 'editor'",
            "DELETE FROM plan_invitations",
            "UPDATE plan_changes SET summary = 'rewritten'",
            "DELETE FROM plan_changes",
        ] {
            // Refused outright (a trigger) or touching no row (the policies): either way
            // nothing changes.
            let changed = as_user(who, sql, &mut conn).unwrap_or(0);
            assert_eq!(changed, 0, "{who}: {sql}");
        }
        // Only their own membership row may go (leaving): a stranger has none.
        assert_eq!(
            as_user(who, "DELETE FROM plan_members", &mut conn).unwrap(),
            usize::from(who == viewer)
        );
        exec(
            &mut admin,
            sql_query(format!(
                "INSERT INTO plan_members (plan_id, user_id, role) VALUES ({plan}, {viewer}, 'viewer') ON CONFLICT DO NOTHING"
            )),
        )
        .unwrap();
        for sql in [
            format!("INSERT INTO plan_activities (plan_id, title) VALUES ({plan}, 'planted')"),
            format!(
                "INSERT INTO plan_members (plan_id, user_id, role) VALUES ({plan}, {stranger}, 'editor')"
            ),
            format!(
                "INSERT INTO plan_invitations (plan_id, email, role, token_hash, expires_at) VALUES ({plan}, 'y@example.com', 'editor', 'def', now() + interval '1 day')"
            ),
            format!(
                "INSERT INTO plan_changes (plan_id, user_id, action, summary) VALUES ({plan}, {owner}, 'forged', 'In the owner''s name')"
            ),
        ] {
            assert!(as_user(who, &sql, &mut conn).is_err(), "{who}: {sql}");
        }
    }

    // An editor changes the plan and its activities, but neither deletes the plan, nor
    // takes it over, nor shares it, nor manages its members.
    assert_eq!(
        as_user(
            editor,
            "UPDATE plans SET title = 'Lisbon and Sintra'",
            &mut conn
        )
        .unwrap(),
        1
    );
    assert_eq!(
        as_user(
            editor,
            "UPDATE plan_activities SET title = 'Tram 12'",
            &mut conn
        )
        .unwrap(),
        1
    );
    assert_eq!(as_user(editor, "DELETE FROM plans", &mut conn).unwrap(), 0);
    for sql in [
        format!("UPDATE plans SET user_id = {editor}"),
        "UPDATE plans SET share_token = 'leaked'".to_string(),
        "UPDATE plans SET is_public = true".to_string(),
    ] {
        assert!(as_user(editor, &sql, &mut conn).is_err(), "editor: {sql}");
    }
    assert_eq!(
        as_user(editor, "UPDATE plan_members SET role = 'viewer'", &mut conn).unwrap_or(0),
        0
    );
    assert!(
        as_user(
            editor,
            &format!(
                "INSERT INTO plan_members (plan_id, user_id, role) VALUES ({plan}, {stranger}, 'viewer')"
            ),
            &mut conn
        )
        .is_err()
    );
    assert_eq!(
        as_user(editor, "DELETE FROM plan_invitations", &mut conn).unwrap(),
        0
    );

    // The owner manages members; an invitee joins only with the invitation's token, in its
    // role, as themselves.
    assert_eq!(
        as_user(owner, "UPDATE plan_members SET role = 'viewer'", &mut conn).unwrap(),
        2
    );
    let join = |token: &str, who: i32, role: &str, conn: &mut PgConnection| {
        conn.transaction(|conn| {
            Actor::Invitee(stranger.into(), token.into()).apply(conn)?;
            sql_query(format!(
                "INSERT INTO plan_members (plan_id, user_id, role) VALUES ({plan}, {who}, '{role}')"
            ))
            .execute(conn)
        })
    };
    assert!(join("wrong", stranger, "viewer", &mut conn).is_err());
    assert!(
        join("abc", stranger, "editor", &mut conn).is_err(),
        "not its role"
    );
    assert!(
        join("abc", owner, "viewer", &mut conn).is_err(),
        "not themselves"
    );
    assert_eq!(join("abc", stranger, "viewer", &mut conn).unwrap(), 1);
    assert_eq!(seen(stranger, "plans", &mut conn), 1, "a member now");
    assert_eq!(seen(stranger, "plan_invitations", &mut conn), 0);
}

#[derive(QueryableByName)]
struct IntValue {
    #[diesel(sql_type = Integer)]
    v: i32,
}
