//! Domains: `CREATE DOMAIN` (base type, DEFAULT, NOT NULL, named and unnamed CHECKs over
//! `VALUE`), `DROP DOMAIN` / `DROP TYPE` of a domain, and the enforcement of a domain's
//! constraints where a value becomes the domain's: stored into a column of it (INSERT,
//! UPDATE, COPY: `dml::check_row`) and cast to it (a constant operand, checked when bound).
//! 23502 "domain d does not allow null values", 23514 "value for domain d violates check
//! constraint "d_check"", as PostgreSQL.

use super::binder::{coerce, Binder, Scope, ScopeCol};
use super::domain_syntax::not_null_name;
use super::expr::{Env, Expr};
use super::{Outcome, TxnCx};
use crate::catalog::{Catalog, UserType};
use crate::error::{EngineError, Result};
use crate::sql::exec::ExecCx;
use crate::types::domains::{check_name, DomainCheck, DomainRef, DomainType};
use crate::types::{DataType, Value};
use sqlparser::ast;
use std::sync::Arc;

fn error(code: &'static str, message: String) -> EngineError {
    EngineError::Function { code, message }
}

fn not_built(what: &str) -> EngineError {
    EngineError::FeatureNotSupported {
        feature: what.into(),
    }
}

/// The scope a domain's CHECK is bound in: the one column `value` of the base type.
fn value_scope(base: &DataType) -> Scope {
    Scope {
        cols: vec![ScopeCol {
            table: None,
            name: "value".into(),
            ty: base.clone(),
            merged: false,
        }],
        star: None,
    }
}

/// Binds a domain CHECK's condition (a boolean over `VALUE`).
fn bind_check(catalog: &Catalog, base: &DataType, sql: &str) -> Result<super::expr::Expr> {
    let ast = crate::sql::parse_expr(sql)?;
    let (e, t) = Binder::new(catalog, Vec::new()).bind_expr(&ast, &value_scope(base), &mut None)?;
    coerce(e, &t, &DataType::Bool)
}

/// `CREATE DOMAIN name AS base [DEFAULT ...] [constraints]`.
pub fn create_domain(cd: &ast::CreateDomain, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    let name = super::ddl_types::type_name(&cd.name)?;
    if super::ddl_types::name_taken(cx, &name) {
        return Err(error("42710", format!("type \"{name}\" already exists")));
    }
    if cd.collation.is_some() {
        return Err(not_built("CREATE DOMAIN ... COLLATE"));
    }
    let base = crate::sql::resolve_type(&cd.data_type, cx.catalog)?;
    if matches!(base, DataType::Domain(_)) {
        return Err(not_built("a domain over a domain"));
    }
    if matches!(base, DataType::Unknown | DataType::Void) {
        return Err(error(
            "42804",
            format!(
                "\"{}\" is not a valid base type for a domain",
                base.base_name()
            ),
        ));
    }
    let mut not_null = false;
    let mut checks: Vec<DomainCheck> = Vec::new();
    for c in &cd.constraints {
        let ast::TableConstraint::Check(ck) = c else {
            return Err(error(
                "42601",
                "unique constraints not possible for domains".into(),
            ));
        };
        if not_null_name(ck).is_some() {
            not_null = true;
            continue;
        }
        let expr = ck.expr.to_string();
        // The condition must be a boolean over VALUE (42703 for other columns, ...).
        bind_check(cx.catalog, &base, &expr)?;
        let cname = match &ck.name {
            Some(n) => super::binder::ident_name(n),
            None => check_name(&name, &checks),
        };
        if checks.iter().any(|c| c.name == cname) {
            return Err(error(
                "42710",
                format!("constraint \"{cname}\" for domain \"{name}\" already exists"),
            ));
        }
        checks.push(DomainCheck { name: cname, expr });
    }
    let default = match &cd.default {
        Some(d) => {
            let (e, t) =
                Binder::new(cx.catalog, Vec::new()).bind_expr(d, &Scope::default(), &mut None)?;
            coerce(e, &t, &base)?;
            Some(d.to_string())
        }
        None => None,
    };
    let oid = cx.catalog.allocate_oid();
    let array_oid = cx.catalog.allocate_oid();
    let d = UserType::Domain(DomainRef(Arc::new(DomainType {
        oid,
        array_oid,
        name,
        base,
        not_null,
        default,
        checks,
    })));
    let change = cx.catalog.create_type(cx.txn, cx.storage, d)?;
    cx.changes.push(change);
    Ok(Outcome::Command {
        tag: "CREATE DOMAIN".into(),
    })
}

/// `DROP DOMAIN [IF EXISTS] name [CASCADE | RESTRICT]`.
pub fn drop_domain(dd: &ast::DropDomain, cx: &mut TxnCx<'_>) -> Result<Outcome> {
    let name = super::ddl_types::type_name(&dd.name)?;
    match cx.catalog.user_type(&name) {
        Some(UserType::Domain(_)) | None => {}
        Some(_) => return Err(error("42809", format!("\"{name}\" is not a domain"))),
    }
    let cascade = matches!(dd.drop_behavior, Some(ast::DropBehavior::Cascade));
    super::ddl_types::drop_types(dd.if_exists, std::slice::from_ref(&dd.name), cascade, cx)?;
    Ok(Outcome::Command {
        tag: "DROP DOMAIN".into(),
    })
}

/// A value made the domain's, with the domain's CHECK conditions bound over the one-column
/// row `[VALUE]` (evaluated apart from the row the value comes from).
#[derive(Clone, Debug)]
pub struct DomainCheckExpr {
    pub arg: super::expr::Expr,
    pub domain: DomainRef,
    pub checks: Vec<(String, super::expr::Expr)>,
}

/// `arg` cast to domain `d` (already of its base type), with `d`'s constraints checked.
pub fn check_expr(
    catalog: &Catalog,
    d: &DomainRef,
    arg: super::expr::Expr,
) -> Result<super::expr::Expr> {
    let mut checks = Vec::with_capacity(d.checks.len());
    for ck in &d.checks {
        checks.push((ck.name.clone(), bind_check(catalog, &d.base, &ck.expr)?));
    }
    Ok(super::expr::Expr::DomainCheck(Box::new(DomainCheckExpr {
        arg,
        domain: d.clone(),
        checks,
    })))
}

impl DomainCheckExpr {
    /// Checks that `v` satisfies the domain's NOT NULL and CHECK constraints (a CHECK
    /// passes unless it is false).
    pub fn check(&self, v: &Value, env: &Env<'_>) -> Result<()> {
        let d = &self.domain;
        if v.is_null() && d.not_null {
            return Err(error(
                "23502",
                format!("domain {} does not allow null values", d_name(d)),
            ));
        }
        let inner = Env {
            cx: env.cx,
            outer: &[],
        };
        for (name, e) in &self.checks {
            if let Value::Bool(false) = e.eval(std::slice::from_ref(v), &inner)? {
                return Err(error(
                    "23514",
                    format!(
                        "value for domain {} violates check constraint \"{name}\"",
                        d_name(d)
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Checks that `v` satisfies domain `d`'s constraints (a value stored into a column of it).
pub fn enforce(catalog: &Catalog, ecx: &ExecCx<'_>, d: &DomainRef, v: &Value) -> Result<()> {
    let Expr::DomainCheck(c) = check_expr(catalog, d, Expr::Const(Value::Null))? else {
        return Ok(());
    };
    c.check(
        v,
        &Env {
            cx: ecx,
            outer: &[],
        },
    )
}

fn d_name(d: &DomainRef) -> String {
    DataType::Domain(d.clone()).base_name().into_owned()
}
