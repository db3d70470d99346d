//! The EXPLAIN statement: which plan is printed for each kind of statement, and EXPLAIN
//! ANALYZE, which runs the statement (a data change made under it happens, as in
//! PostgreSQL) and prints every node with the rows it produced, its loops and its time.

use super::analyze::{self, suffix};
use super::binder::{object_name, Binder};
use super::exec::run;
use super::explain::{as_child, explain, explain_with};
use super::{dml, merge, param_types, update, Outcome, TxnCx};
use crate::error::{EngineError, Result};
use crate::types::{DataType, Value};
use sqlparser::ast;
use std::time::Instant;

/// Whether the options ask for ANALYZE (`EXPLAIN ANALYZE`, `EXPLAIN (ANALYZE [true|on|1])`).
fn wants_analyze(flag: bool, options: Option<&[ast::UtilityOption]>) -> bool {
    let mut analyze = flag;
    for o in options.unwrap_or_default() {
        if o.name.value.eq_ignore_ascii_case("analyze") {
            analyze = match &o.arg {
                None => true,
                Some(ast::Expr::Value(v)) => {
                    let text = match &v.value {
                        ast::Value::SingleQuotedString(s) => s.clone(),
                        other => other.to_string(),
                    };
                    !matches!(
                        text.to_ascii_lowercase().as_str(),
                        "false" | "off" | "0" | "no"
                    )
                }
                Some(ast::Expr::Identifier(i)) => !matches!(
                    i.value.to_ascii_lowercase().as_str(),
                    "off" | "false" | "no"
                ),
                Some(_) => true,
            };
        }
    }
    analyze
}

/// The label of a data-changing statement's top node (`Insert on t`).
fn dml_label(stmt: &ast::Statement) -> Option<String> {
    let name = match stmt {
        ast::Statement::Insert(ins) => match &ins.table {
            ast::TableObject::TableName(n) => format!("Insert on {}", object_name(n)),
            _ => return None,
        },
        ast::Statement::Update(u) => match &u.table.relation {
            ast::TableFactor::Table { name, .. } => format!("Update on {}", object_name(name)),
            _ => return None,
        },
        ast::Statement::Delete(d) => {
            let (ast::FromTable::WithFromKeyword(f) | ast::FromTable::WithoutKeyword(f)) = &d.from;
            match f.first().map(|t| &t.relation) {
                Some(ast::TableFactor::Table { name, .. }) => {
                    format!("Delete on {}", object_name(name))
                }
                _ => return None,
            }
        }
        ast::Statement::Merge(m) => match &m.table {
            ast::TableFactor::Table { name, .. } => format!("Merge on {}", object_name(name)),
            _ => return None,
        },
        _ => return None,
    };
    Some(name)
}

/// The scanned table of an UPDATE / DELETE target.
fn target_scan(stmt: &ast::Statement) -> Option<String> {
    let rel = match stmt {
        ast::Statement::Update(u) => &u.table.relation,
        ast::Statement::Delete(d) => {
            let (ast::FromTable::WithFromKeyword(f) | ast::FromTable::WithoutKeyword(f)) = &d.from;
            &f.first()?.relation
        }
        ast::Statement::Merge(m) => &m.table,
        _ => return None,
    };
    match rel {
        ast::TableFactor::Table { name, .. } => Some(format!("Seq Scan on {}", object_name(name))),
        _ => None,
    }
}

fn plan_rows(lines: Vec<String>) -> Outcome {
    Outcome::Rows {
        columns: vec![("QUERY PLAN".into(), DataType::Text)],
        rows: lines.into_iter().map(|l| vec![Value::Text(l)]).collect(),
    }
}

