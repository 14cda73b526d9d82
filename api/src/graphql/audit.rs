use async_graphql::{Context, ID, Object, Result, SimpleObject};
use domain::audit::AuditEntry as DEntry;
use domain::page::PageRequest;

use super::cost;
use super::ctx::{actor, services};
use super::scalars::{DateTimeScalar, RegionCodeScalar};
use super::tenant::{PageInfo, Tenant};

pub struct AuditEntry(DEntry);

/// 审计日志条目：一次变更操作的记录（谁、在哪个租户、做了什么、前后内容、何时）。
#[Object]
impl AuditEntry {
    /// 条目ID
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// 操作时间
    async fn at(&self) -> DateTimeScalar {
        DateTimeScalar(self.0.record.at)
    }
    /// 操作者（用户名或服务账号）
    async fn actor(&self) -> &str {
        &self.0.record.actor
    }
    /// 发生变更的租户
    async fn tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        Tenant::load(ctx, self.0.record.tenant).await
    }
    /// 操作名称
    async fn action(&self) -> &str {
        &self.0.record.action
    }
    /// 操作对象（类型与ID）
    async fn target(&self) -> &str {
        &self.0.record.target
    }
    /// 变更前后的摘要，JSON 文本（before/after）。
    async fn summary(&self) -> String {
        serde_json::json!({ "before": self.0.record.before, "after": self.0.record.after }).to_string()
    }
}

/// 审计日志分页结果。
#[derive(SimpleObject)]
pub struct AuditConnection {
    /// 本页条目
    nodes: Vec<AuditEntry>,
    /// 分页信息
    page_info: PageInfo,
    /// 符合条件的条目总数
    total_count: i32,
}

/// 审计日志哈希链的校验结果。
#[derive(SimpleObject)]
pub struct AuditVerification {
    /// 已校验的条目数
    entries: i32,
    /// 哈希链是否完好（无篡改、无删除）
    intact: bool,
    /// 第一条被破坏的条目ID；完好时为空
    first_broken_id: Option<ID>,
    /// 每一处断裂：各通道第一条坏条目，以及不再指向通道末尾的链头。
    breaks: Vec<AuditBreak>,
}

/// 一个通道（lane）中的断裂。
#[derive(SimpleObject)]
pub struct AuditBreak {
    /// 通道编号
    lane: i32,
    /// 第一条坏条目的ID；链头指向已存条目之外时为空。
    entry_id: Option<ID>,
    /// 断裂原因（中文）
    reason: String,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// 某租户的审计日志，最新的在前；须在操作者的管辖范围内。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
        #[graphql(default_with = "Some(50)", desc = "每页条数（默认 50）")] first: Option<i32>,
        #[graphql(desc = "分页游标：上一页的 endCursor")] after: Option<String>,
    ) -> Result<AuditConnection> {
        let page = PageRequest::parse(first.unwrap_or(50), after)?;
        let p = services(ctx).audit.audit_log(actor(ctx)?, &tenant.parse()?, page).await?;
        Ok(AuditConnection {
            page_info: PageInfo { has_next_page: p.has_next, end_cursor: p.end_cursor },
            total_count: p.total.min(i32::MAX as u64) as i32,
            nodes: p.items.into_iter().map(AuditEntry).collect(),
        })
    }

    /// 重新计算某租户审计日志的哈希链：条目被修改或删除都会使其断裂。
    #[graphql(complexity = "cost::VERIFY_AUDIT + child_complexity")]
    async fn verify_audit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "租户区划代码（12 位）")] tenant: RegionCodeScalar,
    ) -> Result<AuditVerification> {
        let v = services(ctx).audit.verify_audit(actor(ctx)?, &tenant.parse()?).await?;
        Ok(AuditVerification {
            entries: v.entries.min(i32::MAX as u64) as i32,
            intact: v.intact,
            first_broken_id: v.first_broken_id.map(|i| ID(i.to_string())),
            breaks: v
                .breaks
                .into_iter()
                .map(|b| AuditBreak {
                    lane: i32::from(b.lane),
                    entry_id: b.entry_id.map(|i| ID(i.to_string())),
                    reason: b.reason.message().to_owned(),
                })
                .collect(),
        })
    }
}
