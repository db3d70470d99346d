//! The `quill` command: `serve` runs the PostgreSQL-protocol server over a data directory;
//! `shell` is an interactive SQL shell on a data directory (see `shell`); `demo` opens (or creates and recovers) a data directory, runs SQL transactions in it, and
//! reports what recovery and the log did.

mod shell;

use engine::{Database, Value};
use pgwire_server::{Server, ServerConfig};
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const HELP: &str = "\
quill — a PostgreSQL-compatible SQL engine

USAGE:
    quill serve --data-dir DIR [--listen ADDR] [--socket-dir DIR] [--max-connections N]
                [--config FILE]
    quill shell [DIR] [-c SQL | -f FILE]... [--on-error-stop]
    quill demo [--data-dir DIR] [--rows N]
    quill --help

COMMANDS:
    serve   Serves the database in DIR over PostgreSQL's wire protocol (protocol 3.0; psql,
            pgbench and PostgreSQL drivers connect as to PostgreSQL 15). DIR is created on
            first start with the superuser role postgres, the database postgres, and
            DIR/pg_hba.conf trusting local and loopback connections (as initdb does); it is
            recovered on every start. With --socket-dir it also listens on the Unix-domain
            socket SOCKDIR/.s.PGSQL.<port> (psql -h SOCKDIR -p PORT; pg_hba.conf `local`
            lines apply to it), replacing a stale socket file and removing its own at exit.
            Roles: CREATE ROLE/USER ... PASSWORD, ALTER ROLE, DROP ROLE; a role's CONNECTION
            LIMIT refuses its further logins with 53300 (superusers are exempt).
            Authentication per pg_hba.conf rules: trust, reject, password, md5,
            scram-sha-256. TLS when ssl_cert_file and ssl_key_file are configured. Stops
            cleanly on SIGINT or SIGTERM: running statements are cancelled, open
            transactions rolled back and the database checkpointed.
    shell   An interactive SQL shell on the database in DIR (default: ./quill-data; created
            if missing, recovered after a crash), as psql is for a server: statements end
            with `;` and may span lines; line editing and history (~/.quill_history);
            results printed as psql prints them; \\x (expanded output), \\timing, \\i FILE,
            \\d, \\dt, \\di, \\dv, \\ds, \\dn, \\df, \\dT (psql's lists), \\? and \\q. With -c or -f
            (or input that is not a terminal) it runs the statements and exits: status 0,
            1 when the last -c command failed, 2 when DIR cannot be opened, 3 when a
            statement failed under --on-error-stop. The database must not be served by
            `quill serve` at the same time.
    demo    Opens DIR (created if missing; recovered after a crash), creates the table
            quill_demo if missing, commits N rows into it in transactions of 100, rolls one
            transaction back, checks every page, closes with a checkpoint, then reopens DIR
            and counts the rows with a SELECT. Run it twice: the second run finds the first
            run's rows. `quill serve` can serve DIR afterwards.

OPTIONS:
    --data-dir DIR         data directory (required for serve; demo default: ./quill-data)
    --listen ADDR          serve: address and port to listen on (default: 127.0.0.1:5432)
    --socket-dir DIR       serve: also listen on the Unix socket DIR/.s.PGSQL.<port of --listen>
    --max-connections N    serve: sessions at once; more get 53300 (default: 100)
    --config FILE          serve: configuration file (below); flags override it
    --rows N               demo: rows to insert (default: 10000)
    -c SQL                 shell: run SQL (statements and backslash commands)
    -f FILE                shell: run the statements of FILE; -c and -f run in the order
                           given, then the shell exits
    --on-error-stop        shell: stop at the first failed statement (exit status 3)
    -h, --help             print this help

CONFIGURATION FILE (key = value lines as in postgresql.conf; # comments; 'quoted' values):
    listen = '127.0.0.1:5432'        address and port
    max_connections = 100            sessions at once
    authentication_timeout = 60s     time to complete startup and authentication
    max_message_size = 16MB          largest Query/Parse/Bind/CopyData message
    hba_file = 'FILE'                authentication rules (default: DIR/pg_hba.conf)
    ssl_cert_file = 'FILE'           TLS certificate chain (PEM)
    ssl_key_file = 'FILE'            TLS private key (PEM)
    log_level = info                 error, warn, info, debug, trace or a tracing filter
    socket_dir = '/tmp'              Unix socket directory (unix_socket_directories works too)
    statement_timeout = 0            sessions' initial statement_timeout (ms, or with a unit:
                                     250ms, 2s, 1min); 0 = none. SET and the client's startup
                                     options (PGOPTIONS='-c statement_timeout=5s') override it
    autovacuum = on                  vacuum tables with many deleted or updated rows in the
                                     background (PostgreSQL's autovacuum)
    autovacuum_naptime = 1s          sleep between autovacuum rounds
    autovacuum_vacuum_threshold = 50 deletes that make a table due, plus
    autovacuum_vacuum_scale_factor = 0.2   this fraction of its rows at the last vacuum

AUTHENTICATION RULES (pg_hba.conf format; the first matching line decides):
    TYPE(local|host|hostssl|hostnossl) DATABASE USER [ADDRESS] METHOD
    e.g. host all all 0.0.0.0/0 scram-sha-256

ENVIRONMENT:
    RUST_LOG               serve: log filter, overriding log_level (e.g. pgwire_server=debug)
";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    Serve,
    Demo,
    Shell,
}

impl Command {
    fn name(self) -> &'static str {
        match self {
            Command::Serve => "serve",
            Command::Demo => "demo",
            Command::Shell => "shell",
        }
    }
}

