//! How an edit form saves over someone else's save. Every edit form carries `version` (the
//! row's, for the compare-and-set) and `base`: its own fields as it was opened, as JSON.
//! When the version turns out stale, each field is merged three ways (`domain::merge`)
//! against the row as the form would show it now. If no field was changed on both sides,
//! the merged form is saved at once over the current version; otherwise the form comes back
//! (409) with the merge, both values of each clash, the current version and, as its base,
//! the current values, so that saving again writes only what this user changed. Without a
//! readable `base` nothing can tell who changed what: the form comes back with what was
//! typed, as it is.
//!
//! A form only needs `Serialize`, `Deserialize` and its `version` and `base` fields (all
//! `String`s): the merge goes by field name, so a new field needs no code here.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use diesel::PgConnection;

use crate::domain::field_errors::FieldNote;
use crate::domain::ids::PlanId;
use crate::domain::merge::{Fields, ThreeWay, three_way};
use crate::pages::FieldErrors;
use crate::services::{ServiceResult, history};
use crate::views::itinerary::LastChange;

/// The form's fields that say how it was opened rather than what it holds.
const VERSION: &str = "version";
const BASE: &str = "base";

/// Forms whose fields take more than this as JSON carry no base (and merge as unknown).
pub const MAX_BASE_BYTES: usize = 128 * 1024;

/// How many times a merged save is tried before the form comes back (each try is a
/// compare-and-set on the version it just read).
const MAX_TRIES: usize = 3;

/// `form` as it is opened: its `base` holds its own fields.
pub fn opened<F: Serialize + DeserializeOwned>(form: F) -> F {
    let Some(mut map) = to_map(&form) else {
        return form;
    };
    let base = serde_json::to_string(&fields(&map)).unwrap_or_default();
    let base = if base.len() <= MAX_BASE_BYTES {
        base
    } else {
        String::new()
    };
    map.insert(BASE.into(), Value::String(base));
    from_map(map).unwrap_or(form)
}

