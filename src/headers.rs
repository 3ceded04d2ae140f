//! The security headers every response carries (the middleware adds them; error pages
//! raised by middleware carry them themselves). A leaf, like `layout`.

use actix_web::http::header;

/// No inline script anywhere; map tiles are the one outside source of images.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; \
                   connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; \
                   form-action 'self'; frame-ancestors 'none'";

pub const SECURITY_HEADERS: [(header::HeaderName, &str); 4] = [
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "same-origin"),
    (header::CONTENT_SECURITY_POLICY, CSP),
];
