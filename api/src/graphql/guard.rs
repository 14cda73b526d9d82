//! What a GraphQL request must satisfy before the schema sees it: a bounded body, bounded nesting of
//! the document and of every input value (the parser and the converters recurse, so an unbounded
//! `[[[…` overflows the stack), text without control characters, one operation per request, and, for
//! service accounts, only the operations the policy allows. Everything here runs before any resolver.

use std::collections::{HashMap, HashSet};

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, BytesMut, Payload};
use actix_web::{HttpRequest, HttpResponse};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Positioned, Variables};
use async_graphql_value::Value as GqlValue;
use domain::identity::Actor;
use futures::StreamExt;
use serde_json::{Value as Json, json};

/// The bounds of one request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The request body, in bytes.
    pub max_body_bytes: usize,
    /// Brackets and braces open at once in the query text (selections, lists, objects, arguments).
    pub max_nesting: usize,
    /// Lists and objects open at once in one input value (an argument or a variable).
    pub max_input_depth: usize,
}

impl Limits {
    pub const DEFAULT_NESTING: usize = 64;
    pub const DEFAULT_INPUT_DEPTH: usize = 16;
}

/// Why a request was turned away before execution.
#[derive(Debug, PartialEq, Eq)]
pub enum Rejected {
    TooLarge { limit: usize },
    Invalid(String),
    Forbidden(String),
}

impl Rejected {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            Rejected::TooLarge { limit } => {
                (StatusCode::PAYLOAD_TOO_LARGE, "INVALID_INPUT", format!("请求体过大：不能超过{}字节", limit))
            }
            Rejected::Invalid(m) => (StatusCode::BAD_REQUEST, "INVALID_INPUT", m.clone()),
            Rejected::Forbidden(m) => (StatusCode::OK, "FORBIDDEN", m.clone()),
        }
    }

    /// The answer in the GraphQL response format, with the contract's code.
    pub fn response(&self) -> HttpResponse {
        let (status, code, message) = self.parts();
        HttpResponse::build(status)
            .json(json!({ "data": null, "errors": [{ "message": message, "extensions": { "code": code } }] }))
    }
}

impl From<domain::Error> for Rejected {
    fn from(e: domain::Error) -> Self {
        match e {
            domain::Error::Forbidden(m) => Rejected::Forbidden(m),
            other => Rejected::Invalid(other.to_string()),
        }
    }
}

/// Reads the body, refusing it as soon as it passes `limit` (a declared length is checked first).
pub async fn read_body(req: &HttpRequest, mut payload: Payload, limit: usize) -> Result<Bytes, Rejected> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(Rejected::TooLarge { limit });
    }
    let mut body = BytesMut::with_capacity(declared.map_or(8 * 1024, |n| n as usize));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| Rejected::Invalid(format!("请求体读取失败：{e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(Rejected::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A request that passed every check, ready to execute.
pub struct Checked {
    pub request: async_graphql::Request,
    /// Only `__schema`, `__type` and `__typename` at the root: no resolver touches data.
    pub introspection_only: bool,
}

/// Checks the body of `POST /graphql` and builds the request.
pub fn check(body: &[u8], limits: &Limits, actor: Option<&Actor>) -> Result<Checked, Rejected> {
    // The request object, its `variables` and one value: three levels above the value's own.
    if json_nesting_exceeds(body, limits.max_input_depth + 3) {
        return Err(too_deep(limits.max_input_depth));
    }
    let json: Json =
        serde_json::from_slice(body).map_err(|e| Rejected::Invalid(format!("请求不是有效的 JSON：{e}")))?;
    let mut obj = match json {
        Json::Object(o) => o,
        Json::Array(_) => return Err(Rejected::Invalid("不支持批量请求，请每次发送一个操作".into())),
        _ => return Err(Rejected::Invalid("请求应为 JSON 对象，含 query 字段".into())),
    };
    let query = match obj.remove("query") {
        Some(Json::String(q)) => q,
        _ => return Err(Rejected::Invalid("请求缺少 query 字段（字符串）".into())),
    };
    let operation_name = match obj.remove("operationName") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s),
        Some(_) => return Err(Rejected::Invalid("operationName 应为字符串".into())),
    };
    let variables = match obj.remove("variables") {
        None | Some(Json::Null) => serde_json::Map::new(),
        Some(Json::Object(v)) => v,
        Some(_) => return Err(Rejected::Invalid("variables 应为 JSON 对象".into())),
    };

    domain::text::check("查询文本", &query, domain::text::TextKind::Multiline, limits.max_body_bytes)?;
    if graphql_nesting_exceeds(&query, limits.max_nesting) {
        return Err(Rejected::Invalid(format!("查询嵌套过深：括号最多{}层", limits.max_nesting)));
    }
    let doc = async_graphql::parser::parse_query(&query).map_err(|e| Rejected::Invalid(format!("请求无效：{e}")))?;
    let used_as = check_document(&doc, limits.max_input_depth)?;
    for (name, value) in &variables {
        domain::text::check("变量名", name, domain::text::TextKind::Line, 100)?;
        // Named as the argument it fills, which is what the caller knows the field by.
        let label = used_as.get(name.as_str()).map_or_else(|| format!("变量 {name}"), |arg| format!("参数 {arg}"));
        check_json(&label, value, limits.max_input_depth)?;
    }

    let roots = selected_operation(&doc, operation_name.as_deref()).map(|op| root_fields(&doc, op));
    let introspection_only = roots
        .as_ref()
        .is_some_and(|r| !r.is_empty() && r.iter().all(|f| matches!(f.as_str(), "__schema" | "__type" | "__typename")));
    if let (Some(actor), Some(roots)) = (actor, &roots)
        && actor.is_service()
    {
        for f in roots {
            domain::policy::authorize_service_operation(f)?;
        }
    }

    let mut request = async_graphql::Request::new(query).variables(Variables::from_json(Json::Object(variables)));
    if let Some(op) = operation_name {
        request = request.operation_name(op);
    }
    request.set_parsed_query(doc);
    Ok(Checked { request, introspection_only })
}

