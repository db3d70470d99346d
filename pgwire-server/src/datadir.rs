//! The data directory at start: opening (creating on first start, recovering after a crash)
//! the database, creating the bootstrap superuser, and reading — on first start writing —
//! the authentication rules.
//!
//! Every file written here goes through the [`vfs::Vfs`] the database uses, durably: the
//! directory's entry is synced into its parent by the store, the superuser is a committed
//! catalog transaction, and the default `pg_hba.conf` is written with [`vfs::replace_file`]
//! (temporary file, sync, rename, directory sync). So a first start stopped at any moment —
//! process killed or power lost — leaves a directory that the next start completes: the
//! database recovers, a missing superuser or rule file is created then, and a rule file is
//! never found half written. A rule file with no entries (as an operator may leave it) is
//! refused at start, naming the file, rather than served as "refuse everyone".

use crate::config::ServerConfig;
use crate::hba::{Rules, DEFAULT_RULES};
use crate::server::{ServerError, BOOTSTRAP_SUPERUSER};
use engine::Database;
use std::path::Path;
use std::sync::Arc;
use vfs::Vfs;

/// Opens the database in `dir` on `fs` and makes sure the bootstrap superuser exists.
pub(crate) fn open_database(
    fs: Arc<dyn Vfs>,
    dir: &Path,
    autovacuum: engine::AutovacuumOptions,
    buffer_pages: usize,
) -> Result<Database, ServerError> {
    let started = std::time::Instant::now();
    let mut opts = engine::DatabaseOptions {
        autovacuum,
        ..engine::DatabaseOptions::default()
    };
    opts.storage.pool_frames = buffer_pages;
    let db = Database::open_with(fs, dir, opts).map_err(|source| ServerError::Open {
        path: dir.to_owned(),
        source,
    })?;
    tracing::info!(data_dir = %dir.display(), elapsed = ?started.elapsed(),
        "database open (recovery done)");
    if db
        .bootstrap_superuser(BOOTSTRAP_SUPERUSER)
        .map_err(ServerError::Bootstrap)?
    {
        tracing::info!(
            role = BOOTSTRAP_SUPERUSER,
            "created the bootstrap superuser"
        );
    }
    Ok(db)
}

