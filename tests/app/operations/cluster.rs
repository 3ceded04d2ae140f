//! A private PostgreSQL cluster for the operations tests: `initdb`, streaming replicas,
//! crashes.

use std::path::PathBuf;

use diesel::prelude::*;

use super::support::{as_postgres, free_port, run_checked};

/// A PostgreSQL cluster of the test's own under a scratch directory, on a free port, with
/// trust authentication from 127.0.0.1 (replication included). Stopped when dropped, also
/// when the test fails.
pub struct PgCluster {
    pub dir: PathBuf,
    pub port: u16,
    bin: PathBuf,
}

impl PgCluster {
    /// `initdb` a new cluster in `dir` (which must not exist yet).
    pub fn init(dir: PathBuf) -> Self {
        let bin = wayfare::db::local::find_binaries().expect("PostgreSQL server binaries");
        let cluster = PgCluster {
            dir,
            port: free_port(),
            bin,
        };
        run_checked(
            as_postgres(cluster.bin.join("initdb"))
                .arg("-D")
                .arg(&cluster.dir)
                .args(["-U", "postgres", "--auth=trust", "--encoding=UTF8"])
                .args(["--locale=C", "--no-sync"]),
            "initdb",
        );
        cluster.configure();
        cluster
    }

    /// A streaming replica of `primary`: `pg_basebackup -R` into `dir`, on its own port.
    pub fn replica_of(primary: &PgCluster, dir: PathBuf) -> Self {
        let cluster = PgCluster {
            dir,
            port: free_port(),
            bin: primary.bin.clone(),
        };
        run_checked(
            as_postgres(cluster.bin.join("pg_basebackup"))
                .args(["-h", "127.0.0.1", "-U", "postgres"])
                .args(["-p", &primary.port.to_string()])
                .arg("-D")
                .arg(&cluster.dir)
                .args(["-R", "-X", "stream", "--checkpoint=fast", "--no-sync"]),
            "pg_basebackup",
        );
        cluster.configure();
        cluster
    }

    /// Appended last, so it wins over what `pg_basebackup` copied from the primary.
    fn configure(&self) {
        use std::io::Write;
        let mut conf = std::fs::OpenOptions::new()
            .append(true)
            .open(self.dir.join("postgresql.conf"))
            .unwrap();
        writeln!(
            conf,
            "\nlisten_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = ''\n\
             fsync = off\nsynchronous_commit = off\nshared_buffers = 16MB\n\
             max_connections = 60\ntimezone = 'UTC'\nwal_level = replica\nhot_standby = on",
            self.port
        )
        .unwrap();
    }

    pub fn start(&self) {
        run_checked(
            as_postgres(self.bin.join("pg_ctl"))
                .arg("-D")
                .arg(&self.dir)
                .arg("-l")
                .arg(self.dir.join("server.log"))
                .args(["-w", "-t", "30", "start"]),
            "pg_ctl start",
        );
    }

    /// Stops the server at once (no checkpoint): a crash, as far as clients can tell.
    pub fn stop(&self) {
        run_checked(
            as_postgres(self.bin.join("pg_ctl"))
                .arg("-D")
                .arg(&self.dir)
                .args(["-m", "immediate", "-w", "stop"]),
            "pg_ctl stop",
        );
    }

    pub fn url(&self, user: &str, database: &str) -> String {
        format!("postgres://{user}@127.0.0.1:{}/{database}", self.port)
    }

    pub fn admin(&self, database: &str) -> PgConnection {
        PgConnection::establish(&self.url("postgres", database)).unwrap()
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if self.dir.join("postmaster.pid").exists() {
            let _ = as_postgres(self.bin.join("pg_ctl"))
                .arg("-D")
                .arg(&self.dir)
                .args(["-m", "immediate", "-w", "stop"])
                .output();
        }
    }
}
