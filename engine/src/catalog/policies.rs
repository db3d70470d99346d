//! Row-level security in a table's definition: whether it is enabled and forced
//! (`relrowsecurity`, `relforcerowsecurity`) and the table's policies (`pg_policy` rows).
//!
//! Policies live in their table's catalog row, so they are logged, transactional and
//! crash-safe with it and go when it is dropped. Invariants: policy names are unique per
//! table; a policy's role list is never empty (`[PUBLIC]` stands for every role, and then
//! is the only entry); `using` / `check` hold SQL text that bound over the table's columns
//! when the policy was created or last altered.

use super::corrupt;
use super::format::{Reader, Writer};
use crate::error::Result;

/// The command a policy applies to (`polcmd`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyCmd {
    All,
    Select,
    Insert,
    Update,
    Delete,
}

impl PolicyCmd {
    /// The command's letter in `pg_policy.polcmd`.
    pub fn code(self) -> char {
        match self {
            PolicyCmd::All => '*',
            PolicyCmd::Select => 'r',
            PolicyCmd::Insert => 'a',
            PolicyCmd::Update => 'w',
            PolicyCmd::Delete => 'd',
        }
    }

    /// The command as `pg_policies.cmd` spells it.
    pub fn name(self) -> &'static str {
        match self {
            PolicyCmd::All => "ALL",
            PolicyCmd::Select => "SELECT",
            PolicyCmd::Insert => "INSERT",
            PolicyCmd::Update => "UPDATE",
            PolicyCmd::Delete => "DELETE",
        }
    }

    fn from_code(c: u8) -> Result<PolicyCmd> {
        Ok(match c {
            b'*' => PolicyCmd::All,
            b'r' => PolicyCmd::Select,
            b'a' => PolicyCmd::Insert,
            b'w' => PolicyCmd::Update,
            b'd' => PolicyCmd::Delete,
            _ => return Err(corrupt("unknown policy command")),
        })
    }

    /// Whether a policy for `self` applies to statements doing `cmd` (ALL applies to every
    /// command).
    pub fn covers(self, cmd: PolicyCmd) -> bool {
        self == PolicyCmd::All || self == cmd
    }
}

/// One policy (a `pg_policy` row).
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyDef {
    pub name: String,
    pub oid: u32,
    pub cmd: PolicyCmd,
    /// PERMISSIVE (ORed with the others) or RESTRICTIVE (ANDed).
    pub permissive: bool,
    /// The roles it applies to (`crate::acl::PUBLIC` for every role).
    pub roles: Vec<u32>,
    /// SQL text of USING: which existing rows are visible / may be changed.
    pub using: Option<String>,
    /// SQL text of WITH CHECK: which new rows may be written.
    pub check: Option<String>,
}

/// A table's row-level security state.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct RowSecurity {
    /// ENABLE ROW LEVEL SECURITY (`relrowsecurity`).
    pub enabled: bool,
    /// FORCE ROW LEVEL SECURITY (`relforcerowsecurity`): the owner is subject too.
    pub forced: bool,
    /// The policies, in creation order.
    pub policies: Vec<PolicyDef>,
}

impl RowSecurity {
    pub fn policy(&self, name: &str) -> Option<&PolicyDef> {
        self.policies.iter().find(|p| p.name == name)
    }
}

pub(super) fn write(w: &mut Writer, rls: &RowSecurity) {
    w.0.push(rls.enabled as u8 | (rls.forced as u8) << 1);
    w.u32(rls.policies.len() as u32);
    for p in &rls.policies {
        w.str(&p.name);
        w.u32(p.oid);
        w.0.push(p.cmd.code() as u8);
        w.0.push(p.permissive as u8);
        w.u32(p.roles.len() as u32);
        for &r in &p.roles {
            w.u32(r);
        }
        w.opt(&p.using);
        w.opt(&p.check);
    }
}

pub(super) fn read(r: &mut Reader<'_>) -> Result<RowSecurity> {
    let flags = r.u8()?;
    let mut policies = Vec::new();
    for _ in 0..r.count()? {
        let name = r.str()?;
        let oid = r.u32()?;
        let cmd = PolicyCmd::from_code(r.u8()?)?;
        let permissive = r.u8()? != 0;
        let mut roles = Vec::new();
        for _ in 0..r.count()? {
            roles.push(r.u32()?);
        }
        policies.push(PolicyDef {
            name,
            oid,
            cmd,
            permissive,
            roles,
            using: r.opt()?,
            check: r.opt()?,
        });
    }
    Ok(RowSecurity {
        enabled: flags & 1 != 0,
        forced: flags & 2 != 0,
        policies,
    })
}
