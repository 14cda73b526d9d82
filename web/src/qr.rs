//! QR codes (二维码) to a case's public tracking page, as inline SVG: on the receipt, the tracking
//! page itself and wherever a notice is shown. Scanning opens /track with the case number and the
//! query code filled in, where the applicant follows the case and, once it is concluded, rates it
//! (扫码评价).

use actix_web::HttpRequest;
use qrcode::QrCode;
use qrcode::render::svg;

/// Keeps the characters a case number or query code has; anything else is dropped.
fn safe(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(64).collect()
}

/// The tracking page's address for a case (with its query code where known), absolute from the
/// request's scheme and host.
pub(crate) fn track_url(req: &HttpRequest, case_no: &str, query_code: &str) -> String {
    let info = req.connection_info();
    let code = safe(query_code);
    let code = if code.is_empty() { String::new() } else { format!("&code={code}") };
    format!("{}://{}/track?no={}{code}", info.scheme(), info.host(), safe(case_no))
}

/// An address of this site, absolute from the request's scheme and host.
pub(crate) fn site_url(req: &HttpRequest, path: &str) -> String {
    let info = req.connection_info();
    format!("{}://{}{path}", info.scheme(), info.host())
}

/// `url` as an SVG QR code, or empty when it cannot be encoded.
pub(crate) fn svg(url: &str) -> String {
    match QrCode::new(url.as_bytes()) {
        Ok(code) => code.render::<svg::Color<'_>>().min_dimensions(160, 160).quiet_zone(true).build(),
        Err(e) => {
            tracing::warn!(error = %e, "QR code not drawn");
            String::new()
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_tracking_address_is_an_svg_qr_code() {
        let s = super::svg("https://example.org/track?no=TB610426-20261130-0001&code=AB12CD");
        assert!(s.contains("<svg") && s.contains("</svg>"), "{s}");
        assert_eq!(super::safe("TB61-0426\"><script>"), "TB61-0426script");
    }
}
