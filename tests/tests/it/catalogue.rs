//! The catalogue: departments, base items, implementation lists, delegation, service guides and
//! catalogue import.

use std::io::Write;
use std::process::{Command, Output};

use serde_json::{Value, json};
use tests::{DIANTOU, JIANJUN, QINDU, TestApp, XIANYANG, YONGSHOU, error_code, error_message, href_of};

const ITEM_FIELDS: &str = "id implCode status version promisedDays caseKind crossAreaScope feeYuan place
  tenant { code } department { id name creditCode }
  base { id baseCode name kind legalBasis levels version statutoryDays }
  materials { name originals copies required deferrable }";

fn implement() -> String {
    format!("mutation($i: ImplItemInput!) {{ implementItem(input: $i) {{ {ITEM_FIELDS} }} }}")
}

fn guide() -> String {
    format!("query($c: String!) {{ serviceGuide(implCode: $c) {{ {ITEM_FIELDS} }} }}")
}

const BASES: &str = "query($k: String, $kind: ItemKind, $a: String) { baseItems(keyword: $k, kind: $kind, first: 50, after: $a) {
  totalCount pageInfo { hasNextPage endCursor } nodes { id baseCode name kind levels statutoryDays version materials { name } } } }";

const LIST: &str = "query($t: RegionCode!, $k: String, $s: ImplItemStatus, $kind: ItemKind, $f: Int = 50, $a: String) {
  implItems(tenant: $t, keyword: $k, status: $s, kind: $kind, first: $f, after: $a) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id implCode status base { name baseCode kind } } } }";

const DEPTS: &str =
    "query($t: RegionCode!) { departments(tenant: $t) { id name creditCode stationed tenant { code } } }";

const CREATE_DEPT: &str = "mutation($t: RegionCode!, $n: String!, $c: String!) {
  createDepartment(tenant: $t, name: $n, creditCode: $c) { id name creditCode stationed } }";