/// Runs EXPLAIN [ANALYZE] of `stmt`.
pub fn explain_statement(
    stmt: &ast::Statement,
    analyze_flag: bool,
    options: Option<&[ast::UtilityOption]>,
    cx: &mut TxnCx<'_>,
) -> Result<Outcome> {
    let analyze = wants_analyze(analyze_flag, options);
    if let ast::Statement::Query(q) = stmt {
        let (plan, _) = Binder::new(cx.catalog, param_types(cx.params))
            .with_storage(cx.storage)
            .allowing_row_locks()
            .bind_query(q)?;
        if !analyze {
            return Ok(plan_rows(explain(&plan)));
        }
        super::relation_locks::take(cx, &super::relation_locks::read_by(&plan))?;
        let ecx = cx.exec();
        let start = Instant::now();
        let (rows, stats) = analyze::collect(|| run(&plan, &ecx, &[]));
        rows?;
        let mut lines = explain_with(&plan, &|p| suffix(stats.of(p)));
        lines.push(execution_time(start));
        return Ok(plan_rows(lines));
    }
    // PostgreSQL's grammar has no EXPLAIN of these (its ExplainableStmt excludes them).
    let keyword = match stmt {
        ast::Statement::LISTEN { .. } => Some("LISTEN"),
        ast::Statement::UNLISTEN { .. } => Some("UNLISTEN"),
        ast::Statement::NOTIFY { .. } => Some("NOTIFY"),
        _ => None,
    };
    if let Some(k) = keyword {
        return Err(EngineError::Syntax {
            message: format!("syntax error at or near \"{k}\""),
            position: None,
        });
    }
    let Some(label) = dml_label(stmt) else {
        return Err(EngineError::FeatureNotSupported {
            feature: format!(
                "EXPLAIN of {}",
                stmt.to_string().split_whitespace().next().unwrap_or("this")
            ),
        });
    };
    if !analyze {
        let mut lines = vec![label];
        match stmt {
            ast::Statement::Insert(ins) => {
                let plan = dml::insert_source_plan(ins, cx)?;
                lines.extend(as_child(explain(&plan)));
            }
            // Each source row joined to the target's rows.
            ast::Statement::Merge(m) => {
                let plan = merge::source_plan(m, cx)?;
                let mut join = vec!["Nested Loop Left Join".to_string()];
                join.extend(as_child(explain(&plan)));
                join.extend(as_child(target_scan(stmt).into_iter().collect()));
                lines.extend(as_child(join));
            }
            _ => lines.extend(as_child(target_scan(stmt).into_iter().collect())),
        }
        return Ok(plan_rows(lines));
    }
    let start = Instant::now();
    let (res, stats) = analyze::collect(|| match stmt {
        ast::Statement::Insert(ins) => dml::insert(ins, cx),
        ast::Statement::Update(u) => update::update(u, cx),
        ast::Statement::Delete(d) => update::delete(d, cx),
        ast::Statement::Merge(m) => merge::merge(m, cx),
        _ => Err(EngineError::Internal {
            reason: "EXPLAIN ANALYZE of a statement without a label",
        }),
    });
    let (_, n) = res?;
    let elapsed = start.elapsed();
    let mut lines = vec![format!(
        "{label} (actual time={:.3} ms rows=0 loops=1)",
        elapsed.as_secs_f64() * 1000.0
    )];
    let mut captured = stats.captured.into_iter();
    match (stmt, captured.next()) {
        (ast::Statement::Insert(_), Some(source)) => lines.extend(as_child(source)),
        (ast::Statement::Insert(_), None) => {
            lines.push(format!("->  Result (actual rows={n} loops=1)"))
        }
        (_, joined) => {
            if let Some(scan) = target_scan(stmt) {
                lines.push(format!("->  {scan} (actual rows={n} loops=1)"));
            }
            // The FROM / USING list, run once per target row.
            if let Some(j) = joined {
                lines.extend(as_child(j).into_iter().map(|l| format!("      {l}")));
            }
        }
    }
    lines.push(execution_time(start));
    Ok(plan_rows(lines))
}

fn execution_time(start: Instant) -> String {
    format!(
        "Execution Time: {:.3} ms",
        start.elapsed().as_secs_f64() * 1000.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(sql: &str) -> (bool, Option<Vec<ast::UtilityOption>>) {
        match crate::sql::parse(sql).expect("parses").remove(0) {
            ast::Statement::Explain {
                analyze, options, ..
            } => (analyze, options),
            other => panic!("not an EXPLAIN: {other}"),
        }
    }

    #[test]
    fn analyze_option_spellings() {
        for (sql, want) in [
            ("EXPLAIN SELECT 1", false),
            ("EXPLAIN ANALYZE SELECT 1", true),
            ("EXPLAIN (ANALYZE) SELECT 1", true),
            ("EXPLAIN (ANALYZE true, COSTS OFF) SELECT 1", true),
            ("EXPLAIN (ANALYZE off) SELECT 1", false),
            ("EXPLAIN (COSTS OFF) SELECT 1", false),
        ] {
            let (flag, opts) = options(sql);
            assert_eq!(wants_analyze(flag, opts.as_deref()), want, "{sql}");
        }
    }
}
