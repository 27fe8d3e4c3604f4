//! SQLite through rusqlite: the blocking driver (the connection itself) and the async
//! one (the connection on its own thread, driven through a channel).

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use aludel_core::{Dialect, Value};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{ToSql, ffi};

use super::Driver;
use crate::error::{DbContext, Error, IntegrityKind, Result};
use crate::result::ResultSet;
use crate::tx::TxSql;

/// Where an SQLite database lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    Memory,
    File(String),
}

/// Parses `sqlite::memory:`, `sqlite://:memory:` and `sqlite://<path>` (the path as
/// written: `sqlite://data.db` is relative, `sqlite:///tmp/data.db` absolute).
pub(crate) fn parse_url(url: &str) -> Result<Target> {
    if url == "sqlite::memory:" || url == "sqlite://:memory:" {
        return Ok(Target::Memory);
    }
    match url.strip_prefix("sqlite://") {
        Some(path) if !path.is_empty() && !path.contains('?') => Ok(Target::File(path.to_owned())),
        Some(path) if path.contains('?') => Err(Error::config(format!(
            "SQLite URL {url:?}: query parameters are not supported; use sqlite://<path>"
        ))),
        _ => Err(Error::config(format!(
            "SQLite URL {url:?} names no database; use sqlite::memory: or sqlite://<path>"
        ))),
    }
}

/// A rusqlite connection with the column names of its recent statements (building them
/// for every execution would cost more than a point select's own work).
#[derive(Debug)]
pub(crate) struct Lite {
    pub(crate) conn: rusqlite::Connection,
    columns: hashbrown::HashMap<String, Arc<[String]>>,
}

/// Whether the result columns of `sql` can change with the schema: only a `*` (in
/// `SELECT *`, `t.*`, `RETURNING *`) expands to a list of columns that a schema change
/// can alter; otherwise SQLite names result columns from the SQL text alone. Such a
/// statement's columns are read after its first step (SQLite re-prepares a statement
/// whose schema changed inside `sqlite3_step`), never from a cache.
fn columns_may_change(sql: &str) -> bool {
    let b = sql.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        // `count(*)` is one column whatever the schema.
        c == b'*'
            && b[..i]
                .iter()
                .rev()
                .find(|c| !c.is_ascii_whitespace())
                .is_none_or(|&p| p != b'(')
    })
}

/// Statements whose column names are kept per connection before the map is cleared.
const MAX_COLUMN_SETS: usize = 256;

/// The column names of `stmt` (prepared from `sql`), from `map` when they still match
/// what SQLite reports (a schema change can rename a `SELECT *` column).
fn columns_of(
    map: &mut hashbrown::HashMap<String, Arc<[String]>>,
    sql: &str,
    stmt: &rusqlite::Statement<'_>,
) -> Arc<[String]> {
    if let Some(names) = map.get(sql) {
        return names.clone();
    }
    let names = column_names(stmt);
    if map.len() >= MAX_COLUMN_SETS {
        map.clear();
    }
    map.insert(sql.to_owned(), names.clone());
    names
}

fn column_names(stmt: &rusqlite::Statement<'_>) -> Arc<[String]> {
    stmt.column_names().into_iter().map(str::to_owned).collect()
}

/// Opens a connection with aludel's settings: foreign keys enforced, a 5 s busy
/// timeout, a prepared-statement cache.
pub(crate) fn open(target: &Target) -> Result<Lite> {
    let conn = match target {
        Target::Memory => rusqlite::Connection::open_in_memory(),
        Target::File(path) => rusqlite::Connection::open(path),
    }
    .map_err(|e| classify(e, None))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(|e| classify(e, Some("PRAGMA foreign_keys = ON")))?;
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(|e| classify(e, None))?;
    conn.set_prepared_statement_cache_capacity(256);
    Ok(Lite {
        conn,
        columns: hashbrown::HashMap::new(),
    })
}

/// The dialect of the linked SQLite library.
pub(crate) fn dialect() -> Dialect {
    let v = rusqlite::version_number();
    Dialect::sqlite().with_version(
        (v / 1_000_000) as u16,
        (v / 1000 % 1000) as u16,
        (v % 1000) as u16,
    )
}

