use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use tests::{DEMO_PASSWORD, JIANJUN, JWT_SECRET, TestApp, YONGSHOU, error_code, error_message};

const ME: &str = "{ me { username displayName roles tenant { code centerName } } }";

#[tokio::test]
async fn login_returns_a_session_that_works() {
    let app = TestApp::spawn().await;
    let r = app
        .gql(
            None,
            "mutation { login(username: \"ys_admin\", password: \"Tongban@2026\") { accessToken refreshToken expiresAt user { username } } }",
            json!({}),
        )
        .await;
    let s = &r["data"]["login"];
    assert_eq!(s["user"]["username"], "ys_admin");
    assert!(s["expiresAt"].as_str().expect("expiresAt").ends_with("+08:00"), "{r}");
    let me = app.gql(s["accessToken"].as_str(), ME, json!({})).await;
    assert_eq!(me["data"]["me"]["displayName"], "永寿县中心管理员");
    assert_eq!(me["data"]["me"]["roles"], json!(["CENTER_ADMIN"]));
    assert_eq!(me["data"]["me"]["tenant"]["centerName"], "永寿县政务服务中心");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let app = TestApp::spawn().await;
    let q = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";
    let wrong = app.gql(None, q, json!({ "u": "ys_admin", "p": "Wrong@password1" })).await;
    let unknown = app.gql(None, q, json!({ "u": "nobody", "p": "Wrong@password1" })).await;
    for r in [&wrong, &unknown] {
        assert_eq!(error_code(r), "UNAUTHENTICATED");
        assert_eq!(error_message(r), "用户名或密码错误");
        assert!(r["data"].is_null());
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_user_name() {
    let app = TestApp::spawn().await;
    let q = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";
    for _ in 0..5 {
        let r = app.gql(None, q, json!({ "u": "ys_window", "p": "Wrong@password1" })).await;
        assert_eq!(error_code(&r), "UNAUTHENTICATED");
    }
    let r = app.gql(None, q, json!({ "u": "ys_window", "p": DEMO_PASSWORD })).await;
    assert_eq!(error_code(&r), "RATE_LIMITED", "{r}");
    assert!(error_message(&r).contains("操作过于频繁"));
    // Another user name is not affected.
    app.token("ys_admin").await;
}

#[tokio::test]
async fn the_client_limit_counts_failures_not_logins() {
    // One office address: many successful logins pass; failures from it are limited.
    let app = TestApp::spawn_with(|c| c.login_attempts_per_client = 3).await;
    let q = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";
    for user in ["ys_admin", "ys_window", "ys_approver", "ys_supervisor", "ys_admin"] {
        let r = app.gql(None, q, json!({ "u": user, "p": DEMO_PASSWORD })).await;
        assert!(r["data"]["login"]["accessToken"].is_string(), "{user}: {r}");
    }
    for user in ["ys_admin", "ys_window", "ys_approver"] {
        let r = app.gql(None, q, json!({ "u": user, "p": "Wrong@password1" })).await;
        assert_eq!(error_code(&r), "UNAUTHENTICATED", "{r}");
    }
    // Three failures from this client: even the right password now waits.
    let r = app.gql(None, q, json!({ "u": "ys_supervisor", "p": DEMO_PASSWORD })).await;
    assert_eq!(error_code(&r), "RATE_LIMITED", "{r}");
}

#[tokio::test]
async fn requests_without_a_token_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let r = app.gql(None, ME, json!({})).await;
    assert_eq!(error_code(&r), "UNAUTHENTICATED");
    assert_eq!(error_message(&r), "请先登录");
}

fn forge(alg: Algorithm, secret: &[u8], claims: Value) -> String {
    encode(&Header::new(alg), &claims, &EncodingKey::from_secret(secret)).expect("encode")
}

fn claims_of(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("payload");
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("b64"))
        .expect("json")
}

