//! Who the session is: the authenticated (login) role, the session user (`SET SESSION
//! AUTHORIZATION`) and the current user (`SET ROLE`), with PostgreSQL 15's rules for
//! changing them.
//!
//! The session user and the role set are kept as the settings `session_authorization` and
//! `role` (as PostgreSQL keeps them), so `SET LOCAL`, a rolled-back `SET` and `RESET` work as
//! for any setting; `RESET ALL` leaves them alone, as PostgreSQL does. `is_superuser` follows
//! the current user. An embedded session (no login) is the bootstrap superuser's.

use super::{Session, StatementResult};
use crate::acl::Identity;
use crate::catalog::Catalog;
use crate::error::{EngineError, Result};
use crate::guc::Settings;
use crate::roles::BOOTSTRAP_SUPERUSER_OID;
use sqlparser::ast;

/// The setting holding the role `SET ROLE` chose (absent or `none`: the session user).
pub(super) const ROLE: &str = "role";
/// The setting holding the session user `SET SESSION AUTHORIZATION` chose (absent: the
/// authenticated role).
pub(super) const SESSION_AUTHORIZATION: &str = "session_authorization";
const IS_SUPERUSER: &str = "is_superuser";

/// A role name a setting does not accept: PostgreSQL reports it as the setting's invalid
/// value (22023).
fn undefined(name: &str) -> EngineError {
    EngineError::InvalidParameterValue {
        message: format!("role \"{name}\" does not exist"),
    }
}

/// The authenticated role's name (`user`; the bootstrap superuser's for an embedded
/// session).
fn login_name(user: Option<&str>, catalog: &Catalog) -> String {
    match user {
        Some(u) => u.to_owned(),
        None => catalog
            .roles()
            .name_of(BOOTSTRAP_SUPERUSER_OID)
            .unwrap_or_default(),
    }
}

/// The session user's name.
fn session_name(settings: &Settings, user: Option<&str>, catalog: &Catalog) -> String {
    settings
        .get(SESSION_AUTHORIZATION)
        .unwrap_or_else(|| login_name(user, catalog))
}

/// The current user's name.
fn current_name(settings: &Settings, user: Option<&str>, catalog: &Catalog) -> String {
    match settings.get(ROLE) {
        Some(r) if r != "none" => r,
        _ => session_name(settings, user, catalog),
    }
}

impl Session {
    /// Who runs the session's statements (settings and login role as given), as the
    /// catalog sees it now. A role dropped meanwhile (by another session) has OID 0: it
    /// holds only what PUBLIC holds.
    pub(super) fn identity_of(
        settings: &Settings,
        user: Option<&str>,
        catalog: &Catalog,
    ) -> Identity {
        let session_name = session_name(settings, user, catalog);
        let current_name = current_name(settings, user, catalog);
        let oid = |n: &str| catalog.roles().get(n).map_or(0, |r| r.oid);
        Identity {
            current: oid(&current_name),
            session: oid(&session_name),
            current_name,
            session_name,
            row_security: settings.get("row_security").as_deref() != Some("off"),
        }
    }

    fn login_name(&self, catalog: &Catalog) -> String {
        login_name(self.user.as_deref(), catalog)
    }

    fn session_name(&self, catalog: &Catalog) -> String {
        session_name(&self.settings, self.user.as_deref(), catalog)
    }

    fn current_name(&self, catalog: &Catalog) -> String {
        current_name(&self.settings, self.user.as_deref(), catalog)
    }

    /// Records `is_superuser` for the current user (as SHOW and current_setting read it).
    fn refresh_is_superuser(&self, local: bool, in_txn: bool) -> Result<()> {
        let catalog = self.view_catalog();
        let name = self.current_name(&catalog);
        let superuser = catalog.roles().get(&name).is_some_and(|r| r.superuser);
        drop(catalog);
        let value = if superuser { "on" } else { "off" };
        self.settings
            .set(IS_SUPERUSER, Some(value), local, in_txn)?;
        Ok(())
    }

