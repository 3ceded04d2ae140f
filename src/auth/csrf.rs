//! CSRF protection as Django does it: a secret in a cookie, a masked copy of it in every
//! form (a fresh mask per page, so the token in the HTML never repeats), compared in
//! constant time; plus an `Origin`/`Referer` check. It runs as middleware before any
//! handler, so an unsafe request without a valid token changes nothing.
//!
//! The token comes from the form field `csrf_token` (url-encoded or multipart bodies) or
//! the `X-CSRF-Token` header (scripts).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::StreamExt;
use rand::RngCore;
use subtle::ConstantTimeEq;

use crate::config::cookie_name;
use crate::config::{FORM_LIMIT, UPLOAD_LIMIT};
use crate::error::AppError;
use crate::state::AppState;

/// The cookie's name over http; over https it gets the `__Host-` prefix (`cookie_name`).
pub const COOKIE: &str = "csrftoken";
pub const FIELD: &str = "csrf_token";
const HEADER: &str = "x-csrf-token";
const SECRET_LEN: usize = 32;
const NUL_IN_FORM: &str = "NUL in form";

/// This request's CSRF secret, for rendering forms.
#[derive(Clone, Copy)]
pub struct CsrfSecret([u8; SECRET_LEN]);

impl CsrfSecret {
    fn random() -> Self {
        let mut secret = [0u8; SECRET_LEN];
        rand::rng().fill_bytes(&mut secret);
        CsrfSecret(secret)
    }

    fn from_cookie(value: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(value).ok()?;
        Some(CsrfSecret(bytes.try_into().ok()?))
    }

    fn cookie_value(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// A token for a form: a random pad and the secret XOR the pad.
    pub fn masked_token(&self) -> String {
        let mut pad = [0u8; SECRET_LEN];
        rand::rng().fill_bytes(&mut pad);
        let mut token = pad.to_vec();
        token.extend(pad.iter().zip(self.0).map(|(p, s)| p ^ s));
        URL_SAFE_NO_PAD.encode(token)
    }

    fn accepts(&self, token: &str) -> bool {
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(token.trim()) else {
            return false;
        };
        if bytes.len() != 2 * SECRET_LEN {
            return false;
        }
        let (pad, masked) = bytes.split_at(SECRET_LEN);
        let unmasked: Vec<u8> = pad.iter().zip(masked).map(|(p, m)| p ^ m).collect();
        unmasked.ct_eq(&self.0).into()
    }
}

/// The masked token for this request's forms.
pub fn token_for(req: &HttpRequest) -> String {
    req.extensions()
        .get::<CsrfSecret>()
        .map(CsrfSecret::masked_token)
        .unwrap_or_default()
}

/// A new secret for a response that signs someone in: tokens from before stop working.
pub fn rotate(req: &HttpRequest, secure: bool) -> Cookie<'static> {
    let secret = CsrfSecret::random();
    req.extensions_mut().insert(secret);
    cookie(&secret, secure)
}

fn cookie(secret: &CsrfSecret, secure: bool) -> Cookie<'static> {
    Cookie::build(cookie_name(COOKIE, secure), secret.cookie_value())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish()
}

fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let secure = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.settings.is_https());
    let name = cookie_name(COOKIE, secure);
    let existing = req
        .cookie(&name)
        .and_then(|c| CsrfSecret::from_cookie(c.value()));
    let secret = existing.unwrap_or_else(CsrfSecret::random);
    req.extensions_mut().insert(secret);

    if !is_safe(req.method())
        && let Err(reason) = check(&mut req, existing).await
    {
        // The route's pattern, never the path: paths carry reset and share tokens.
        let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
        tracing::warn!(reason, route, "CSRF check failed");
        let (http_req, _) = req.into_parts();
        let page = match reason {
            "body too large" => AppError::PayloadTooLarge,
            NUL_IN_FORM => AppError::BadRequest(
                "The form contains a NUL character, which cannot be stored. Remove it and try again.".into(),
            ),
            _ => AppError::Forbidden(reason.into()),
        };
        let res = actix_web::ResponseError::error_response(&page);
        return Ok(ServiceResponse::new(http_req, res));
    }

    let mut res = next.call(req).await?.map_into_boxed_body();
    let sets_cookie = res.response().cookies().any(|c| c.name() == name);
    if existing.is_none() && !sets_cookie {
        res.response_mut().add_cookie(&cookie(&secret, secure))?;
    }
    Ok(res)
}

