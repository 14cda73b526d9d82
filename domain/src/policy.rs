//! The one permission policy: every interface asks `authorize(actor, action, tenant)`.

use crate::error::Error;
use crate::identity::{Actor, Role};
use crate::region::AdminLevel;
use crate::tenant::Tenant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Browse a tenant's data: `tenant(code)`, `tenants`, lists.
    ViewTenant,
    /// Create users and service accounts of a tenant.
    ManageUsers,
    /// Read and verify a tenant's audit log.
    ViewAudit,
    /// Import regions, create root tenants.
    ManagePlatform,
    /// Edit the base catalogue and calendar of a root tenant.
    ManageCatalogue,
    /// Implementation lists, departments, windows, staff of a tenant.
    ManageTenantSetup,
    /// Intake, acceptance decisions, corrections, delivery, transfers out.
    HandleCases,
    /// Approve or deny, special procedures.
    DecideCases,
    /// Read every case and statistic of a subtree, open rectification orders.
    Supervise,
    /// The cross-area transfer API (service accounts and stations).
    CrossArea,
}

impl Action {
    fn label(self) -> &'static str {
        match self {
            Action::ViewTenant => "查看",
            Action::ManageUsers => "管理用户",
            Action::ViewAudit => "查看审计日志",
            Action::ManagePlatform => "管理平台",
            Action::ManageCatalogue => "管理基本目录",
            Action::ManageTenantSetup => "管理实施清单和大厅",
            Action::HandleCases => "办理办件",
            Action::DecideCases => "审批办件",
            Action::Supervise => "监察",
            Action::CrossArea => "跨域通办",
        }
    }

    /// Roles that grant the action (besides the platform administrator).
    fn roles(self) -> &'static [Role] {
        match self {
            Action::ViewTenant => &Role::ALL,
            Action::ManageUsers | Action::ManageTenantSetup => &[Role::CenterAdmin],
            Action::ViewAudit | Action::Supervise => &[Role::CenterAdmin, Role::Supervisor],
            Action::ManagePlatform => &[],
            Action::ManageCatalogue => &[Role::CatalogueAdmin],
            Action::HandleCases => &[Role::WindowStaff, Role::StationStaff],
            Action::DecideCases => &[Role::Approver],
            Action::CrossArea => &[Role::WindowStaff, Role::StationStaff],
        }
    }

    /// Whether one of `roles` grants the action (the platform administrator aside), for menus.
    pub fn granted_by(self, roles: &crate::identity::Roles) -> bool {
        self.roles().iter().any(|r| roles.contains(*r))
    }

    /// Actions that only ever apply to the actor's own tenant, whatever the role's reach.
    fn own_tenant_only(self) -> bool {
        matches!(self, Action::HandleCases | Action::DecideCases | Action::CrossArea)
    }
}

/// Decides whether `actor` may do `action` on data of `tenant`. A tenant outside the actor's
/// scope is FORBIDDEN here; callers that must hide existence (cases) map it to NOT_FOUND.
pub fn authorize(actor: &Actor, action: Action, tenant: &Tenant) -> Result<(), Error> {
    if actor.is_service() {
        // A service account speaks for its tenant and the tenants below it (a partner deployment
        // holds one account per province or city it exchanges cases with).
        return if action == Action::CrossArea && actor.scope().contains(&tenant.code) {
            Ok(())
        } else {
            Err(Error::forbidden("服务账号只能调用本辖区的跨域通办接口"))
        };
    }
    if !actor.scope().contains(&tenant.code) {
        return Err(Error::forbidden(format!("无权访问{}的数据", tenant.name)));
    }
    if actor.has(Role::PlatformAdmin) {
        return Ok(());
    }
    if action.own_tenant_only() && actor.tenant != tenant.code {
        return Err(Error::forbidden(format!("只能{}本单位的业务", action.label())));
    }
    if action == Action::ManageCatalogue && !(tenant.root && actor.tenant == tenant.code) {
        return Err(Error::forbidden("基本目录只能由根租户的目录管理员维护"));
    }
    if action.roles().iter().any(|r| actor.has(*r)) {
        Ok(())
    } else {
        Err(Error::forbidden(format!("当前角色无权{}", action.label())))
    }
}

/// The operations a service account may call: the cross-area transfer API (domain.md §7) and the
/// token it calls it with. Every other operation is FORBIDDEN to it before it runs, whatever it reads.
pub const SERVICE_OPERATIONS: &[&str] = &[
    "serviceToken",
    "transfers",
    "transfer",
    "transferCase",
    "submitRemoteTransfer",
    "receiveTransfer",
    "acceptTransfer",
    "returnTransfer",
    "reportTransferStatus",
    "__typename",
];

/// May a service account call `operation` (a root field of the API)?
pub fn authorize_service_operation(operation: &str) -> Result<(), Error> {
    if SERVICE_OPERATIONS.contains(&operation) {
        Ok(())
    } else {
        Err(Error::forbidden(format!("服务账号只能调用本辖区的跨域通办接口，不能调用 {operation}")))
    }
}

