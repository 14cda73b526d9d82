//! The server-rendered console: a Chinese UI for service-center staff.
//!
//! Mounted by the `api` crate with [`configure`]. Pages call `domain::service::Services`
//! directly; the console keeps its session in HttpOnly cookies scoped to `/console`.

mod accounts;
mod assets;
mod audit;
mod auth;
mod cases;
mod charts;
mod complaint;
mod config;
mod csrf;
mod documents;
mod errors;
mod export;
mod forms;
mod guide;
mod hall;
mod items;
mod kiosk;
mod layout;
mod menu;
mod pages;
mod partners;
mod qr;
mod routes;
mod supervision;
mod text_size;
mod track;
mod transfers;
mod users;
mod view;

pub use config::ConsoleConfig;
pub use documents::PDF_UNAVAILABLE;

use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;
use actix_web::web;

/// Same-origin only; no inline script or style.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The headers of every public page: no framing, the content-security policy, no sniffing.
fn public_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::CONTENT_SECURITY_POLICY, CSP))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
}

/// Mounts /console and /static/console.* ; expects app_data web::Data<domain::service::Services> and web::Data<ConsoleConfig>,
/// and optionally web::Data<dyn domain::ports::DocumentPrinter> (without it documents have no PDF).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/static/console.css").route(web::get().to(assets::css)))
        .service(web::resource("/static/console.js").route(web::get().to(assets::js)))
        .service(
            web::scope("/guide")
                .wrap(public_headers())
                .app_data(web::QueryConfig::default().error_handler(|e, _| bad_input(e)))
                .route("", web::get().to(guide::list))
                .route("/", web::get().to(guide::list))
                .route("/{code}", web::get().to(guide::detail)),
        )
        .service(
            web::resource("/text-size")
                .wrap(DefaultHeaders::new().add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")))
                .app_data(web::QueryConfig::default().error_handler(|e, _| bad_input(e)))
                .route(web::get().to(text_size::toggle)),
        )
        .service(
            web::scope("/track")
                .wrap(public_headers().add((header::REFERRER_POLICY, "no-referrer")))
                .app_data(web::FormConfig::default().limit(4096).error_handler(|e, _| bad_input(e)))
                .route("", web::get().to(track::form))
                .route("", web::post().to(track::lookup))
                .route("/rate", web::post().to(track::rate)),
        )
        .service(
            web::scope("/complaint")
                .wrap(public_headers().add((header::REFERRER_POLICY, "no-referrer")))
                .app_data(web::FormConfig::default().limit(16384).error_handler(|e, _| bad_input(e)))
                .route("/{tenant}", web::get().to(complaint::form))
                .route("/{tenant}", web::post().to(complaint::file)),
        )
        .service(
            web::scope("/ticket")
                .wrap(public_headers())
                .app_data(web::FormConfig::default().limit(4096).error_handler(|e, _| bad_input(e)))
                .route("/{tenant}", web::get().to(kiosk::form))
                .route("/{tenant}", web::post().to(kiosk::take)),
        )
        .service(
            web::scope("/lobby")
                .wrap(public_headers().add((header::CACHE_CONTROL, "no-store")))
                .route("/{tenant}", web::get().to(hall::lobby))
                .route("/{tenant}/qr.svg", web::get().to(hall::lobby_qr)),
        )
        .service(
            web::scope("/console")
                .wrap(actix_web::middleware::from_fn(quiet_login_redirect))
                .wrap(
                    DefaultHeaders::new()
                        .add((header::CACHE_CONTROL, "no-store"))
                        .add((header::X_FRAME_OPTIONS, "DENY"))
                        .add((header::CONTENT_SECURITY_POLICY, CSP))
                        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                        .add((header::REFERRER_POLICY, "same-origin")),
                )
                .app_data(web::FormConfig::default().limit(16 * 1024).error_handler(|e, _| bad_input(e)))
                .app_data(web::QueryConfig::default().error_handler(|e, _| bad_input(e)))
                .route("", web::get().to(pages::dashboard::dashboard))
                .route("/", web::get().to(pages::dashboard::dashboard))
                .route("/login", web::get().to(pages::session::login_form))
                .route("/login", web::post().to(pages::session::login))
                .route("/logout", web::post().to(pages::session::logout))
                .route("/tenant", web::post().to(pages::session::switch_tenant))
                .route("/tenants", web::get().to(pages::tenants::tenants))
                .route("/calendar", web::get().to(pages::calendar::calendar))
                .route("/calendar", web::post().to(pages::calendar::set_calendar_day))
                .route("/calendar/warning", web::post().to(pages::calendar::set_warning_threshold))
                .route("/documents/{id}.pdf", web::get().to(documents::pdf))
                .route("/documents/{id}", web::get().to(documents::show))
                .route("/cases", web::get().to(cases::list))
                .route("/cases", web::post().to(cases::submit))
                .route("/cases/new", web::get().to(cases::new_form))
                .route("/cases/rejections", web::get().to(cases::rejections))
                .route("/supervision", web::get().to(supervision::page))
                .route("/supervision/report.xlsx", web::get().to(supervision::xlsx))
                .route("/supervision/report.csv", web::get().to(supervision::csv))
                .route("/supervision/rectifications/{id}/complete", web::post().to(supervision::complete))
                .route("/supervision/complaints/{id}/resolve", web::post().to(supervision::resolve))
                .route("/cases/export.xlsx", web::get().to(export::cases_xlsx))
                .route("/cases/{id}", web::get().to(cases::detail))
                .route("/cases/{id}/{action}", web::post().to(cases::step))
                .route("/transfers", web::get().to(transfers::list))
                .route("/transfers/{id}/{action}", web::post().to(transfers::step))
                .route("/partners", web::get().to(partners::page))
                .route("/partners", web::post().to(partners::register))
                .route("/partners/{id}/{action}", web::post().to(partners::step))
                .route("/items", web::get().to(items::items))
                .route("/items/export.xlsx", web::get().to(export::items_xlsx))
                .route("/items/implement", web::post().to(items::implement))
                .route("/items/delegate", web::post().to(items::delegate))
                .route("/items/{id}/edit", web::get().to(items::edit_form))
                .route("/items/{id}/edit", web::post().to(items::edit_save))
                .route("/items/{id}/{action}", web::post().to(items::step))
                .route("/catalogue", web::get().to(items::catalogue))
                .service(
                    web::resource("/catalogue/import")
                        .app_data(web::FormConfig::default().limit(2 << 20).error_handler(|e, _| bad_input(e)))
                        .route(web::post().to(items::import)),
                )
                .route("/catalogue/export.xlsx", web::get().to(export::catalogue_xlsx))
                .route("/catalogue/new", web::get().to(items::base_item_new))
                .route("/catalogue/new", web::post().to(items::base_item_create))
                .route("/catalogue/{id}", web::get().to(items::base_item_form))
                .route("/catalogue/{id}", web::post().to(items::base_item_save))
                .route("/hall", web::get().to(hall::page))
                .route("/hall/windows", web::post().to(hall::create_window))
                .route("/hall/slots", web::post().to(hall::create_slot))
                .route("/hall/approvers", web::post().to(hall::authorize_approver))
                .route("/hall/staff", web::post().to(hall::assign_staff))
                .route("/hall/attendance", web::post().to(hall::attendance))
                .route("/hall/attendance.csv", web::get().to(hall::attendance_csv))
                .route("/hall/window/{id}", web::get().to(hall::window_page))
                .route("/hall/window/{id}/call", web::post().to(hall::call))
                .route("/hall/window/{id}/{action}", web::post().to(hall::queue_step))
                .route("/users", web::get().to(users::list))
                .route("/users", web::post().to(users::create))
                .route("/users/{id}", web::get().to(users::detail))
                .route("/users/{id}/{action}", web::post().to(users::step))
                .route("/accounts", web::get().to(accounts::page))
                .route("/accounts", web::post().to(accounts::create))
                .route("/accounts/{id}/{action}", web::post().to(accounts::step))
                .route("/audit", web::get().to(audit::page))
                .default_service(web::to(view::not_found)),
        );
}

