//! A malformed configuration stops the binary with one line that says what to set.

use std::process::Command;

fn wayfare(env: &[(&str, &str)]) -> std::process::Output {
    let dir = std::env::temp_dir().join(format!("wayfare-config-test-{}", std::process::id()));
    let mut command = Command::new(env!("CARGO_BIN_EXE_wayfare"));
    command
        .arg("migrate")
        .arg("--status")
        .env_clear()
        .env("DATA_DIR", &dir)
        .current_dir(std::env::temp_dir());
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

#[test]
fn a_malformed_database_url_names_the_variable() {
    let out = wayfare(&[("DATABASE_URL", "mysql://root@localhost/db")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("DATABASE_URL is not a PostgreSQL URL"),
        "{stderr}"
    );
}

#[test]
fn a_production_server_needs_its_secret() {
    let out = wayfare(&[("PUBLIC_URL", "https://trips.example.org")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("SECRET_KEY is not set"), "{stderr}");
}

#[test]
fn a_production_server_needs_a_mail_server() {
    let key = "k".repeat(64);
    let out = wayfare(&[
        ("PUBLIC_URL", "https://trips.example.org"),
        ("SECRET_KEY", key.as_str()),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("SMTP_URL is not set"), "{stderr}");
}

#[test]
fn an_unreachable_database_says_where_without_the_password() {
    let out = wayfare(&[("DATABASE_URL", "postgres://app:hunter2@127.0.0.1:1/wayfare")]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("cannot connect to the database at postgres://app:***@127.0.0.1:1/wayfare"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"));
}
