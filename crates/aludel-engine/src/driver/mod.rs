//! Drivers, and the one implementation of statement execution and transaction control
//! that the async and the blocking APIs share: [`Session`] drives the sans-I/O
//! [`TxState`] over a [`Driver`]. The blocking API's driver never suspends, so it runs
//! the same async code to completion in a single poll.

#[cfg(feature = "mysql")]
pub(crate) mod mysql;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite;

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use aludel_core::compile::Params;
use aludel_core::schema::{MetaData, table_exists_query};
use aludel_core::{Dialect, Prepared, Statement, StatementCache, StatementKind, Value};

use crate::IsolationLevel;
use crate::error::{Error, Result};
use crate::result::ResultSet;
use crate::tx::{FrameId, TransactionKind, TxSql, TxState};

/// One physical connection, as the engine drives it.
pub(crate) trait Driver {
    /// Runs transaction-control SQL.
    fn tx(&mut self, sql: &TxSql) -> impl Future<Output = Result<()>>;

    /// Runs a statement with positional parameters.
    fn run(
        &mut self,
        sql: &str,
        params: &[Cow<'_, Value>],
    ) -> impl Future<Output = Result<ResultSet>>;
}

/// A driver connection with its transaction state: what the APIs hold.
#[derive(Debug)]
pub(crate) struct Session<D> {
    pub(crate) driver: D,
    pub(crate) state: TxState,
    pub(crate) dialect: Dialect,
    pub(crate) cache: Arc<StatementCache>,
    /// The session's isolation level, as last set.
    pub(crate) isolation: IsolationLevel,
    /// The most rows `execute_many` puts in one multi-row INSERT.
    pub(crate) batch_rows: usize,
}

/// The most bind parameters one statement may carry on `dialect`'s driver: PostgreSQL's
/// protocol (as tokio-postgres counts them), SQLite's `SQLITE_MAX_VARIABLE_NUMBER` of the
/// bundled build, MySQL's protocol.
pub(crate) fn max_params(dialect: &Dialect) -> usize {
    use aludel_core::dialect::DialectKind;
    match dialect.kind() {
        DialectKind::Postgres => 32_767,
        DialectKind::Sqlite => 32_766,
        DialectKind::MySql | DialectKind::MariaDb => 65_535,
    }
}

/// The rows `execute_many` puts in one INSERT unless configured otherwise.
pub(crate) const DEFAULT_BATCH_ROWS: usize = 1000;

impl<D: Driver> Session<D> {
    pub(crate) fn new(driver: D, dialect: Dialect, cache: Arc<StatementCache>) -> Self {
        Session {
            driver,
            state: TxState::new(),
            dialect,
            cache,
            isolation: IsolationLevel::Default,
            batch_rows: DEFAULT_BATCH_ROWS,
        }
    }

    async fn send_tx(&mut self, sql: TxSql) -> Result<()> {
        let started = Instant::now();
        self.state.start_io();
        let r = self.driver.tx(&sql).await;
        self.state.end_io();
        if let Err(e) = &r {
            self.tx_failed(&sql, e);
        }
        tracing::debug!(
            target: "aludel::sql",
            dialect = %self.dialect,
            sql = %sql.render(quote_char(&self.dialect)),
            elapsed_us = started.elapsed().as_micros() as u64,
            ok = r.is_ok(),
            "transaction"
        );
        r
    }

    fn tx_failed(&mut self, sql: &TxSql, e: &Error) {
        if e.is_disconnect() {
            self.state.disconnected();
            return;
        }
        match sql {
            TxSql::Begin | TxSql::Savepoint(_) => self.state.abandon(),
            TxSql::Commit | TxSql::Rollback | TxSql::ResetRollback => self.state.needs_reset(),
            TxSql::ReleaseSavepoint(_) | TxSql::RollbackToSavepoint(_) => {
                self.state.release_failed()
            }
        }
    }

    /// Carries out what dropped handles and cancelled operations left behind. When one
    /// of those rollbacks fails, the rest of the list is not sent: the whole transaction
    /// is made inactive and reset instead (nothing is left half rolled back).
    pub(crate) async fn cleanup(&mut self) -> Result<()> {
        for sql in self.state.cleanup() {
            if let Err(e) = self.send_tx(sql).await {
                if !e.is_disconnect() {
                    self.state.rollback_failed();
                }
                return Err(e);
            }
        }
        Ok(())
    }

