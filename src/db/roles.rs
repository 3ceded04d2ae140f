//! The two roles of a Wayfare database. The owner role owns the database and every table
//! and runs the migrations; the runtime role (`DATABASE_URL`), which serves the pages, owns
//! nothing and is granted only what pages need. Row-level security therefore binds it, and it
//! can neither switch it off (`ALTER TABLE … DISABLE ROW LEVEL SECURITY`) nor drop a policy:
//! both need the table's owner.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

/// `name` as an SQL identifier, quoted.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Creates a login role that is no superuser and cannot bypass row-level security, or brings
/// an existing one to those attributes; sets its password when one is given (and leaves it
/// alone otherwise: servers with trust or peer authentication). Run as a superuser.
pub fn ensure_login_role(
    conn: &mut PgConnection,
    name: &str,
    password: Option<&str>,
) -> QueryResult<()> {
    let role = quote_ident(name);
    let exists: bool = diesel::select(
        diesel::dsl::sql::<Bool>("EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ")
            .bind::<Text, _>(name)
            .sql(")"),
    )
    .get_result(conn)?;
    if !exists {
        let created = diesel::sql_query(format!("CREATE ROLE {role}")).execute(conn);
        // Another process may have created it meanwhile.
        if let Err(e) = created
            && !e.to_string().contains("already exists")
        {
            return Err(e);
        }
    }
    let password = match password {
        Some(p) => format!(" PASSWORD {}", quote_literal(p)),
        None => String::new(),
    };
    conn.batch_execute(&format!(
        "SET password_encryption = 'scram-sha-256'; \
         ALTER ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS{password}"
    ))
}

/// Sets a role's password, stored as a SCRAM verifier whatever the server's default.
pub fn set_password(conn: &mut PgConnection, name: &str, password: &str) -> QueryResult<()> {
    conn.batch_execute(&format!(
        "SET password_encryption = 'scram-sha-256'; ALTER ROLE {} PASSWORD {}",
        quote_ident(name),
        quote_literal(password)
    ))
}

/// Grants the runtime role what the pages need on everything the migrations made, and on
/// whatever the owner makes later: using the schema, reading and writing rows, drawing ids
/// from sequences. The migration bookkeeping it may only read. Run as the owner role.
pub fn grant_runtime_role(conn: &mut PgConnection, runtime_role: &str) -> QueryResult<()> {
    let role = quote_ident(runtime_role);
    conn.batch_execute(&format!(
        "GRANT USAGE ON SCHEMA public TO {role};
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
         GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
         REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON __diesel_schema_migrations FROM {role};
         ALTER DEFAULT PRIVILEGES IN SCHEMA public
             GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role};
         ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role};"
    ))
}

/// Makes `owner` the owner of what `runtime` owns in the current database (a database set
/// up by an earlier Wayfare, whose one role owned everything), and takes from everybody the
/// right to create tables in `public` (PostgreSQL before 15 gave it). Run as a superuser.
/// `REASSIGN OWNED` also hands over the databases `runtime` owns elsewhere in the cluster:
/// meant for the embedded cluster, which is Wayfare's alone.
pub fn hand_over(conn: &mut PgConnection, runtime: &str, owner: &str) -> QueryResult<()> {
    let owns_something: bool = diesel::select(
        diesel::dsl::sql::<Bool>(
            "EXISTS (SELECT 1 FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = ",
        )
        .bind::<Text, _>(runtime)
        .sql(")) OR EXISTS (SELECT 1 FROM pg_proc WHERE proowner = (SELECT oid FROM pg_roles WHERE rolname = ")
        .bind::<Text, _>(runtime)
        .sql("))"),
    )
    .get_result(conn)?;
    if owns_something {
        tracing::warn!(
            from = runtime,
            to = owner,
            "the runtime role owned the tables: handing them over to the owner role"
        );
        diesel::sql_query(format!(
            "REASSIGN OWNED BY {} TO {}",
            quote_ident(runtime),
            quote_ident(owner)
        ))
        .execute(conn)?;
    }
    conn.batch_execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
}

/// What the connected role could do past row-level security.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RoleRisks {
    pub name: String,
    /// Tables of `public` it owns (it could switch their row-level security off).
    pub owned_tables: Vec<String>,
    pub superuser: bool,
    pub bypass_rls: bool,
}

impl RoleRisks {
    pub fn any(&self) -> bool {
        !self.owned_tables.is_empty() || self.superuser || self.bypass_rls
    }
}

#[derive(QueryableByName)]
struct RoleRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Bool)]
    superuser: bool,
    #[diesel(sql_type = Bool)]
    bypass_rls: bool,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// The connected role's risks, for the start-up warning.
pub fn risks_of_current_role(conn: &mut PgConnection) -> QueryResult<RoleRisks> {
    let role: RoleRow = diesel::sql_query(
        "SELECT rolname::text AS name, rolsuper AS superuser, rolbypassrls AS bypass_rls \
         FROM pg_roles WHERE rolname = current_user",
    )
    .get_result(conn)?;
    let owned_tables = diesel::sql_query(
        "SELECT relname::text AS name FROM pg_class \
         WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') \
           AND relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) \
           AND relname <> '__diesel_schema_migrations' ORDER BY relname",
    )
    .load::<Name>(conn)?
    .into_iter()
    .map(|n| n.name)
    .collect();
    Ok(RoleRisks {
        name: role.name,
        owned_tables,
        superuser: role.superuser,
        bypass_rls: role.bypass_rls,
    })
}

/// The role a connection URL logs in as (percent-decoded); `None` when it names none.
pub fn user_of_url(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let user = parsed.username();
    if user.is_empty() {
        return None;
    }
    Some(percent_decode(user))
}

/// A URL's user or password as the server knows it (`%40` is `@`).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_and_read_from_urls() {
        assert_eq!(quote_ident("wayfare"), "\"wayfare\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(
            user_of_url("postgres://wayfare:pw@h:5432/db").as_deref(),
            Some("wayfare")
        );
        assert_eq!(
            user_of_url("postgres://app%2Dx@h/db").as_deref(),
            Some("app-x")
        );
        assert_eq!(user_of_url("postgres://a+b@h/db").as_deref(), Some("a+b"));
        assert_eq!(user_of_url("postgres://h/db"), None);
    }
}
