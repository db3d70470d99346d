//! The session's plan cache: queries (SELECT, VALUES, TABLE, WITH … SELECT) bound to a plan
//! once and run again from it, whether they come as the simple protocol's text, the embedded
//! `query`, a protocol statement (Parse, then Bind/Execute many times) or SQL's EXECUTE.
//!
//! A plan is found by the statement's text and its parameters' types, and is used only
//! while every other input of its binding is as it was — the invariant:
//! - the catalog's generation ([`crate::catalog::Catalog::generation`]): the definitions,
//!   roles, privileges, schemas and types binding resolved names and checked privileges
//!   against (a definition committed by any session takes a new generation), and the
//!   database whose definitions the session's copy shows;
//! - the session's settings generation ([`crate::guc::Settings::generation`]): the
//!   search_path names were resolved along, the role privileges were checked for, and
//!   TimeZone / DateStyle / IntervalStyle, under which constants were folded. (The
//!   session's temporary relations, which unqualified names also search, are definitions:
//!   creating the first one also claims the session's temp namespace.)
//!
//! A plan is stored from its text's second binding on (texts run once, as statements with
//! their literals spelled in are, never displace plans that are reused). Plans that hold a
//! moment are never stored: binding read the clock (`'now'::timestamptz`
//! folds to a time) or took a catalog snapshot (a system relation's rows, a catalog
//! function's view of the sessions and definitions). Neither is a plan bound while the
//! transaction has uncommitted definitions of its own (its catalog copy is private).
//! Binding's other input, table sizes (choosing index nested-loop joins), is not part of the
//! key: as in PostgreSQL, a cached plan keeps the join method chosen when it was bound.
//!
//! [`PlanCacheMode::Verify`] (tests) checks the invariant on every hit: it binds the statement
//! afresh and compares the result with the plan bound when the entry was stored (both
//! without table sizes, so that only the inputs above can differ).

use crate::sql::plan::Plan;
use crate::sql::Columns;
use crate::types::DataType;
use std::hash::{Hash, Hasher};
use std::num::NonZeroUsize;
use std::sync::Arc;

/// How a database's sessions use their plan caches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PlanCacheMode {
    /// Queries are bound once and run from their cached plan.
    #[default]
    On,
    /// Every query is bound anew.
    Off,
    /// As `On`, and every use of a cached plan is checked against a fresh binding
    /// (an internal error if they differ): for tests.
    Verify,
}

/// Entries kept per session (the least recently used go first).
const CAPACITY: usize = 256;
/// Texts remembered as bound once (see `PlanCache::seen`).
const SEEN: usize = 1024;

/// What a binding depended on besides its text and parameter types (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Deps {
    pub catalog: u64,
    pub settings: u64,
    pub database: u32,
}

/// A bound query.
pub(super) struct CachedPlan {
    text: String,
    params: Vec<DataType>,
    deps: Deps,
    pub plan: Plan,
    pub columns: Columns,
    /// [`PlanCacheMode::Verify`]: the plan bound without table sizes when the entry was stored,
    /// as `Debug` prints it.
    pub reference: Option<String>,
}

impl CachedPlan {
    pub(super) fn new(
        text: &str,
        params: Vec<DataType>,
        deps: Deps,
        (plan, columns): (Plan, Columns),
    ) -> CachedPlan {
        CachedPlan {
            text: text.to_owned(),
            params,
            deps,
            plan,
            columns,
            reference: None,
        }
    }
}

/// The cache: entries by a hash of their text, each bucket holding the entries of that hash
/// (texts that collide, or one text bound with different parameter types).
pub(super) struct PlanCache {
    entries: lru::LruCache<u64, Vec<Arc<CachedPlan>>>,
    /// Hashes of the texts bound lately: a plan is kept from its text's second binding on,
    /// so that texts run once (literals spelled into each statement) do not displace plans
    /// that are reused.
    seen: lru::LruCache<u64, ()>,
    stats: PlanCacheStats,
}

/// How a session's queries found their plans.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlanCacheStats {
    /// Queries run from a cached plan.
    pub hits: u64,
    /// Queries bound anew (not cached, cached under other inputs, or holding a moment).
    pub misses: u64,
}

impl Default for PlanCache {
    fn default() -> PlanCache {
        PlanCache {
            entries: lru::LruCache::new(NonZeroUsize::MIN.saturating_add(CAPACITY - 1)),
            seen: lru::LruCache::new(NonZeroUsize::MIN.saturating_add(SEEN - 1)),
            stats: PlanCacheStats::default(),
        }
    }
}

