//! The isolation-test spec format of PostgreSQL's `isolationtester`
//! (`src/test/isolation/specs/*.spec`): its scanner, grammar and post-parse checks.
//!
//! ```text
//! setup { SQL }            zero or more, run in order on the control connection
//! teardown { SQL }         optional
//! session NAME             one or more
//!   setup { SQL }          optional, run in the session before each permutation
//!   step NAME { SQL }      one or more
//!   teardown { SQL }       optional
//! permutation STEP ...     zero or more; none means every interleaving of the sessions' steps
//! ```
//!
//! Names are plain identifiers (`[A-Za-z_\x80-\xff][A-Za-z0-9_$\x80-\xff]*`) or quoted
//! (`"s 1"`, `""` for a quote). `#` starts a comment running to the end of the line. An SQL
//! block runs from `{` to the first `}`; spaces, tabs, `\r` and `\f` right after `{` and right
//! before `}` are dropped, newlines are kept (isolationtester prints the text as kept).
//!
//! A permutation step may carry blocker annotations, `step(*)`, `step(other)`,
//! `step(other notices N)`, comma-separated inside the parentheses: `*` reports the step as
//! waiting once even if it completes at once; `other` holds its completion back while the
//! step `other` (of another session, named in the same permutation) is running; `other
//! notices N` holds it back until N more notices arrived from `other`'s session.

use std::collections::{HashMap, HashSet};

/// A parsed and checked spec.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    pub setup: Vec<String>,
    pub teardown: Option<String>,
    pub sessions: Vec<SessionSpec>,
    /// The listed permutations (empty: run [`Spec::all_permutations`]).
    pub permutations: Vec<Permutation>,
}

/// One `session` part.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionSpec {
    pub name: String,
    pub setup: Option<String>,
    pub steps: Vec<Step>,
    pub teardown: Option<String>,
}

/// One `step NAME { SQL }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub name: String,
    pub sql: String,
}

/// One `permutation` line.
#[derive(Clone, Debug, PartialEq)]
pub struct Permutation {
    pub steps: Vec<PermutationStep>,
}

/// A step as a permutation names it, with its blocker annotations.
#[derive(Clone, Debug, PartialEq)]
pub struct PermutationStep {
    pub name: String,
    pub blockers: Vec<Blocker>,
}

/// A blocker annotation of a permutation step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Blocker {
    /// `(*)`: report the step as waiting once, even if it completes at once.
    Once,
    /// `(other)`: do not report the step complete while step `other` is running.
    OtherStep(String),
    /// `(other notices N)`: do not report it complete before `N` notices arrived from the
    /// session of `other` since the step was sent.
    Notices(String, u32),
}

/// Why a spec could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("syntax error at line {line}: {message}")]
    Syntax { line: usize, message: String },
    #[error("duplicate step name: {0}")]
    DuplicateStep(String),
    #[error("undefined step \"{0}\" specified in permutation")]
    UndefinedStep(String),
    #[error("undefined blocking step \"{blocker}\" referenced in permutation step \"{step}\"")]
    UndefinedBlocker { blocker: String, step: String },
    #[error("permutation step \"{0}\" cannot block on its own session")]
    BlocksOnOwnSession(String),
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Keyword(Keyword),
    Ident(String),
    Sql(String),
    Integer(u32),
    Punct(char),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keyword {
    Notices,
    Permutation,
    Session,
    Setup,
    Step,
    Teardown,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\u{c}')
}

fn ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || !c.is_ascii()
}

fn ident_cont(c: char) -> bool {
    ident_start(c) || c.is_ascii_digit() || c == '$'
}

