//! Describing a statement without running it: the types of its `$n` parameters (declared
//! ones first; the rest inferred from where they are used, `text` when nothing tells) and its
//! result columns (a query's, RETURNING's, SHOW's, EXPLAIN's; none for other statements).
//!
//! Inference follows PostgreSQL: a parameter compared with or added to a column takes the
//! column's type (`aid = $1`, `abalance + $1`), one assigned to a column takes its type
//! (`SET x = $1`, `VALUES ($1)`), a cast names it (`$1::int`).

use super::binder::{ident_name, object_name, output_name, Binder, Scope};
use super::Columns;
use crate::catalog::{Catalog, TableDef};
use crate::error::{EngineError, Result};
use crate::types::DataType;
use sqlparser::ast;

/// See the module documentation.
pub fn describe(
    stmt: &ast::Statement,
    catalog: &Catalog,
    declared: &[DataType],
) -> Result<(Vec<DataType>, Columns)> {
    use ast::Statement as S;
    let mut binder = Binder::new(catalog, declared.to_vec());
    let columns = match stmt {
        S::Query(q) => {
            binder = binder.allowing_row_locks();
            binder.bind_query(q)?.1
        }
        S::Insert(ins) => {
            super::dml::describe_insert(ins, &mut binder)?;
            let alias = ins.table_alias.as_ref().map(|a| ident_name(&a.alias));
            match &ins.table {
                ast::TableObject::TableName(name) => {
                    let table = table(catalog, name)?;
                    if let Some(on) = &ins.on {
                        super::upsert::describe(&mut binder, &table, alias.as_deref(), on)?;
                    }
                    match ins.returning.as_deref() {
                        Some(items) => returning(&mut binder, &table, alias, items)?,
                        None => Vec::new(),
                    }
                }
                _ => Vec::new(),
            }
        }
        S::Update(u) => update(&mut binder, u)?,
        S::Delete(d) => delete(&mut binder, d)?,
        S::Merge(m) => {
            super::merge::describe(&mut binder, m)?;
            Vec::new()
        }
        S::ShowVariable { variable } => vec![(
            variable
                .iter()
                .map(|i| i.value.to_lowercase())
                .collect::<Vec<_>>()
                .join("."),
            DataType::Text,
        )],
        S::Explain { .. } => vec![("QUERY PLAN".into(), DataType::Text)],
        // A cursor's query: its parameters are the DECLARE's; it returns no rows itself.
        S::Declare { stmts, .. } => {
            if let Some(q) = stmts.first().and_then(|d| d.for_query.as_ref()) {
                binder.bind_query(q)?;
            }
            Vec::new()
        }
        _ => Vec::new(),
    };
    let params = binder
        .param_types
        .into_iter()
        .map(|t| {
            if t == DataType::Unknown {
                DataType::Text
            } else {
                t
            }
        })
        .collect();
    Ok((params, columns))
}

fn table(catalog: &Catalog, name: &ast::ObjectName) -> Result<std::sync::Arc<TableDef>> {
    let n = object_name(name);
    catalog
        .get(&n)
        .ok_or(EngineError::UndefinedTable { name: n })
}

/// The table an UPDATE or DELETE changes, and its alias; `None` for forms with joins.
fn target(twj: &ast::TableWithJoins) -> Option<(&ast::ObjectName, Option<String>)> {
    match (&twj.relation, twj.joins.is_empty()) {
        (ast::TableFactor::Table { name, alias, .. }, true) => {
            Some((name, alias.as_ref().map(|a| ident_name(&a.name))))
        }
        _ => None,
    }
}

fn bind_where(binder: &mut Binder<'_>, sel: Option<&ast::Expr>, scope: &Scope) -> Result<()> {
    if let Some(sel) = sel {
        let (e, t) = binder.bind_expr(sel, scope, &mut None)?;
        binder.infer_param(&e, &t, &DataType::Bool);
    }
    Ok(())
}

fn update(binder: &mut Binder<'_>, u: &ast::Update) -> Result<Columns> {
    let Some((name, alias)) = target(&u.table) else {
        return Ok(Vec::new());
    };
    let table = table(binder.catalog, name)?;
    if u.from.is_some() {
        // Parameters are not inferred through the FROM list (they default to text); RETURNING
        // reads the target table's columns.
        return match u.returning.as_deref() {
            Some(items) => returning(binder, &table, alias, items),
            None => Ok(Vec::new()),
        };
    }
    let sc = super::dml::table_scope(&table, alias.clone());
    for a in &u.assignments {
        let ast::AssignmentTarget::ColumnName(c) = &a.target else {
            continue;
        };
        let col =
            c.0.last()
                .and_then(|p| match p {
                    ast::ObjectNamePart::Identifier(i) => Some(ident_name(i)),
                    _ => None,
                })
                .and_then(|n| table.column_index(&n));
        if matches!(&a.value, ast::Expr::Identifier(id) if ident_name(id) == "default") {
            continue;
        }
        let (e, t) = binder.bind_expr(&a.value, &sc, &mut None)?;
        if let Some(col) = col {
            binder.infer_param(&e, &t, &table.columns[col].ty);
        }
    }
    bind_where(binder, u.selection.as_ref(), &sc)?;
    match u.returning.as_deref() {
        Some(items) => returning(binder, &table, alias, items),
        None => Ok(Vec::new()),
    }
}

