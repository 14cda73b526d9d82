//! Users, roles, service accounts and the authenticated actor.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::Error;
use crate::region::{AdminLevel, RegionCode};
use crate::tenant::{Scope, Tenant};
use crate::text::{self, TextKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    PlatformAdmin,
    CenterAdmin,
    CatalogueAdmin,
    WindowStaff,
    Approver,
    StationStaff,
    Supervisor,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::PlatformAdmin,
        Role::CenterAdmin,
        Role::CatalogueAdmin,
        Role::WindowStaff,
        Role::Approver,
        Role::StationStaff,
        Role::Supervisor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "PLATFORM_ADMIN",
            Role::CenterAdmin => "CENTER_ADMIN",
            Role::CatalogueAdmin => "CATALOGUE_ADMIN",
            Role::WindowStaff => "WINDOW_STAFF",
            Role::Approver => "APPROVER",
            Role::StationStaff => "STATION_STAFF",
            Role::Supervisor => "SUPERVISOR",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "平台管理员",
            Role::CenterAdmin => "中心管理员",
            Role::CatalogueAdmin => "目录管理员",
            Role::WindowStaff => "窗口人员",
            Role::Approver => "审批人员",
            Role::StationStaff => "站点人员",
            Role::Supervisor => "监察人员",
        }
    }

    /// Roles whose reach is the own tenant and its descendants (else the own tenant only).
    pub fn reaches_descendants(self) -> bool {
        matches!(self, Role::PlatformAdmin | Role::CenterAdmin | Role::CatalogueAdmin | Role::Supervisor)
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or_else(|| Error::invalid(format!("角色“{s}”无效")))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of roles, never empty for a user.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Roles(Vec<Role>);

impl Roles {
    pub fn new(mut roles: Vec<Role>) -> Result<Self, Error> {
        roles.sort();
        roles.dedup();
        if roles.is_empty() {
            return Err(Error::invalid("用户至少需要一个角色"));
        }
        Ok(Roles(roles))
    }

    /// Parses the stored comma-separated form.
    pub fn parse_stored(s: &str) -> Result<Self, Error> {
        Roles::new(s.split(',').filter(|p| !p.is_empty()).map(Role::from_str).collect::<Result<_, _>>()?)
    }

    pub fn to_stored(&self) -> String {
        self.0.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
    }

    pub fn contains(&self, r: Role) -> bool {
        self.0.contains(&r)
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(s: &str) -> Result<Self, Error> {
        let s = text::line("用户名", s, Self::MAX_CHARS)?;
        let ok_len = s.chars().count() >= 3;
        let ok_chars = s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'));
        if !ok_len || !ok_chars {
            return Err(Error::invalid("用户名须为3至64位字母、数字或 _ - . @ 字符"));
        }
        Ok(Username(s.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that meets the policy. Never printed.
pub struct NewPassword(String);

impl NewPassword {
    pub const MAX_CHARS: usize = 128;

    pub fn parse(s: &str) -> Result<Self, Error> {
        let n = s.chars().count();
        if !(10..=Self::MAX_CHARS).contains(&n) {
            return Err(Error::invalid("密码长度须为10至128位"));
        }
        text::check("密码", s, TextKind::Line, Self::MAX_CHARS)?;
        let classes = [
            s.chars().any(|c| c.is_ascii_lowercase()),
            s.chars().any(|c| c.is_ascii_uppercase()),
            s.chars().any(|c| c.is_ascii_digit()),
            s.chars().any(|c| !c.is_ascii_alphanumeric()),
        ];
        if classes.iter().filter(|b| **b).count() < 3 {
            return Err(Error::invalid("密码须包含大写字母、小写字母、数字、符号中的至少三类"));
        }
        Ok(NewPassword(s.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_CHARS: usize = 50;

    /// A person's name, called 姓名 in messages.
    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::parse_as("姓名", s)
    }

    /// A name of at most 50 characters; `what` names the field in messages.
    pub fn parse_as(what: &str, s: &str) -> Result<Self, Error> {
        Ok(DisplayName(text::line(what, s, Self::MAX_CHARS)?))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: Uuid,
    pub tenant: RegionCode,
    pub username: String,
    pub display_name: String,
    pub roles: Roles,
    pub department_id: Option<Uuid>,
    /// A disabled user cannot log in or refresh a session.
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// A stored user with its password hash, for authentication only.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccount {
    pub id: Uuid,
    pub client_id: String,
    pub tenant: RegionCode,
    pub name: String,
    pub secret_hash: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorKind {
    User {
        id: Uuid,
        username: String,
    },
    Service {
        id: Uuid,
        client_id: String,
    },
    /// The CLI and background work; carries the reason in audit entries.
    System {
        name: &'static str,
    },
}

/// Who acts: resolved from a token or session by the edge, checked by the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    pub tenant: RegionCode,
    pub level: AdminLevel,
    pub roles: Roles,
}

impl Actor {
    pub fn user(user: &User, tenant: &Tenant) -> Actor {
        Actor {
            kind: ActorKind::User { id: user.id, username: user.username.clone() },
            tenant: user.tenant,
            level: tenant.level,
            roles: user.roles.clone(),
        }
    }

    pub fn service(account: &ServiceAccount, tenant: &Tenant) -> Actor {
        Actor {
            kind: ActorKind::Service { id: account.id, client_id: account.client_id.clone() },
            tenant: account.tenant,
            level: tenant.level,
            roles: Roles(Vec::new()),
        }
    }

    pub fn system(name: &'static str, root: &Tenant) -> Actor {
        Actor {
            kind: ActorKind::System { name },
            tenant: root.code,
            level: root.level,
            roles: Roles(vec![Role::PlatformAdmin]),
        }
    }

    pub fn has(&self, r: Role) -> bool {
        self.roles.contains(r)
    }

    pub fn is_service(&self) -> bool {
        matches!(self.kind, ActorKind::Service { .. })
    }

    pub fn user_id(&self) -> Option<Uuid> {
        match &self.kind {
            ActorKind::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// The name recorded in audit entries and case events.
    pub fn name(&self) -> String {
        match &self.kind {
            ActorKind::User { username, .. } => username.clone(),
            ActorKind::Service { client_id, .. } => format!("service:{client_id}"),
            ActorKind::System { name } => format!("system:{name}"),
        }
    }

    /// The tenants whose data this actor may read at all.
    pub fn scope(&self) -> Scope {
        if self.has(Role::PlatformAdmin) {
            Scope::All
        } else if self.is_service() || self.roles.iter().any(Role::reaches_descendants) {
            Scope::Subtree(self.tenant.prefix(self.level).to_owned())
        } else {
            Scope::only(&self.tenant)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_length_and_variety() {
        assert!(NewPassword::parse("short1A!").is_err());
        assert!(NewPassword::parse("alllowercaseletters").is_err());
        assert!(NewPassword::parse("Tongban@2026").is_ok());
        assert_eq!(format!("{:?}", NewPassword::parse("Tongban@2026").expect("ok")), "NewPassword(***)");
    }

    #[test]
    fn usernames_are_ascii_and_lowercased() {
        assert_eq!(Username::parse(" YS_Admin ").expect("ok").as_str(), "ys_admin");
        assert!(Username::parse("张三").is_err());
        assert!(Username::parse("ab").is_err());
        let e = Username::parse("ys\0admin").expect_err("NUL");
        assert!(e.to_string().contains("用户名") && e.to_string().contains("NUL"), "{e}");
    }

    #[test]
    fn names_refuse_control_and_direction_characters() {
        assert_eq!(DisplayName::parse(" 张三 ").expect("ok").as_str(), "张三");
        let e = DisplayName::parse_as("预约人姓名", "张\u{202E}三").expect_err("RLO");
        assert!(e.to_string().contains("预约人姓名"), "{e}");
        assert!(DisplayName::parse(&"张".repeat(51)).is_err());
        assert!(NewPassword::parse("Tongban@2026\0").is_err());
    }

    #[test]
    fn roles_round_trip_and_reject_empty() {
        let r = Roles::new(vec![Role::WindowStaff, Role::Approver, Role::WindowStaff]).expect("ok");
        assert_eq!(r.to_stored(), "WINDOW_STAFF,APPROVER");
        assert_eq!(Roles::parse_stored(&r.to_stored()).expect("ok"), r);
        assert!(Roles::new(vec![]).is_err());
        assert!(Roles::parse_stored("KING").is_err());
    }
}
