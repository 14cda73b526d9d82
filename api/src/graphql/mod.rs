//! The GraphQL API: one module per resource; errors mapped to the contract's codes here.

mod audit;
mod calendar;
mod case;
mod case_steps;
mod catalogue;
pub mod guard;
mod hall;
mod identity;
mod partner;
mod scalars;
mod supervision;
mod tenant;
mod transfer;

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::dataloader::DataLoader;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo};
use async_graphql::{EmptySubscription, MergedObject, Schema, ServerError, ServerResult, Value};
use domain::identity::Actor;
use domain::ports::DocumentPrinter;
use domain::service::Services;
use domain::session::AccessClaims;
use tokio::sync::Semaphore;

use crate::config::Config;

pub use scalars::{DateScalar, DateTimeScalar, RegionCodeScalar};

/// 查询入口。标注“公开”的字段无需登录，其余须携带访问令牌，且只返回操作者管辖范围内的数据。
#[derive(MergedObject, Default)]
pub struct Query(
    identity::IdentityQuery,
    tenant::TenantQuery,
    audit::AuditQuery,
    catalogue::CatalogueQuery,
    hall::HallQuery,
    calendar::CalendarQuery,
    case::CaseQuery,
    transfer::TransferQuery,
    supervision::SupervisionQuery,
    partner::PartnerQuery,
);

/// 变更入口。每次变更都在同一事务中写入审计日志；标注“公开”的字段无需登录。
#[derive(MergedObject, Default)]
pub struct Mutation(
    identity::IdentityMutation,
    catalogue::CatalogueMutation,
    hall::HallMutation,
    calendar::CalendarMutation,
    case::CaseMutation,
    transfer::TransferMutation,
    supervision::SupervisionMutation,
    partner::PartnerMutation,
);

pub type ApiSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema twice: the API, and the same types for introspection-only requests, which resolve no
/// data and may be as deep as the standard introspection query needs.
pub struct Schemas {
    pub api: ApiSchema,
    pub introspection: ApiSchema,
    pub limits: guard::Limits,
    pub concurrency: usize,
}

/// Depth that the standard introspection query (GraphiQL, graphql-inspector) reaches.
const INTROSPECTION_DEPTH: usize = 32;

pub struct GraphiQl(pub bool);

pub fn build_schema(services: Services, printer: Arc<dyn DocumentPrinter>, config: &Config) -> Schemas {
    let build = |depth: usize| {
        let mut b = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
            .data(services.clone())
            .data(printer.clone())
            .extension(RootFieldPermits)
            .limit_depth(depth)
            .limit_complexity(config.graphql_max_complexity)
            .limit_recursive_depth(guard::Limits::DEFAULT_NESTING);
        if !config.graphql_introspection {
            b = b.disable_introspection();
        }
        b.finish()
    };
    Schemas {
        api: build(config.graphql_max_depth),
        introspection: build(config.graphql_max_depth.max(INTROSPECTION_DEPTH)),
        limits: guard::Limits {
            max_body_bytes: config.max_body_bytes,
            max_nesting: guard::Limits::DEFAULT_NESTING,
            max_input_depth: guard::Limits::DEFAULT_INPUT_DEPTH,
        },
        concurrency: config.graphql_concurrency.max(1),
    }
}

/// How many root fields of one request resolve at once: the rest wait, so that one request with
/// many aliases holds at most this many database connections.
struct Permits(Semaphore);

/// Root fields of a query run concurrently; each takes one of its request's permits first.
struct RootFieldPermits;

impl ExtensionFactory for RootFieldPermits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RootFieldPermitsExtension)
    }
}

struct RootFieldPermitsExtension;

#[async_trait::async_trait]
impl Extension for RootFieldPermitsExtension {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let permits = match ctx.data_opt::<Permits>() {
            Some(p) if info.path_node.parent.is_none() && !info.is_for_introspection => p,
            _ => return next.run(ctx, info).await,
        };
        let _permit = permits.0.acquire().await.ok();
        next.run(ctx, info).await
    }
}

/// The schema without any backing services, for `tongban schema`.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription).finish().sdl()
}

/// Who asks, resolved from the bearer token before execution.
pub struct RequestCtx {
    pub actor: Option<Actor>,
    pub claims: Option<AccessClaims>,
    pub client: String,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/graphql").route(web::post().to(graphql)).route(web::get().to(graphiql)))
        .service(web::resource("/graphiql/{file}").route(web::get().to(graphiql_asset)));
}

/// GraphiQL's page and its files (GraphiQL 3, React 18; MIT, licenses beside them in
/// api/assets/graphiql), served from the binary: it works on a network without the internet.
const GRAPHIQL_FILES: &[(&str, &str, &[u8])] = &[
    ("graphiql.min.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/graphiql/graphiql.min.js")),
    ("graphiql.min.css", "text/css; charset=utf-8", include_bytes!("../../assets/graphiql/graphiql.min.css")),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    ),
    ("init.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/graphiql/init.js")),
    ("page.css", "text/css; charset=utf-8", include_bytes!("../../assets/graphiql/page.css")),
];

