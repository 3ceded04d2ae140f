//! Static assets, built into the binary and served under content-hashed URLs so browsers
//! may cache them for a year: a changed file gets a new URL.

use std::collections::HashMap;
use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;

use crate::error::AppError;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Static;

/// Path → first 12 hex digits of the file's SHA-256, computed once.
static HASHES: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    Static::iter()
        .filter_map(|path| {
            let file = Static::get(&path)?;
            let hash = hex::encode(file.metadata.sha256_hash());
            Some((path.to_string(), hash[..12].to_string()))
        })
        .collect()
});

/// The URL of an asset for templates: `/static/css/app.css?v=<hash>`.
pub fn url(path: &str) -> String {
    match HASHES.get(path) {
        Some(hash) => format!("/static/{path}?v={hash}"),
        None => format!("/static/{path}"),
    }
}

/// Serves `/static/{path}`. A request with the current hash is cached for a year; any
/// other is revalidated, so a stale link never pins an old file.
pub async fn serve(req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let path = path.into_inner();
    let file = Static::get(&path).ok_or(AppError::NotFound)?;
    let hash = HASHES.get(&path).map(String::as_str).unwrap_or_default();
    let versioned = req.query_string() == format!("v={hash}");
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=0, must-revalidate"
    };
    let etag = format!("\"{hash}\"");
    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .content_type(file.metadata.mimetype())
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ETAG, etag))
        .body(file.data.into_owned()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_carry_the_content_hash() {
        let url = super::url("css/app.css");
        assert!(url.starts_with("/static/css/app.css?v="), "{url}");
        assert_eq!(url.len(), "/static/css/app.css?v=".len() + 12);
    }
}
