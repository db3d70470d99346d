//! `quill-bench sql [--rows N] [--budget S]`: Quill's embedded SQL engine beside SQLite
//! (bundled, through rusqlite) on the same workloads in one run, both on real files in the
//! system temp directory.
//!
//! Quill runs with default options, so every commit syncs its log. SQLite runs in WAL mode
//! twice: with `synchronous=FULL` (every commit syncs the WAL: durable like Quill) and with
//! `synchronous=NORMAL` (commits are not synced; a power loss can lose the latest ones).
//!
//! Workloads, each checked for equal results (row counts, sums, per-group aggregates)
//! across the engines and against the values the benchmark generated:
//! 1. single-row `INSERT` transactions, each its own autocommitted, durable transaction;
//! 2. bulk `INSERT` of 100,000 rows in one transaction, as 500-row `INSERT` statements;
//! 3. point `SELECT v FROM t2 WHERE id = $1` by primary key on that 100,000-row table;
//! 4. `SELECT g, count(*), sum(v) FROM t3 GROUP BY g` over N rows in 100 groups.
//!
//! Workload 1 is sync-bound, so it runs interleaved (rounds of 100 commits per engine in
//! turn) to expose every engine alike to drifts in the disk's sync latency; workloads 2–4
//! run one engine at a time, Quill first. A Quill workload whose loop passes the time
//! budget stops at the next statement (or round) boundary and is reported as capped;
//! SQLite then does exactly the same work.
//! Quill has no prepared statements, so it parses every statement; SQLite reuses prepared
//! statements where rusqlite's statement cache applies (the parameterized ones).

use crate::{fail, TempDir};
use engine::Value;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const SINGLE_TXNS: u64 = 2_000;
const BULK_ROWS: u64 = 100_000;
const LOOKUPS: u64 = 20_000;
/// Commits per engine per round of the interleaved single-row workload.
const SINGLE_ROUND: u64 = 100;
const ROWS_PER_INSERT: u64 = 500;
/// Rows per load transaction of the GROUP BY table.
const LOAD_TXN_ROWS: u64 = 100_000;
const GROUPS: u64 = 100;

/// A deterministic mix of `x` (splitmix64's finalizer): the data both engines get.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn single_v(i: u64) -> i64 {
    (mix(i) % 1000) as i64
}

fn bulk_v(id: u64) -> i64 {
    (mix(id ^ 0x5555_0000) % 1000) as i64
}

fn group_g(i: u64) -> i64 {
    (mix(i ^ 0xaaaa_0000_0000) % GROUPS) as i64
}

fn group_v(i: u64) -> i64 {
    (mix(i ^ 0x3333_0000_0000_0000) % 1000) as i64
}

/// The `k`-th primary key looked up, in `1..=rows`.
fn lookup_key(k: u64, rows: u64) -> i64 {
    (mix(k ^ 0x7777) % rows + 1) as i64
}

/// `INSERT INTO t2` of ids `from..to` (1-based).
fn bulk_statement(from: u64, to: u64) -> String {
    let mut sql = String::from("INSERT INTO t2 VALUES ");
    for id in from..to {
        let sep = if id == from { "" } else { "," };
        let _ = write!(sql, "{sep}({id},{},{})", id % GROUPS, bulk_v(id));
    }
    sql
}

/// `INSERT INTO t3` of rows `from..to` (0-based).
fn group_statement(from: u64, to: u64) -> String {
    let mut sql = String::from("INSERT INTO t3 VALUES ");
    for i in from..to {
        let sep = if i == from { "" } else { "," };
        let _ = write!(sql, "{sep}({},{})", group_g(i), group_v(i));
    }
    sql
}

/// What the benchmark needs of an engine. Every method fails the run on an error.
trait Sql {
    /// Runs statements without parameters, discarding any rows.
    fn exec(&mut self, sql: &str);
    /// `INSERT INTO t1 VALUES ($1, $2)` as its own transaction.
    fn insert_single(&mut self, id: i64, v: i64);
    /// `SELECT v FROM t2 WHERE id = $1`.
    fn lookup(&mut self, id: i64) -> Option<i64>;
    /// A query whose columns are all integers.
    fn int_rows(&mut self, sql: &str) -> Vec<Vec<i64>>;
    /// The engine's plan of `sql`, one line.
    fn plan(&mut self, sql: &str) -> String;
}

struct Quill {
    session: engine::Session,
    _db: engine::Database,
}

