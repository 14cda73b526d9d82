use std::time::Duration;

use uuid::Uuid;

use crate::audit::AuditRecord;
use crate::error::{Error, Result};
use crate::identity::{Actor, ActorKind, DisplayName, NewPassword, Role, Roles, ServiceAccount, User, Username};
use crate::page::{Page, PageRequest};
use crate::policy::{Action, authorize, authorize_grant};
use crate::region::RegionCode;
use crate::session::{AccessClaims, RefreshToken, Session, SubjectKind};
use crate::tenant::Tenant;
use crate::text::{self, TextKind};

use super::IdentityService;

/// A precomputed argon2id hash of a random string: verified against when the user name is
/// unknown, so that unknown and known names take the same time.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$lWs3J6PjVXkUC+OGV3QmYEXr6bsxA/DG3J0v3e4vOqQ";

pub struct LoginRequest<'a> {
    pub username: &'a str,
    pub password: &'a str,
    /// The client address, for per-client rate limits.
    pub client: &'a str,
}

pub struct NewUser {
    pub tenant: RegionCode,
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub department_id: Option<Uuid>,
}

/// What a center administrator changes of a user.
pub struct UserChange {
    pub display_name: String,
    pub roles: Vec<Role>,
    pub department_id: Option<Uuid>,
}

pub struct NewServiceAccount {
    pub account: ServiceAccount,
    /// Shown once; only its fingerprint is stored.
    pub client_secret: String,
}

fn bad_credentials() -> Error {
    Error::unauthenticated("用户名或密码错误")
}

/// The longest client secret looked at (the issued ones are far shorter).
const MAX_SECRET_CHARS: usize = 256;

/// Checks the text of a login before anything is looked up: a user name or password that no
/// account can have is INVALID_INPUT, which says nothing about which accounts exist.
fn check_login(username: &str, password: &str) -> Result<()> {
    text::check("用户名", username.trim(), TextKind::Line, Username::MAX_CHARS)?;
    text::check("密码", password, TextKind::Line, NewPassword::MAX_CHARS)
}

impl IdentityService {
    /// Seconds the access and the refresh token of `session` still live (at least one each),
    /// for the cookies that carry them.
    pub fn session_lifetimes(&self, session: &Session) -> (i64, i64) {
        let access = (session.expires_at - self.ports.clock.now()).num_seconds().max(1);
        (access, self.settings.refresh_ttl.num_seconds().max(1))
    }

    pub async fn login(&self, req: LoginRequest<'_>) -> Result<Session> {
        check_login(req.username, req.password)?;
        let s = &self.settings;
        let user_key = format!("login:user:{}", req.username.trim().to_ascii_lowercase());
        // The client counter counts failures only: many people log in from one office address.
        let client_key = format!("login:client:{}", req.client);
        self.ports.ephemeral.check_limit(&client_key, s.login_attempts_per_client).await?;
        let creds = self.ports.users.credentials_by_username(req.username.trim()).await?;
        let hash = creds.as_ref().map_or(DUMMY_HASH, |c| c.password_hash.as_str());
        let ok = self.ports.passwords.verify(req.password, hash).await? && creds.is_some();
        let Some(creds) = creds.filter(|_| ok) else {
            // Count the failure; past the limit the answer becomes RATE_LIMITED.
            let by_user = self.ports.ephemeral.rate_limit(&user_key, s.login_failures_per_user, s.login_window).await;
            self.ports.ephemeral.rate_limit(&client_key, s.login_attempts_per_client, s.login_window).await?;
            by_user?;
            return Err(bad_credentials());
        };
        // A locked user name stays locked even for the right password.
        self.ports.ephemeral.check_limit(&user_key, s.login_failures_per_user).await?;
        self.ports.ephemeral.reset(&user_key).await?;
        let user = creds.user;
        let tenant = self.tenants.known_tenant(&user.tenant).await?;
        let actor = Actor::user(&user, &tenant);
        self.open_session(&actor, user, Uuid::now_v7(), "session.login").await
    }

