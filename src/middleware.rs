//! Cross-cutting rules of every request: security headers, error pages, caching, NUL
//! bytes, and the metrics and slow-request log of each.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, ErrorHandlerResponse, ErrorHandlers};

use crate::error::error_page;
use crate::headers::SECURITY_HEADERS;

/// Headers every response carries unless a handler set its own (share pages set
/// `Referrer-Policy: no-referrer`).
pub fn security_headers(https: bool) -> DefaultHeaders {
    let headers = SECURITY_HEADERS
        .iter()
        .fold(DefaultHeaders::new(), |headers, pair| {
            headers.add(pair.clone())
        });
    if https {
        headers.add((
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        ))
    } else {
        headers
    }
}

/// Gives every error response without an HTML body (actix's own 404/405/413, extractor
/// errors) the site's error page for its status.
pub fn error_pages<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(render_error_page)
}

fn render_error_page<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let retry_after = res.headers().get(header::RETRY_AFTER).cloned();
    let (req, _) = res.into_parts();
    let mut page = error_page(status, None, None);
    if let Some(value) = retry_after {
        page.headers_mut().insert(header::RETRY_AFTER, value);
    }
    let res: ServiceResponse<EitherBody<B, BoxBody>> =
        ServiceResponse::new(req, page).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

/// actix-session answers a failing store with an opaque 500 that no page or header
/// middleware sees: while the database is away, a request carrying a session cookie gets
/// the 503 page (with the security headers `error_page` always carries) like any other.
pub async fn session_errors(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    next.call(req)
        .await
        .map_err(|e| crate::error::AppError::Unavailable(format!("session store: {e}")).into())
}

/// PostgreSQL text cannot hold NUL: a query string with one is refused (400) before any
/// handler sees it. (Form bodies get the same rule where the CSRF check reads them.)
pub async fn reject_nul_in_query(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let has_nul = url::form_urlencoded::parse(req.query_string().as_bytes())
        .any(|(k, v)| k.contains('\0') || v.contains('\0'));
    if has_nul {
        return Err(crate::error::AppError::BadRequest(
            "The address contains a NUL character, which cannot be used.".into(),
        )
        .into());
    }
    next.call(req).await
}

/// Pages are private unless they say otherwise: a response without its own
/// `Cache-Control` (a signed-in user's plans, account and staff pages, and every form with
/// its CSRF token) is never stored by a browser or a proxy. Static files and share pages
/// set their own.
pub async fn no_store_by_default(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    if !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    Ok(res)
}

/// Counts every request by its route pattern (never the raw path: ids and tokens would
/// make endless series and leak share tokens), times it, and logs slow ones with their
/// SQL statement count.
pub async fn measure(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let state = req
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .cloned();
    let method = req.method().to_string();
    let (result, queries) = crate::metrics::counting_queries(next.call(req)).await;
    let res = result?;
    if let Some(state) = state {
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".into());
        let status = res.status().as_u16().to_string();
        let elapsed = started.elapsed();
        state
            .metrics
            .requests
            .with_label_values(&[route.as_str(), method.as_str(), status.as_str()])
            .inc();
        state
            .metrics
            .latency
            .with_label_values(&[route.as_str()])
            .observe(elapsed.as_secs_f64());
        if elapsed > state.settings.slow_request {
            tracing::warn!(
                route,
                method,
                status,
                elapsed_ms = elapsed.as_millis() as u64,
                sql_statements = queries,
                "slow request"
            );
        }
    }
    Ok(res)
}
