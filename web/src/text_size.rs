//! Large-text mode (适老化) of the public pages: a link sets a cookie, no script needed.

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::ConsoleConfig;
use crate::auth::see_other;

/// The cookie that keeps the choice; "large" turns the mode on.
pub(crate) const COOKIE: &str = "tb_text";

/// The longest path a toggle returns to.
const MAX_BACK: usize = 512;

/// What a public page needs for the toggle: the mode and the page to come back to.
pub(crate) struct TextSize {
    pub(crate) large: bool,
    /// The toggle link, percent-encoded, pointing back here.
    pub(crate) toggle: String,
}

impl TextSize {
    pub(crate) fn of(req: &HttpRequest) -> TextSize {
        let large = req.cookie(COOKIE).is_some_and(|c| c.value() == "large");
        // A form's POST answer comes back to the page itself, not to a replay of the POST.
        let here = match (req.method() == Method::GET, req.uri().path_and_query()) {
            (true, Some(pq)) => pq.as_str(),
            _ => req.uri().path(),
        };
        let size = if large { "normal" } else { "large" };
        TextSize { large, toggle: format!("/text-size?size={size}&back={}", encode(here)) }
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A page of this site to return to; anything else goes to the guide.
fn local_path(back: &str) -> &str {
    let ok = back.starts_with('/')
        && !back.starts_with("//")
        && back.len() <= MAX_BACK
        && !back.bytes().any(|b| b == b'\\' || b.is_ascii_control());
    if ok { back } else { "/guide" }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Toggle {
    size: String,
    back: String,
}

/// GET /text-size?size=large|normal&back=/path: remembers the choice for a year and goes back.
pub(crate) async fn toggle(config: web::Data<ConsoleConfig>, q: web::Query<Toggle>) -> HttpResponse {
    let secure = config.secure_cookies;
    let mut cookie = Cookie::build(COOKIE, "large")
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(Duration::days(365))
        .finish();
    if q.size != "large" {
        cookie.make_removal();
    }
    see_other(local_path(&q.back)).cookie(cookie).insert_header(("Cache-Control", "no-store")).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(local_path("/guide/ABC?x=1"), "/guide/ABC?x=1");
        for bad in ["", "guide", "//evil.example/", "https://evil.example/", "/\\evil", "/a\r\nSet-Cookie: x"] {
            assert_eq!(local_path(bad), "/guide", "{bad:?}");
        }
        assert_eq!(encode("/guide?tenant=1&k=结婚"), "/guide%3Ftenant%3D1%26k%3D%E7%BB%93%E5%A9%9A");
    }
}