fn quill_int(v: &Value, sql: &str) -> i64 {
    match v {
        Value::Int2(x) => i64::from(*x),
        Value::Int4(x) => i64::from(*x),
        Value::Int8(x) => *x,
        other => match other.to_text().and_then(|t| t.parse().ok()) {
            Some(x) => x,
            None => fail(&format!("quill: {sql}: expected an integer, got {other:?}")),
        },
    }
}

impl Sql for Quill {
    fn exec(&mut self, sql: &str) {
        if let Err(e) = self.session.execute(sql) {
            fail(&format!("quill: {}: {e}", abbreviate(sql)));
        }
    }

    fn insert_single(&mut self, id: i64, v: i64) {
        let sql = "INSERT INTO t1 VALUES ($1, $2)";
        let params = [Value::Int4(id as i32), Value::Int4(v as i32)];
        if let Err(e) = self.session.query(sql, &params) {
            fail(&format!("quill: {sql}: {e}"));
        }
    }

    fn lookup(&mut self, id: i64) -> Option<i64> {
        let sql = "SELECT v FROM t2 WHERE id = $1";
        let rows = self
            .session
            .query(sql, &[Value::Int4(id as i32)])
            .unwrap_or_else(|e| fail(&format!("quill: {sql}: {e}")));
        match rows.rows.as_slice() {
            [] => None,
            [row] => row.first().map(|v| quill_int(v, sql)),
            more => fail(&format!("quill: {sql} (id {id}): {} rows", more.len())),
        }
    }

    fn int_rows(&mut self, sql: &str) -> Vec<Vec<i64>> {
        let rows = self
            .session
            .query(sql, &[])
            .unwrap_or_else(|e| fail(&format!("quill: {sql}: {e}")));
        rows.rows
            .iter()
            .map(|r| r.iter().map(|v| quill_int(v, sql)).collect())
            .collect()
    }

    fn plan(&mut self, sql: &str) -> String {
        let explain = format!("EXPLAIN {sql}");
        let rows = self
            .session
            .query(&explain, &[])
            .unwrap_or_else(|e| fail(&format!("quill: {explain}: {e}")));
        let lines: Vec<String> = rows
            .rows
            .iter()
            .filter_map(|r| r.first().and_then(Value::to_text))
            .map(|l| l.trim().to_string())
            .collect();
        lines.join(" ")
    }
}

struct Sqlite(rusqlite::Connection);

impl Sqlite {
    fn open(dir: &TempDir, synchronous: &str) -> Sqlite {
        if let Err(e) = std::fs::create_dir_all(&dir.0) {
            fail(&format!("create {}: {e}", dir.0.display()));
        }
        let conn = rusqlite::Connection::open(dir.0.join("bench.db"))
            .unwrap_or_else(|e| fail(&format!("sqlite: open: {e}")));
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .unwrap_or_else(|e| fail(&format!("sqlite: journal_mode: {e}")));
        if !mode.eq_ignore_ascii_case("wal") {
            fail(&format!("sqlite: journal_mode is {mode}, not wal"));
        }
        if let Err(e) = conn.pragma_update(None, "synchronous", synchronous) {
            fail(&format!("sqlite: synchronous={synchronous}: {e}"));
        }
        Sqlite(conn)
    }
}

impl Sql for Sqlite {
    fn exec(&mut self, sql: &str) {
        if let Err(e) = self.0.execute_batch(sql) {
            fail(&format!("sqlite: {}: {e}", abbreviate(sql)));
        }
    }

    fn insert_single(&mut self, id: i64, v: i64) {
        let sql = "INSERT INTO t1 VALUES (?1, ?2)";
        let res = self
            .0
            .prepare_cached(sql)
            .and_then(|mut st| st.execute([id, v]));
        if let Err(e) = res {
            fail(&format!("sqlite: {sql}: {e}"));
        }
    }

    fn lookup(&mut self, id: i64) -> Option<i64> {
        let sql = "SELECT v FROM t2 WHERE id = ?1";
        let res = self.0.prepare_cached(sql).and_then(|mut st| {
            let rows = st.query_map([id], |r| r.get::<_, i64>(0))?;
            rows.collect::<rusqlite::Result<Vec<i64>>>()
        });
        match res {
            Ok(v) if v.len() <= 1 => v.first().copied(),
            Ok(v) => fail(&format!("sqlite: {sql} (id {id}): {} rows", v.len())),
            Err(e) => fail(&format!("sqlite: {sql}: {e}")),
        }
    }

