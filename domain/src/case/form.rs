//! The application form (申请表单) of a case: JSON from outside, bounded before it is stored.

use std::io;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::text::{self, TextKind};

/// The largest form, serialized.
pub const MAX_FORM_BYTES: usize = 64 * 1024;
/// The deepest nesting of objects and arrays (the form itself is level 1).
pub const MAX_FORM_DEPTH: usize = 8;
/// The most keys of all its objects together.
pub const MAX_FORM_KEYS: usize = 500;
/// The longest key.
pub const MAX_FORM_KEY_CHARS: usize = 100;
/// The longest string value.
pub const MAX_FORM_VALUE_CHARS: usize = 5_000;

const WHAT: &str = "申请表单";

/// A form that is a JSON object within every bound: size, depth, number of keys, and the text
/// rule for every key and string value.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseForm(Value);

impl CaseForm {
    /// `null` is no form.
    pub fn parse_optional(v: Option<Value>) -> Result<Option<CaseForm>> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(v) => CaseForm::parse(v).map(Some),
        }
    }

    pub fn parse(v: Value) -> Result<CaseForm> {
        if !v.is_object() {
            return Err(Error::invalid(format!("{WHAT}应为JSON对象")));
        }
        // Depth first, without recursion, so that the size check below recurses boundedly.
        let mut stack = vec![(&v, 1usize)];
        while let Some((node, depth)) = stack.pop() {
            let children: Box<dyn Iterator<Item = &Value>> = match node {
                Value::Object(m) => Box::new(m.values()),
                Value::Array(a) => Box::new(a.iter()),
                _ => continue,
            };
            if depth > MAX_FORM_DEPTH {
                return Err(Error::invalid(format!("{WHAT}嵌套不能超过{MAX_FORM_DEPTH}层")));
            }
            stack.extend(children.map(|c| (c, depth + 1)));
        }
        let mut size = SizeLimit(0);
        if serde_json::to_writer(&mut size, &v).is_err() {
            return Err(Error::invalid(format!("{WHAT}不能超过{}KB", MAX_FORM_BYTES / 1024)));
        }
        let mut keys = 0usize;
        let mut stack = vec![(&v, "")];
        while let Some((node, key)) = stack.pop() {
            match node {
                Value::Object(m) => {
                    keys += m.len();
                    if keys > MAX_FORM_KEYS {
                        return Err(Error::invalid(format!("{WHAT}的字段不能超过{MAX_FORM_KEYS}个")));
                    }
                    for (k, c) in m {
                        text::check(&format!("{WHAT}的字段名"), k, TextKind::Line, MAX_FORM_KEY_CHARS)?;
                        stack.push((c, k.as_str()));
                    }
                }
                Value::Array(a) => stack.extend(a.iter().map(|c| (c, key))),
                Value::String(s) => {
                    text::check(&format!("{WHAT}的字段“{key}”"), s, TextKind::Multiline, MAX_FORM_VALUE_CHARS)?
                }
                _ => {}
            }
        }
        Ok(CaseForm(v))
    }

    pub fn as_value(&self) -> &Value {
        &self.0
    }

    pub fn into_value(self) -> Value {
        self.0
    }
}

/// Counts the bytes written and fails past [`MAX_FORM_BYTES`].
struct SizeLimit(usize);

impl io::Write for SizeLimit {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        if self.0 > MAX_FORM_BYTES {
            return Err(io::Error::other("too large"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn nested(depth: usize) -> Value {
        let mut v = json!("底");
        for _ in 0..depth {
            v = json!({ "a": v });
        }
        v
    }

    #[test]
    fn ordinary_forms_pass_unchanged() {
        let v = json!({ "subject": "小学语文", "grades": [1, 2], "note": "第一行\n第二行", "ok": true });
        assert_eq!(CaseForm::parse(v.clone()).expect("ok").into_value(), v);
        assert_eq!(CaseForm::parse_optional(Some(Value::Null)).expect("null"), None);
        assert!(CaseForm::parse(json!([1])).is_err(), "a form is an object");
    }

    #[test]
    fn nesting_is_bounded() {
        assert!(CaseForm::parse(nested(MAX_FORM_DEPTH)).is_ok());
        let e = CaseForm::parse(nested(MAX_FORM_DEPTH + 1)).expect_err("too deep");
        assert!(e.to_string().contains("申请表单") && e.to_string().contains("8层"), "{e}");
        // Arrays count as levels too.
        let mut v = json!(1);
        for _ in 0..1_000 {
            v = json!([v]);
        }
        assert!(CaseForm::parse(json!({ "a": v })).expect_err("deep arrays").to_string().contains("嵌套"));
    }

    #[test]
    fn size_and_keys_are_bounded() {
        let big = json!({ "x": "字".repeat(4_000), "y": "字".repeat(4_000), "z": "a".repeat(60_000) });
        let e = CaseForm::parse(big).expect_err("too large");
        assert_eq!(e.code(), "INVALID_INPUT");
        assert!(e.to_string().contains("64KB"), "{e}");
        let many: serde_json::Map<String, Value> = (0..=MAX_FORM_KEYS).map(|i| (format!("k{i}"), json!(i))).collect();
        assert!(CaseForm::parse(Value::Object(many)).expect_err("keys").to_string().contains("500"));
    }

    #[test]
    fn keys_and_values_follow_the_text_rule() {
        let e = CaseForm::parse(json!({ "name": "张\u{0}三" })).expect_err("NUL");
        assert!(e.to_string().contains("“name”") && e.to_string().contains("NUL"), "{e}");
        let e = CaseForm::parse(json!({ "list": [{ "k\u{202E}": 1 }] })).expect_err("bidi key");
        assert!(e.to_string().contains("字段名"), "{e}");
        assert!(CaseForm::parse(json!({ "v": "x".repeat(MAX_FORM_VALUE_CHARS + 1) })).is_err());
    }
}