fn too_deep(max: usize) -> Rejected {
    Rejected::Invalid(format!("输入值嵌套过深：列表和对象最多{max}层"))
}

/// Whether JSON text opens more than `max` arrays and objects at once. Strings are skipped.
pub fn json_nesting_exceeds(text: &[u8], max: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in text {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Whether GraphQL text opens more than `max` brackets, braces and parentheses at once. Strings,
/// block strings and comments are skipped.
pub fn graphql_nesting_exceeds(text: &str, max: usize) -> bool {
    let b = text.as_bytes();
    let (mut i, mut depth) = (0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                    i += if b[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    false
}

/// A variable's value: nesting, keys and strings. `label` names the argument; the path inside it
/// is added where a string breaks the rule.
fn check_json(label: &str, v: &Json, max_depth: usize) -> Result<(), Rejected> {
    let mut stack = vec![(v, 0usize, String::new())];
    while let Some((v, depth, path)) = stack.pop() {
        match v {
            Json::String(s) => domain::text::check_any(&format!("{label}{path} "), s)?,
            Json::Array(items) => {
                if depth >= max_depth {
                    return Err(too_deep(max_depth));
                }
                stack.extend(items.iter().enumerate().map(|(i, item)| (item, depth + 1, format!("{path}[{i}]"))));
            }
            Json::Object(map) => {
                if depth >= max_depth {
                    return Err(too_deep(max_depth));
                }
                for (k, item) in map {
                    domain::text::check(&format!("{label}{path} 的键"), k, domain::text::TextKind::Line, 200)?;
                    stack.push((item, depth + 1, format!("{path}.{k}")));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Every literal argument value of the document: nesting and strings. Returns which argument each
/// variable fills (its first use), to name it in messages.
fn check_document(doc: &ExecutableDocument, max_depth: usize) -> Result<HashMap<String, String>, Rejected> {
    let mut used_as = HashMap::new();
    let mut sets: Vec<&SelectionSet> = Vec::new();
    for (_, op) in doc.operations.iter() {
        for var in &op.node.variable_definitions {
            if let Some(default) = &var.node.default_value {
                check_value(&var.node.name.node, &default.node.clone().into_value(), max_depth, &mut used_as)?;
            }
        }
        sets.push(&op.node.selection_set.node);
    }
    for frag in doc.fragments.values() {
        sets.push(&frag.node.selection_set.node);
    }
    while let Some(set) = sets.pop() {
        for sel in &set.items {
            match &sel.node {
                Selection::Field(f) => {
                    let args = f.node.arguments.iter().chain(f.node.directives.iter().flat_map(|d| &d.node.arguments));
                    for (name, value) in args {
                        check_value(&name.node, &value.node, max_depth, &mut used_as)?;
                    }
                    sets.push(&f.node.selection_set.node);
                }
                Selection::InlineFragment(f) => sets.push(&f.node.selection_set.node),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    Ok(used_as)
}

fn check_value(
    arg: &str,
    v: &GqlValue,
    max_depth: usize,
    used_as: &mut HashMap<String, String>,
) -> Result<(), Rejected> {
    let mut stack = vec![(v, 0usize, String::new())];
    while let Some((v, depth, path)) = stack.pop() {
        match v {
            GqlValue::String(s) => domain::text::check_any(&format!("参数 {arg}{path} "), s)?,
            GqlValue::Variable(name) => {
                used_as.entry(name.to_string()).or_insert_with(|| format!("{arg}{path}"));
            }
            GqlValue::List(items) => {
                if depth >= max_depth {
                    return Err(too_deep(max_depth));
                }
                stack.extend(items.iter().enumerate().map(|(i, item)| (item, depth + 1, format!("{path}[{i}]"))));
            }
            GqlValue::Object(map) => {
                if depth >= max_depth {
                    return Err(too_deep(max_depth));
                }
                stack.extend(map.iter().map(|(k, item)| (item, depth + 1, format!("{path}.{k}"))));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The operation that will run, if the name (or its absence) picks exactly one.
fn selected_operation<'a>(doc: &'a ExecutableDocument, name: Option<&str>) -> Option<&'a OperationDefinition> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(n)) => ops.get(n).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next().map(|op| &op.node),
        _ => None,
    }
}

/// The root field names an operation selects, through fragments.
fn root_fields(doc: &ExecutableDocument, op: &OperationDefinition) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut sets: Vec<&Positioned<SelectionSet>> = vec![&op.selection_set];
    while let Some(set) = sets.pop() {
        for sel in &set.node.items {
            match &sel.node {
                Selection::Field(f) => out.push(f.node.name.node.to_string()),
                Selection::InlineFragment(f) => sets.push(&f.node.selection_set),
                Selection::FragmentSpread(s) => {
                    let name = &s.node.fragment_name.node;
                    if seen.insert(name.clone())
                        && let Some(frag) = doc.fragments.get(name)
                    {
                        sets.push(&frag.node.selection_set);
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { max_body_bytes: 1 << 20, max_nesting: 64, max_input_depth: 16 };

    fn body(query: &str, variables: Json) -> Vec<u8> {
        serde_json::to_vec(&json!({ "query": query, "variables": variables })).expect("json")
    }

    #[test]
    fn deep_lists_in_the_query_are_refused_before_parsing() {
        let q = format!("{{ tenants(first: 1, after: {}) {{ totalCount }} }}", "[".repeat(2000));
        let r = check(&body(&q, Json::Null), &LIMITS, None).err();
        assert!(matches!(r, Some(Rejected::Invalid(m)) if m.contains("嵌套过深")));
    }

    #[test]
    fn deep_input_objects_are_refused() {
        let q = format!("{{ tenants(first: 1, after: {}1{}) {{ totalCount }} }}", "{a:".repeat(40), "}".repeat(40));
        assert!(check(&body(&q, Json::Null), &LIMITS, None).is_err());
        let mut v = json!(1);
        for _ in 0..40 {
            v = json!({ "a": v });
        }
        let r = check(&body("query($f: JSON) { __typename }", json!({ "f": v })), &LIMITS, None).err();
        assert!(matches!(r, Some(Rejected::Invalid(m)) if m.contains("嵌套过深")));
    }

    #[test]
    fn brackets_inside_strings_and_comments_do_not_count() {
        let deep = "[".repeat(500);
        assert!(!graphql_nesting_exceeds(&format!("{{ a(s: \"{deep}\") }} # {deep}\n"), 8));
        assert!(!graphql_nesting_exceeds(&format!("{{ a(s: \"\"\"{deep} \\\"\"\" \"\"\") }}"), 8));
        assert!(!json_nesting_exceeds(format!("{{\"q\": \"{deep}\\\"\"}}").as_bytes(), 2));
        assert!(json_nesting_exceeds(b"[[[1]]]", 2));
    }

    #[test]
    fn batches_and_bad_json_are_refused_plainly() {
        assert!(
            matches!(check(b"[{\"query\":\"{a}\"}]", &LIMITS, None).err(), Some(Rejected::Invalid(m)) if m.contains("批量"))
        );
        assert!(matches!(check(b"{not json", &LIMITS, None).err(), Some(Rejected::Invalid(m)) if m.contains("JSON")));
    }

    #[test]
    fn control_characters_in_literals_and_variables_name_the_argument() {
        let r = check(&body("{ serviceGuide(implCode: \"a\\u0000b\") { name } }", Json::Null), &LIMITS, None).err();
        assert!(matches!(r, Some(Rejected::Invalid(m)) if m.contains("implCode") && m.contains("NUL")), "literal");
        let r = check(&body("query($u: String!) { a(u: $u) }", json!({ "u": "x\u{202E}y" })), &LIMITS, None).err();
        assert!(matches!(r, Some(Rejected::Invalid(m)) if m.contains("参数 u ")), "variable, named by its argument");
        let q = "query($i: SubmitCaseInput!) { submitCase(input: $i) { case { id } } }";
        let r = check(&body(q, json!({ "i": { "applicant": { "name": "王\u{0}" } } })), &LIMITS, None).err();
        assert!(matches!(r, Some(Rejected::Invalid(m)) if m.contains("参数 input.applicant.name ")), "nested");
    }

    #[test]
    fn introspection_is_recognised() {
        let c = check(&body("query Q { __schema { types { name } } __typename }", Json::Null), &LIMITS, None)
            .expect("valid");
        assert!(c.introspection_only);
        let c = check(&body("{ __typename me { username } }", Json::Null), &LIMITS, None).expect("valid");
        assert!(!c.introspection_only);
    }
}
