//! bcrypt, never truncating: a password over 72 bytes is an error, not a shorter password.
//! (bcrypt uses 72 bytes; the crate's `non_truncating_*` functions also count the C string's
//! terminating NUL and so refuse exactly 72, which bcrypt itself uses whole.)
//! Hashing is slow on purpose; callers run it off the async workers, and `Hasher` bounds how
//! many run at once so a flood of logins cannot starve page requests.

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::domain::password::MAX_BYTES;
use crate::error::AppError;

/// Hashes a password at `cost`. Blocking: call inside `web::block` or through `Hasher`.
pub fn hash(password: &str, cost: u32) -> anyhow::Result<String> {
    if password.len() > MAX_BYTES {
        anyhow::bail!("passwords over {MAX_BYTES} bytes are refused, never truncated");
    }
    Ok(bcrypt::hash(password, cost)?)
}

/// Four random groups of five letters (about 94 bits), readable: for passwords the
/// commands create and print once (the demo traveller, seeded staff).
pub fn random_password() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..4)
        .map(|_| {
            (0..5)
                .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Checks a password against a stored hash; a malformed or empty hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    password.len() <= MAX_BYTES && bcrypt::verify(password, stored).unwrap_or(false)
}

/// The cost a stored hash was made with, to re-hash weaker ones at login.
pub fn cost_of(stored: &str) -> Option<u32> {
    stored.split('$').nth(2)?.parse().ok()
}

/// Runs bcrypt on the blocking pool, on at most half the CPUs at a time (at least one):
/// a login flood then leaves the other half to pages.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    pub cost: u32,
    /// Checked for unknown users, so that they take as long as a wrong password.
    dummy_hash: Arc<str>,
    /// Hashes waiting for a permit, for `/metrics`.
    waiting: prometheus::IntGauge,
}

impl Hasher {
    /// Blocking: hashes the dummy password at `cost` once.
    pub fn new(cost: u32, waiting: prometheus::IntGauge) -> anyhow::Result<Self> {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Hasher {
            permits: Arc::new(Semaphore::new((cpus / 2).max(1))),
            cost,
            dummy_hash: hash("not the password of anyone", cost)?.into(),
            waiting,
        })
    }

    pub fn dummy_hash(&self) -> &str {
        &self.dummy_hash
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        let cost = self.cost;
        self.bounded(move || hash(&password, cost))
            .await?
            .map_err(AppError::Internal)
    }

    pub async fn verify(&self, password: String, stored: String) -> Result<bool, AppError> {
        self.bounded(move || verify(&password, &stored)).await
    }

    async fn bounded<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        self.waiting.inc();
        let permit = self.permits.acquire().await;
        self.waiting.dec();
        let _permit = permit.map_err(|e| AppError::Internal(e.into()))?;
        Ok(actix_web::web::block(work).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_cost() {
        let stored = hash("correct horse battery staple", 4).unwrap();
        assert!(verify("correct horse battery staple", &stored));
        assert!(!verify("correct horse battery stapler", &stored));
        assert_eq!(cost_of(&stored), Some(4));
        assert!(!verify("anything", ""));
    }

    #[test]
    fn over_72_bytes_is_refused_not_truncated() {
        let long = "a".repeat(73);
        assert!(hash(&long, 4).is_err());
        let stored = hash(&"a".repeat(72), 4).unwrap();
        assert!(!verify(&long, &stored));
    }
}