/// GB 32100 check character, computed independently of the product code.
fn credit(body17: &str) -> String {
    const CS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [usize; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let sum: usize = body17.chars().zip(W).map(|(c, w)| CS.find(c).expect("charset") * w).sum();
    let check = (31 - sum % 31) % 31;
    format!("{body17}{}", CS.as_bytes()[check] as char)
}

async fn base_id(app: &TestApp, token: &str, code: &str) -> String {
    let r = app.gql(Some(token), BASES, json!({ "k": code })).await;
    r["data"]["baseItems"]["nodes"][0]["id"].as_str().unwrap_or_else(|| panic!("base {code}: {r}")).to_owned()
}

async fn dept(app: &TestApp, token: &str, tenant: &str, name: &str, body: &str) -> String {
    let r = app.gql(Some(token), CREATE_DEPT, json!({ "t": tenant, "n": name, "c": credit(body) })).await;
    r["data"]["createDepartment"]["id"].as_str().unwrap_or_else(|| panic!("dept: {r}")).to_owned()
}

async fn list(app: &TestApp, token: &str, vars: Value) -> Value {
    let r = app.gql(Some(token), LIST, vars).await;
    assert!(r["errors"].is_null(), "{r}");
    r["data"]["implItems"].clone()
}

async fn audit_actions(app: &TestApp, token: &str, tenant: &str) -> Vec<String> {
    let q = "query($t: RegionCode!) { auditLog(tenant: $t, first: 200) { nodes { action target } } }";
    let r = app.gql(Some(token), q, json!({ "t": tenant })).await;
    r["data"]["auditLog"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|n| n["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn the_demo_has_a_catalogue_departments_and_published_guides() {
    let app = TestApp::spawn().await;
    let ys = app.token("ys_admin").await;
    let all = app.gql(Some(&ys), BASES, json!({})).await;
    assert_eq!(all["data"]["baseItems"]["totalCount"], 31, "{all}");
    let licensing = app.gql(Some(&ys), BASES, json!({ "kind": "LICENSING" })).await;
    let nodes = licensing["data"]["baseItems"]["nodes"].as_array().expect("nodes");
    assert!(!nodes.is_empty() && nodes.iter().all(|n| n["kind"] == "LICENSING"));
    let kw = app.gql(Some(&ys), BASES, json!({ "k": "收养" })).await;
    assert_eq!(kw["data"]["baseItems"]["totalCount"], 2, "{kw}");

    let depts = app.gql(Some(&ys), DEPTS, json!({ "t": YONGSHOU })).await;
    let depts = depts["data"]["departments"].as_array().expect("departments").clone();
    assert!(depts.iter().any(|d| d["name"] == "民政局"));
    assert!(depts.iter().all(|d| d["creditCode"].as_str().is_some_and(|c| c.len() == 18)));

    let published = list(&app, &ys, json!({ "t": YONGSHOU, "s": "PUBLISHED" })).await;
    assert!(published["totalCount"].as_u64().is_some_and(|n| n >= 5), "{published}");
    let town = list(&app, &ys, json!({ "t": JIANJUN })).await;
    assert_eq!(town["nodes"][0]["base"]["name"], "临时救助", "{town}");
    assert_eq!(town["nodes"][0]["status"], "PUBLISHED");

    // The guide needs no login and shows every element in Chinese.
    let code = published["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["base"]["name"] == "结婚登记")
        .and_then(|n| n["implCode"].as_str())
        .expect("结婚登记 published")
        .to_owned();
    let g = app.gql(None, &guide(), json!({ "c": code })).await;
    assert_eq!(g["data"]["serviceGuide"]["implCode"], code, "{g}");
    let html = app.client.get(app.url(&format!("/guide/{code}"))).send().await.expect("guide page");
    assert_eq!(html.status(), 200);
    let html = html.text().await.expect("html");
    for needle in [
        "事项名称",
        "实施编码",
        "事项类型",
        "设定依据",
        "实施部门",
        "法定办结时限",
        "承诺办结时限",
        "办件类型",
        "申请材料",
        "原件",
        "复印件",
        "容缺受理",
        "收费标准",
        "办理地点",
        "办理时间",
        "咨询电话",
        "通办范围",
        "网办深度",
        "@media print",
    ] {
        if needle == "@media print" {
            let css =
                app.client.get(app.url("/static/console.css")).send().await.expect("css").text().await.expect("css");
            assert!(css.contains(needle));
        } else {
            assert!(html.contains(needle), "guide page lacks {needle}");
        }
    }
    let index = app
        .client
        .get(app.url(&format!("/guide?tenant={YONGSHOU}&keyword=%E7%99%BB%E8%AE%B0")))
        .send()
        .await
        .expect("index");
    let index = index.text().await.expect("html");
    assert!(index.contains("结婚登记"), "{index}");
    assert!(!index.contains("最低生活保障"), "keyword filters");
    let missing = app.client.get(app.url("/guide/NOPE")).send().await.expect("missing");
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn four_sames_hold_at_city_county_and_town_and_follow_base_edits() {
    let app = TestApp::spawn().await;
    let (xy, ys, jj, cat) = (
        app.token("xy_admin").await,
        app.token("ys_admin").await,
        app.token("jj_admin").await,
        app.token("xy_catalogue").await,
    );
    let base = base_id(&app, &ys, "FW-00112-000").await;
    let city_dept = dept(&app, &xy, XIANYANG, "咸阳市民政局", "11610400MB0000001").await;
    let city = app
        .gql(Some(&xy), &implement(), json!({ "i": { "tenant": XIANYANG, "baseItemId": base, "departmentId": city_dept, "promisedDays": 0, "caseKind": "INSTANT" } }))
        .await;
    let city = city["data"]["implementItem"].clone();
    assert!(city["implCode"].as_str().is_some_and(|c| c.ends_with("3FW-00112-000")), "{city}");
    let jj_depts = app.gql(Some(&jj), DEPTS, json!({ "t": JIANJUN })).await;
    let jj_dept = jj_depts["data"]["departments"][0]["id"].clone();
    let town = app
        .gql(Some(&jj), &implement(), json!({ "i": { "tenant": JIANJUN, "baseItemId": base, "departmentId": jj_dept, "promisedDays": 0, "caseKind": "INSTANT" } }))
        .await;
    let town = town["data"]["implementItem"].clone();
    assert!(town["implCode"].as_str().is_some_and(|c| c.contains("5FW-00112-000")), "{town}");
    let county_list = list(&app, &ys, json!({ "t": YONGSHOU, "k": "FW-00112" })).await;
    let county_id = county_list["nodes"][0]["id"].clone();
    let item_q = format!("query($id: ID!) {{ implItem(id: $id) {{ {ITEM_FIELDS} }} }}");
    let county = app.gql(Some(&ys), &item_q, json!({ "id": county_id })).await["data"]["implItem"].clone();
    assert!(county["implCode"].as_str().is_some_and(|c| c.contains("4FW-00112-000")), "{county}");

    let four = |v: &Value| {
        let b = &v["base"];
        (b["baseCode"].clone(), b["name"].clone(), b["kind"].clone(), b["legalBasis"].clone())
    };
    assert_eq!(four(&city), four(&county));
    assert_eq!(four(&county), four(&town));

    // The catalogue administrator edits the base item: a new version, followed everywhere.
    let upd =
        "mutation($id: ID!, $i: BaseItemInput!) { updateBaseItem(id: $id, input: $i) { version name legalBasis } }";
    let input = json!({ "baseCode": "FW-00112-000", "name": "民政政策咨询服务", "kind": "PUBLIC_SERVICE",
        "legalBasis": "《民政部关于加强民政政策咨询工作的通知》", "levels": ["CITY", "COUNTY", "TOWN", "VILLAGE"],
        "statutoryDays": 0, "materials": [] });
    let before_guide = app.gql(None, &guide(), json!({ "c": county["implCode"] })).await;
    assert_eq!(before_guide["data"]["serviceGuide"]["base"]["name"], "民政政策咨询", "{before_guide}");
    let r = app.gql(Some(&cat), upd, json!({ "id": base, "i": input })).await;
    assert_eq!(r["data"]["updateBaseItem"]["version"], 2, "{r}");
    // Only the root's catalogue administrator may edit.
    let denied = app.gql(Some(&ys), upd, json!({ "id": base, "i": input })).await;
    assert_eq!(error_code(&denied), "FORBIDDEN", "{denied}");

    let after: Vec<Value> =
        futures_all(&app, &[(&xy, &city["id"]), (&ys, &county_id), (&jj, &town["id"])], &item_q).await;
    for v in &after {
        assert_eq!(v["base"]["name"], "民政政策咨询服务", "{v}");
        assert_eq!(v["base"]["legalBasis"], "《民政部关于加强民政政策咨询工作的通知》");
        assert_eq!(v["base"]["version"], 2);
    }
    assert_eq!(four(&after[0]), four(&after[1]));
    assert_eq!(four(&after[1]), four(&after[2]));
    assert_eq!(
        after[1]["version"].as_i64(),
        county["version"].as_i64().map(|v| v + 1),
        "implementations get a new version"
    );
    // The cached guide changed at once.
    let g = app.gql(None, &guide(), json!({ "c": county["implCode"] })).await;
    assert_eq!(g["data"]["serviceGuide"]["base"]["name"], "民政政策咨询服务", "{g}");
    assert!(audit_actions(&app, &xy, XIANYANG).await.contains(&"base_item.update".to_owned()));
}

async fn futures_all(app: &TestApp, pairs: &[(&String, &Value)], q: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for (token, id) in pairs {
        let r = app.gql(Some(token), q, json!({ "id": id })).await;
        out.push(r["data"]["implItem"].clone());
    }
    out
}

#[tokio::test]
async fn implementation_rules_are_enforced_and_failures_change_nothing() {
    let app = TestApp::spawn().await;
    let ys = app.token("ys_admin").await;
    let depts = app.gql(Some(&ys), DEPTS, json!({ "t": YONGSHOU })).await;
    let minzheng =
        depts["data"]["departments"].as_array().expect("depts").iter().find(|d| d["name"] == "民政局").expect("民政局")
            ["id"]
            .clone();
    let jj_dept = app.gql(Some(&ys), DEPTS, json!({ "t": JIANJUN })).await["data"]["departments"][0]["id"].clone();
    let adoption = base_id(&app, &ys, "QR-00103-000").await; // county|city, 30 days
    let city_only = base_id(&app, &ys, "QR-00105-000").await;
    let count_before = list(&app, &ys, json!({ "t": YONGSHOU })).await["totalCount"].clone();
    let audit_before = audit_actions(&app, &ys, YONGSHOU).await.len();

    let attempt = |base: &str, dept: &Value, extra: Value| {
        let mut i = json!({ "tenant": YONGSHOU, "baseItemId": base, "departmentId": dept, "promisedDays": 10, "caseKind": "PROMISED" });
        if let (Some(o), Some(e)) = (i.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                o.insert(k.clone(), v.clone());
            }
        }
        json!({ "i": i })
    };
    let cases = [
        (attempt(&city_only, &minzheng, json!({})), vec!["市级", "县级", "永寿县"]),
        (attempt(&adoption, &jj_dept, json!({})), vec!["部门"]),
        (attempt(&adoption, &minzheng, json!({ "promisedDays": 31 })), vec!["31", "30"]),
        (attempt(&adoption, &minzheng, json!({ "materialNames": ["收养登记申请书", "房产证"] })), vec!["房产证"]),
        (attempt(&adoption, &minzheng, json!({ "deferrableNames": ["体检证明"] })), vec!["体检证明", "容缺"]),
        (attempt(&adoption, &minzheng, json!({ "feeYuan": "1.234" })), vec!["收费"]),
    ];
    for (vars, words) in cases {
        let r = app.gql(Some(&ys), &implement(), vars.clone()).await;
        assert_eq!(error_code(&r), "INVALID_INPUT", "{vars}: {r}");
        for w in words {
            assert!(error_message(&r).contains(w), "{w} in {}", error_message(&r));
        }
    }
    // A base item id that does not exist, or is not an id, is not found.
    let r =
        app.gql(Some(&ys), &implement(), attempt("00000000-0000-0000-0000-000000000000", &minzheng, json!({}))).await;
    assert_eq!(error_code(&r), "NOT_FOUND", "{r}");
    assert_eq!(list(&app, &ys, json!({ "t": YONGSHOU })).await["totalCount"], count_before);
    assert_eq!(audit_actions(&app, &ys, YONGSHOU).await.len(), audit_before, "failed mutations audit nothing");

    // A valid subset works; the code is credit code + 4 + base code.
    let ok = app
        .gql(
            Some(&ys),
            &implement(),
            attempt(
                &adoption,
                &minzheng,
                json!({ "materialNames": ["体检证明", "收养登记申请书"], "feeYuan": "10.5" }),
            ),
        )
        .await;
    let item = &ok["data"]["implementItem"];
    let credit_code = item["department"]["creditCode"].as_str().expect("credit");
    assert_eq!(item["implCode"], format!("{credit_code}4QR-00103-000"), "{ok}");
    assert_eq!(item["status"], "DRAFT");
    assert_eq!(item["feeYuan"], "10.50");
    let names: Vec<&str> = item["materials"].as_array().expect("m").iter().filter_map(|m| m["name"].as_str()).collect();
    assert_eq!(names, ["收养登记申请书", "体检证明"], "base order");
    // The same department cannot implement the same item twice.
    let dup = app.gql(Some(&ys), &implement(), attempt(&adoption, &minzheng, json!({}))).await;
    assert_eq!(error_code(&dup), "CONFLICT", "{dup}");
    assert!(audit_actions(&app, &ys, YONGSHOU).await.contains(&"impl_item.create".to_owned()));
}

#[tokio::test]
async fn lifecycle_versions_and_the_guide_cache() {
    let app = TestApp::spawn().await;
    let ys = app.token("ys_admin").await;
    let depts = app.gql(Some(&ys), DEPTS, json!({ "t": YONGSHOU })).await;
    let jiaoyu =
        depts["data"]["departments"].as_array().expect("depts").iter().find(|d| d["name"] == "教育局").expect("教育局")
            ["id"]
            .clone();
    let base = base_id(&app, &ys, "CJ-00202-000").await;
    let r = app
        .gql(Some(&ys), &implement(), json!({ "i": { "tenant": YONGSHOU, "baseItemId": base, "departmentId": jiaoyu, "promisedDays": 20, "caseKind": "PROMISED", "place": "二楼教育窗口" } }))
        .await;
    let item = r["data"]["implementItem"].clone();
    let (id, code) = (item["id"].clone(), item["implCode"].clone());
    let g = app.gql(None, &guide(), json!({ "c": code })).await;
    assert_eq!(error_code(&g), "NOT_FOUND", "drafts have no public guide: {g}");

    let publish = "mutation($id: ID!) { publishImplItem(id: $id) { status version } }";
    let suspend = "mutation($id: ID!, $r: String!) { suspendImplItem(id: $id, reason: $r) { status version } }";
    let cancel = "mutation($id: ID!) { cancelImplItem(id: $id) { status version } }";
    let update = "mutation($id: ID!, $i: ImplItemUpdate!) { updateImplItem(id: $id, input: $i) { status version promisedDays place } }";

    let s = app.gql(Some(&ys), suspend, json!({ "id": id, "r": "x" })).await;
    assert_eq!(error_code(&s), "ILLEGAL_TRANSITION", "{s}");
    assert!(error_message(&s).contains("草稿"));
    let p = app.gql(Some(&ys), publish, json!({ "id": id })).await;
    assert_eq!(p["data"]["publishImplItem"]["status"], "PUBLISHED", "{p}");
    let v1 = p["data"]["publishImplItem"]["version"].as_i64().expect("version");
    let again = app.gql(Some(&ys), publish, json!({ "id": id })).await;
    assert_eq!(error_code(&again), "ILLEGAL_TRANSITION");
    assert!(error_message(&again).contains("已经发布"));

    let g = app.gql(None, &guide(), json!({ "c": code })).await;
    assert_eq!(g["data"]["serviceGuide"]["promisedDays"], 20, "{g}");
    // Served from the cache now; an edit must show at once.
    let g = app.gql(None, &guide(), json!({ "c": code })).await;
    assert_eq!(g["data"]["serviceGuide"]["place"], "二楼教育窗口");
    let u = app.gql(Some(&ys), update, json!({ "id": id, "i": { "promisedDays": 15, "place": "三楼综合窗口" } })).await;
    assert_eq!(u["data"]["updateImplItem"]["version"].as_i64(), Some(v1 + 1), "{u}");
    let g = app.gql(None, &guide(), json!({ "c": code })).await;
    assert_eq!(g["data"]["serviceGuide"]["promisedDays"], 15, "{g}");
    assert_eq!(g["data"]["serviceGuide"]["place"], "三楼综合窗口");
    let page = app.client.get(app.url(&format!("/guide/{}", code.as_str().expect("code")))).send().await.expect("page");
    assert!(page.text().await.expect("html").contains("三楼综合窗口"));
    let bad = app.gql(Some(&ys), update, json!({ "id": id, "i": { "promisedDays": 99 } })).await;
    assert_eq!(error_code(&bad), "INVALID_INPUT");

    let s = app.gql(Some(&ys), suspend, json!({ "id": id, "r": "系统升级暂停受理" })).await;
    assert_eq!(s["data"]["suspendImplItem"]["status"], "SUSPENDED", "{s}");
    assert_eq!(error_code(&app.gql(None, &guide(), json!({ "c": code })).await), "NOT_FOUND");
    let p = app.gql(Some(&ys), publish, json!({ "id": id })).await;
    assert_eq!(p["data"]["publishImplItem"]["status"], "PUBLISHED");
    assert_eq!(app.gql(None, &guide(), json!({ "c": code })).await["data"]["serviceGuide"]["promisedDays"], 15);
    let c = app.gql(Some(&ys), cancel, json!({ "id": id })).await;
    assert_eq!(c["data"]["cancelImplItem"]["status"], "CANCELLED", "{c}");
    assert_eq!(error_code(&app.gql(None, &guide(), json!({ "c": code })).await), "NOT_FOUND");
    let after = app.gql(Some(&ys), publish, json!({ "id": id })).await;
    assert_eq!(error_code(&after), "ILLEGAL_TRANSITION");
    assert!(error_message(&after).contains("已取消"));

    let actions = audit_actions(&app, &ys, YONGSHOU).await;
    for a in ["impl_item.create", "impl_item.publish", "impl_item.update", "impl_item.suspend", "impl_item.cancel"] {
        assert!(actions.contains(&a.to_owned()), "{a} audited: {actions:?}");
    }
    let v = app
        .gql(Some(&ys), "query($t: RegionCode!) { verifyAudit(tenant: $t) { intact } }", json!({ "t": YONGSHOU }))
        .await;
    assert_eq!(v["data"]["verifyAudit"]["intact"], true);
}

#[tokio::test]
async fn towns_see_only_their_own_list_and_delegation_can_be_taken_back() {
    let app = TestApp::spawn().await;
    let (ys, jj_station, jj_admin, qd) = (
        app.token("ys_admin").await,
        app.token("jj_station").await,
        app.token("jj_admin").await,
        app.token("xy_admin").await,
    );
    let _ = qd;
    let own = list(&app, &jj_station, json!({ "t": JIANJUN })).await;
    assert_eq!(own["totalCount"], 1, "{own}");
    for other in [DIANTOU, YONGSHOU, QINDU] {
        let r = app.gql(Some(&jj_station), LIST, json!({ "t": other })).await;
        assert_eq!(error_code(&r), "FORBIDDEN", "{other}: {r}");
    }
    // Ids of other tenants' items behave as not found.
    let county = list(&app, &ys, json!({ "t": YONGSHOU })).await;
    let county_id = county["nodes"][0]["id"].clone();
    let q = "query($id: ID!) { implItem(id: $id) { id } }";
    assert_eq!(error_code(&app.gql(Some(&jj_station), q, json!({ "id": county_id })).await), "NOT_FOUND");
    let publish = "mutation($id: ID!) { publishImplItem(id: $id) { status } }";
    assert_eq!(error_code(&app.gql(Some(&jj_admin), publish, json!({ "id": county_id })).await), "NOT_FOUND");
    assert_eq!(error_code(&app.gql(Some(&ys), q, json!({ "id": "not-an-id" })).await), "NOT_FOUND");
    // A station reads its list but changes nothing.
    let town_id = own["nodes"][0]["id"].clone();
    let suspend = "mutation($id: ID!) { suspendImplItem(id: $id, reason: \"试试\") { status } }";
    assert_eq!(error_code(&app.gql(Some(&jj_station), suspend, json!({ "id": town_id })).await), "FORBIDDEN");
    let r = app
        .gql(Some(&jj_station), CREATE_DEPT, json!({ "t": JIANJUN, "n": "某部门", "c": credit("11610426MB0000999") }))
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN");

    // The town adjusts its local fields of the delegated item.
    let update =
        "mutation($id: ID!, $i: ImplItemUpdate!) { updateImplItem(id: $id, input: $i) { phone delegatedBy { code } } }";
    let u = app.gql(Some(&jj_admin), update, json!({ "id": town_id, "i": { "phone": "029-35510001" } })).await;
    assert_eq!(u["data"]["updateImplItem"]["phone"], "029-35510001", "{u}");
    assert_eq!(u["data"]["updateImplItem"]["delegatedBy"]["code"], YONGSHOU);

    // The county delegates another item to 店头镇 once it has a department, then takes both back.
    dept(&app, &ys, DIANTOU, "店头镇便民服务中心", "11610426MB0000201").await;
    let base = base_id(&app, &ys, "FW-00403-000").await;
    let delegate = "mutation($i: DelegateItemInput!) { delegateItem(input: $i) { items { tenant { code } status implCode } skipped { tenant { code } reason } } }";
    let d = app
        .gql(
            Some(&ys),
            delegate,
            json!({ "i": { "fromTenant": YONGSHOU, "baseItemId": base, "promisedDays": 0, "publish": true } }),
        )
        .await;
    let items = d["data"]["delegateItem"]["items"].as_array().unwrap_or_else(|| panic!("{d}")).clone();
    let towns: Vec<&str> = items.iter().filter_map(|i| i["tenant"]["code"].as_str()).collect();
    assert!(towns.contains(&JIANJUN) && towns.contains(&DIANTOU), "{d}");
    assert!(
        !d["data"]["delegateItem"]["skipped"].as_array().expect("skipped").is_empty(),
        "towns without departments are reported"
    );
    // A town cannot delegate, and 临时救助's delegation is taken back.
    let r = app
        .gql(
            Some(&jj_admin),
            delegate,
            json!({ "i": { "fromTenant": JIANJUN, "baseItemId": base, "promisedDays": 0 } }),
        )
        .await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
    let revoke = "mutation($t: RegionCode!, $b: ID!) { revokeDelegation(fromTenant: $t, baseItemId: $b) { status tenant { code } } }";
    let r = app.gql(Some(&ys), revoke, json!({ "t": YONGSHOU, "b": base })).await;
    let back = r["data"]["revokeDelegation"].as_array().unwrap_or_else(|| panic!("{r}"));
    assert_eq!(back.len(), 2);
    assert!(back.iter().all(|i| i["status"] == "CANCELLED"));
    let code = items[0]["implCode"].clone();
    assert_eq!(error_code(&app.gql(None, &guide(), json!({ "c": code })).await), "NOT_FOUND");
    assert!(audit_actions(&app, &ys, JIANJUN).await.contains(&"impl_item.revoke_delegation".to_owned()));
}

#[tokio::test]
async fn search_filters_and_pages_with_totals() {
    let app = TestApp::spawn().await;
    let ys = app.token("ys_admin").await;
    let all = list(&app, &ys, json!({ "t": YONGSHOU, "f": 200 })).await;
    let total = all["totalCount"].as_u64().expect("total");
    let (mut after, mut seen) = (Value::Null, Vec::new());
    loop {
        let p = list(&app, &ys, json!({ "t": YONGSHOU, "f": 2, "a": after })).await;
        assert_eq!(p["totalCount"].as_u64(), Some(total));
        for n in p["nodes"].as_array().expect("nodes") {
            seen.push(n["implCode"].as_str().expect("code").to_owned());
        }
        if p["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = p["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len() as u64, total);
    let by_name = list(&app, &ys, json!({ "t": YONGSHOU, "k": "婚" })).await;
    assert_eq!(by_name["totalCount"], 1, "{by_name}");
    assert_eq!(by_name["nodes"][0]["base"]["name"], "结婚登记");
    let by_code = list(&app, &ys, json!({ "t": YONGSHOU, "k": "00201" })).await;
    assert_eq!(by_code["nodes"][0]["base"]["baseCode"], "XK-00201-000", "{by_code}");
    let kinds = list(&app, &ys, json!({ "t": YONGSHOU, "kind": "PUBLIC_SERVICE" })).await;
    assert!(kinds["nodes"].as_array().expect("n").iter().all(|n| n["base"]["kind"] == "PUBLIC_SERVICE"));
    assert!(kinds["totalCount"].as_u64().is_some_and(|n| n >= 2));
    let drafts = list(&app, &ys, json!({ "t": YONGSHOU, "s": "DRAFT" })).await;
    assert_eq!(drafts["totalCount"], 0);
    let none = list(&app, &ys, json!({ "t": YONGSHOU, "k": "%" })).await;
    assert_eq!(none["totalCount"], 0, "wildcards are literal");
}

#[tokio::test]
async fn departments_check_credit_codes_and_scope() {
    let app = TestApp::spawn().await;
    let ys = app.token("ys_admin").await;
    let good = credit("11610426MB0000301");
    let r = app.gql(Some(&ys), CREATE_DEPT, json!({ "t": YONGSHOU, "n": "退役军人事务局", "c": good })).await;
    assert_eq!(r["data"]["createDepartment"]["creditCode"], good, "{r}");
    assert_eq!(r["data"]["createDepartment"]["stationed"], true);
    let dup = app.gql(Some(&ys), CREATE_DEPT, json!({ "t": YONGSHOU, "n": "重复", "c": good })).await;
    assert_eq!(error_code(&dup), "CONFLICT", "{dup}");
    let mut bad = good[..17].to_owned();
    bad.push(if good.ends_with('0') { '1' } else { '0' });
    let r = app.gql(Some(&ys), CREATE_DEPT, json!({ "t": YONGSHOU, "n": "错误", "c": bad })).await;
    assert_eq!(error_code(&r), "INVALID_INPUT");
    assert!(error_message(&r).contains("校验位"), "{r}");
    let r = app
        .gql(Some(&ys), CREATE_DEPT, json!({ "t": QINDU, "n": "秦都区某局", "c": credit("11610402MB0000001") }))
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN");
    let r = app
        .gql(
            Some(&app.token("ys_window").await),
            CREATE_DEPT,
            json!({ "t": YONGSHOU, "n": "某局", "c": credit("11610426MB0000302") }),
        )
        .await;
    assert_eq!(error_code(&r), "FORBIDDEN");
    assert!(audit_actions(&app, &ys, YONGSHOU).await.contains(&"department.create".to_owned()));
}

// ---------------------------------------------------------------- import-catalogue

fn tongban(env: &[(String, String)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tongban-under-test"));
    for (k, _) in std::env::vars() {
        if k.starts_with("TONGBAN_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("TONGBAN_LOG", "warn").args(args).envs(env.iter().map(|(k, v)| (k, v))).output().expect("run tongban")
}

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("tongban-{}-{name}", uuid::Uuid::new_v4().simple()));
    std::fs::File::create(&path).expect("create").write_all(bytes).expect("write");
    path
}

const HEADER: &str = "base_code,name,kind,department,levels,statutory_days,case_kind,cross_area,legal_basis,materials";

#[tokio::test]
async fn import_catalogue_reports_bad_rows_and_updates_in_place() {
    let app = TestApp::spawn().await;
    let env = app.cli_env();
    let cat = app.token("xy_catalogue").await;
    let bad = format!(
        "{HEADER}\nZZ-00001-000,新事项甲,01,民政,county,10,promised,none,《条例》,申请书\nZZ-00002-000,新事项乙,99,民政,county,10,promised,none,《条例》,申请书\nZZ-00003-000,新事项丙,01,民政,county,十,promised,none,《条例》,申请书\n"
    );
    let path = temp_file("bad.csv", bad.as_bytes());
    let o = tongban(&env, &["import-catalogue", path.to_str().expect("path")]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!o.status.success());
    assert!(err.contains("第3行") && err.contains("第4行") && !err.contains("第2行"), "{err}");
    let r = app.gql(Some(&cat), BASES, json!({ "k": "ZZ-" })).await;
    assert_eq!(r["data"]["baseItems"]["totalCount"], 0, "nothing half-imported: {r}");

    let good = format!(
        "{HEADER}\nZZ-00001-000,新事项甲,01,民政,county,10,promised,none,《条例》,申请书;身份证\nQR-00104-000,结婚登记,07,民政,county,0,instant,province,《婚姻登记条例》,户口簿;居民身份证;本人无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系的签字声明\n"
    );
    let path = temp_file("good.csv", good.as_bytes());
    let o = tongban(&env, &["import-catalogue", path.to_str().expect("path")]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("新增 1") && out.contains("未变 1"), "{out}");
    let o = tongban(&env, &["import-catalogue", path.to_str().expect("path")]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("未变 2"));

    // XLSX: the same columns; a changed row becomes version 2 in place.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADER.split(',').enumerate() {
        sheet.write_string(0, c as u16, h).expect("header");
    }
    let row =
        ["ZZ-00001-000", "新事项甲（修订）", "01", "民政", "county|town", "", "promised", "none", "《条例》", "申请书"];
    for (c, v) in row.iter().enumerate() {
        sheet.write_string(1, c as u16, *v).expect("cell");
    }
    sheet.write_number(1, 5, 8.0).expect("days");
    let xlsx = temp_file("cat.xlsx", &book.save_to_buffer().expect("xlsx"));
    let o = tongban(&env, &["import-catalogue", xlsx.to_str().expect("path")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("更新 1"));
    let r = app.gql(Some(&cat), BASES, json!({ "k": "ZZ-00001" })).await;
    let n = &r["data"]["baseItems"]["nodes"][0];
    assert_eq!(n["name"], "新事项甲（修订）", "{r}");
    assert_eq!(n["version"], 2);
    assert_eq!(n["statutoryDays"], 8);
    assert_eq!(n["levels"], json!(["COUNTY", "TOWN"]));
    assert_eq!(r["data"]["baseItems"]["totalCount"], 1);
    for p in [path, xlsx] {
        let _ = std::fs::remove_file(p);
    }
}

// ---------------------------------------------------------------- console

fn hidden_csrf(html: &str) -> String {
    let at = html.find(r#"name="csrf" value=""#).expect("csrf field") + 19;
    html[at..].split('"').next().expect("value").to_owned()
}

/// A console session for a demo user: a fresh cookie jar.
async fn console_login(app: &TestApp, user: &str) -> reqwest::Client {
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    let page = c.get(app.url("/console/login")).send().await.expect("login page").text().await.expect("html");
    let form = [("username", user), ("password", tests::DEMO_PASSWORD), ("csrf", &hidden_csrf(&page))];
    let r = c.post(app.url("/console/login")).form(&form).send().await.expect("login");
    assert_eq!(r.status(), 303, "{user} logs in");
    c
}

#[tokio::test]
async fn console_lists_for_counties_read_only_for_stations_and_imports_with_a_report() {
    let app = TestApp::spawn().await;
    let ys = console_login(&app, "ys_admin").await;
    let html = ys.get(app.url("/console/items")).send().await.expect("items").text().await.expect("html");
    for needle in ["事项清单", "结婚登记", "implement-form", "delegate-form", "已发布", "csrf"] {
        assert!(html.contains(needle), "county page lacks {needle}");
    }
    // A form without its CSRF token changes nothing.
    let forged = ys.post(app.url("/console/items/delegate")).form(&[("base_item", "x")]).send().await.expect("post");
    assert_eq!(forged.status(), 403);

    let station = console_login(&app, "jj_station").await;
    let html = station.get(app.url("/console/items")).send().await.expect("items").text().await.expect("html");
    assert!(html.contains("临时救助"), "the station sees its own list");
    assert!(!html.contains("implement-form") && !html.contains("/publish"), "read-only for stations");
    let csrf = hidden_csrf(&html);
    let list = app.gql(Some(&app.token("jj_station").await), LIST, json!({ "t": JIANJUN })).await;
    let id = list["data"]["implItems"]["nodes"][0]["id"].as_str().expect("id").to_owned();
    let r = station
        .post(app.url(&format!("/console/items/{id}/suspend")))
        .form(&[("csrf", csrf.as_str()), ("reason", "试试")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403, "stations cannot suspend");

    let cat = console_login(&app, "xy_catalogue").await;
    let html = cat.get(app.url("/console/catalogue")).send().await.expect("catalogue").text().await.expect("html");
    assert!(html.contains("社会团体成立登记") && html.contains("import-form"));
    let csrf = hidden_csrf(&html);
    let bad = format!(
        "{HEADER}\nZZ-1,好事项,01,民政,county,1,promised,none,依据,申请书\nZZ-2,坏事项,01,民政,moon,1,promised,none,依据,申请书\n"
    );
    let r = cat
        .post(app.url("/console/catalogue/import"))
        .form(&[("csrf", csrf.as_str()), ("csv", bad.as_str())])
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), 400);
    let html = r.text().await.expect("html");
    assert!(html.contains("第3行") && html.contains("moon") && html.contains("未导入任何数据"), "{html}");
    let good = format!("{HEADER}\nZZ-1,好事项,01,民政,county,1,promised,none,依据,申请书\n");
    let r = cat
        .post(app.url("/console/catalogue/import"))
        .form(&[("csrf", csrf.as_str()), ("csv", good.as_str())])
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("html").contains("新增 1"));
    // The catalogue administrator edits a base item in the console: a new version.
    let token = app.token("xy_catalogue").await;
    let id = base_id(&app, &token, "QR-00104-000").await;
    let html =
        cat.get(app.url(&format!("/console/catalogue/{id}"))).send().await.expect("edit").text().await.expect("html");
    assert!(html.contains("结婚登记") && html.contains(r#"name="m0_name" value="户口簿""#), "{html}");
    let form = [
        ("csrf", csrf.as_str()),
        ("name", "内地居民结婚登记"),
        ("kind", "07"),
        ("legal_basis", "《婚姻登记条例》"),
        ("levels", "county"),
        ("statutory_days", "0"),
        ("department", "民政"),
        ("case_kind", "instant"),
        ("material_rows", "2"),
        ("m0_name", "户口簿"),
        ("m0_originals", "1"),
        ("m0_copies", "0"),
        ("m0_required", "1"),
        ("m1_name", "居民身份证"),
        ("m1_originals", "1"),
        ("m1_copies", "1"),
        ("m1_required", "1"),
    ];
    let r = cat.post(app.url(&format!("/console/catalogue/{id}"))).form(&form).send().await.expect("save");
    assert_eq!(r.status(), 303);
    let b = app.gql(Some(&token), BASES, json!({ "k": "QR-00104" })).await;
    assert_eq!(b["data"]["baseItems"]["nodes"][0]["name"], "内地居民结婚登记", "{b}");
    assert_eq!(b["data"]["baseItems"]["nodes"][0]["version"], 2);
    let county = ys.get(app.url("/console/items")).send().await.expect("items").text().await.expect("html");
    assert!(county.contains("内地居民结婚登记"), "the county list follows the base edit");
    // Only the catalogue administrator's console shows the import.
    let html = ys.get(app.url("/console/catalogue")).send().await.expect("catalogue").text().await.expect("html");
    assert!(!html.contains("import-form"));
}

/// The base item form edits materials as rows: 添加一行 keeps what was typed, an error is shown at
/// its row or field with everything kept, ticked rows are removed, and nothing is saved until valid.
#[tokio::test]
async fn base_items_are_created_with_material_rows_in_the_console() {
    let app = TestApp::spawn().await;
    let cat = console_login(&app, "xy_catalogue").await;
    let html = cat.get(app.url("/console/catalogue")).send().await.expect("list").text().await.expect("html");
    assert!(html.contains(r#"href="/console/catalogue/new""#), "the administrator is offered 新建事项");
    let html = cat.get(app.url("/console/catalogue/new")).send().await.expect("new").text().await.expect("html");
    assert!(
        html.contains("新建基本目录事项") && html.contains(r#"name="m2_name""#) && !html.contains("m3_name"),
        "{html}"
    );
    let csrf = hidden_csrf(&html);
    let form = |rows: &[(&str, &str, &str, bool, bool)], extra: &[(&str, &str)]| {
        let mut f: Vec<(String, String)> = vec![
            ("csrf".into(), csrf.clone()),
            ("base_code".into(), "ZZ-00901-000".into()),
            ("name".into(), "行道树修剪许可".into()),
            ("kind".into(), "01".into()),
            ("legal_basis".into(), "《城市绿化条例》".into()),
            ("levels".into(), "county".into()),
            ("statutory_days".into(), "20".into()),
            ("department".into(), "住建".into()),
            ("case_kind".into(), "promised".into()),
            ("material_rows".into(), rows.len().to_string()),
        ];
        for (i, (name, originals, copies, required, remove)) in rows.iter().enumerate() {
            f.push((format!("m{i}_name"), (*name).into()));
            f.push((format!("m{i}_originals"), (*originals).into()));
            f.push((format!("m{i}_copies"), (*copies).into()));
            if *required {
                f.push((format!("m{i}_required"), "1".into()));
            }
            if *remove {
                f.push((format!("m{i}_remove"), "1".into()));
            }
        }
        f.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        f
    };
    let post = |f: Vec<(String, String)>| {
        let req = cat.post(app.url("/console/catalogue/new")).form(&f);
        async move { req.send().await.expect("post") }
    };
    // 添加一行: the typed rows come back with one more, nothing saved.
    let r = post(form(&[("申请书", "1", "0", true, false), ("", "1", "0", true, false)], &[("add_row", "1")])).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("html");
    assert!(html.contains(r#"name="m0_name" value="申请书""#) && html.contains(r#"name="m2_name""#), "{html}");
    assert!(html.contains(r#"value="行道树修剪许可""#), "the item's fields are kept");

    // A bad count: the error at its row, in Chinese, everything typed kept.
    let rows = [("申请书", "1", "0", true, false), ("树木位置图", "1", "abc", false, false)];
    let r = post(form(&rows, &[])).await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.expect("html");
    assert!(html.contains(r#"id="m1-error""#) && html.contains("复印件份数“abc”无效"), "{html}");
    assert!(!html.contains(r#"id="m0-error""#));
    assert!(html.contains(r#"name="m1_name" value="树木位置图""#) && html.contains(r#"name="m1_copies" value="abc""#));
    assert!(html.contains(r#"value="行道树修剪许可""#) && html.contains(r#"value="ZZ-00901-000""#), "{html}");
    // A duplicate is the domain's rule, placed at the second row.
    let rows = [("申请书", "1", "0", true, false), ("", "1", "0", true, false), ("申请书", "1", "1", true, false)];
    let html = post(form(&rows, &[])).await.text().await.expect("html");
    assert!(html.contains(r#"id="m2-error""#) && html.contains("材料“申请书”重复"), "{html}");
    // A field's error next to the field.
    let mut f = form(&[("申请书", "1", "0", true, false)], &[]);
    f.retain(|(k, _)| k != "statutory_days");
    f.push(("statutory_days".into(), "二十".into()));
    let r = post(f).await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.expect("html");
    assert!(html.contains(r#"id="statutory-days-error""#) && html.contains("法定时限应为非负整数"), "{html}");
    let token = app.token("xy_catalogue").await;
    let none = app.gql(Some(&token), BASES, json!({ "k": "ZZ-00901" })).await;
    assert_eq!(none["data"]["baseItems"]["totalCount"], 0, "nothing saved: {none}");

    // Valid: blank rows are skipped, a ticked row is removed.
    let rows = [
        ("申请书", "1", "0", true, false),
        ("树木位置图", "2", "1", false, false),
        ("作废的材料", "1", "0", true, true),
        ("", "1", "0", true, false),
    ];
    let r = post(form(&rows, &[])).await;
    assert_eq!(r.status(), 303);
    let b = app.gql(Some(&token), BASES, json!({ "k": "ZZ-00901" })).await;
    let names: Vec<_> = b["data"]["baseItems"]["nodes"][0]["materials"]
        .as_array()
        .unwrap_or_else(|| panic!("{b}"))
        .iter()
        .map(|m| m["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(names, ["申请书", "树木位置图"], "{b}");
    let id = base_id(&app, &token, "ZZ-00901-000").await;
    let html =
        cat.get(app.url(&format!("/console/catalogue/{id}"))).send().await.expect("edit").text().await.expect("html");
    assert!(
        html.contains(r#"name="m1_originals" value="2""#) && html.contains(r#"name="m4_name""#),
        "two rows and three blank ones"
    );
    // The same code again: the error at the code, nothing changed.
    let html = post(form(&[("申请书", "1", "0", true, false)], &[])).await.text().await.expect("html");
    assert!(html.contains(r#"id="base-code-error""#) && html.contains("基本编码 ZZ-00901-000 已存在"), "{html}");

    // A county administrator cannot open the form.
    let ys = console_login(&app, "ys_admin").await;
    assert_eq!(ys.get(app.url("/console/catalogue/new")).send().await.expect("new").status(), 403);
}

/// The actions on an implementation item come from the domain: for each status and role the
/// console shows exactly the steps `ImplItem.allowedActions` lists, and the mutations accept those.
#[tokio::test]
async fn item_actions_come_from_the_domain_for_every_status_and_role() {
    let app = TestApp::spawn().await;
    let admin = app.token("ys_admin").await;
    // One item in each status: a new draft, a suspended and a cancelled one beside the published.
    let depts = app.gql(Some(&admin), DEPTS, json!({ "t": YONGSHOU })).await;
    let edu =
        depts["data"]["departments"].as_array().expect("depts").iter().find(|d| d["name"] == "教育局").expect("教育局")
            ["id"]
            .clone();
    let base = base_id(&app, &admin, "CJ-00202").await;
    let r = app.gql(Some(&admin), &implement(), json!({ "i": { "tenant": YONGSHOU, "baseItemId": base, "departmentId": edu, "promisedDays": 10, "caseKind": "PROMISED" } })).await;
    assert_eq!(r["data"]["implementItem"]["status"], "DRAFT", "{r}");
    let published = list(&app, &admin, json!({ "t": YONGSHOU, "s": "PUBLISHED" })).await;
    let ids: Vec<String> = published["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_owned())
        .collect();
    let suspend = "mutation($id: ID!) { suspendImplItem(id: $id, reason: \"调整\") { status } }";
    let cancel = "mutation($id: ID!) { cancelImplItem(id: $id) { status } }";
    let publish = "mutation($id: ID!) { publishImplItem(id: $id) { status } }";
    assert_eq!(
        app.gql(Some(&admin), suspend, json!({ "id": ids[0] })).await["data"]["suspendImplItem"]["status"],
        "SUSPENDED"
    );
    assert_eq!(
        app.gql(Some(&admin), cancel, json!({ "id": ids[1] })).await["data"]["cancelImplItem"]["status"],
        "CANCELLED"
    );

    let q =
        "query($t: RegionCode!) { implItems(tenant: $t, first: 200) { nodes { id implCode status allowedActions } } }";
    let expected = |status: &str| -> &[&str] {
        match status {
            "DRAFT" | "SUSPENDED" => &["PUBLISH", "CANCEL", "EDIT"],
            "PUBLISHED" => &["SUSPEND", "CANCEL", "EDIT"],
            _ => &[],
        }
    };
    for (user, manages) in [("ys_admin", true), ("ys_window", false), ("ys_approver", false)] {
        let token = app.token(user).await;
        let nodes = app.gql(Some(&token), q, json!({ "t": YONGSHOU })).await["data"]["implItems"]["nodes"].clone();
        let nodes = nodes.as_array().unwrap_or_else(|| panic!("{user}: {nodes}")).clone();
        let statuses: std::collections::BTreeSet<_> =
            nodes.iter().map(|n| n["status"].as_str().unwrap_or_default()).collect();
        assert_eq!(statuses.len(), 4, "every status is present: {statuses:?}");
        let console = console_login(&app, user).await;
        // Every page of the console list.
        let (mut html, mut url) = (String::new(), "/console/items".to_owned());
        loop {
            let page = console.get(app.url(&url)).send().await.expect("items").text().await.expect("html");
            html.push_str(&page);
            match href_of(&page, "next-page") {
                Some(href) => url = href,
                None => break,
            }
        }
        for n in &nodes {
            let (id, status) = (n["id"].as_str().expect("id"), n["status"].as_str().expect("status"));
            let allowed: Vec<&str> = n["allowedActions"]
                .as_array()
                .expect("actions")
                .iter()
                .map(|a| a.as_str().unwrap_or_default())
                .collect();
            let want: Vec<&str> = if manages { expected(status).to_vec() } else { Vec::new() };
            let mut sorted = allowed.clone();
            sorted.sort_unstable();
            let mut want_sorted = want.clone();
            want_sorted.sort_unstable();
            assert_eq!(sorted, want_sorted, "{user} on a {status} item");
            // The page: exactly those buttons on the item's row.
            let code = n["implCode"].as_str().expect("code");
            let row = html
                .split(&format!("data-code=\"{code}\""))
                .nth(1)
                .and_then(|r| r.split("</tr>").next())
                .unwrap_or_default();
            for (action, path) in
                [("PUBLISH", "publish"), ("SUSPEND", "suspend"), ("CANCEL", "cancel"), ("EDIT", "edit")]
            {
                let shown = row.contains(&format!("/console/items/{id}/{path}\""));
                assert_eq!(shown, allowed.contains(&action), "{user}: {action} on a {status} item, row: {row}");
            }
            // The mutations: a step not offered is refused, and changes nothing.
            for (action, m, key) in [("PUBLISH", publish, "publishImplItem"), ("SUSPEND", suspend, "suspendImplItem")] {
                if !allowed.contains(&action) {
                    let r = app.gql(Some(&token), m, json!({ "id": id })).await;
                    assert!(r["data"].is_null() || r["data"][key].is_null(), "{user} {action} on {status}: {r}");
                    let code = error_code(&r);
                    assert!(["FORBIDDEN", "ILLEGAL_TRANSITION", "NOT_FOUND"].contains(&code), "{code}");
                }
            }
        }
    }
    // An offered step is accepted: publish the draft.
    let nodes = app.gql(Some(&admin), q, json!({ "t": YONGSHOU })).await["data"]["implItems"]["nodes"].clone();
    let draft = nodes.as_array().expect("nodes").iter().find(|n| n["status"] == "DRAFT").expect("draft")["id"].clone();
    assert_eq!(
        app.gql(Some(&admin), publish, json!({ "id": draft })).await["data"]["publishImplItem"]["status"],
        "PUBLISHED"
    );
}

/// The item edit page shows a refused save again: the error next to its field, what was typed kept.
#[tokio::test]
async fn the_item_edit_page_keeps_what_was_typed_on_an_error() {
    let app = TestApp::spawn().await;
    let token = app.token("ys_admin").await;
    let items = list(&app, &token, json!({ "t": YONGSHOU, "k": "结婚登记" })).await;
    let id = items["nodes"][0]["id"].as_str().unwrap_or_else(|| panic!("{items}")).to_owned();
    let ys = console_login(&app, "ys_admin").await;
    let url = app.url(&format!("/console/items/{id}/edit"));
    let html = ys.get(url.clone()).send().await.expect("edit").text().await.expect("html");
    let csrf = hidden_csrf(&html);
    let form = |promised: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("promised_days", promised.to_owned()),
            ("case_kind", "promised".to_owned()),
            ("cross_area", "none".to_owned()),
            ("place", "县政务服务中心三楼".to_owned()),
            ("conditions", "双方自愿".to_owned()),
            ("online_depth", "offline".to_owned()),
            ("visits", "1".to_owned()),
            ("delivery", "1".to_owned()),
        ]
    };
    for (promised, message) in [("十", "承诺时限应为整数"), ("999", "不能超过法定时限")] {
        let r = ys.post(url.clone()).form(&form(promised)).send().await.expect("save");
        assert_eq!(r.status(), 400, "{promised}");
        let html = r.text().await.expect("html");
        assert!(html.contains(r#"id="promised-days-error""#) && html.contains(message), "{html}");
        assert!(
            html.contains(&format!(r#"value="{promised}""#)) && html.contains("县政务服务中心三楼"),
            "typed values kept"
        );
        assert!(html.contains(">双方自愿</textarea>") && html.contains(r#"name="delivery" value="1" checked"#));
    }
    let after = list(&app, &token, json!({ "t": YONGSHOU, "k": "结婚登记" })).await;
    assert_eq!(after, items, "nothing changed");
}

/// The implementation and delegation forms on the list show a refused submission again, the error
/// next to its field and what was typed kept.
#[tokio::test]
async fn the_implement_form_keeps_what_was_typed_on_an_error() {
    let app = TestApp::spawn().await;
    let token = app.token("ys_admin").await;
    let base = base_id(&app, &token, "CJ-00202").await;
    let depts = app.gql(Some(&token), DEPTS, json!({ "t": YONGSHOU })).await;
    let edu =
        depts["data"]["departments"].as_array().expect("depts").iter().find(|d| d["name"] == "教育局").expect("教育局")
            ["id"]
            .as_str()
            .expect("id")
            .to_owned();
    let ys = console_login(&app, "ys_admin").await;
    let html = ys.get(app.url("/console/items")).send().await.expect("items").text().await.expect("html");
    let csrf = hidden_csrf(&html);
    let form = |days: &str, base: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("base_item", base.to_owned()),
            ("department", edu.clone()),
            ("promised_days", days.to_owned()),
            ("case_kind", "promised".to_owned()),
            ("place", "县政务服务中心二楼".to_owned()),
        ]
    };
    let cases = [
        ("十", base.as_str(), "promised-days-error", "承诺时限应为整数"),
        ("5", "", "base-item-error", "请选择基本目录事项"),
    ];
    for (days, b, field, message) in cases {
        let r = ys.post(app.url("/console/items/implement")).form(&form(days, b)).send().await.expect("post");
        assert_eq!(r.status(), 400);
        let html = r.text().await.expect("html");
        assert!(html.contains(&format!(r#"id="{field}""#)) && html.contains(message), "{html}");
        assert!(
            html.contains(r#"value="县政务服务中心二楼""#) && html.contains(&format!(r#"value="{days}""#)),
            "typed values kept"
        );
        assert!(html.contains(&format!(r#"<option value="{edu}" selected>"#)), "the department stays chosen");
        if !b.is_empty() {
            assert!(html.contains(&format!(r#"<option value="{b}" selected>"#)), "the item stays chosen");
        }
    }
    let drafts = list(&app, &token, json!({ "t": YONGSHOU, "s": "DRAFT" })).await;
    assert_eq!(drafts["totalCount"], 0, "nothing created");
    // The delegation form likewise.
    let r = ys
        .post(app.url("/console/items/delegate"))
        .form(&[("csrf", csrf.as_str()), ("base_item", base.as_str()), ("promised_days", "abc")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    let html = r.text().await.expect("html");
    assert!(html.contains(r#"id="delegate-days-error""#) && html.contains(r#"value="abc""#), "{html}");
}

#[tokio::test]
async fn users_belong_to_a_department_of_their_tenant() {
    let app = TestApp::spawn().await;
    let ys = app.token("ys_admin").await;
    let depts = app.gql(Some(&ys), DEPTS, json!({ "t": YONGSHOU })).await;
    let d = depts["data"]["departments"][0].clone();
    let jj_dept = app.gql(Some(&ys), DEPTS, json!({ "t": JIANJUN })).await["data"]["departments"][0]["id"].clone();
    let create = "mutation($i: CreateUserInput!) { createUser(input: $i) { username department { name } } }";
    let input = |u: &str, dept: &Value| json!({ "i": { "tenant": YONGSHOU, "username": u, "password": "Tongban@2026x", "displayName": "窗口人员", "roles": ["WINDOW_STAFF"], "departmentId": dept } });
    let r = app.gql(Some(&ys), create, input("ys_dept_user", &d["id"])).await;
    assert_eq!(r["data"]["createUser"]["department"]["name"], d["name"], "{r}");
    let r = app.gql(Some(&ys), create, input("ys_wrong_dept", &jj_dept)).await;
    assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
}

/// On PostgreSQL the tenant-owned catalogue tables are under row-level security: a town's scope
/// sees only its own departments and items, even without a WHERE clause.
#[tokio::test]
async fn catalogue_tables_are_under_row_level_security() {
    use sea_orm::{ConnectionTrait, Database, Statement, TransactionTrait};
    let app = TestApp::spawn().await;
    let tests::Backend::Postgres { app_url, .. } = &app.backend else {
        eprintln!("row-level security applies to PostgreSQL only; set TONGBAN_TEST_DATABASE_URL to run this test");
        return;
    };
    let db = Database::connect(app_url.as_str()).await.expect("connect as the application role");
    let b = db.get_database_backend();
    for table in ["departments", "impl_items", "impl_item_versions"] {
        let tx = db.begin().await.expect("begin");
        let sql = format!("SELECT tenant_code FROM {table}");
        let none = tx.query_all_raw(Statement::from_string(b, sql.clone())).await.expect("query");
        assert!(none.is_empty(), "{table}: nothing without a scope");
        tx.execute_raw(Statement::from_string(b, format!("SELECT set_config('tongban.scope', '{JIANJUN}', true)")))
            .await
            .expect("scope");
        let rows = tx.query_all_raw(Statement::from_string(b, sql)).await.expect("query");
        assert!(!rows.is_empty(), "{table}: 监军街道 has rows");
        assert!(rows.iter().all(|r| r.try_get::<String>("", "tenant_code").expect("code") == JIANJUN), "{table}");
        drop(tx);
    }
    // The base catalogue is reference data for every descendant: readable in a town's scope.
    let tx = db.begin().await.expect("begin");
    tx.execute_raw(Statement::from_string(b, format!("SELECT set_config('tongban.scope', '{JIANJUN}', true)")))
        .await
        .expect("scope");
    let n = tx.query_all_raw(Statement::from_string(b, "SELECT id FROM base_items".to_owned())).await.expect("query");
    assert_eq!(n.len(), 31);
}

/// The guide's area picker: city → county → town by name, each list the children of the one above.
#[tokio::test]
async fn the_guide_picks_its_area_by_name() {
    let app = TestApp::spawn().await;
    let get = |path: String| {
        let url = app.url(&path);
        let client = app.client.clone();
        async move { client.get(url).send().await.expect("guide").text().await.expect("html") }
    };
    let html = get("/guide".into()).await;
    assert!(!html.contains("区划代码"), "no typed code");
    assert!(html.contains(r#"<option value="610400000000" selected>咸阳市</option>"#), "{html}");
    assert!(html.contains(r#"<option value="610426000000" selected>永寿县</option>"#));
    assert!(html.contains(">秦都区</option>"), "the city's counties");
    assert!(html.contains(">监军街道</option>"), "the county's towns");
    let html = get(format!("/guide?city=610400000000&county={YONGSHOU}&town=610426001000")).await;
    assert!(html.contains("监军街道便民服务中心 · 办事指南"), "{html}");
    assert!(html.contains(r#"<option value="610426001000" selected>监军街道</option>"#));
    // A county of another city (or a stale one) falls back to the city.
    let html = get("/guide?city=610400000000&county=610100000000".into()).await;
    assert!(html.contains("咸阳市政务服务中心 · 办事指南"), "{html}");
    let html = get("/guide?city=nonsense".into()).await;
    assert!(html.contains("区划代码") || html.contains("无效"), "a bad code is INVALID_INPUT: {html}");
}

#[tokio::test]
async fn the_guide_shows_every_element_from_graphql_and_the_console() {
    let app = TestApp::spawn().await;
    let ys = app.token("ys_admin").await;
    let depts = app.gql(Some(&ys), DEPTS, json!({ "t": YONGSHOU })).await;
    let jiaoyu =
        depts["data"]["departments"].as_array().expect("depts").iter().find(|d| d["name"] == "教育局").expect("教育局")
            ["id"]
            .clone();
    let base = base_id(&app, &ys, "CJ-00202-000").await;
    let fields = "id implCode conditions process onlineDepth visits appointment onlinePayment delivery
      scenarios { name materialNames }";
    let implement = format!("mutation($i: ImplItemInput!) {{ implementItem(input: $i) {{ {fields} }} }}");
    let input = |guide: Value| {
        json!({ "i": { "tenant": YONGSHOU, "baseItemId": base, "departmentId": jiaoyu, "promisedDays": 20,
          "caseKind": "PROMISED", "guide": guide } })
    };
    let good = json!({
        "conditions": "教师对学校侵犯其合法权益的行为不服\n在规定期限内提出申诉",
        "process": "提交申诉书\n受理\n调查核实\n作出处理决定",
        "onlineDepth": "ACCEPT", "visits": 0, "appointment": true, "onlinePayment": false, "delivery": true,
        "scenarios": [
            { "name": "本人申诉", "materialNames": ["身份证明", "申诉书"] },
            { "name": "委托代理申诉", "materialNames": ["申诉书", "身份证明", "相关证据材料"] }
        ]
    });
    // A scenario naming a material outside the item, or too many visits: refused, nothing created.
    let mut foreign = good.clone();
    foreign["scenarios"][0]["materialNames"] = json!(["营业执照"]);
    let mut far = good.clone();
    far["visits"] = json!(12);
    for (bad, needle) in [(foreign, "营业执照"), (far, "到现场次数")] {
        let r = app.gql(Some(&ys), &implement, input(bad)).await;
        assert_eq!(error_code(&r), "INVALID_INPUT", "{r}");
        assert!(error_message(&r).contains(needle), "{r}");
    }
    let before = list(&app, &ys, json!({ "t": YONGSHOU, "k": "对教师申诉的处理" })).await;
    assert_eq!(before["totalCount"], 0, "{before}");

    let r = app.gql(Some(&ys), &implement, input(good)).await;
    let item = r["data"]["implementItem"].clone();
    assert_eq!(item["visits"], 0, "{r}");
    assert_eq!(item["scenarios"][0]["materialNames"], json!(["申诉书", "身份证明"]), "the item's order");
    let publish = "mutation($id: ID!) { publishImplItem(id: $id) { status } }";
    let p = app.gql(Some(&ys), publish, json!({ "id": item["id"] })).await;
    assert_eq!(p["data"]["publishImplItem"]["status"], "PUBLISHED", "{p}");

    let code = item["implCode"].as_str().expect("code").to_owned();
    let guide = format!("query($c: String!) {{ serviceGuide(implCode: $c) {{ {fields} }} }}");
    let g = app.gql(None, &guide, json!({ "c": code })).await;
    let g = &g["data"]["serviceGuide"];
    assert_eq!(g["conditions"], "教师对学校侵犯其合法权益的行为不服\n在规定期限内提出申诉", "{g}");
    assert_eq!(g["process"], "提交申诉书\n受理\n调查核实\n作出处理决定");
    assert_eq!(g["onlineDepth"], "ACCEPT");
    assert_eq!(
        (g["appointment"].clone(), g["onlinePayment"].clone(), g["delivery"].clone()),
        (json!(true), json!(false), json!(true))
    );
    assert_eq!(g["scenarios"][1]["name"], "委托代理申诉");

    let html =
        app.client.get(app.url(&format!("/guide/{code}"))).send().await.expect("page").text().await.expect("html");
    for needle in [
        "受理条件",
        "<li>在规定期限内提出申诉</li>",
        "办理流程",
        "<li>调查核实</li>",
        "三级：网上受理",
        "0次（零跑动）",
        "id=\"appointment\">支持",
        "id=\"online-payment\">不支持",
        "支持结果快递送达",
        "委托代理申诉",
        "申诉书、身份证明、相关证据材料",
    ] {
        assert!(html.contains(needle), "guide page lacks {needle}");
    }

    // The console's edit form shows and saves the same elements.
    let console = console_login(&app, "ys_admin").await;
    let id = item["id"].as_str().expect("id");
    let form = console.get(app.url(&format!("/console/items/{id}/edit"))).send().await.expect("edit");
    let form = form.text().await.expect("html");
    for needle in ["调查核实", "委托代理申诉", "name=\"scenario_name_2\"", "四级：全程网办"] {
        assert!(form.contains(needle), "edit form lacks {needle}");
    }
    let csrf = hidden_csrf(&form);
    let post = [
        ("csrf", csrf.as_str()),
        ("promised_days", "20"),
        ("case_kind", "promised"),
        ("cross_area", "none"),
        ("materials", "申诉书"),
        ("materials", "身份证明"),
        ("conditions", "在职教师"),
        ("process", "申请\n决定"),
        ("online_depth", "full"),
        ("visits", "2"),
        ("online_payment", "1"),
        ("scenario_name_0", "本人申诉"),
        ("scenario_0", "申诉书"),
        ("scenario_name_1", ""),
        ("scenario_1", "身份证明"),
        ("scenario_name_2", "补充申诉"),
    ];
    let r = console.post(app.url(&format!("/console/items/{id}/edit"))).form(&post).send().await.expect("save");
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let g = app.gql(None, &guide, json!({ "c": code })).await;
    let g = &g["data"]["serviceGuide"];
    assert_eq!(g["conditions"], "在职教师", "{g}");
    assert_eq!(g["onlineDepth"], "FULL");
    assert_eq!(g["visits"], 2);
    assert_eq!(
        (g["appointment"].clone(), g["onlinePayment"].clone(), g["delivery"].clone()),
        (json!(false), json!(true), json!(false))
    );
    assert_eq!(
        g["scenarios"],
        json!([{ "name": "本人申诉", "materialNames": ["申诉书"] }, { "name": "补充申诉", "materialNames": [] }]),
        "a row without a name is dropped"
    );
    let bad = [
        ("csrf", csrf.as_str()),
        ("promised_days", "20"),
        ("case_kind", "promised"),
        ("cross_area", "none"),
        ("online_depth", "full"),
        ("visits", "二"),
        ("materials", "申诉书"),
    ];
    let r = console.post(app.url(&format!("/console/items/{id}/edit"))).form(&bad).send().await.expect("bad");
    assert_eq!(r.status(), 400);
    assert!(r.text().await.expect("html").contains("到现场次数"));
    let actions = audit_actions(&app, &ys, YONGSHOU).await;
    assert!(actions.iter().filter(|a| *a == "impl_item.update").count() >= 1, "{actions:?}");
}

#[tokio::test]
async fn large_text_mode_is_a_remembered_link_back_to_the_same_local_page() {
    let app = TestApp::spawn().await;
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    let page = c.get(app.url("/guide?tenant=610426000000")).send().await.expect("guide").text().await.expect("html");
    assert!(page.contains("<body class=\"guide\">") && page.contains("大字模式"), "{page}");
    let link = "/text-size?size=large&#38;back=/guide%3Ftenant%3D610426000000";
    assert!(page.contains(link), "the toggle points back here: {page}");

    let r = c.get(app.url(&link.replace("&#38;", "&"))).send().await.expect("toggle");
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/guide?tenant=610426000000");
    let cookie = r.headers()["set-cookie"].to_str().expect("cookie").to_owned();
    assert!(
        cookie.starts_with("tb_text=large") && cookie.contains("HttpOnly") && cookie.contains("Max-Age"),
        "{cookie}"
    );
    for path in ["/guide", "/track", "/ticket/610426000000"] {
        let html = c.get(app.url(path)).send().await.expect("page").text().await.expect("html");
        assert!(html.contains("<body class=\"guide large\">") && html.contains("标准字号"), "{path} stays large");
    }
    let r = c.get(app.url("/text-size?size=normal&back=/track")).send().await.expect("off");
    assert_eq!(r.headers()["location"], "/track");
    let html = c.get(app.url("/track")).send().await.expect("page").text().await.expect("html");
    assert!(html.contains("<body class=\"guide\">"), "back to the standard size");

    // Only pages of this site are returned to.
    for back in ["//evil.example/", "https://evil.example/", "/%5Cevil.example", "/a%0D%0ASet-Cookie:x=1"] {
        let r = c.get(app.url(&format!("/text-size?size=large&back={back}"))).send().await.expect("toggle");
        assert_eq!(r.headers()["location"], "/guide", "{back}");
    }
}