    /// Issues an access token and a refresh token of `family`.
    async fn open_session(&self, actor: &Actor, user: User, family: Uuid, action: &str) -> Result<Session> {
        let now = self.now();
        let refresh = self.ports.secrets.random_token();
        let token = RefreshToken {
            id: Uuid::now_v7(),
            family,
            user_id: user.id,
            tenant: user.tenant,
            token_hash: self.ports.secrets.fingerprint(&refresh),
            issued_at: now,
            expires_at: now + self.settings.refresh_ttl,
            used_at: None,
            revoked_at: None,
        };
        let audit = AuditRecord::new(actor, user.tenant, now, action, format!("user:{}", user.id));
        self.ports.sessions.insert(&token, audit).await?;
        let (access_token, expires_at) = self.sign_access(actor, user.id, SubjectKind::User, Some(family))?;
        Ok(Session { access_token, refresh_token: refresh, expires_at, user: Some(user) })
    }

    fn sign_access(
        &self,
        actor: &Actor,
        sub: Uuid,
        kind: SubjectKind,
        sid: Option<Uuid>,
    ) -> Result<(String, chrono::DateTime<chrono::Utc>)> {
        let now = self.now();
        let exp = now + self.settings.access_ttl;
        let name = match &actor.kind {
            ActorKind::User { username, .. } => username.clone(),
            ActorKind::Service { client_id, .. } => client_id.clone(),
            ActorKind::System { name } => (*name).to_owned(),
        };
        let claims = AccessClaims {
            sub,
            kind,
            name,
            tenant: actor.tenant,
            level: actor.level,
            roles: actor.roles.clone(),
            sid,
            // Time-ordered, so that a revocation covers exactly the tokens issued before it.
            jti: Uuid::new_v7(uuid::Timestamp::from_unix(
                uuid::NoContext,
                now.timestamp() as u64,
                now.timestamp_subsec_nanos(),
            )),
            iat: now.timestamp(),
            exp: exp.timestamp(),
        };
        Ok((self.ports.tokens.sign(&claims)?, exp))
    }

    /// Rotates a refresh token. Presenting one that was already used revokes its whole family.
    pub async fn refresh_session(&self, refresh_token: &str) -> Result<Session> {
        let now = self.now();
        let expired = || Error::unauthenticated("会话已过期，请重新登录");
        let hash = self.ports.secrets.fingerprint(refresh_token.trim());
        let old = self.ports.sessions.by_hash(&hash).await?.ok_or_else(expired)?;
        if old.revoked_at.is_some() || old.expires_at <= now {
            return Err(expired());
        }
        let scope = crate::tenant::Scope::only(&old.tenant);
        let user = self.ports.users.get(&scope, old.user_id).await?.filter(|u| !u.disabled).ok_or_else(expired)?;
        let tenant = self.tenants.known_tenant(&user.tenant).await?;
        let actor = Actor::user(&user, &tenant);
        if old.used_at.is_none() {
            let secret = self.ports.secrets.random_token();
            let new = RefreshToken {
                id: Uuid::now_v7(),
                token_hash: self.ports.secrets.fingerprint(&secret),
                issued_at: now,
                expires_at: now + self.settings.refresh_ttl,
                used_at: None,
                revoked_at: None,
                ..old.clone()
            };
            let audit = AuditRecord::new(&actor, user.tenant, now, "session.refresh", format!("user:{}", user.id));
            if self.ports.sessions.rotate(old.id, now, &new, audit).await? {
                let (access_token, expires_at) =
                    self.sign_access(&actor, user.id, SubjectKind::User, Some(old.family))?;
                return Ok(Session { access_token, refresh_token: secret, expires_at, user: Some(user) });
            }
        }
        let audit = AuditRecord::new(&actor, user.tenant, now, "session.reuse_detected", format!("user:{}", user.id));
        self.ports.sessions.revoke_family(old.family, now, audit).await?;
        // The family's access tokens stop too, not only its refresh tokens.
        self.revoke_family_tokens(old.family).await?;
        Err(Error::unauthenticated("刷新令牌已被使用过，为安全起见该会话已注销，请重新登录"))
    }

    /// Turns a bearer token into the actor; revoked and invalid tokens are UNAUTHENTICATED.
    pub async fn authenticate(&self, token: &str) -> Result<(Actor, AccessClaims)> {
        let claims = self.ports.tokens.verify(token)?;
        let mut ids = vec![claims.jti.to_string(), subject_key(claims.sub)];
        ids.extend(claims.sid.map(family_key));
        if self.ports.ephemeral.is_revoked(&ids, claims.issued_ms()).await? {
            return Err(Error::unauthenticated("令牌已注销，请重新登录"));
        }
        let kind = match claims.kind {
            SubjectKind::User => ActorKind::User { id: claims.sub, username: claims.name.clone() },
            SubjectKind::Service => ActorKind::Service { id: claims.sub, client_id: claims.name.clone() },
        };
        let actor = Actor { kind, tenant: claims.tenant, level: claims.level, roles: claims.roles.clone() };
        Ok((actor, claims))
    }

