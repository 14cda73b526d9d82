//! Domain errors as console responses.

use actix_web::http::StatusCode;
use domain::Error;

/// The one mapping from domain errors to HTTP status codes for pages.
pub(crate) fn status_for(err: &Error) -> StatusCode {
    match err {
        Error::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::NotFound { .. } => StatusCode::NOT_FOUND,
        Error::InvalidInput(_) => StatusCode::BAD_REQUEST,
        Error::Conflict(_) | Error::IllegalTransition(_) => StatusCode::CONFLICT,
        Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The Chinese message shown to the user. Internal details are logged, never shown.
pub(crate) fn public_message(err: &Error) -> String {
    if let Error::Internal(detail) = err {
        tracing::error!(%detail, "console request failed");
    }
    err.to_string()
}

/// The page title for an error status.
pub(crate) fn title_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "请求有误",
        401 => "请先登录",
        403 => "无权操作",
        404 => "页面不存在",
        409 => "操作冲突",
        429 => "操作过于频繁",
        _ => "系统错误",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_status() {
        let cases = [
            (Error::unauthenticated("x"), 401),
            (Error::forbidden("x"), 403),
            (Error::NotFound { what: "租户" }, 404),
            (Error::invalid("x"), 400),
            (Error::conflict("x"), 409),
            (Error::IllegalTransition("x".into()), 409),
            (Error::RateLimited { retry_after_secs: 30 }, 429),
            (Error::internal("db down"), 500),
        ];
        for (err, status) in cases {
            assert_eq!(status_for(&err).as_u16(), status, "{}", err.code());
        }
    }

    #[test]
    fn internal_details_stay_hidden() {
        let msg = public_message(&Error::internal("password=hunter2 at 10.0.0.1"));
        assert_eq!(msg, "系统内部错误，请稍后再试");
        assert_eq!(public_message(&Error::unauthenticated("用户名或密码错误")), "用户名或密码错误");
    }
}
