//! Documents (文书) as PDF from the console, where a CJK font is installed; said plainly where not.

use serde_json::{Value, json};
use tests::{TestApp, YONGSHOU};

const UNAVAILABLE: &str = "本机未安装中文字体（fonts-noto-cjk），暂不能生成 PDF，请使用浏览器打印本页";
const DOCS: &str = "query($id: ID!) { case(id: $id) { documents { kind number url pdfUrl } } }";

/// A 教师资格认定 case at 永寿县, submitted complete and accepted; returns its 受理通知书.
async fn accepted_notice(app: &TestApp) -> Value {
    let window = app.token("ys_window").await;
    let items = app
        .gql(
            Some(&window),
            "query($t: RegionCode!) { implItems(tenant: $t, keyword: \"教师资格\", status: PUBLISHED) { nodes { id } } }",
            json!({ "t": YONGSHOU }),
        )
        .await;
    let item = items["data"]["implItems"]["nodes"][0]["id"].as_str().unwrap_or_else(|| panic!("no item: {items}"));
    let submit = app
        .gql(
            Some(&window),
            "mutation($i: SubmitCaseInput!) { submitCase(input: $i) { case { id } } }",
            json!({ "i": {
                "implItemId": item,
                "applicant": { "kind": "PERSON", "name": "王小明", "idNumber": "11010519491231002X" },
                "providedMaterials": ["申请表", "身份证明", "学历证书", "体检合格证明", "普通话水平测试等级证书"],
                "form": { "subject": "小学语文" },
            } }),
        )
        .await;
    let id = submit["data"]["submitCase"]["case"]["id"].as_str().unwrap_or_else(|| panic!("submit: {submit}"));
    let accept =
        app.gql(Some(&window), "mutation($id: ID!) { acceptCase(id: $id) { status } }", json!({ "id": id })).await;
    assert_eq!(accept["data"]["acceptCase"]["status"], "ACCEPTED", "{accept}");
    let docs = app.gql(Some(&window), DOCS, json!({ "id": id })).await;
    let notice = docs["data"]["case"]["documents"][0].clone();
    assert_eq!(notice["kind"], "ACCEPTANCE_NOTICE", "{docs}");
    notice
}

/// The document information's /Title (typst writes it as UTF-16BE hex).
fn pdf_title(pdf: &[u8]) -> Option<String> {
    let at = pdf.windows(11).position(|w| w == b"/Title<FEFF")? + 11;
    let hex = &pdf[at..at + pdf[at..].iter().position(|&b| b == b'>')?];
    let units: Vec<u16> = hex
        .chunks(4)
        .map(|c| std::str::from_utf8(c).ok().and_then(|h| u16::from_str_radix(h, 16).ok()))
        .collect::<Option<_>>()?;
    String::from_utf16(&units).ok()
}

/// `filename*=UTF-8''…` of a Content-Disposition, percent-decoded.
fn utf8_filename(disposition: &str) -> Option<String> {
    let encoded = disposition.split("filename*=UTF-8''").nth(1)?.split(';').next()?.trim();
    let mut bytes = Vec::new();
    let mut rest = encoded.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%' && tail.len() >= 2 {
            bytes.push(u8::from_str_radix(std::str::from_utf8(&tail[..2]).ok()?, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(b);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

/// The printable page offers no PDF and says why; the PDF route answers 503 with the same words.
async fn assert_unavailable(app: &TestApp, client: &reqwest::Client, notice: &Value) {
    assert!(notice["pdfUrl"].is_null(), "{notice}");
    let url = notice["url"].as_str().expect("url");
    let html = client.get(app.url(url)).send().await.expect("page").text().await.expect("html");
    assert!(html.contains(UNAVAILABLE), "{html}");
    assert!(!html.contains("下载 PDF"), "{html}");
    let r = client.get(app.url(&format!("{url}.pdf"))).send().await.expect("pdf");
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(r.text().await.expect("text"), UNAVAILABLE);
}

#[tokio::test]
async fn an_accepted_case_prints_its_notice_as_pdf() {
    let app = TestApp::spawn().await;
    let notice = accepted_notice(&app).await;
    let number = notice["number"].as_str().expect("number");
    let url = notice["url"].as_str().expect("url");
    let pdf_url = format!("{url}.pdf");

    // A console session is needed, and the document stays in its tenant.
    let r = app.client.get(app.url(&pdf_url)).send().await.expect("anonymous");
    assert_eq!(r.status(), 303, "login first");
    let station = app.console_client("jj_station").await;
    assert_eq!(station.get(app.url(&pdf_url)).send().await.expect("other tenant").status(), 404);
    let clerk = app.console_client("ys_window").await;

    if notice["pdfUrl"].is_null() {
        // CI installs fonts-noto-cjk (.ci/run): there the PDF must exist.
        assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "no CJK font on CI: install fonts-noto-cjk");
        assert_unavailable(&app, &clerk, &notice).await;
        return;
    }
    assert_eq!(notice["pdfUrl"], pdf_url.as_str());
    let html = clerk.get(app.url(url)).send().await.expect("page").text().await.expect("html");
    assert!(html.contains(&format!("<a href=\"{pdf_url}\" id=\"document-pdf\">下载 PDF</a>")), "{html}");
    assert!(!html.contains(UNAVAILABLE));

    let r = clerk.get(app.url(&pdf_url)).send().await.expect("pdf");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let disposition = r.headers()["content-disposition"].to_str().expect("ascii").to_owned();
    assert!(disposition.starts_with("inline"), "{disposition}");
    assert_eq!(utf8_filename(&disposition).as_deref(), Some(format!("{number}.pdf").as_str()), "{disposition}");
    let body = r.bytes().await.expect("body");
    assert!(body.starts_with(b"%PDF-"));
    assert_eq!(pdf_title(&body).as_deref(), Some(number), "the PDF is titled with the document's number");
    // One A4 page with subset CJK fonts embedded: tens of kilobytes, not a blank page nor whole fonts.
    assert!((10_000..2_000_000).contains(&body.len()), "{} bytes", body.len());
}

#[tokio::test]
async fn without_a_cjk_font_the_console_says_so_plainly() {
    let fonts = std::env::temp_dir().join(format!("tongban-no-fonts-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&fonts).expect("empty font directory");
    let dir = fonts.clone();
    let app = TestApp::spawn_with(move |c| c.pdf_font_dir = Some(dir)).await;
    let notice = accepted_notice(&app).await;
    let clerk = app.console_client("ys_window").await;
    assert_unavailable(&app, &clerk, &notice).await;
    // Scoping comes first: another tenant's document is still not found.
    let station = app.console_client("jj_station").await;
    let r = station.get(app.url(&format!("{}.pdf", notice["url"].as_str().expect("url")))).send().await.expect("pdf");
    assert_eq!(r.status(), 404);
    std::fs::remove_dir(&fonts).expect("clean up");
}
