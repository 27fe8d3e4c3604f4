//! # aludel-engine
//!
//! Executes aludel statements on real databases: an [`Engine`] (pool + compiled-statement
//! cache) hands out [`Connection`]s; transactions are guards of three kinds (root,
//! marker, savepoint) with SQLAlchemy's semantics made safe for Rust (DESIGN.md,
//! Transactions): a marker rollback dooms the enclosing transaction until it is rolled
//! back, a dropped guard counts as a rollback, and a cancelled future never leaves a
//! pooled connection inside a transaction.
//!
//! ```
//! use aludel_core::prelude::*;
//! use aludel_engine::Engine;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let engine = Engine::open("sqlite::memory:").await?;
//! let mut conn = engine.connect().await?;
//! let mut tx = conn.begin().await?;
//! tx.execute(&text("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")).await?;
//! tx.execute(&text("INSERT INTO users (name) VALUES ('ed'), ('wendy')")).await?;
//! let rows: Vec<(i64, String)> = tx.execute(&text("SELECT id, name FROM users ORDER BY id")).await?.all()?;
//! assert_eq!(rows, [(1, "ed".to_owned()), (2, "wendy".to_owned())]);
//! tx.commit().await?;
//! # Ok::<(), aludel_engine::Error>(())
//! # }).unwrap();
//! ```
//!
//! SQLite also has a blocking API, [`blocking`], sharing the same transaction state
//! machine.

use std::fmt;

#[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
compile_error!(
    "aludel-engine needs at least one driver: enable its `sqlite`, `postgres` or `mysql` feature"
);

#[cfg(feature = "sqlite")]
pub mod blocking;
mod decode;
mod driver;
mod engine;
mod error;
mod result;
mod tx;

pub use decode::{FromRow, FromValue, RowValues};
pub use engine::{Connection, Engine, EngineBuilder, RowStream, Transaction};
pub use error::{DbContext, DriverError, Error, IntegrityKind, Result};
pub use result::{Mapping, ResultSet};
pub use tx::TransactionKind;

/// SQLite glue for frameworks that run aludel's SQL on their own rusqlite connection.
///
/// ```
/// use aludel_engine::sqlite::SqliteValue;
/// let v = aludel_core::Value::I64(1);
/// let _param = SqliteValue(&v);
/// ```
#[cfg(feature = "sqlite")]
pub mod sqlite {
    pub use crate::driver::sqlite::SqliteValue;
}

/// PostgreSQL glue for frameworks that run aludel's SQL on their own tokio-postgres
/// client.
///
/// ```
/// use aludel_engine::postgres::PgValue;
/// let v = aludel_core::Value::from("x");
/// let _param = PgValue(&v);
/// ```
#[cfg(feature = "postgres")]
pub mod postgres {
    pub use crate::driver::postgres::{PgValue, decode};
}

/// MySQL / MariaDB glue for frameworks that run aludel's SQL on their own mysql_async
/// connection.
///
/// ```
/// use aludel_engine::mysql::to_mysql;
/// assert_eq!(to_mysql(&aludel_core::Value::Null).unwrap(), mysql_async::Value::NULL);
/// ```
#[cfg(feature = "mysql")]
pub mod mysql {
    pub use crate::driver::mysql::to_mysql;
}

/// A connection's transaction isolation level.
///
/// ```
/// use aludel_engine::IsolationLevel;
/// assert_eq!(IsolationLevel::RepeatableRead.to_string(), "REPEATABLE READ");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum IsolationLevel {
    /// Whatever the database is configured with.
    #[default]
    Default,
    /// READ COMMITTED.
    ReadCommitted,
    /// REPEATABLE READ.
    RepeatableRead,
    /// SERIALIZABLE.
    Serializable,
    /// No transaction unless `begin()` is called: every statement outside one commits
    /// on its own.
    Autocommit,
}

impl fmt::Display for IsolationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IsolationLevel::Default => "the default",
            IsolationLevel::ReadCommitted => "READ COMMITTED",
            IsolationLevel::RepeatableRead => "REPEATABLE READ",
            IsolationLevel::Serializable => "SERIALIZABLE",
            IsolationLevel::Autocommit => "AUTOCOMMIT",
        })
    }
}
