//! The three-way merge of one form's fields: what the user submitted (mine), what the form
//! was opened with (base) and what is saved now (theirs). A field only one side changed
//! takes that side's value, so a save that met someone else's keeps both people's changes
//! and never reverts a field its user left alone; a field both changed differently is a
//! clash for the user to settle.

use std::collections::BTreeMap;

use serde_json::Value;

/// A form's fields by name, as the form shows and submits them.
pub type Fields = BTreeMap<String, Value>;

/// What came of merging one form's fields.
#[derive(Debug, Default, PartialEq)]
pub struct ThreeWay {
    /// Mine where only I changed a field or we both did, theirs everywhere else.
    pub merged: Fields,
    /// The fields only they changed: theirs is in `merged`.
    pub taken: Vec<String>,
    /// The fields we both changed, to different values: mine is in `merged`.
    pub clashes: Vec<String>,
}

/// Merges `mine` and `theirs` over `base`, field by field. `None` when `base` or `theirs`
/// lacks one of my fields: nothing can then tell who changed it.
pub fn three_way(mine: &Fields, base: &Fields, theirs: &Fields) -> Option<ThreeWay> {
    let mut out = ThreeWay::default();
    for (field, my) in mine {
        let (base, their) = (base.get(field)?, theirs.get(field)?);
        let value = if same(my, base) || same(my, their) {
            if !same(their, base) && !same(my, their) {
                out.taken.push(field.clone());
            }
            their
        } else {
            if !same(their, base) {
                out.clashes.push(field.clone());
            }
            my
        };
        out.merged.insert(field.clone(), value.clone());
    }
    Some(out)
}

/// Whether two values of a field are the same as a browser submits them: a textarea sends
/// its line breaks as CRLF whatever the page held.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(a), Value::String(b)) => line_feeds(a) == line_feeds(b),
        _ => a == b,
    }
}

fn line_feeds(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect()
    }

    #[test]
    fn each_side_keeps_the_fields_it_changed() {
        let base = fields(&[("title", "Lisbon"), ("budget", "100"), ("notes", "")]);
        let mine = fields(&[("title", "Lisbon"), ("budget", "200"), ("notes", "")]);
        let theirs = fields(&[("title", "Porto"), ("budget", "100"), ("notes", "")]);
        let merged = three_way(&mine, &base, &theirs).unwrap();
        assert_eq!(
            merged.merged,
            fields(&[("title", "Porto"), ("budget", "200"), ("notes", "")])
        );
        assert_eq!(merged.taken, ["title"]);
        assert!(merged.clashes.is_empty());
    }

    #[test]
    fn a_field_both_changed_differently_is_a_clash_holding_mine() {
        let base = fields(&[("title", "Lisbon"), ("budget", "100")]);
        let mine = fields(&[("title", "Mine"), ("budget", "300")]);
        let theirs = fields(&[("title", "Theirs"), ("budget", "300")]);
        let merged = three_way(&mine, &base, &theirs).unwrap();
        assert_eq!(
            merged.merged,
            fields(&[("title", "Mine"), ("budget", "300")])
        );
        assert_eq!(merged.clashes, ["title"]);
        assert!(
            merged.taken.is_empty(),
            "the same change on both sides is no news"
        );
    }

    #[test]
    fn line_breaks_as_a_browser_sends_them_are_no_change() {
        let base = fields(&[("notes", "one\ntwo")]);
        let mine = fields(&[("notes", "one\r\ntwo")]);
        let theirs = fields(&[("notes", "one\ntwo, and three")]);
        let merged = three_way(&mine, &base, &theirs).unwrap();
        assert_eq!(merged.merged, theirs);
        assert_eq!(merged.taken, ["notes"]);
    }

    #[test]
    fn a_base_without_one_of_the_fields_tells_nothing() {
        let mine = fields(&[("title", "A"), ("nights", "2")]);
        let base = fields(&[("title", "A")]);
        assert_eq!(three_way(&mine, &base, &mine), None);
    }
}
