//! Random tokens from the OS and their SHA-256 fingerprints.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::ports::Secrets;
use rand::RngCore;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Default)]
pub struct OsSecrets;

impl Secrets for OsSecrets {
    fn random_token(&self) -> String {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn fingerprint(&self, token: &str) -> String {
        hex::encode(Sha256::digest(token.as_bytes()))
    }
}

/// A fresh random secret for signing tokens (demo mode), URL-safe base64 of 64 bytes.
pub fn generate_signing_secret() -> String {
    let mut bytes = [0u8; 64];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}
