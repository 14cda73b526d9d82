//! The left menu: which entries each role sees.

use domain::identity::{Role, Roles};
use domain::policy::Action;

use crate::routes::{ACCOUNTS, AUDIT, CALENDAR, CASES, CATALOGUE, HALL, HOME, ITEMS, SUPERVISION, TENANTS, USERS};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MenuItem {
    pub key: &'static str,
    pub label: &'static str,
    pub href: &'static str,
}

const fn item(key: &'static str, label: &'static str, href: &'static str) -> MenuItem {
    MenuItem { key, label, href }
}

/// The menu for a set of roles, in display order. Entries follow the policy's actions; the
/// platform administrator, whom the policy grants everything, sees only the platform's pages.
pub(crate) fn menu_for(roles: &Roles) -> Vec<MenuItem> {
    let may = |a: Action| a.granted_by(roles);
    let platform = roles.contains(Role::PlatformAdmin);
    let mut menu = vec![item("dashboard", "工作台", HOME)];
    if roles.iter().any(Role::reaches_descendants) {
        menu.push(item("tenants", "辖区单位", TENANTS));
    }
    // Root edits (catalogue administrators) and local overrides (center administrators).
    if platform || may(Action::ManageCatalogue) || may(Action::ManageTenantSetup) {
        menu.push(item("calendar", "工作日历", CALENDAR));
    }
    if may(Action::HandleCases) || may(Action::DecideCases) || may(Action::Supervise) {
        menu.push(item("cases", "办件", CASES));
    }
    if may(Action::CrossArea) {
        menu.push(item("transfers", "跨域通办", "/console/transfers"));
    }
    if may(Action::Supervise) {
        menu.push(item("rejections", "不予受理备案", "/console/cases/rejections"));
    }
    // Stations read their list; center administrators manage it.
    if may(Action::ManageTenantSetup) || roles.contains(Role::StationStaff) {
        menu.push(item("items", "事项清单", ITEMS));
    }
    if may(Action::HandleCases) && !may(Action::ManageTenantSetup) {
        menu.push(item("hall", "窗口叫号", HALL));
    }
    if may(Action::ManageTenantSetup) {
        menu.push(item("hall", "大厅管理", HALL));
    }
    if may(Action::ManageUsers) {
        menu.push(item("users", "用户管理", USERS));
        menu.push(item("accounts", "服务账号", ACCOUNTS));
    }
    if may(Action::ManageCatalogue) {
        menu.push(item("catalogue", "基本目录", CATALOGUE));
    }
    if may(Action::Supervise) {
        menu.push(item("supervision", "监督考核", SUPERVISION));
    }
    if platform {
        menu.push(item("partners", "跨省通办合作方", "/console/partners"));
    }
    if platform || may(Action::ViewAudit) {
        menu.push(item("audit", "审计日志", AUDIT));
    }
    menu
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(roles: &[Role]) -> Vec<&'static str> {
        let roles = Roles::new(roles.to_vec()).expect("roles");
        menu_for(&roles).into_iter().map(|m| m.key).collect()
    }

    #[test]
    fn menus_follow_roles() {
        assert_eq!(
            keys(&[Role::CenterAdmin]),
            [
                "dashboard",
                "tenants",
                "calendar",
                "cases",
                "rejections",
                "items",
                "hall",
                "users",
                "accounts",
                "supervision",
                "audit"
            ]
        );
        assert_eq!(keys(&[Role::WindowStaff]), ["dashboard", "cases", "transfers", "hall"]);
        assert_eq!(keys(&[Role::Approver]), ["dashboard", "cases"]);
        assert_eq!(keys(&[Role::StationStaff]), ["dashboard", "cases", "transfers", "items", "hall"]);
        assert_eq!(keys(&[Role::CatalogueAdmin]), ["dashboard", "tenants", "calendar", "catalogue"]);
        assert_eq!(keys(&[Role::Supervisor]), ["dashboard", "tenants", "cases", "rejections", "supervision", "audit"]);
        assert_eq!(keys(&[Role::PlatformAdmin]), ["dashboard", "tenants", "calendar", "partners", "audit"]);
        // Roles combine without duplicates.
        assert_eq!(
            keys(&[Role::WindowStaff, Role::Approver, Role::Supervisor]),
            ["dashboard", "tenants", "cases", "transfers", "rejections", "hall", "supervision", "audit"]
        );
    }

    #[test]
    fn every_entry_is_a_console_page() {
        let roles = Roles::new(Role::ALL.to_vec()).expect("roles");
        for m in menu_for(&roles) {
            assert!(m.href.starts_with("/console"), "{}", m.key);
        }
    }
}