    /// Sends `sqls` in order; the frames they opened are claimed once all succeeded
    /// (a frame whose SQL succeeded stays open if a later one fails).
    async fn send_all(&mut self, sqls: Vec<TxSql>) -> Result<()> {
        for sql in sqls {
            self.send_tx(sql).await?;
            self.state.opened_one();
        }
        self.state.claim();
        Ok(())
    }

    pub(crate) async fn begin(&mut self) -> Result<(FrameId, TransactionKind)> {
        self.cleanup().await?;
        let (id, kind, sql) = self.state.begin()?;
        self.send_all(sql).await?;
        Ok((id, kind))
    }

    pub(crate) async fn begin_nested(&mut self) -> Result<FrameId> {
        self.cleanup().await?;
        let (id, sql) = self.state.begin_nested()?;
        self.send_all(sql).await?;
        Ok(id)
    }

    pub(crate) async fn commit(&mut self, id: FrameId) -> Result<()> {
        self.cleanup().await?;
        let sql = self.state.commit(id)?;
        self.send_all(sql).await
    }

    pub(crate) async fn rollback(&mut self, id: FrameId) -> Result<()> {
        self.cleanup().await?;
        let sql = self.state.rollback(id)?;
        self.send_all(sql).await
    }

    pub(crate) async fn commit_implicit(&mut self) -> Result<()> {
        self.cleanup().await?;
        let sql = self.state.commit_implicit()?;
        self.send_all(sql).await
    }

    pub(crate) async fn rollback_implicit(&mut self) -> Result<()> {
        self.cleanup().await?;
        let sql = self.state.rollback_implicit()?;
        self.send_all(sql).await
    }

    /// Before a statement: cleanup, then the pending-rollback check and autobegin.
    pub(crate) async fn prologue(&mut self) -> Result<()> {
        if self.state.needs_cleanup() || self.state.would_autobegin() {
            // Boxed: transaction-control I/O is the rare path (once per transaction at
            // most), and its futures would otherwise make every statement's larger.
            return Box::pin(self.prologue_io()).await;
        }
        self.state.before_statement().map(drop)
    }

    async fn prologue_io(&mut self) -> Result<()> {
        self.cleanup().await?;
        if let Some(begin) = self.state.before_statement()? {
            self.send_all(vec![begin]).await?;
        }
        Ok(())
    }

    /// Before a DDL statement. MySQL and MariaDB commit the open transaction implicitly
    /// at every DDL statement, so there DDL runs outside any transaction, and is refused
    /// inside one (the transaction's work would be committed without a word, and a later
    /// rollback would undo nothing). Elsewhere DDL is transactional: as any statement.
    async fn ddl_prologue(&mut self) -> Result<()> {
        if !implicit_commit_ddl(&self.dialect) {
            return self.prologue().await;
        }
        self.cleanup().await?;
        if self.state.in_transaction() {
            return Err(Error::invalid(format!(
                "{} commits the open transaction implicitly at every DDL statement: commit or roll back before running DDL (create_all() and drop_all() included)",
                self.dialect
            )));
        }
        Ok(())
    }

    /// The prologue of `stmt`: [`Session::ddl_prologue`] for DDL.
    pub(crate) async fn prologue_for<S: Statement + ?Sized>(&mut self, stmt: &S) -> Result<()> {
        if stmt.kind() == StatementKind::Ddl {
            Box::pin(self.ddl_prologue()).await
        } else {
            self.prologue().await
        }
    }

    /// Executes a statement (autobeginning unless in AUTOCOMMIT mode; DDL on MySQL and
    /// MariaDB: see [`Session::ddl_prologue`]).
    pub(crate) async fn execute<S: Statement + ?Sized>(
        &mut self,
        stmt: &S,
        params: &Params,
    ) -> Result<ResultSet> {
        self.prologue_for(stmt).await?;
        let started = Instant::now();
        let prepared = self.cache.prepare(stmt, &self.dialect)?;
        let st = prepared.statement();
        if !st.returns_defaults().is_empty() {
            return self.run_defaults(stmt, &prepared, params, started).await;
        }
        let mut r = self.run_prepared(&prepared, params, started).await?;
        if let Some(k) = st.insert_order() {
            // A multi-row INSERT's RETURNING rows, put back in input order.
            r.sort_rows_by_int(k);
        }
        Ok(r)
    }

