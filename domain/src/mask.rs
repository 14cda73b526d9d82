//! Masking of personal data for display and audit: phone numbers, id numbers, names.

/// 身份证 610426199001011234 → 6104**********1234; other documents keep two characters each end.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.trim().chars().collect();
    let keep = if chars.len() >= 15 { 4 } else { 2 };
    if chars.len() <= keep * 2 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..keep].iter().collect();
    out.push_str(&"*".repeat(chars.len() - keep * 2));
    out.extend(&chars[chars.len() - keep..]);
    out
}

/// 13812345678 → 138****5678; fewer than eight characters are all masked.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.trim().chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..3].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 7));
    out.extend(&chars[chars.len() - 4..]);
    out
}

/// 张三 → 张*, 欧阳娜娜 → 欧***: the first character stays.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers() {
        assert_eq!(mask_id_number("610426199001011234"), "6104**********1234");
        assert_eq!(mask_id_number("91610400MA6X1234"), "9161********1234");
        assert_eq!(mask_id_number("AB12345"), "AB***45");
        assert_eq!(mask_id_number("1234"), "****");
    }

    #[test]
    fn phones() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone(" 13812345678 "), "138****5678");
        assert_eq!(mask_phone("029-88881234"), "029*****1234");
        assert_eq!(mask_phone("12345"), "*****");
    }

    #[test]
    fn names() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("李"), "李");
        assert_eq!(mask_name(" "), "");
    }
}
