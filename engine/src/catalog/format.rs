//! The row format of a relation's definition in the catalog heap: a version byte, then a
//! small length-prefixed encoding of every field. Older versions stay readable (fields they
//! lack take their defaults: the bootstrap superuser owns relations from before ownership,
//! and database `postgres` those from before there were several databases). From version 7
//! the database's OID follows the version byte, so it is known before column types are
//! resolved (see [`db_of`]).

use super::{
    corrupt, CheckDef, ColumnDef, FkAction, ForeignKeyDef, Identity, IndexDef, OnCommit,
    SequenceDef, TableDef,
};
use crate::acl::AclItem;
use crate::error::Result;
use crate::roles::BOOTSTRAP_SUPERUSER_OID;
use crate::types::DataType;

// --- Row format of a definition: a small length-prefixed encoding. ---

pub(super) struct Writer(pub(super) Vec<u8>);

impl Writer {
    pub(super) fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(super) fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
    /// An access control list (`None`: the owner's default rights).
    pub(super) fn acl(&mut self, acl: &Option<Vec<AclItem>>) {
        match acl {
            None => self.0.push(0),
            Some(acl) => {
                self.0.push(1);
                self.u32(acl.len() as u32);
                for item in acl {
                    self.u32(item.grantee);
                    self.u32(item.grantor);
                    self.0.extend_from_slice(&item.privs.to_le_bytes());
                    self.0.extend_from_slice(&item.grant_options.to_le_bytes());
                }
            }
        }
    }
    pub(super) fn opt(&mut self, s: &Option<String>) {
        match s {
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
            None => self.0.push(0),
        }
    }
}

pub(super) fn encode(def: &TableDef) -> Vec<u8> {
    let mut w = Writer(vec![7]); // format version
    w.u32(def.db);
    w.u32(def.oid);
    w.str(&def.name);
    w.u32(def.file);
    w.u32(def.columns.len() as u32);
    for c in &def.columns {
        w.str(&c.name);
        w.str(&c.ty.display_name());
        w.0.push(c.not_null as u8);
        w.opt(&c.default);
        w.0.push(match c.identity {
            None => 0,
            Some(Identity::Always) => 1,
            Some(Identity::ByDefault) => 2,
        });
    }
    w.u32(def.indexes.len() as u32);
    for ix in &def.indexes {
        w.str(&ix.name);
        w.u32(ix.oid);
        w.u32(ix.file);
        w.u32(ix.columns.len() as u32);
        for &c in &ix.columns {
            w.u32(c as u32);
        }
        w.0.push(ix.unique as u8 | (ix.primary as u8) << 1);
    }
    w.u32(def.checks.len() as u32);
    for ck in &def.checks {
        w.str(&ck.name);
        w.str(&ck.expr);
    }
    w.opt(&def.view);
    match &def.sequence {
        None => w.0.push(0),
        Some(sq) => {
            w.0.push(1);
            w.str(&sq.ty.display_name());
            for v in [sq.start, sq.increment, sq.min, sq.max] {
                w.i64(v);
            }
            w.0.push(sq.cycle as u8);
            w.u32(sq.owned_by.unwrap_or(0));
        }
    }
    w.u32(def.temp);
    w.0.push(match def.on_commit {
        OnCommit::PreserveRows => 0,
        OnCommit::DeleteRows => 1,
        OnCommit::Drop => 2,
    });
    w.u32(def.foreign_keys.len() as u32);
    for fk in &def.foreign_keys {
        w.str(&fk.name);
        w.u32(fk.oid);
        w.u32(fk.columns.len() as u32);
        for (&c, &r) in fk.columns.iter().zip(&fk.ref_columns) {
            w.u32(c as u32);
            w.u32(r as u32);
        }
        w.u32(fk.ref_table);
        w.0.push(fk.on_delete.code() as u8);
        w.0.push(fk.on_update.code() as u8);
        w.0.push(
            fk.match_full as u8
                | (fk.validated as u8) << 1
                | (fk.deferrable as u8) << 2
                | (fk.initially_deferred as u8) << 3,
        );
    }
    w.u32(def.owner);
    w.acl(&def.acl);
    super::policies::write(&mut w, &def.rls);
    w.0
}

pub(super) struct Reader<'a>(pub(super) &'a [u8], pub(super) usize);

impl Reader<'_> {
    pub(super) fn take(&mut self, n: usize) -> Result<&[u8]> {
        let end = self
            .1
            .checked_add(n)
            .filter(|&e| e <= self.0.len())
            .ok_or_else(|| corrupt("catalog row cut short"))?;
        let s = &self.0[self.1..end];
        self.1 = end;
        Ok(s)
    }
    pub(super) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    pub(super) fn u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    pub(super) fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub(super) fn i64(&mut self) -> Result<i64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(i64::from_le_bytes(a))
    }
    pub(super) fn count(&mut self) -> Result<usize> {
        let n = self.u32()? as usize;
        if n > self.0.len() {
            return Err(corrupt("implausible count in catalog row"));
        }
        Ok(n)
    }
    pub(super) fn str(&mut self) -> Result<String> {
        let n = self.count()?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| corrupt("catalog string not UTF-8"))
    }
    /// An access control list as [`Writer::acl`] writes it.
    pub(super) fn acl(&mut self) -> Result<Option<Vec<AclItem>>> {
        Ok(match self.u8()? {
            0 => None,
            _ => {
                let mut items = Vec::new();
                for _ in 0..self.count()? {
                    let grantee = self.u32()?;
                    let grantor = self.u32()?;
                    let privs = self.u16()?;
                    let grant_options = self.u16()?;
                    items.push(AclItem {
                        grantee,
                        grantor,
                        privs,
                        grant_options,
                    });
                }
                Some(items)
            }
        })
    }
    pub(super) fn opt(&mut self) -> Result<Option<String>> {
        Ok(match self.u8()? {
            0 => None,
            _ => Some(self.str()?),
        })
    }
}

