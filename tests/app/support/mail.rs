//! Mail the app wrote into its mail directory.

use std::path::PathBuf;

use super::app::TestApp;

/// A mail the app wrote into `MAIL_DIR`.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl TestApp {
    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.join("mail")
    }

    /// Every mail so far, oldest first.
    pub fn mails(&self) -> Vec<Mail> {
        let Ok(entries) = std::fs::read_dir(self.mail_dir()) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| parse_mail(&std::fs::read_to_string(p).unwrap()))
            .collect()
    }

    pub fn mails_to(&self, to: &str) -> Vec<Mail> {
        self.mails()
            .into_iter()
            .filter(|m| m.to.eq_ignore_ascii_case(to))
            .collect()
    }

    /// The newest mail to `to`; fails the test when there is none.
    pub fn last_mail_to(&self, to: &str) -> Mail {
        self.mails_to(to)
            .pop()
            .unwrap_or_else(|| panic!("no mail to {to}"))
    }
}

pub fn parse_mail(raw: &str) -> Mail {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw
        .split_once("\n\n")
        .expect("a mail has headers and a body");
    // Unfold continued header lines.
    let head = head.replace("\n ", " ").replace("\n\t", " ");
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
            .unwrap_or_default()
    };
    let body = match header("Content-Transfer-Encoding")
        .to_ascii_lowercase()
        .as_str()
    {
        "quoted-printable" => decode_quoted_printable(body),
        "base64" => {
            use base64::Engine;
            let joined: String = body.split_whitespace().collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(joined)
                    .unwrap(),
            )
            .unwrap()
        }
        _ => body.to_string(),
    };
    let to = header("To");
    let to = match (to.find('<'), to.find('>')) {
        (Some(a), Some(b)) => to[a + 1..b].to_string(),
        _ => to,
    };
    Mail {
        to,
        subject: header("Subject"),
        body,
    }
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(hex) = joined.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// The path of the first link in `body` on this site whose path starts with `prefix`.
pub fn extract_link(app: &TestApp, body: &str, prefix: &str) -> String {
    let start = format!("{}{prefix}", app.address);
    let at = body
        .find(&start)
        .unwrap_or_else(|| panic!("no link {start}… in:\n{body}"));
    let link: String = body[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    link[app.address.len()..].to_string()
}