/// Splits `text` into tokens, each with the line it starts on.
fn scan(text: &str) -> Result<Vec<(usize, Token)>, SpecError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let err = |line, message: String| SpecError::Syntax { line, message };
    while i < chars.len() {
        let c = chars[i];
        let start_line = line;
        if c == '\n' {
            line += 1;
            i += 1;
        } else if is_space(c) {
            i += 1;
        } else if c == '#' {
            while i < chars.len() && chars[i] != '\n' && chars[i] != '\r' {
                i += 1;
            }
        } else if ident_start(c) {
            let s = i;
            while i < chars.len() && ident_cont(chars[i]) {
                i += 1;
            }
            let word: String = chars[s..i].iter().collect();
            let token = match word.as_str() {
                "notices" => Token::Keyword(Keyword::Notices),
                "permutation" => Token::Keyword(Keyword::Permutation),
                "session" => Token::Keyword(Keyword::Session),
                "setup" => Token::Keyword(Keyword::Setup),
                "step" => Token::Keyword(Keyword::Step),
                "teardown" => Token::Keyword(Keyword::Teardown),
                _ => Token::Ident(word),
            };
            tokens.push((start_line, token));
        } else if c == '"' {
            let mut name = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(err(line, "unterminated quoted identifier".into())),
                    Some('\n') => {
                        return Err(err(line, "unexpected newline in quoted identifier".into()))
                    }
                    Some('"') if chars.get(i + 1) == Some(&'"') => {
                        name.push('"');
                        i += 2;
                    }
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        name.push(ch);
                        i += 1;
                    }
                }
            }
            tokens.push((start_line, Token::Ident(name)));
        } else if c == '{' {
            i += 1;
            while i < chars.len() && is_space(chars[i]) {
                i += 1;
            }
            let s = i;
            while i < chars.len() && chars[i] != '}' {
                if chars[i] == '\n' {
                    line += 1;
                }
                i += 1;
            }
            if i == chars.len() {
                return Err(err(line, "unterminated sql block".into()));
            }
            let mut e = i;
            while e > s && is_space(chars[e - 1]) {
                e -= 1;
            }
            tokens.push((start_line, Token::Sql(chars[s..e].iter().collect())));
            i += 1;
        } else if c.is_ascii_digit() {
            let s = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let digits: String = chars[s..i].iter().collect();
            let n = digits
                .parse()
                .map_err(|_| err(line, format!("integer {digits} out of range")))?;
            tokens.push((start_line, Token::Integer(n)));
        } else if matches!(c, ',' | '(' | ')' | '*') {
            tokens.push((start_line, Token::Punct(c)));
            i += 1;
        } else {
            return Err(err(line, format!("unexpected character \"{c}\"")));
        }
    }
    Ok(tokens)
}

