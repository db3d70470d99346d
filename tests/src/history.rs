//! A list-append history checker in the manner of Elle (Kingsbury and Alvaro, VLDB 2020).
//!
//! Clients run transactions of appends (`UPDATE la SET v = v || 'e,' WHERE k = K`, each
//! element unique) and reads (`SELECT v FROM la WHERE k = K`) over a few keys. Because a
//! list shows every append before it in order, each read names the exact version it saw,
//! and the longest read of a key gives that key's version order. From these the checker
//! builds the dependency graph of the committed transactions (Adya's):
//! - ww: T1 appended the element right before T2's in the version order of a key;
//! - wr: T2 read a version whose last element T1 appended;
//! - rw: T1 read a version that T2's append directly extends (an anti-dependency);
//!
//! and reports the anomalies each isolation level forbids:
//! - G1a (aborted read): a committed read shows an element of an aborted transaction;
//! - G1b (intermediate read): a read ends at an element its writer appended to the same key
//!   before another of its own appends;
//! - G0 / G1c: a cycle of ww and wr edges;
//! - G-single: a cycle with exactly one rw edge (forbidden by snapshot isolation);
//! - G2: any cycle (forbidden by serializability);
//! - internal inconsistency: a read that disagrees with the transaction's own earlier reads
//!   and appends, or a read that is not a prefix of the key's longest read.

use std::collections::{HashMap, HashSet};

/// One operation as the client saw it.
#[derive(Clone, Debug)]
pub enum Op {
    Append {
        key: u32,
        elem: u64,
    },
    Read {
        key: u32,
        list: Vec<u64>,
    },
    /// A read that found no row for the key, which every transaction leaves in place (its
    /// old version deleted, its new one not seen): an anomaly at any level.
    Missing {
        key: u32,
    },
    /// The transaction ended with an error no isolation level allows (anything but a
    /// serialization failure or a deadlock).
    Unexpected {
        error: String,
    },
}

/// A finished transaction.
#[derive(Clone, Debug)]
pub struct Txn {
    pub ops: Vec<Op>,
    pub committed: bool,
}

/// What an isolation level forbids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    ReadCommitted,
    RepeatableRead,
    Serializable,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Edge {
    Ww,
    Wr,
    Rw,
}