/// A redirect to the login page is no failure: the error the session extractor attached is
/// dropped, so that the request log does not report it as ERROR.
async fn quiet_login_redirect<B: actix_web::body::MessageBody>(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<actix_web::dev::ServiceResponse<B>, actix_web::Error> {
    let res = next.call(req).await?;
    let login = res
        .response()
        .error()
        .and_then(|e| e.as_error::<auth::Reject>())
        .is_some_and(|r| matches!(r, auth::Reject::Login { .. }));
    if !login {
        return Ok(res);
    }
    let (req, resp) = res.into_parts();
    let plain = actix_web::HttpResponse::from(actix_web::dev::Response::from(resp));
    Ok(actix_web::dev::ServiceResponse::new(req, plain))
}

/// Unparseable forms and queries get the Chinese 400 page.
fn bad_input<E: std::fmt::Debug + std::fmt::Display + 'static>(err: E) -> actix_web::Error {
    let page = view::plain_error(&domain::Error::invalid("提交的数据无效，请返回重试"));
    actix_web::error::InternalError::from_response(err, page).into()
}

#[cfg(test)]
mod tests {
    use actix_web::http::{StatusCode, header};
    use actix_web::{App, test, web};

    use super::{ConsoleConfig, configure};

    fn config() -> web::Data<ConsoleConfig> {
        web::Data::new(ConsoleConfig { csrf_key: b"0123456789abcdef0123456789abcdef".to_vec(), secure_cookies: true })
    }

    fn body_text(bytes: &[u8]) -> String {
        String::from_utf8(bytes.to_vec()).expect("utf-8")
    }