    /// Runs a `return_defaults()` statement: its RETURNING rows become the returned
    /// defaults, or, where the dialect has no RETURNING for it, the generated values are
    /// read back by primary key in the same transaction (the key checked first, so that
    /// a statement whose row could not be found again is not run at all).
    async fn run_defaults<S: Statement + ?Sized>(
        &mut self,
        stmt: &S,
        prepared: &Prepared<'_>,
        params: &Params,
        started: Instant,
    ) -> Result<ResultSet> {
        let st = prepared.statement();
        if st.returning_rendered() {
            let mut r = self.run_prepared(prepared, params, started).await?;
            if let Some(k) = st.insert_order() {
                r.sort_rows_by_int(k);
            }
            return Ok(r.rows_into_defaults(st.primary_key()));
        }
        let fetch = stmt.return_defaults_fetch(&self.dialect, params)?;
        if fetch.is_some() && self.state.autocommit && !self.state.in_transaction() {
            // The statement would commit before its values are read back: refuse it
            // rather than leave a written row the caller may retry.
            return Err(Error::invalid(format!(
                "return_defaults() on {} reads the generated values back with a SELECT after the statement; in AUTOCOMMIT mode the two would not be one transaction: call begin() first",
                self.dialect
            )));
        }
        let mut r = self.run_prepared(prepared, params, started).await?;
        let Some(fetch) = fetch else {
            return Ok(r);
        };
        if r.rows_affected() == 0 {
            // Nothing written (an UPDATE that matched no row): nothing to read back.
            return Ok(r);
        }
        let select = fetch.compile(&self.dialect, r.insert_id())?;
        let args: Vec<Cow<'_, Value>> = select.params().iter().map(Cow::Borrowed).collect();
        let fetched = self
            .run_bound(select.sql(), &args, false, Instant::now())
            .await?;
        if fetched.len() != 1 {
            return Err(Error::invalid(format!(
                "return_defaults() on {}: the row the statement wrote was not found again by its primary key ({} rows matched {}); the statement ran, roll the transaction back",
                self.dialect,
                fetched.len(),
                select.sql()
            )));
        }
        r.set_defaults(fetched, st.primary_key());
        Ok(r)
    }

    /// `create_all` (`create`) or `drop_all`: asks the database which of the metadata's
    /// tables exist, then runs the DDL for the missing ones (or the existing ones). On
    /// PostgreSQL and SQLite it all runs in one transaction: the caller's when one is
    /// open (the caller commits), else one begun and committed here (rolled back on
    /// failure; begun even in AUTOCOMMIT mode). On MySQL and MariaDB each DDL statement
    /// commits itself, so no transaction may be open. The whole plan is compiled before
    /// its first statement runs.
    pub(crate) async fn schema_ddl(&mut self, md: &MetaData, create: bool) -> Result<()> {
        // Dropped handles first: a transaction they leave is not the caller's.
        self.cleanup().await?;
        let implicit = implicit_commit_ddl(&self.dialect);
        if implicit {
            self.ddl_prologue().await?;
        }
        let ours = !self.state.in_transaction();
        let r = self.schema_run(md, create, ours, implicit).await;
        // (A cancelled run does not get here: the next use of the connection rolls its
        // transaction back.)
        self.state.end_operation();
        r
    }

