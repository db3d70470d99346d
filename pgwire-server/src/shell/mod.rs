//! `quill shell`: an interactive SQL shell on an embedded database, as `sqlite3 FILE` is for
//! SQLite and psql for a server. It reads statements (ended by `;`, over as many lines as
//! they take) from the terminal with line editing and history, from `-c` commands, from a
//! `-f` file or from standard input; prints results as psql does (aligned or, after `\x`,
//! expanded), command tags, notices and errors (`ERROR:  …` with DETAIL, HINT and the
//! position's `LINE n:` and caret); and knows psql's list meta-commands (`\d`, `\dt`, `\di`,
//! `\dv`, `\ds`, `\dn`, `\df`, `\dT`, through the catalog queries psql 15 sends), `\x`,
//! `\timing`, `\i FILE`, `\?` and `\q`.
//!
//! Exit status as psql's: 0 when everything ran; 1 when the last `-c` command failed or a
//! file could not be read; 2 when the database could not be opened; 3 when a statement failed
//! under `--on-error-stop`.

mod lex;
mod meta;
mod print;

use engine::copy::CopyOutData;
use engine::{Database, EngineError, Session, StatementResult, TransactionStatus};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// What `quill shell` was asked to do.
pub struct ShellArgs {
    pub data_dir: PathBuf,
    /// `-c SQL` and `-f FILE` in the order given, run in turn (then the shell exits); none:
    /// the terminal or standard input.
    pub actions: Vec<Action>,
    pub on_error_stop: bool,
}

/// One `-c` or `-f` of the command line.
pub enum Action {
    Command(String),
    File(PathBuf),
}

/// Where input lines come from.
enum Source {
    /// A file or standard input read to the end; `name` labels errors as psql's
    /// `psql:NAME:LINE:` does (`None` for standard input).
    Lines {
        lines: Vec<String>,
        next: usize,
        name: Option<String>,
    },
    /// The terminal, with line editing and history.
    Terminal(Box<rustyline::DefaultEditor>),
}

impl Source {
    fn from_text(text: &str, name: Option<String>) -> Source {
        Source::Lines {
            lines: text.lines().map(str::to_owned).collect(),
            next: 0,
            name,
        }
    }

    fn line(&mut self, prompt: &str) -> Option<String> {
        match self {
            Source::Lines { lines, next, .. } => {
                let l = lines.get(*next).cloned();
                *next += 1;
                l
            }
            Source::Terminal(editor) => loop {
                match editor.readline(prompt) {
                    Ok(l) => {
                        if !l.trim().is_empty() {
                            let _ = editor.add_history_entry(l.as_str());
                        }
                        return Some(l);
                    }
                    // Ctrl-C drops the line being typed, as psql.
                    Err(rustyline::error::ReadlineError::Interrupted) => continue,
                    Err(_) => return None,
                }
            },
        }
    }

    /// The `psql:FILE:LINE: ` prefix of a message about the statement read last.
    fn location(&self) -> String {
        match self {
            Source::Lines {
                name: Some(name),
                next,
                ..
            } => format!("quill:{name}:{next}: "),
            _ => String::new(),
        }
    }
}

/// The shell's state.
struct Shell {
    session: Session,
    expanded: bool,
    timing: bool,
    on_error_stop: bool,
    /// The last statement or meta-command failed.
    failed: bool,
}

/// Stops the run: a statement failed under `--on-error-stop`, or `\q`.
enum Stop {
    Quit,
    ErrorStop,
}

