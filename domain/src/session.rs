//! Sessions: short-lived access tokens and rotating refresh tokens.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::identity::{Roles, User};
use crate::region::{AdminLevel, RegionCode};

/// The client address that per-client rate limits count by: the socket peer's IP, "unknown"
/// without one. Forwarding headers are not trusted, since any client can send them.
pub fn client_address(peer: Option<std::net::IpAddr>) -> String {
    peer.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubjectKind {
    User,
    Service,
}

/// What an access token asserts. Roles travel in the token; it lives minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: Uuid,
    pub kind: SubjectKind,
    /// User name or client id.
    pub name: String,
    pub tenant: RegionCode,
    pub level: AdminLevel,
    pub roles: Roles,
    /// The refresh-token family (session) this token belongs to.
    pub sid: Option<Uuid>,
    pub jti: Uuid,
    pub iat: i64,
    pub exp: i64,
}

impl AccessClaims {
    /// When the token was issued, in Unix milliseconds: from its time-ordered id, else from `iat`.
    pub fn issued_ms(&self) -> i64 {
        match self.jti.get_timestamp() {
            Some(t) => {
                let (secs, nanos) = t.to_unix();
                secs as i64 * 1000 + i64::from(nanos / 1_000_000)
            }
            None => self.iat * 1000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub id: Uuid,
    pub family: Uuid,
    pub user_id: Uuid,
    pub tenant: RegionCode,
    pub token_hash: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: String,
    /// Empty for service accounts: they ask again with their credentials.
    pub refresh_token: String,
    pub expires_at: DateTime<Utc>,
    pub user: Option<User>,
}