    /// The catalog queries and the DDL of [`Conn::schema_ddl`], in its transaction.
    async fn schema_run(
        &mut self,
        md: &MetaData,
        create: bool,
        ours: bool,
        implicit: bool,
    ) -> Result<()> {
        if ours {
            // One transaction for the catalog queries and (where DDL is transactional)
            // the DDL, whatever the mode: the operation's own.
            if let Some(begin) = self.state.begin_implicit()? {
                self.send_all(vec![begin]).await?;
            }
        }
        let r = self.schema_plan(md, create).await;
        let plan = match r {
            Ok(plan) => plan,
            Err(e) => {
                if ours && self.state.in_transaction() {
                    let _ = self.rollback_implicit().await;
                }
                return Err(e);
            }
        };
        if implicit && ours && self.state.in_transaction() {
            // The catalog queries' read-only transaction, before DDL that commits.
            self.commit_implicit().await?;
        }
        for stmt in &plan {
            if let Err(e) = self.execute(stmt, &Params::new()).await {
                if !implicit && ours && self.state.in_transaction() {
                    let _ = self.rollback_implicit().await;
                }
                return Err(e);
            }
        }
        if !implicit && ours && self.state.in_transaction() {
            self.commit_implicit().await?;
        }
        Ok(())
    }

    /// The DDL of `create_all` / `drop_all` for the tables the catalog says are missing
    /// (or present), every statement compiled already (an error here runs nothing).
    async fn schema_plan(
        &mut self,
        md: &MetaData,
        create: bool,
    ) -> Result<Vec<aludel_core::stmt::ddl::Ddl>> {
        use aludel_core::dialect::Feature;
        use aludel_core::schema::{TableDef, foreign_key_exists_query};
        let tables: Vec<&TableDef> = md.tables().collect();
        let mut exists = Vec::with_capacity(tables.len());
        for t in &tables {
            let q = table_exists_query(&self.dialect, t);
            exists.push(!self.execute(&q, &Params::new()).await?.is_empty());
        }
        let is = |t: &TableDef| {
            tables
                .iter()
                .position(|x| std::ptr::eq(*x, t))
                .is_some_and(|i| exists[i])
        };
        let plan = if create {
            md.create_missing_ddl(&self.dialect, is)?
        } else {
            // Without DROP FOREIGN KEY IF EXISTS (MySQL), ask which of a cycle's
            // foreign keys are there (a failed create_all may have left some out).
            let mut present: Vec<(*const TableDef, String)> = Vec::new();
            // (SQLite keeps a cycle's foreign keys inline: nothing to ask.)
            if self.dialect.supports(Feature::AlterTableConstraints)
                && !self.dialect.supports(Feature::DropConstraintIfExists)
            {
                for (t, fk) in md.cyclic_foreign_keys()? {
                    let name = fk.name().unwrap_or_default();
                    if !is(t) {
                        continue;
                    }
                    let q = foreign_key_exists_query(&self.dialect, t, name);
                    if !self.execute(&q, &Params::new()).await?.is_empty() {
                        present.push((t as *const TableDef, name.to_owned()));
                    }
                }
            }
            md.drop_existing_ddl_with(&self.dialect, is, |t, name| {
                present
                    .iter()
                    .any(|(p, n)| std::ptr::eq(*p, t) && n == name)
            })?
        };
        for stmt in &plan {
            self.cache.prepare(stmt, &self.dialect)?;
        }
        Ok(plan)
    }

    /// Executes a statement once per parameter set, in order, with one cache lookup
    /// (one shape walk) for all of them; the returned rows (RETURNING) come back in the
    /// order of the sets and the affected-row counts are summed. Stops at the first
    /// error.
    pub(crate) async fn execute_many<S: Statement + ?Sized>(
        &mut self,
        stmt: &S,
        sets: &[Params],
    ) -> Result<ResultSet> {
        self.prologue_for(stmt).await?;
        let mut started = Instant::now();
        let prepared = self.cache.prepare(stmt, &self.dialect)?;
        let mut out = ResultSet::default();
        // After the prologue, only an error (which ends the loop) changes the
        // transaction state: the sets need no prologue of their own.
        let st = prepared.statement();
        let defaults = !st.returns_defaults().is_empty();
        // One multi-row INSERT per batch where the rows can be put back in input order:
        // without RETURNING, or sorted by the auto-increment key it returns. Otherwise
        // (and for return_defaults() read back by a SELECT) one statement per set.
        let returns_rows = !st.columns().is_empty();
        if sets.len() > 1
            && st.batchable()
            && (!defaults || st.returning_rendered())
            && (!returns_rows || st.insert_order().is_some())
        {
            return self.execute_batched(&prepared, sets, started).await;
        }
        for params in sets {
            let r = if defaults {
                self.run_defaults(stmt, &prepared, params, started).await?
            } else {
                self.run_prepared(&prepared, params, started).await?
            };
            out.append(r);
            started = Instant::now();
        }
        Ok(out)
    }

