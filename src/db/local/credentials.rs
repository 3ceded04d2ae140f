//! The embedded cluster's passwords: one random password per role, generated once into
//! `DATA_DIR/pgpass`. The file is in libpq's password-file format
//! (`127.0.0.1:*:*:ROLE:PASSWORD`), so `PGPASSFILE=.data/pgpass psql -h 127.0.0.1 -p PORT -U
//! postgres` logs in too, and it is created with mode 0600 from the start (libpq ignores a
//! password file that others may read).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rand::RngCore;

use super::{LocalDbError, io_error};
use crate::config::Secret;

pub const CREDENTIALS_FILE: &str = "pgpass";

#[derive(Clone, Debug)]
pub struct Credentials {
    pub path: PathBuf,
    passwords: Vec<(String, Secret)>,
    /// Roles whose password this start generated (the file had none for them).
    generated: Vec<String>,
}

impl Credentials {
    /// Reads the file, adds a new password for each of `roles` it lacks, and rewrites it
    /// when something changed or its mode let others read it. Call under the cluster lock.
    pub fn load_or_create(data_dir: &Path, roles: &[&str]) -> Result<Self, LocalDbError> {
        let path = data_dir.join(CREDENTIALS_FILE);
        let (mut passwords, too_open) = match fs::read_to_string(&path) {
            Ok(text) => {
                let mode = fs::metadata(&path)
                    .map_err(|e| io_error(&path, e))?
                    .permissions()
                    .mode();
                (parse(&text), mode & 0o077 != 0)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Vec::new(), false),
            Err(e) => return Err(io_error(&path, e)),
        };
        let mut generated = Vec::new();
        for role in roles {
            if !passwords.iter().any(|(r, _)| r == role) {
                passwords.push((role.to_string(), Secret::new(random_password())));
                generated.push(role.to_string());
            }
        }
        if !generated.is_empty() || too_open {
            write(&path, &passwords)?;
        }
        Ok(Credentials {
            path,
            passwords,
            generated,
        })
    }

    pub fn password(&self, role: &str) -> Option<&str> {
        self.passwords
            .iter()
            .find(|(r, _)| r == role)
            .map(|(_, p)| p.expose())
    }

    pub fn was_generated(&self, role: &str) -> bool {
        self.generated.iter().any(|r| r == role)
    }
}

fn parse(text: &str) -> Vec<(String, Secret)> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.trim().split(':').collect();
            match fields.as_slice() {
                [_, _, _, role, password] if !role.is_empty() && !password.is_empty() => {
                    Some((role.to_string(), Secret::new(*password)))
                }
                _ => None,
            }
        })
        .collect()
}

/// Written beside the file with mode 0600 from its creation, then renamed over it.
fn write(path: &Path, passwords: &[(String, Secret)]) -> Result<(), LocalDbError> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let _ = fs::remove_file(&tmp);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| io_error(&tmp, e))?;
    let mut text = String::new();
    for (role, password) in passwords {
        text.push_str(&format!("127.0.0.1:*:*:{role}:{}\n", password.expose()));
    }
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| io_error(path, e))
}

/// 256 random bits as hex: nothing a URL or SQL literal would need to escape.
fn random_password() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_kept_and_the_file_is_private() {
        let dir = std::env::temp_dir().join(format!("wayfare-pgpass-{}", rand::rng().next_u64()));
        fs::create_dir_all(&dir).unwrap();
        let first = Credentials::load_or_create(&dir, &["postgres", "wayfare"]).unwrap();
        assert!(first.was_generated("postgres") && first.was_generated("wayfare"));
        let path = dir.join(CREDENTIALS_FILE);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let again = Credentials::load_or_create(&dir, &["postgres", "wayfare", "owner"]).unwrap();
        assert_eq!(again.password("postgres"), first.password("postgres"));
        assert!(!again.was_generated("wayfare") && again.was_generated("owner"));
        assert_eq!(again.password("wayfare").unwrap().len(), 64);
        // A file others may read is rewritten private.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        Credentials::load_or_create(&dir, &["postgres"]).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        fs::remove_dir_all(dir).unwrap();
    }
}
