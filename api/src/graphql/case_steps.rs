//! `Case.allowedActions`: the steps the caller may take on a case now, as the domain answers them.

use async_graphql::Enum;
use domain::case::CaseStep as DStep;

/// 办件操作：当前用户此刻可以对办件执行的操作（由状态机、权限和审批授权共同决定）。
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "domain::case::CaseStep")]
pub enum CaseStep {
    /// 受理（出具受理通知书，开始计时）
    Accept,
    /// 一次性告知补正（出具补正材料通知书）
    RequestCorrection,
    /// 不予受理（须说明理由，不可撤销）
    Reject,
    /// 初审通过，上报上级办理（上报件）
    Forward,
    /// 补正材料已收，重新提交
    Resubmit,
    /// 启动特别程序（暂停计时）
    Suspend,
    /// 特别程序结束，恢复办理
    Resume,
    /// 准予许可（联办件为本部门同意意见）
    Approve,
    /// 不予许可（须说明理由，不可撤销；联办件为本部门不同意意见）
    Deny,
    /// 出件送达（办结或已转办理地的办件）
    Deliver,
    /// 归档
    Archive,
    /// 撤回申请（须说明理由，不可撤销）
    Withdraw,
    /// 转办理地（异地收件的办件，由收件地转交办理地受理）
    Transfer,
}

pub fn steps(list: Vec<DStep>) -> Vec<CaseStep> {
    list.into_iter().map(Into::into).collect()
}
