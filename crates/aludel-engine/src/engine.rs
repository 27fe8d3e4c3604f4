//! The async API: [`Engine`] (a pool and a compiled-statement cache per database URL),
//! [`Connection`] (a pooled connection) and [`Transaction`] (root, marker, savepoint).

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use aludel_core::compile::Params;
use aludel_core::dialect::Version;
use aludel_core::schema::MetaData;
use aludel_core::{Dialect, Statement, StatementCache, Value};
use deadpool::managed::{self, Metrics, Object, Pool, PoolError, RecycleResult, TimeoutType};

use crate::IsolationLevel;
use crate::decode::{FromRow, FromValue};
use crate::driver::{Driver, Session};
use crate::error::{Error, Result};
use crate::result::ResultSet;
use crate::tx::{FrameId, TransactionKind, TxSql};

#[cfg(feature = "mysql")]
use crate::driver::mysql::MyConn;
#[cfg(feature = "postgres")]
use crate::driver::postgres::PgConn;
#[cfg(feature = "sqlite")]
use crate::driver::sqlite::{self, SqliteThread, Target};

/// The database a URL names.
#[derive(Clone, Debug)]
enum Backend {
    #[cfg(feature = "sqlite")]
    Sqlite(Target),
    #[cfg(feature = "postgres")]
    Postgres(String),
    #[cfg(feature = "mysql")]
    MySql(String),
}

fn backend_of(url: &str) -> Result<Backend> {
    let scheme = url.split(':').next().unwrap_or("");
    match scheme {
        #[cfg(feature = "sqlite")]
        "sqlite" => Ok(Backend::Sqlite(sqlite::parse_url(url)?)),
        #[cfg(feature = "postgres")]
        "postgres" | "postgresql" => Ok(Backend::Postgres(url.to_owned())),
        #[cfg(feature = "mysql")]
        "mysql" | "mariadb" => Ok(Backend::MySql(match url.strip_prefix("mariadb") {
            Some(rest) => format!("mysql{rest}"),
            None => url.to_owned(),
        })),
        #[allow(unreachable_patterns)]
        "sqlite" | "postgres" | "postgresql" | "mysql" | "mariadb" => Err(Error::config(format!(
            "the {scheme} driver is not compiled in: enable aludel-engine's `{}` feature",
            match scheme {
                "postgresql" => "postgres",
                "mariadb" => "mysql",
                s => s,
            }
        ))),
        _ => Err(Error::config(format!(
            "unsupported database URL {url:?}: use sqlite::memory:, sqlite://<path>, postgres://... or mysql://..."
        ))),
    }
}

/// One physical connection, whichever the driver.
#[derive(Debug)]
pub(crate) enum AnyDriver {
    #[cfg(feature = "sqlite")]
    Sqlite(SqliteThread),
    #[cfg(feature = "postgres")]
    Postgres(PgConn),
    #[cfg(feature = "mysql")]
    MySql(MyConn),
}

impl Driver for AnyDriver {
    async fn tx(&mut self, sql: &TxSql) -> Result<()> {
        match self {
            #[cfg(feature = "sqlite")]
            AnyDriver::Sqlite(d) => d.tx(sql).await,
            #[cfg(feature = "postgres")]
            AnyDriver::Postgres(d) => d.tx(sql).await,
            #[cfg(feature = "mysql")]
            AnyDriver::MySql(d) => d.tx(sql).await,
        }
    }

    async fn run(&mut self, sql: &str, params: &[Cow<'_, Value>]) -> Result<ResultSet> {
        match self {
            #[cfg(feature = "sqlite")]
            AnyDriver::Sqlite(d) => d.run(sql, params).await,
            #[cfg(feature = "postgres")]
            AnyDriver::Postgres(d) => d.run(sql, params).await,
            #[cfg(feature = "mysql")]
            AnyDriver::MySql(d) => d.run(sql, params).await,
        }
    }
}

impl AnyDriver {
    async fn open(backend: &Backend) -> Result<(AnyDriver, Dialect)> {
        Ok(match backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(target) => (
                AnyDriver::Sqlite(SqliteThread::open(target.clone()).await?),
                sqlite::dialect(),
            ),
            #[cfg(feature = "postgres")]
            Backend::Postgres(url) => {
                let (c, d) = PgConn::connect(url).await?;
                (AnyDriver::Postgres(c), d)
            }
            #[cfg(feature = "mysql")]
            Backend::MySql(url) => {
                let (c, d) = MyConn::connect(url).await?;
                (AnyDriver::MySql(c), d)
            }
        })
    }

    /// Whether the connection was lost (it must not be used again).
    fn is_broken(&self) -> bool {
        match self {
            #[cfg(feature = "sqlite")]
            AnyDriver::Sqlite(d) => d.is_broken(),
            #[cfg(feature = "postgres")]
            AnyDriver::Postgres(d) => d.is_broken(),
            #[cfg(feature = "mysql")]
            AnyDriver::MySql(d) => d.is_broken(),
        }
    }

    /// Whether the database session is inside a transaction, asked of the database.
    async fn server_in_transaction(&mut self) -> Result<bool> {
        match self {
            #[cfg(feature = "sqlite")]
            AnyDriver::Sqlite(d) => Ok(!d.is_autocommit().await?),
            #[cfg(feature = "postgres")]
            AnyDriver::Postgres(d) => d.server_in_transaction().await,
            #[cfg(feature = "mysql")]
            AnyDriver::MySql(d) => d.server_in_transaction().await,
        }
    }

    /// Sets the session's isolation level for later transactions (AUTOCOMMIT is the
    /// state machine's business, not the session's).
    async fn apply_isolation(&mut self, level: IsolationLevel) -> Result<()> {
        let name = match level {
            IsolationLevel::Autocommit => return Ok(()),
            other => other,
        };
        match self {
            #[cfg(feature = "sqlite")]
            AnyDriver::Sqlite(_) => match name {
                IsolationLevel::Serializable | IsolationLevel::Default => Ok(()),
                other => Err(Error::invalid(format!(
                    "SQLite has no {other} isolation level (its transactions are SERIALIZABLE; AUTOCOMMIT is also available)"
                ))),
            },
            #[cfg(feature = "postgres")]
            AnyDriver::Postgres(d) => {
                if name == IsolationLevel::Default {
                    d.simple("RESET default_transaction_isolation").await
                } else {
                    d.simple(&format!(
                        "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL {name}"
                    ))
                    .await
                }
            }
            #[cfg(feature = "mysql")]
            AnyDriver::MySql(d) => d.set_isolation(name).await,
        }
    }
}