/// An aludel value as a rusqlite parameter. Dates, times and UUIDs are sent as their
/// ISO / canonical text (SQLite stores them as text); decimals as integers when
/// integral, else as REAL (SQLite has no exact decimal).
///
/// ```
/// use aludel_engine::sqlite::SqliteValue;
/// use rusqlite::ToSql;
/// let conn = rusqlite::Connection::open_in_memory().unwrap();
/// let v = aludel_core::Value::from("it's");
/// let got: String = conn.query_row("SELECT ?", [&SqliteValue(&v) as &dyn ToSql], |r| r.get(0)).unwrap();
/// assert_eq!(got, "it's");
/// ```
#[derive(Debug)]
pub struct SqliteValue<'a>(pub &'a Value);

impl ToSql for SqliteValue<'_> {
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

/// A result value as an aludel value (SQLite has integers, reals, text and blobs).
pub(crate) fn value_of(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::I64(i),
        ValueRef::Real(f) => Value::F64(f),
        ValueRef::Text(t) => match std::str::from_utf8(t) {
            Ok(s) => Value::Text(s.to_owned()),
            Err(_) => Value::Bytes(t.to_vec()),
        },
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

/// Classifies a rusqlite error (DESIGN.md, Errors).
pub(crate) fn classify(e: rusqlite::Error, sql: Option<&str>) -> Error {
    let sql = sql.map(str::to_owned);
    let (code, message) = match &e {
        rusqlite::Error::SqliteFailure(f, msg) => (
            Some(f.extended_code),
            msg.clone().unwrap_or_else(|| f.to_string()),
        ),
        // Syntax errors (the bundled library reports the offending token).
        rusqlite::Error::SqlInputError { error, msg, .. } => {
            (Some(error.extended_code), msg.clone())
        }
        other => (None, other.to_string()),
    };
    let context = DbContext::new(sql, code.map(|c| c.to_string()), message.clone());
    let source = Box::new(e);
    let Some(code) = code else {
        return Error::Database { context, source };
    };
    let integrity = |kind: IntegrityKind, prefix: &str| {
        let constraint = message
            .strip_prefix(prefix)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        (kind, constraint)
    };
    let found = match code {
        // Primary keys report "UNIQUE constraint failed: t.id" too.
        ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => Some(integrity(
            IntegrityKind::Unique,
            "UNIQUE constraint failed:",
        )),
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => Some(integrity(
            IntegrityKind::ForeignKey,
            "FOREIGN KEY constraint failed",
        )),
        ffi::SQLITE_CONSTRAINT_NOTNULL => Some(integrity(
            IntegrityKind::NotNull,
            "NOT NULL constraint failed:",
        )),
        ffi::SQLITE_CONSTRAINT_CHECK => {
            Some(integrity(IntegrityKind::Check, "CHECK constraint failed:"))
        }
        _ => None,
    };
    if let Some((kind, constraint)) = found {
        return Error::Integrity {
            kind,
            constraint,
            context,
            source,
        };
    }
    match code & 0xff {
        // A write transaction that started from a stale snapshot cannot be serialized.
        ffi::SQLITE_BUSY if code == ffi::SQLITE_BUSY_SNAPSHOT => {
            Error::SerializationFailure { context, source }
        }
        ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED => Error::Timeout { context, source },
        _ => Error::Database { context, source },
    }
}

/// Runs transaction-control SQL on a blocking connection.
pub(crate) fn run_tx(conn: &rusqlite::Connection, sql: &TxSql) -> Result<()> {
    if *sql == TxSql::ResetRollback && conn.is_autocommit() {
        return Ok(());
    }
    let text = sql.render('"');
    conn.execute_batch(&text)
        .map_err(|e| classify(e, Some(&text)))
}

/// Runs a statement on a blocking connection, fetching every row.
pub(crate) fn run_stmt(lite: &mut Lite, sql: &str, params: &[Cow<'_, Value>]) -> Result<ResultSet> {
    let err = |e| classify(e, Some(sql));
    let Lite { conn, columns } = lite;
    let mut stmt = conn.prepare_cached(sql).map_err(err)?;
    for (i, p) in params.iter().enumerate() {
        stmt.raw_bind_parameter(i + 1, SqliteValue(p))
            .map_err(err)?;
    }
    let may_change = columns_may_change(sql);
    let mut width = stmt.column_count();
    if width == 0 && !may_change {
        let n = stmt.raw_execute().map_err(err)?;
        drop(stmt);
        // The rowid of the last INSERT (only meaningful after one; read by the
        // return_defaults() fetch on SQLite before 3.35).
        let id = u64::try_from(conn.last_insert_rowid())
            .ok()
            .filter(|_| n > 0);
        return Ok(ResultSet::new(Arc::from([]), Vec::new(), n as u64).with_insert_id(id));
    }
    let cached = (!may_change).then(|| columns_of(columns, sql, &stmt));
    let readonly = stmt.readonly();
    let mut values = Vec::with_capacity(width);
    let mut rows = stmt.raw_query();
    let mut first = true;
    while let Some(row) = rows.next().map_err(err)? {
        if first && may_change {
            // After the first step: the statement as SQLite re-prepared it, if it did.
            width = row.as_ref().column_count();
        }
        first = false;
        for i in 0..width {
            values.push(value_of(row.get_ref(i).map_err(err)?));
        }
    }
    drop(rows);
    let names = match cached {
        Some(names) => names,
        None => column_names(&stmt),
    };
    let affected = if readonly { 0 } else { conn.changes() };
    let id = u64::try_from(conn.last_insert_rowid())
        .ok()
        .filter(|_| !readonly && affected > 0);
    Ok(ResultSet::new(names, values, affected).with_insert_id(id))
}

/// Rows per chunk sent from the SQLite thread to a streaming reader.
const STREAM_CHUNK_ROWS: usize = 256;

/// The thread's side of a stream: the column names through `ready` (after the first
/// step: SQLite re-prepares a statement whose schema changed inside it), then the rows
/// in chunks (row-major values), then an empty chunk as the end marker, or an error;
/// it stops when the reader is gone. A channel that closes without the end marker
/// means the thread stopped.
fn stream_rows(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
    ready: tokio::sync::oneshot::Sender<Result<Arc<[String]>>>,
    rows: &tokio::sync::mpsc::Sender<Result<Vec<Value>>>,
) {
    let err = |e| classify(e, Some(sql));
    let mut stmt = match conn.prepare_cached(sql) {
        Ok(s) => s,
        Err(e) => {
            let _ = ready.send(Err(err(e)));
            return;
        }
    };
    for (i, p) in params.iter().enumerate() {
        if let Err(e) = stmt.raw_bind_parameter(i + 1, SqliteValue(p)) {
            let _ = ready.send(Err(err(e)));
            return;
        }
    }
    let mut q = stmt.raw_query();
    let mut ready = Some(ready);
    let mut width = 0;
    let mut chunk = Vec::new();
    // Reports `e` to whoever is waiting: the opener, or the reader.
    let fail = |ready: &mut Option<tokio::sync::oneshot::Sender<_>>, e: Error| match ready.take() {
        Some(r) => {
            let _ = r.send(Err(e));
        }
        None => {
            let _ = rows.blocking_send(Err(e));
        }
    };
    loop {
        match q.next() {
            Ok(Some(row)) => {
                if let Some(r) = ready.take() {
                    let s = row.as_ref();
                    width = s.column_count();
                    if r.send(Ok(column_names(s))).is_err() {
                        return;
                    }
                    chunk = Vec::with_capacity(width * STREAM_CHUNK_ROWS);
                }
                for i in 0..width {
                    match row.get_ref(i) {
                        Ok(v) => chunk.push(value_of(v)),
                        Err(e) => return fail(&mut ready, err(e)),
                    }
                }
                if chunk.len() >= width.max(1) * STREAM_CHUNK_ROWS {
                    let full = std::mem::replace(
                        &mut chunk,
                        Vec::with_capacity(width * STREAM_CHUNK_ROWS),
                    );
                    if rows.blocking_send(Ok(full)).is_err() {
                        return; // the reader is gone
                    }
                }
            }
            Ok(None) => {
                if let Some(r) = ready.take() {
                    // No row at all: the columns as prepared.
                    let names = q
                        .as_ref()
                        .map(column_names)
                        .unwrap_or_else(|| Arc::from([]));
                    if r.send(Ok(names)).is_err() {
                        return;
                    }
                }
                if !chunk.is_empty() && rows.blocking_send(Ok(chunk)).is_err() {
                    return;
                }
                let _ = rows.blocking_send(Ok(Vec::new()));
                return;
            }
            Err(e) => return fail(&mut ready, err(e)),
        }
    }
}

/// Calls `f` for every row of a statement on a blocking connection, without buffering
/// the result.
pub(crate) fn for_each_row(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Cow<'_, Value>],
    mut f: impl FnMut(&[String], &mut std::vec::Drain<'_, Value>) -> Result<()>,
) -> Result<()> {
    let err = |e| classify(e, Some(sql));
    let mut stmt = conn.prepare_cached(sql).map_err(err)?;
    for (i, p) in params.iter().enumerate() {
        stmt.raw_bind_parameter(i + 1, SqliteValue(p))
            .map_err(err)?;
    }
    let mut columns: Option<Arc<[String]>> = None;
    let mut values = Vec::new();
    let mut q = stmt.raw_query();
    while let Some(row) = q.next().map_err(err)? {
        // Read after the first step (a re-prepared statement's columns).
        let names = columns.get_or_insert_with(|| column_names(row.as_ref()));
        for i in 0..names.len() {
            values.push(value_of(row.get_ref(i).map_err(err)?));
        }
        f(names, &mut values.drain(..))?;
    }
    Ok(())
}

impl Driver for Lite {
    async fn tx(&mut self, sql: &TxSql) -> Result<()> {
        run_tx(&self.conn, sql)
    }

    async fn run(&mut self, sql: &str, params: &[Cow<'_, Value>]) -> Result<ResultSet> {
        run_stmt(self, sql, params)
    }
}

type Job = Box<dyn FnOnce(&mut Lite) + Send>;

/// How long the SQLite thread spins for the next job before it sleeps: an async caller
/// usually sends its next statement within microseconds, and waking a sleeping thread
/// costs tens of them.
const SPIN: std::time::Duration = std::time::Duration::from_micros(50);

/// The next job, or `None` when the connection's handle is gone.
fn next_job(rx: &mpsc::Receiver<Job>) -> Option<Job> {
    let start = std::time::Instant::now();
    loop {
        match rx.try_recv() {
            Ok(job) => return Some(job),
            Err(mpsc::TryRecvError::Disconnected) => return None,
            Err(mpsc::TryRecvError::Empty) if start.elapsed() < SPIN => std::hint::spin_loop(),
            Err(mpsc::TryRecvError::Empty) => return rx.recv().ok(),
        }
    }
}

/// An SQLite connection on its own thread: no blocking call runs on the executor.
#[derive(Debug)]
pub(crate) struct SqliteThread {
    jobs: mpsc::Sender<Job>,
    /// The thread stopped (a job panicked): the connection is gone.
    gone: std::sync::atomic::AtomicBool,
}

impl SqliteThread {
    /// Opens the connection on a new thread.
    pub(crate) async fn open(target: Target) -> Result<SqliteThread> {
        let (jobs, rx) = mpsc::channel::<Job>();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("aludel-sqlite".into())
            .spawn(move || {
                let mut conn = match open(&target) {
                    Ok(c) => {
                        let _ = ready_tx.send(Ok(()));
                        c
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                while let Some(job) = next_job(&rx) {
                    job(&mut conn);
                }
            })
            .map_err(|e| Error::config(format!("cannot start the SQLite thread: {e}")))?;
        ready_rx
            .await
            .map_err(|_| Error::config("the SQLite thread stopped while opening"))??;
        Ok(SqliteThread {
            jobs,
            gone: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Whether the connection's thread has stopped (the pool must replace it).
    pub(crate) fn is_broken(&self) -> bool {
        self.gone.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn gone(&self) -> Error {
        self.gone.store(true, std::sync::atomic::Ordering::Relaxed);
        thread_gone()
    }

    /// Runs `f` on the connection's thread.
    async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Lite) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (tx, mut rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |c| {
                let _ = tx.send(f(c));
            }))
            .map_err(|_| self.gone())?;
        // Short statements finish within microseconds: yield to the scheduler (other
        // tasks still run) and look again, rather than park the runtime's thread, whose
        // wake-up costs more than the statement.
        let start = std::time::Instant::now();
        while start.elapsed() < SPIN {
            match rx.try_recv() {
                Ok(r) => return r,
                Err(tokio::sync::oneshot::error::TryRecvError::Closed) => return Err(self.gone()),
                Err(tokio::sync::oneshot::error::TryRecvError::Empty) => {
                    tokio::task::yield_now().await;
                }
            }
        }
        rx.await.map_err(|_| self.gone())?
    }

    /// Starts a query whose rows come back in chunks through a bounded channel: the
    /// thread produces at most two chunks ahead of the reader, and stops when the
    /// receiver is dropped.
    pub(crate) async fn stream(
        &self,
        sql: &str,
        params: &[Cow<'_, Value>],
    ) -> Result<(
        Arc<[String]>,
        tokio::sync::mpsc::Receiver<Result<Vec<Value>>>,
    )> {
        let sql = sql.to_owned();
        let params: Vec<Value> = params.iter().map(|p| p.as_ref().clone()).collect();
        let (rows_tx, rows_rx) = tokio::sync::mpsc::channel(2);
        let columns = self
            .call_with_rows(move |c, ready| stream_rows(&c.conn, &sql, &params, ready, &rows_tx))
            .await?;
        Ok((columns, rows_rx))
    }

    /// Runs `f` on the thread; `f` reports its first result through `ready` and may keep
    /// working after that.
    async fn call_with_rows<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Lite, tokio::sync::oneshot::Sender<Result<T>>) + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |c| f(c, tx)))
            .map_err(|_| self.gone())?;
        rx.await.map_err(|_| self.gone())?
    }

    /// Queues a reset (roll back whatever is open) without waiting: what a connection
    /// dropped inside a transaction does. Later jobs run after it.
    pub(crate) fn queue_reset(&self) -> bool {
        let queued = self
            .jobs
            .send(Box::new(|c| {
                let _ = run_tx(&c.conn, &TxSql::ResetRollback);
            }))
            .is_ok();
        if !queued {
            self.gone();
        }
        queued
    }

    /// Whether the connection is outside any transaction.
    pub(crate) async fn is_autocommit(&self) -> Result<bool> {
        self.call(|c| Ok(c.conn.is_autocommit())).await
    }
}

fn thread_gone() -> Error {
    Error::Disconnect {
        context: DbContext::new(None, None, "the SQLite connection's thread has stopped"),
        source: "SQLite thread stopped".into(),
    }
}

impl Driver for SqliteThread {
    async fn tx(&mut self, sql: &TxSql) -> Result<()> {
        let sql = sql.clone();
        self.call(move |c| run_tx(&c.conn, &sql)).await
    }

    async fn run(&mut self, sql: &str, params: &[Cow<'_, Value>]) -> Result<ResultSet> {
        let sql = sql.to_owned();
        let params: Vec<Value> = params.iter().map(|p| p.as_ref().clone()).collect();
        self.call(move |c| {
            let params: Vec<Cow<'_, Value>> = params.iter().map(Cow::Borrowed).collect();
            run_stmt(c, &sql, &params)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_columns_are_read_after_the_first_step() {
        assert!(columns_may_change("SELECT * FROM t"));
        assert!(columns_may_change("SELECT t.* FROM t"));
        assert!(columns_may_change("INSERT INTO t VALUES (1) RETURNING *"));
        assert!(!columns_may_change("SELECT count(*) FROM t"));
        assert!(!columns_may_change("SELECT count( * ) AS n FROM t"));
        assert!(!columns_may_change("SELECT a, b FROM t"));
    }

    #[test]
    fn urls() {
        assert_eq!(parse_url("sqlite::memory:").unwrap(), Target::Memory);
        assert_eq!(
            parse_url("sqlite:///tmp/x.db").unwrap(),
            Target::File("/tmp/x.db".into())
        );
        assert_eq!(
            parse_url("sqlite://x.db").unwrap(),
            Target::File("x.db".into())
        );
        assert!(parse_url("sqlite://").is_err());
        assert!(parse_url("sqlite://x.db?mode=ro").is_err());
    }
}