/// Checks `history`; returns the anomalies `level` forbids that it contains.
pub fn check(history: &[Txn], level: Level) -> Vec<String> {
    let mut problems = Vec::new();
    // What no level allows, in any transaction.
    for (i, t) in history.iter().enumerate() {
        for op in &t.ops {
            match op {
                Op::Missing { key } => {
                    problems.push(format!("T{i} found no version of key {key}"));
                }
                Op::Unexpected { error } => {
                    problems.push(format!("T{i} failed with an unexpected error: {error}"));
                }
                _ => {}
            }
        }
    }
    // Who appended each element, and whether it committed.
    let mut writer: HashMap<u64, (usize, bool)> = HashMap::new();
    for (i, t) in history.iter().enumerate() {
        for op in &t.ops {
            if let Op::Append { elem, .. } = op {
                writer.insert(*elem, (i, t.committed));
            }
        }
    }
    // Version order per key: the longest committed read; every read must be its prefix.
    let mut order: HashMap<u32, Vec<u64>> = HashMap::new();
    for t in history.iter().filter(|t| t.committed) {
        for op in &t.ops {
            if let Op::Read { key, list } = op {
                let cur = order.entry(*key).or_default();
                if list.len() > cur.len() {
                    *cur = list.clone();
                }
            }
        }
    }
    for (i, t) in history.iter().enumerate().filter(|(_, t)| t.committed) {
        let mut own: HashMap<u32, Vec<u64>> = HashMap::new();
        let mut seen: HashMap<u32, Vec<u64>> = HashMap::new();
        for op in &t.ops {
            match op {
                Op::Missing { .. } | Op::Unexpected { .. } => {}
                Op::Append { key, elem } => own.entry(*key).or_default().push(*elem),
                Op::Read { key, list } => {
                    let longest = order.get(key).map(Vec::as_slice).unwrap_or(&[]);
                    if !longest.starts_with(list) {
                        problems.push(format!(
                            "incompatible order: T{i} read {key}={list:?}, longest {longest:?}"
                        ));
                    }
                    for e in list {
                        match writer.get(e) {
                            Some((_, false)) => problems
                                .push(format!("G1a: T{i} read aborted element {e} of key {key}")),
                            None => problems.push(format!("T{i} read unknown element {e}")),
                            _ => {}
                        }
                    }
                    if let Some(&last) = list.last() {
                        if let Some(&(w, true)) = writer.get(&last) {
                            if w != i {
                                let appended: Vec<u64> = history[w]
                                    .ops
                                    .iter()
                                    .filter_map(|o| match o {
                                        Op::Append { key: k, elem } if k == key => Some(*elem),
                                        _ => None,
                                    })
                                    .collect();
                                if appended.last() != Some(&last) {
                                    problems.push(format!(
                                        "G1b: T{i} read intermediate element {last} of T{w} on key {key}"
                                    ));
                                }
                            }
                        }
                    }
                    // Its own appends must show, at the end, after what it saw before.
                    let mine = own.get(key).map(Vec::as_slice).unwrap_or(&[]);
                    if !list.ends_with(mine) {
                        problems.push(format!(
                            "internal: T{i} read {key}={list:?} without its own appends {mine:?}"
                        ));
                    }
                    if level != Level::ReadCommitted {
                        if let Some(prev) = seen.get(key) {
                            let before: Vec<u64> =
                                list.iter().copied().filter(|e| !mine.contains(e)).collect();
                            if &before != prev {
                                problems.push(format!(
                                    "non-repeatable read: T{i} read {key} as {prev:?} then {list:?}"
                                ));
                            }
                        }
                        let before: Vec<u64> =
                            list.iter().copied().filter(|e| !mine.contains(e)).collect();
                        seen.insert(*key, before);
                    }
                }
            }
        }
    }
    // The graph over committed transactions.
    let mut edges: HashMap<usize, HashSet<(usize, Edge)>> = HashMap::new();
    let mut add = |a: usize, b: usize, e: Edge| {
        if a != b {
            edges.entry(a).or_default().insert((b, e));
        }
    };
    for list in order.values() {
        for w in list.windows(2) {
            if let (Some(&(a, true)), Some(&(b, true))) = (writer.get(&w[0]), writer.get(&w[1])) {
                add(a, b, Edge::Ww);
            }
        }
    }
    for (i, t) in history.iter().enumerate().filter(|(_, t)| t.committed) {
        for op in &t.ops {
            if let Op::Read { key, list } = op {
                if let Some(&last) = list.last() {
                    if let Some(&(w, true)) = writer.get(&last) {
                        add(w, i, Edge::Wr);
                    }
                }
                // The append that directly follows what was read.
                let next = order.get(key).and_then(|o| o.get(list.len()));
                if let Some(&(w, true)) = next.and_then(|e| writer.get(e)) {
                    add(i, w, Edge::Rw);
                }
            }
        }
    }
    let without_rw = |e: Edge| e != Edge::Rw;
    if let Some(c) = find_cycle(&edges, &without_rw) {
        problems.push(format!("G0/G1c: cycle of ww/wr dependencies through {c:?}"));
    }
    if level != Level::ReadCommitted {
        // G-single: an rw edge a → b closed by a ww/wr path b → a.
        'outer: for (&a, out) in &edges {
            for &(b, e) in out {
                if e == Edge::Rw && reaches(&edges, b, a, &without_rw) {
                    problems.push(format!("G-single: T{a} -rw-> T{b} and back without rw"));
                    break 'outer;
                }
            }
        }
    }
    if level == Level::Serializable {
        if let Some(c) = find_cycle(&edges, &|_| true) {
            problems.push(format!("G2: dependency cycle through {c:?}"));
        }
    }
    problems
}

fn reaches(
    edges: &HashMap<usize, HashSet<(usize, Edge)>>,
    from: usize,
    to: usize,
    keep: &dyn Fn(Edge) -> bool,
) -> bool {
    let mut stack = vec![from];
    let mut seen = HashSet::new();
    while let Some(n) = stack.pop() {
        if n == to {
            return true;
        }
        if !seen.insert(n) {
            continue;
        }
        for &(m, e) in edges.get(&n).into_iter().flatten() {
            if keep(e) {
                stack.push(m);
            }
        }
    }
    false
}

