//! Scripts: a text of `;`-separated statements, parsed as a whole first (a syntax error anywhere
//! runs nothing, as in PostgreSQL's simple query protocol) and then run statement by statement,
//! each result reported with the statement's byte offset in the text and the notices it
//! raised. Error positions count characters from the start of the whole text.

use super::{Session, StatementResult};
use crate::error::Result;
use crate::notice::Notice;
use crate::sql;

/// What one statement of a script did.
#[derive(Debug)]
pub enum ScriptResult {
    /// It ran, with this result or error.
    Ran(Result<StatementResult>),
}

/// One statement of a script as run.
#[derive(Debug)]
pub struct ScriptStep {
    /// Byte offset of the statement's first token in the text.
    pub offset: usize,
    /// The notices it raised (sent before its result).
    pub notices: Vec<Notice>,
    pub result: ScriptResult,
}

/// The statements of a script that ran, in order. Running stops after the first error or a
/// COPY FROM STDIN (which waits for its data).
#[derive(Debug, Default)]
pub struct Script {
    pub steps: Vec<ScriptStep>,
    /// When running stopped at a COPY FROM STDIN with statements after it:
    /// the byte offset of the next one, to run with [`Session::execute_script_from`].
    pub rest: Option<usize>,
}

impl Session {
    /// Runs the statements of `sql` in order (see [`Script`] for where it stops). No
    /// statement at all (only blanks, comments and `;`) gives no steps; a syntax error
    /// anywhere is the `Err`, with nothing run.
    pub fn execute_script(&mut self, sql: &str) -> Result<Script> {
        self.execute_script_from(sql, 0)
    }

    /// [`Session::execute_script`] for the statements of `sql` that start at byte `from` or
    /// later (the [`Script::rest`] of an earlier run of the same text), error positions
    /// still counting from the start of `sql`.
    pub fn execute_script_from(&mut self, sql: &str, from: usize) -> Result<Script> {
        self.notices.clear();
        self.end_copy_if_any()?;
        let mut stmts = sql::parse_script(sql)?
            .into_iter()
            .filter(|s| s.offset >= from)
            .peekable();
        let mut script = Script::default();
        while let Some(s) = stmts.next() {
            let res = self
                .run(&s.stmt, &[], sql.get(s.offset..s.end))
                .map_err(|e| e.resolve_position(sql));
            let stop = matches!(res, Err(_) | Ok(StatementResult::CopyIn(_)));
            let result = ScriptResult::Ran(res);
            let failed = matches!(result, ScriptResult::Ran(Err(_)));
            script.steps.push(ScriptStep {
                offset: s.offset,
                notices: std::mem::take(&mut self.notices),
                result,
            });
            if stop {
                if !failed {
                    script.rest = stmts.peek().map(|n| n.offset);
                }
                break;
            }
        }
        // The results are formatted in the zone in force after the statements.
        self.install_session_time();
        Ok(script)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Database;

    fn session() -> (tempfile::TempDir, Session) {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(dir.path()).unwrap();
        let s = db.session();
        (dir, s)
    }

    #[test]
    fn steps_carry_byte_offsets_and_stop_at_the_first_error() {
        let (_dir, mut s) = session();
        let sql = "SELECT 'é';\n  CREATE TABLE t (a int) ; SELECT nosuch FROM t; SELECT 1";
        let script = s.execute_script(sql).unwrap();
        let offsets: Vec<usize> = script.steps.iter().map(|st| st.offset).collect();
        assert_eq!(offsets, vec![0, 15, 40]);
        assert_eq!(&sql[40..53], "SELECT nosuch");
        let ScriptResult::Ran(Err(e)) = &script.steps[2].result else {
            panic!("the third statement fails: {:?}", script.steps[2].result);
        };
        // `nosuch` is character 47 of the whole text (byte 47, but é is two bytes).
        assert_eq!(e.position(), Some(47));
        assert_eq!(script.rest, None);
    }

    #[test]
    fn blank_scripts_have_no_steps_and_syntax_errors_run_nothing() {
        let (_dir, mut s) = session();
        assert!(s
            .execute_script(" ; -- nothing\n;")
            .unwrap()
            .steps
            .is_empty());
        let e = s
            .execute_script("CREATE TABLE u (a int); SELEC 1")
            .unwrap_err();
        assert_eq!(e.position(), Some(25));
        assert!(s.execute("SELECT * FROM u").is_err(), "nothing ran");
    }

    #[test]
    fn copy_from_stdin_stops_the_script_with_the_rest() {
        let (_dir, mut s) = session();
        s.execute("CREATE TABLE t (a int)").unwrap();
        let sql = "COPY t FROM STDIN; SELECT 1; DEALLOCATE ALL; SELECT 2";
        let script = s.execute_script(sql).unwrap();
        assert_eq!(script.steps.len(), 1);
        assert!(matches!(
            script.steps[0].result,
            ScriptResult::Ran(Ok(StatementResult::CopyIn(_)))
        ));
        assert_eq!(script.rest, Some(19));
        s.copy_data(b"1\n").unwrap();
        assert_eq!(s.copy_done().unwrap(), 1);
        let script = s.execute_script_from(sql, 19).unwrap();
        assert_eq!(script.steps.len(), 3);
        assert!(matches!(
            &script.steps[1].result,
            ScriptResult::Ran(Ok(StatementResult::Command(tag))) if tag == "DEALLOCATE ALL"
        ));
        assert_eq!(script.rest, None);
    }

    #[test]
    fn blank_texts_and_parameter_numbers_follow_the_lexer() {
        assert!(sql::is_blank(""));
        assert!(sql::is_blank(
            " ; ;; -- only a comment\n/* and /* nested */ */"
        ));
        assert!(!sql::is_blank(";select 1;;"));
        assert!(
            !sql::is_blank("select ';"),
            "unterminated: the parser reports it"
        );
        let text = "select $1, '$2', \"$3\", $10 -- $4\n, a$5, $$ $6 $$, E'\\' $7'";
        assert_eq!(sql::max_param(text), 10);
        assert_eq!(sql::max_param("select 1"), 0);
    }
}