    fn int_rows(&mut self, sql: &str) -> Vec<Vec<i64>> {
        let res = self.0.prepare(sql).and_then(|mut st| {
            let n = st.column_count();
            let rows = st.query_map([], |r| (0..n).map(|i| r.get::<_, i64>(i)).collect())?;
            rows.collect::<rusqlite::Result<Vec<Vec<i64>>>>()
        });
        res.unwrap_or_else(|e| fail(&format!("sqlite: {sql}: {e}")))
    }

    fn plan(&mut self, sql: &str) -> String {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let res = self.0.prepare(&explain).and_then(|mut st| {
            let rows = st.query_map([], |r| r.get::<_, String>(3))?;
            rows.collect::<rusqlite::Result<Vec<String>>>()
        });
        res.unwrap_or_else(|e| fail(&format!("sqlite: {explain}: {e}")))
            .join("; ")
    }
}

fn abbreviate(sql: &str) -> String {
    match sql.char_indices().nth(60) {
        Some((i, _)) => format!("{}...", &sql[..i]),
        None => sql.to_string(),
    }
}

/// How much of each workload to do; Quill's run may lower these (time budget) and SQLite
/// then does the same.
#[derive(Clone, Copy, Debug)]
struct Work {
    single: u64,
    bulk: u64,
    lookups: u64,
    group_rows: u64,
}

/// Timings of one engine's run.
struct Timings {
    single: Duration,
    bulk: Duration,
    lookups: Duration,
    load: Duration,
    /// The fastest of the GROUP BY runs.
    group: Duration,
    group_runs: u32,
    /// Plans of the point lookup and the GROUP BY.
    plans: [String; 2],
}

/// Expected `count(*)`, `sum(v)` of a table.
fn check_count_sum(db: &mut dyn Sql, name: &str, table: &str, count: u64, sum: i64) {
    let sql = format!("SELECT count(*), sum(v) FROM {table}");
    let got = db.int_rows(&sql);
    if got != [vec![count as i64, sum]] {
        fail(&format!(
            "{name}: {sql} gave {got:?}, expected [[{count}, {sum}]]"
        ));
    }
}

fn over(start: Instant, budget: Option<Duration>) -> bool {
    budget.is_some_and(|b| start.elapsed() >= b)
}

/// An engine under test, with the directory its files live in (removed after it closes).
struct Engine {
    name: String,
    db: Box<dyn Sql>,
    _dir: TempDir,
}

/// Workload 1, interleaved: rounds of `SINGLE_ROUND` commits on each engine in turn
/// (rotating which goes first), so that drifts in the disk's sync latency during the run
/// (other processes' I/O) hit every engine alike. Stops for all at a round boundary once
/// Quill (the first engine) has spent `budget`. Returns each engine's total time.
fn single_rows(engines: &mut [Engine], work: &mut Work, budget: Duration) -> Vec<Duration> {
    eprintln!(
        "sql: {} single-row INSERT transactions on each engine, interleaved",
        work.single
    );
    let mut times = vec![Duration::ZERO; engines.len()];
    let (mut done, mut round) = (0, 0);
    while done < work.single && times[0] < budget {
        let to = (done + SINGLE_ROUND).min(work.single);
        for k in 0..engines.len() {
            let i = (k + round) % engines.len();
            let t = Instant::now();
            for n in done..to {
                engines[i].db.insert_single(n as i64 + 1, single_v(n));
            }
            times[i] += t.elapsed();
        }
        done = to;
        round += 1;
    }
    work.single = done;
    let sum = (0..done).map(single_v).sum();
    for e in engines.iter_mut() {
        check_count_sum(e.db.as_mut(), &e.name, "t1", done, sum);
    }
    times
}