enum Source<'c> {
    #[cfg(feature = "sqlite")]
    Sqlite {
        rx: tokio::sync::mpsc::Receiver<Result<Vec<Value>>>,
        chunk: std::vec::IntoIter<Value>,
    },
    #[cfg(feature = "postgres")]
    Postgres(crate::driver::postgres::PgStream),
    #[cfg(feature = "mysql")]
    MySql(crate::driver::mysql::MyStream<'c>),
    #[allow(dead_code)]
    Borrow(std::marker::PhantomData<&'c ()>),
}

/// Rows read as they arrive, for results too large to buffer: the async counterpart
/// of [`ResultSet`]. It borrows the connection until dropped.
///
/// ```
/// use aludel_core::text;
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
/// let mut conn = engine.connect().await.unwrap();
/// let sql = text("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10000) SELECT x FROM n");
/// let mut rows = conn.stream(&sql).await.unwrap();
/// let mut sum = 0;
/// while let Some(x) = rows.next::<i64>().await.unwrap() {
///     sum += x;
/// }
/// assert_eq!(sum, 50_005_000);
/// # });
/// ```
pub struct RowStream<'c> {
    source: Source<'c>,
    columns: Arc<[String]>,
    sql: String,
    state: &'c mut crate::tx::TxState,
    done: bool,
}

impl std::fmt::Debug for RowStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowStream")
            .field("sql", &self.sql)
            .field("columns", &self.columns)
            .field("done", &self.done)
            .finish()
    }
}

impl RowStream<'_> {
    /// The result's column names.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// let rows = conn.stream(&aludel_core::text("SELECT 1 AS a")).await.unwrap();
    /// assert_eq!(rows.columns(), ["a"]);
    /// # });
    /// ```
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    async fn next_values(&mut self) -> Result<Option<Vec<Value>>> {
        if self.done {
            return Ok(None);
        }
        let r: Result<Option<Vec<Value>>> = match &mut self.source {
            #[cfg(feature = "sqlite")]
            Source::Sqlite { rx, chunk } => {
                let width = self.columns.len();
                if chunk.len() < width.max(1) {
                    match rx.recv().await {
                        // The end marker.
                        Some(Ok(next)) if next.is_empty() => {
                            self.done = true;
                            return Ok(None);
                        }
                        Some(Ok(next)) => *chunk = next.into_iter(),
                        Some(Err(e)) => {
                            self.done = true;
                            return Err(e);
                        }
                        // Closed without the end marker: the thread stopped mid-stream.
                        None => {
                            self.done = true;
                            return Err(Error::Disconnect {
                                context: crate::error::DbContext::new(
                                    Some(self.sql.clone()),
                                    None,
                                    "the SQLite connection's thread stopped before the result ended",
                                ),
                                source: "SQLite thread stopped".into(),
                            });
                        }
                    }
                }
                Ok(Some(chunk.by_ref().take(width).collect()))
            }
            #[cfg(feature = "postgres")]
            Source::Postgres(p) => p.next(&self.sql).await,
            #[cfg(feature = "mysql")]
            Source::MySql(m) => {
                // A read cancelled mid-packet leaves the MySQL protocol state unknown:
                // the state machine must know (the connection is reset before its next
                // use). SQLite's and PostgreSQL's reads can be abandoned at any point.
                self.state.start_io();
                let r = m.next(&self.sql).await;
                self.state.end_io();
                r
            }
            Source::Borrow(_) => Ok(None),
        };
        match &r {
            Ok(None) => self.done = true,
            Err(e) => {
                self.done = true;
                if e.is_disconnect() {
                    self.state.disconnected();
                }
            }
            Ok(Some(_)) => {}
        }
        r
    }

    /// The next row decoded into `T`, or `None` after the last one.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// let mut rows = conn.stream(&aludel_core::text("SELECT 1, 'a'")).await.unwrap();
    /// assert_eq!(rows.next::<(i64, String)>().await.unwrap(), Some((1, "a".to_owned())));
    /// assert_eq!(rows.next::<(i64, String)>().await.unwrap(), None);
    /// # });
    /// ```
    pub async fn next<T: FromRow>(&mut self) -> Result<Option<T>> {
        match self.next_values().await? {
            Some(values) => {
                T::from_row_values(&self.columns, &mut values.into_iter(), &mut Vec::new())
                    .map(Some)
            }
            None => Ok(None),
        }
    }
}

impl Session<AnyDriver> {
    async fn stream<S: Statement + Sync + ?Sized>(
        &mut self,
        stmt: &S,
        params: &Params,
    ) -> Result<RowStream<'_>> {
        self.prologue_for(stmt).await?;
        let prepared = self.cache.prepare(stmt, &self.dialect)?;
        let bound = prepared.bind(params)?;
        let sql = bound.sql().to_owned();
        let Session { driver, state, .. } = self;
        state.start_io();
        let opened: Result<(Source<'_>, Arc<[String]>)> = match driver {
            #[cfg(feature = "sqlite")]
            AnyDriver::Sqlite(d) => d.stream(&sql, bound.params()).await.map(|(columns, rx)| {
                (
                    Source::Sqlite {
                        rx,
                        chunk: Vec::new().into_iter(),
                    },
                    columns,
                )
            }),
            #[cfg(feature = "postgres")]
            AnyDriver::Postgres(d) => d.stream(&sql, bound.params()).await.map(|p| {
                let columns = p.columns().clone();
                (Source::Postgres(p), columns)
            }),
            #[cfg(feature = "mysql")]
            AnyDriver::MySql(d) => d.stream(&sql, bound.params()).await.map(|m| {
                let columns = m.columns().clone();
                (Source::MySql(m), columns)
            }),
        };
        state.end_io();
        let (source, columns) = match opened {
            Ok(o) => o,
            Err(e) => {
                if e.is_disconnect() {
                    state.disconnected();
                }
                return Err(e);
            }
        };
        Ok(RowStream {
            source,
            columns,
            sql,
            state,
            done: false,
        })
    }
}