async fn check(req: &mut ServiceRequest, secret: Option<CsrfSecret>) -> Result<(), &'static str> {
    check_origin(req)?;
    let secret = secret.ok_or("no CSRF cookie")?;
    // The body is read (and checked) even when the header carries the token.
    let in_body = token_from_body(req).await?;
    let token = token_outside_body(req).or(in_body).ok_or("no CSRF token")?;
    if secret.accepts(&token) {
        Ok(())
    } else {
        Err("wrong CSRF token")
    }
}

/// A foreign `Origin` (or, without one, a foreign `Referer`) is refused.
fn check_origin(req: &ServiceRequest) -> Result<(), &'static str> {
    let source = req
        .headers()
        .get(header::ORIGIN)
        .or_else(|| req.headers().get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(source) = source else {
        return Ok(()); // Old clients send neither; the token alone decides.
    };
    let source = url::Url::parse(source).map_err(|_| "malformed Origin")?;
    let source_origin = source.origin();
    let conn = req.connection_info();
    let own = url::Url::parse(&format!("{}://{}", conn.scheme(), conn.host()))
        .map(|u| u.origin())
        .ok();
    let public = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.public_url.origin());
    if Some(&source_origin) == own.as_ref() || Some(&source_origin) == public.as_ref() {
        Ok(())
    } else {
        Err("foreign origin")
    }
}

fn token_outside_body(req: &ServiceRequest) -> Option<String> {
    req.headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Reads the token from a form body (url-encoded or multipart), refusing NUL characters,
/// then puts the body back for the handler.
async fn token_from_body(req: &mut ServiceRequest) -> Result<Option<String>, &'static str> {
    let multipart = req.content_type() == "multipart/form-data";
    if !multipart && req.content_type() != "application/x-www-form-urlencoded" {
        return Ok(None);
    }
    let limit = if multipart { UPLOAD_LIMIT } else { FORM_LIMIT };
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| "unreadable body")?;
        if body.len() + chunk.len() > limit {
            return Err("body too large");
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let token = if multipart {
        multipart_field(req.headers(), body.clone(), FIELD).await
    } else {
        // PostgreSQL text cannot hold NUL: refused here for every form at once.
        if url::form_urlencoded::parse(&body).any(|(k, v)| k.contains('\0') || v.contains('\0')) {
            return Err(NUL_IN_FORM);
        }
        url::form_urlencoded::parse(&body)
            .find(|(k, _)| k == FIELD)
            .map(|(_, v)| v.into_owned())
    };
    let (_, mut restored) = actix_http::h1::Payload::create(true);
    restored.unread_data(body);
    req.set_payload(actix_web::dev::Payload::from(restored));
    Ok(token)
}

/// The value of a small text field of a multipart body.
async fn multipart_field(
    headers: &header::HeaderMap,
    body: web::Bytes,
    name: &str,
) -> Option<String> {
    let stream =
        futures_util::stream::once(async move { Ok::<_, actix_web::error::PayloadError>(body) });
    let mut form = actix_multipart::Multipart::new(headers, stream);
    while let Some(Ok(mut field)) = form.next().await {
        if field.name() == Some(name) {
            let bytes = field.bytes(1024).await.ok()?.ok()?;
            return String::from_utf8(bytes.to_vec()).ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_tokens_differ_but_all_unmask_to_the_secret() {
        let secret = CsrfSecret::random();
        let a = secret.masked_token();
        let b = secret.masked_token();
        assert_ne!(a, b);
        assert!(secret.accepts(&a) && secret.accepts(&b));
        assert!(!CsrfSecret::random().accepts(&a));
        assert!(!secret.accepts("garbage"));
        assert!(
            !secret.accepts(&secret.cookie_value()),
            "the bare secret is not a token"
        );
    }
}
