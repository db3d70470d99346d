//! EXPLAIN: the plan tree as text, one node per line, children indented under `->`, in the
//! spirit of PostgreSQL's output.

use super::plan::{JoinKind, Plan, SetOpKind};

fn label(plan: &Plan) -> String {
    match plan {
        Plan::Scan { table } => format!("Seq Scan on {}", table.name),
        Plan::SampleScan { table, .. } => format!("Sample Scan on {}", table.name),
        Plan::IndexScan { table, index, .. } => {
            let name = table.indexes.get(*index).map_or("?", |i| i.name.as_str());
            format!("Index Scan using {name} on {}", table.name)
        }
        Plan::TidScan { scan } => label(scan),
        Plan::LockRows { .. } => "LockRows".into(),
        Plan::Values { rows } => format!("Values Scan ({} rows)", rows.len()),
        Plan::Function { func, .. } => format!("Function Scan on {func:?}"),
        Plan::ProjectSet { .. } => "ProjectSet".to_string(),
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
        Plan::Aggregate {
            sets: Some(sets), ..
        } => format!("MixedAggregate ({} grouping sets)", sets.len()),
        Plan::Aggregate { groups, .. } if groups.is_empty() => "Aggregate".into(),
        Plan::Aggregate { groups, .. } => format!("HashAggregate ({} keys)", groups.len()),
        Plan::Sort { keys, .. } => format!("Sort ({} keys)", keys.len()),
        Plan::Window { .. } => "WindowAgg".into(),
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
    explain_with(plan, &|_| String::new())
}

/// The plan as lines of text, each node's label followed by `extra(node)`.
pub fn explain_with(plan: &Plan, extra: &dyn Fn(&Plan) -> String) -> Vec<String> {
    let mut out = Vec::new();
    walk(plan, 0, extra, &mut out);
    out
}

/// Indents lines rendered by [`explain`] as the child of a node at depth 0.
pub fn as_child(lines: Vec<String>) -> Vec<String> {
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("->  {l}")
            } else {
                format!("      {l}")
            }
        })
        .collect()
}

fn walk(plan: &Plan, depth: usize, extra: &dyn Fn(&Plan) -> String, out: &mut Vec<String>) {
    let text = format!("{}{}", label(plan), extra(plan));
    if depth == 0 {
        out.push(text);
    } else {
        out.push(format!("{}->  {}", "      ".repeat(depth - 1), text));
    }
    // A scan that carries tids shows as the scan it runs (its only child).
    if matches!(plan, Plan::TidScan { .. }) {
        return;
    }
    for c in plan.children() {
        walk(c, depth + 1, extra, out);
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