/// A node on a cycle of the edges `keep` selects, if there is one (iterative DFS colouring).
fn find_cycle(
    edges: &HashMap<usize, HashSet<(usize, Edge)>>,
    keep: &dyn Fn(Edge) -> bool,
) -> Option<usize> {
    let mut state: HashMap<usize, u8> = HashMap::new(); // 1 on stack, 2 done
    let mut nodes: Vec<usize> = edges.keys().copied().collect();
    nodes.sort_unstable();
    for &start in &nodes {
        if state.contains_key(&start) {
            continue;
        }
        let mut stack: Vec<(usize, Vec<usize>)> = vec![(start, succ(edges, start, keep))];
        state.insert(start, 1);
        while let Some((n, rest)) = stack.last_mut() {
            match rest.pop() {
                Some(m) => match state.get(&m) {
                    Some(1) => return Some(m),
                    Some(_) => {}
                    None => {
                        state.insert(m, 1);
                        let s = succ(edges, m, keep);
                        stack.push((m, s));
                    }
                },
                None => {
                    state.insert(*n, 2);
                    stack.pop();
                }
            }
        }
    }
    None
}

fn succ(
    edges: &HashMap<usize, HashSet<(usize, Edge)>>,
    n: usize,
    keep: &dyn Fn(Edge) -> bool,
) -> Vec<usize> {
    edges
        .get(&n)
        .into_iter()
        .flatten()
        .filter(|(_, e)| keep(*e))
        .map(|(m, _)| *m)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(committed: bool, ops: Vec<Op>) -> Txn {
        Txn { ops, committed }
    }
    fn ap(key: u32, elem: u64) -> Op {
        Op::Append { key, elem }
    }
    fn rd(key: u32, list: &[u64]) -> Op {
        Op::Read {
            key,
            list: list.to_vec(),
        }
    }

    #[test]
    fn serial_history_is_clean() {
        let h = vec![
            t(true, vec![ap(1, 1), ap(2, 2)]),
            t(true, vec![rd(1, &[1]), ap(1, 3)]),
            t(true, vec![rd(1, &[1, 3]), rd(2, &[2])]),
        ];
        assert!(check(&h, Level::Serializable).is_empty());
    }

    #[test]
    fn aborted_and_intermediate_reads_are_found() {
        let h = vec![t(false, vec![ap(1, 1)]), t(true, vec![rd(1, &[1])])];
        assert!(check(&h, Level::ReadCommitted)[0].starts_with("G1a"));
        let h = vec![
            t(true, vec![ap(1, 1), ap(1, 2)]),
            t(true, vec![rd(1, &[1])]),
            t(true, vec![rd(1, &[1, 2])]),
        ];
        assert!(check(&h, Level::ReadCommitted)
            .iter()
            .any(|p| p.starts_with("G1b")));
    }

    #[test]
    fn write_skew_is_g2_but_not_g_single() {
        // T0 and T1 each read both keys empty and append to a different one.
        let h = vec![
            t(true, vec![rd(1, &[]), rd(2, &[]), ap(1, 1)]),
            t(true, vec![rd(1, &[]), rd(2, &[]), ap(2, 2)]),
            t(true, vec![rd(1, &[1]), rd(2, &[2])]),
        ];
        assert!(check(&h, Level::RepeatableRead).is_empty());
        assert!(check(&h, Level::Serializable)
            .iter()
            .any(|p| p.starts_with("G2")));
    }

    #[test]
    fn lost_update_is_g_single() {
        // Both read [] and append; the final order is [1, 2]: T1 read [] but 1 came before.
        let h = vec![
            t(true, vec![rd(1, &[]), ap(1, 1)]),
            t(true, vec![rd(1, &[]), ap(1, 2)]),
            t(true, vec![rd(1, &[1, 2])]),
        ];
        assert!(check(&h, Level::RepeatableRead)
            .iter()
            .any(|p| p.starts_with("G-single")));
        assert!(check(&h, Level::ReadCommitted).is_empty());
    }

    #[test]
    fn a_missing_row_or_an_unexpected_error_is_an_anomaly_at_every_level() {
        let h = vec![
            t(true, vec![Op::Missing { key: 3 }]),
            t(
                false,
                vec![Op::Unexpected {
                    error: "tuple (1,2) does not exist".into(),
                }],
            ),
        ];
        for level in [
            Level::ReadCommitted,
            Level::RepeatableRead,
            Level::Serializable,
        ] {
            let p = check(&h, level);
            assert_eq!(p.len(), 2, "{p:?}");
        }
    }
}
