//! EXPLAIN: the plan tree as text, one node per line, children indented under `->`, in the
//! spirit of PostgreSQL's output.

use super::plan::{JoinKind, Plan, SetOpKind};

fn label(plan: &Plan) -> String {
    match plan {
        Plan::Scan { table } => format!("Seq Scan on {}", table.name),
        Plan::IndexScan { table, index, .. } => {
            let name = table.indexes.get(*index).map_or("?", |i| i.name.as_str());
            format!("Index Scan using {name} on {}", table.name)
        }
        Plan::Values { rows } => format!("Values Scan ({} rows)", rows.len()),
        Plan::One => "Result".into(),
        Plan::Filter { .. } => "Filter".into(),
        Plan::Project { exprs, .. } => format!("Project ({} columns)", exprs.len()),
        Plan::Join { kind, keys, .. } => {
            let k = match kind {
                JoinKind::Inner => "",
                JoinKind::Left => " Left",
                JoinKind::Right => " Right",
                JoinKind::Full => " Full",
            };
            if keys.is_empty() {
                format!("Nested Loop{k} Join")
            } else {
                format!("Hash{k} Join ({} keys)", keys.len())
            }
        }
        Plan::Apply { kind, right, .. } => {
            let k = if *kind == JoinKind::Left {
                " Left Join"
            } else {
                ""
            };
            if reads_index(right) {
                format!("Nested Loop{k} (index probe per row)")
            } else {
                format!("Nested Loop{k} (LATERAL)")
            }
        }
        Plan::RecursiveCte { all: true, .. } => "Recursive Union All".into(),
        Plan::RecursiveCte { all: false, .. } => "Recursive Union".into(),
        Plan::WorkTable { .. } => "WorkTable Scan".into(),
        Plan::Aggregate { groups, .. } if groups.is_empty() => "Aggregate".into(),
        Plan::Aggregate { groups, .. } => format!("HashAggregate ({} keys)", groups.len()),
        Plan::Sort { keys, .. } => format!("Sort ({} keys)", keys.len()),
        Plan::Distinct { .. } => "Unique".into(),
        Plan::Limit { .. } => "Limit".into(),
        Plan::SetOp { kind, all, .. } => {
            let op = match kind {
                SetOpKind::Union => "Union",
                SetOpKind::Intersect => "Intersect",
                SetOpKind::Except => "Except",
            };
            format!("{op}{}", if *all { " All" } else { "" })
        }
    }
}

/// Whether the right side of a dependent join is an index lookup (an index nested loop).
fn reads_index(plan: &Plan) -> bool {
    match plan {
        Plan::IndexScan { .. } => true,
        Plan::Filter { input, .. } | Plan::Project { input, .. } => reads_index(input),
        _ => false,
    }
}

/// The plan as lines of text.
pub fn explain(plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    walk(plan, 0, &mut out);
    out
}

fn walk(plan: &Plan, depth: usize, out: &mut Vec<String>) {
    if depth == 0 {
        out.push(label(plan));
    } else {
        out.push(format!("{}->  {}", "      ".repeat(depth - 1), label(plan)));
    }
    for c in plan.children() {
        walk(c, depth + 1, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_plans_indent() {
        let plan = Plan::Limit {
            input: Box::new(Plan::Sort {
                input: Box::new(Plan::One),
                keys: Vec::new(),
            }),
            limit: None,
            offset: None,
        };
        assert_eq!(
            explain(&plan),
            vec!["Limit", "->  Sort (0 keys)", "      ->  Result"]
        );
    }
}
