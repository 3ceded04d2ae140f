//! Who is asking: `Visitor` for any page, `CurrentUser` for pages that need a signed-in user.
//! Both read the user the session store loaded from the database for this very request.

use std::future::{Ready, ready};

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use actix_web_flash_messages::{IncomingFlashMessages, Level};

use crate::auth::csrf;
use crate::auth::session_store::{SESSION_ROW, SESSION_USER, SessionUser};
use crate::domain::ids::UserId;
use crate::error::AppError;
use crate::pages::{Flash, FlashLevel, Layout, NavUser};

/// Any visitor, signed in or not, with what the layout needs.
pub struct Visitor {
    pub user: Option<SessionUser>,
    pub session: Session,
    pub layout: Layout,
}

impl Visitor {
    fn from_request(req: &HttpRequest) -> Self {
        let session = req.get_session();
        let user: Option<SessionUser> = session.get(SESSION_USER).ok().flatten();
        let flashes = IncomingFlashMessages::extract(req)
            .into_inner()
            .map(|messages| {
                messages
                    .iter()
                    .map(|m| {
                        let level = if m.level() == Level::Error {
                            FlashLevel::Error
                        } else {
                            FlashLevel::Info
                        };
                        Flash::from_content(level, m.content())
                    })
                    .collect()
            })
            .unwrap_or_default();
        let layout = Layout {
            user: user.as_ref().map(|u| NavUser {
                username: u.username.clone(),
                is_staff: u.is_staff,
            }),
            csrf_token: csrf::token_for(req),
            flashes,
        };
        Visitor {
            user,
            session,
            layout,
        }
    }
}

impl FromRequest for Visitor {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Visitor::from_request(req)))
    }
}

/// A signed-in user; anyone else is sent to the login page and brought back afterwards.
pub struct CurrentUser {
    pub user: SessionUser,
    pub session: Session,
    pub layout: Layout,
}

impl CurrentUser {
    pub fn id(&self) -> UserId {
        self.user.id
    }

    /// The `user_sessions` row of this browser.
    pub fn session_row(&self) -> Option<i32> {
        self.session
            .get::<String>(SESSION_ROW)
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok())
            .or_else(|| self.session.get::<i32>(SESSION_ROW).ok().flatten())
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let visitor = Visitor::from_request(req);
        ready(match visitor.user {
            Some(user) => Ok(CurrentUser {
                user,
                session: visitor.session,
                layout: visitor.layout,
            }),
            None => {
                let next = match req.query_string() {
                    "" => req.path().to_string(),
                    query => format!("{}?{query}", req.path()),
                };
                Err(AppError::LoginRequired(next))
            }
        })
    }
}

/// A signed-in staff member, for everything under `/admin`. The session store reads the
/// user from the database on every request, so a demotion or a deactivation takes effect
/// on the very next one. Anyone not signed in is sent to log in; a signed-in user who is
/// not staff gets the same 404 as any unknown page, so the admin area is not advertised.
pub struct StaffUser {
    pub user: SessionUser,
    pub session: Session,
    pub layout: Layout,
}

impl StaffUser {
    pub fn id(&self) -> UserId {
        self.user.id
    }
}

impl FromRequest for StaffUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in = CurrentUser::from_request(req, payload).into_inner();
        ready(match signed_in {
            Ok(current) if current.user.is_staff => Ok(StaffUser {
                user: current.user,
                session: current.session,
                layout: current.layout,
            }),
            Ok(_) => Err(AppError::NotFound),
            Err(e) => Err(e),
        })
    }
}
