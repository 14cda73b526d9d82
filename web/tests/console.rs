//! Console flows against in-memory ports: login, layout, tenant switch, paging, refresh, logout.

mod support;

use std::collections::BTreeMap;

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::test::{self, TestRequest};
use actix_web::{App, web as aweb};
use web::{ConsoleConfig, configure};

use support::{EXTRA_TOWNS, PASSWORD, World, world};

/// The cookies a browser would hold for /console.
#[derive(Default, Clone)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn with(&self, mut req: TestRequest) -> TestRequest {
        for (k, v) in &self.0 {
            req = req.cookie(Cookie::new(k.clone(), v.clone()));
        }
        req
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

struct Reply {
    status: StatusCode,
    location: Option<String>,
    cache: Option<String>,
    body: String,
    set: Vec<Cookie<'static>>,
}

/// Sends `req` with the jar's cookies and takes the response's cookies into the jar.
async fn send<S, R, B>(app: &S, jar: &mut Jar, req: R) -> Reply
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let resp = test::call_service(app, req).await;
    let header_of = |h| resp.headers().get(h).map(|v| v.to_str().expect("ascii").to_owned());
    let location = header_of(header::LOCATION);
    let cache = header_of(header::CACHE_CONTROL);
    let status = resp.status();
    let set: Vec<Cookie<'static>> = resp.response().cookies().map(|c| c.into_owned()).collect();
    for c in &set {
        if c.value().is_empty() {
            jar.0.remove(c.name());
        } else {
            jar.0.insert(c.name().to_owned(), c.value().to_owned());
        }
    }
    let body = String::from_utf8(test::read_body(resp).await.to_vec()).expect("utf-8");
    Reply { status, location, cache, body, set }
}

/// The value of the first `name="csrf"` field.
fn csrf_of(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let at = html.find(marker).expect("csrf field") + marker.len();
    let end = html[at..].find('"').expect("end of value");
    html[at..at + end].to_owned()
}

fn config() -> aweb::Data<ConsoleConfig> {
    aweb::Data::new(ConsoleConfig {
        csrf_key: b"console test key, thirty-two bytes or more".to_vec(),
        secure_cookies: false,
    })
}

macro_rules! app {
    ($world:expr) => {
        test::init_service(
            App::new().app_data(aweb::Data::new($world.services.clone())).app_data(config()).configure(configure),
        )
        .await
    };
}

/// GET with the jar's cookies.
macro_rules! get {
    ($app:expr, $jar:expr, $uri:expr $(,)?) => {{
        let req = $jar.with(TestRequest::get().uri($uri)).to_request();
        send($app, &mut $jar, req).await
    }};
}

/// POST a form with the jar's cookies.
macro_rules! post {
    ($app:expr, $jar:expr, $uri:expr, $form:expr $(,)?) => {{
        let req = $jar.with(TestRequest::post().uri($uri)).set_form($form).to_request();
        send($app, &mut $jar, req).await
    }};
}

/// Logs in through the form; the jar then holds the session cookies.
macro_rules! logged_in {
    ($app:expr, $username:expr) => {{
        let mut jar = Jar::default();
        let page = get!($app, jar, "/console/login");
        let csrf = csrf_of(&page.body);
        let form = [("username", $username), ("password", PASSWORD), ("csrf", csrf.as_str())];
        let r = post!($app, jar, "/console/login", form);
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        jar
    }};
}

