//! Frame arithmetic over one sorted partition of `n` rows, in row positions relative to the
//! partition: peer groups, the half-open range `[start, end)` of a frame for each row under
//! `ROWS`, `GROUPS` and `RANGE` bounds (clamped to `[0, n]`; `start >= end` is an empty
//! frame), and the rows `EXCLUDE` leaves in it.
//!
//! `RANGE` offsets depend on key values, which this module does not see: for a row whose key
//! is not NULL, the caller computes the threshold `key ± offset` and passes a comparison of
//! each row's key with it; rows with NULL keys lie outside the non-NULL `region`, and a row
//! whose own key is NULL has its NULL peers as the offset frame (PostgreSQL's rule).

use super::Exclusion;
use crate::error::Result;
use std::cmp::Ordering;

/// The peer groups of a partition: rows equal on every ORDER BY key, consecutive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peers {
    /// The group of each row.
    pub group_of: Vec<usize>,
    /// The first row of each group, followed by `n`.
    pub starts: Vec<usize>,
}

impl Peers {
    /// Groups `n` rows; `same(i)` tells whether row `i` is a peer of row `i - 1` (i ≥ 1).
    pub fn new(n: usize, mut same: impl FnMut(usize) -> Result<bool>) -> Result<Peers> {
        let mut group_of = Vec::with_capacity(n);
        let mut starts = Vec::new();
        for i in 0..n {
            if i == 0 || !same(i)? {
                starts.push(i);
            }
            group_of.push(starts.len() - 1);
        }
        starts.push(n);
        Ok(Peers { group_of, starts })
    }

    pub fn rows(&self) -> usize {
        self.group_of.len()
    }

    pub fn groups(&self) -> usize {
        self.starts.len() - 1
    }

    /// The rows `[first, end)` of row `i`'s peer group.
    pub fn group(&self, i: usize) -> (usize, usize) {
        let g = self.group_of[i];
        (self.starts[g], self.starts[g + 1])
    }
}

/// A frame bound whose offset is a count (`ROWS`, `GROUPS`), or a bound without offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountBound {
    UnboundedPreceding,
    Preceding(u64),
    CurrentRow,
    Following(u64),
    UnboundedFollowing,
}

fn clamp(x: u64, n: usize) -> usize {
    usize::try_from(x).map_or(n, |x| x.min(n))
}

/// A `ROWS` bound of row `i`: the frame's first row (`end == false`) or one past its last.
pub fn rows_bound(b: CountBound, i: usize, n: usize, end: bool) -> usize {
    let past = usize::from(end);
    match b {
        CountBound::UnboundedPreceding => 0,
        CountBound::UnboundedFollowing => n,
        CountBound::CurrentRow => (i + past).min(n),
        CountBound::Preceding(k) => {
            let k = usize::try_from(k).unwrap_or(usize::MAX);
            if k > i {
                0
            } else {
                (i - k + past).min(n)
            }
        }
        CountBound::Following(k) => clamp((i as u64).saturating_add(k), n)
            .saturating_add(past)
            .min(n),
    }
}

/// A `GROUPS` bound of row `i` (bounds without offset are also `RANGE`'s).
pub fn groups_bound(b: CountBound, i: usize, peers: &Peers, end: bool) -> usize {
    let n = peers.rows();
    let g = peers.group_of[i];
    let groups = peers.groups();
    let past = usize::from(end);
    // The first row of group `h`, `n` past the last group.
    let at = |h: usize| peers.starts[h.min(groups)];
    match b {
        CountBound::UnboundedPreceding => 0,
        CountBound::UnboundedFollowing => n,
        CountBound::CurrentRow => at(g + past),
        CountBound::Preceding(k) => {
            let k = usize::try_from(k).unwrap_or(usize::MAX);
            if k > g {
                0
            } else {
                at(g - k + past)
            }
        }
        CountBound::Following(k) => {
            let h = usize::try_from(k).map_or(usize::MAX, |k| g.saturating_add(k));
            at(h.saturating_add(past))
        }
    }
}

