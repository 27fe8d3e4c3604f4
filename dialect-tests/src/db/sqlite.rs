//! SQLite through rusqlite: an in-memory database with the fixtures, per case.

use std::sync::OnceLock;

use aludel::Value;
use aludel::sqlite::SqliteValue;
use rusqlite::Connection;
use rusqlite::types::ValueRef;

use super::{Cell, Kind, Outcome, fixture_statements};

fn cell(v: ValueRef<'_>) -> Cell {
    match v {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(i) => Cell::Int(i),
        ValueRef::Real(f) => Cell::float(f),
        ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Cell::bytes(b),
    }
}

/// A fresh in-memory database with the fixtures.
pub(crate) fn open() -> Connection {
    static FIXTURES: OnceLock<Vec<String>> = OnceLock::new();
    let conn = Connection::open_in_memory().expect("an in-memory SQLite database");
    for stmt in FIXTURES.get_or_init(|| fixture_statements("sqlite.sql")) {
        conn.execute_batch(stmt)
            .unwrap_or_else(|e| panic!("fixture failed: {e}\n{stmt}"));
    }
    conn
}

/// Runs `steps` in order on a fresh fixture database, in a transaction (rolled back):
/// each step's outcome or error.
pub(crate) fn script(steps: &[super::ScriptStep]) -> Vec<Result<Outcome, String>> {
    let conn = open();
    let mut out = Vec::new();
    // As the engine's connections: foreign keys enforced.
    if let Err(e) = conn.execute_batch("PRAGMA foreign_keys = ON; BEGIN") {
        return vec![Err(e.to_string())];
    }
    for (sql, params, kind) in steps {
        out.push(run_on(&conn, sql, params, *kind));
    }
    let _ = conn.execute_batch("ROLLBACK");
    out
}

/// Runs `sql` on a fresh fixture database.
pub(crate) fn run(sql: &str, params: &[Value], kind: Kind) -> Result<Outcome, String> {
    run_on(&open(), sql, params, kind)
}

fn run_on(conn: &Connection, sql: &str, params: &[Value], kind: Kind) -> Result<Outcome, String> {
    let mut stmt = conn.prepare(sql).map_err(|e| e.to_string())?;
    let p: Vec<SqliteValue<'_>> = params.iter().map(SqliteValue).collect();
    let ps = rusqlite::params_from_iter(p.iter());
    match kind {
        Kind::Query => {
            let n = stmt.column_count();
            let mut rows = stmt.query(ps).map_err(|e| e.to_string())?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(|e| e.to_string())? {
                out.push(
                    (0..n)
                        .map(|i| row.get_ref(i).map(cell).unwrap_or(Cell::Null))
                        .collect(),
                );
            }
            Ok(Outcome::Rows(out))
        }
        Kind::Execute => Ok(Outcome::Affected(
            stmt.execute(ps).map_err(|e| e.to_string())? as u64,
        )),
    }
}