#[actix_web::test]
async fn login_sets_strict_http_only_cookies_and_shows_the_dashboard() {
    let w: World = world();
    let app = app!(w);
    let mut jar = Jar::default();

    let r = get!(&app, jar, "/console");
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location.as_deref(), Some("/console/login"));

    let page = get!(&app, jar, "/console/login");
    let csrf = csrf_of(&page.body);
    let r = post!(&app, jar, "/console/login", &[("username", "ys_admin"), ("password", PASSWORD), ("csrf", &csrf),],);
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location.as_deref(), Some("/console"));
    for name in ["tb_session", "tb_refresh"] {
        let c = r.set.iter().find(|c| c.name() == name).expect(name);
        assert_eq!(c.http_only(), Some(true), "{name}");
        assert_eq!(c.same_site(), Some(SameSite::Strict), "{name}");
        assert_eq!(c.path(), Some("/console"), "{name}");
        assert!(c.max_age().is_some(), "{name}");
    }
    assert!(jar.get("tb_csrf").is_none(), "login token is spent");

    let r = get!(&app, jar, "/console");
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.cache.as_deref(), Some("no-store"));
    for needle in [
        "欢迎",
        "永寿县中心管理员",
        "永寿县政务服务中心",
        "中心管理员",
        "今日收件",
        "通办 · 政务服务管理平台",
        "退出登录",
        "用户管理",
        "审计日志",
        "2026年3月2日 星期一",
        // The switcher lists the own tenant and its children.
        r#"<option value="610426000000" selected>永寿县政务服务中心</option>"#,
        "监军街道便民服务中心",
    ] {
        assert!(r.body.contains(needle), "{needle}");
    }
    assert!(!r.body.contains("即将上线"), "every menu entry is built");
    // Not a child of 永寿县, nor a sibling.
    assert!(!r.body.contains("东街社区"));
    assert!(!r.body.contains("秦都区"));
}

#[actix_web::test]
async fn wrong_passwords_are_401_then_429() {
    let w = world();
    let app = app!(w);
    let mut jar = Jar::default();
    let page = get!(&app, jar, "/console/login");
    let csrf = csrf_of(&page.body);
    let attempt = |password: &'static str| {
        jar.with(TestRequest::post().uri("/console/login"))
            .set_form([("username", "ys_admin"), ("password", password), ("csrf", csrf.as_str())])
            .to_request()
    };
    let mut last = None;
    for _ in 0..5 {
        let r = send(&app, &mut Jar::default(), attempt("wrong")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("用户名或密码错误"));
        assert!(r.body.contains(r#"value="ys_admin""#));
        assert!(r.set.iter().all(|c| c.name() != "tb_session"));
        last = Some(r);
    }
    assert!(last.is_some());
    let r = send(&app, &mut Jar::default(), attempt(PASSWORD)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("操作过于频繁"), "{}", r.body);
}

#[actix_web::test]
async fn tenant_switch_checks_csrf_and_scope() {
    let w = world();
    let app = app!(w);
    let mut jar = logged_in!(&app, "ys_admin");
    let home = get!(&app, jar, "/console");
    let csrf = csrf_of(&home.body);

    // Forged: no token.
    let r = post!(&app, jar, "/console/tenant", &[("tenant", "610426001000"), ("csrf", "00")],);
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("页面已过期"));
    assert!(jar.get("tb_tenant").is_none());

    // A sibling county: outside the scope.
    let r = post!(&app, jar, "/console/tenant", &[("tenant", "610402000000"), ("csrf", &csrf)],);
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("无权访问秦都区的数据"), "{}", r.body);
    assert!(r.body.contains("永寿县中心管理员"), "error inside the layout");

    // Garbage and unknown codes.
    let r = post!(&app, jar, "/console/tenant", &[("tenant", "abc"), ("csrf", &csrf)],);
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("区划代码"));
    let r = post!(&app, jar, "/console/tenant", &[("tenant", "610426999000"), ("csrf", &csrf)],);
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // A child town.
    let r = post!(
        &app,
        jar,
        "/console/tenant",
        &[("tenant", "610426001000"), ("csrf", &csrf), ("back", "/console/tenants"),],
    );
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location.as_deref(), Some("/console/tenants"));
    assert_eq!(jar.get("tb_tenant"), Some("610426001000"));
    let r = get!(&app, jar, "/console/tenants");
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(r#"id="current-center">监军街道便民服务中心<"#));
    assert!(r.body.contains("东街社区便民服务站"));
    assert!(r.body.contains("村级"));

    // Back to the own tenant drops the cookie.
    let r = post!(
        &app,
        jar,
        "/console/tenant",
        &[("tenant", "610426000000"), ("csrf", &csrf), ("back", "https://evil.example/"),],
    );
    assert_eq!(r.location.as_deref(), Some("/console"));
    assert!(jar.get("tb_tenant").is_none());

    // A stale or forged tenant cookie falls back to the own tenant.
    jar.0.insert("tb_tenant".into(), "610402000000".into());
    let r = get!(&app, jar, "/console");
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(r#"id="current-center">永寿县政务服务中心<"#));
    assert!(jar.get("tb_tenant").is_none());
}

#[actix_web::test]
async fn tenants_page_pages_with_cursor() {
    let w = world();
    let app = app!(w);
    let mut jar = logged_in!(&app, "ys_admin");
    let r = get!(&app, jar, "/console/tenants");
    assert_eq!(r.status, StatusCode::OK);
    let total = EXTRA_TOWNS + 1;
    assert!(r.body.contains(&format!("共 {total} 个")), "{}", r.body);
    assert!(r.body.contains("610426001000"));
    assert!(r.body.contains("乡镇级"));
    assert!(r.body.contains("监军街道便民服务中心"));
    assert_eq!(r.body.matches("<tr><td").count(), 50);
    let marker = "/console/tenants?after=";
    let at = r.body.find(marker).expect("next link") + marker.len();
    let cursor = &r.body[at..at + 12];
    assert!(r.body.contains("下一页"));
    let r = get!(&app, jar, &format!("/console/tenants?after={cursor}"));
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body.matches("<tr><td").count(), total - 50);
    assert!(!r.body.contains("下一页"));
    assert!(r.body.contains("首页"));
}

