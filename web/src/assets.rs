//! The console's own stylesheet and script, embedded in the binary.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use actix_web::http::header;
use sha2::{Digest, Sha256};

const CSS: &str = include_str!("../static/console.css");
const JS: &str = include_str!("../static/console.js");

/// Pages link `?v=<version>`, so a new build is fetched at once despite caching.
pub(crate) fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let digest = Sha256::new().chain_update(CSS).chain_update(JS).finalize();
        hex::encode(&digest[..6])
    })
}

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}

pub(crate) async fn css() -> HttpResponse {
    asset("text/css; charset=utf-8", CSS)
}

pub(crate) async fn js() -> HttpResponse {
    asset("text/javascript; charset=utf-8", JS)
}
