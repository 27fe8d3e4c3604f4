//! SQLite through rusqlite: an in-memory database with the fixtures, per case.

use std::sync::OnceLock;

use aludel::Value;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};

use super::{Cell, Kind, Outcome, fixture_statements};

/// An aludel value as a rusqlite parameter.
pub(crate) struct LiteParam<'a>(pub(crate) &'a Value);

impl ToSql for LiteParam<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        use rusqlite::types::Value as V;
        Ok(match self.0 {
            Value::Null => ToSqlOutput::Owned(V::Null),
            Value::Bool(b) => ToSqlOutput::Owned(V::Integer(i64::from(*b))),
            Value::I16(x) => ToSqlOutput::Owned(V::Integer(i64::from(*x))),
            Value::I32(x) => ToSqlOutput::Owned(V::Integer(i64::from(*x))),
            Value::I64(x) => ToSqlOutput::Owned(V::Integer(*x)),
            Value::F32(x) => ToSqlOutput::Owned(V::Real(f64::from(*x))),
            Value::F64(x) => ToSqlOutput::Owned(V::Real(*x)),
            // SQLite has no exact decimal: NUMERIC columns store REAL, so bind a number.
            Value::Decimal(d) => ToSqlOutput::Owned(match d.as_str().parse::<i64>() {
                Ok(i) => V::Integer(i),
                Err(_) => V::Real(d.as_str().parse().unwrap_or(f64::NAN)),
            }),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Value::Json(j) => ToSqlOutput::Borrowed(ValueRef::Text(j.as_str().as_bytes())),
            other @ (Value::Date(_)
            | Value::Time(_)
            | Value::Timestamp(_)
            | Value::TimestampTz(_)
            | Value::Uuid(_)) => ToSqlOutput::Owned(V::Text(other.to_string())),
            Value::List(_) => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    "a list cannot be an SQLite parameter (it should have been expanded)".into(),
                ));
            }
        })
    }
}

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

/// Runs `sql` on a fresh fixture database.
pub(crate) fn run(sql: &str, params: &[Value], kind: Kind) -> Result<Outcome, String> {
    let conn = open();
    let mut stmt = conn.prepare(sql).map_err(|e| e.to_string())?;
    let p: Vec<LiteParam<'_>> = params.iter().map(LiteParam).collect();
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
