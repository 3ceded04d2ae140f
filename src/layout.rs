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
    /// The id of the element of the page it leads to that the message belongs beside
    /// (the card or day the user acted on); `None`: the top of the page.
    pub place: Option<String>,
}

/// Separates a placed flash's place from its message in the cookie (a control character
/// no message or element id holds).
const PLACE_MARK: char = '\u{1f}';

impl Flash {
    /// A flash's content as sent: `message`, shown beside the element `place`.
    pub fn placed(place: &str, message: &str) -> String {
        format!("{place}{PLACE_MARK}{message}")
    }

    /// A flash as received.
    pub fn from_content(level: FlashLevel, content: &str) -> Flash {
        let (place, message) = match content.split_once(PLACE_MARK) {
            Some((place, message)) => (Some(place.to_string()), message),
            None => (None, content),
        };
        Flash {
            level,
            message: message.to_string(),
            place,
        }
    }

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

    /// The flashes for the top of the page.
    pub fn page_flashes(&self) -> impl Iterator<Item = &Flash> {
        self.flashes.iter().filter(|f| f.place.is_none())
    }

    /// The flashes that belong beside the element `place`.
    pub fn flashes_at<'a>(&'a self, place: &'a str) -> impl Iterator<Item = &'a Flash> {
        self.flashes
            .iter()
            .filter(move |f| f.place.as_deref() == Some(place))
    }
}