/// Runs workloads 2–4 on `db`. With a budget, loops stop early once they pass it and
/// `work` is lowered to what was done.
fn run_suite(db: &mut dyn Sql, name: &str, work: &mut Work, budget: Option<Duration>) -> Timings {
    // 2. Bulk load in one transaction.
    eprintln!("sql: {name}: bulk INSERT of {} rows", work.bulk);
    let statements: Vec<String> = (0..work.bulk.div_ceil(ROWS_PER_INSERT))
        .map(|c| {
            let from = c * ROWS_PER_INSERT + 1;
            bulk_statement(from, (from + ROWS_PER_INSERT).min(work.bulk + 1))
        })
        .collect();
    let t = Instant::now();
    db.exec("BEGIN");
    let mut rows = 0;
    for (c, sql) in statements.iter().enumerate() {
        if over(t, budget) {
            break;
        }
        db.exec(sql);
        rows = ((c as u64 + 1) * ROWS_PER_INSERT).min(work.bulk);
    }
    db.exec("COMMIT");
    let bulk = t.elapsed();
    work.bulk = rows;
    let sum = (1..=rows).map(bulk_v).sum();
    check_count_sum(db, name, "t2", rows, sum);

    // 3. Point lookups by primary key.
    eprintln!("sql: {name}: {} point SELECTs", work.lookups);
    let t = Instant::now();
    let (mut done, mut found, mut sum) = (0u64, 0u64, 0i64);
    while done < work.lookups && rows > 0 && !over(t, budget) {
        if let Some(v) = db.lookup(lookup_key(done, rows)) {
            found += 1;
            sum += v;
        }
        done += 1;
    }
    let lookups = t.elapsed();
    work.lookups = done;
    let expect: i64 = (0..done).map(|k| bulk_v(lookup_key(k, rows) as u64)).sum();
    if found != done || sum != expect {
        fail(&format!(
            "{name}: {done} lookups found {found} rows summing to {sum}, expected {done} summing to {expect}"
        ));
    }

    // 4. GROUP BY: load (in transactions of LOAD_TXN_ROWS rows), then aggregate.
    eprintln!("sql: {name}: loading {} rows for GROUP BY", work.group_rows);
    let t = Instant::now();
    let mut loaded = 0;
    while loaded < work.group_rows && !over(t, budget) {
        let end = (loaded + LOAD_TXN_ROWS).min(work.group_rows);
        db.exec("BEGIN");
        while loaded < end && !over(t, budget) {
            let to = (loaded + ROWS_PER_INSERT).min(end);
            db.exec(&group_statement(loaded, to));
            loaded = to;
        }
        db.exec("COMMIT");
    }
    let load = t.elapsed();
    work.group_rows = loaded;
    let mut expect = vec![(0i64, 0i64); GROUPS as usize];
    for i in 0..loaded {
        let e = &mut expect[group_g(i) as usize];
        e.0 += 1;
        e.1 += group_v(i);
    }
    let expect: Vec<Vec<i64>> = expect
        .iter()
        .enumerate()
        .filter(|(_, (n, _))| *n > 0)
        .map(|(g, (n, s))| vec![g as i64, *n, *s])
        .collect();
    eprintln!("sql: {name}: GROUP BY over {loaded} rows");
    let sql = "SELECT g, count(*), sum(v) FROM t3 GROUP BY g";
    let mut group = Duration::MAX;
    let mut group_runs = 0;
    // Up to three runs (the fastest counts), fewer when one is slow.
    let mut spent = Duration::ZERO;
    while group_runs < 3 && (group_runs == 0 || spent * 2 < Duration::from_secs(40)) {
        let t = Instant::now();
        let mut got = db.int_rows(sql);
        let d = t.elapsed();
        group = group.min(d);
        spent += d;
        group_runs += 1;
        got.sort();
        if got != expect {
            fail(&format!(
                "{name}: {sql} over {loaded} rows differs from the generated data ({} groups, expected {})",
                got.len(),
                expect.len()
            ));
        }
    }
    let plans = [
        db.plan("SELECT v FROM t2 WHERE id = 1"),
        db.plan("SELECT g, count(*), sum(v) FROM t3 GROUP BY g"),
    ];
    Timings {
        plans,
        single: Duration::ZERO,
        bulk,
        lookups,
        load,
        group,
        group_runs,
    }
}

fn per_sec(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

fn fmt_rate(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}/s")
    } else {
        format!("{r:.1}/s")
    }
}

fn fmt_ratio(r: f64) -> String {
    if r >= 10.0 {
        format!("{r:.0}x")
    } else if r >= 1.0 {
        format!("{r:.2}x")
    } else {
        format!("{r:.3}x")
    }
}

