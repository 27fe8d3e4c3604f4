//! The blocking API, for SQLite: the same statements, transaction kinds and results as
//! the async API, without a runtime or a thread hop (embedded use, CLIs, tests).
//!
//! ```
//! use aludel_engine::blocking::Connection;
//! use aludel_core::prelude::*;
//!
//! let mut conn = Connection::open("sqlite::memory:")?;
//! conn.execute(&text("CREATE TABLE t (x INTEGER)"))?;
//! let mut tx = conn.begin()?;
//! tx.execute(&text("INSERT INTO t VALUES (1)"))?;
//! let mut sp = tx.begin_nested()?;
//! sp.execute(&text("INSERT INTO t VALUES (2)"))?;
//! sp.rollback()?;
//! tx.commit()?;
//! let n: Option<i64> = conn.execute(&text("SELECT count(*) FROM t"))?.scalar()?;
//! assert_eq!(n, Some(1));
//! # Ok::<(), aludel_engine::Error>(())
//! ```

use std::sync::Arc;

use aludel_core::compile::Params;
use aludel_core::schema::MetaData;
use aludel_core::{Dialect, Statement, StatementCache};

use crate::IsolationLevel;
use crate::decode::{FromRow, FromValue};
use crate::driver::sqlite::{self, Target};
use crate::driver::{Driver, Session, run_now};
use crate::error::{Error, Result};
use crate::result::ResultSet;
use crate::tx::{FrameId, TransactionKind};

/// A blocking SQLite connection.
///
/// `execute()` outside a transaction autobegins one (commit-as-you-go:
/// [`Connection::commit`]); [`Connection::begin`] / [`Connection::begin_nested`] return
/// guards. Dropping the connection rolls back whatever is open.
///
/// ```
/// use aludel_engine::blocking::Connection;
/// let mut conn = Connection::open("sqlite::memory:").unwrap();
/// conn.execute(&aludel_core::text("CREATE TABLE t (x INTEGER)")).unwrap();
/// assert!(conn.in_transaction());
/// conn.commit().unwrap();
/// assert!(!conn.in_transaction());
/// ```
#[derive(Debug)]
pub struct Connection {
    session: Session<sqlite::Lite>,
}

impl Connection {
    /// Opens `sqlite::memory:` or `sqlite://<path>` (the file is created if missing).
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// assert!(Connection::open("postgres://localhost/x").is_err());
    /// ```
    pub fn open(url: &str) -> Result<Connection> {
        Connection::open_with_cache(url, Arc::new(StatementCache::new(256)))
    }

    /// Like [`Connection::open`], sharing a compiled-statement cache with other
    /// connections.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use aludel_engine::blocking::Connection;
    /// let cache = Arc::new(aludel_core::StatementCache::new(64));
    /// let a = Connection::open_with_cache("sqlite::memory:", cache.clone()).unwrap();
    /// let b = Connection::open_with_cache("sqlite::memory:", cache).unwrap();
    /// # drop((a, b));
    /// ```
    pub fn open_with_cache(url: &str, cache: Arc<StatementCache>) -> Result<Connection> {
        let target = match sqlite::parse_url(url) {
            Ok(t) => t,
            Err(e) if !url.starts_with("sqlite:") => {
                return Err(Error::config(format!(
                    "the blocking API runs SQLite only; {url:?} is not an SQLite URL ({e})"
                )));
            }
            Err(e) => return Err(e),
        };
        Connection::from_target(&target, cache)
    }

    fn from_target(target: &Target, cache: Arc<StatementCache>) -> Result<Connection> {
        let conn = sqlite::open(target)?;
        Ok(Connection {
            session: Session::new(conn, sqlite::dialect(), cache),
        })
    }

    /// The dialect (SQLite at the linked library's version).
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// let conn = Connection::open("sqlite::memory:").unwrap();
    /// assert_eq!(conn.dialect().name(), "sqlite");
    /// ```
    pub fn dialect(&self) -> Dialect {
        self.session.dialect
    }