/// May `actor` give `role` to a user of `tenant`? (Checked after `ManageUsers`.)
pub fn authorize_grant(actor: &Actor, role: Role, tenant: &Tenant) -> Result<(), Error> {
    if role == Role::PlatformAdmin && !actor.has(Role::PlatformAdmin) {
        return Err(Error::forbidden("只有平台管理员可以授予平台管理员角色"));
    }
    if role == Role::CatalogueAdmin && !tenant.root {
        return Err(Error::invalid(format!("{}不是根租户，不能设置目录管理员", tenant.name)));
    }
    if role == Role::StationStaff && !tenant.level.is_station() {
        return Err(Error::invalid("站点人员只能属于乡镇或村级租户"));
    }
    if tenant.level == AdminLevel::Village && matches!(role, Role::Approver | Role::CenterAdmin) {
        return Err(Error::invalid("村级便民服务站不设审批人员和中心管理员"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{ActorKind, Roles};
    use crate::region::RegionCode;
    use uuid::Uuid;

    fn tenant(code: &str, level: AdminLevel, root: bool) -> Tenant {
        Tenant { code: RegionCode::parse(code).expect("valid"), name: code.into(), level, parent: None, root }
    }

    fn actor(t: &Tenant, roles: &[Role]) -> Actor {
        Actor {
            kind: ActorKind::User { id: Uuid::nil(), username: "u".into() },
            tenant: t.code,
            level: t.level,
            roles: Roles::new(roles.to_vec()).expect("roles"),
        }
    }

    #[test]
    fn scope_follows_the_tree() {
        let city = tenant("610400000000", AdminLevel::City, true);
        let ys = tenant("610426000000", AdminLevel::County, false);
        let qd = tenant("610402000000", AdminLevel::County, false);
        let jj = tenant("610426001000", AdminLevel::Town, false);
        let dt = tenant("610426101000", AdminLevel::Town, false);

        let ys_admin = actor(&ys, &[Role::CenterAdmin]);
        assert!(authorize(&ys_admin, Action::ViewTenant, &ys).is_ok());
        assert!(authorize(&ys_admin, Action::ViewTenant, &jj).is_ok());
        assert_eq!(authorize(&ys_admin, Action::ViewTenant, &qd).map_err(|e| e.code()), Err("FORBIDDEN"));
        assert!(authorize(&ys_admin, Action::ViewTenant, &city).is_err());

        let clerk = actor(&jj, &[Role::StationStaff]);
        assert!(authorize(&clerk, Action::ViewTenant, &jj).is_ok());
        assert!(authorize(&clerk, Action::HandleCases, &jj).is_ok());
        assert!(authorize(&clerk, Action::ViewTenant, &dt).is_err());
        assert!(authorize(&clerk, Action::ViewTenant, &ys).is_err());
        assert!(authorize(&clerk, Action::ManageUsers, &jj).is_err());
    }

    #[test]
    fn roles_grant_actions() {
        let ys = tenant("610426000000", AdminLevel::County, false);
        let jj = tenant("610426001000", AdminLevel::Town, false);
        let window = actor(&ys, &[Role::WindowStaff]);
        assert!(authorize(&window, Action::HandleCases, &ys).is_ok());
        assert!(authorize(&window, Action::DecideCases, &ys).is_err());
        assert!(authorize(&window, Action::ViewAudit, &ys).is_err());
        let admin = actor(&ys, &[Role::CenterAdmin]);
        assert!(authorize(&admin, Action::ManageUsers, &jj).is_ok());
        // Case work stays at the own tenant even for subtree roles.
        let sup = actor(&ys, &[Role::Supervisor, Role::Approver]);
        assert!(authorize(&sup, Action::Supervise, &jj).is_ok());
        assert!(authorize(&sup, Action::DecideCases, &jj).is_err());
    }

    #[test]
    fn catalogue_belongs_to_the_root() {
        let city = tenant("610400000000", AdminLevel::City, true);
        let ys = tenant("610426000000", AdminLevel::County, false);
        let cat = actor(&city, &[Role::CatalogueAdmin]);
        assert!(authorize(&cat, Action::ManageCatalogue, &city).is_ok());
        assert!(authorize(&cat, Action::ManageCatalogue, &ys).is_err());
        assert!(authorize(&cat, Action::ManageUsers, &city).is_err());
    }

    #[test]
    fn service_accounts_only_transfer_for_their_tenant() {
        let ys = tenant("610426000000", AdminLevel::County, false);
        let jj = tenant("610426001000", AdminLevel::Town, false);
        let mut svc = actor(&ys, &[Role::WindowStaff]);
        svc.kind = ActorKind::Service { id: Uuid::nil(), client_id: "c".into() };
        let qd = tenant("610402000000", AdminLevel::County, false);
        assert!(authorize(&svc, Action::CrossArea, &ys).is_ok());
        // The tenants below its own, never a sibling's.
        assert!(authorize(&svc, Action::CrossArea, &jj).is_ok());
        assert!(authorize(&svc, Action::CrossArea, &qd).is_err());
        assert!(authorize(&svc, Action::ViewTenant, &ys).is_err());
        assert!(authorize_service_operation("submitRemoteTransfer").is_ok());
        for op in ["cases", "case", "caseByNo", "implItem", "tenants", "me", "createUser", "__schema"] {
            assert_eq!(authorize_service_operation(op).map_err(|e| e.code()), Err("FORBIDDEN"), "{op}");
        }
    }

    #[test]
    fn grants_are_bounded() {
        let city = tenant("610400000000", AdminLevel::City, true);
        let ys = tenant("610426000000", AdminLevel::County, false);
        let jj = tenant("610426001000", AdminLevel::Town, false);
        let admin = actor(&city, &[Role::CenterAdmin]);
        assert!(authorize_grant(&admin, Role::PlatformAdmin, &city).is_err());
        assert!(authorize_grant(&admin, Role::CatalogueAdmin, &ys).is_err());
        assert!(authorize_grant(&admin, Role::CatalogueAdmin, &city).is_ok());
        assert!(authorize_grant(&admin, Role::StationStaff, &ys).is_err());
        assert!(authorize_grant(&admin, Role::StationStaff, &jj).is_ok());
    }
}