    /// The value of `name="csrf"` in a page.
    fn hidden_csrf(html: &str) -> String {
        let at = html.find(r#"name="csrf" value=""#).expect("csrf field") + 19;
        html[at..at + 64].to_owned()
    }

    #[actix_web::test]
    async fn login_page_has_form_csrf_and_headers() {
        let app = test::init_service(App::new().app_data(config()).configure(configure)).await;
        let resp = test::call_service(&app, test::TestRequest::get().uri("/console/login").to_request()).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let h = resp.headers();
        assert_eq!(h.get(header::CACHE_CONTROL).expect("cc"), "no-store");
        assert_eq!(h.get(header::X_FRAME_OPTIONS).expect("xfo"), "DENY");
        let csp = h.get(header::CONTENT_SECURITY_POLICY).expect("csp").to_str().expect("ascii");
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
        let cookie = resp.response().cookies().find(|c| c.name() == "tb_csrf").expect("csrf cookie").into_owned();
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(cookie.secure(), Some(true));
        assert_eq!(cookie.path(), Some("/console"));
        assert_eq!(cookie.same_site(), Some(actix_web::cookie::SameSite::Strict));
        let html = body_text(&test::read_body(resp).await);
        for needle in ["用户名", "密码", "登录", r#"id="username""#, r#"id="password""#] {
            assert!(html.contains(needle), "{needle}");
        }
        assert_eq!(hidden_csrf(&html), cookie.value());
    }

    #[actix_web::test]
    async fn logout_notice_shows_on_login_page() {
        let app = test::init_service(App::new().app_data(config()).configure(configure)).await;
        let req = test::TestRequest::get().uri("/console/login?out=1").to_request();
        let html = body_text(&test::call_and_read_body(&app, req).await);
        assert!(html.contains("已退出登录"));
    }

    #[actix_web::test]
    async fn login_without_valid_csrf_is_forbidden() {
        // No Services registered: the CSRF check must come first.
        let app = test::init_service(App::new().app_data(config()).configure(configure)).await;
        let form = [("username", "ys_admin"), ("password", "x"), ("csrf", "")];
        let no_token = test::TestRequest::post().uri("/console/login").set_form(form).to_request();
        let resp = test::call_service(&app, no_token).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        let html = body_text(&test::read_body(resp).await);
        assert!(html.contains("页面已过期"));
        assert!(html.contains(r#"value="ys_admin""#), "user name kept");

        let token = "a".repeat(64);
        let mismatched = test::TestRequest::post()
            .uri("/console/login")
            .cookie(actix_web::cookie::Cookie::new("tb_csrf", token))
            .set_form([("username", "ys_admin"), ("password", "x"), ("csrf", &"b".repeat(64))])
            .to_request();
        assert_eq!(test::call_service(&app, mismatched).await.status(), StatusCode::FORBIDDEN);
        let empty = test::TestRequest::post().uri("/console/login").set_form([("x", "y")]).to_request();
        assert_eq!(test::call_service(&app, empty).await.status(), StatusCode::FORBIDDEN);
    }

    #[actix_web::test]
    async fn user_names_are_escaped() {
        let app = test::init_service(App::new().app_data(config()).configure(configure)).await;
        let req = test::TestRequest::post()
            .uri("/console/login")
            .set_form([("username", r#""><script>alert(1)</script>"#)])
            .to_request();
        let html = body_text(&test::call_and_read_body(&app, req).await);
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&#60;script&#62;"), "{html}");
    }

    #[actix_web::test]
    async fn assets_are_served_and_cached() {
        let app = test::init_service(App::new().configure(configure)).await;
        for (uri, ty) in [("/static/console.css", "text/css"), ("/static/console.js", "text/javascript")] {
            let resp = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
            assert_eq!(resp.status(), StatusCode::OK, "{uri}");
            let h = resp.headers();
            let content_type = h.get(header::CONTENT_TYPE).expect("type").to_str().expect("ascii");
            assert!(content_type.starts_with(ty));
            assert!(h.get(header::CACHE_CONTROL).expect("cache").to_str().expect("ascii").contains("max-age"));
        }
    }

    #[actix_web::test]
    async fn pages_without_session_redirect_to_login() {
        // No Services registered: without session cookies they are never needed.
        let app = test::init_service(App::new().app_data(config()).configure(configure)).await;
        for uri in ["/console", "/console/", "/console/tenants"] {
            let resp = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
            assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{uri}");
            assert_eq!(resp.headers().get(header::LOCATION).expect("location"), "/console/login");
            assert_eq!(resp.headers().get(header::CACHE_CONTROL).expect("cc"), "no-store");
            // Not a failure: the request log must not see an error.
            assert!(resp.response().error().is_none(), "{uri}");
        }
        let logout = test::TestRequest::post().uri("/console/logout").set_form([("csrf", "x")]).to_request();
        assert_eq!(test::call_service(&app, logout).await.status(), StatusCode::SEE_OTHER);
    }

    #[actix_web::test]
    async fn unknown_console_pages_are_404() {
        let app = test::init_service(App::new().app_data(config()).configure(configure)).await;
        let resp = test::call_service(&app, test::TestRequest::get().uri("/console/nope").to_request()).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        assert_eq!(resp.headers().get(header::CACHE_CONTROL).expect("cc"), "no-store");
        let html = body_text(&test::read_body(resp).await);
        assert!(html.contains("页面不存在"));
    }
}
