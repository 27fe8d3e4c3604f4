//! DDL snapshot cases: a script of DDL statements and probe statements (inserts,
//! queries, statements a constraint must reject), compiled for every dialect and run on
//! every database that accepts the dialect's DDL.
//!
//! For each dialect the snapshot records the DDL's SQL (or the compile error); the
//! script then runs on SQLite (always) and on PostgreSQL / MariaDB (when configured):
//! SQLite and PostgreSQL in a transaction that is rolled back, MariaDB / MySQL — whose
//! DDL commits — in a database of the case's own, dropped afterwards. Every DDL
//! statement must succeed, every probe must give the same outcome on every database,
//! and the outcomes (SQLite's) are in the snapshot.

use std::fmt::Write;

use aludel::CompileError;
use aludel::dialect::{Dialect, DialectKind};
use aludel::prelude::*;
use aludel::stmt::ddl::Ddl;

use crate::db::{self, Kind, Outcome, ScriptStep};

type Compile = Box<dyn Fn(&Dialect) -> Result<(String, Vec<Value>), CompileError>>;

type Plan = Box<dyn Fn(&Dialect) -> Result<Vec<Ddl>, CompileError>>;

enum Step {
    Ddl(Ddl),
    /// DDL that differs per dialect (a `MetaData` plan).
    Plan(Plan),
    Probe {
        compile: Compile,
        kind: Kind,
        reject: bool,
    },
}

/// A DDL case (see the module docs).
pub struct DdlCase {
    name: String,
    steps: Vec<Step>,
}

fn compiler<S: Statement + 'static>(s: S) -> Compile {
    Box::new(move |d| s.compile(d).map(|c| c.into_parts()))
}

impl DdlCase {
    /// A case named `name` (the snapshot's name).
    pub fn new(name: &str) -> DdlCase {
        DdlCase {
            name: name.to_owned(),
            steps: Vec::new(),
        }
    }

    /// A DDL statement (snapshotted; must run wherever it compiles).
    pub fn ddl(mut self, s: impl Into<Ddl>) -> DdlCase {
        self.steps.push(Step::Ddl(s.into()));
        self
    }

    /// DDL made for each dialect (a `MetaData` plan); an error is snapshotted as a
    /// compile error.
    pub fn plan(
        mut self,
        f: impl Fn(&Dialect) -> Result<Vec<Ddl>, CompileError> + 'static,
    ) -> DdlCase {
        self.steps.push(Step::Plan(Box::new(f)));
        self
    }