fn to_map<F: Serialize>(form: &F) -> Option<Map<String, Value>> {
    match serde_json::to_value(form) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

fn from_map<F: DeserializeOwned>(map: Map<String, Value>) -> Option<F> {
    serde_json::from_value(Value::Object(map)).ok()
}

/// What a form holds, without how it was opened.
fn fields(map: &Map<String, Value>) -> Fields {
    map.iter()
        .filter(|(name, _)| *name != VERSION && *name != BASE)
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// The fields a form was opened with, if its `base` can be read.
fn read_base(map: &Map<String, Value>) -> Option<Fields> {
    let raw = map.get(BASE)?.as_str()?;
    if raw.len() > MAX_BASE_BYTES {
        return None;
    }
    serde_json::from_str(raw).ok()
}

/// What one try at saving a form came to.
#[derive(Debug)]
pub enum Attempt<S, I, C> {
    Saved(S),
    /// Refused beside its fields (`I`: what the form's page needs); nothing was written.
    Invalid(I, FieldErrors),
    /// The row changed since the form's version; `C` holds it as it is now.
    Conflict(C),
}

/// What saving a form came to, after merging where it had to.
#[derive(Debug)]
pub enum Outcome<F, S, I, C> {
    /// Saved; `Merge` names what someone else had changed meanwhile (nothing, mostly).
    Saved(S, Merge),
    /// Nothing written: the form to show again with its errors (the merged one, after a
    /// merge).
    Invalid(I, F, FieldErrors, Merge),
    /// Nothing written: the row as it is now, and the form to show over it.
    Conflict(C, F, Merge),
}

/// Saves `mine` with `attempt`, merging it over the current row (`shown`: the row as the
/// form shows it when opened) each time the version turns out stale. `labels` names the
/// form's fields in the order it shows them, for the messages.
pub fn save<F, S, I, C, E>(
    mine: F,
    labels: &[(&str, &str)],
    shown: impl Fn(&C) -> F,
    mut attempt: impl FnMut(&F) -> Result<Attempt<S, I, C>, E>,
) -> Result<Outcome<F, S, I, C>, E>
where
    F: Serialize + DeserializeOwned,
{
    let (mut form, mut merge, mut tries) = (mine, Merge::default(), 0);
    loop {
        tries += 1;
        let current = match attempt(&form)? {
            Attempt::Saved(saved) => return Ok(Outcome::Saved(saved, merge)),
            Attempt::Invalid(page, errors) => {
                return Ok(Outcome::Invalid(page, form, errors, merge));
            }
            Attempt::Conflict(current) => current,
        };
        let theirs = shown(&current);
        let Some((merged, clashes)) = rebase(&form, &theirs, labels, &mut merge) else {
            // Nothing tells who changed what: what was typed, over the current version.
            let form = with_opening(&form, &theirs).unwrap_or(form);
            return Ok(Outcome::Conflict(current, form, merge));
        };
        if clashes || tries == MAX_TRIES {
            return Ok(Outcome::Conflict(current, merged, merge));
        }
        form = merged;
    }
}

/// `form` merged over `theirs` (the current row as opened), carrying theirs' version and
/// base; whether a field clashed. `None` when `form`'s base cannot be read.
fn rebase<F>(form: &F, theirs: &F, labels: &[(&str, &str)], merge: &mut Merge) -> Option<(F, bool)>
where
    F: Serialize + DeserializeOwned,
{
    let (mine, theirs) = (to_map(form)?, to_map(theirs)?);
    let base = read_base(&mine)?;
    let their_fields = fields(&theirs);
    let three = three_way(&fields(&mine), &base, &their_fields)?;
    let merged = from_map(over(three.merged.clone().into_iter().collect(), &theirs))?;
    merge.record(&three, &their_fields, labels);
    Some((merged, !three.clashes.is_empty()))
}

/// `form` as typed, with the version and base of `theirs`.
fn with_opening<F: Serialize + DeserializeOwned>(form: &F, theirs: &F) -> Option<F> {
    from_map(over(to_map(form)?, &to_map(theirs)?))
}

/// A form's fields with the version and base of `theirs`: the form over the current row.
fn over(mut fields: Map<String, Value>, theirs: &Map<String, Value>) -> Map<String, Value> {
    for meta in [VERSION, BASE] {
        fields.insert(meta.into(), theirs.get(meta).cloned().unwrap_or_default());
    }
    fields
}

/// A save merged with someone else's, for the form and the messages: the fields they changed
/// since the form was opened, in the form's order.
#[derive(Debug, Default)]
pub struct Merge {
    merged: bool,
    changed: Vec<Change>,
    /// Who changed the plan meanwhile, and when (`attributed`).
    by: Option<LastChange>,
}

impl<F, S, I, C> Outcome<F, S, I, C> {
    /// How many of the plan's newest changes are this save's own: on an answer that shows
    /// someone else's save (a merge or a conflict), `Some`; otherwise nothing to say.
    fn own_changes(&self) -> Option<usize> {
        match self {
            Outcome::Saved(_, merge) if !merge.changed.is_empty() => Some(1),
            Outcome::Conflict(..) => Some(0),
            Outcome::Saved(..) | Outcome::Invalid(..) => None,
        }
    }

    fn merge_mut(&mut self) -> &mut Merge {
        match self {
            Outcome::Saved(_, merge)
            | Outcome::Invalid(.., merge)
            | Outcome::Conflict(.., merge) => merge,
        }
    }
}

/// `outcome`, saying who changed plan `plan_id` last (besides this save) and how long ago
/// when it is a merge or a conflict: "changed by Ana 2 minutes ago". One statement, on
/// those answers only.
pub fn attributed<F, S, I, C>(
    conn: &mut PgConnection,
    plan_id: PlanId,
    mut outcome: Outcome<F, S, I, C>,
) -> ServiceResult<Outcome<F, S, I, C>> {
    let Some(own) = outcome.own_changes() else {
        return Ok(outcome);
    };
    let by = history::latest_before(conn, plan_id, own)?;
    let now = chrono::Utc::now();
    outcome.merge_mut().by = by.map(|c| LastChange::new(c.username.as_deref(), c.created_at, now));
    Ok(outcome)
}

/// A field someone else changed since the form was opened.
#[derive(Debug)]
pub struct Change {
    pub field: String,
    pub label: String,
    pub note: FieldNote,
}

impl Merge {
    fn record(&mut self, three: &ThreeWay, theirs: &Fields, labels: &[(&str, &str)]) {
        self.merged = true;
        let clashes = three.clashes.iter().map(|f| (f, true));
        for (field, clash) in three.taken.iter().map(|f| (f, false)).chain(clashes) {
            self.changed.retain(|c| c.field != *field);
            self.changed.push(Change {
                field: field.clone(),
                label: label(labels, field),
                note: match clash {
                    true => FieldNote::SavedMeanwhile(display(theirs.get(field))),
                    false => FieldNote::Taken,
                },
            });
        }
        let place = |field: &str| labels.iter().position(|(f, _)| *f == field);
        self.changed
            .sort_by_key(|c| (place(&c.field).unwrap_or(labels.len()), c.field.clone()));
    }

    /// Whether the form was merged with someone else's save (its notice shows the merge).
    pub fn is_merged(&self) -> bool {
        self.merged
    }

    pub fn changed(&self) -> &[Change] {
        &self.changed
    }

    /// Who changed the plan meanwhile, when known.
    pub fn by(&self) -> Option<&LastChange> {
        self.by.as_ref()
    }

    /// `errors` with a note beside each field someone else changed.
    pub fn mark(&self, mut errors: FieldErrors) -> FieldErrors {
        for change in &self.changed {
            errors.add_note(&change.field, change.note.clone());
        }
        errors
    }

    pub fn has_taken(&self) -> bool {
        self.changed.iter().any(|c| c.note == FieldNote::Taken)
    }

    pub fn has_clashes(&self) -> bool {
        self.changed.iter().any(|c| c.note != FieldNote::Taken)
    }

    /// The message after a save: `saved`, and what it was combined with.
    pub fn saved_message(&self, saved: &str) -> String {
        if self.changed.is_empty() {
            return saved.to_string();
        }
        let labels: Vec<&str> = self.changed.iter().map(|c| c.label.as_str()).collect();
        let who = match &self.by {
            Some(by) => format!("{} had changed it {}", by.by, by.ago),
            None => "Someone else had changed it meanwhile".to_string(),
        };
        format!(
            "{saved} {who}; your changes are combined with theirs ({}).",
            labels.join(", ")
        )
    }
}

/// The field's label on its form, or its name made readable.
fn label(labels: &[(&str, &str)], field: &str) -> String {
    if let Some((_, label)) = labels.iter().find(|(f, _)| *f == field) {
        return label.to_string();
    }
    let words = field.replace('_', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A field's value as the note beside it shows it.
fn display(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(default)]
    struct Form {
        title: String,
        budget: String,
        version: String,
        base: String,
    }

    fn form(title: &str, budget: &str, version: &str) -> Form {
        Form {
            title: title.into(),
            budget: budget.into(),
            version: version.into(),
            base: String::new(),
        }
    }

    const LABELS: [(&str, &str); 2] = [("title", "Title"), ("budget", "Budget")];

    /// Saves `mine` against a row that is `theirs` until a save comes with its version.
    fn save_over(mine: Form, theirs: &Form) -> (Outcome<Form, Form, (), Form>, usize) {
        let mut tries = 0;
        let outcome = save(
            mine,
            &LABELS,
            |row: &Form| opened(row.clone()),
            |f| {
                tries += 1;
                Ok::<_, ()>(if f.version == theirs.version {
                    Attempt::Saved(f.clone())
                } else {
                    Attempt::Conflict(theirs.clone())
                })
            },
        )
        .unwrap();
        (outcome, tries)
    }

    #[test]
    fn an_opened_form_carries_its_fields_as_base() {
        let opened = opened(form("Lisbon", "100", "7"));
        let base: Fields = serde_json::from_str(&opened.base).unwrap();
        assert_eq!(base.keys().collect::<Vec<_>>(), ["budget", "title"]);
        assert_eq!(base["title"], "Lisbon");
    }

    #[test]
    fn different_fields_changed_are_saved_together_over_the_current_version() {
        let mine = Form {
            budget: "200".into(),
            ..opened(form("Lisbon", "100", "1"))
        };
        let theirs = form("Porto", "100", "2");
        let (outcome, tries) = save_over(mine, &theirs);
        let Outcome::Saved(saved, merge) = outcome else {
            panic!("not saved: {outcome:?}")
        };
        assert_eq!(
            (saved.title.as_str(), saved.budget.as_str()),
            ("Porto", "200")
        );
        assert_eq!((saved.version.as_str(), tries), ("2", 2));
        let errors = merge.mark(FieldErrors::default());
        assert_eq!(errors.note("title"), Some(&FieldNote::Taken));
        assert_eq!(errors.note("budget"), None);
        assert!(merge.saved_message("Saved.").contains("(Title)"));
    }

    #[test]
    fn a_field_changed_on_both_sides_comes_back_with_both_values() {
        let mine = Form {
            title: "Mine".into(),
            ..opened(form("Lisbon", "100", "1"))
        };
        let theirs = form("Theirs", "300", "2");
        let (outcome, _) = save_over(mine, &theirs);
        let Outcome::Conflict(_, again, merge) = outcome else {
            panic!("no conflict: {outcome:?}")
        };
        assert_eq!(
            (again.title.as_str(), again.budget.as_str()),
            ("Mine", "300")
        );
        assert_eq!(again.version, "2");
        assert_eq!(
            again.base,
            opened(theirs.clone()).base,
            "base is theirs now"
        );
        let errors = merge.mark(FieldErrors::default());
        assert_eq!(
            errors.note("title"),
            Some(&FieldNote::SavedMeanwhile("Theirs".into()))
        );
        assert_eq!(errors.note("budget"), Some(&FieldNote::Taken));
        let labels: Vec<_> = merge.changed().iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["Title", "Budget"], "in the form's order");
        // Saving that again writes my title only.
        let (outcome, _) = save_over(again, &theirs);
        assert!(
            matches!(outcome, Outcome::Saved(ref s, _) if s.title == "Mine" && s.budget == "300")
        );
    }

    #[test]
    fn without_a_readable_base_the_form_comes_back_as_typed() {
        for base in [
            "",
            "not json",
            "{\"title\": \"Lisbon\"}",
            &"x".repeat(MAX_BASE_BYTES + 1),
        ] {
            let mine = Form {
                base: base.to_string(),
                ..form("Mine", "100", "1")
            };
            let (outcome, tries) = save_over(mine, &form("Theirs", "300", "2"));
            let Outcome::Conflict(_, again, merge) = outcome else {
                panic!("no conflict: {outcome:?}")
            };
            assert_eq!(
                (again.title.as_str(), again.budget.as_str()),
                ("Mine", "100")
            );
            assert_eq!((again.version.as_str(), tries), ("2", 1));
            assert!(!merge.is_merged());
        }
    }

    #[test]
    fn a_field_without_a_label_is_named_readably() {
        assert_eq!(label(&LABELS, "budget"), "Budget");
        assert_eq!(label(&LABELS, "check_in"), "Check in");
    }
}
