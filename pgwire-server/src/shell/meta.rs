//! The shell's backslash commands: psql's list commands (run as the catalog queries psql 15
//! sends, printed with psql's titles), display and timing toggles, `\i FILE`, `\?` and `\q`.

use super::{print, Shell, Source, Stop};
use engine::StatementResult;

/// `\d`: the query psql 15 sends.
const D: &str = r#"SELECT n.nspname as "Schema",
  c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type",
  pg_catalog.pg_get_userbyid(c.relowner) as "Owner"
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
WHERE c.relkind IN ('r','p','v','m','S','f','')
      AND n.nspname <> 'pg_catalog'
      AND n.nspname !~ '^pg_toast'
      AND n.nspname <> 'information_schema'
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 1,2;"#;

/// `\dt`: the query psql 15 sends.
const DT: &str = r#"SELECT n.nspname as "Schema",
  c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type",
  pg_catalog.pg_get_userbyid(c.relowner) as "Owner"
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
WHERE c.relkind IN ('r','p','')
      AND n.nspname <> 'pg_catalog'
      AND n.nspname !~ '^pg_toast'
      AND n.nspname <> 'information_schema'
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 1,2;"#;

/// `\di`: the query psql 15 sends.
const DI: &str = r#"SELECT n.nspname as "Schema",
  c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type",
  pg_catalog.pg_get_userbyid(c.relowner) as "Owner",
  c2.relname as "Table"
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
     LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
     LEFT JOIN pg_catalog.pg_class c2 ON i.indrelid = c2.oid
WHERE c.relkind IN ('i','I','')
      AND n.nspname <> 'pg_catalog'
      AND n.nspname !~ '^pg_toast'
      AND n.nspname <> 'information_schema'
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 1,2;"#;

/// `\dv`: the query psql 15 sends.
const DV: &str = r#"SELECT n.nspname as "Schema",
  c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type",
  pg_catalog.pg_get_userbyid(c.relowner) as "Owner"
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v','')
      AND n.nspname <> 'pg_catalog'
      AND n.nspname !~ '^pg_toast'
      AND n.nspname <> 'information_schema'
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 1,2;"#;

/// `\ds`: the query psql 15 sends.
const DS: &str = r#"SELECT n.nspname as "Schema",
  c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type",
  pg_catalog.pg_get_userbyid(c.relowner) as "Owner"
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('S','')
      AND n.nspname <> 'pg_catalog'
      AND n.nspname !~ '^pg_toast'
      AND n.nspname <> 'information_schema'
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 1,2;"#;

/// `\dn`: the query psql 15 sends.
const DN: &str = r#"SELECT n.nspname AS "Name",
  pg_catalog.pg_get_userbyid(n.nspowner) AS "Owner"
FROM pg_catalog.pg_namespace n
WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
ORDER BY 1;"#;

/// `\df`: the query psql 15 sends.
const DF: &str = r#"SELECT n.nspname as "Schema",
  p.proname as "Name",
  pg_catalog.pg_get_function_result(p.oid) as "Result data type",
  pg_catalog.pg_get_function_arguments(p.oid) as "Argument data types",
 CASE p.prokind
  WHEN 'a' THEN 'agg'
  WHEN 'w' THEN 'window'
  WHEN 'p' THEN 'proc'
  ELSE 'func'
 END as "Type"
FROM pg_catalog.pg_proc p
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE pg_catalog.pg_function_is_visible(p.oid)
      AND n.nspname <> 'pg_catalog'
      AND n.nspname <> 'information_schema'
ORDER BY 1, 2, 4;"#;

/// `\dT`: the query psql 15 sends.
const DTYPE: &str = r#"SELECT n.nspname as "Schema",
  pg_catalog.format_type(t.oid, NULL) AS "Name",
  pg_catalog.obj_description(t.oid, 'pg_type') as "Description"
FROM pg_catalog.pg_type t
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE (t.typrelid = 0 OR (SELECT c.relkind = 'c' FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid))
  AND NOT EXISTS(SELECT 1 FROM pg_catalog.pg_type el WHERE el.oid = t.typelem AND el.typarray = t.oid)
      AND n.nspname <> 'pg_catalog'
      AND n.nspname <> 'information_schema'
  AND pg_catalog.pg_type_is_visible(t.oid)
ORDER BY 1, 2;"#;

/// A list command: its query, title, and whether an empty list is reported as psql
/// reports an empty relation list.
struct List {
    query: &'static str,
    title: &'static str,
    relations: bool,
}

