//! HS256 access tokens. Only HS256 is accepted: `none` and every other algorithm fail.

use domain::ports::TokenSigner;
use domain::session::AccessClaims;
use domain::{Error, Result};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};

pub struct JwtSigner {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

pub const ISSUER: &str = "tongban";

impl JwtSigner {
    /// Refuses secrets shorter than 32 bytes.
    pub fn new(secret: &[u8]) -> std::result::Result<Self, String> {
        if secret.len() < 32 {
            return Err("JWT 密钥至少需要32字节".into());
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "sub"]);
        Ok(JwtSigner {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        })
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Wire {
    iss: String,
    #[serde(flatten)]
    claims: AccessClaims,
}

impl TokenSigner for JwtSigner {
    fn sign(&self, claims: &AccessClaims) -> Result<String> {
        let wire = Wire { iss: ISSUER.into(), claims: claims.clone() };
        encode(&Header::new(Algorithm::HS256), &wire, &self.encoding).map_err(Error::internal)
    }

    fn verify(&self, token: &str) -> Result<AccessClaims> {
        use jsonwebtoken::errors::ErrorKind;
        decode::<Wire>(token, &self.decoding, &self.validation).map(|d| d.claims.claims).map_err(|e| {
            Error::unauthenticated(match e.kind() {
                ErrorKind::ExpiredSignature => "令牌已过期，请刷新会话或重新登录",
                _ => "令牌无效",
            })
        })
    }
}