/// Reads the authentication rules, first writing initdb's defaults when the data
/// directory's own rule file does not exist yet (a configured `hba_file` must exist).
pub(crate) fn load_rules(fs: &dyn Vfs, config: &ServerConfig) -> Result<Rules, ServerError> {
    let path = config.hba_path();
    let read_error = |source| ServerError::HbaRead {
        path: path.clone(),
        source,
    };
    if config.hba_file.is_none() && !fs.exists(&path).map_err(read_error)? {
        vfs::replace_file(fs, &path, DEFAULT_RULES.as_bytes()).map_err(read_error)?;
        tracing::info!(path = %path.display(),
            "wrote default authentication rules (trust for local connections)");
    }
    let bytes = vfs::read_file(fs, &path).map_err(read_error)?;
    let text = String::from_utf8(bytes).map_err(|_| {
        read_error(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the file is not valid UTF-8",
        ))
    })?;
    let rules = Rules::parse(&text).map_err(|source| ServerError::Hba {
        path: path.clone(),
        source,
    })?;
    if rules.is_empty() {
        return Err(ServerError::HbaEmpty { path });
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use vfs::{CrashMode, FaultPlan, SimVfs};

    fn config() -> ServerConfig {
        ServerConfig::new("/srv/data", "127.0.0.1:0".parse().unwrap())
    }

    fn quiet() -> engine::AutovacuumOptions {
        engine::AutovacuumOptions {
            enabled: false,
            ..engine::AutovacuumOptions::default()
        }
    }

    /// A machine whose root and `/srv` exist durably (the data directory does not).
    fn machine(seed: u64) -> SimVfs {
        let fs = SimVfs::new(seed);
        fs.create_dir_all(Path::new("/srv")).unwrap();
        fs.sync_dir(Path::new("/")).unwrap();
        fs
    }

    /// What a server start does with the data directory.
    fn start(fs: &SimVfs) -> Result<(Database, Rules), ServerError> {
        let c = config();
        let db = open_database(Arc::new(fs.clone()), &c.data_dir, quiet(), c.buffer_pages())?;
        let rules = load_rules(fs, &c)?;
        Ok((db, rules))
    }

    /// A first start stopped at every one of its file operations, by a process kill or a
    /// power loss: the next start always succeeds, with the bootstrap superuser and the
    /// default rules, and a rule file is never found empty or torn.
    #[test]
    fn a_first_start_stopped_anywhere_is_completed_by_the_next() {
        let ops = {
            let fs = machine(0);
            let before = fs.op_count();
            let (db, _) = start(&fs).unwrap();
            drop(db);
            fs.op_count() - before
        };
        assert!(ops > 10, "a first start takes {ops} operations");
        let defaults = Rules::parse(DEFAULT_RULES).unwrap();
        let hba = PathBuf::from("/srv/data/pg_hba.conf");
        for stop in 0..ops {
            for (seed, mode) in [(stop, CrashMode::ProcessKill), (stop, CrashMode::PowerLoss)] {
                let fs = machine(seed);
                fs.set_plan(FaultPlan {
                    crash_at_op: Some(fs.op_count() + stop),
                    ..FaultPlan::default()
                });
                if let Ok((db, _)) = start(&fs) {
                    drop(db);
                }
                let after = fs.crash(mode);
                if let Some(bytes) = after.peek(&hba) {
                    assert_eq!(
                        bytes,
                        DEFAULT_RULES.as_bytes(),
                        "stop {stop} {mode:?}: the rule file is torn"
                    );
                }
                let (db, rules) = start(&after)
                    .unwrap_or_else(|e| panic!("stop {stop} {mode:?}: restart failed: {e}"));
                assert_eq!(rules, defaults);
                let role = db.role(BOOTSTRAP_SUPERUSER).expect("superuser");
                assert!(role.superuser, "stop {stop} {mode:?}");
            }
        }
    }

    /// What the first start created and what was committed after it survive a power loss
    /// (the data directory's own entry is synced into its parent).
    #[test]
    fn a_completed_first_start_survives_power_loss() {
        for seed in 0..32 {
            let fs = machine(seed);
            let (db, _) = start(&fs).unwrap();
            db.session()
                .execute("CREATE TABLE kept (a int); INSERT INTO kept VALUES (7)")
                .unwrap();
            let after = fs.crash(CrashMode::PowerLoss);
            drop(db);
            let (db, _) = start(&after).unwrap();
            let rows = db.session().query("SELECT a FROM kept", &[]).unwrap();
            assert_eq!(rows.rows.len(), 1, "seed {seed}");
        }
    }

    #[test]
    fn a_rule_file_without_entries_is_refused_naming_it() {
        let fs = machine(1);
        let c = config();
        drop(start(&fs).unwrap());
        let hba = c.hba_path();
        vfs::replace_file(&fs, &hba, b"# every rule commented out\n\n").unwrap();
        let err = load_rules(&fs, &c).unwrap_err();
        assert!(matches!(err, ServerError::HbaEmpty { .. }));
        assert_eq!(
            err.to_string(),
            "configuration file \"/srv/data/pg_hba.conf\" contains no entries"
        );
    }

    #[test]
    fn a_configured_rule_file_must_exist() {
        let fs = machine(2);
        let mut c = config();
        c.hba_file = Some(PathBuf::from("/srv/hba.conf"));
        drop(open_database(Arc::new(fs.clone()), &c.data_dir, quiet(), c.buffer_pages()).unwrap());
        let err = load_rules(&fs, &c).unwrap_err();
        assert!(matches!(err, ServerError::HbaRead { .. }), "{err}");
        assert!(!fs.exists(Path::new("/srv/hba.conf")).unwrap());
    }
}