    /// `execute_many` of a single-row INSERT as multi-row INSERTs: as many rows per
    /// statement as the driver's bind-parameter limit and the batch size allow; rows it
    /// returns are sorted back into input order by the auto-increment key.
    async fn execute_batched(
        &mut self,
        prepared: &Prepared<'_>,
        sets: &[Params],
        mut started: Instant,
    ) -> Result<ResultSet> {
        let st = prepared.statement();
        let (per_row, extra) = st.row_params().unwrap_or((1, 0));
        let limit = max_params(&self.dialect);
        let room = limit.saturating_sub(extra);
        let rows = (room / per_row.max(1)).clamp(1, self.batch_rows.max(1));
        let mut out = ResultSet::default();
        for chunk in sets.chunks(rows) {
            let bound = st.bind_rows(prepared.values(), chunk)?;
            let mut r = self
                .run_bound(bound.sql(), bound.params(), prepared.cache_hit(), started)
                .await?;
            if let Some(k) = st.insert_order() {
                r.sort_rows_by_int(k);
            }
            if !st.returns_defaults().is_empty() {
                r = r.rows_into_defaults(st.primary_key());
            }
            out.append(r);
            started = Instant::now();
        }
        Ok(out)
    }

    /// Runs bound SQL: the bind-parameter limit checked, the I/O state kept, a tracing
    /// event written.
    async fn run_bound(
        &mut self,
        sql: &str,
        params: &[Cow<'_, Value>],
        cache_hit: bool,
        started: Instant,
    ) -> Result<ResultSet> {
        let limit = max_params(&self.dialect);
        if params.len() > limit {
            return Err(Error::invalid(format!(
                "the statement has {} bind parameters; {} accepts at most {limit} in one statement \
                 (insert many rows with execute_many, which sends them in batches within the limit)",
                params.len(),
                self.dialect
            )));
        }
        self.state.start_io();
        let r = self.driver.run(sql, params).await;
        self.state.end_io();
        if let Err(e) = &r
            && e.is_disconnect()
        {
            self.state.disconnected();
        }
        tracing::debug!(
            target: "aludel::sql",
            dialect = %self.dialect,
            sql = sql,
            params = params.len(),
            cache_hit = cache_hit,
            elapsed_us = started.elapsed().as_micros() as u64,
            ok = r.is_ok(),
            "statement"
        );
        r
    }

    /// Binds `params` to a looked-up statement and runs it (after the prologue).
    async fn run_prepared(
        &mut self,
        prepared: &Prepared<'_>,
        params: &Params,
        started: Instant,
    ) -> Result<ResultSet> {
        let bound = prepared.bind(params)?;
        self.run_bound(bound.sql(), bound.params(), prepared.cache_hit(), started)
            .await
    }
}

/// Whether `dialect` commits the open transaction at every DDL statement (MySQL,
/// MariaDB).
fn implicit_commit_ddl(dialect: &Dialect) -> bool {
    use aludel_core::dialect::DialectKind;
    matches!(dialect.kind(), DialectKind::MySql | DialectKind::MariaDb)
}

/// The identifier quote character of `dialect` (for transaction-control SQL).
pub(crate) fn quote_char(dialect: &Dialect) -> char {
    match dialect.kind() {
        aludel_core::dialect::DialectKind::MySql | aludel_core::dialect::DialectKind::MariaDb => {
            '`'
        }
        _ => '"',
    }
}

/// Runs a future that never suspends (the blocking driver's) to completion.
#[cfg(feature = "sqlite")]
pub(crate) fn run_now<T>(f: impl Future<Output = Result<T>>) -> Result<T> {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(r) => r,
        std::task::Poll::Pending => Err(Error::invalid(
            "internal error: a blocking driver operation suspended",
        )),
    }
}
