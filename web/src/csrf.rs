//! CSRF tokens.
//!
//! - Logged-in forms: hex(HMAC-SHA256(key, session id)), so no server state is needed.
//! - The login form (no session yet): a random token in the `tb_csrf` cookie and a hidden
//!   field that must match it (double submit).

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Shorter keys are refused: forms then fail closed.
pub(crate) const MIN_KEY_LEN: usize = 32;

const CONTEXT: &[u8] = b"tongban-console-csrf:";

fn mac(key: &[u8], binding: &str) -> Option<HmacSha256> {
    if key.len() < MIN_KEY_LEN {
        return None;
    }
    let mut mac = HmacSha256::new_from_slice(key).ok()?;
    mac.update(CONTEXT);
    mac.update(binding.as_bytes());
    Some(mac)
}

/// The token of a logged-in session; `None` when the key is too short.
pub(crate) fn session_token(key: &[u8], binding: &str) -> Option<String> {
    mac(key, binding).map(|m| hex::encode(m.finalize().into_bytes()))
}

/// Checks a submitted token in constant time.
pub(crate) fn verify_session_token(key: &[u8], binding: &str, given: &str) -> bool {
    let (Some(mac), Ok(given)) = (mac(key, binding), hex::decode(given.trim())) else {
        return false;
    };
    mac.verify_slice(&given).is_ok()
}

/// A fresh random token for the login form (256 bits, hex).
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// True for a value that `random_token` could have made.
pub(crate) fn looks_random(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Double submit: the cookie and the form field carry the same random token.
pub(crate) fn verify_double_submit(cookie: Option<&str>, field: &str) -> bool {
    match cookie {
        Some(c) if looks_random(c) => constant_time_eq(c.as_bytes(), field.trim().as_bytes()),
        _ => false,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn session_tokens_bind_key_and_session() {
        let t = session_token(KEY, "sid-1").expect("long key");
        assert_eq!(t.len(), 64);
        assert_eq!(session_token(KEY, "sid-1").as_deref(), Some(t.as_str()));
        assert!(verify_session_token(KEY, "sid-1", &t));
        assert!(verify_session_token(KEY, "sid-1", &format!(" {t}\n")));
        assert!(!verify_session_token(KEY, "sid-2", &t));
        assert!(!verify_session_token(b"another key of thirty-two bytes!", "sid-1", &t));
        assert!(!verify_session_token(KEY, "sid-1", ""));
        assert!(!verify_session_token(KEY, "sid-1", "not hex"));
        assert!(!verify_session_token(KEY, "sid-1", &t[..62]));
    }

    #[test]
    fn short_keys_fail_closed() {
        assert_eq!(session_token(b"short", "sid"), None);
        assert!(!verify_session_token(b"", "sid", ""));
    }

    #[test]
    fn double_submit_needs_matching_random_values() {
        let a = random_token();
        let b = random_token();
        assert!(looks_random(&a));
        assert_ne!(a, b);
        assert!(verify_double_submit(Some(&a), &a));
        assert!(!verify_double_submit(Some(&a), &b));
        assert!(!verify_double_submit(None, &a));
        assert!(!verify_double_submit(Some(""), ""));
        assert!(!verify_double_submit(Some("x"), "x"));
    }
}
