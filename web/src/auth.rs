//! Console sessions: cookies, and the `Console` extractor that every logged-in page takes.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder, ResponseError, web};
use domain::Error;
use domain::identity::Actor;
use domain::service::Services;
use domain::session::{AccessClaims, Session, SubjectKind};

use crate::config::ConsoleConfig;
use crate::csrf;
use crate::routes::LOGIN_URL;

pub(crate) const SESSION: &str = "tb_session";
pub(crate) const REFRESH: &str = "tb_refresh";
pub(crate) const TENANT: &str = "tb_tenant";
pub(crate) const LOGIN_CSRF: &str = "tb_csrf";
const COOKIE_PATH: &str = "/console";

/// An HttpOnly, SameSite=Strict cookie for /console.
pub(crate) fn cookie(name: &'static str, value: String, secure: bool, max_age: Option<Duration>) -> Cookie<'static> {
    let mut c = Cookie::build(name, value)
        .path(COOKIE_PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish();
    if let Some(age) = max_age {
        c.set_max_age(age);
    }
    c
}

/// A cookie that deletes `name`.
pub(crate) fn removal(name: &'static str, secure: bool) -> Cookie<'static> {
    let mut c = cookie(name, String::new(), secure, None);
    c.make_removal();
    c
}

/// The cookies of a new or refreshed session. The access cookie lives as long as the token.
pub(crate) fn session_cookies(services: &Services, session: &Session, secure: bool) -> Vec<Cookie<'static>> {
    let (access_secs, refresh_secs) = services.identity.session_lifetimes(session);
    vec![
        cookie(SESSION, session.access_token.clone(), secure, Some(Duration::seconds(access_secs))),
        cookie(REFRESH, session.refresh_token.clone(), secure, Some(Duration::seconds(refresh_secs))),
    ]
}

/// Cookies that end the console session.
pub(crate) fn logout_cookies(secure: bool) -> [Cookie<'static>; 3] {
    [removal(SESSION, secure), removal(REFRESH, secure), removal(TENANT, secure)]
}

/// 303 See Other to `location`.
pub(crate) fn see_other(location: &str) -> HttpResponseBuilder {
    let mut b = HttpResponse::build(StatusCode::SEE_OTHER);
    b.insert_header((header::LOCATION, location.to_owned()));
    b
}

fn cookie_value(req: &HttpRequest, name: &str) -> Option<String> {
    req.cookie(name).map(|c| c.value().to_owned()).filter(|v| !v.is_empty())
}

/// A logged-in console request.
pub(crate) struct Console {
    pub req: HttpRequest,
    pub services: web::Data<Services>,
    pub config: web::Data<ConsoleConfig>,
    pub actor: Actor,
    pub claims: AccessClaims,
    /// Cookies every response must carry (a refreshed session, a dropped tenant choice).
    pub cookies: Vec<Cookie<'static>>,
}

impl Console {
    /// What the CSRF token binds to: the session family, else the token itself.
    fn binding(&self) -> String {
        self.claims.sid.unwrap_or(self.claims.jti).to_string()
    }

    /// The CSRF token for this session's forms.
    pub fn csrf(&self) -> Result<String, Error> {
        csrf::session_token(&self.config.csrf_key, &self.binding())
            .ok_or_else(|| Error::internal("console CSRF key shorter than 32 bytes"))
    }

    pub fn csrf_ok(&self, given: &str) -> bool {
        csrf::verify_session_token(&self.config.csrf_key, &self.binding(), given)
    }

    pub fn secure(&self) -> bool {
        self.config.secure_cookies
    }

    /// A response builder that carries the pending cookies.
    pub fn response(&self, status: StatusCode) -> HttpResponseBuilder {
        let mut b = HttpResponse::build(status);
        for c in &self.cookies {
            b.cookie(c.clone());
        }
        b
    }
}

/// Why a request did not get a console session.
#[derive(Debug)]
pub(crate) enum Reject {
    /// Back to the login page; `clear` drops stale session cookies.
    Login {
        secure: bool,
        clear: bool,
    },
    Failed(Error),
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reject::Login { .. } => f.write_str("login required"),
            Reject::Failed(e) => write!(f, "{}", e.code()),
        }
    }
}

impl ResponseError for Reject {
    fn status_code(&self) -> StatusCode {
        match self {
            Reject::Login { .. } => StatusCode::SEE_OTHER,
            Reject::Failed(e) => crate::errors::status_for(e),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Reject::Login { secure, clear } => {
                let mut b = see_other(LOGIN_URL);
                if *clear {
                    for c in logout_cookies(*secure) {
                        b.cookie(c);
                    }
                }
                b.finish()
            }
            Reject::Failed(e) => crate::view::plain_error(e),
        }
    }
}

impl FromRequest for Console {
    type Error = Reject;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Reject>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        Box::pin(resolve(req.clone()))
    }
}

fn app_data<T: 'static>(req: &HttpRequest, what: &str) -> Result<web::Data<T>, Reject> {
    req.app_data::<web::Data<T>>()
        .cloned()
        .ok_or_else(|| Reject::Failed(Error::internal(format!("console: {what} not configured"))))
}

async fn resolve(req: HttpRequest) -> Result<Console, Reject> {
    let access = cookie_value(&req, SESSION);
    let refresh = cookie_value(&req, REFRESH);
    if access.is_none() && refresh.is_none() {
        return Err(Reject::Login { secure: false, clear: false });
    }
    let services = app_data::<Services>(&req, "Services")?;
    let config = app_data::<ConsoleConfig>(&req, "ConsoleConfig")?;
    let secure = config.secure_cookies;
    let console = |actor, claims, cookies| Console {
        req: req.clone(),
        services: services.clone(),
        config: config.clone(),
        actor,
        claims,
        cookies,
    };
    if let Some(token) = &access {
        match services.identity.authenticate(token).await {
            Ok((actor, claims)) if claims.kind == SubjectKind::User => {
                return Ok(console(actor, claims, Vec::new()));
            }
            // Service accounts have no console.
            Ok(_) => return Err(Reject::Login { secure, clear: true }),
            // Expired (or revoked): the refresh token decides.
            Err(Error::Unauthenticated(_)) => {}
            Err(e) => return Err(Reject::Failed(e)),
        }
    }
    let Some(refresh) = refresh else {
        return Err(Reject::Login { secure, clear: access.is_some() });
    };
    let session = match services.identity.refresh_session(&refresh).await {
        Ok(s) => s,
        Err(Error::Unauthenticated(_)) => return Err(Reject::Login { secure, clear: true }),
        Err(e) => return Err(Reject::Failed(e)),
    };
    let (actor, claims) = services.identity.authenticate(&session.access_token).await.map_err(Reject::Failed)?;
    let cookies = session_cookies(&services, &session, secure);
    Ok(console(actor, claims, cookies))
}
