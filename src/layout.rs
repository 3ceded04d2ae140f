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
    /// A delete this message reports, which its "Undo" button puts back (`/undo/{id}`).
    pub undo: Option<i32>,
}

/// Separates a flash's parts in the cookie (a control character no message, element id or
/// number holds): place, message, and the delete to undo.
const PART_MARK: char = '\u{1f}';

impl Flash {
    /// A flash's content as sent: `message`, shown beside the element `place`.
    pub fn placed(place: &str, message: &str) -> String {
        format!("{place}{PART_MARK}{message}")
    }

    /// A flash's content as sent: `message` with an "Undo" button for the delete `undo`,
    /// beside the element `place` (`None`: at the top).
    pub fn with_undo(place: Option<&str>, message: &str, undo: i32) -> String {
        let place = place.unwrap_or("");
        format!("{place}{PART_MARK}{message}{PART_MARK}{undo}")
    }

    /// A flash as received.
    pub fn from_content(level: FlashLevel, content: &str) -> Flash {
        let mut parts = content.splitn(3, PART_MARK);
        let (place, message, undo) = match (parts.next(), parts.next(), parts.next()) {
            (Some(place), Some(message), undo) => (
                Some(place).filter(|p| !p.is_empty()),
                message,
                undo.and_then(|id| id.parse().ok()),
            ),
            _ => (None, content, None),
        };
        Flash {
            level,
            message: message.to_string(),
            place: place.map(str::to_string),
            undo,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flash_keeps_its_place_and_its_undo_through_the_cookie() {
        let plain = Flash::from_content(FlashLevel::Info, "Saved.");
        assert_eq!(
            (plain.message.as_str(), plain.place, plain.undo),
            ("Saved.", None, None)
        );
        let placed = Flash::from_content(FlashLevel::Info, &Flash::placed("day-2", "Moved."));
        assert_eq!(placed.place.as_deref(), Some("day-2"));
        assert_eq!((placed.message.as_str(), placed.undo), ("Moved.", None));
        let undo = Flash::with_undo(Some("day-2"), "“Tea” is deleted.", 7);
        let undo = Flash::from_content(FlashLevel::Info, &undo);
        assert_eq!(undo.place.as_deref(), Some("day-2"));
        assert_eq!(
            (undo.message.as_str(), undo.undo),
            ("“Tea” is deleted.", Some(7))
        );
        let top = Flash::from_content(FlashLevel::Info, &Flash::with_undo(None, "Gone.", 8));
        assert_eq!((top.place, top.undo), (None, Some(8)));
    }
}