    /// Executes a statement; outside a transaction this autobegins one.
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let r = conn.execute(&aludel_core::text("SELECT 1")).unwrap();
    /// assert_eq!(r.len(), 1);
    /// ```
    pub fn execute<S: Statement + ?Sized>(&mut self, stmt: &S) -> Result<ResultSet> {
        self.execute_with(stmt, &Params::new())
    }

    /// Executes a statement with values for its named parameters.
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// use aludel_core::prelude::*;
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let r = conn.execute_with(&text("SELECT :n + 1"), &Params::new().set("n", 41i64)).unwrap();
    /// assert_eq!(r.scalar::<i64>().unwrap(), Some(42));
    /// ```
    pub fn execute_with<S: Statement + ?Sized>(
        &mut self,
        stmt: &S,
        params: &Params,
    ) -> Result<ResultSet> {
        run_now(self.session.execute(stmt, params))
    }

    /// Executes a statement once per parameter set; the affected-row counts are summed.
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// use aludel_core::prelude::*;
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// conn.execute(&text("CREATE TABLE t (x INTEGER)")).unwrap();
    /// let sets: Vec<Params> = (0..3).map(|i| Params::new().set("x", i as i64)).collect();
    /// let r = conn.execute_many(&text("INSERT INTO t VALUES (:x)"), &sets).unwrap();
    /// assert_eq!(r.rows_affected(), 3);
    /// ```
    pub fn execute_many<S: Statement + ?Sized>(
        &mut self,
        stmt: &S,
        sets: &[Params],
    ) -> Result<ResultSet> {
        run_now(self.session.execute_many(stmt, sets))
    }

    /// Calls `f` with every row of a query, decoded into `T`, without buffering the
    /// result (the streaming form); an error from `f` stops the query.
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let sql = aludel_core::text("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000) SELECT x FROM n");
    /// let mut sum = 0;
    /// conn.for_each(&sql, |x: i64| { sum += x; Ok(()) }).unwrap();
    /// assert_eq!(sum, 500_500);
    /// ```
    pub fn for_each<T: FromRow, S: Statement + ?Sized>(
        &mut self,
        stmt: &S,
        f: impl FnMut(T) -> Result<()>,
    ) -> Result<()> {
        for_each(&mut self.session, stmt, &Params::new(), f)
    }

    /// Like [`Connection::for_each`], with values for named parameters.
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// use aludel_core::prelude::*;
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let sql = text("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :top) SELECT x FROM n");
    /// let mut count = 0;
    /// conn.for_each_with(&sql, &Params::new().set("top", 10i64), |_: i64| { count += 1; Ok(()) }).unwrap();
    /// assert_eq!(count, 10);
    /// ```
    pub fn for_each_with<T: FromRow, S: Statement + ?Sized>(
        &mut self,
        stmt: &S,
        params: &Params,
        f: impl FnMut(T) -> Result<()>,
    ) -> Result<()> {
        for_each(&mut self.session, stmt, params, f)
    }

    /// Creates the tables of `metadata` that do not exist yet, in one transaction (see
    /// the async [`crate::Connection::create_all`]).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// use aludel::schema::MetaData;
    /// #[derive(Table)] struct Notes { #[aludel(primary_key)] id: i64 }
    /// let mut conn = aludel::blocking::Connection::open("sqlite::memory:").unwrap();
    /// let md = MetaData::new().table(notes::table);
    /// conn.create_all(&md).unwrap();
    /// assert_eq!(conn.scalar::<i64, _>(&select(func::count_star()).select_from(notes::table)).unwrap(), Some(0));
    /// conn.drop_all(&md).unwrap();
    /// ```
    pub fn create_all(&mut self, metadata: &MetaData) -> Result<()> {
        run_now(self.session.schema_ddl(metadata, true))
    }

    /// Drops the tables of `metadata` that exist (see the async
    /// [`crate::Connection::drop_all`]).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// use aludel::schema::MetaData;
    /// #[derive(Table)] struct Notes { #[aludel(primary_key)] id: i64 }
    /// let mut conn = aludel::blocking::Connection::open("sqlite::memory:").unwrap();
    /// conn.drop_all(&MetaData::new().table(notes::table)).unwrap(); // nothing to drop
    /// ```
    pub fn drop_all(&mut self, metadata: &MetaData) -> Result<()> {
        run_now(self.session.schema_ddl(metadata, false))
    }

