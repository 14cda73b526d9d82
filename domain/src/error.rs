//! The one error type of the platform. Transport-free: the edge maps `code()` to GraphQL
//! `extensions.code` and to HTTP status codes.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// No valid credentials. The message says why in Chinese.
    #[error("{0}")]
    Unauthenticated(String),
    /// Authenticated, but the action is outside the actor's rights or scope.
    #[error("{0}")]
    Forbidden(String),
    /// The object does not exist, or exists outside the actor's scope.
    #[error("{what}不存在或无权查看")]
    NotFound { what: &'static str },
    /// Input that does not parse or breaks a rule; nothing was changed.
    #[error("{0}")]
    InvalidInput(String),
    /// A concurrent change or a uniqueness rule won; nothing was changed.
    #[error("{0}")]
    Conflict(String),
    /// The state machine does not allow this step from the current state.
    #[error("{0}")]
    IllegalTransition(String),
    #[error("操作过于频繁，请{retry_after_secs}秒后再试")]
    RateLimited { retry_after_secs: u64 },
    /// Anything unexpected. The detail is logged, never shown.
    #[error("系统内部错误，请稍后再试")]
    Internal(Detail),
}

/// Internal error detail: logged, not displayed to users.
#[derive(Clone, PartialEq, Eq)]
pub struct Detail(pub String);

impl fmt::Debug for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error {
    /// The stable code, one of the contract's error codes.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthenticated(_) => "UNAUTHENTICATED",
            Error::Forbidden(_) => "FORBIDDEN",
            Error::NotFound { .. } => "NOT_FOUND",
            Error::InvalidInput(_) => "INVALID_INPUT",
            Error::Conflict(_) => "CONFLICT",
            Error::IllegalTransition(_) => "ILLEGAL_TRANSITION",
            Error::RateLimited { .. } => "RATE_LIMITED",
            Error::Internal(_) => "INTERNAL",
        }
    }

    pub fn internal(detail: impl fmt::Display) -> Self {
        Error::Internal(Detail(detail.to_string()))
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidInput(msg.into())
    }

    pub fn forbidden(msg: impl Into<String>) -> Self {
        Error::Forbidden(msg.into())
    }

    pub fn unauthenticated(msg: impl Into<String>) -> Self {
        Error::Unauthenticated(msg.into())
    }

    pub fn conflict(msg: impl Into<String>) -> Self {
        Error::Conflict(msg.into())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_detail_is_not_displayed() {
        let e = Error::internal("connection refused at 10.0.0.1");
        assert_eq!(e.code(), "INTERNAL");
        assert!(!e.to_string().contains("10.0.0.1"));
    }

    #[test]
    fn not_found_names_the_object_in_chinese() {
        let e = Error::NotFound { what: "办件" };
        assert_eq!(e.to_string(), "办件不存在或无权查看");
    }
}
