//! Liveness and readiness.

use actix_web::{HttpResponse, web};
use serde_json::json;

use std::sync::Arc;

use infra::Db;
use infra::ephemeral::RedisEphemeral;

/// What readiness asks: the database and, when configured, Redis.
pub struct Probes {
    pub db: Db,
    pub redis: Option<Arc<RedisEphemeral>>,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz)).route("/readyz", web::get().to(readyz));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// 200 while the database answers; Redis trouble is reported as degraded, not fatal.
async fn readyz(rt: web::Data<Probes>) -> HttpResponse {
    let db_ok = rt.db.ping().await.is_ok();
    let redis = match &rt.redis {
        None => "not_configured",
        Some(r) if r.check().await => "ok",
        Some(_) => "degraded",
    };
    let status = if !db_ok {
        "unavailable"
    } else if redis == "degraded" {
        "degraded"
    } else {
        "ok"
    };
    let body = json!({
        "status": status,
        "database": if db_ok { "ok" } else { "unavailable" },
        "redis": redis,
    });
    if db_ok { HttpResponse::Ok().json(body) } else { HttpResponse::ServiceUnavailable().json(body) }
}