/// The first position in `[lo, hi)` where `pred` holds, `pred` being false then true
/// along the range (`hi` if it never holds).
pub fn partition_point(
    mut lo: usize,
    mut hi: usize,
    mut pred: impl FnMut(usize) -> Result<bool>,
) -> Result<usize> {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid)? {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Ok(lo)
}

/// A `RANGE` offset bound of a row whose key is not NULL. `region` holds the rows with
/// non-NULL keys; `cmp(j)` compares row `j`'s key with the threshold (the current key minus
/// the offset for a PRECEDING bound under ascending order, plus it under descending order;
/// the other way round for FOLLOWING). A start is the first row not before the threshold,
/// an end the first row after it.
pub fn range_bound(
    region: (usize, usize),
    desc: bool,
    end: bool,
    mut cmp: impl FnMut(usize) -> Result<Ordering>,
) -> Result<usize> {
    partition_point(region.0, region.1, |j| {
        let o = cmp(j)?;
        let o = if desc { o.reverse() } else { o };
        Ok(if end {
            o == Ordering::Greater
        } else {
            o != Ordering::Less
        })
    })
}

/// The rows of a frame `[start, end)` of row `i`, less those `EXCLUDE` removes.
#[derive(Clone, Copy, Debug)]
pub struct FrameRows {
    start: usize,
    end: usize,
    /// Rows `[from, to)` left out, except `keep`.
    hole: (usize, usize),
    keep: Option<usize>,
}

impl FrameRows {
    pub fn new(start: usize, end: usize, exclusion: Exclusion, i: usize, peers: &Peers) -> Self {
        let (hole, keep) = match exclusion {
            Exclusion::NoOthers => ((0, 0), None),
            Exclusion::CurrentRow => ((i, i + 1), None),
            Exclusion::Group => (peers.group(i), None),
            Exclusion::Ties => (peers.group(i), Some(i)),
        };
        FrameRows {
            start,
            end: end.max(start),
            hole,
            keep,
        }
    }

    /// `[start, end)` before exclusion.
    pub fn span(&self) -> (usize, usize) {
        (self.start, self.end)
    }

    fn kept(&self, j: usize) -> bool {
        j < self.hole.0 || j >= self.hole.1 || self.keep == Some(j)
    }

    /// The frame's rows in order.
    pub fn iter(self) -> impl DoubleEndedIterator<Item = usize> {
        (self.start..self.end).filter(move |&j| self.kept(j))
    }

    /// The frame's `k`-th row (0-based), if it has that many.
    pub fn nth(self, k: usize) -> Option<usize> {
        if self.hole.0 >= self.hole.1 {
            return self.start.checked_add(k).filter(|&j| j < self.end);
        }
        self.iter().nth(k)
    }

    pub fn first(self) -> Option<usize> {
        self.nth(0)
    }