/// Creates and checks connections for the pool.
#[derive(Debug)]
struct Manager {
    backend: Backend,
    cache: Arc<StatementCache>,
    isolation: IsolationLevel,
    pre_ping: bool,
    server_version: Option<Version>,
    batch_rows: usize,
}

impl managed::Manager for Manager {
    type Type = Session<AnyDriver>;
    type Error = Error;

    async fn create(&self) -> Result<Session<AnyDriver>> {
        let (mut driver, dialect) = AnyDriver::open(&self.backend).await?;
        let dialect = match self.server_version {
            Some(v) => dialect.with_version(v.major, v.minor, v.patch),
            None => dialect,
        };
        driver.apply_isolation(self.isolation).await?;
        let mut session = Session::new(driver, dialect, self.cache.clone());
        session.batch_rows = self.batch_rows;
        session.isolation = self.isolation;
        session.state.autocommit = self.isolation == IsolationLevel::Autocommit;
        Ok(session)
    }

    async fn recycle(&self, s: &mut Session<AnyDriver>, _: &Metrics) -> RecycleResult<Error> {
        if s.driver.is_broken() {
            return Err(managed::RecycleError::message("the connection was lost"));
        }
        // A connection whose transaction state is not known to be clean never goes to
        // the next user: reset it, or let the pool discard it.
        if !s.state.is_clean() {
            s.state.reset();
            s.driver
                .tx(&TxSql::ResetRollback)
                .await
                .map_err(managed::RecycleError::Backend)?;
            if s.driver
                .server_in_transaction()
                .await
                .map_err(managed::RecycleError::Backend)?
            {
                return Err(managed::RecycleError::message(
                    "the connection is still inside a transaction after a rollback",
                ));
            }
        }
        if self.pre_ping {
            s.driver
                .run("SELECT 1", &[])
                .await
                .map_err(managed::RecycleError::Backend)?;
        }
        if s.isolation != self.isolation {
            s.driver
                .apply_isolation(self.isolation)
                .await
                .map_err(managed::RecycleError::Backend)?;
            s.isolation = self.isolation;
        }
        s.state.autocommit = self.isolation == IsolationLevel::Autocommit;
        Ok(())
    }
}

/// Settings for [`Engine::builder`].
///
/// ```
/// use std::time::Duration;
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let engine = aludel_engine::Engine::builder("sqlite::memory:")
///     .wait_timeout(Duration::from_secs(1))
///     .statement_cache_size(128)
///     .build()
///     .await
///     .unwrap();
/// assert_eq!(engine.pool_size(), 1);
/// # });
/// ```
#[derive(Debug)]
#[must_use]
pub struct EngineBuilder {
    url: String,
    max_size: Option<usize>,
    wait_timeout: Duration,
    create_timeout: Duration,
    cache_size: usize,
    isolation: IsolationLevel,
    pre_ping: bool,
    server_version: Option<Version>,
    batch_rows: usize,
}

impl EngineBuilder {
    /// The most rows [`Connection::execute_many`] puts in one multi-row INSERT (default
    /// 1000); fewer when the driver's bind-parameter limit (PostgreSQL 32,767, SQLite
    /// 32,766, MySQL 65,535) is reached first.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let e = aludel_engine::Engine::builder("sqlite::memory:").insert_batch_rows(500).build().await.unwrap();
    /// # let _ = e;
    /// # });
    /// ```
    pub fn insert_batch_rows(mut self, rows: usize) -> Self {
        self.batch_rows = rows.max(1);
        self
    }

    /// Compiles for this server version instead of the one the server reports: SQL
    /// that an older server of the fleet (a replica not yet upgraded) also accepts, or a
    /// test of an older version's code path (`return_defaults()` without RETURNING) on a
    /// newer server.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use aludel_core::dialect::Version;
    /// let e = aludel_engine::Engine::builder("sqlite::memory:")
    ///     .server_version(Version::new(3, 30, 0))
    ///     .build()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(e.dialect().version(), Version::new(3, 30, 0));
    /// # });
    /// ```
    pub fn server_version(mut self, version: Version) -> Self {
        self.server_version = Some(version);
        self
    }

    /// The most connections the pool holds (default: 10; 1 for `sqlite::memory:`, whose
    /// database exists only on its one connection).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let dir = std::env::temp_dir().join(format!("aludel-doc-{}.db", std::process::id()));
    /// let url = format!("sqlite://{}", dir.display());
    /// let engine = aludel_engine::Engine::builder(&url).max_size(3).build().await.unwrap();
    /// assert_eq!(engine.pool_size(), 3);
    /// # drop(engine); let _ = std::fs::remove_file(dir);
    /// # });
    /// ```
    pub fn max_size(mut self, n: usize) -> Self {
        self.max_size = Some(n.max(1));
        self
    }

    /// How long `connect()` waits for a free connection before [`Error::PoolTimeout`]
    /// (default: 30 s).
    ///
    /// ```
    /// let b = aludel_engine::Engine::builder("sqlite::memory:").wait_timeout(std::time::Duration::from_millis(50));
    /// # drop(b);
    /// ```
    pub fn wait_timeout(mut self, timeout: Duration) -> Self {
        self.wait_timeout = timeout;
        self
    }

    /// How long opening a new connection may take (default: 30 s).
    ///
    /// ```
    /// let b = aludel_engine::Engine::builder("sqlite::memory:").create_timeout(std::time::Duration::from_secs(5));
    /// # drop(b);
    /// ```
    pub fn create_timeout(mut self, timeout: Duration) -> Self {
        self.create_timeout = timeout;
        self
    }

    /// How many compiled statements the engine caches (default: 512).
    ///
    /// ```
    /// let b = aludel_engine::Engine::builder("sqlite::memory:").statement_cache_size(64);
    /// # drop(b);
    /// ```
    pub fn statement_cache_size(mut self, n: usize) -> Self {
        self.cache_size = n;
        self
    }