    /// Revokes the access token and its session's refresh tokens.
    pub async fn logout(&self, actor: &Actor, claims: &AccessClaims) -> Result<()> {
        let now = self.now();
        let ttl = (claims.exp - now.timestamp()).max(1) as u64;
        self.ports.ephemeral.revoke(&claims.jti.to_string(), now.timestamp_millis(), Duration::from_secs(ttl)).await?;
        let audit = AuditRecord::new(actor, actor.tenant, now, "session.logout", actor.name());
        match claims.sid {
            Some(family) => {
                self.ports.sessions.revoke_family(family, now, audit).await?;
                self.revoke_family_tokens(family).await
            }
            None => self.ports.audit.append(audit).await,
        }
    }

    /// Every access token of a session family, for as long as the newest of them could live.
    async fn revoke_family_tokens(&self, family: Uuid) -> Result<()> {
        let ttl = self.settings.access_ttl.to_std().unwrap_or(Duration::from_secs(900));
        self.ports.ephemeral.revoke(&family_key(family), self.now().timestamp_millis(), ttl).await
    }

    pub async fn me(&self, actor: &Actor) -> Result<User> {
        let id = actor.user_id().ok_or_else(|| Error::forbidden("服务账号没有用户信息"))?;
        self.ports.users.get(&actor.scope(), id).await?.ok_or_else(|| Error::unauthenticated("用户不存在，请重新登录"))
    }

    pub async fn users_by_id(&self, actor: &Actor, ids: &[Uuid]) -> Result<Vec<User>> {
        self.ports.users.get_many(&actor.scope(), ids).await
    }

    pub async fn create_user(&self, actor: &Actor, input: NewUser) -> Result<User> {
        let tenant = self.tenants.known_tenant(&input.tenant).await?;
        authorize(actor, Action::ManageUsers, &tenant)?;
        let roles = Roles::new(input.roles)?;
        for r in roles.iter() {
            authorize_grant(actor, r, &tenant)?;
        }
        let username = Username::parse(&input.username)?;
        let display_name = DisplayName::parse(&input.display_name)?;
        let password = NewPassword::parse(&input.password)?;
        if let Some(d) = input.department_id {
            let found = self.ports.catalogue.department(&crate::tenant::Scope::only(&tenant.code), d).await?;
            if found.is_none_or(|x| x.tenant != tenant.code) {
                return Err(Error::invalid(format!("部门不存在或不属于{}", tenant.name)));
            }
        }
        let hash = self.ports.passwords.hash(password.expose()).await?;
        let now = self.now();
        let user = User {
            id: Uuid::now_v7(),
            tenant: tenant.code,
            username: username.as_str().to_owned(),
            display_name: display_name.as_str().to_owned(),
            roles,
            department_id: input.department_id,
            disabled: false,
            created_at: now,
        };
        let audit = AuditRecord::new(actor, tenant.code, now, "user.create", format!("user:{}", user.id)).after(
            serde_json::json!({ "username": user.username, "displayName": user.display_name, "roles": user.roles }),
        );
        self.ports.users.create(&user, &hash, audit).await?;
        Ok(user)
    }

    pub async fn create_service_account(
        &self,
        actor: &Actor,
        tenant: &RegionCode,
        name: &str,
    ) -> Result<NewServiceAccount> {
        let tenant = self.tenants.known_tenant(tenant).await?;
        authorize(actor, Action::ManageUsers, &tenant)?;
        let name = DisplayName::parse_as("服务账号名称", name)?;
        let now = self.now();
        let client_secret = self.ports.secrets.random_token();
        let account = ServiceAccount {
            id: Uuid::now_v7(),
            client_id: format!("svc-{}-{}", tenant.code, &Uuid::new_v4().simple().to_string()[..12]),
            tenant: tenant.code,
            name: name.as_str().to_owned(),
            secret_hash: self.ports.secrets.fingerprint(&client_secret),
            created_at: now,
        };
        let audit = AuditRecord::new(actor, tenant.code, now, "service_account.create", account.client_id.clone())
            .after(serde_json::json!({ "name": account.name }));
        self.ports.users.create_service_account(&account, audit).await?;
        Ok(NewServiceAccount { account, client_secret })
    }

