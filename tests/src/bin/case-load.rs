//! Load: full cases (submit, accept, decide, deliver) through GraphQL with concurrent clients.
//!
//! `case-load <base-url> [clients] [cases]`: logs in `ys_window` and `ys_approver` of the 永寿县 demo, finds the
//! published 教师资格认定 item, then `clients` tasks run `cases` cases in all. Prints throughput and latency
//! percentiles; exits non-zero on any error.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

const SUBMIT: &str = "mutation($i: SubmitCaseInput!) { submitCase(input: $i) { case { id } } }";
const ACCEPT: &str = "mutation($id: ID!) { acceptCase(id: $id) { status } }";
const DECIDE: &str = "mutation($id: ID!) { decideCase(id: $id, approve: true, opinion: \"符合条件\") { status } }";
const DELIVER: &str = "mutation($id: ID!) { deliverCase(id: $id, method: WINDOW) { status } }";
const MATERIALS: [&str; 5] = ["申请表", "身份证明", "学历证书", "体检合格证明", "普通话水平测试等级证书"];

struct Client {
    http: reqwest::Client,
    url: String,
}

impl Client {
    async fn gql(&self, token: Option<&str>, query: &str, vars: Value) -> anyhow::Result<Value> {
        let mut req = self.http.post(&self.url).json(&json!({ "query": query, "variables": vars }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let body: Value = req.send().await?.error_for_status()?.json().await?;
        if !body["errors"].is_null() {
            bail!("GraphQL error: {}", body["errors"]);
        }
        Ok(body["data"].clone())
    }

    async fn login(&self, user: &str) -> anyhow::Result<String> {
        let q = "mutation($u: String!) { login(username: $u, password: \"Tongban@2026\") { accessToken } }";
        let d = self.gql(None, q, json!({ "u": user })).await?;
        d["login"]["accessToken"].as_str().map(str::to_owned).context("no token")
    }
}

#[derive(Default)]
struct Samples {
    requests: Vec<Duration>,
    cases: Vec<Duration>,
}

async fn one_case(
    c: &Client,
    window: &str,
    approver: &str,
    item: &str,
    n: usize,
    s: &mut Samples,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let timed = |t: Instant, s: &mut Samples| s.requests.push(t.elapsed());
    let input = json!({ "i": {
        "implItemId": item,
        "applicant": { "kind": "PERSON", "name": "王小明", "idNumber": "11010519491231002X", "phone": "13812345678" },
        "providedMaterials": MATERIALS,
        "form": { "subject": "小学语文", "n": n },
    } });
    let t = Instant::now();
    let d = c.gql(Some(window), SUBMIT, input).await?;
    timed(t, s);
    let id = d["submitCase"]["case"]["id"].as_str().context("no case id")?.to_owned();
    for (token, q, want) in
        [(window, ACCEPT, "ACCEPTED"), (approver, DECIDE, "APPROVED"), (window, DELIVER, "DELIVERED")]
    {
        let t = Instant::now();
        let d = c.gql(Some(token), q, json!({ "id": id })).await?;
        timed(t, s);
        let status = d.as_object().and_then(|o| o.values().next()).map(|v| v["status"].clone()).unwrap_or_default();
        if status != want {
            bail!("case {id}: expected {want}, got {status}");
        }
    }
    s.cases.push(started.elapsed());
    Ok(())
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).context("usage: case-load <base-url> [clients] [cases]")?;
    let clients: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(16);
    let total: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(3000);
    let http = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let c = Arc::new(Client { http, url: format!("{}/graphql", base.trim_end_matches('/')) });
    let window = c.login("ys_window").await?;
    let approver = c.login("ys_approver").await?;
    let d = c
        .gql(
            Some(&window),
            "{ implItems(tenant: \"610426000000\", keyword: \"教师资格\", status: PUBLISHED) { nodes { id } } }",
            json!({}),
        )
        .await?;
    let item = d["implItems"]["nodes"][0]["id"].as_str().context("no 教师资格 item")?.to_owned();

    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (c, next, window, approver, item) =
            (c.clone(), next.clone(), window.clone(), approver.clone(), item.clone());
        tasks.push(tokio::spawn(async move {
            let mut s = Samples::default();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    return Ok::<_, anyhow::Error>(s);
                }
                one_case(&c, &window, &approver, &item, n, &mut s).await?;
            }
        }));
    }
    let mut all = Samples::default();
    for t in tasks {
        let s = t.await??;
        all.requests.extend(s.requests);
        all.cases.extend(s.cases);
    }
    let secs = started.elapsed().as_secs_f64();
    all.requests.sort();
    all.cases.sort();
    println!(
        "{} cases by {clients} clients in {secs:.1} s: {:.1} cases/s, {:.0} requests/s",
        all.cases.len(),
        all.cases.len() as f64 / secs,
        all.requests.len() as f64 / secs
    );
    println!(
        "request ms: p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}",
        pct(&all.requests, 0.5),
        pct(&all.requests, 0.9),
        pct(&all.requests, 0.99),
        pct(&all.requests, 1.0)
    );
    println!(
        "case ms:    p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}",
        pct(&all.cases, 0.5),
        pct(&all.cases, 0.9),
        pct(&all.cases, 0.99),
        pct(&all.cases, 1.0)
    );
    Ok(())
}
