//! Faults: a database connection the test can cut.

use std::collections::HashMap;

use super::app::{TestApp, spawn_app_with};
use super::db::cluster_host_port;

/// A TCP proxy in front of the database that a test can cut and restore, to see the app
/// through an outage without stopping the shared cluster.
pub struct DbProxy {
    pub port: u16,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    generation: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
}

impl DbProxy {
    pub async fn start(target_host: String, target_port: u16) -> Self {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let (generation, _) = tokio::sync::watch::channel(0u64);
        let generation = Arc::new(generation);
        let (accept_up, accept_gen) = (up.clone(), generation.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if !accept_up.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is refused
                }
                let target = format!("{target_host}:{target_port}");
                let mut cut = accept_gen.subscribe();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        DbProxy {
            port,
            up,
            generation,
        }
    }

    /// Every open connection is cut and new ones are refused.
    pub fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    pub fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The app reaching its own test database through a `DbProxy` the test can cut. `app.db`
/// (snapshots, counts) is that same database, reached directly.
pub async fn spawn_app_behind_proxy(
    configure: impl FnOnce(&mut HashMap<String, String>),
) -> (TestApp, DbProxy) {
    let (host, port) = cluster_host_port();
    let proxy = DbProxy::start(host, port).await;
    let proxy_port = proxy.port;
    let app = spawn_app_with(move |env| {
        let mut url = url::Url::parse(&env["DATABASE_URL"]).unwrap();
        url.set_port(Some(proxy_port)).unwrap();
        env.insert("DATABASE_URL".into(), url.to_string());
        configure(env);
    })
    .await;
    (app, proxy)
}
