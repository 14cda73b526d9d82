//! The GraphQL API: one module per resource; errors mapped to the contract's codes here.

mod audit;
mod calendar;
mod case;
mod catalogue;
mod hall;
mod identity;
mod scalars;
mod tenant;

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::dataloader::DataLoader;
use async_graphql::http::GraphiQLSource;
use async_graphql::{EmptySubscription, MergedObject, Schema, ServerError};
use async_graphql_actix_web::{GraphQLRequest, GraphQLResponse};
use domain::identity::Actor;
use domain::ports::DocumentPrinter;
use domain::service::Services;
use domain::session::AccessClaims;

use crate::config::Config;

pub use scalars::{DateScalar, DateTimeScalar, RegionCodeScalar};

#[derive(MergedObject, Default)]
pub struct Query(
    identity::IdentityQuery,
    tenant::TenantQuery,
    audit::AuditQuery,
    catalogue::CatalogueQuery,
    hall::HallQuery,
    calendar::CalendarQuery,
    case::CaseQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    identity::IdentityMutation,
    catalogue::CatalogueMutation,
    hall::HallMutation,
    calendar::CalendarMutation,
    case::CaseMutation,
);

pub type ApiSchema = Schema<Query, Mutation, EmptySubscription>;

pub struct GraphiQl(pub bool);

pub fn build_schema(services: Services, printer: Arc<dyn DocumentPrinter>, config: &Config) -> ApiSchema {
    let mut b = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .data(services)
        .data(printer)
        .limit_depth(config.graphql_max_depth)
        .limit_complexity(config.graphql_max_complexity);
    if !config.graphql_introspection {
        b = b.disable_introspection();
    }
    b.finish()
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
    cfg.service(web::resource("/graphql").route(web::post().to(graphql)).route(web::get().to(graphiql)));
}

async fn graphiql(enabled: web::Data<GraphiQl>) -> HttpResponse {
    if !enabled.0 {
        return HttpResponse::NotFound().body("GraphiQL 未启用");
    }
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(GraphiQLSource::build().endpoint("/graphql").finish())
}

async fn graphql(
    schema: web::Data<ApiSchema>,
    services: web::Data<Services>,
    http: HttpRequest,
    req: GraphQLRequest,
) -> GraphQLResponse {
    let client = ::web::client_address(&http);
    let bearer = http
        .headers()
        .get("Authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .map(str::trim);
    let (actor, claims) = match bearer {
        None => (None, None),
        Some(token) => match services.authenticate(token).await {
            Ok((a, c)) => (Some(a), Some(c)),
            Err(e) => return error_response(e).into(),
        },
    };
    let loader = DataLoader::new(tenant::TenantLoader(services.get_ref().clone()), tokio::spawn);
    let request = req.into_inner().data(RequestCtx { actor, claims, client }).data(loader);
    finish(schema.execute(request).await).into()
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
