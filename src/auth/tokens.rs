//! Signed, expiring links for e-mail (verification, password reset), without a table.
//!
//! A token is `base64url(claims) . base64url(HMAC-SHA256(SECRET_KEY, purpose . claims))`.
//! Each binds to something that changes once the link has done its job, which makes it
//! single-use, and to the address it was mailed to, so that it proves nothing about any
//! other: a verification link to the address it verifies (spent once that address is
//! verified), a reset link to the address and the current password hash (spent once the
//! password changes, dead once the address does).

use crate::domain::ids::UserId;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    fn label(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify-email",
            Purpose::ResetPassword => "reset-password",
        }
    }
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user.
    pub u: UserId,
    /// What the token is bound to (see the module doc).
    pub b: String,
    /// Expiry, Unix seconds.
    pub x: i64,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the link is not valid")]
    Invalid,
    #[error("the link has expired")]
    Expired,
}

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, purpose: Purpose, claims: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(purpose.label().as_bytes());
    mac.update(b".");
    mac.update(claims);
    mac
}

pub fn sign(
    secret: &str,
    purpose: Purpose,
    user_id: UserId,
    bound_to: &str,
    valid_for: chrono::TimeDelta,
) -> String {
    let claims = Claims {
        u: user_id,
        b: bound_to.to_string(),
        x: (Utc::now() + valid_for).timestamp(),
    };
    let claims = serde_json::to_vec(&claims).expect("claims serialize");
    let tag = mac(secret, purpose, &claims).finalize().into_bytes();
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&claims),
        URL_SAFE_NO_PAD.encode(tag)
    )
}

/// Checks the signature first (in constant time), then the expiry.
pub fn verify(secret: &str, purpose: Purpose, token: &str) -> Result<Claims, TokenError> {
    let (claims_b64, tag_b64) = token.split_once('.').ok_or(TokenError::Invalid)?;
    let claims = URL_SAFE_NO_PAD
        .decode(claims_b64)
        .map_err(|_| TokenError::Invalid)?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag_b64)
        .map_err(|_| TokenError::Invalid)?;
    mac(secret, purpose, &claims)
        .verify_slice(&tag)
        .map_err(|_| TokenError::Invalid)?;
    let claims: Claims = serde_json::from_slice(&claims).map_err(|_| TokenError::Invalid)?;
    if claims.x < Utc::now().timestamp() {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

/// What a reset link binds to: the address it is mailed to (in any case) and the password
/// hash, so a change of either kills it.
pub fn reset_binding(email: &str, password_hash: &str) -> String {
    let mut digest = Sha256::new();
    digest.update(email.to_lowercase().as_bytes());
    digest.update([0]);
    digest.update(password_hash.as_bytes());
    hex::encode(&digest.finalize()[..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn round_trip() {
        let token = sign(
            SECRET,
            Purpose::VerifyEmail,
            UserId(7),
            "a@b.co",
            chrono::TimeDelta::hours(48),
        );
        let claims = verify(SECRET, Purpose::VerifyEmail, &token).unwrap();
        assert_eq!((claims.u, claims.b.as_str()), (UserId(7), "a@b.co"));
    }

    #[test]
    fn a_reset_binding_changes_with_the_address_and_the_password() {
        let first = reset_binding("Ann@Example.org", "$2b$12$hash");
        assert_eq!(first, reset_binding("ann@example.org", "$2b$12$hash"));
        assert_ne!(first, reset_binding("eve@example.org", "$2b$12$hash"));
        assert_ne!(first, reset_binding("ann@example.org", "$2b$12$other"));
    }

    #[test]
    fn tampered_foreign_or_expired_tokens_fail() {
        let token = sign(
            SECRET,
            Purpose::VerifyEmail,
            UserId(7),
            "a@b.co",
            chrono::TimeDelta::hours(1),
        );
        assert_eq!(
            verify(SECRET, Purpose::ResetPassword, &token),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            verify(&SECRET.replace('0', "1"), Purpose::VerifyEmail, &token),
            Err(TokenError::Invalid)
        );
        let forged_claims = URL_SAFE_NO_PAD.encode(br#"{"u":8,"b":"a@b.co","x":99999999999}"#);
        let forged = format!("{forged_claims}.{}", token.split_once('.').unwrap().1);
        assert_eq!(
            verify(SECRET, Purpose::VerifyEmail, &forged),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            verify(SECRET, Purpose::VerifyEmail, "nonsense"),
            Err(TokenError::Invalid)
        );
        let expired = sign(
            SECRET,
            Purpose::VerifyEmail,
            UserId(7),
            "a@b.co",
            chrono::TimeDelta::seconds(-1),
        );
        assert_eq!(
            verify(SECRET, Purpose::VerifyEmail, &expired),
            Err(TokenError::Expired)
        );
    }
}
