//! aludel's dialect snapshot cases.
//!
//! Every case builds a statement with the public API and calls [`check`] (or
//! [`Case::run`]), which for PostgreSQL, MySQL, MariaDB and SQLite:
//!
//! 1. compiles it and records the SQL and parameters (or the compile error) in an insta
//!    snapshot;
//! 2. checks the bind order independently of the compiler's slot bookkeeping: the
//!    parameters substituted into the placeholders must give exactly the SQL of the
//!    literal-inlining compile (`compile_literal`), which renders each value where it
//!    stands in the tree;
//! 3. checks that the statement cache hands out the same SQL and parameters;
//! 4. executes both forms on SQLite, and on PostgreSQL and MariaDB when
//!    `ALUDEL_TEST_POSTGRES_URL` / `ALUDEL_TEST_MYSQL_URL` are set — PostgreSQL also with
//!    `standard_conforming_strings = off`, MariaDB also with `NO_BACKSLASH_ESCAPES` — and
//!    requires every run to agree, across databases too.
//!
//! `ALUDEL_TEST_MYSQL_URL` may point at MariaDB or MySQL: the server runs the SQL of
//! its own dialect (MariaDB's or MySQL's) and the other is only snapshotted. The CI
//! machine runs MariaDB, so SQL that only the MySQL dialect emits (`FOR SHARE`, MySQL's
//! RETURNING errors, ...) is not executed there.

#![allow(missing_docs)]

pub mod db;
pub mod ddl;
pub mod schema;

use std::fmt::Write;

use aludel::dialect::{Dialect, DialectKind};
use aludel::prelude::*;
use aludel::{CompileError, StatementCache, StatementKind};

pub use db::{Cell, Kind, Outcome};

/// A snapshot case with options; [`check`] is the common form.
pub struct Case {
    name: String,
    params: Params,
    cross_db: bool,
    deterministic: bool,
}

/// Checks the statement `stmt` under the snapshot `name` (see the crate docs).
pub fn check<S: Statement>(name: &str, stmt: &S) {
    Case::new(name).run(stmt);
}

/// Runs `sql` (no parameters) on the PostgreSQL backend, in a rolled-back transaction;
/// `None` when it is not configured.
pub fn on_postgres(sql: &str, kind: Kind) -> Option<Result<Outcome, String>> {
    db::pg::pg().map(|pg| pg.run(sql, &[], kind, false))
}

/// Runs `sql` (no parameters) on the MariaDB / MySQL backend, in a rolled-back
/// transaction; `None` when it is not configured.
pub fn on_mysql_server(sql: &str, kind: Kind) -> Option<Result<Outcome, String>> {
    db::mysql::my().map(|my| my.run(sql, &[], kind, false))
}

/// Runs `sql` (no parameters) on SQLite in memory with the fixtures loaded.
pub fn on_sqlite(sql: &str, kind: Kind) -> Result<Outcome, String> {
    db::sqlite::run(sql, &[], kind)
}

fn script_result(results: Vec<Result<Outcome, String>>) -> Result<(), String> {
    results.into_iter().try_for_each(|r| r.map(drop))
}

fn script_steps(statements: &[String]) -> Vec<db::ScriptStep> {
    statements
        .iter()
        .map(|s| (s.clone(), Vec::new(), Kind::Execute))
        .collect()
}

/// Runs `statements` (DDL and DML without parameters) in order on SQLite, in a
/// rolled-back transaction on a fresh fixture database: the first error, if any.
pub fn script_on_sqlite(statements: &[String]) -> Result<(), String> {
    script_result(db::sqlite::script(&script_steps(statements)))
}

/// Like [`script_on_sqlite`] on PostgreSQL (rolled back); `None` when it is not
/// configured.
pub fn script_on_postgres(statements: &[String]) -> Option<Result<(), String>> {
    db::pg::pg().map(|pg| script_result(pg.script(&script_steps(statements))))
}

/// Like [`script_on_sqlite`] on the MariaDB / MySQL server, in a scratch database named
/// after `tag` (dropped afterwards); `None` when it is not configured.
pub fn script_on_mysql_server(tag: &str, statements: &[String]) -> Option<Result<(), String>> {
    db::mysql::my().map(|my| script_result(my.script(tag, &script_steps(statements))))
}