/// A recursive-descent reader over the tokens, following isolationtester's grammar.
struct Parser {
    tokens: Vec<(usize, Token)>,
    pos: usize,
    last_line: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(_, t)| t)
    }

    fn line(&self) -> usize {
        self.tokens
            .get(self.pos)
            .map(|(l, _)| *l)
            .unwrap_or(self.last_line)
    }

    fn error<T>(&self, what: &str) -> Result<T, SpecError> {
        let found = match self.peek() {
            None => "end of file".to_string(),
            Some(t) => format!("{t:?}"),
        };
        Err(SpecError::Syntax {
            line: self.line(),
            message: format!("expected {what}, found {found}"),
        })
    }

    fn eat_keyword(&mut self, k: Keyword) -> bool {
        if self.peek() == Some(&Token::Keyword(k)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_punct(&mut self, c: char) -> bool {
        if self.peek() == Some(&Token::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn sql(&mut self) -> Result<String, SpecError> {
        match self.peek() {
            Some(Token::Sql(s)) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => self.error("an SQL block"),
        }
    }

    fn ident(&mut self) -> Result<String, SpecError> {
        match self.peek() {
            Some(Token::Ident(s)) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => self.error("a name"),
        }
    }

    fn spec(&mut self) -> Result<Spec, SpecError> {
        let mut setup = Vec::new();
        while self.eat_keyword(Keyword::Setup) {
            setup.push(self.sql()?);
        }
        let teardown = self.optional(Keyword::Teardown)?;
        let mut sessions = Vec::new();
        while self.eat_keyword(Keyword::Session) {
            sessions.push(self.session()?);
        }
        if sessions.is_empty() {
            return self.error("a session");
        }
        let mut permutations = Vec::new();
        while self.eat_keyword(Keyword::Permutation) {
            let mut steps = vec![self.permutation_step()?];
            while matches!(self.peek(), Some(Token::Ident(_))) {
                steps.push(self.permutation_step()?);
            }
            permutations.push(Permutation { steps });
        }
        if self.peek().is_some() {
            return self.error("a permutation or the end of the file");
        }
        Ok(Spec {
            setup,
            teardown,
            sessions,
            permutations,
        })
    }

    fn optional(&mut self, k: Keyword) -> Result<Option<String>, SpecError> {
        if self.eat_keyword(k) {
            Ok(Some(self.sql()?))
        } else {
            Ok(None)
        }
    }

    fn session(&mut self) -> Result<SessionSpec, SpecError> {
        let name = self.ident()?;
        let setup = self.optional(Keyword::Setup)?;
        let mut steps = Vec::new();
        while self.eat_keyword(Keyword::Step) {
            let name = self.ident()?;
            let sql = self.sql()?;
            steps.push(Step { name, sql });
        }
        if steps.is_empty() {
            return self.error("a step");
        }
        let teardown = self.optional(Keyword::Teardown)?;
        Ok(SessionSpec {
            name,
            setup,
            steps,
            teardown,
        })
    }

    fn permutation_step(&mut self) -> Result<PermutationStep, SpecError> {
        let name = self.ident()?;
        let mut blockers = Vec::new();
        if self.eat_punct('(') {
            loop {
                if self.eat_punct('*') {
                    blockers.push(Blocker::Once);
                } else {
                    let other = self.ident()?;
                    if self.eat_keyword(Keyword::Notices) {
                        match self.peek() {
                            Some(Token::Integer(n)) => {
                                let n = *n;
                                self.pos += 1;
                                blockers.push(Blocker::Notices(other, n));
                            }
                            _ => return self.error("a number of notices"),
                        }
                    } else {
                        blockers.push(Blocker::OtherStep(other));
                    }
                }
                if self.eat_punct(')') {
                    break;
                }
                if !self.eat_punct(',') {
                    return self.error("',' or ')'");
                }
            }
        }
        Ok(PermutationStep { name, blockers })
    }
}

/// Reads a spec and checks it as isolationtester does: step names unique across the file,
/// every permutation step defined, every blocker naming a step of another session that the
/// same permutation runs.
pub fn parse(text: &str) -> Result<Spec, SpecError> {
    let tokens = scan(text)?;
    let last_line = text.matches('\n').count() + 1;
    let spec = Parser {
        tokens,
        pos: 0,
        last_line,
    }
    .spec()?;
    spec.check()?;
    Ok(spec)
}

impl Spec {
    /// The session index of every step, by name.
    pub fn step_sessions(&self) -> HashMap<&str, usize> {
        let mut map = HashMap::new();
        for (i, s) in self.sessions.iter().enumerate() {
            for step in &s.steps {
                map.insert(step.name.as_str(), i);
            }
        }
        map
    }

    /// The step named `name` and its session's index.
    pub fn step(&self, name: &str) -> Option<(usize, &Step)> {
        self.sessions.iter().enumerate().find_map(|(i, s)| {
            s.steps
                .iter()
                .find(|step| step.name == name)
                .map(|step| (i, step))
        })
    }

    fn check(&self) -> Result<(), SpecError> {
        let mut seen = HashSet::new();
        for s in &self.sessions {
            for step in &s.steps {
                if !seen.insert(step.name.as_str()) {
                    return Err(SpecError::DuplicateStep(step.name.clone()));
                }
            }
        }
        let sessions = self.step_sessions();
        for p in &self.permutations {
            for ps in &p.steps {
                if !sessions.contains_key(ps.name.as_str()) {
                    return Err(SpecError::UndefinedStep(ps.name.clone()));
                }
            }
            for ps in &p.steps {
                for b in &ps.blockers {
                    let other = match b {
                        Blocker::Once => continue,
                        Blocker::OtherStep(o) | Blocker::Notices(o, _) => o,
                    };
                    if !p.steps.iter().any(|s| &s.name == other) {
                        return Err(SpecError::UndefinedBlocker {
                            blocker: other.clone(),
                            step: ps.name.clone(),
                        });
                    }
                    if sessions.get(other.as_str()) == sessions.get(ps.name.as_str()) {
                        return Err(SpecError::BlocksOnOwnSession(ps.name.clone()));
                    }
                }
            }
        }
        Ok(())
    }

    /// Steps defined but named by no permutation (isolationtester warns about them).
    pub fn unused_steps(&self) -> Vec<&str> {
        if self.permutations.is_empty() {
            return Vec::new();
        }
        let used: HashSet<&str> = self
            .permutations
            .iter()
            .flat_map(|p| p.steps.iter().map(|s| s.name.as_str()))
            .collect();
        let mut unused: Vec<&str> = self
            .sessions
            .iter()
            .flat_map(|s| s.steps.iter().map(|st| st.name.as_str()))
            .filter(|n| !used.contains(n))
            .collect();
        unused.sort_unstable();
        unused
    }

    /// The permutations to run: the listed ones, or else every interleaving of the sessions'
    /// steps that keeps each session's steps in order, in isolationtester's order (at each
    /// position, the earliest session with steps left goes first).
    pub fn permutations_to_run(&self) -> Vec<Permutation> {
        if self.permutations.is_empty() {
            self.all_permutations()
        } else {
            self.permutations.clone()
        }
    }

    /// Every interleaving of the sessions' steps (see [`Spec::permutations_to_run`]).
    pub fn all_permutations(&self) -> Vec<Permutation> {
        fn recurse(
            spec: &Spec,
            piles: &mut [usize],
            current: &mut Vec<PermutationStep>,
            out: &mut Vec<Permutation>,
        ) {
            let mut found = false;
            for i in 0..spec.sessions.len() {
                if piles[i] < spec.sessions[i].steps.len() {
                    current.push(PermutationStep {
                        name: spec.sessions[i].steps[piles[i]].name.clone(),
                        blockers: Vec::new(),
                    });
                    piles[i] += 1;
                    recurse(spec, piles, current, out);
                    piles[i] -= 1;
                    current.pop();
                    found = true;
                }
            }
            if !found {
                out.push(Permutation {
                    steps: current.clone(),
                });
            }
        }
        let mut out = Vec::new();
        let mut piles = vec![0; self.sessions.len()];
        recurse(self, &mut piles, &mut Vec::new(), &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"# a comment
setup
{
  CREATE TABLE t (id int);
}
setup { SELECT 1; }
teardown { DROP TABLE t; }

session s1
setup	{ BEGIN; }
step r1 { SELECT * FROM t; }
step w1	{
   UPDATE t SET id = 2;
}
teardown { COMMIT; }

session "s 2"
step "q""x" { SELECT 2 }   # trailing comment
step c2 { COMMIT; }

permutation r1 "q""x"(*) w1 c2(r1, w1 notices 2)
permutation r1 w1 c2 "q""x"
"#;

    #[test]
    fn reads_every_part() {
        let spec = parse(SAMPLE).expect("parses");
        assert_eq!(
            spec.setup,
            vec![
                "\n  CREATE TABLE t (id int);\n".to_string(),
                "SELECT 1;".into()
            ]
        );
        assert_eq!(spec.teardown.as_deref(), Some("DROP TABLE t;"));
        assert_eq!(spec.sessions.len(), 2);
        let s1 = &spec.sessions[0];
        assert_eq!(s1.name, "s1");
        assert_eq!(s1.setup.as_deref(), Some("BEGIN;"));
        assert_eq!(s1.teardown.as_deref(), Some("COMMIT;"));
        assert_eq!(
            s1.steps,
            vec![
                Step {
                    name: "r1".into(),
                    sql: "SELECT * FROM t;".into()
                },
                Step {
                    name: "w1".into(),
                    sql: "\n   UPDATE t SET id = 2;\n".into()
                },
            ]
        );
        let s2 = &spec.sessions[1];
        assert_eq!(s2.name, "s 2");
        assert_eq!(s2.setup, None);
        assert_eq!(s2.steps[0].name, "q\"x");
        assert_eq!(s2.steps[0].sql, "SELECT 2");
        assert_eq!(spec.permutations.len(), 2);
        let p = &spec.permutations[0].steps;
        assert_eq!(p[1].blockers, vec![Blocker::Once]);
        assert_eq!(
            p[3].blockers,
            vec![
                Blocker::OtherStep("r1".into()),
                Blocker::Notices("w1".into(), 2)
            ]
        );
        assert!(spec.unused_steps().is_empty());
    }

    #[test]
    fn without_permutations_every_interleaving_runs_in_isolationtesters_order() {
        let spec = parse("session a step a1 {A1} step a2 {A2} session b step b1 {B1} step b2 {B2}")
            .expect("parses");
        let names: Vec<String> = spec
            .permutations_to_run()
            .iter()
            .map(|p| {
                p.steps
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        assert_eq!(
            names,
            vec![
                "a1 a2 b1 b2",
                "a1 b1 a2 b2",
                "a1 b1 b2 a2",
                "b1 a1 a2 b2",
                "b1 a1 b2 a2",
                "b1 b2 a1 a2",
            ]
        );
        assert_eq!(
            spec.step("b2").map(|(i, s)| (i, s.sql.as_str())),
            Some((1, "B2"))
        );
    }

    #[test]
    fn keywords_are_not_names_unless_quoted_and_longer_words_are() {
        assert!(parse("session step step x {X}").is_err());
        let spec = parse("session \"step\" step steps {X} permutation steps").expect("parses");
        assert_eq!(spec.sessions[0].name, "step");
        assert_eq!(spec.sessions[0].steps[0].name, "steps");
    }

    #[test]
    fn syntax_errors_name_their_line() {
        let cases = [
            ("session s\nstep a { SELECT 1", 2, "unterminated sql block"),
            (
                "session s\nstep \"a\nb\" {x}",
                2,
                "unexpected newline in quoted identifier",
            ),
            ("session s\n\nstep a {x} ;", 3, "unexpected character \";\""),
            ("setup {x}\n", 2, "expected a session"),
            ("session s step a {x}\npermutation a(", 2, "expected a name"),
            (
                "session s step a {x}\npermutation a(b notices)",
                2,
                "number of notices",
            ),
            (
                "session s step a {x} permutation a b(a x",
                1,
                "expected ',' or ')'",
            ),
            ("session s\nsetup {x}", 2, "expected a step"),
        ];
        for (text, line, needle) in cases {
            match parse(text) {
                Err(SpecError::Syntax { line: l, message }) => {
                    assert_eq!(l, line, "{text:?}: {message}");
                    assert!(message.contains(needle), "{text:?}: {message}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn checks_names_like_isolationtester() {
        assert_eq!(
            parse("session a step x {1} session b step x {2}"),
            Err(SpecError::DuplicateStep("x".into()))
        );
        assert_eq!(
            parse("session a step x {1} permutation x y"),
            Err(SpecError::UndefinedStep("y".into()))
        );
        assert_eq!(
            parse("session a step x {1} session b step y {2} permutation x(z) y"),
            Err(SpecError::UndefinedBlocker {
                blocker: "z".into(),
                step: "x".into()
            })
        );
        assert_eq!(
            parse("session a step x {1} step w {3} session b step y {2} permutation x(w) w y"),
            Err(SpecError::BlocksOnOwnSession("x".into()))
        );
        let spec = parse("session a step x {1} step w {3} permutation x").expect("parses");
        assert_eq!(spec.unused_steps(), vec!["w"]);
    }
}
