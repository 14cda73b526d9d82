//! The served schema documents itself in Chinese: GraphiQL and partners read it.

use serde_json::{Value, json};
use tests::TestApp;

const QUERY: &str = "{ __schema { types {
    name kind description
    fields(includeDeprecated: true) { name description args { name description } }
    inputFields { name description }
    enumValues(includeDeprecated: true) { name description }
} } }";

fn chinese(d: &Value) -> bool {
    d.as_str().is_some_and(|s| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)))
}

/// Every object, input, enum and interface type of ours, each field, argument, input field and enum
/// value has a description in Chinese (built-in scalars and `__` types are not ours).
#[tokio::test]
async fn every_type_field_argument_and_enum_value_is_described_in_chinese() {
    let app = TestApp::spawn().await;
    let r = app.gql(None, QUERY, json!({})).await;
    let types = r["data"]["__schema"]["types"].as_array().unwrap_or_else(|| panic!("introspection: {r}"));
    let mut bare = Vec::new();
    let mut check = |d: &Value, what: String| {
        if !chinese(d) {
            bare.push(what);
        }
    };
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let mut seen = 0;
    for t in types {
        let (name, kind) = (t["name"].as_str().unwrap_or_default(), t["kind"].as_str().unwrap_or_default());
        if name.starts_with("__") || !matches!(kind, "OBJECT" | "INPUT_OBJECT" | "ENUM" | "INTERFACE" | "UNION") {
            continue;
        }
        seen += 1;
        check(&t["description"], name.to_owned());
        for f in list(&t["fields"]) {
            let field = f["name"].as_str().unwrap_or_default();
            check(&f["description"], format!("{name}.{field}"));
            for a in list(&f["args"]) {
                check(&a["description"], format!("{name}.{field}({})", a["name"].as_str().unwrap_or_default()));
            }
        }
        for f in list(&t["inputFields"]) {
            check(&f["description"], format!("{name}.{}", f["name"].as_str().unwrap_or_default()));
        }
        for v in list(&t["enumValues"]) {
            check(&v["description"], format!("{name}.{}", v["name"].as_str().unwrap_or_default()));
        }
    }
    assert!(seen > 50, "the schema's types are listed: {seen}");
    assert!(bare.is_empty(), "{} without a Chinese description:\n{}", bare.len(), bare.join("\n"));
}
