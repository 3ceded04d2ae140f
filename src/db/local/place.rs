//! Where the embedded cluster's files live.
//!
//! Normally in `DATA_DIR/postgres`. Started as root, the server runs as the `postgres` system
//! user, who cannot reach a checkout under a private directory (root's home is mode 0700 on
//! a fresh server). The cluster of such a `DATA_DIR` lives in
//! `/var/lib/wayfare-embedded/<key>/postgres` instead, where `<key>` is the start of the
//! SHA-256 of the canonical `DATA_DIR` path: the same checkout always finds the same cluster,
//! another checkout gets its own, and nothing is set by hand. `DATA_DIR/postgres` is then a
//! symbolic link to it, so `readlink -f .data/postgres` says where it is. The passwords stay
//! in `DATA_DIR` (root's, mode 0600).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use sha2::Digest;

use super::server::{chown_to_postgres, postgres_reaches};
use super::{LocalDbError, io_error};

/// Parent of the clusters of checkouts the `postgres` user cannot reach (root only).
pub const OUTSIDE_DIR: &str = "/var/lib/wayfare-embedded";

/// The cluster directory of `data_dir` (canonical), without creating anything.
pub fn find(data_dir: &Path, as_root: bool) -> PathBuf {
    let inside = data_dir.join("postgres");
    if !as_root || is_real_dir(&inside) {
        return inside;
    }
    let outside = outside_dir(data_dir);
    if outside.join("PG_VERSION").exists() {
        outside
    } else {
        inside
    }
}

/// The cluster directory of `data_dir` (canonical), ready for `initdb` when it is new.
pub fn prepare(data_dir: &Path, as_root: bool) -> Result<PathBuf, LocalDbError> {
    let inside = data_dir.join("postgres");
    if !as_root {
        return Ok(inside);
    }
    if is_real_dir(&inside) {
        if inside.join("PG_VERSION").exists() {
            if !postgres_reaches(&inside)? {
                return Err(LocalDbError::Setup(format!(
                    "the embedded cluster {} was made where the postgres system user can no longer reach it: \
                     let it through the directories above (chmod o+x), or move the cluster to {} and remove it here",
                    inside.display(),
                    outside_dir(data_dir).display()
                )));
            }
            return Ok(inside);
        }
        // An empty leftover of a failed initdb: decide afresh.
        let _ = fs::remove_dir(&inside);
    }
    let outside = outside_dir(data_dir);
    if !outside.join("PG_VERSION").exists() && !is_link(&inside) && postgres_reaches(data_dir)? {
        return Ok(inside);
    }
    make_outside(data_dir, &outside)?;
    link(&inside, &outside)?;
    Ok(outside)
}

/// `/var/lib/wayfare-embedded/<first 16 hex digits of sha256(data_dir)>/postgres`.
pub fn outside_dir(data_dir: &Path) -> PathBuf {
    let digest = sha2::Sha256::digest(data_dir.as_os_str().as_encoded_bytes());
    Path::new(OUTSIDE_DIR)
        .join(&hex::encode(digest)[..16])
        .join("postgres")
}

/// Parents 0755 root, the cluster directory 0700 `postgres`, and a note of whose it is.
fn make_outside(data_dir: &Path, outside: &Path) -> Result<(), LocalDbError> {
    let key_dir = outside
        .parent()
        .expect("the cluster directory has a parent");
    for dir in [Path::new(OUTSIDE_DIR), key_dir] {
        fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755))
            .map_err(|e| io_error(dir, e))?;
    }
    let note = key_dir.join("data_dir");
    fs::write(&note, format!("{}\n", data_dir.display())).map_err(|e| io_error(&note, e))?;
    fs::create_dir_all(outside).map_err(|e| io_error(outside, e))?;
    fs::set_permissions(outside, fs::Permissions::from_mode(0o700))
        .map_err(|e| io_error(outside, e))?;
    chown_to_postgres(outside)
}

/// `DATA_DIR/postgres` → the cluster outside, replacing a link that points elsewhere.
fn link(inside: &Path, outside: &Path) -> Result<(), LocalDbError> {
    if is_link(inside) {
        if fs::read_link(inside).is_ok_and(|target| target == outside) {
            return Ok(());
        }
        fs::remove_file(inside).map_err(|e| io_error(inside, e))?;
    }
    std::os::unix::fs::symlink(outside, inside).map_err(|e| io_error(inside, e))
}

fn is_real_dir(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
}

fn is_link(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_checkout_has_its_own_place_outside() {
        let a = outside_dir(Path::new("/root/wayfare/.data"));
        let b = outside_dir(Path::new("/root/other/.data"));
        assert_ne!(a, b);
        assert_eq!(a, outside_dir(Path::new("/root/wayfare/.data")));
        assert!(a.starts_with(OUTSIDE_DIR) && a.ends_with("postgres"));
        assert_eq!(a.parent().unwrap().file_name().unwrap().len(), 16);
    }
}