    /// The isolation level of every connection (default: the database's own).
    ///
    /// ```
    /// use aludel_engine::IsolationLevel;
    /// let b = aludel_engine::Engine::builder("sqlite::memory:").isolation_level(IsolationLevel::Autocommit);
    /// # drop(b);
    /// ```
    pub fn isolation_level(mut self, level: IsolationLevel) -> Self {
        self.isolation = level;
        self
    }

    /// Checks each connection with a trivial query before handing it out (default: off).
    ///
    /// ```
    /// let b = aludel_engine::Engine::builder("sqlite::memory:").pre_ping(true);
    /// # drop(b);
    /// ```
    pub fn pre_ping(mut self, on: bool) -> Self {
        self.pre_ping = on;
        self
    }

    /// Builds the engine and opens one connection to check the URL and learn the
    /// server's version.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let e = aludel_engine::Engine::builder("nosuch://x").build().await;
    /// assert!(matches!(e, Err(aludel_engine::Error::Config { .. })));
    /// # });
    /// ```
    pub async fn build(self) -> Result<Engine> {
        let backend = backend_of(&self.url)?;
        #[allow(unreachable_patterns)]
        let default_size = match &backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(Target::Memory) => 1,
            _ => 10,
        };
        let cache = Arc::new(StatementCache::new(self.cache_size));
        let manager = Manager {
            backend,
            cache: cache.clone(),
            isolation: self.isolation,
            pre_ping: self.pre_ping,
            server_version: self.server_version,
            batch_rows: self.batch_rows,
        };
        let pool = Pool::builder(manager)
            .max_size(self.max_size.unwrap_or(default_size))
            .wait_timeout(Some(self.wait_timeout))
            .create_timeout(Some(self.create_timeout))
            .recycle_timeout(Some(self.create_timeout))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|e| Error::config(format!("cannot build the pool: {e}")))?;
        let first: Object<Manager> = pool.get().await.map_err(pool_error)?;
        let dialect = first.dialect;
        drop(first);
        Ok(Engine {
            inner: Arc::new(EngineInner {
                pool,
                cache,
                dialect,
            }),
        })
    }
}

fn pool_error(e: PoolError<Error>) -> Error {
    match e {
        PoolError::Timeout(t) => Error::PoolTimeout {
            message: match t {
                TimeoutType::Wait => "no connection became free in time",
                TimeoutType::Create => "opening a new connection took too long",
                TimeoutType::Recycle => "checking a pooled connection took too long",
            }
            .to_owned(),
        },
        PoolError::Backend(e) => e,
        PoolError::Closed => Error::invalid("the engine's pool is closed"),
        PoolError::NoRuntimeSpecified => Error::config("the pool has no runtime"),
        PoolError::PostCreateHook(e) => Error::config(format!("connection setup failed: {e}")),
    }
}

#[derive(Debug)]
struct EngineInner {
    pool: Pool<Manager>,
    cache: Arc<StatementCache>,
    dialect: Dialect,
}

/// A database: a connection pool and a compiled-statement cache. Cheap to clone (the
/// clones share both).
///
/// ```
/// use aludel_core::prelude::*;
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let engine = aludel_engine::Engine::open("sqlite::memory:").await?;
/// let mut conn = engine.connect().await?;
/// let n: Option<i64> = conn.execute(&select(literal(1i64) + literal(2i64))).await?.scalar()?;
/// assert_eq!(n, Some(3));
/// # Ok::<(), aludel_engine::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

impl Engine {
    /// Opens a database with default settings: `sqlite::memory:`, `sqlite://<path>`
    /// (created if missing), `postgres://...` or `mysql://...` (MariaDB too).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// assert_eq!(engine.dialect().name(), "sqlite");
    /// # });
    /// ```
    pub async fn open(url: &str) -> Result<Engine> {
        Engine::builder(url).build().await
    }

    /// An [`EngineBuilder`] for `url`, to set pool and cache options.
    ///
    /// ```
    /// let b = aludel_engine::Engine::builder("sqlite::memory:").max_size(1);
    /// # drop(b);
    /// ```
    pub fn builder(url: &str) -> EngineBuilder {
        EngineBuilder {
            url: url.to_owned(),
            max_size: None,
            wait_timeout: Duration::from_secs(30),
            create_timeout: Duration::from_secs(30),
            cache_size: 512,
            isolation: IsolationLevel::Default,
            pre_ping: false,
            server_version: None,
            batch_rows: crate::driver::DEFAULT_BATCH_ROWS,
        }
    }

    /// The database's dialect, at the server's version.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// assert!(engine.dialect().version().major >= 3);
    /// # });
    /// ```
    pub fn dialect(&self) -> Dialect {
        self.inner.dialect
    }

    /// The compiled-statement cache.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// assert!(engine.statement_cache().is_empty());
    /// # });
    /// ```
    pub fn statement_cache(&self) -> &StatementCache {
        &self.inner.cache
    }

    /// The pool's maximum size.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// assert_eq!(engine.pool_size(), 1);
    /// # });
    /// ```
    pub fn pool_size(&self) -> usize {
        self.inner.pool.status().max_size
    }

    /// Checks a connection out of the pool ([`Error::PoolTimeout`] when none becomes
    /// free in time).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let engine = aludel_engine::Engine::builder("sqlite::memory:")
    ///     .wait_timeout(std::time::Duration::from_millis(20)).build().await.unwrap();
    /// let held = engine.connect().await.unwrap();
    /// assert!(matches!(engine.connect().await, Err(aludel_engine::Error::PoolTimeout { .. })));
    /// # drop(held);
    /// # });
    /// ```
    pub async fn connect(&self) -> Result<Connection> {
        let obj = self.inner.pool.get().await.map_err(pool_error)?;
        Ok(Connection {
            dialect: obj.dialect,
            obj: Some(obj),
            pool: self.inner.pool.clone(),
        })
    }
}