#[actix_web::test]
async fn station_staff_see_their_own_station_only() {
    let w = world();
    let app = app!(w);
    let mut jar = logged_in!(&app, "jj_staff");
    let r = get!(&app, jar, "/console");
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("监军街道便民服务中心"));
    assert!(r.body.contains("站点人员"));
    assert!(r.body.contains("办件"));
    assert!(!r.body.contains("用户管理"));
    assert!(!r.body.contains("东街社区"), "station staff reach their own tenant only");
    let csrf = csrf_of(&r.body);
    let r = post!(&app, jar, "/console/tenant", &[("tenant", "610426000000"), ("csrf", &csrf)],);
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn expired_access_tokens_are_refreshed() {
    let w = world();
    let app = app!(w);
    let mut jar = logged_in!(&app, "ys_admin");
    let old_access = jar.get("tb_session").expect("session").to_owned();
    let old_refresh = jar.get("tb_refresh").expect("refresh").to_owned();
    w.clock.advance(chrono::Duration::minutes(16));

    let r = get!(&app, jar, "/console");
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("永寿县中心管理员"));
    assert_ne!(jar.get("tb_session"), Some(old_access.as_str()));
    assert_ne!(jar.get("tb_refresh"), Some(old_refresh.as_str()));

    // The browser dropped the expired access cookie: the refresh cookie alone suffices.
    w.clock.advance(chrono::Duration::minutes(16));
    jar.0.remove("tb_session");
    let r = get!(&app, jar, "/console");
    assert_eq!(r.status, StatusCode::OK);
    assert!(jar.get("tb_session").is_some());

    // The CSRF token survives a refresh (it binds to the session family).
    let csrf = csrf_of(&r.body);
    w.clock.advance(chrono::Duration::minutes(16));
    let r = post!(&app, jar, "/console/tenant", &[("tenant", "610426001000"), ("csrf", &csrf)],);
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.set.iter().any(|c| c.name() == "tb_session"));

    // Without a refresh cookie an expired session goes back to login, cookies cleared.
    w.clock.advance(chrono::Duration::minutes(16));
    jar.0.remove("tb_refresh");
    let r = get!(&app, jar, "/console");
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location.as_deref(), Some("/console/login"));
    assert!(jar.0.is_empty(), "{:?}", jar.0);
}

#[actix_web::test]
async fn logout_revokes_the_session() {
    let w = world();
    let app = app!(w);
    let mut jar = logged_in!(&app, "ys_admin");
    let before = jar.clone();
    let home = get!(&app, jar, "/console");
    let csrf = csrf_of(&home.body);

    let r = post!(&app, jar, "/console/logout", &[("csrf", "bad")]);
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(jar.get("tb_session").is_some());

    let r = post!(&app, jar, "/console/logout", &[("csrf", &csrf)]);
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location.as_deref(), Some("/console/login?out=1"));
    assert!(jar.get("tb_session").is_none() && jar.get("tb_refresh").is_none());
    let page = get!(&app, jar, "/console/login?out=1");
    assert!(page.body.contains("已退出登录"));

    // The old cookies no longer work, access token or refresh token.
    let mut replay = before;
    let r = get!(&app, replay, "/console");
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location.as_deref(), Some("/console/login"));
}