    /// `is_superuser` as the login role makes it (called when the session gets its role).
    pub(super) fn login_is_superuser(&self) {
        let _ = self.refresh_is_superuser(false, false);
    }

    /// `SET [LOCAL] ROLE name | NONE` (and `SET role = …`): the session user must be a
    /// superuser or a member of the role (42501 otherwise), as in PostgreSQL 15.
    pub(super) fn set_role(&mut self, role: Option<&str>, local: bool) -> Result<StatementResult> {
        let in_txn = self.active.is_some();
        let value = match role {
            None => "none".to_string(),
            Some(name) => {
                let catalog = self.view_catalog();
                let roles = catalog.roles();
                let target = roles.get(name).ok_or_else(|| undefined(name))?;
                let session = self.session_name(&catalog);
                let session = roles.get(&session);
                let allowed =
                    session.is_some_and(|s| s.superuser || roles.is_member_of(s.oid, target.oid));
                if !allowed {
                    return Err(EngineError::InsufficientPrivilege {
                        message: format!("permission denied to set role \"{name}\""),
                    });
                }
                name.to_string()
            }
        };
        self.settings.set(ROLE, Some(&value), local, in_txn)?;
        self.refresh_is_superuser(local, in_txn)?;
        Ok(StatementResult::Command("SET".into()))
    }

    /// `SET SESSION AUTHORIZATION name | DEFAULT` (and `RESET SESSION AUTHORIZATION`): only
    /// an authenticated superuser may become another role (42501 otherwise). The role set
    /// by SET ROLE is dropped, as PostgreSQL does.
    pub(super) fn set_session_authorization(
        &mut self,
        name: Option<&str>,
        local: bool,
    ) -> Result<StatementResult> {
        let in_txn = self.active.is_some();
        {
            let catalog = self.view_catalog();
            let roles = catalog.roles();
            let login = self.login_name(&catalog);
            if let Some(name) = name {
                roles.get(name).ok_or_else(|| undefined(name))?;
                let superuser = roles.get(&login).is_some_and(|r| r.superuser);
                if name != login && !superuser {
                    return Err(EngineError::InsufficientPrivilege {
                        message: "permission denied to set session authorization".into(),
                    });
                }
            }
        }
        self.settings
            .set(SESSION_AUTHORIZATION, name, local, in_txn)?;
        self.settings.set(ROLE, Some("none"), local, in_txn)?;
        self.refresh_is_superuser(local, in_txn)?;
        Ok(StatementResult::Command("SET".into()))
    }

    /// `SET ROLE` / `SET SESSION AUTHORIZATION` in sqlparser's forms.
    pub(super) fn set_identity(&mut self, set: &ast::Set) -> Result<StatementResult> {
        match set {
            ast::Set::SetRole {
                context_modifier,
                role_name,
            } => {
                let local = matches!(context_modifier, Some(ast::ContextModifier::Local));
                let name = role_name.as_ref().map(crate::sql::binder::ident_name);
                self.set_role(name.as_deref(), local)
            }
            ast::Set::SetSessionAuthorization(p) => {
                let local = matches!(p.scope, ast::ContextModifier::Local);
                match &p.kind {
                    ast::SetSessionAuthorizationParamKind::Default => {
                        self.set_session_authorization(None, local)
                    }
                    ast::SetSessionAuthorizationParamKind::User(u) => {
                        let name = crate::sql::binder::ident_name(u);
                        self.set_session_authorization(Some(&name), local)
                    }
                }
            }
            other => Err(EngineError::FeatureNotSupported {
                feature: format!("{other}"),
            }),
        }
    }

    /// `SHOW role`, `SHOW session_authorization`, `SHOW is_superuser`.
    pub(super) fn show_identity(&self, name: &str) -> Option<String> {
        match name {
            ROLE => Some(
                self.settings
                    .get(ROLE)
                    .unwrap_or_else(|| "none".to_string()),
            ),
            SESSION_AUTHORIZATION => {
                let catalog = self.view_catalog();
                Some(self.session_name(&catalog))
            }
            _ => None,
        }
    }
}