/// A pooled connection. Goes back to the pool when dropped, rolled back first if a
/// transaction is open (or discarded if that cannot be done).
///
/// `execute()` outside a transaction autobegins one (commit-as-you-go:
/// [`Connection::commit`]), unless the isolation level is AUTOCOMMIT.
///
/// ```
/// use aludel_core::text;
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let engine = aludel_engine::Engine::open("sqlite::memory:").await?;
/// let mut conn = engine.connect().await?;
/// conn.execute(&text("CREATE TABLE t (x INTEGER)")).await?;
/// conn.commit().await?;
/// # Ok::<(), aludel_engine::Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct Connection {
    /// `None` only while a lost connection's replacement could not be checked out yet
    /// (the next call tries again) and in `Drop`.
    obj: Option<Object<Manager>>,
    pool: Pool<Manager>,
    dialect: Dialect,
}

impl Connection {
    /// A lost connection with nothing open on it is replaced by a fresh one from the
    /// pool (inside a transaction, the transaction stays inactive until rolled back).
    ///
    /// The lost connection is detached first (so that a pool of one can open its
    /// replacement); when no replacement can be checked out (a pool timeout, or this
    /// future dropped), the call fails and the next one tries again.
    async fn live(&mut self) -> Result<&mut Session<AnyDriver>> {
        if let Some(s) = self.obj.as_deref_mut() {
            if s.driver.is_broken() {
                // The server ended the session: closing dropped handles needs no SQL.
                s.state.disconnected();
                let _ = s.state.cleanup();
            }
            if s.driver.is_broken() && !s.state.in_transaction() {
                if let Some(old) = self.obj.take() {
                    // Detached: the pool forgets it and may open another in its place.
                    drop(Object::take(old));
                }
            }
        }
        if self.obj.is_none() {
            // Boxed: the pool's checkout future is large, and this path is rare; inline,
            // it would make every statement's future that large.
            self.obj = Some(Box::pin(self.pool.get()).await.map_err(pool_error)?);
        }
        self.session()
    }

    fn session(&mut self) -> Result<&mut Session<AnyDriver>> {
        self.obj.as_deref_mut().ok_or_else(|| {
            Error::invalid(
                "the connection was lost and no replacement could be checked out of the pool yet",
            )
        })
    }

    /// The dialect statements are compiled for.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// assert_eq!(engine.connect().await.unwrap().dialect(), engine.dialect());
    /// # });
    /// ```
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Executes a statement; outside a transaction this autobegins one.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// assert_eq!(conn.execute(&aludel_core::text("SELECT 1")).await.unwrap().len(), 1);
    /// # });
    /// ```
    pub async fn execute<S: Statement + Sync + ?Sized>(&mut self, stmt: &S) -> Result<ResultSet> {
        self.live().await?.execute(stmt, &Params::new()).await
    }

    /// Executes a statement with values for its named parameters.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// let r = conn.execute_with(&text("SELECT :x"), &Params::new().set("x", 5i64)).await.unwrap();
    /// assert_eq!(r.scalar::<i64>().unwrap(), Some(5));
    /// # });
    /// ```
    pub async fn execute_with<S: Statement + Sync + ?Sized>(
        &mut self,
        stmt: &S,
        params: &Params,
    ) -> Result<ResultSet> {
        self.live().await?.execute(stmt, params).await
    }

