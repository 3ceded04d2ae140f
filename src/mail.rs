//! Outgoing mail: SMTP when `SMTP_URL` is set; otherwise each message is written as an
//! `.eml` file into `MAIL_DIR`, for development and tests. Bodies are never logged: they
//! carry reset and verification links.

use std::path::{Path, PathBuf};

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Settings;

#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let from: Mailbox = settings
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("MAIL_FROM is not a mail address ({e})"))?;
        let transport = match &settings.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|e| anyhow::anyhow!("SMTP_URL is not valid: {e}"))?
                    .build(),
            ),
            None => Transport::Files(settings.mail_dir.clone()),
        };
        Ok(Mailer { from, transport })
    }

    /// Sends a plain-text mail. Failures are returned for the caller to report; they never
    /// undo what the request already did.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.parse()?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
                tracing::info!(subject, "mail sent");
            }
            Transport::Files(dir) => {
                let name = format!(
                    "{}-{:08x}",
                    chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f"),
                    rand::random::<u32>()
                );
                let path = dir.join(format!("{name}.eml"));
                let (dir, final_path, bytes) = (dir.clone(), path.clone(), message.formatted());
                tokio::task::spawn_blocking(move || write_whole(&dir, &name, &final_path, &bytes))
                    .await??;
                tracing::info!(subject, path = %path.display(), "mail written to file");
            }
        }
        Ok(())
    }
}

/// Writes a mail file so that a reader of the directory sees all of it or nothing: written
/// under a temporary name, synced, then renamed. Readable by the server's user only, from
/// creation: mails carry links.
fn write_whole(dir: &Path, name: &str, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::create_dir_all(dir)?;
    let partial = dir.join(format!(".{name}.partial"));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&partial, path)
}