struct Args {
    command: Command,
    data_dir: Option<PathBuf>,
    listen: Option<SocketAddr>,
    socket_dir: Option<PathBuf>,
    max_connections: Option<usize>,
    config: Option<PathBuf>,
    rows: u64,
    /// shell: `-c` commands and `-f` files in order, `--on-error-stop`.
    actions: Vec<shell::Action>,
    on_error_stop: bool,
}

fn parse(mut argv: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let command = match argv.next().as_deref() {
        None | Some("-h") | Some("--help") => return Ok(None),
        Some("demo") => Command::Demo,
        Some("serve") => Command::Serve,
        Some("shell") => Command::Shell,
        Some(other) => return Err(format!("unknown command '{other}'")),
    };
    let mut args = Args {
        command,
        data_dir: None,
        listen: None,
        socket_dir: None,
        max_connections: None,
        config: None,
        rows: 10_000,
        actions: Vec::new(),
        on_error_stop: false,
    };
    while let Some(flag) = argv.next() {
        match flag.as_str() {
            "--data-dir" => {
                args.data_dir = Some(argv.next().ok_or("--data-dir needs a value")?.into());
            }
            "--listen" if command == Command::Serve => {
                let v = argv.next().ok_or("--listen needs a value")?;
                args.listen = Some(
                    v.parse()
                        .map_err(|_| format!("--listen: not an address:port: {v}"))?,
                );
            }
            "--socket-dir" if command == Command::Serve => {
                args.socket_dir = Some(argv.next().ok_or("--socket-dir needs a value")?.into());
            }
            "--max-connections" if command == Command::Serve => {
                let v = argv.next().ok_or("--max-connections needs a value")?;
                args.max_connections = Some(
                    v.parse()
                        .ok()
                        .filter(|&n| n >= 1)
                        .ok_or_else(|| format!("--max-connections: not a positive number: {v}"))?,
                );
            }
            "--config" if command == Command::Serve => {
                args.config = Some(argv.next().ok_or("--config needs a value")?.into());
            }
            "--rows" if command == Command::Demo => {
                let v = argv.next().ok_or("--rows needs a value")?;
                args.rows = v
                    .parse()
                    .map_err(|_| format!("--rows: not a number: {v}"))?;
            }
            "-c" if command == Command::Shell => {
                let sql = argv.next().ok_or("-c needs a value")?;
                args.actions.push(shell::Action::Command(sql));
            }
            "-f" if command == Command::Shell => {
                let file = argv.next().ok_or("-f needs a value")?;
                args.actions.push(shell::Action::File(file.into()));
            }
            "--on-error-stop" if command == Command::Shell => args.on_error_stop = true,
            "-h" | "--help" => return Ok(None),
            dir if command == Command::Shell
                && !dir.starts_with('-')
                && args.data_dir.is_none() =>
            {
                args.data_dir = Some(dir.into());
            }
            other => {
                return Err(format!(
                    "unknown option '{other}' for quill {}",
                    command.name()
                ))
            }
        }
    }
    if command == Command::Serve && args.data_dir.is_none() {
        return Err("serve needs --data-dir DIR".into());
    }
    Ok(Some(args))
}

/// Listens for SIGINT and SIGTERM from now on, returning what completes on the first of
/// them. The handlers are installed here, before the server says it is ready, so that a
/// signal sent as soon as it is ready stops it cleanly rather than by the default action.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => tracing::info!("received SIGINT"),
            _ = term.recv() => tracing::info!("received SIGTERM"),
        }
    })
}

/// Completes on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("received Ctrl-C");
        } else {
            std::future::pending::<()>().await;
        }
    })
}