/// Reads a type name stored in a definition: a built-in type's or a user type's (arrays of
/// either too).
fn stored_type(name: &str, types: &super::Catalog) -> Result<DataType> {
    crate::sql::parse_type_name_in(name, types)
}

/// The database a definition row belongs to, without decoding the rest.
pub(super) fn db_of(bytes: &[u8]) -> Result<u32> {
    let mut r = Reader(bytes, 0);
    match r.u8()? {
        1..=6 => Ok(super::POSTGRES_OID),
        7 => r.u32(),
        _ => Err(corrupt("unknown catalog row version")),
    }
}

pub(super) fn decode(bytes: &[u8], types: &super::Catalog) -> Result<TableDef> {
    let mut r = Reader(bytes, 0);
    let version = r.u8()?;
    if !(1..=7).contains(&version) {
        return Err(corrupt("unknown catalog row version"));
    }
    let db = if version >= 7 {
        r.u32()?
    } else {
        super::POSTGRES_OID
    };
    let oid = r.u32()?;
    let name = r.str()?;
    let file = r.u32()?;
    let mut columns = Vec::new();
    for _ in 0..r.count()? {
        let name = r.str()?;
        let ty = stored_type(&r.str()?, types)?;
        let not_null = r.u8()? != 0;
        let default = r.opt()?;
        let identity = match version {
            3.. => match r.u8()? {
                0 => None,
                1 => Some(Identity::Always),
                2 => Some(Identity::ByDefault),
                _ => return Err(corrupt("unknown identity kind")),
            },
            _ => None,
        };
        columns.push(ColumnDef {
            name,
            ty,
            not_null,
            default,
            identity,
        });
    }
    let mut indexes = Vec::new();
    for _ in 0..r.count()? {
        let name = r.str()?;
        let oid = r.u32()?;
        let file = r.u32()?;
        let mut cols = Vec::new();
        for _ in 0..r.count()? {
            cols.push(r.u32()? as usize);
        }
        let flags = r.u8()?;
        indexes.push(IndexDef {
            name,
            oid,
            file,
            columns: cols,
            unique: flags & 1 != 0,
            primary: flags & 2 != 0,
        });
    }
    let mut checks = Vec::new();
    for _ in 0..r.count()? {
        checks.push(CheckDef {
            name: r.str()?,
            expr: r.str()?,
        });
    }
    let view = if version >= 2 { r.opt()? } else { None };
    let sequence = match version {
        3.. if r.u8()? != 0 => {
            let ty = crate::sql::parse_type_name(&r.str()?)?;
            let (start, increment, min, max) = (r.i64()?, r.i64()?, r.i64()?, r.i64()?);
            let cycle = r.u8()? != 0;
            let owner = r.u32()?;
            Some(SequenceDef {
                ty,
                start,
                increment,
                min,
                max,
                cycle,
                owned_by: (owner != 0).then_some(owner),
            })
        }
        _ => None,
    };
    let (temp, on_commit) = match version {
        4.. => (
            r.u32()?,
            match r.u8()? {
                0 => OnCommit::PreserveRows,
                1 => OnCommit::DeleteRows,
                2 => OnCommit::Drop,
                _ => return Err(corrupt("unknown ON COMMIT action")),
            },
        ),
        _ => (0, OnCommit::PreserveRows),
    };
    let mut foreign_keys = Vec::new();
    if version >= 5 {
        for _ in 0..r.count()? {
            let name = r.str()?;
            let oid = r.u32()?;
            let (mut columns, mut ref_columns) = (Vec::new(), Vec::new());
            for _ in 0..r.count()? {
                columns.push(r.u32()? as usize);
                ref_columns.push(r.u32()? as usize);
            }
            let ref_table = r.u32()?;
            let on_delete = FkAction::from_code(r.u8()?)?;
            let on_update = FkAction::from_code(r.u8()?)?;
            let flags = r.u8()?;
            foreign_keys.push(ForeignKeyDef {
                name,
                oid,
                columns,
                ref_table,
                ref_columns,
                on_delete,
                on_update,
                match_full: flags & 1 != 0,
                validated: flags & 2 != 0,
                deferrable: flags & 4 != 0,
                initially_deferred: flags & 8 != 0,
            });
        }
    }
    let (owner, acl) = if version >= 6 {
        let owner = r.u32()?;
        let acl = r.acl()?;
        (owner, acl)
    } else {
        (BOOTSTRAP_SUPERUSER_OID, None)
    };
    let rls = if version >= 7 {
        super::policies::read(&mut r)?
    } else {
        Default::default()
    };
    Ok(TableDef {
        oid,
        db,
        name,
        file,
        columns,
        indexes,
        checks,
        view,
        sequence,
        temp,
        on_commit,
        foreign_keys,
        owner,
        acl,
        rls,
    })
}