    /// Users of `tenant` and its descendants, by user name, for a center administrator.
    pub async fn users(
        &self,
        actor: &Actor,
        tenant: &RegionCode,
        keyword: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<User>> {
        let tenant = self.tenants.known_tenant(tenant).await?;
        authorize(actor, Action::ManageUsers, &tenant)?;
        let keyword = text::optional_line("关键字", keyword, 50)?;
        self.ports.users.list(&tenant.subtree(), keyword.as_deref(), &page).await
    }

    /// A user the actor manages; another subtree's user is NOT_FOUND.
    pub async fn managed_user(&self, actor: &Actor, id: Uuid) -> Result<(User, Tenant)> {
        let user = self.ports.users.get(&actor.scope(), id).await?.ok_or(Error::NotFound { what: "用户" })?;
        let tenant = self.tenants.known_tenant(&user.tenant).await?;
        authorize(actor, Action::ManageUsers, &tenant)?;
        Ok((user, tenant))
    }

    /// Changes a user's name, roles and department.
    pub async fn update_user(&self, actor: &Actor, id: Uuid, change: UserChange) -> Result<User> {
        let (before, tenant) = self.managed_user(actor, id).await?;
        let roles = Roles::new(change.roles)?;
        for r in roles.iter().filter(|r| !before.roles.contains(*r)) {
            authorize_grant(actor, r, &tenant)?;
        }
        if before.roles.contains(Role::PlatformAdmin) != roles.contains(Role::PlatformAdmin)
            && !actor.has(Role::PlatformAdmin)
        {
            return Err(Error::forbidden("只有平台管理员可以授予或收回平台管理员角色"));
        }
        if actor.user_id() == Some(id) && before.roles.contains(Role::CenterAdmin) && !roles.contains(Role::CenterAdmin)
        {
            return Err(Error::invalid("不能收回自己的中心管理员角色"));
        }
        let display_name = DisplayName::parse(&change.display_name)?;
        if let Some(d) = change.department_id {
            let found = self.ports.catalogue.department(&crate::tenant::Scope::only(&tenant.code), d).await?;
            if found.is_none_or(|x| x.tenant != tenant.code) {
                return Err(Error::invalid(format!("部门不存在或不属于{}", tenant.name)));
            }
        }
        let user = User {
            display_name: display_name.as_str().to_owned(),
            roles,
            department_id: change.department_id,
            ..before.clone()
        };
        let audit = AuditRecord::new(actor, tenant.code, self.now(), "user.update", format!("user:{}", user.id))
            .before(serde_json::json!({
                "displayName": before.display_name, "roles": before.roles, "departmentId": before.department_id
            }))
            .after(serde_json::json!({
                "displayName": user.display_name, "roles": user.roles, "departmentId": user.department_id
            }));
        self.ports.users.update(&user, None, audit).await?;
        // Roles travel in the token: the old ones end now, a refresh gets the new ones.
        if before.roles != user.roles {
            self.revoke_subject(user.id).await?;
        }
        Ok(user)
    }

    /// Disables (or enables again) a user: a disabled user can neither log in nor refresh a session,
    /// and the access tokens they hold stop working at once.
    pub async fn set_user_disabled(&self, actor: &Actor, id: Uuid, disabled: bool) -> Result<User> {
        let (before, tenant) = self.managed_user(actor, id).await?;
        if actor.user_id() == Some(id) {
            return Err(Error::invalid("不能停用或启用自己的账号"));
        }
        if before.disabled == disabled {
            return Ok(before);
        }
        let user = User { disabled, ..before };
        let action = if disabled { "user.disable" } else { "user.enable" };
        let audit = AuditRecord::new(actor, tenant.code, self.now(), action, format!("user:{}", user.id));
        self.ports.users.update(&user, None, audit).await?;
        if disabled {
            self.revoke_subject(user.id).await?;
        }
        Ok(user)
    }

    /// Sets a new password chosen by the administrator (the user is told it in person).
    pub async fn reset_password(&self, actor: &Actor, id: Uuid, password: &str) -> Result<User> {
        let (user, tenant) = self.managed_user(actor, id).await?;
        let password = NewPassword::parse(password)?;
        let hash = self.ports.passwords.hash(password.expose()).await?;
        let audit =
            AuditRecord::new(actor, tenant.code, self.now(), "user.reset_password", format!("user:{}", user.id));
        self.ports.users.update(&user, Some(&hash), audit).await?;
        Ok(user)
    }

    /// Service accounts of `tenant` and its descendants.
    pub async fn service_accounts(&self, actor: &Actor, tenant: &RegionCode) -> Result<Vec<ServiceAccount>> {
        let tenant = self.tenants.known_tenant(tenant).await?;
        authorize(actor, Action::ManageUsers, &tenant)?;
        self.ports.users.service_accounts(&tenant.subtree()).await
    }

    async fn managed_account(&self, actor: &Actor, id: Uuid) -> Result<(ServiceAccount, Tenant)> {
        let account = self
            .ports
            .users
            .service_accounts(&actor.scope())
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(Error::NotFound { what: "服务账号" })?;
        let tenant = self.tenants.known_tenant(&account.tenant).await?;
        authorize(actor, Action::ManageUsers, &tenant)?;
        Ok((account, tenant))
    }

    /// A new secret for the account (shown once); tokens issued before stop working.
    pub async fn rotate_service_account(&self, actor: &Actor, id: Uuid) -> Result<NewServiceAccount> {
        let (account, tenant) = self.managed_account(actor, id).await?;
        let client_secret = self.ports.secrets.random_token();
        let account = ServiceAccount { secret_hash: self.ports.secrets.fingerprint(&client_secret), ..account };
        let audit =
            AuditRecord::new(actor, tenant.code, self.now(), "service_account.rotate", account.client_id.clone());
        self.ports.users.update_service_account(&account, audit).await?;
        self.revoke_subject(account.id).await?;
        Ok(NewServiceAccount { account, client_secret })
    }

    /// Removes the account; its tokens stop working at once.
    pub async fn revoke_service_account(&self, actor: &Actor, id: Uuid) -> Result<ServiceAccount> {
        let (account, tenant) = self.managed_account(actor, id).await?;
        let audit =
            AuditRecord::new(actor, tenant.code, self.now(), "service_account.revoke", account.client_id.clone())
                .before(serde_json::json!({ "name": account.name }));
        self.ports.users.delete_service_account(&account, audit).await?;
        self.revoke_subject(account.id).await?;
        Ok(account)
    }

    /// Long enough to outlive every access token issued before now.
    fn revocation_ttl(&self) -> Duration {
        self.settings.access_ttl.to_std().unwrap_or(Duration::from_secs(900)) + Duration::from_secs(60)
    }

    /// Ends every access token a user or service account holds now; tokens issued later are valid.
    async fn revoke_subject(&self, id: Uuid) -> Result<()> {
        self.ports.ephemeral.revoke(&subject_key(id), self.now().timestamp_millis(), self.revocation_ttl()).await
    }

    /// Client-credentials grant: a token limited to the cross-area operations of the account's tenant.
    pub async fn service_token(&self, client_id: &str, client_secret: &str, client: &str) -> Result<Session> {
        text::check("客户端标识", client_id.trim(), TextKind::Line, Username::MAX_CHARS)?;
        text::check("客户端密钥", client_secret.trim(), TextKind::Line, MAX_SECRET_CHARS)?;
        let s = &self.settings;
        let client_key = format!("login:client:{client}");
        self.ports.ephemeral.check_limit(&client_key, s.login_attempts_per_client).await?;
        let invalid = || Error::unauthenticated("客户端标识或密钥错误");
        let account = self.ports.users.service_account_by_client_id(client_id.trim()).await?;
        let given = self.ports.secrets.fingerprint(client_secret.trim());
        let Some(account) = account.filter(|a| constant_time_eq(given.as_bytes(), a.secret_hash.as_bytes())) else {
            self.ports.ephemeral.rate_limit(&client_key, s.login_attempts_per_client, s.login_window).await?;
            return Err(invalid());
        };
        let tenant = self.tenants.known_tenant(&account.tenant).await?;
        let actor = Actor::service(&account, &tenant);
        let audit =
            AuditRecord::new(&actor, tenant.code, self.now(), "session.service_token", account.client_id.clone());
        self.ports.audit.append(audit).await?;
        let (access_token, expires_at) = self.sign_access(&actor, account.id, SubjectKind::Service, None)?;
        Ok(Session { access_token, refresh_token: String::new(), expires_at, user: None })
    }
}

/// The revocation-list id of every token of a user or service account (disabled, changed, rotated
/// or revoked).
fn subject_key(account: Uuid) -> String {
    format!("subject:{account}")
}

/// The revocation-list id of a session family.
fn family_key(family: Uuid) -> String {
    format!("family:{family}")
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