/// Runs the shell; the process's exit status.
pub fn run(args: &ShellArgs) -> ExitCode {
    let db = match Database::open(&args.data_dir) {
        Ok(db) => db,
        Err(e) => {
            eprintln!(
                "quill: error: could not open database directory \"{}\": {e}",
                args.data_dir.display()
            );
            return ExitCode::from(2);
        }
    };
    let mut shell = Shell {
        session: db.session(),
        expanded: false,
        timing: false,
        on_error_stop: args.on_error_stop,
        failed: false,
    };
    let outcome = if !args.actions.is_empty() {
        let mut outcome = Ok(());
        for action in &args.actions {
            outcome = match action {
                Action::Command(c) => shell.run_source(&mut Source::from_text(c, None), true),
                Action::File(file) => match std::fs::read_to_string(file) {
                    Ok(text) => shell.run_source(
                        &mut Source::from_text(&text, Some(file.display().to_string())),
                        false,
                    ),
                    Err(e) => {
                        eprintln!("quill: error: {}: {e}", file.display());
                        return ExitCode::from(1);
                    }
                },
            };
            if outcome.is_err() {
                break;
            }
        }
        outcome
    } else if std::io::stdin().is_terminal() {
        match rustyline::DefaultEditor::new() {
            Ok(editor) => {
                println!(
                    "quill shell on {} (type \\? for help, \\q to quit)",
                    args.data_dir.display()
                );
                let mut source = Source::Terminal(Box::new(editor));
                let history = history_file();
                if let (Source::Terminal(ed), Some(h)) = (&mut source, &history) {
                    let _ = ed.load_history(h);
                }
                let outcome = shell.run_source(&mut source, false);
                if let (Source::Terminal(ed), Some(h)) = (&mut source, &history) {
                    let _ = ed.save_history(h);
                }
                outcome
            }
            Err(e) => {
                eprintln!("quill: error: cannot read the terminal: {e}");
                return ExitCode::from(1);
            }
        }
    } else {
        let mut text = String::new();
        for line in std::io::stdin().lock().lines() {
            match line {
                Ok(l) => {
                    text.push_str(&l);
                    text.push('\n');
                }
                Err(e) => {
                    eprintln!("quill: error: reading standard input: {e}");
                    return ExitCode::from(1);
                }
            }
        }
        shell.run_source(&mut Source::from_text(&text, None), false)
    };
    match outcome {
        Err(Stop::ErrorStop) => ExitCode::from(3),
        // As psql: a failed last -c command is status 1 (a failed statement of a file is not).
        Ok(()) | Err(Stop::Quit)
            if matches!(args.actions.last(), Some(Action::Command(_))) && shell.failed =>
        {
            ExitCode::from(1)
        }
        _ => ExitCode::SUCCESS,
    }
}

/// `~/.quill_history`, where the terminal's history is kept.
fn history_file() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| Path::new(&h).join(".quill_history"))
}

impl Shell {
    fn prompt(&self, continuing: bool) -> String {
        let state = match self.session.transaction_status() {
            TransactionStatus::Idle => '=',
            TransactionStatus::InBlock => '*',
            TransactionStatus::Failed => '!',
        };
        if continuing {
            "quill-> ".to_owned()
        } else if state == '=' {
            "quill=> ".to_owned()
        } else {
            format!("quill={state}> ")
        }
    }

    /// Reads and runs everything `source` holds. `single` is a `-c` command: its text is
    /// one query even without a final `;`.
    fn run_source(&mut self, source: &mut Source, single: bool) -> Result<(), Stop> {
        let mut buffer = String::new();
        while let Some(line) = source.line(&self.prompt(!buffer.trim().is_empty())) {
            if buffer.trim().is_empty() && line.trim_start().starts_with('\\') {
                self.meta(line.trim(), source)?;
                continue;
            }
            buffer.push_str(&line);
            buffer.push('\n');
            let (stmts, rest) = lex::split(&buffer);
            let stmts: Vec<String> = stmts.into_iter().map(str::to_owned).collect();
            let rest = rest.to_owned();
            for stmt in stmts {
                self.statement(&stmt, source)?;
            }
            buffer = rest;
        }
        if (single || !matches!(source, Source::Terminal(_))) && lex::has_content(&buffer) {
            // psql runs what is left at the end of a file or a -c command.
            self.statement(&buffer, source)?;
        }
        Ok(())
    }

    /// Runs one statement and prints what it gave.
    fn statement(&mut self, sql: &str, source: &mut Source) -> Result<(), Stop> {
        // psql sends a statement from its first non-blank character.
        let sql = sql.trim();
        let started = Instant::now();
        let result = self.session.execute_script(sql);
        let elapsed = started.elapsed();
        let mut failed = None;
        match result {
            Err(e) => failed = Some(e),
            Ok(script) => {
                for step in script.steps {
                    for n in step.notices {
                        let mut text = format!("{}:  {}\n", n.severity.as_str(), n.message);
                        if let Some(d) = &n.detail {
                            text.push_str(&format!("DETAIL:  {d}\n"));
                        }
                        if let Some(h) = &n.hint {
                            text.push_str(&format!("HINT:  {h}\n"));
                        }
                        eprint!("{}{text}", source.location());
                    }
                    match step.result {
                        engine::ScriptResult::Ran(Ok(r)) => self.show(r, source),
                        engine::ScriptResult::Ran(Err(e)) => failed = Some(e),
                    }
                }
            }
        }
        if self.timing {
            println!("Time: {:.3} ms", elapsed.as_secs_f64() * 1000.0);
        }
        self.failed = failed.is_some();
        if let Some(e) = failed {
            eprint!("{}{}", source.location(), error_text(&e, sql));
            if self.on_error_stop {
                return Err(Stop::ErrorStop);
            }
        }
        Ok(())
    }