fn delete(binder: &mut Binder<'_>, d: &ast::Delete) -> Result<Columns> {
    let from = match &d.from {
        ast::FromTable::WithFromKeyword(f) | ast::FromTable::WithoutKeyword(f) => f,
    };
    let [twj] = from.as_slice() else {
        return Ok(Vec::new());
    };
    let Some((name, alias)) = target(twj) else {
        return Ok(Vec::new());
    };
    let table = table(binder.catalog, name)?;
    if d.using.is_some() {
        // As for UPDATE … FROM: no inference through USING; RETURNING reads the target.
        return match d.returning.as_deref() {
            Some(items) => returning(binder, &table, alias, items),
            None => Ok(Vec::new()),
        };
    }
    let sc = super::dml::table_scope(&table, alias.clone());
    bind_where(binder, d.selection.as_ref(), &sc)?;
    match d.returning.as_deref() {
        Some(items) => returning(binder, &table, alias, items),
        None => Ok(Vec::new()),
    }
}

/// The columns RETURNING produces.
fn returning(
    binder: &mut Binder<'_>,
    table: &TableDef,
    alias: Option<String>,
    items: &[ast::SelectItem],
) -> Result<Columns> {
    let sc = super::dml::table_scope(table, alias);
    let mut columns = Vec::new();
    for it in items {
        match it {
            ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                columns.extend(table.columns.iter().map(|c| (c.name.clone(), c.ty.clone())))
            }
            ast::SelectItem::UnnamedExpr(e) => {
                let (_, t) = binder.bind_expr(e, &sc, &mut None)?;
                columns.push((output_name(e), t));
            }
            ast::SelectItem::ExprWithAlias { expr, alias } => {
                let (_, t) = binder.bind_expr(expr, &sc, &mut None)?;
                columns.push((ident_name(alias), t));
            }
            #[allow(unreachable_patterns)]
            _ => {
                return Err(EngineError::FeatureNotSupported {
                    feature: "this RETURNING item".into(),
                })
            }
        }
    }
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use crate::types::DataType;
    use crate::Database;

    fn db() -> Database {
        let mut opts = crate::DatabaseOptions::default();
        opts.storage.checkpoint_interval = None;
        let fs = std::sync::Arc::new(vfs::SimVfs::new(3));
        let db = Database::open_with(fs, std::path::Path::new("/db"), opts).unwrap();
        let mut s = db.session();
        s.execute(
            "CREATE TABLE acc (aid int PRIMARY KEY, abalance int, filler char(84), t timestamp)",
        )
        .unwrap();
        drop(s);
        db
    }

    #[test]
    fn infers_parameters_of_updates_deletes_and_casts() {
        let db = db();
        let mut s = db.session();
        let p = |s: &mut crate::Session, sql: &str| s.describe(sql, &[]).unwrap();
        let (params, cols) = p(
            &mut s,
            "UPDATE acc SET abalance = abalance + $1 WHERE aid = $2;",
        );
        assert_eq!(params, vec![DataType::Int4, DataType::Int4]);
        assert!(cols.is_empty());
        let (params, _) = p(&mut s, "UPDATE acc SET filler = $1, t = $2 WHERE aid = $3");
        assert_eq!(params[1], DataType::Timestamp);
        assert_eq!(params[2], DataType::Int4);
        let (params, cols) = p(
            &mut s,
            "DELETE FROM acc a WHERE a.aid > $1 RETURNING aid, abalance * 2 AS twice",
        );
        assert_eq!(params, vec![DataType::Int4]);
        let names: Vec<_> = cols
            .iter()
            .map(|c| (c.name.as_str(), c.ty.clone()))
            .collect();
        assert_eq!(
            names,
            vec![("aid", DataType::Int4), ("twice", DataType::Int4)]
        );
        let (params, _) = p(&mut s, "SELECT $1::int8, $2::text");
        assert_eq!(params, vec![DataType::Int8, DataType::Text]);
        let (params, cols) = p(
            &mut s,
            "INSERT INTO acc (aid, abalance) VALUES ($1, $2) RETURNING *",
        );
        assert_eq!(params, vec![DataType::Int4, DataType::Int4]);
        assert_eq!(cols.len(), 4);
        let (_, cols) = p(&mut s, "SHOW DateStyle");
        assert_eq!(cols[0].name, "datestyle");
        // Declared types win over inference.
        let (params, _) = s
            .describe(
                "UPDATE acc SET abalance = $1 WHERE aid = $2",
                &[DataType::Int8],
            )
            .unwrap();
        assert_eq!(params, vec![DataType::Int8, DataType::Int4]);
    }
}
