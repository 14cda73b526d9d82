use serde_json::Value;
use tests::TestApp;

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = TestApp::spawn().await;
    let h = app.client.get(app.url("/healthz")).send().await.expect("healthz");
    assert_eq!(h.status(), 200);
    let r = app.client.get(app.url("/readyz")).send().await.expect("readyz");
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["database"], "ok");
    let expected_redis = if app.redis_url.is_some() { "ok" } else { "not_configured" };
    assert_eq!(body["redis"], expected_redis, "{body}");
    let m = app.client.get(app.url("/metrics")).send().await.expect("metrics").text().await.expect("text");
    assert!(m.contains("tongban_http_requests_total"), "{m}");
    let g = app.client.get(app.url("/graphql")).send().await.expect("graphiql");
    assert_eq!(g.status(), 404, "GraphiQL is off outside the demo");
}

/// Redis going away while serving degrades the service instead of breaking it.
#[tokio::test]
async fn losing_redis_degrades_but_keeps_serving() {
    let Some(server) = tests::redis::PrivateRedis::start() else {
        eprintln!("redis-server not installed; skipping");
        return;
    };
    let url = server.url();
    let app = TestApp::spawn_with(|c| {
        c.redis_url = Some(url.clone().into());
    })
    .await;
    app.token("ys_admin").await;
    let body: Value = app.client.get(app.url("/readyz")).send().await.expect("readyz").json().await.expect("json");
    assert_eq!(body["redis"], "ok");
    drop(server);
    // Logins (rate limits) and authenticated requests (revocation checks) still work.
    let token = app.token("ys_admin").await;
    let me = app.gql(Some(&token), "{ me { username } }", serde_json::json!({})).await;
    assert_eq!(me["data"]["me"]["username"], "ys_admin", "{me}");
    let r = app.client.get(app.url("/readyz")).send().await.expect("readyz");
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["redis"], "degraded");
    assert_eq!(body["status"], "degraded");
}

/// GraphiQL comes from the binary: no CDN, so it works on a network without the internet.
#[tokio::test]
async fn graphiql_is_served_offline_from_the_binary() {
    let app = TestApp::spawn_with(|c| c.graphiql = true).await;
    let page = app.client.get(app.url("/graphql")).send().await.expect("graphiql");
    assert_eq!(page.status(), 200);
    let csp = page.headers().get("content-security-policy").expect("csp").to_str().expect("ascii").to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = page.text().await.expect("html");
    assert!(!html.contains("unpkg") && !html.contains("cdn") && !html.contains("https://"), "{html}");
    for (file, ty, needle) in [
        ("graphiql.min.js", "text/javascript", "MIT License"),
        ("graphiql.min.css", "text/css", ".graphiql-container"),
        ("react.production.min.js", "text/javascript", "@license React"),
        ("react-dom.production.min.js", "text/javascript", "@license React"),
        ("init.js", "text/javascript", "GraphiQL.createFetcher"),
    ] {
        assert!(html.contains(&format!("/graphiql/{file}")), "{file} linked");
        let r = app.client.get(app.url(&format!("/graphiql/{file}"))).send().await.expect("asset");
        assert_eq!(r.status(), 200, "{file}");
        let content_type = r.headers().get("content-type").expect("type").to_str().expect("ascii").to_owned();
        assert!(content_type.starts_with(ty), "{file}: {content_type}");
        let body = r.text().await.expect("body");
        assert!(body.contains(needle), "{file} keeps {needle}");
    }
    let r = app.client.get(app.url("/graphiql/secret.txt")).send().await.expect("asset");
    assert_eq!(r.status(), 404);
}