/// Runs the comparison with `rows` rows in the GROUP BY table and a time budget per
/// Quill workload.
pub fn run(rows: u64, budget: Duration) {
    if rows == 0 {
        fail("--rows must be at least 1");
    }
    let asked = Work {
        single: SINGLE_TXNS,
        bulk: BULK_ROWS,
        lookups: LOOKUPS,
        group_rows: rows,
    };
    let mut work = asked;

    let mut engines = Vec::new();
    let dir = TempDir::new("sql-quill");
    let db = engine::Database::open(&dir.0)
        .unwrap_or_else(|e| fail(&format!("quill: open {}: {e}", dir.0.display())));
    engines.push(Engine {
        name: "quill".into(),
        db: Box::new(Quill {
            session: db.session(),
            _db: db,
        }),
        _dir: dir,
    });
    for sync in ["FULL", "NORMAL"] {
        let dir = TempDir::new(&format!("sql-sqlite-{}", sync.to_lowercase()));
        engines.push(Engine {
            name: format!("sqlite {sync}"),
            db: Box::new(Sqlite::open(&dir, sync)),
            _dir: dir,
        });
    }
    for e in &mut engines {
        e.db.exec("CREATE TABLE t1 (id integer PRIMARY KEY, v integer)");
        e.db.exec("CREATE TABLE t2 (id integer PRIMARY KEY, g integer, v integer)");
        e.db.exec("CREATE TABLE t3 (g integer, v integer)");
    }
    let single = single_rows(&mut engines, &mut work, budget);
    // Workloads 2-4 one engine at a time, Quill first (its budget sets the work).
    let mut timings = Vec::new();
    for (e, single) in engines.iter_mut().zip(single) {
        let budget = timings.is_empty().then_some(budget);
        let mut t = run_suite(e.db.as_mut(), &e.name, &mut work, budget);
        t.single = single;
        timings.push(t);
    }
    drop(engines);
    let [quill, full, normal] = timings.as_slice() else {
        fail("expected three engines' timings");
    };

    println!(
        "sql: Quill (default options: every commit syncs the log) vs SQLite {} (WAL, default cache), real files in {}",
        rusqlite::version(),
        std::env::temp_dir().display()
    );
    let rows_of = |t: &Timings| {
        [
            per_sec(work.single, t.single),
            per_sec(work.bulk, t.bulk),
            per_sec(work.lookups, t.lookups),
            per_sec(work.group_rows, t.group),
        ]
    };
    let q = rows_of(quill);
    let (sqlite, full, normal) = (full, rows_of(full), rows_of(normal));
    let labels = [
        format!("1. single-row INSERT txns ({})", work.single),
        format!("2. bulk INSERT rows ({} in 1 txn)", work.bulk),
        format!("3. point SELECTs by PK ({})", work.lookups),
        format!("4. GROUP BY rows scanned ({})", work.group_rows),
    ];
    println!(
        "{:<40} {:>12} {:>12} {:>10} {:>12} {:>10}",
        "workload", "Quill", "SQLite FULL", "Q/FULL", "SQLite NORM", "Q/NORMAL"
    );
    for i in 0..4 {
        println!(
            "{:<40} {:>12} {:>12} {:>10} {:>12} {:>10}",
            labels[i],
            fmt_rate(q[i]),
            fmt_rate(full[i]),
            fmt_ratio(q[i] / full[i]),
            fmt_rate(normal[i]),
            fmt_ratio(q[i] / normal[i]),
        );
    }
    println!(
        "sql: GROUP BY: {} groups, fastest of {} run(s) on Quill ({:.2} s), {} on SQLite FULL ({:.3} s); load {} on Quill, {} on SQLite FULL",
        GROUPS,
        quill.group_runs,
        quill.group.as_secs_f64(),
        sqlite.group_runs,
        sqlite.group.as_secs_f64(),
        fmt_rate(per_sec(work.group_rows, quill.load)),
        fmt_rate(per_sec(work.group_rows, sqlite.load)),
    );
    for (engine, t) in [("Quill", quill), ("SQLite", sqlite)] {
        println!("sql: {engine} plans: point SELECT: {}", t.plans[0]);
        println!("sql: {engine} plans: GROUP BY: {}", t.plans[1]);
    }
    let capped = [
        ("single-row INSERT transactions", asked.single, work.single),
        ("bulk INSERT rows", asked.bulk, work.bulk),
        ("point SELECTs", asked.lookups, work.lookups),
        ("GROUP BY rows (load)", asked.group_rows, work.group_rows),
    ];
    for (what, a, w) in capped {
        if w < a {
            println!(
                "sql: CAPPED: {what}: Quill passed its {} s budget after {w} of {a}; every engine did {w}",
                budget.as_secs()
            );
        }
    }
    println!("sql: results agree: counts and sums of every workload match across engines and the generated data");
}
