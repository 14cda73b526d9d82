//! The partner registry (跨省通办) and the outbox's health, for the platform administrator.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use domain::partner::{OutboxEntry, Partner as DPartner, PartnerInput as DInput};
use uuid::Uuid;

use super::cost;
use super::ctx::{actor, services};
use super::scalars::DateTimeScalar;

/// 跨省通办合作方：服务部分区划的另一部署。服务账号密钥加密保存，从不返回。
pub struct Partner(DPartner);

/// 跨省通办合作方：服务部分区划的另一部署。服务账号密钥加密保存，从不返回。
#[Object]
impl Partner {
    /// 合作方ID。
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// 合作方名称。
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// 合作方服务的区划代码前缀。
    async fn region_prefixes(&self) -> &[String] {
        &self.0.prefixes
    }
    /// 合作方接口地址（GraphQL 位于其下 /graphql）。
    async fn base_url(&self) -> &str {
        &self.0.base_url
    }
    /// 合作方为本部署开设的服务账号ID。
    async fn client_id(&self) -> &str {
        &self.0.client_id
    }
    /// 登记时间。
    async fn created_at(&self) -> DateTimeScalar {
        DateTimeScalar(self.0.created_at)
    }
    /// 最近修改时间。
    async fn updated_at(&self) -> DateTimeScalar {
        DateTimeScalar(self.0.updated_at)
    }
}

/// 登记或修改合作方。
#[derive(InputObject)]
pub struct PartnerInput {
    /// 合作方名称。
    name: String,
    /// 合作方服务的区划代码前缀（2至12位数字）。
    region_prefixes: Vec<String>,
    /// 合作方接口地址，如 https://zwfw.example.cn。
    base_url: String,
    /// 合作方服务账号ID。
    client_id: String,
    /// 合作方服务账号密钥；修改时不填则保留原密钥。
    client_secret: Option<String>,
}

/// 一条待投递或已搁置的外发消息。
#[derive(SimpleObject)]
pub struct OutboxMessage {
    /// 消息ID。
    id: ID,
    /// 消息类型。
    topic: String,
    /// 写入时间。
    created_at: DateTimeScalar,
    /// 已尝试投递的次数。
    attempts: i32,
    /// 最近一次投递失败的原因。
    last_error: Option<String>,
}

impl From<OutboxEntry> for OutboxMessage {
    fn from(e: OutboxEntry) -> Self {
        OutboxMessage {
            id: ID(e.id.to_string()),
            topic: e.topic,
            created_at: DateTimeScalar(e.created_at),
            attempts: e.attempts,
            last_error: e.last_error,
        }
    }
}

/// 外发消息队列（outbox）状况。
#[derive(SimpleObject)]
pub struct OutboxHealth {
    /// 待投递的消息数。
    depth: i32,
    /// 最早一条待投递消息的写入时间。
    oldest_at: Option<DateTimeScalar>,
    /// 最早一条待投递消息已等待的秒数。
    oldest_age_seconds: Option<i32>,
    /// 已搁置（多次投递失败）的消息数。
    parked_count: i32,
    /// 已搁置的消息（最近50条）。
    parked: Vec<OutboxMessage>,
}

fn uuid(id: &ID, what: &'static str) -> Result<Uuid, domain::Error> {
    Uuid::parse_str(id).map_err(|_| domain::Error::NotFound { what })
}

fn count(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[derive(Default)]
pub struct PartnerQuery;

#[Object]
impl PartnerQuery {
    /// 跨省通办合作方（仅平台管理员）。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn partners(&self, ctx: &Context<'_>) -> Result<Vec<Partner>> {
        Ok(services(ctx).partners.partners(actor(ctx)?).await?.into_iter().map(Partner).collect())
    }

    /// 外发消息队列状况：积压数、最早消息等待时间、已搁置消息（仅平台管理员）。
    #[graphql(complexity = "cost::READ + child_complexity")]
    async fn outbox_health(&self, ctx: &Context<'_>) -> Result<OutboxHealth> {
        let h = services(ctx).partners.outbox_health(actor(ctx)?).await?;
        let age = h.oldest_at.map(|at| count((chrono::Utc::now() - at).num_seconds().max(0).unsigned_abs()));
        Ok(OutboxHealth {
            depth: count(h.depth),
            oldest_at: h.oldest_at.map(DateTimeScalar),
            oldest_age_seconds: age,
            parked_count: count(h.parked_count),
            parked: h.parked.into_iter().map(OutboxMessage::from).collect(),
        })
    }
}

#[derive(Default)]
pub struct PartnerMutation;

fn parse(input: PartnerInput) -> Result<DInput, domain::Error> {
    DInput::parse(
        &input.name,
        &input.region_prefixes,
        &input.base_url,
        &input.client_id,
        input.client_secret.as_deref(),
    )
}

#[Object]
impl PartnerMutation {
    /// 登记跨省通办合作方（仅平台管理员）；须提供服务账号密钥。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn register_partner(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "合作方")] input: PartnerInput,
    ) -> Result<Partner> {
        let input = parse(input)?;
        Ok(Partner(services(ctx).partners.save(actor(ctx)?, None, input).await?))
    }

    /// 修改跨省通办合作方（仅平台管理员）；不填密钥则保留原密钥。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn update_partner(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "合作方ID")] id: ID,
        #[graphql(desc = "合作方")] input: PartnerInput,
    ) -> Result<Partner> {
        let id = uuid(&id, "合作方")?;
        let input = parse(input)?;
        Ok(Partner(services(ctx).partners.save(actor(ctx)?, Some(id), input).await?))
    }

    /// 删除跨省通办合作方（仅平台管理员）。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn remove_partner(&self, ctx: &Context<'_>, #[graphql(desc = "合作方ID")] id: ID) -> Result<bool> {
        services(ctx).partners.remove(actor(ctx)?, uuid(&id, "合作方")?).await?;
        Ok(true)
    }

    /// 重新投递一条已搁置的外发消息（仅平台管理员）。
    #[graphql(complexity = "cost::WRITE + child_complexity")]
    async fn retry_outbox_message(&self, ctx: &Context<'_>, #[graphql(desc = "消息ID")] id: ID) -> Result<bool> {
        services(ctx).partners.retry(actor(ctx)?, uuid(&id, "已搁置的消息")?).await?;
        Ok(true)
    }
}
