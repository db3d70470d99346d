//! The vacuum tests have teeth: with `Sabotage::PruneIgnoresHorizon` (pruning and vacuum
//! remove versions deleted by any committed transaction, even ones a live snapshot still
//! sees), a REPEATABLE READ reader held open across updates of its row stops seeing the
//! value its snapshot promises; with the protocol intact it always sees it.

use engine::{AutovacuumOptions, Database, DatabaseOptions, Session};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use storage::Sabotage;
use vfs::SimVfs;

fn open(sabotage: Option<Sabotage>) -> Database {
    let mut opts = DatabaseOptions::default();
    opts.storage.checkpoint_interval = None;
    opts.storage.sabotage = sabotage;
    opts.autovacuum = AutovacuumOptions {
        naptime: Duration::from_millis(10),
        ..AutovacuumOptions::default()
    };
    Database::open_with(Arc::new(SimVfs::new(11)), Path::new("/db"), opts).expect("open")
}

fn rows(s: &mut Session, sql: &str) -> Rows {
    s.query(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .rows
        .iter()
        .map(|r| r.iter().map(|v| v.to_text().unwrap_or_default()).collect())
        .collect()
}

fn exec(s: &mut Session, sql: &str) {
    s.execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Rows of a result, as text.
type Rows = Vec<Vec<String>>;

/// What the reader saw at one check: through the index, and by a scan.
type View = (Rows, Rows);

/// What the reader saw at each check, when its snapshot promises 0 and 1,000 rows.
fn reader_views(sabotage: Option<Sabotage>) -> Vec<View> {
    let db = open(sabotage);
    let mut w = db.session();
    exec(
        &mut w,
        "CREATE TABLE acct (id int PRIMARY KEY, v int, pad text)",
    );
    exec(
        &mut w,
        "INSERT INTO acct SELECT g, 0, repeat('p', 30) FROM generate_series(1, 1000) g",
    );
    let mut r = db.session();
    exec(&mut r, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    let mut views = vec![(
        rows(&mut r, "SELECT v FROM acct WHERE id = 1"),
        rows(&mut r, "SELECT count(*), sum(v) FROM acct"),
    )];
    for i in 0..3_000 {
        exec(
            &mut w,
            &format!("UPDATE acct SET v = v + 1 WHERE id = {}", 1 + i % 10),
        );
        if i % 500 == 499 {
            exec(&mut w, "VACUUM acct");
            views.push((
                rows(&mut r, "SELECT v FROM acct WHERE id = 1"),
                rows(&mut r, "SELECT count(*), sum(v) FROM acct"),
            ));
        }
    }
    exec(&mut r, "COMMIT");
    assert_eq!(db.autovacuum_error(), None);
    views
}

fn as_promised(view: &View) -> bool {
    view.0 == vec![vec!["0".to_string()]] && view.1 == vec![vec!["1000".to_string(), "0".into()]]
}

#[test]
fn pruning_past_the_horizon_is_caught_by_a_repeatable_read_reader() {
    let intact = reader_views(None);
    assert!(
        intact.iter().all(as_promised),
        "the reader lost its snapshot without sabotage: {intact:?}"
    );
    let sabotaged = reader_views(Some(Sabotage::PruneIgnoresHorizon));
    assert!(as_promised(&sabotaged[0]));
    assert!(
        !sabotaged.iter().all(as_promised),
        "PruneIgnoresHorizon went unnoticed: {sabotaged:?}"
    );
}
