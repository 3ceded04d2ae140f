//! What `base.html` shows on every page, error pages included: who is signed in, the CSRF
//! token for forms, and flash messages. A leaf: it imports nothing of the crate, so that
//! the error pages (`error`) and the pages (`pages`) can both use it.

/// The signed-in user as the navigation shows them.
#[derive(Clone, Debug)]
pub struct NavUser {
    pub username: String,
    pub is_staff: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlashLevel {
    Info,
    Error,
}

#[derive(Clone, Debug)]
pub struct Flash {
    pub level: FlashLevel,
    pub message: String,
}

impl Flash {
    pub fn is_error(&self) -> bool {
        self.level == FlashLevel::Error
    }
}

/// Data `base.html` needs; every page struct has it as its `layout` field.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub user: Option<NavUser>,
    pub csrf_token: String,
    pub flashes: Vec<Flash>,
}

impl Layout {
    pub fn anonymous() -> Self {
        Layout::default()
    }
}