/// The key of `text`'s bucket.
pub(super) fn hash_of(text: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// Entries one bucket keeps (different parameter types of one text are rare).
const BUCKET: usize = 4;

impl PlanCache {
    /// The plan of `text` bound with parameters of `params` under `deps`, if cached. An
    /// entry of the text and types bound under other inputs is stale and goes.
    pub(super) fn get(
        &mut self,
        key: u64,
        text: &str,
        params: &[DataType],
        deps: Deps,
    ) -> Option<Arc<CachedPlan>> {
        let found = self.lookup(key, text, params, deps);
        match found {
            Some(_) => self.stats.hits += 1,
            None => self.stats.misses += 1,
        }
        found
    }

    fn lookup(
        &mut self,
        key: u64,
        text: &str,
        params: &[DataType],
        deps: Deps,
    ) -> Option<Arc<CachedPlan>> {
        let bucket = self.entries.get_mut(&key)?;
        let i = bucket
            .iter()
            .position(|e| e.text == text && e.params == params)?;
        if bucket[i].deps == deps {
            return Some(bucket[i].clone());
        }
        bucket.swap_remove(i);
        None
    }

    /// Whether a plan of the text hashing to `key`, just bound, is worth keeping: the text
    /// was bound before.
    pub(super) fn admit(&mut self, key: u64) -> bool {
        if self.entries.contains(&key) || self.seen.pop(&key).is_some() {
            return true;
        }
        self.seen.put(key, ());
        false
    }

    /// Stores `plan` (replacing an entry of the same text and parameter types).
    pub(super) fn insert(&mut self, key: u64, plan: Arc<CachedPlan>) {
        match self.entries.get_mut(&key) {
            Some(bucket) => {
                bucket.retain(|e| e.text != plan.text || e.params != plan.params);
                if bucket.len() >= BUCKET {
                    bucket.remove(0);
                }
                bucket.push(plan);
            }
            None => {
                self.entries.put(key, vec![plan]);
            }
        }
    }

    /// Forgets every plan.
    pub(super) fn clear(&mut self) {
        self.entries.clear();
    }
}

impl super::Session {
    /// How this session's queries found their plans so far.
    pub fn plan_cache_stats(&self) -> PlanCacheStats {
        self.plans.stats
    }

    /// Runs query `q`, whose text is `text`, from its cached plan when the cache has one
    /// bound under the same inputs, else binding it (and caching the plan when it holds no
    /// moment; see the module doc).
    pub(super) fn run_query_cached(
        &mut self,
        q: &sqlparser::ast::Query,
        text: &str,
        params: &[crate::types::Value],
        mode: PlanCacheMode,
    ) -> crate::error::Result<crate::sql::Outcome> {
        let settings = self.settings.generation();
        // Out of the session while the statement runs: `with_cx` holds the session.
        let mut cache = std::mem::take(&mut self.plans);
        let res = self.with_cx(params, |cx| {
            let deps = Deps {
                catalog: cx.catalog.generation(),
                settings,
                database: cx.catalog.database(),
            };
            let types = crate::sql::param_types(cx.params);
            let key = hash_of(text);
            let plan = match cache.get(key, text, &types, deps) {
                Some(hit) => {
                    if mode == PlanCacheMode::Verify {
                        verify(&hit, q, cx)?;
                    }
                    hit
                }
                None => {
                    let marks = (crate::clock::reads(), crate::sql::syscat::snapshots_taken());
                    let bound = crate::sql::bind_query(q, cx, true)?;
                    let timeless =
                        marks == (crate::clock::reads(), crate::sql::syscat::snapshots_taken());
                    let keep = timeless && cx.changes.is_empty() && cache.admit(key);
                    let mut entry = CachedPlan::new(text, types, deps, bound);
                    if keep && mode == PlanCacheMode::Verify {
                        let (plan, _) = crate::sql::bind_query(q, cx, false)?;
                        entry.reference = Some(format!("{plan:?}"));
                    }
                    let entry = Arc::new(entry);
                    if keep {
                        cache.insert(key, entry.clone());
                    }
                    entry
                }
            };
            let rows = crate::sql::run_query(&plan.plan, cx)?;
            Ok(crate::sql::Outcome::Rows {
                columns: plan.columns.clone(),
                rows,
            })
        });
        self.plans = cache;
        res
    }
}

/// [`PlanCacheMode::Verify`]: binding `q` now (without table sizes) must give the plan the
/// entry was stored with.
fn verify(
    entry: &CachedPlan,
    q: &sqlparser::ast::Query,
    cx: &crate::sql::TxnCx<'_>,
) -> crate::error::Result<()> {
    let (fresh, columns) = crate::sql::bind_query(q, cx, false)?;
    if entry.reference.as_deref() != Some(format!("{fresh:?}").as_str()) || columns != entry.columns
    {
        return Err(crate::error::EngineError::Internal {
            reason: "a cached plan differs from the statement bound now",
        });
    }
    Ok(())
}