    /// Executes a query and reads its rows as they arrive ([`RowStream`]), for results
    /// too large to buffer.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// let mut rows = conn.stream(&aludel_core::text("SELECT 1 UNION ALL SELECT 2")).await.unwrap();
    /// assert_eq!(rows.next::<i64>().await.unwrap(), Some(1));
    /// # });
    /// ```
    pub async fn stream<S: Statement + Sync + ?Sized>(
        &mut self,
        stmt: &S,
    ) -> Result<RowStream<'_>> {
        self.live().await?.stream(stmt, &Params::new()).await
    }

    /// Like [`Connection::stream`], with values for named parameters.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// let mut rows = conn.stream_with(&text("SELECT :v"), &Params::new().set("v", 3i64)).await.unwrap();
    /// assert_eq!(rows.next::<i64>().await.unwrap(), Some(3));
    /// # });
    /// ```
    pub async fn stream_with<S: Statement + Sync + ?Sized>(
        &mut self,
        stmt: &S,
        params: &Params,
    ) -> Result<RowStream<'_>> {
        self.live().await?.stream(stmt, params).await
    }

    /// Executes a statement once per parameter set (compiled once), in the autobegun
    /// transaction; the affected-row counts are summed and rows it returns
    /// (RETURNING, `return_defaults()`) come back in the order of the sets. Stops at the
    /// first error.
    ///
    /// A single-row `INSERT ... VALUES` is sent as multi-row INSERTs ("insert many
    /// values"): up to [`EngineBuilder::insert_batch_rows`] rows per statement, fewer
    /// where the driver's bind-parameter limit comes first. With RETURNING, rows are put
    /// back in input order by the auto-increment key it returns; an INSERT that returns
    /// rows without that key, or whose `return_defaults()` needs a follow-up SELECT
    /// (MySQL), runs once per set instead, as do INSERTs whose rows hold a subquery (each
    /// must see the rows before it), ON CONFLICT DO UPDATE upserts, and upserts whose
    /// update computes a client-side `onupdate` value. Batching assumes the key grows in
    /// insertion order (a sequence counting down would reverse the rows). In AUTOCOMMIT
    /// mode a failing row undoes its whole batch, not just itself; on MySQL a batch of
    /// many wide rows must fit the server's `max_allowed_packet`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// conn.execute(&text("CREATE TABLE t (x INTEGER)")).await.unwrap();
    /// let sets = [Params::new().set("x", 1i64), Params::new().set("x", 2i64)];
    /// let r = conn.execute_many(&text("INSERT INTO t VALUES (:x) RETURNING x * 10"), &sets).await.unwrap();
    /// assert_eq!(r.rows_affected(), 2);
    /// assert_eq!(r.scalars::<i64>().unwrap(), [10, 20]);
    /// # });
    /// ```
    pub async fn execute_many<S: Statement + Sync + ?Sized>(
        &mut self,
        stmt: &S,
        sets: &[Params],
    ) -> Result<ResultSet> {
        self.live().await?.execute_many(stmt, sets).await
    }

    /// Creates the tables of `metadata` that do not exist yet, with their indexes, in
    /// foreign-key order (SQLAlchemy's `metadata.create_all(conn)`); see
    /// [`MetaData`] for the order and foreign-key cycles. Tables that exist are left as
    /// they are (not compared with their definitions).
    ///
    /// PostgreSQL and SQLite: one transaction, committed here when none was open (when
    /// one is open it runs inside it and the caller commits). MySQL and MariaDB commit
    /// at every DDL statement: there no transaction may be open (an
    /// [`Error::InvalidRequest`]), and a failure leaves the tables created before it.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// use aludel::schema::MetaData;
    /// #[derive(Table)] struct Notes { #[aludel(primary_key)] id: i64, body: String }
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let engine = aludel::Engine::open("sqlite::memory:").await?;
    /// let mut conn = engine.connect().await?;
    /// let md = MetaData::new().table(notes::table);
    /// conn.create_all(&md).await?;
    /// conn.create_all(&md).await?; // nothing to do: the table exists
    /// conn.execute(&insert(notes::table).values(notes::body.set("hi"))).await?;
    /// conn.commit().await?;
    /// conn.drop_all(&md).await?;
    /// # Ok::<(), aludel::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn create_all(&mut self, metadata: &MetaData) -> Result<()> {
        self.live().await?.schema_ddl(metadata, true).await
    }

    /// Drops the tables of `metadata` that exist, in reverse foreign-key order (foreign
    /// keys of cycles first); transactions as for [`Connection::create_all`].
    ///
    /// ```
    /// use aludel::prelude::*;
    /// use aludel::schema::MetaData;
    /// #[derive(Table)] struct Notes { #[aludel(primary_key)] id: i64 }
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let engine = aludel::Engine::open("sqlite::memory:").await?;
    /// let mut conn = engine.connect().await?;
    /// let md = MetaData::new().table(notes::table);
    /// conn.drop_all(&md).await?; // nothing to drop
    /// conn.create_all(&md).await?;
    /// conn.drop_all(&md).await?;
    /// # Ok::<(), aludel::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn drop_all(&mut self, metadata: &MetaData) -> Result<()> {
        self.live().await?.schema_ddl(metadata, false).await
    }

    /// The first column of the first row, or `None` when there is no row.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// assert_eq!(conn.scalar::<i64, _>(&aludel_core::text("SELECT 9")).await.unwrap(), Some(9));
    /// # });
    /// ```
    pub async fn scalar<T: FromValue, S: Statement + Sync + ?Sized>(
        &mut self,
        stmt: &S,
    ) -> Result<Option<T>> {
        self.execute(stmt).await?.scalar()
    }

    /// Begins a transaction: a root (`BEGIN`) when none is open, a marker joining the
    /// open one otherwise.
    ///
    /// ```
    /// use aludel_engine::TransactionKind;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// let tx = conn.begin().await.unwrap();
    /// assert_eq!(tx.kind(), TransactionKind::Root);
    /// tx.commit().await.unwrap();
    /// # });
    /// ```
    pub async fn begin(&mut self) -> Result<Transaction<'_>> {
        let s = self.live().await?;
        let (id, kind) = s.begin().await?;
        Ok(Transaction::new(s, id, kind))
    }

    /// Begins a savepoint (inside an autobegun transaction when none is open).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// conn.begin_nested().await.unwrap().commit().await.unwrap();
    /// conn.commit().await.unwrap();
    /// # });
    /// ```
    pub async fn begin_nested(&mut self) -> Result<Transaction<'_>> {
        let s = self.live().await?;
        let id = s.begin_nested().await?;
        Ok(Transaction::new(s, id, TransactionKind::Savepoint))
    }

    /// Runs `f` in a transaction (a root, or a marker when one is open): committed
    /// when `f` returns `Ok`, rolled back when it returns `Err` (the closure's error is
    /// returned).
    ///
    /// ```
    /// use aludel_core::text;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// let n = conn
    ///     .transaction(async |tx| tx.execute(&text("SELECT 1")).await?.scalar::<i64>())
    ///     .await
    ///     .unwrap();
    /// assert_eq!(n, Some(1));
    /// assert!(!conn.in_transaction());
    /// # });
    /// ```
    pub async fn transaction<T, F>(&mut self, f: F) -> Result<T>
    where
        F: AsyncFnOnce(&mut Transaction<'_>) -> Result<T>,
    {
        let mut tx = self.begin().await?;
        match f(&mut tx).await {
            Ok(v) => {
                tx.commit().await?;
                Ok(v)
            }
            Err(e) => {
                // The closure's error is what the caller needs; if the rollback fails
                // too, the connection is reset before its next use.
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }

    /// Like [`Connection::transaction`], retrying the whole transaction when it fails
    /// with a serialization failure or a deadlock ([`Error::is_retryable`]), in the
    /// closure or at COMMIT, up to `attempts` runs in all (with a short, growing pause
    /// between them). The last error is returned when every attempt failed.
    ///
    /// Only a root transaction can be retried: called while a transaction is open, it
    /// runs once (a marker) and returns a retryable error as it is, for the owner of
    /// the enclosing transaction to retry.
    ///
    /// ```
    /// use aludel_core::text;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// let mut runs = 0;
    /// let n = conn
    ///     .transaction_with_retries(3, async |tx| {
    ///         runs += 1;
    ///         tx.scalar::<i64, _>(&text("SELECT 1")).await
    ///     })
    ///     .await
    ///     .unwrap();
    /// assert_eq!((n, runs), (Some(1), 1));
    /// # });
    /// ```
    pub async fn transaction_with_retries<T, F>(&mut self, attempts: u32, mut f: F) -> Result<T>
    where
        F: AsyncFnMut(&mut Transaction<'_>) -> Result<T>,
    {
        let retry = !self.in_transaction();
        let mut attempt = 1;
        loop {
            let r = self.transaction(async |tx| f(tx).await).await;
            match r {
                Err(e) if retry && e.is_retryable() && attempt < attempts.max(1) => {
                    tracing::debug!(target: "aludel::sql", attempt, error = %e, "retrying the transaction");
                    tokio::time::sleep(Duration::from_millis(1 << attempt.min(7))).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Commits the autobegun transaction, if any (commit-as-you-go).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// conn.commit().await.unwrap();
    /// # });
    /// ```
    pub async fn commit(&mut self) -> Result<()> {
        // No session: a lost connection detached with nothing open on it.
        match self.obj.as_deref_mut() {
            Some(s) => s.commit_implicit().await,
            None => Ok(()),
        }
    }

    /// Rolls back the autobegun transaction, if any, and clears an inactive one.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// conn.rollback().await.unwrap();
    /// # });
    /// ```
    pub async fn rollback(&mut self) -> Result<()> {
        match self.obj.as_deref_mut() {
            Some(s) => s.rollback_implicit().await,
            None => Ok(()),
        }
    }

    /// Whether a transaction (autobegun or not) is open.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// assert!(!conn.in_transaction());
    /// # });
    /// ```
    pub fn in_transaction(&self) -> bool {
        self.obj.as_ref().is_some_and(|s| s.state.in_transaction())
    }

    /// Sets this connection's isolation level; an error inside a transaction and for
    /// levels the database does not have.
    ///
    /// ```
    /// use aludel_engine::IsolationLevel;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// conn.set_isolation_level(IsolationLevel::Autocommit).await.unwrap();
    /// conn.execute(&aludel_core::text("SELECT 1")).await.unwrap();
    /// assert!(!conn.in_transaction());
    /// # });
    /// ```
    pub async fn set_isolation_level(&mut self, level: IsolationLevel) -> Result<()> {
        let s = self.live().await?;
        s.cleanup().await?;
        if s.state.in_transaction() {
            return Err(Error::invalid(format!(
                "cannot set the isolation level to {level} inside a transaction; commit or roll back first"
            )));
        }
        s.driver.apply_isolation(level).await?;
        s.isolation = level;
        s.state.autocommit = level == IsolationLevel::Autocommit;
        Ok(())
    }

    /// Whether the database session itself is inside a transaction, asked of the
    /// database, for tests and diagnostics: SQLite's autocommit flag, a probe SAVEPOINT
    /// on PostgreSQL, `@@in_transaction` on MariaDB. MySQL 8 has no such variable: there
    /// a transaction counts once it has touched InnoDB (`information_schema.innodb_trx`),
    /// so a bare `BEGIN` is not seen.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// assert!(!conn.server_in_transaction().await.unwrap());
    /// # });
    /// ```
    pub async fn server_in_transaction(&mut self) -> Result<bool> {
        self.live().await?.driver.server_in_transaction().await
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let Some(mut obj) = self.obj.take() else {
            return;
        };
        if obj.state.is_clean() || obj.driver.is_broken() {
            // Clean: straight back to the pool. Broken: the pool's check discards it.
            return;
        }
        // Roll back before the connection is reused.
        match &obj.driver {
            // The SQLite thread runs jobs in order: a queued reset runs before the next
            // user's first statement.
            #[cfg(feature = "sqlite")]
            AnyDriver::Sqlite(d) => {
                if d.queue_reset() {
                    obj.state.reset();
                }
            }
            #[cfg(any(feature = "postgres", feature = "mysql"))]
            #[allow(unreachable_patterns)]
            _ => match tokio::runtime::Handle::try_current() {
                // The connection goes back to the pool once the rollback is done (the
                // task holds it until then). The state is cleared only after the
                // rollback succeeded: if the task never finishes (the runtime shuts
                // down), the pool's recycle check still sees a dirty connection.
                Ok(rt) => {
                    rt.spawn(async move {
                        if obj.driver.tx(&TxSql::ResetRollback).await.is_ok() {
                            obj.state.reset();
                        } else {
                            drop(Object::take(obj));
                        }
                    });
                }
                // No runtime to roll back on: close it (the server rolls back when the
                // session ends) rather than park it, locks held, in the pool.
                Err(_) => drop(Object::take(obj)),
            },
        }
    }
}

/// A transaction handle: root, marker or savepoint (DESIGN.md, Transactions). Dropped
/// without `commit()` / `rollback()` it counts as rolled back; the rollback runs before
/// the connection's next statement or when the connection goes back to the pool.
///
/// ```
/// use aludel_core::text;
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
/// let mut conn = engine.connect().await.unwrap();
/// let mut tx = conn.begin().await.unwrap();
/// tx.execute(&text("CREATE TABLE t (x INTEGER)")).await.unwrap();
/// let mut sp = tx.begin_nested().await.unwrap();
/// sp.execute(&text("INSERT INTO t VALUES (1)")).await.unwrap();
/// sp.rollback().await.unwrap();
/// tx.commit().await.unwrap();
/// # });
/// ```
#[derive(Debug)]
pub struct Transaction<'c> {
    session: &'c mut Session<AnyDriver>,
    id: FrameId,
    kind: TransactionKind,
    done: bool,
}

impl<'c> Transaction<'c> {
    fn new(session: &'c mut Session<AnyDriver>, id: FrameId, kind: TransactionKind) -> Self {
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
    /// use aludel_engine::TransactionKind;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// let mut tx = conn.begin().await.unwrap();
    /// assert_eq!(tx.begin().await.unwrap().kind(), TransactionKind::Marker);
    /// # });
    /// ```
    pub fn kind(&self) -> TransactionKind {
        self.kind
    }

    /// Whether this transaction can still run statements.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// let mut tx = conn.begin().await.unwrap();
    /// tx.begin().await.unwrap().rollback().await.unwrap();
    /// assert!(!tx.is_active());
    /// # });
    /// ```
    pub fn is_active(&self) -> bool {
        self.session.state.is_active(self.id)
    }

    /// Executes a statement in this transaction.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// let mut tx = conn.begin().await.unwrap();
    /// assert_eq!(tx.execute(&aludel_core::text("SELECT 1")).await.unwrap().len(), 1);
    /// # });
    /// ```
    pub async fn execute<S: Statement + Sync + ?Sized>(&mut self, stmt: &S) -> Result<ResultSet> {
        self.session.execute(stmt, &Params::new()).await
    }

    /// Executes a statement with values for its named parameters.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// let mut tx = conn.begin().await.unwrap();
    /// let r = tx.execute_with(&text("SELECT :v"), &Params::new().set("v", "x")).await.unwrap();
    /// assert_eq!(r.scalar::<String>().unwrap().as_deref(), Some("x"));
    /// # });
    /// ```
    pub async fn execute_with<S: Statement + Sync + ?Sized>(
        &mut self,
        stmt: &S,
        params: &Params,
    ) -> Result<ResultSet> {
        self.session.execute(stmt, params).await
    }

    /// Executes a statement once per parameter set in this transaction (see
    /// [`Connection::execute_many`]).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// let mut tx = conn.begin().await.unwrap();
    /// tx.execute(&text("CREATE TABLE t (x INTEGER)")).await.unwrap();
    /// let sets = [Params::new().set("x", 1i64), Params::new().set("x", 2i64)];
    /// assert_eq!(tx.execute_many(&text("INSERT INTO t VALUES (:x)"), &sets).await.unwrap().rows_affected(), 2);
    /// tx.commit().await.unwrap();
    /// # });
    /// ```
    pub async fn execute_many<S: Statement + Sync + ?Sized>(
        &mut self,
        stmt: &S,
        sets: &[Params],
    ) -> Result<ResultSet> {
        self.session.execute_many(stmt, sets).await
    }

    /// [`Connection::create_all`] inside this transaction (PostgreSQL, SQLite; on MySQL
    /// and MariaDB, whose DDL commits, an [`Error::InvalidRequest`]): the caller commits.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// use aludel::schema::MetaData;
    /// #[derive(Table)] struct Notes { #[aludel(primary_key)] id: i64 }
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let engine = aludel::Engine::open("sqlite::memory:").await?;
    /// let mut conn = engine.connect().await?;
    /// let mut tx = conn.begin().await?;
    /// tx.create_all(&MetaData::new().table(notes::table)).await?;
    /// tx.rollback().await?; // the table is gone again
    /// # Ok::<(), aludel::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn create_all(&mut self, metadata: &MetaData) -> Result<()> {
        self.session.schema_ddl(metadata, true).await
    }

    /// [`Connection::drop_all`] inside this transaction (as [`Transaction::create_all`]).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// use aludel::schema::MetaData;
    /// #[derive(Table)] struct Notes { #[aludel(primary_key)] id: i64 }
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let engine = aludel::Engine::open("sqlite::memory:").await?;
    /// let mut conn = engine.connect().await?;
    /// let md = MetaData::new().table(notes::table);
    /// conn.create_all(&md).await?;
    /// let mut tx = conn.begin().await?;
    /// tx.drop_all(&md).await?;
    /// tx.commit().await?;
    /// # Ok::<(), aludel::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn drop_all(&mut self, metadata: &MetaData) -> Result<()> {
        self.session.schema_ddl(metadata, false).await
    }

    /// The first column of the first row, or `None` when there is no row.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// let mut tx = conn.begin().await.unwrap();
    /// assert_eq!(tx.scalar::<i64, _>(&aludel_core::text("SELECT 4")).await.unwrap(), Some(4));
    /// # });
    /// ```
    pub async fn scalar<T: FromValue, S: Statement + Sync + ?Sized>(
        &mut self,
        stmt: &S,
    ) -> Result<Option<T>> {
        self.execute(stmt).await?.scalar()
    }

    /// Like [`Transaction::stream`], with values for named parameters.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// let mut tx = conn.begin().await.unwrap();
    /// let mut rows = tx.stream_with(&text("SELECT :v"), &Params::new().set("v", 3i64)).await.unwrap();
    /// assert_eq!(rows.next::<i64>().await.unwrap(), Some(3));
    /// # });
    /// ```
    pub async fn stream_with<S: Statement + Sync + ?Sized>(
        &mut self,
        stmt: &S,
        params: &Params,
    ) -> Result<RowStream<'_>> {
        self.session.stream(stmt, params).await
    }

    /// Executes a query in this transaction and reads its rows as they arrive.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// let mut tx = conn.begin().await.unwrap();
    /// let mut rows = tx.stream(&aludel_core::text("SELECT 'x'")).await.unwrap();
    /// assert_eq!(rows.next::<String>().await.unwrap().as_deref(), Some("x"));
    /// # });
    /// ```
    pub async fn stream<S: Statement + Sync + ?Sized>(
        &mut self,
        stmt: &S,
    ) -> Result<RowStream<'_>> {
        self.session.stream(stmt, &Params::new()).await
    }

    /// Begins a marker transaction joining this one.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// let mut tx = conn.begin().await.unwrap();
    /// tx.begin().await.unwrap().commit().await.unwrap();
    /// assert!(tx.is_active());
    /// # });
    /// ```
    pub async fn begin(&mut self) -> Result<Transaction<'_>> {
        let (id, kind) = self.session.begin().await?;
        Ok(Transaction::new(self.session, id, kind))
    }

    /// Begins a savepoint inside this transaction.
    ///
    /// ```
    /// use aludel_engine::TransactionKind;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// let mut tx = conn.begin().await.unwrap();
    /// assert_eq!(tx.begin_nested().await.unwrap().kind(), TransactionKind::Savepoint);
    /// # });
    /// ```
    pub async fn begin_nested(&mut self) -> Result<Transaction<'_>> {
        let id = self.session.begin_nested().await?;
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
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// conn.begin().await.unwrap().commit().await.unwrap();
    /// # });
    /// ```
    pub async fn commit(mut self) -> Result<()> {
        let r = self.session.commit(self.id).await;
        self.done = r.is_ok();
        r
    }

    /// Rolls back: a root rolls back; a marker rolls back the transaction it joined and
    /// leaves it inactive until that one is rolled back; a savepoint rolls back to itself.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let engine = aludel_engine::Engine::open("sqlite::memory:").await.unwrap();
    /// let mut conn = engine.connect().await.unwrap();
    /// conn.begin().await.unwrap().rollback().await.unwrap();
    /// # });
    /// ```
    pub async fn rollback(mut self) -> Result<()> {
        let r = self.session.rollback(self.id).await;
        // A failed rollback leaves the handle to Drop: it is then rolled back (or the
        // connection reset) before the next use, never left open with no owner.
        self.done = r.is_ok();
        r
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.session.state.dropped(self.id);
        }
    }
}