    pub fn last(self) -> Option<usize> {
        self.iter().next_back()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Peers of rows with these keys (equal neighbours are peers).
    fn peers(keys: &[i32]) -> Peers {
        Peers::new(keys.len(), |i| Ok(keys[i] == keys[i - 1])).expect("peers")
    }

    #[test]
    fn peer_groups() {
        let p = peers(&[1, 1, 2, 3, 3, 3]);
        assert_eq!(p.group_of, vec![0, 0, 1, 2, 2, 2]);
        assert_eq!(p.starts, vec![0, 2, 3, 6]);
        assert_eq!(p.group(4), (3, 6));
        let empty = peers(&[]);
        assert_eq!(empty.groups(), 0);
    }

    #[test]
    fn rows_bounds_clamp_at_partition_edges() {
        use CountBound::*;
        let n = 5;
        // ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING
        let frame = |i| {
            (
                rows_bound(Preceding(2), i, n, false),
                rows_bound(Following(1), i, n, true),
            )
        };
        assert_eq!(frame(0), (0, 2));
        assert_eq!(frame(2), (0, 4));
        assert_eq!(frame(4), (2, 5));
        // ROWS BETWEEN 3 FOLLOWING AND 5 FOLLOWING: empty near the end.
        assert_eq!(rows_bound(Following(3), 3, n, false), 5);
        assert_eq!(rows_bound(Following(5), 3, n, true), 5);
        // ROWS BETWEEN 3 PRECEDING AND 2 PRECEDING: empty at the start.
        assert_eq!(rows_bound(Preceding(2), 1, n, true), 0);
        assert_eq!(rows_bound(Preceding(2), 3, n, true), 2);
        assert_eq!(rows_bound(CurrentRow, 4, n, true), 5);
        assert_eq!(rows_bound(UnboundedFollowing, 0, n, true), 5);
        // Huge offsets do not overflow.
        assert_eq!(rows_bound(Following(u64::MAX), 2, n, true), 5);
        assert_eq!(rows_bound(Preceding(u64::MAX), 2, n, false), 0);
    }

    #[test]
    fn groups_bounds_move_by_peer_groups() {
        use CountBound::*;
        let p = peers(&[1, 1, 2, 3, 3, 4]);
        // GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW for a row of the group {3, 3}.
        assert_eq!(groups_bound(Preceding(1), 3, &p, false), 2);
        assert_eq!(groups_bound(CurrentRow, 3, &p, true), 5);
        assert_eq!(groups_bound(CurrentRow, 4, &p, false), 3);
        assert_eq!(groups_bound(Following(1), 0, &p, true), 3);
        assert_eq!(groups_bound(Following(9), 0, &p, false), 6);
        assert_eq!(groups_bound(Preceding(9), 5, &p, true), 0);
        assert_eq!(groups_bound(Preceding(1), 0, &p, true), 0);
        assert_eq!(groups_bound(Following(u64::MAX), 2, &p, true), 6);
    }

    #[test]
    fn range_bounds_search_the_non_null_region() {
        // Keys 1 2 2 4 7 then two NULLs (ascending, NULLs last); current key 4.
        let keys = [1, 2, 2, 4, 7];
        let region = (0, 5);
        let cmp = |t: i32| move |j: usize| Ok(keys[j].cmp(&t));
        // RANGE BETWEEN 2 PRECEDING AND 2 FOLLOWING: keys in [2, 6].
        assert_eq!(range_bound(region, false, false, cmp(2)).expect("start"), 1);
        assert_eq!(range_bound(region, false, true, cmp(6)).expect("end"), 4);
        // Thresholds past the keys: the region's end, never a NULL row.
        assert_eq!(
            range_bound(region, false, false, cmp(100)).expect("start"),
            5
        );
        assert_eq!(range_bound(region, false, true, cmp(100)).expect("end"), 5);
        // Descending keys 7 4 2 2 1, NULLs first at 0 and 1: region (2, 7).
        let desc = [0, 0, 7, 4, 2, 2, 1];
        let dcmp = |t: i32| move |j: usize| Ok(desc[j].cmp(&t));
        // Current key 4, 2 PRECEDING (threshold 6) to 2 FOLLOWING (threshold 2).
        assert_eq!(range_bound((2, 7), true, false, dcmp(6)).expect("start"), 3);
        assert_eq!(range_bound((2, 7), true, true, dcmp(2)).expect("end"), 6);
    }

    #[test]
    fn exclusion_leaves_out_current_row_group_or_ties() {
        let p = peers(&[1, 2, 2, 2, 3]);
        let rows = |ex| FrameRows::new(0, 5, ex, 2, &p).iter().collect::<Vec<_>>();
        assert_eq!(rows(Exclusion::NoOthers), vec![0, 1, 2, 3, 4]);
        assert_eq!(rows(Exclusion::CurrentRow), vec![0, 1, 3, 4]);
        assert_eq!(rows(Exclusion::Group), vec![0, 4]);
        assert_eq!(rows(Exclusion::Ties), vec![0, 2, 4]);
        let f = FrameRows::new(1, 4, Exclusion::Ties, 2, &p);
        assert_eq!((f.first(), f.last(), f.nth(1)), (Some(2), Some(2), None));
        let f = FrameRows::new(1, 4, Exclusion::NoOthers, 2, &p);
        assert_eq!(
            (f.first(), f.last(), f.nth(2), f.nth(3)),
            (Some(1), Some(3), Some(3), None)
        );
        // An empty frame (start past end) has no rows.
        assert_eq!(
            FrameRows::new(4, 2, Exclusion::NoOthers, 0, &p).first(),
            None
        );
    }
}