/// The dialects of every case, in snapshot order.
pub fn dialects() -> [(&'static str, Dialect); 4] {
    [
        ("postgres", Dialect::postgres()),
        ("mysql", Dialect::mysql()),
        ("mariadb", Dialect::mariadb()),
        ("sqlite", Dialect::sqlite()),
    ]
}

/// Scans `sql` for placeholders outside quotes; calls `f(start, end)` for each.
fn placeholders(sql: &str, pg: bool, mut f: impl FnMut(usize, usize)) {
    let b = sql.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() {
                    if b[i] == q {
                        if b.get(i + 1) == Some(&q) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'?' if !pg => {
                f(i, i + 1);
                i += 1;
            }
            b'$' if pg && b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let end = b[i + 1..]
                    .iter()
                    .position(|c| !c.is_ascii_digit())
                    .map_or(b.len(), |p| i + 1 + p);
                f(i, end);
                i = end;
            }
            _ => i += 1,
        }
    }
}

/// The SQL with each placeholder replaced by the literal of its parameter.
pub fn substitute(sql: &str, params: &[Value], d: &Dialect) -> Result<String, String> {
    let pg = d.kind() == DialectKind::Postgres;
    let mut out = String::new();
    let mut last = 0;
    let mut n = 0;
    let mut err = None;
    placeholders(sql, pg, |start, end| {
        out.push_str(&sql[last..start]);
        last = end;
        let idx = if pg {
            sql[start + 1..end]
                .parse::<usize>()
                .unwrap_or(0)
                .wrapping_sub(1)
        } else {
            n
        };
        n += 1;
        match params.get(idx) {
            Some(v) => {
                if let Err(e) = d.literal_into(&mut out, v) {
                    err.get_or_insert(e.to_string());
                }
            }
            None => {
                err.get_or_insert(format!("placeholder {} has no parameter", &sql[start..end]));
            }
        }
    });
    out.push_str(&sql[last..]);
    if !pg && n != params.len() {
        err.get_or_insert(format!("{n} placeholders for {} parameters", params.len()));
    }
    match err {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Whether the top level of `sql` has an ORDER BY (its row order is then part of the result).
fn ordered(sql: &str) -> bool {
    let b = sql.as_bytes();
    let mut depth = 0i32;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'(' => depth += 1,
            b')' => depth -= 1,
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
            }
            _ if depth == 0 && sql[i..].starts_with(" ORDER BY ") => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

fn fmt_params(params: &[Value]) -> String {
    let items: Vec<String> = params.iter().map(Value::to_string).collect();
    format!("[{}]", items.join(", "))
}

impl Case {
    /// A case named `name` (the snapshot's name).
    pub fn new(name: &str) -> Case {
        Case {
            name: name.to_owned(),
            params: Params::new(),
            cross_db: true,
            deterministic: true,
        }
    }

    /// The result holds values that change between runs (server clocks): compare and
    /// snapshot only its shape (row and column counts).
    pub fn nondeterministic(mut self, _why: &str) -> Case {
        self.deterministic = false;
        self
    }

    /// Values for named parameters.
    pub fn params(mut self, params: Params) -> Case {
        self.params = params;
        self
    }

    /// Results legitimately differ between databases (collation, float formatting, server
    /// functions): execute everywhere, but do not compare across databases.
    pub fn results_differ(mut self, _why: &str) -> Case {
        self.cross_db = false;
        self
    }

    /// Runs the case.
    pub fn run<S: Statement>(self, stmt: &S) {
        let mut snap = String::new();
        let mut outcomes: Vec<(&str, Outcome)> = Vec::new();
        let mut sqlite_outcome = None;
        for (label, d) in dialects() {
            let _ = writeln!(snap, "-- {label}");
            let compiled = stmt.compile_with(&d, &self.params);
            let c = match compiled {
                Err(e) => {
                    let _ = writeln!(snap, "error: {e}");
                    assert!(
                        stmt.compile_literal(&d, &self.params).is_err(),
                        "{}: {label}: the literal compile succeeds where compile fails ({e})",
                        self.name
                    );
                    continue;
                }
                Ok(c) => c,
            };
            let _ = writeln!(snap, "{}", c.sql());
            if !c.params().is_empty() {
                let _ = writeln!(snap, "params: {}", fmt_params(c.params()));
            }
            if !c.returns_defaults().is_empty() {
                let _ = writeln!(
                    snap,
                    "returns_defaults: {:?}{}",
                    c.returns_defaults(),
                    if c.returning_rendered() {
                        ""
                    } else {
                        " (to be fetched)"
                    }
                );
            }
            // Bind order, independently of slot bookkeeping.
            let literal = match stmt.compile_literal(&d, &self.params) {
                Ok(l) => Some(l),
                Err(CompileError::InlineValue { .. }) => None,
                Err(e) => panic!("{}: {label}: literal compile failed: {e}", self.name),
            };
            if let Some(lit) = &literal {
                let substituted = substitute(c.sql(), c.params(), &d)
                    .unwrap_or_else(|e| panic!("{}: {label}: {e}\n{}", self.name, c.sql()));
                assert_eq!(
                    &substituted, lit,
                    "{}: {label}: parameters substituted into the placeholders differ from the literal compile",
                    self.name
                );
            }
            assert_eq!(
                stmt.compile_statement(&d)
                    .expect("compile_statement")
                    .cache_key(),
                &stmt.cache_key(),
                "{}: {label}: the compiled statement's key",
                self.name
            );
            // The cache's hot path gives the same SQL and parameters, twice.
            let cache = StatementCache::new(8);
            for round in 0..2 {
                let p = cache.prepare(stmt, &d).expect("prepare");
                assert_eq!(p.cache_hit(), round == 1);
                let b = p.bind(&self.params).expect("bind");
                assert_eq!(b.sql(), c.sql(), "{}: {label}: cached SQL", self.name);
                let params: Vec<Value> = b.params().iter().map(|p| (**p).clone()).collect();
                assert_eq!(
                    params,
                    c.params(),
                    "{}: {label}: cached parameters",
                    self.name
                );
            }
            let st = &c;
            let kind = if st.kind() == StatementKind::Select || !st.columns().is_empty() {
                Kind::Query
            } else if st.kind() == StatementKind::Text {
                let head = c.sql().trim_start().to_ascii_uppercase();
                if head.starts_with("SELECT")
                    || head.starts_with("WITH")
                    || head.contains(" RETURNING ")
                {
                    Kind::Query
                } else {
                    Kind::Execute
                }
            } else {
                Kind::Execute
            };
            let is_ordered = ordered(c.sql());
            let deterministic = self.deterministic;
            let norm = |o: Outcome| {
                let o = if is_ordered { o } else { o.sorted() };
                if deterministic { o } else { o.shape() }
            };
            let run_all = |what: &str, runs: Vec<Result<Outcome, String>>| -> Outcome {
                let mut first: Option<Outcome> = None;
                for (i, r) in runs.into_iter().enumerate() {
                    let o = r.unwrap_or_else(|e| {
                        panic!(
                            "{}: {what} rejected the {} SQL: {e}\nSQL: {}\nparams: {}\nliteral: {}",
                            self.name,
                            if i == 0 { "parameterised" } else { "literal" },
                            c.sql(),
                            fmt_params(c.params()),
                            literal.as_deref().unwrap_or("-")
                        )
                    });
                    let o = norm(o);
                    match &first {
                        None => first = Some(o),
                        Some(f) => assert_eq!(
                            f, &o,
                            "{}: {what}: run {i} (literal SQL) differs from the parameterised run",
                            self.name
                        ),
                    }
                }
                first.expect("at least one run")
            };
            match d.kind() {
                DialectKind::Sqlite => {
                    let mut runs = vec![db::sqlite::run(c.sql(), c.params(), kind)];
                    if let Some(lit) = &literal {
                        runs.push(db::sqlite::run(lit, &[], kind));
                    }
                    let o = run_all("sqlite", runs);
                    outcomes.push(("sqlite", o.clone()));
                    sqlite_outcome = Some(o);
                }
                DialectKind::Postgres => {
                    if let Some(pg) = db::pg::pg() {
                        let mut runs = vec![pg.run(c.sql(), c.params(), kind, false)];
                        if let Some(lit) = &literal {
                            runs.push(pg.run(lit, &[], kind, false));
                            runs.push(pg.run(lit, &[], kind, true));
                        }
                        outcomes.push(("postgres", run_all("postgres", runs)));
                    }
                }
                DialectKind::MySql | DialectKind::MariaDb => {
                    // One server runs the SQL of its own flavour: MariaDB's or MySQL's.
                    let label = if d.kind() == DialectKind::MySql {
                        "mysql"
                    } else {
                        "mariadb"
                    };
                    if let Some(my) = db::mysql::my().filter(|my| my.flavour() == label) {
                        let mut runs = vec![my.run(c.sql(), c.params(), kind, false)];
                        if let Some(lit) = &literal {
                            runs.push(my.run(lit, &[], kind, false));
                            runs.push(my.run(lit, &[], kind, true));
                        }
                        outcomes.push((label, run_all(label, runs)));
                    }
                }
            }
        }
        if let Some(o) = &sqlite_outcome {
            let _ = write!(snap, "-- result (sqlite)\n{o}");
        }
        if self.cross_db {
            if let Some((first_name, first)) = outcomes.first() {
                for (name, o) in &outcomes[1..] {
                    assert_eq!(
                        first, o,
                        "{}: {first_name} and {name} return different results",
                        self.name
                    );
                }
            }
        }
        insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(self.name.clone(), snap);
        });
    }
}