/// Scripts and styles from this server only; GraphiQL's editor sets inline styles, its fonts are data URLs.
const GRAPHIQL_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                            img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
                            base-uri 'none'; object-src 'none'";

async fn graphiql(enabled: web::Data<GraphiQl>) -> HttpResponse {
    if !enabled.0 {
        return HttpResponse::NotFound().body("GraphiQL 未启用");
    }
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::CONTENT_SECURITY_POLICY, GRAPHIQL_CSP))
        .body(include_str!("../../assets/graphiql/index.html"))
}

async fn graphiql_asset(enabled: web::Data<GraphiQl>, file: web::Path<String>) -> HttpResponse {
    let found = GRAPHIQL_FILES.iter().find(|(name, _, _)| *name == file.as_str());
    match found {
        Some((_, content_type, bytes)) if enabled.0 => HttpResponse::Ok()
            .content_type(*content_type)
            .insert_header((actix_web::http::header::CACHE_CONTROL, "public, max-age=86400"))
            .insert_header((actix_web::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(*bytes),
        _ => HttpResponse::NotFound().body("文件不存在"),
    }
}

async fn graphql(
    schemas: web::Data<Schemas>,
    services: web::Data<Services>,
    http: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let body = match guard::read_body(&http, payload, schemas.limits.max_body_bytes).await {
        Ok(b) => b,
        Err(r) => return r.response(),
    };
    let client = domain::session::client_address(http.peer_addr().map(|a| a.ip()));
    let bearer = http
        .headers()
        .get("Authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .map(str::trim);
    let (actor, claims) = match bearer {
        None => (None, None),
        Some(token) => match services.identity.authenticate(token).await {
            Ok((a, c)) => (Some(a), Some(c)),
            Err(e) => return HttpResponse::Ok().json(error_response(e)),
        },
    };
    let checked = match guard::check(&body, &schemas.limits, actor.as_ref()) {
        Ok(c) => c,
        Err(r) => return r.response(),
    };
    let loader = DataLoader::new(tenant::TenantLoader(services.clone().into_inner()), tokio::spawn);
    let request = checked
        .request
        .data(RequestCtx { actor, claims, client })
        .data(loader)
        .data(Permits(Semaphore::new(schemas.concurrency)));
    let schema = if checked.introspection_only { &schemas.introspection } else { &schemas.api };
    HttpResponse::Ok().json(finish(schema.execute(request).await))
}

fn error_response(e: domain::Error) -> async_graphql::Response {
    let mut err = ServerError::new(e.to_string(), None);
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", e.code());
    err.extensions = Some(ext);
    async_graphql::Response::from_errors(vec![err])
}

/// Gives every error a contract code: domain errors keep theirs; parse and validation errors
/// of the request itself are INVALID_INPUT. Internal details are logged, never returned.
fn finish(mut resp: async_graphql::Response) -> async_graphql::Response {
    for err in &mut resp.errors {
        let domain_err = err.source::<domain::Error>().cloned();
        let code = match &domain_err {
            Some(e) => e.code(),
            None => match err.extensions.as_ref().and_then(|x| x.get("code")) {
                Some(_) => continue,
                None if err.path.is_empty() || is_argument_error(&err.message) => {
                    err.message = format!("请求无效：{}", err.message);
                    "INVALID_INPUT"
                }
                None => {
                    tracing::error!(message = %err.message, "unmapped resolver error");
                    err.message = domain::Error::internal("").to_string();
                    "INTERNAL"
                }
            },
        };
        if let Some(domain::Error::Internal(detail)) = &domain_err {
            tracing::error!(detail = ?detail, path = ?err.path, "internal error");
        }
        err.extensions.get_or_insert_with(Default::default).set("code", code);
    }
    resp
}

/// Arguments that fail to parse are reported by async-graphql while resolving, with a path.
fn is_argument_error(message: &str) -> bool {
    message.starts_with("Failed to parse")
        || message.starts_with("Expected input type")
        || message.contains("Invalid value for argument")
}

/// What a root field costs in the complexity limit, by the work it does: one read, one write (a
/// transaction with its audit entry), or a whole tenant's audit chain. Fields below the root cost 1.
pub(crate) mod cost {
    pub const READ: usize = 10;
    pub const WRITE: usize = 20;
    pub const VERIFY_AUDIT: usize = 250;
}

/// Helpers for resolvers.
pub(crate) mod ctx {
    use async_graphql::Context;
    use domain::identity::Actor;
    use domain::service::Services;

    use super::RequestCtx;

    pub fn services<'a>(ctx: &Context<'a>) -> &'a Services {
        ctx.data_unchecked::<Services>()
    }

    pub fn request<'a>(ctx: &Context<'a>) -> &'a RequestCtx {
        ctx.data_unchecked::<RequestCtx>()
    }

    /// The authenticated actor, or UNAUTHENTICATED.
    pub fn actor<'a>(ctx: &Context<'a>) -> Result<&'a Actor, domain::Error> {
        request(ctx).actor.as_ref().ok_or_else(|| domain::Error::unauthenticated("请先登录"))
    }
}