    /// The first column of the first row, or `None` when there is no row.
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// assert_eq!(conn.scalar::<i64, _>(&aludel_core::text("SELECT 7")).unwrap(), Some(7));
    /// ```
    pub fn scalar<T: FromValue, S: Statement + ?Sized>(&mut self, stmt: &S) -> Result<Option<T>> {
        self.execute(stmt)?.scalar()
    }

    /// Begins a transaction: a root (`BEGIN`) when none is open, a marker joining the
    /// open one otherwise.
    ///
    /// ```
    /// use aludel_engine::{blocking::Connection, TransactionKind};
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let tx = conn.begin().unwrap();
    /// assert_eq!(tx.kind(), TransactionKind::Root);
    /// tx.commit().unwrap();
    /// ```
    pub fn begin(&mut self) -> Result<Transaction<'_>> {
        let (id, kind) = run_now(self.session.begin())?;
        Ok(Transaction::new(&mut self.session, id, kind))
    }

    /// Begins a savepoint (inside an autobegun transaction when none is open).
    ///
    /// ```
    /// use aludel_engine::{blocking::Connection, TransactionKind};
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let sp = conn.begin_nested().unwrap();
    /// assert_eq!(sp.kind(), TransactionKind::Savepoint);
    /// sp.commit().unwrap();
    /// conn.commit().unwrap();
    /// ```
    pub fn begin_nested(&mut self) -> Result<Transaction<'_>> {
        let id = run_now(self.session.begin_nested())?;
        Ok(Transaction::new(
            &mut self.session,
            id,
            TransactionKind::Savepoint,
        ))
    }

    /// Commits the autobegun transaction, if any (commit-as-you-go).
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// conn.commit().unwrap(); // nothing open: nothing to do
    /// ```
    pub fn commit(&mut self) -> Result<()> {
        run_now(self.session.commit_implicit())
    }

    /// Rolls back the autobegun transaction, if any, and clears an inactive one.
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// conn.execute(&aludel_core::text("CREATE TABLE t (x INTEGER)")).unwrap();
    /// conn.rollback().unwrap();
    /// assert!(conn.execute(&aludel_core::text("SELECT * FROM t")).is_err());
    /// ```
    pub fn rollback(&mut self) -> Result<()> {
        run_now(self.session.rollback_implicit())
    }

    /// Runs `f` in a transaction (root, or marker when one is open): committed when `f`
    /// returns `Ok`, rolled back when it returns `Err`.
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// use aludel_core::text;
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// conn.execute(&text("CREATE TABLE t (x INTEGER)")).unwrap();
    /// conn.commit().unwrap();
    /// let r: Result<(), _> = conn.transaction(|tx| {
    ///     tx.execute(&text("INSERT INTO t VALUES (1)"))?;
    ///     Err(aludel_engine::Error::NoResultFound)
    /// });
    /// assert!(r.is_err());
    /// assert_eq!(conn.scalar::<i64, _>(&text("SELECT count(*) FROM t")).unwrap(), Some(0));
    /// ```
    pub fn transaction<T>(
        &mut self,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut tx = self.begin()?;
        match f(&mut tx) {
            Ok(v) => {
                tx.commit()?;
                Ok(v)
            }
            Err(e) => {
                // The closure's error is what the caller needs; a failed rollback leaves
                // the connection to be reset before its next use.
                let _ = tx.rollback();
                Err(e)
            }
        }
    }

    /// Like [`Connection::transaction`], retrying the whole transaction when it fails
    /// with a serialization failure or a deadlock ([`Error::is_retryable`]; SQLite's
    /// `SQLITE_BUSY_SNAPSHOT`), in the closure or at COMMIT, up to `attempts` runs in
    /// all. Called while a transaction is open, it runs once (a marker): the owner of
    /// the enclosing transaction retries.
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// use aludel_core::text;
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let mut runs = 0;
    /// let n = conn
    ///     .transaction_with_retries(3, |tx| { runs += 1; tx.scalar::<i64, _>(&text("SELECT 2")) })
    ///     .unwrap();
    /// assert_eq!((n, runs), (Some(2), 1));
    /// ```
    pub fn transaction_with_retries<T>(
        &mut self,
        attempts: u32,
        mut f: impl FnMut(&mut Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let retry = !self.in_transaction();
        let mut attempt = 1;
        loop {
            match self.transaction(&mut f) {
                Err(e) if retry && e.is_retryable() && attempt < attempts.max(1) => {
                    std::thread::sleep(std::time::Duration::from_millis(1 << attempt.min(7)));
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Whether a transaction (autobegun or not) is open.
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// let conn = Connection::open("sqlite::memory:").unwrap();
    /// assert!(!conn.in_transaction());
    /// ```
    pub fn in_transaction(&self) -> bool {
        self.session.state.in_transaction()
    }

    /// Sets the isolation level: SQLite supports `Serializable` (its only level) and
    /// `Autocommit` (statements outside `begin()` do not autobegin). An error inside a
    /// transaction.
    ///
    /// ```
    /// use aludel_engine::{blocking::Connection, IsolationLevel};
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// conn.set_isolation_level(IsolationLevel::Autocommit).unwrap();
    /// conn.execute(&aludel_core::text("SELECT 1")).unwrap();
    /// assert!(!conn.in_transaction());
    /// assert!(conn.set_isolation_level(IsolationLevel::ReadCommitted).is_err());
    /// ```
    pub fn set_isolation_level(&mut self, level: IsolationLevel) -> Result<()> {
        run_now(self.session.cleanup())?;
        if self.session.state.in_transaction() {
            return Err(Error::invalid(format!(
                "cannot set the isolation level to {level} inside a transaction; commit or roll back first"
            )));
        }
        match level {
            IsolationLevel::Serializable | IsolationLevel::Default => {
                self.session.state.autocommit = false
            }
            IsolationLevel::Autocommit => self.session.state.autocommit = true,
            other => {
                return Err(Error::invalid(format!(
                    "SQLite has no {other} isolation level (its transactions are SERIALIZABLE; AUTOCOMMIT is also available)"
                )));
            }
        }
        Ok(())
    }

    /// Whether the database connection itself is outside any transaction (SQLite's
    /// autocommit flag): for tests and diagnostics.
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// let conn = Connection::open("sqlite::memory:").unwrap();
    /// assert!(conn.is_autocommit());
    /// ```
    pub fn is_autocommit(&self) -> bool {
        self.session.driver.conn.is_autocommit()
    }
}

/// A transaction handle on a blocking connection: root, marker or savepoint (see
/// DESIGN.md, Transactions). Dropped without `commit()` / `rollback()` it counts as
/// rolled back; the rollback runs before the connection's next statement.
///
/// ```
/// use aludel_engine::blocking::Connection;
/// use aludel_core::text;
/// let mut conn = Connection::open("sqlite::memory:").unwrap();
/// conn.execute(&text("CREATE TABLE t (x INTEGER)")).unwrap();
/// conn.commit().unwrap();
/// {
///     let mut tx = conn.begin().unwrap();
///     tx.execute(&text("INSERT INTO t VALUES (1)")).unwrap();
/// } // dropped: rolled back
/// assert_eq!(conn.scalar::<i64, _>(&text("SELECT count(*) FROM t")).unwrap(), Some(0));
/// ```
#[derive(Debug)]
pub struct Transaction<'c> {
    session: &'c mut Session<sqlite::Lite>,
    id: FrameId,
    kind: TransactionKind,
    done: bool,
}

impl<'c> Transaction<'c> {
    fn new(session: &'c mut Session<sqlite::Lite>, id: FrameId, kind: TransactionKind) -> Self {
        Transaction {
            session,
            id,
            kind,
            done: false,
        }
    }

    /// Root, marker or savepoint.
    ///
    /// ```
    /// use aludel_engine::{blocking::Connection, TransactionKind};
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let mut tx = conn.begin().unwrap();
    /// assert_eq!(tx.begin().unwrap().kind(), TransactionKind::Marker);
    /// ```
    pub fn kind(&self) -> TransactionKind {
        self.kind
    }

    /// Whether this transaction can still run statements (it is inactive after an inner
    /// marker was rolled back, a cancelled operation or a lost connection).
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let mut tx = conn.begin().unwrap();
    /// tx.begin().unwrap().rollback().unwrap();
    /// assert!(!tx.is_active());
    /// ```
    pub fn is_active(&self) -> bool {
        self.session.state.is_active(self.id)
    }

    /// Executes a statement in this transaction.
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let mut tx = conn.begin().unwrap();
    /// assert_eq!(tx.execute(&aludel_core::text("SELECT 1")).unwrap().len(), 1);
    /// ```
    pub fn execute<S: Statement + ?Sized>(&mut self, stmt: &S) -> Result<ResultSet> {
        self.execute_with(stmt, &Params::new())
    }

    /// Executes a statement with values for its named parameters.
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// use aludel_core::prelude::*;
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let mut tx = conn.begin().unwrap();
    /// let r = tx.execute_with(&text("SELECT :a"), &Params::new().set("a", "x")).unwrap();
    /// assert_eq!(r.scalar::<String>().unwrap().as_deref(), Some("x"));
    /// ```
    pub fn execute_with<S: Statement + ?Sized>(
        &mut self,
        stmt: &S,
        params: &Params,
    ) -> Result<ResultSet> {
        run_now(self.session.execute(stmt, params))
    }

    /// Executes a statement once per parameter set in this transaction (see
    /// [`Connection::execute_many`]).
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// use aludel_core::prelude::*;
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let mut tx = conn.begin().unwrap();
    /// tx.execute(&text("CREATE TABLE t (x INTEGER)")).unwrap();
    /// let sets = [Params::new().set("x", 1i64), Params::new().set("x", 2i64)];
    /// assert_eq!(tx.execute_many(&text("INSERT INTO t VALUES (:x)"), &sets).unwrap().rows_affected(), 2);
    /// ```
    pub fn execute_many<S: Statement + ?Sized>(
        &mut self,
        stmt: &S,
        sets: &[Params],
    ) -> Result<ResultSet> {
        run_now(self.session.execute_many(stmt, sets))
    }

    /// Creates the tables of `metadata` that do not exist yet, inside this transaction.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// use aludel::schema::MetaData;
    /// #[derive(Table)] struct Notes { #[aludel(primary_key)] id: i64 }
    /// let mut conn = aludel::blocking::Connection::open("sqlite::memory:").unwrap();
    /// let mut tx = conn.begin().unwrap();
    /// tx.create_all(&MetaData::new().table(notes::table)).unwrap();
    /// tx.commit().unwrap();
    /// ```
    pub fn create_all(&mut self, metadata: &MetaData) -> Result<()> {
        run_now(self.session.schema_ddl(metadata, true))
    }

    /// Drops the tables of `metadata` that exist, inside this transaction.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// use aludel::schema::MetaData;
    /// #[derive(Table)] struct Notes { #[aludel(primary_key)] id: i64 }
    /// let mut conn = aludel::blocking::Connection::open("sqlite::memory:").unwrap();
    /// let md = MetaData::new().table(notes::table);
    /// conn.create_all(&md).unwrap();
    /// let mut tx = conn.begin().unwrap();
    /// tx.drop_all(&md).unwrap();
    /// tx.rollback().unwrap(); // the table is back
    /// ```
    pub fn drop_all(&mut self, metadata: &MetaData) -> Result<()> {
        run_now(self.session.schema_ddl(metadata, false))
    }

    /// The first column of the first row, or `None` when there is no row.
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let mut tx = conn.begin().unwrap();
    /// assert_eq!(tx.scalar::<i64, _>(&aludel_core::text("SELECT 5")).unwrap(), Some(5));
    /// ```
    pub fn scalar<T: FromValue, S: Statement + ?Sized>(&mut self, stmt: &S) -> Result<Option<T>> {
        self.execute(stmt)?.scalar()
    }

    /// Calls `f` with every row of a query in this transaction, without buffering the
    /// result (see [`Connection::for_each`]).
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// use aludel_core::prelude::*;
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let mut tx = conn.begin().unwrap();
    /// let mut seen = Vec::new();
    /// tx.for_each_with(&text("SELECT :a UNION ALL SELECT 2"), &Params::new().set("a", 1i64), |x: i64| {
    ///     seen.push(x);
    ///     Ok(())
    /// }).unwrap();
    /// assert_eq!(seen, [1, 2]);
    /// ```
    pub fn for_each_with<T: FromRow, S: Statement + ?Sized>(
        &mut self,
        stmt: &S,
        params: &Params,
        f: impl FnMut(T) -> Result<()>,
    ) -> Result<()> {
        for_each(self.session, stmt, params, f)
    }

    /// Begins a marker transaction joining this one.
    ///
    /// ```
    /// use aludel_engine::{blocking::Connection, TransactionKind};
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let mut tx = conn.begin().unwrap();
    /// let m = tx.begin().unwrap();
    /// assert_eq!(m.kind(), TransactionKind::Marker);
    /// ```
    pub fn begin(&mut self) -> Result<Transaction<'_>> {
        let (id, kind) = run_now(self.session.begin())?;
        Ok(Transaction::new(self.session, id, kind))
    }

    /// Begins a savepoint inside this transaction.
    ///
    /// ```
    /// use aludel_engine::{blocking::Connection, TransactionKind};
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let mut tx = conn.begin().unwrap();
    /// assert_eq!(tx.begin_nested().unwrap().kind(), TransactionKind::Savepoint);
    /// ```
    pub fn begin_nested(&mut self) -> Result<Transaction<'_>> {
        let id = run_now(self.session.begin_nested())?;
        Ok(Transaction::new(
            self.session,
            id,
            TransactionKind::Savepoint,
        ))
    }

    /// Commits: a root commits, a marker only closes, a savepoint is released. An
    /// inactive transaction cannot be committed ([`Error::InvalidRequest`]; it is rolled
    /// back instead).
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// conn.begin().unwrap().commit().unwrap();
    /// ```
    pub fn commit(mut self) -> Result<()> {
        let r = run_now(self.session.commit(self.id));
        self.done = r.is_ok();
        r
    }

    /// Rolls back: a root rolls back; a marker rolls back the transaction it joined and
    /// leaves it inactive until that one is rolled back; a savepoint rolls back to itself.
    ///
    /// ```
    /// use aludel_engine::blocking::Connection;
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// conn.begin().unwrap().rollback().unwrap();
    /// ```
    pub fn rollback(mut self) -> Result<()> {
        let r = run_now(self.session.rollback(self.id));
        // A failed rollback leaves the handle to Drop: it is then rolled back (or the
        // connection reset) before the next use, never left open with no owner.
        self.done = r.is_ok();
        r
    }
}

/// Streams a query's rows into `f` (the blocking form of a row stream).
fn for_each<T: FromRow, S: Statement + ?Sized>(
    s: &mut Session<sqlite::Lite>,
    stmt: &S,
    params: &Params,
    mut f: impl FnMut(T) -> Result<()>,
) -> Result<()> {
    run_now(s.prologue())?;
    let prepared = s.cache.prepare(stmt, &s.dialect)?;
    let bound = prepared.bind(params)?;
    let mut scratch = Vec::new();
    sqlite::for_each_row(
        &s.driver.conn,
        bound.sql(),
        bound.params(),
        |names, values| f(T::from_row_values(names, values, &mut scratch)?),
    )
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.session.state.dropped(self.id);
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Closing the SQLite connection rolls back whatever is open.
        if !self.session.state.is_clean() {
            let _ = run_now(self.session.driver.tx(&crate::tx::TxSql::ResetRollback));
        }
    }
}
