//! A form sent back after its step failed: what was typed, and the error next to its field
//! (templates/forms.html draws the fields).

use domain::Error;

/// The fields of a form whose errors name them: (field, the words its messages use).
pub(crate) type FieldWords = &'static [(&'static str, &'static str)];

#[derive(Default)]
pub(crate) struct FormState {
    /// The form that failed (its step key); empty when none did.
    pub(crate) step: String,
    field: String,
    message: String,
    values: Vec<(String, String)>,
}

impl FormState {
    /// `err` for the form `step`, placed at the first field its message names, else at the form.
    pub(crate) fn failed(step: &str, fields: FieldWords, err: &Error, values: Vec<(String, String)>) -> Self {
        let message = crate::errors::public_message(err);
        let field = fields.iter().find(|(_, words)| message.contains(words)).map(|(f, _)| *f).unwrap_or_default();
        FormState { step: step.to_owned(), field: field.to_owned(), message, values }
    }

    /// The error of one field of `step` with the given message.
    pub(crate) fn at(step: &str, field: &str, message: &str, values: Vec<(String, String)>) -> Self {
        FormState { step: step.to_owned(), field: field.to_owned(), message: message.to_owned(), values }
    }

    /// What was typed into `name` of the form `step`, if it failed.
    pub(crate) fn value(&self, step: &str, name: &str) -> &str {
        if self.step != step || name == "csrf" {
            return "";
        }
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).unwrap_or_default()
    }

    /// Every value typed into `name` of the form `step` (checkboxes), if it failed.
    pub(crate) fn values(&self, step: &str, name: &str) -> Vec<&str> {
        if self.step != step || name == "csrf" {
            return Vec::new();
        }
        self.values.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect()
    }

    /// What was typed into `name` of `step`, or `default` when that form did not fail.
    pub(crate) fn value_or(&self, step: &str, name: &str, default: &str) -> String {
        if self.step == step { self.value(step, name).to_owned() } else { default.to_owned() }
    }

    /// The error to show next to `field` of `step`.
    pub(crate) fn error(&self, step: &str, field: &str) -> &str {
        if self.step == step && self.field == field && !field.is_empty() { &self.message } else { "" }
    }

    /// An error that names no field: shown above the forms.
    pub(crate) fn general(&self) -> &str {
        if self.field.is_empty() { &self.message } else { "" }
    }
}

/// Whether a search by name (`find`, any case) leaves out a choice labelled `label`; a chosen one
/// is never left out, so that saving keeps it.
pub(crate) fn left_out(label: &str, find: &str, chosen: bool) -> bool {
    let find = find.trim().to_lowercase();
    !chosen && !find.is_empty() && !label.to_lowercase().contains(&find)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_go_to_the_field_they_name() {
        let fields: FieldWords = &[("tracking_no", "快递单号")];
        let values = vec![("tracking_no".to_owned(), "SF123".to_owned()), ("csrf".to_owned(), "t".to_owned())];
        let f = FormState::failed("deliver", fields, &Error::invalid("邮寄送达须填写快递单号"), values);
        assert_eq!(f.error("deliver", "tracking_no"), "邮寄送达须填写快递单号");
        assert_eq!(f.error("accept", "tracking_no"), "");
        assert_eq!(f.general(), "");
        assert_eq!(f.value("deliver", "tracking_no"), "SF123");
        assert_eq!(f.value("deliver", "csrf"), "");
        assert_eq!(f.value("accept", "tracking_no"), "");
        assert_eq!(f.value_or("deliver", "tracking_no", "x"), "SF123");
        assert_eq!(f.value_or("accept", "tracking_no", "x"), "x");
        assert_eq!(f.values("deliver", "tracking_no"), ["SF123"]);
        assert!(f.values("deliver", "csrf").is_empty());
        let g = FormState::failed("deliver", fields, &Error::conflict("办件已被他人同时办理"), Vec::new());
        assert_eq!(g.general(), "办件已被他人同时办理");
    }

    #[test]
    fn a_search_by_name_never_leaves_out_what_is_chosen() {
        assert!(!left_out("教师资格认定", "", false));
        assert!(!left_out("教师资格认定", " 资格 ", false));
        assert!(left_out("教师资格认定", "户口", false));
        assert!(!left_out("教师资格认定", "户口", true));
        assert!(!left_out("王小明（Wang01）", "wang", false));
    }
}