#[tokio::test]
async fn tampered_expired_and_foreign_tokens_are_rejected() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let app = TestApp::spawn().await;
    let token = app.token("jj_station").await;
    let claims = claims_of(&token);

    // Tampered payload: claim the platform administrator's role with the old signature.
    let mut raised = claims.clone();
    raised["roles"] = json!(["PLATFORM_ADMIN"]);
    let parts: Vec<&str> = token.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], b64.encode(raised.to_string()), parts[2]);

    // alg: none, unsigned.
    let none = format!("{}.{}.", b64.encode(r#"{"alg":"none","typ":"JWT"}"#), b64.encode(raised.to_string()));

    // Another algorithm with the right secret.
    let hs384 = forge(Algorithm::HS384, JWT_SECRET.as_bytes(), claims.clone());

    // The right algorithm, the wrong key.
    let wrong_key = forge(Algorithm::HS256, b"another-secret-that-is-long-enough-0123456789", claims.clone());

    // Expired.
    let mut old = claims.clone();
    old["iat"] = json!(chrono::Utc::now().timestamp() - 7200);
    old["exp"] = json!(chrono::Utc::now().timestamp() - 3600);
    let expired = forge(Algorithm::HS256, JWT_SECRET.as_bytes(), old);

    for (what, t) in [
        ("tampered", &tampered),
        ("none", &none),
        ("hs384", &hs384),
        ("wrong key", &wrong_key),
        ("expired", &expired),
        ("garbage", &"abc.def".to_owned()),
    ] {
        let r = app.gql(Some(t), ME, json!({})).await;
        assert_eq!(error_code(&r), "UNAUTHENTICATED", "{what}: {r}");
        assert!(r["data"].is_null(), "{what}");
    }
    let r = app.gql(Some(&expired), ME, json!({})).await;
    assert!(error_message(&r).contains("已过期"));

    // The genuine token still works, and a forged one made with the real key would too:
    // so the rejections above are about the token, not the harness.
    let genuine = forge(Algorithm::HS256, JWT_SECRET.as_bytes(), claims);
    assert_eq!(app.gql(Some(&genuine), ME, json!({})).await["data"]["me"]["username"], "jj_station");
}

const REFRESH: &str = "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }";

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = TestApp::spawn().await;
    let (_, r1) = app.login("ys_admin", DEMO_PASSWORD).await;
    let s2 = app.gql(None, REFRESH, json!({ "t": r1 })).await;
    let r2 = s2["data"]["refreshSession"]["refreshToken"].as_str().expect("rotated").to_owned();
    let a2 = s2["data"]["refreshSession"]["accessToken"].as_str().expect("access").to_owned();
    assert_ne!(r1, r2);
    assert_eq!(app.gql(Some(&a2), ME, json!({})).await["data"]["me"]["username"], "ys_admin");

    // Presenting r1 again is a reuse: refused, and r2 dies with it.
    let reuse = app.gql(None, REFRESH, json!({ "t": r1 })).await;
    assert_eq!(error_code(&reuse), "UNAUTHENTICATED");
    assert!(error_message(&reuse).contains("已被使用"));
    let after = app.gql(None, REFRESH, json!({ "t": r2 })).await;
    assert_eq!(error_code(&after), "UNAUTHENTICATED", "{after}");

    // A new login is unaffected.
    let (_, r3) = app.login("ys_admin", DEMO_PASSWORD).await;
    assert!(app.gql(None, REFRESH, json!({ "t": r3 })).await["data"]["refreshSession"].is_object());
    let bogus = app.gql(None, REFRESH, json!({ "t": "not-a-token" })).await;
    assert_eq!(error_code(&bogus), "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_detected_reuse_also_stops_the_family_access_tokens() {
    let app = TestApp::spawn().await;
    let (a1, r1) = app.login("ys_admin", DEMO_PASSWORD).await;
    let s2 = app.gql(None, REFRESH, json!({ "t": r1 })).await;
    let a2 = s2["data"]["refreshSession"]["accessToken"].as_str().expect("access").to_owned();
    let (other, _) = app.login("ys_admin", DEMO_PASSWORD).await;
    for a in [&a1, &a2, &other] {
        assert_eq!(app.gql(Some(a), ME, json!({})).await["data"]["me"]["username"], "ys_admin");
    }
    // r1 presented again: the thief's and the owner's access tokens of that session stop at once.
    assert_eq!(error_code(&app.gql(None, REFRESH, json!({ "t": r1 })).await), "UNAUTHENTICATED");
    for a in [&a1, &a2] {
        let me = app.gql(Some(a), ME, json!({})).await;
        assert_eq!(error_code(&me), "UNAUTHENTICATED", "{me}");
    }
    // Another session of the same user is not touched.
    assert_eq!(app.gql(Some(&other), ME, json!({})).await["data"]["me"]["username"], "ys_admin");
}

#[tokio::test]
async fn logout_ends_every_access_token_of_the_session() {
    let app = TestApp::spawn().await;
    let (a1, r1) = app.login("ys_admin", DEMO_PASSWORD).await;
    let s2 = app.gql(None, REFRESH, json!({ "t": r1 })).await;
    let a2 = s2["data"]["refreshSession"]["accessToken"].as_str().expect("access").to_owned();
    assert_eq!(app.gql(Some(&a2), "mutation { logout }", json!({})).await["data"]["logout"], true);
    let me = app.gql(Some(&a1), ME, json!({})).await;
    assert_eq!(error_code(&me), "UNAUTHENTICATED", "the earlier token of the session: {me}");
}

#[tokio::test]
async fn logout_revokes_access_and_refresh() {
    let app = TestApp::spawn().await;
    let (access, refresh) = app.login("ys_admin", DEMO_PASSWORD).await;
    let r = app.gql(Some(&access), "mutation { logout }", json!({})).await;
    assert_eq!(r["data"]["logout"], true, "{r}");
    let me = app.gql(Some(&access), ME, json!({})).await;
    assert_eq!(error_code(&me), "UNAUTHENTICATED");
    assert!(error_message(&me).contains("已注销"));
    assert_eq!(error_code(&app.gql(None, REFRESH, json!({ "t": refresh })).await), "UNAUTHENTICATED");
}

#[tokio::test]
async fn service_accounts_get_tokens_for_cross_area_work_only() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let created = app
        .gql(
            Some(&admin),
            "mutation($t: RegionCode!) { createServiceAccount(tenant: $t, name: \"礼泉县通办对接\") { clientId clientSecret tenant { code } } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    let sa = &created["data"]["createServiceAccount"];
    let (id, secret) = (sa["clientId"].as_str().expect("id"), sa["clientSecret"].as_str().expect("secret"));
    assert_eq!(sa["tenant"]["code"], YONGSHOU);

    let q = "mutation($i: String!, $s: String!) { serviceToken(clientId: $i, clientSecret: $s) { accessToken refreshToken user { username } } }";
    let bad = app.gql(None, q, json!({ "i": id, "s": "wrong" })).await;
    assert_eq!(error_code(&bad), "UNAUTHENTICATED");
    let ok = app.gql(None, q, json!({ "i": id, "s": secret })).await;
    let token = ok["data"]["serviceToken"]["accessToken"].as_str().expect("token");
    assert!(ok["data"]["serviceToken"]["user"].is_null());

    // Limited to the cross-area API: no browsing, no user management.
    let t =
        app.gql(Some(token), "query($c: RegionCode!) { tenant(code: $c) { name } }", json!({ "c": YONGSHOU })).await;
    assert_eq!(error_code(&t), "FORBIDDEN", "{t}");
    let u = app
        .gql(
            Some(token),
            "mutation($t: RegionCode!) { createServiceAccount(tenant: $t, name: \"x\") { clientId } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    assert_eq!(error_code(&u), "FORBIDDEN");

    // A station clerk may not create service accounts.
    let clerk = app.token("jj_station").await;
    let r = app
        .gql(
            Some(&clerk),
            "mutation($t: RegionCode!) { createServiceAccount(tenant: $t, name: \"x\") { clientId } }",
            json!({ "t": JIANJUN }),
        )
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN");
}

const CREATE_USER: &str =
    "mutation($i: CreateUserInput!) { createUser(input: $i) { id username tenant { code } roles } }";

#[tokio::test]
async fn create_user_checks_rights_and_input() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let input = |tenant: &str, username: &str, password: &str, roles: Value| json!({ "i": { "tenant": tenant, "username": username, "password": password, "displayName": "张三", "roles": roles } });
    let ok =
        app.gql(Some(&admin), CREATE_USER, input(JIANJUN, "jj_clerk2", "Strong#pass1", json!(["STATION_STAFF"]))).await;
    assert_eq!(ok["data"]["createUser"]["tenant"]["code"], JIANJUN, "{ok}");
    // The new user can log in.
    app.login("jj_clerk2", "Strong#pass1").await;

    let cases = [
        (input(tests::QINDU, "qd_x", "Strong#pass1", json!(["WINDOW_STAFF"])), "FORBIDDEN"),
        (input(JIANJUN, "jj_x", "weak", json!(["STATION_STAFF"])), "INVALID_INPUT"),
        (input(JIANJUN, "张三", "Strong#pass1", json!(["STATION_STAFF"])), "INVALID_INPUT"),
        (input(JIANJUN, "jj_y", "Strong#pass1", json!([])), "INVALID_INPUT"),
        (input(JIANJUN, "jj_z", "Strong#pass1", json!(["PLATFORM_ADMIN"])), "FORBIDDEN"),
        (input(YONGSHOU, "ys_st", "Strong#pass1", json!(["STATION_STAFF"])), "INVALID_INPUT"),
        (input("6104260010", "jj_w", "Strong#pass1", json!(["STATION_STAFF"])), "INVALID_INPUT"),
        (input(JIANJUN, "JJ_CLERK2", "Strong#pass1", json!(["STATION_STAFF"])), "CONFLICT"),
    ];
    for (vars, code) in cases {
        let r = app.gql(Some(&admin), CREATE_USER, vars.clone()).await;
        assert_eq!(error_code(&r), code, "{vars}: {r}");
        assert!(error_message(&r).chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "Chinese message: {r}");
    }
    // Nothing of the failed attempts exists: their names are still free.
    for name in ["qd_x", "jj_x", "jj_y", "jj_z", "ys_st"] {
        let r =
            app.gql(Some(&admin), CREATE_USER, input(JIANJUN, name, "Strong#pass1", json!(["STATION_STAFF"]))).await;
        assert!(r["errors"].is_null(), "{name}: {r}");
    }

    // A station clerk cannot create users at all.
    let clerk = app.token("jj_station").await;
    let r = app.gql(Some(&clerk), CREATE_USER, input(JIANJUN, "jj_v", "Strong#pass1", json!(["STATION_STAFF"]))).await;
    assert_eq!(error_code(&r), "FORBIDDEN");
}

#[tokio::test]
async fn malformed_requests_get_a_code_too() {
    let app = TestApp::spawn().await;
    let token = app.token("ys_admin").await;
    for q in ["{ me { nope } }", "{ me ", "query { tenants(first: \"x\") { totalCount } }"] {
        let r = app.gql(Some(&token), q, json!({})).await;
        assert_eq!(error_code(&r), "INVALID_INPUT", "{q}: {r}");
    }
    let deep = format!("{{ me {{ tenant {} code {} }} }}", "{ parent ".repeat(15), " }".repeat(15));
    let r = app.gql(Some(&token), &deep, json!({})).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    let r = app.gql(Some(&token), "{ tenants(first: 500) { totalCount } }", json!({})).await;
    assert_eq!(error_code(&r), "INVALID_INPUT");
}