/// The configuration: defaults, then the file, then the flags.
fn server_config(args: &Args) -> Result<ServerConfig, Box<dyn std::error::Error>> {
    let mut config = ServerConfig::new(
        args.data_dir.clone().unwrap_or_else(|| "quill-data".into()),
        SocketAddr::from(([127, 0, 0, 1], 5432)),
    );
    if let Some(path) = &args.config {
        config
            .apply_file(path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(n) = args.max_connections {
        config.max_connections = n;
    }
    if let Some(dir) = &args.socket_dir {
        config.socket_dir = Some(dir.clone());
    }
    Ok(config)
}

/// The tracing filter for a log_level: a plain level applies to Quill's own crates (the
/// libraries underneath stay at warn); anything else is a tracing filter as given.
fn log_filter(level: &str) -> String {
    match level {
        "error" | "warn" | "info" | "debug" | "trace" => {
            format!("warn,quill={level},pgwire_server={level},engine={level},storage={level}")
        }
        other => other.to_owned(),
    }
}

fn serve(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let config = server_config(args)?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(log_filter(&config.log_level)))
        .map_err(|e| format!("invalid log_level '{}': {e}", config.log_level))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    // A panic (the protocol decoder's, on some malformed messages) ends only its connection;
    // log it as one line instead of a backtrace.
    std::panic::set_hook(Box::new(|info| tracing::error!("panic: {info}")));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let shutdown = shutdown_signal()?;
        let server = Server::bind(config).await?;
        tracing::info!(
            "quill {} (PostgreSQL {}) ready on {}",
            env!("CARGO_PKG_VERSION"),
            pgwire_server::SERVER_VERSION,
            server.local_addr()
        );
        if let Some(path) = server.socket_path() {
            tracing::info!("listening on Unix socket {}", path.display());
        }
        server.run(shutdown).await?;
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}

/// The number `sql` (one row, one column) returns.
fn count(s: &mut engine::Session, sql: &str) -> Result<i64, engine::EngineError> {
    s.query(sql, &[])?.get::<i64>(0, 0)
}

fn demo(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("quill-data"));
    let started = Instant::now();
    let db = Database::open(&data_dir)?;
    let opened = db.stats();
    println!(
        "opened {} in {:.1?}: {} log records scanned, {} redone, {} unfinished transactions \
         rolled back",
        data_dir.display(),
        started.elapsed(),
        opened.records_scanned,
        opened.records_redone,
        opened.losers_rolled_back
    );
    let mut s = db.session();
    s.execute("CREATE TABLE IF NOT EXISTS quill_demo (id bigint PRIMARY KEY, note text NOT NULL)")?;
    let before = count(&mut s, "SELECT count(*) FROM quill_demo")?;
    let first = count(&mut s, "SELECT coalesce(max(id), 0) + 1 FROM quill_demo")?;
    let insert = s.prepare("INSERT INTO quill_demo VALUES ($1, $2)", &[])?;
    let started = Instant::now();
    let syncs_before = db.stats().log_syncs;
    let mut done: u64 = 0;
    let mut transactions = 0;
    while done < args.rows {
        s.execute("BEGIN")?;
        for _ in 0..100.min(args.rows - done) {
            let id = first.saturating_add(i64::try_from(done)?);
            let note = format!("row {id} of a demo run");
            s.execute_prepared(&insert, &[Value::Int8(id), Value::Text(note)])?;
            done += 1;
        }
        s.execute("COMMIT")?;
        transactions += 1;
    }
    let elapsed = started.elapsed();
    let syncs = db.stats().log_syncs - syncs_before;
    s.execute("BEGIN")?;
    s.execute("INSERT INTO quill_demo VALUES (0, 'this row is rolled back')")?;
    s.execute("ROLLBACK")?;
    let after = count(&mut s, "SELECT count(*) FROM quill_demo")?;
    println!(
        "inserted {done} rows in {transactions} transactions in {elapsed:.1?} ({syncs} log \
         syncs); rolled one back; quill_demo had {before} rows, now {after}"
    );
    let integrity = db.check_integrity()?;
    println!(
        "integrity: {} files, {} pages, {} tuples, all checksums valid",
        integrity.files, integrity.pages, integrity.tuples
    );
    db.checkpoint()?;
    drop(s);
    drop(db);
    println!("closed cleanly (checkpoint written)");

    let started = Instant::now();
    let db = Database::open(&data_dir)?;
    let reopened = db.stats();
    let recovered = count(&mut db.session(), "SELECT count(*) FROM quill_demo")?;
    println!(
        "reopened in {:.1?} ({} log records scanned, {} redone): SELECT count(*) FROM \
         quill_demo = {recovered}",
        started.elapsed(),
        reopened.records_scanned,
        reopened.records_redone
    );
    Ok(())
}

fn main() -> ExitCode {
    let mut args = match parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("quill: {e}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    let outcome = match args.command {
        Command::Serve => serve(&args),
        Command::Demo => demo(&args),
        Command::Shell => {
            return shell::run(&shell::ShellArgs {
                data_dir: args
                    .data_dir
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("quill-data")),
                actions: std::mem::take(&mut args.actions),
                on_error_stop: args.on_error_stop,
            })
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quill: {e}");
            ExitCode::FAILURE
        }
    }
}
