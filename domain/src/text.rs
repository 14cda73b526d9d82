//! Text from outside: the one rule for which characters and how many a field may hold.
//!
//! Every string that reaches a service is checked here before it is compared, stored or shown:
//! no NUL or other control characters (line breaks and tabs only in free text), no bidirectional
//! embeddings, overrides or isolates (U+202A–U+202E, U+2066–U+2069: they make a name read
//! differently from what is stored), and a bound on its length in characters.

use crate::error::{Error, Result};

/// What a field holds, which decides the characters it admits and its default bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// One line: names, numbers, codes, keys. No control character at all.
    Line,
    /// Free text: opinions, reasons, notes. Line breaks and tabs are kept.
    Multiline,
}

/// The longest string accepted anywhere in a request (a field's own bound is usually lower).
pub const MAX_ANY_CHARS: usize = 20_000;

/// The longest a one-line field is by default.
pub const MAX_LINE_CHARS: usize = 200;

/// The longest free text by default (an opinion, a reason).
pub const MAX_MULTILINE_CHARS: usize = 2_000;

/// Whether `c` is a bidirectional embedding, override or isolate.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` may appear in a field of `kind`.
pub fn allowed(c: char, kind: TextKind) -> bool {
    if is_bidi_control(c) {
        return false;
    }
    if c.is_control() {
        return kind == TextKind::Multiline && matches!(c, '\n' | '\r' | '\t');
    }
    true
}

/// The first character of `s` that a field of `kind` does not admit.
pub fn first_disallowed(s: &str, kind: TextKind) -> Option<char> {
    s.chars().find(|c| !allowed(*c, kind))
}

fn describe(c: char) -> String {
    if c == '\0' {
        "空字符（NUL）".to_owned()
    } else if is_bidi_control(c) {
        format!("文字方向控制符（U+{:04X}）", c as u32)
    } else {
        format!("控制字符（U+{:04X}）", c as u32)
    }
}

/// Checks `s` for field `what` (its Chinese name): characters of `kind`, at most `max` characters.
/// Nothing is trimmed; see [`line`] and [`multiline`] for the usual forms.
pub fn check(what: &str, s: &str, kind: TextKind, max: usize) -> Result<()> {
    if let Some(c) = first_disallowed(s, kind) {
        return Err(Error::invalid(format!("{what}含有不允许的{}", describe(c))));
    }
    if s.chars().count() > max {
        return Err(Error::invalid(format!("{what}不能超过{max}个字符")));
    }
    Ok(())
}

/// A required one-line field: trimmed, not empty, at most `max` characters.
pub fn line(what: &str, s: &str, max: usize) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::invalid(format!("{what}不能为空")));
    }
    check(what, t, TextKind::Line, max)?;
    Ok(t.to_owned())
}

/// An optional one-line field: trimmed; empty becomes `None`.
pub fn optional_line(what: &str, s: Option<&str>, max: usize) -> Result<Option<String>> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => {
            check(what, t, TextKind::Line, max)?;
            Ok(Some(t.to_owned()))
        }
    }
}

/// Required free text: trimmed, not empty, at most `max` characters.
pub fn multiline(what: &str, s: &str, max: usize) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::invalid(format!("{what}不能为空")));
    }
    check(what, t, TextKind::Multiline, max)?;
    Ok(t.to_owned())
}

/// Optional free text: trimmed; empty becomes `None`.
pub fn optional_multiline(what: &str, s: Option<&str>, max: usize) -> Result<Option<String>> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => {
            check(what, t, TextKind::Multiline, max)?;
            Ok(Some(t.to_owned()))
        }
    }
}

/// Any string of a request, before a field gives it a meaning: free-text characters, bounded by
/// [`MAX_ANY_CHARS`]. The edge applies it to every argument; fields then apply their own bounds.
pub fn check_any(what: &str, s: &str) -> Result<()> {
    check(what, s, TextKind::Multiline, MAX_ANY_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_and_named() {
        let e = line("用户名", "ys\0admin", 64).expect_err("NUL");
        assert_eq!(e.code(), "INVALID_INPUT");
        assert!(e.to_string().contains("用户名") && e.to_string().contains("NUL"), "{e}");
        assert!(line("姓名", "张\u{7}三", 50).is_err());
        assert!(line("姓名", "张三\n", 50).is_ok(), "trailing line break is trimmed");
        assert!(line("姓名", "张\n三", 50).is_err(), "one-line fields take no line break");
        assert!(multiline("意见", "第一行\n第二行\t完", 100).is_ok());
        assert!(multiline("意见", "坏\u{1b}[31m", 100).is_err(), "escape sequences");
        assert!(multiline("意见", "坏\u{85}了", 100).is_err(), "C1 controls");
    }

    #[test]
    fn bidirectional_overrides_are_refused() {
        let e = line("姓名", "abc\u{202E}gpj.exe", 50).expect_err("RLO");
        assert!(e.to_string().contains("U+202E"), "{e}");
        assert!(line("姓名", "x\u{2067}y", 50).is_err());
        assert!(multiline("意见", "\u{202A}", 50).is_err());
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        assert!(line("名称", &"永".repeat(10), 10).is_ok());
        let e = line("名称", &"永".repeat(11), 10).expect_err("too long");
        assert!(e.to_string().contains("10"), "{e}");
        assert!(line("名称", "   ", 10).is_err());
        assert_eq!(optional_line("电话", Some("  "), 20).expect("ok"), None);
        assert_eq!(optional_line("电话", Some(" 110 "), 20).expect("ok").as_deref(), Some("110"));
        assert!(check_any("query", &"a".repeat(MAX_ANY_CHARS + 1)).is_err());
    }
}
