//! Where flash messages travel between a POST and the page it redirects to: a signed
//! cookie, as actix-web-flash-messages keeps them, with two changes. The cookie is cleared
//! only when the request brought one (not with a `Set-Cookie` on every response), and the
//! clearing cookie carries the same `Secure` and `HttpOnly` attributes as the cookie itself,
//! without which a browser refuses to touch a `__Host-` cookie.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, Key, SameSite, time::Duration};
use actix_web::dev::ResponseHead;
use actix_web::http::header::{self, HeaderValue};
use actix_web_flash_messages::FlashMessage;

use crate::domain::ids::DeletedItemId;
use actix_web_flash_messages::storage::{
    CookieMessageStore, FlashMessageStore, LoadError, StoreError,
};

/// Sends an info flash shown beside the element `place` of the page the response leads to
/// (which must render `flashes_at(place)`), rather than at its top.
pub fn info_at(place: &str, message: &str) {
    FlashMessage::info(crate::layout::Flash::placed(place, message)).send();
}

/// Like `info_at`, for a warning (something the user asked for did not happen).
pub fn warning_at(place: &str, message: &str) {
    FlashMessage::warning(crate::layout::Flash::placed(place, message)).send();
}

/// Sends an info flash reporting a delete, with an "Undo" button that puts it back; beside
/// the element `place` (`None`: at the top of the page).
pub fn deleted(place: Option<&str>, message: &str, undo: DeletedItemId) {
    FlashMessage::info(crate::layout::Flash::with_undo(place, message, undo.0)).send();
}

pub struct FlashCookie {
    signed: CookieMessageStore,
    name: String,
    secure: bool,
}

impl FlashCookie {
    pub fn new(key: Key, name: String, secure: bool) -> Self {
        FlashCookie {
            signed: CookieMessageStore::builder(key)
                .cookie_name(name.clone())
                .build(),
            name,
            secure,
        }
    }
}

impl FlashMessageStore for FlashCookie {
    fn load(&self, request: &HttpRequest) -> Result<Vec<FlashMessage>, LoadError> {
        self.signed.load(request)
    }

    fn store(
        &self,
        messages: &[FlashMessage],
        request: HttpRequest,
        response: &mut ResponseHead,
    ) -> Result<(), StoreError> {
        if !messages.is_empty() {
            return self.signed.store(messages, request, response);
        }
        if request.cookie(&self.name).is_none() {
            return Ok(());
        }
        let removal = Cookie::build(self.name.clone(), "")
            .path("/")
            .secure(self.secure)
            .http_only(true)
            .same_site(SameSite::Lax)
            .max_age(Duration::seconds(0))
            .finish();
        let value = HeaderValue::from_str(&removal.to_string())
            .map_err(|e| StoreError::GenericError(e.into()))?;
        response.headers_mut().append(header::SET_COOKIE, value);
        Ok(())
    }
}
