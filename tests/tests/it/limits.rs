//! Hostile and careless requests: nesting, sizes, batches, broken JSON, many aliases, service
//! tokens. None may crash the server, hold the pool, or answer INTERNAL.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tests::{ServerProcess, TestApp, YONGSHOU, error_code, error_message};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BIN: &str = env!("CARGO_BIN_EXE_tongban-under-test");

async fn post_raw(client: &reqwest::Client, url: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let r = client.post(url).header("content-type", "application/json").body(body).send().await.expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or_else(|_| json!({ "raw": text })))
}

#[tokio::test]
async fn deep_nesting_from_an_anonymous_client_is_refused_and_the_server_lives() {
    let app = TestApp::spawn().await;
    let mut server = ServerProcess::start(BIN, &app, &[]).await;
    let client = reqwest::Client::new();
    let url = server.url("/graphql");

    // The probe's 4,058-byte body: 2,000 '[' in an argument.
    let lists = json!({ "query": format!("{{ tenants(first: 1, after: {}) {{ totalCount }} }}", "[".repeat(2000)) });
    // 1,500 nested input objects.
    let objects = json!({ "query": format!("{{ tenants(first: 1, after: {}1{}) {{ totalCount }} }}", "{a:".repeat(1500), "}".repeat(1500)) });
    // The same depth in variables, and a depth JSON itself still accepts.
    let deep_vars = format!(
        "{{\"query\":\"query($a: String) {{ tenants(first: 1, after: $a) {{ totalCount }} }}\",\"variables\":{{\"a\":{}1{}}}}}",
        "[".repeat(1500),
        "]".repeat(1500)
    );
    let mid_vars = format!(
        "{{\"query\":\"query($a: JSON) {{ __typename }}\",\"variables\":{{\"a\":{}1{}}}}}",
        "[".repeat(100),
        "]".repeat(100)
    );
    let bodies = [
        serde_json::to_string(&lists).expect("json"),
        serde_json::to_string(&objects).expect("json"),
        deep_vars,
        mid_vars,
    ];
    assert!(bodies[0].len() < 4200, "the probe's size");
    for body in bodies {
        let (status, r) = post_raw(&client, &url, body.clone()).await;
        assert_eq!(status, 400, "{r}");
        assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
        assert!(error_message(&r).contains("嵌套过深"), "{r}");
        assert!(!server.exited() && server.is_alive().await, "the server died on {}", &body[..80]);
    }
    // A normal request still works on the same process.
    let (status, r) = post_raw(&client, &url, r#"{"query":"{ __typename }"}"#).await;
    assert_eq!((status, &r["data"]["__typename"]), (200, &json!("Query")), "{r}");
}

#[tokio::test]
async fn bodies_over_the_limit_answer_413_and_store_nothing() {
    let app = TestApp::spawn_with(|c| c.max_body_bytes = 64 * 1024).await;
    let token = app.token("ys_window").await;
    let url = app.url("/graphql");
    let big_form = json!({
        "query": "mutation($i: SubmitCaseInput!) { submitCase(input: $i) { case { id } } }",
        "variables": { "i": { "implItemId": "00000000-0000-0000-0000-000000000000", "form": { "x": "永".repeat(40_000) } } }
    });
    let r = app.client.post(&url).bearer_auth(&token).json(&big_form).send().await.expect("request");
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.expect("json error");
    assert_eq!(error_code(&body), "INVALID_INPUT", "{body}");
    assert!(error_message(&body).contains("请求体过大"), "{body}");

    // Without a declared length (chunked), the limit holds while reading.
    let (status, head) = chunked_post(app.port, "/graphql", 200 * 1024).await;
    assert_eq!(status, 413, "{head}");

    // Under the limit the server answers as usual.
    let (status, r) = post_raw(&app.client, &url, r#"{"query":"{ __typename }"}"#).await;
    assert_eq!((status, &r["data"]["__typename"]), (200, &json!("Query")));
    let cases = app.gql(Some(&token), "{ cases { totalCount } }", json!({})).await;
    assert_eq!(cases["data"]["cases"]["totalCount"], 0, "{cases}");
}

/// Sends `size` bytes of JSON-looking text with `Transfer-Encoding: chunked`; returns the status
/// and the head of the answer.
async fn chunked_post(port: u16, path: &str, size: usize) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.expect("head");
    let chunk = vec![b' '; 8192];
    let mut sent = 0;
    while sent < size {
        let frame = [format!("{:x}\r\n", chunk.len()).into_bytes(), chunk.clone(), b"\r\n".to_vec()].concat();
        if s.write_all(&frame).await.is_err() {
            break; // the server closed early: it refused the body
        }
        sent += chunk.len();
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, text.chars().take(300).collect())
}

#[tokio::test]
async fn batches_and_broken_json_answer_in_the_graphql_format() {
    let app = TestApp::spawn().await;
    let url = app.url("/graphql");
    for (body, says) in [
        (r#"[{"query":"{ __typename }"},{"query":"{ __typename }"}]"#, "批量"),
        (r#"{"query": "{ __typename }""#, "JSON"),
        ("not json at all", "JSON"),
        (r#"{"query": 42}"#, "query"),
        (r#"{"query": "{ __typename }", "variables": [1]}"#, "variables"),
        (r#"{"query": "{ me "}"#, "请求无效"),
    ] {
        let (status, r) = post_raw(&app.client, &url, body).await;
        assert_eq!(status, 400, "{body}: {r}");
        assert_eq!(error_code(&r), "INVALID_INPUT", "{body}: {r}");
        assert!(error_message(&r).contains(says), "{body}: {r}");
    }
}

/// The public routes with oversized or odd input: a 4xx, never a 5xx, and the server lives.
#[tokio::test]
async fn every_public_route_bounds_its_input() {
    let app = TestApp::spawn().await;
    let mut server = ServerProcess::start(BIN, &app, &[]).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let big = "a".repeat(3 << 20);
    let long_segment = "6".repeat(4000);
    let deep_query = format!("q={}", "%5B".repeat(2000));
    let posts = ["/graphql", "/console/login", "/console/cases", "/guide", "/lobby/610426000000", "/healthz"];
    for path in posts {
        let r = client
            .post(server.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("username={big}"))
            .send()
            .await;
        if let Ok(r) = r {
            assert!(r.status().as_u16() < 500, "POST {path}: {}", r.status());
        }
        assert!(!server.exited() && server.is_alive().await, "POST {path} killed the server");
    }
    let gets = [
        format!("/guide?{deep_query}"),
        format!("/guide/{long_segment}"),
        format!("/lobby/{long_segment}"),
        "/lobby/6104260010%00".to_owned(),
        format!("/guide?tenant={}", "%00".repeat(100)),
        format!("/console/login?{deep_query}"),
        format!("/graphql?{deep_query}"),
    ];
    for path in &gets {
        let r = client.get(server.url(path)).send().await.expect("answer");
        assert!(r.status().as_u16() < 500, "GET {path}: {}", r.status());
        assert!(!server.exited(), "GET {path} killed the server");
    }
    assert!(server.is_alive().await);
}

#[tokio::test]
async fn many_aliases_are_refused_and_a_bounded_request_does_not_starve_others() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let aliases =
        |p: &str, n: usize, field: &str| (0..n).map(|i| format!("{p}{i}: {field}")).collect::<Vec<_>>().join(" ");

    // The probe's request: 400 aliased audit verifications. Refused before anything runs.
    let q = format!("{{ {} }}", aliases("a", 400, &format!("verifyAudit(tenant: \"{YONGSHOU}\") {{ intact }}")));
    let started = Instant::now();
    let r = app.gql(Some(&admin), &q, json!({})).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{}", &r.to_string()[..200.min(r.to_string().len())]);
    assert!(r["data"].is_null());
    assert!(started.elapsed() < Duration::from_secs(5), "refused without running");

    // The most a request may ask for: a few verifications and many reads, at most two at once.
    let heavy = format!(
        "{{ {} {} }}",
        aliases("v", 2, &format!("verifyAudit(tenant: \"{YONGSHOU}\") {{ intact }}")),
        aliases("c", 30, "cases(first: 5) { totalCount }")
    );
    let station = app.token("jj_station").await;
    let heavy_req = app.gql(Some(&admin), &heavy, json!({}));
    let other = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let t = Instant::now();
        let r = app.gql(Some(&station), "{ cases(first: 5) { totalCount } }", json!({})).await;
        (r, t.elapsed())
    };
    let (h, (o, waited)) = tokio::join!(heavy_req, other);
    assert!(h["errors"].is_null(), "the bounded request runs: {}", &h.to_string()[..300.min(h.to_string().len())]);
    assert!(o["errors"].is_null(), "another tenant's request answers: {o}");
    assert!(waited < Duration::from_secs(5), "another tenant waited {waited:?}");
}

#[tokio::test]
async fn the_standard_introspection_query_passes_the_depth_limit() {
    let app = TestApp::spawn().await;
    let r = app.gql(None, INTROSPECTION, json!({})).await;
    assert!(r["errors"].is_null(), "{}", &r.to_string()[..300.min(r.to_string().len())]);
    let types = r["data"]["__schema"]["types"].as_array().expect("types");
    assert!(types.iter().any(|t| t["name"] == "Case"));
    // Data fields keep the depth limit even next to introspection.
    let deep = format!("{{ __typename me {{ tenant {} code {} }} }}", "{ parent ".repeat(15), " }".repeat(15));
    assert_eq!(error_code(&app.gql(None, &deep, json!({})).await), "INVALID_INPUT");
}

#[tokio::test]
async fn a_service_token_calls_nothing_but_the_transfer_api() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    let created = app
        .gql(
            Some(&admin),
            "mutation($t: RegionCode!) { createServiceAccount(tenant: $t, name: \"对接\") { clientId clientSecret } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    let sa = &created["data"]["createServiceAccount"];
    let token = app
        .gql(
            None,
            "mutation($i: String!, $s: String!) { serviceToken(clientId: $i, clientSecret: $s) { accessToken } }",
            json!({ "i": sa["clientId"], "s": sa["clientSecret"] }),
        )
        .await["data"]["serviceToken"]["accessToken"]
        .as_str()
        .expect("service token")
        .to_owned();

    let schema = app
        .gql(
            Some(&admin),
            "{ q: __type(name: \"Query\") { fields { name } } m: __type(name: \"Mutation\") { fields { name } } }",
            json!({}),
        )
        .await;
    let names = |k: &str| -> Vec<String> {
        schema["data"][k]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .filter_map(|f| f["name"].as_str().map(str::to_owned))
            .collect()
    };
    let allowed = [
        "serviceToken",
        "transfers",
        "transfer",
        "transferCase",
        "submitRemoteTransfer",
        "receiveTransfer",
        "acceptTransfer",
        "returnTransfer",
        "reportTransferStatus",
    ];
    let mut tried = 0;
    for (kind, fields) in [("query", names("q")), ("mutation", names("m"))] {
        for f in fields.iter().filter(|f| !allowed.contains(&f.as_str())) {
            // Refused before arguments or selections are even looked at.
            let r = app.gql(Some(&token), &format!("{kind} {{ {f} }}"), json!({})).await;
            assert_eq!(error_code(&r), "FORBIDDEN", "{kind} {f}: {r}");
            assert!(error_message(&r).contains("跨域通办"), "{r}");
            tried += 1;
        }
    }
    assert!(tried > 50, "every operation was tried ({tried})");
    // The probe's reads, with arguments and selections.
    for q in [
        "{ cases(first: 5) { nodes { applicant { name idNumberMasked } } } }",
        "{ caseByNo(caseNo: \"X\") { id } }",
        "{ tenants(first: 5) { totalCount } }",
        "{ __schema { types { name } } }",
        "{ __typename ... on Query { cases { totalCount } } }",
        "fragment F on Query { cases { totalCount } } query { ...F }",
    ] {
        let r = app.gql(Some(&token), q, json!({})).await;
        assert_eq!(error_code(&r), "FORBIDDEN", "{q}: {r}");
        assert!(r["data"].is_null(), "{q}: {r}");
    }
    let r = app.gql(Some(&token), "{ __typename }", json!({})).await;
    assert_eq!(r["data"]["__typename"], "Query");
}

/// graphql-js's getIntrospectionQuery() with its defaults, as GraphiQL and graphql-inspector send it.
const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description
    args { ...InputValue }
    type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}
"#;
