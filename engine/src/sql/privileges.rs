//! The privileges data statements need on their target table, as PostgreSQL checks them:
//! INSERT / UPDATE / DELETE on the table, SELECT as well when the statement reads the
//! table's columns (a WHERE, SET expressions, RETURNING), UPDATE for ON CONFLICT DO UPDATE,
//! and for MERGE the privilege of each action its WHEN clauses take.
//! Relations read through FROM are checked where the binder resolves them.

use super::TxnCx;
use crate::acl::{require, DELETE, INSERT, SELECT, UPDATE};
use crate::catalog::TableDef;
use crate::error::Result;
use sqlparser::ast;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

/// Whether SQL text `text` names a column of `table` (by the identifiers among its tokens;
/// a function or alias spelled like a column counts too).
fn names_a_column(table: &TableDef, text: &str) -> bool {
    any_identifier(text, true, |n| table.column_index(n).is_some())
}

/// Whether SQL text `text` has an identifier spelling column name `column`.
pub(super) fn names_a_column_named(column: &str, text: &str) -> bool {
    any_identifier(text, false, |n| n == column)
}

/// Whether an identifier among the tokens of `text` (folded as PostgreSQL folds unquoted
/// ones) satisfies `f`; with `star`, a `*` counts as one. Text that does not tokenize counts.
fn any_identifier(text: &str, star: bool, f: impl Fn(&str) -> bool) -> bool {
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, text).tokenize() else {
        return true;
    };
    tokens.iter().any(|t| match t {
        Token::Word(w) => match w.quote_style {
            Some(_) => f(&w.value),
            None => f(&w.value.to_lowercase()),
        },
        Token::Mul => star,
        _ => false,
    })
}

fn reads<'e>(table: &TableDef, exprs: impl IntoIterator<Item = &'e ast::Expr>) -> bool {
    exprs
        .into_iter()
        .any(|e| names_a_column(table, &e.to_string()))
}

pub(super) fn check_insert(cx: &TxnCx<'_>, table: &TableDef, ins: &ast::Insert) -> Result<()> {
    require(cx.catalog, table, INSERT, None)?;
    if let Some(ast::OnInsert::OnConflict(oc)) = &ins.on {
        if matches!(oc.action, ast::OnConflictAction::DoUpdate(_)) {
            require(cx.catalog, table, UPDATE, None)?;
        }
    }
    if ins.returning.is_some() {
        require(cx.catalog, table, SELECT, None)?;
    }
    Ok(())
}

/// Whether an UPDATE reads its target's columns (so needs SELECT on it too).
pub(super) fn update_reads(table: &TableDef, u: &ast::Update) -> bool {
    let values = u.assignments.iter().map(|a| &a.value);
    u.returning.is_some() || reads(table, u.selection.iter().chain(values))
}

/// Whether a DELETE reads its target's columns (so needs SELECT on it too).
pub(super) fn delete_reads(table: &TableDef, d: &ast::Delete) -> bool {
    d.returning.is_some() || reads(table, d.selection.iter())
}

pub(super) fn check_update(cx: &TxnCx<'_>, table: &TableDef, u: &ast::Update) -> Result<()> {
    require(cx.catalog, table, UPDATE, None)?;
    if update_reads(table, u) {
        require(cx.catalog, table, SELECT, None)?;
    }
    Ok(())
}

pub(super) fn check_delete(cx: &TxnCx<'_>, table: &TableDef, d: &ast::Delete) -> Result<()> {
    require(cx.catalog, table, DELETE, None)?;
    if delete_reads(table, d) {
        require(cx.catalog, table, SELECT, None)?;
    }
    Ok(())
}

/// MERGE: INSERT, UPDATE and DELETE for the actions it has, SELECT when the join condition
/// or a MATCHED clause reads the target's columns.
pub(super) fn check_merge(cx: &TxnCx<'_>, table: &TableDef, m: &ast::Merge) -> Result<()> {
    let mut read: Vec<&ast::Expr> = vec![m.on.as_ref()];
    for c in &m.clauses {
        let privilege = match &c.action {
            ast::MergeAction::Insert(_) => INSERT,
            ast::MergeAction::Update(u) => {
                if let ast::MergeUpdateKind::Set(list) = &u.kind {
                    read.extend(list.iter().map(|a| &a.value));
                }
                UPDATE
            }
            ast::MergeAction::Delete { .. } => DELETE,
            ast::MergeAction::DoNothing { .. } => continue,
        };
        require(cx.catalog, table, privilege, None)?;
        if matches!(c.clause_kind, ast::MergeClauseKind::Matched) {
            read.extend(c.predicate.iter());
        }
    }
    if reads(table, read) {
        require(cx.catalog, table, SELECT, None)?;
    }
    Ok(())
}
