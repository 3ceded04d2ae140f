/// A new password: 12 characters or more, at most 72 bytes (bcrypt ignores the rest, so a
/// longer one is refused rather than silently cut), and not easy to guess. Any Unicode,
/// spaces included.
pub struct Password(String);

pub const MIN_CHARS: usize = 12;
pub const MAX_BYTES: usize = 72;

impl Password {
    /// `hints` are the user's own words (e-mail, username, names) a password must not lean on.
    pub fn parse(raw: &str, hints: &[&str]) -> Result<Self, String> {
        if raw.chars().count() < MIN_CHARS {
            return Err(format!("Use at least {MIN_CHARS} characters."));
        }
        if raw.len() > MAX_BYTES {
            return Err(format!(
                "Use at most {MAX_BYTES} bytes (about {MAX_BYTES} letters; accented letters and emoji count double or more)."
            ));
        }
        let estimate = zxcvbn::zxcvbn(raw, hints);
        if (estimate.score() as u8) < 3 {
            let advice = estimate
                .feedback()
                .and_then(|f| f.warning().map(|w| w.to_string()))
                .unwrap_or_else(|| "It would be easy to guess.".into());
            return Err(format!(
                "Choose a stronger password. {advice} A few unrelated words make a good one."
            ));
        }
        Ok(Password(raw.to_string()))
    }

    /// A new password typed twice (fields `password` and `password_confirm`), checked
    /// against the account's own words; every problem is in the errors.
    pub fn check_new(
        password: &str,
        confirm: &str,
        hints: &[&str],
    ) -> Result<Password, crate::domain::FieldErrors> {
        let mut errors = crate::domain::FieldErrors::default();
        match errors.check_new_password(password, confirm, hints) {
            Some(password) if errors.is_empty() => Ok(password),
            _ => Err(errors),
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::Password;

    #[test]
    fn strong_passwords_pass() {
        assert!(Password::parse("correct horse battery staple", &[]).is_ok());
        assert!(Password::parse("Zürich über alles 2025 ☕", &[]).is_ok());
    }

    #[test]
    fn weak_short_and_long_are_refused() {
        assert!(
            Password::parse("short", &[])
                .unwrap_err()
                .contains("at least 12")
        );
        assert!(
            Password::parse("password1234", &[])
                .unwrap_err()
                .contains("stronger")
        );
        assert!(Password::parse("alicealice2024", &["alice"]).is_err());
        // 73 bytes: refused, never truncated.
        let long = "xQ7!vR2#mK9@".repeat(6) + "z";
        assert_eq!(long.len(), 73);
        assert!(
            Password::parse(&long, &[])
                .unwrap_err()
                .contains("at most 72 bytes")
        );
        assert!(Password::parse(&long[..72], &[]).is_ok());
    }
}