    /// A statement whose rows (sorted unless it has an ORDER BY) are compared across
    /// databases.
    pub fn query<S: Statement + 'static>(mut self, s: S) -> DdlCase {
        self.steps.push(Step::Probe {
            compile: compiler(s),
            kind: Kind::Query,
            reject: false,
        });
        self
    }

    /// A statement whose affected-row count is compared across databases.
    pub fn exec<S: Statement + 'static>(mut self, s: S) -> DdlCase {
        self.steps.push(Step::Probe {
            compile: compiler(s),
            kind: Kind::Execute,
            reject: false,
        });
        self
    }

    /// A statement every database must reject (a constraint the DDL declared).
    pub fn rejects<S: Statement + 'static>(mut self, s: S) -> DdlCase {
        self.steps.push(Step::Probe {
            compile: compiler(s),
            kind: Kind::Execute,
            reject: true,
        });
        self
    }

    /// Runs the case.
    pub fn run(self) {
        let tag = format!("{:08x}", fnv(&self.name));
        let mut snap = String::new();
        let mut outcomes: Vec<(&str, Vec<Outcome>)> = Vec::new();
        let mut sqlite_outcome = None;
        for (label, d) in crate::dialects() {
            let _ = writeln!(snap, "-- {label}");
            let mut script: Vec<ScriptStep> = Vec::new();
            // What each script step is: DDL (None) or a probe (Some(reject)).
            let mut roles: Vec<Option<bool>> = Vec::new();
            let mut failed = false;
            'steps: for step in &self.steps {
                let ddl: Vec<Ddl> = match step {
                    Step::Ddl(s) => vec![s.clone()],
                    Step::Plan(f) => match f(&d) {
                        Ok(list) => list,
                        Err(e) => {
                            let _ = writeln!(snap, "error: {e}");
                            failed = true;
                            break 'steps;
                        }
                    },
                    Step::Probe {
                        compile,
                        kind,
                        reject,
                    } => {
                        let (sql, params) = compile(&d).unwrap_or_else(|e| {
                            panic!("{}: {label}: a probe does not compile: {e}", self.name)
                        });
                        script.push((sql, params, *kind));
                        roles.push(Some(*reject));
                        continue;
                    }
                };
                for s in &ddl {
                    match s.compile(&d) {
                        Ok(c) => {
                            let _ = writeln!(snap, "{}", c.sql());
                            assert!(c.params().is_empty(), "{}: DDL with parameters", self.name);
                            assert_eq!(
                                s.compile_literal(&d, &Params::new()).as_deref(),
                                Ok(c.sql()),
                                "{}: {label}: the literal compile differs",
                                self.name
                            );
                            assert_eq!(
                                s.compile_statement(&d)
                                    .expect("compile_statement")
                                    .cache_key(),
                                &s.cache_key(),
                                "{}: {label}: the compiled statement's key",
                                self.name
                            );
                            script.push((c.sql().to_owned(), Vec::new(), Kind::Execute));
                            roles.push(None);
                        }
                        Err(e) => {
                            let _ = writeln!(snap, "error: {e}");
                            failed = true;
                            break 'steps;
                        }
                    }
                }
            }
            if failed {
                continue;
            }
            let results = match d.kind() {
                DialectKind::Sqlite => Some(db::sqlite::script(&script)),
                DialectKind::Postgres => db::pg::pg().map(|pg| pg.script(&script)),
                DialectKind::MySql | DialectKind::MariaDb => db::mysql::my()
                    .filter(|my| my.flavour() == label)
                    .map(|my| my.script(&tag, &script)),
            };
            let Some(results) = results else { continue };
            assert_eq!(
                results.len(),
                script.len(),
                "{}: {label}: the script stopped early: {:?}",
                self.name,
                results.last()
            );
            let mut probes = Vec::new();
            for ((role, r), (sql, ..)) in roles.iter().zip(results).zip(&script) {
                match (role, r) {
                    (None, Err(e)) => {
                        panic!("{}: {label} rejected the DDL: {e}\nSQL: {sql}", self.name)
                    }
                    (None, Ok(_)) => {}
                    (Some(true), Ok(o)) => panic!(
                        "{}: {label} accepted what the constraints should reject ({o})\nSQL: {sql}",
                        self.name
                    ),
                    (Some(true), Err(_)) => probes.push(Outcome::Rejected),
                    (Some(false), Err(e)) => {
                        panic!("{}: {label} rejected a probe: {e}\nSQL: {sql}", self.name)
                    }
                    (Some(false), Ok(o)) => {
                        probes.push(if crate::ordered(sql) { o } else { o.sorted() })
                    }
                }
            }
            if d.kind() == DialectKind::Sqlite {
                sqlite_outcome = Some(probes.clone());
            }
            outcomes.push((label, probes));
        }
        if let Some(list) = &sqlite_outcome
            && !list.is_empty()
        {
            let _ = writeln!(snap, "-- result (sqlite)");
            for o in list {
                let _ = write!(snap, "{o}");
                if !matches!(o, Outcome::Rows(_)) {
                    snap.push('\n');
                }
            }
        }
        if let Some((first_name, first)) = outcomes.first() {
            for (name, o) in &outcomes[1..] {
                assert_eq!(
                    first, o,
                    "{}: {first_name} and {name} give different results",
                    self.name
                );
            }
        }
        insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(self.name.clone(), snap);
        });
    }
}

/// FNV-1a: a short, stable tag for a case's scratch database.
fn fnv(s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}
