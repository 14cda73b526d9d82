//! What the deployment provides to the console, and what it reads from a request's connection.

/// Console settings that the deployment provides.
#[derive(Clone)]
pub struct ConsoleConfig {
    /// Key for the CSRF tokens of logged-in forms; at least 32 bytes, else those forms fail.
    pub csrf_key: Vec<u8>,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
}

impl std::fmt::Debug for ConsoleConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleConfig").field("csrf_key", &"***").field("secure_cookies", &self.secure_cookies).finish()
    }
}

/// The client address of a request, by the domain's rule.
pub(crate) fn client_address(req: &actix_web::HttpRequest) -> String {
    domain::session::client_address(req.peer_addr().map(|a| a.ip()))
}