    fn show(&mut self, result: StatementResult, source: &mut Source) {
        match result {
            StatementResult::Rows(rows) => {
                let table = print::Table::from_rows(&rows, None);
                self.print_table(&table);
            }
            StatementResult::Command(tag) => println!("{tag}"),
            StatementResult::CopyOut(data) => print_copy_out(&data),
            StatementResult::CopyIn(_) => self.copy_in(source),
        }
    }

    fn print_table(&self, table: &print::Table) {
        let text = if self.expanded {
            print::expanded(table)
        } else {
            print::aligned(table)
        };
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.write_all(b"\n");
    }

    /// COPY … FROM STDIN: the data lines that follow, up to `\.` or the end of input.
    fn copy_in(&mut self, source: &mut Source) {
        if matches!(source, Source::Terminal(_)) {
            println!("Enter data to be copied followed by a newline.");
            println!("End with a backslash and a period on a line by itself, or an EOF signal.");
        }
        let mut data = String::new();
        while let Some(line) = source.line(">> ") {
            if line == "\\." {
                break;
            }
            data.push_str(&line);
            data.push('\n');
        }
        let fed = self.session.copy_data(data.as_bytes());
        let done = fed.and_then(|()| self.session.copy_done());
        match done {
            Ok(n) => println!("COPY {n}"),
            Err(e) => {
                self.failed = true;
                eprint!("{}{}", source.location(), error_text(&e, ""));
            }
        }
    }
}

fn print_copy_out(data: &CopyOutData) {
    let mut out = std::io::stdout().lock();
    // psql prints the data only, not the COPY tag.
    for line in &data.lines {
        let _ = out.write_all(line);
    }
}

/// An error as psql prints it: `ERROR:  message`, then DETAIL, HINT and, when the error
/// has a position in `sql`, the `LINE n:` line with a caret under the position.
fn error_text(e: &EngineError, sql: &str) -> String {
    let mut text = format!("ERROR:  {e}\n");
    if let Some(d) = e.detail() {
        text.push_str(&format!("DETAIL:  {d}\n"));
    }
    if let Some(h) = e.hint() {
        text.push_str(&format!("HINT:  {h}\n"));
    }
    if let Some(p) = e.position() {
        text.push_str(&position_lines(sql, p as usize));
    }
    text
}

/// psql's `reportErrorPosition`: the line holding character `position` (1-based) of
/// `sql`, cut to about 60 columns around it, and a caret under it.
fn position_lines(sql: &str, position: usize) -> String {
    const DISPLAY_SIZE: usize = 60;
    const MIN_RIGHT_CUT: usize = 10;
    let chars: Vec<char> = sql.chars().collect();
    let loc = position.saturating_sub(1).min(chars.len());
    let line_start = chars[..loc]
        .iter()
        .rposition(|&c| c == '\n')
        .map_or(0, |i| i + 1);
    let line_no = chars[..loc].iter().filter(|&&c| c == '\n').count() + 1;
    let line_end = chars[loc..]
        .iter()
        .position(|&c| c == '\n')
        .map_or(chars.len(), |i| loc + i);
    let line: Vec<char> = chars[line_start..line_end]
        .iter()
        .map(|&c| if c == '\t' { ' ' } else { c })
        .collect();
    let loc = loc - line_start;
    let (mut beg, mut end) = (0usize, line.len());
    let (mut beg_cut, mut end_cut) = (false, false);
    if end > DISPLAY_SIZE {
        if loc + MIN_RIGHT_CUT <= DISPLAY_SIZE {
            end = DISPLAY_SIZE;
            end_cut = true;
        } else {
            while loc + MIN_RIGHT_CUT < end {
                end -= 1;
                end_cut = true;
            }
            while end - beg > DISPLAY_SIZE {
                beg += 1;
                beg_cut = true;
            }
        }
    }
    let prefix = format!("LINE {line_no}: ");
    let shown: String = line[beg..end].iter().collect();
    let mut out = format!(
        "{prefix}{}{shown}{}\n",
        if beg_cut { "..." } else { "" },
        if end_cut { "..." } else { "" }
    );
    let caret_at = prefix.chars().count() + if beg_cut { 3 } else { 0 } + loc - beg;
    out.push_str(&" ".repeat(caret_at));
    out.push_str("^\n");
    out
}