fn list(command: &str) -> Option<List> {
    let (query, title, relations) = match command {
        "\\d" => (D, "List of relations", true),
        "\\dt" => (DT, "List of relations", true),
        "\\di" => (DI, "List of relations", true),
        "\\dv" => (DV, "List of relations", true),
        "\\ds" => (DS, "List of relations", true),
        "\\dn" => (DN, "List of schemas", false),
        "\\df" => (DF, "List of functions", false),
        "\\dT" => (DTYPE, "List of data types", false),
        _ => return None,
    };
    Some(List {
        query,
        title,
        relations,
    })
}

const HELP: &str = "\
General
  \\q                     quit the shell
  \\?                     this help
Input
  \\i FILE                run the statements of FILE
Formatting
  \\x [on|off]            toggle expanded output
  \\timing [on|off]       toggle timing of statements
Informational
  \\d                     list tables, views and sequences
  \\dt, \\di, \\dv, \\ds     list tables, indexes, views, sequences
  \\dn                    list schemas
  \\df                    list functions
  \\dT                    list data types
";

/// `on`, `off` or (no argument) the opposite of `current`; None for anything else.
fn toggle(arg: Option<&str>, current: bool) -> Option<bool> {
    match arg.map(str::to_lowercase).as_deref() {
        None => Some(!current),
        Some("on" | "true" | "yes" | "1") => Some(true),
        Some("off" | "false" | "no" | "0") => Some(false),
        Some(_) => None,
    }
}

impl Shell {
    /// Runs the backslash command on `line`.
    pub(super) fn meta(&mut self, line: &str, source: &mut Source) -> Result<(), Stop> {
        let mut words = line.split_whitespace();
        let command = words.next().unwrap_or("");
        let arg = words.next();
        self.failed = false;
        match command {
            "\\q" => return Err(Stop::Quit),
            "\\?" => print!("{HELP}"),
            "\\x" => match toggle(arg, self.expanded) {
                Some(on) => {
                    self.expanded = on;
                    println!("Expanded display is {}.", if on { "on" } else { "off" });
                }
                None => self.meta_error(
                    source,
                    &format!(
                        "unrecognized value \"{}\" for \"\\x\": Boolean expected",
                        arg.unwrap_or("")
                    ),
                ),
            },
            "\\timing" => match toggle(arg, self.timing) {
                Some(on) => {
                    self.timing = on;
                    println!("Timing is {}.", if on { "on" } else { "off" });
                }
                None => self.meta_error(
                    source,
                    &format!(
                        "unrecognized value \"{}\" for \"\\timing\": Boolean expected",
                        arg.unwrap_or("")
                    ),
                ),
            },
            "\\i" => match arg {
                None => self.meta_error(source, "\\i: missing required argument"),
                Some(path) => match std::fs::read_to_string(path) {
                    Ok(text) => {
                        let mut inner = Source::from_text(&text, Some(path.to_owned()));
                        self.run_source(&mut inner, false)?;
                    }
                    Err(e) => self.meta_error(source, &format!("{path}: {e}")),
                },
            },
            _ => match list(command) {
                Some(l) if arg.is_none() => self.list(&l, source),
                Some(_) => self.meta_error(
                    source,
                    &format!("{command} with a pattern is not supported by quill shell"),
                ),
                None => {
                    self.meta_error(source, &format!("invalid command {command}"));
                    if matches!(source, Source::Terminal(_)) {
                        eprintln!("Try \\? for help.");
                    }
                }
            },
        }
        if self.failed && self.on_error_stop {
            return Err(Stop::ErrorStop);
        }
        Ok(())
    }

    /// A message of the shell itself: `quill:FILE:LINE: error: …` when reading a file, as
    /// psql's `pg_log_error`, else the bare message.
    fn meta_error(&mut self, source: &Source, message: &str) {
        self.failed = true;
        let at = source.location();
        if at.is_empty() {
            eprintln!("{message}");
        } else {
            eprintln!("{at}error: {message}");
        }
    }

    fn list(&mut self, l: &List, source: &Source) {
        match self.session.execute(l.query) {
            Ok(mut results) => match results.pop() {
                Some(StatementResult::Rows(rows)) if rows.rows.is_empty() && l.relations => {
                    self.meta_error(source, "Did not find any relations.");
                    // Not a failure for --on-error-stop or the exit status.
                    self.failed = false;
                }
                Some(StatementResult::Rows(rows)) => {
                    let table = print::Table::from_rows(&rows, Some(l.title.to_owned()));
                    self.print_table(&table);
                }
                _ => {}
            },
            Err(e) => {
                self.failed = true;
                eprint!("{}{}", source.location(), super::error_text(&e, l.query));
            }
        }
    }
}
