//! # aludel
//!
//! A Rust SQL toolkit in the mould of SQLAlchemy's Core: tables described once, typed
//! and immutable statements, and dialect compilers for PostgreSQL, MySQL / MariaDB and
//! SQLite producing parameterised SQL with a structural cache key.
//!
//! ```
//! use aludel::prelude::*;
//! use aludel::value::Timestamp;
//!
//! #[derive(Table)]
//! #[aludel(name = "users")]
//! struct Users {
//!     #[aludel(primary_key)]
//!     id: i64,
//!     name: String,
//!     fullname: Option<String>,
//!     #[aludel(server_default = "CURRENT_TIMESTAMP")]
//!     created_at: Timestamp,
//! }
//!
//! let stmt = select((users::id, users::name))
//!     .where_(users::name.eq("spongebob").and(users::id.gt(5)))
//!     .order_by(users::id.desc())
//!     .limit(10); // Select<(i64, String)>
//! let c = stmt.compile(&Postgres).unwrap();
//! assert_eq!(
//!     c.sql(),
//!     "SELECT users.id, users.name FROM users WHERE users.name = $1 AND users.id > $2 ORDER BY users.id DESC LIMIT $3"
//! );
//! assert_eq!(c.params(), [Value::from("spongebob"), Value::I64(5), Value::I64(10)]);
//! ```
//!
//! See [`Table`](macro@Table) for the derive, [`prelude`] for what to import, and
//! [`aludel_core`] for the building blocks.

pub use aludel_core;
pub use aludel_core::*;
pub use aludel_macros::Table;

#[cfg(feature = "engine")]
pub use aludel_macros::FromRow;

#[cfg(feature = "engine")]
pub use aludel_engine::{
    Connection, Engine, EngineBuilder, Error, FromRow, FromValue, IntegrityKind, IsolationLevel,
    Mapping, ResultSet, Transaction, TransactionKind,
};

/// The engine crate: connections, pools, transactions, results and errors.
///
/// ```
/// let _ = aludel::engine::IsolationLevel::Serializable;
/// ```
#[cfg(feature = "engine")]
pub mod engine {
    pub use aludel_engine::*;
}

/// The blocking SQLite API (same statements, transactions and results, no runtime).
///
/// ```
/// let mut conn = aludel::blocking::Connection::open("sqlite::memory:").unwrap();
/// assert_eq!(conn.scalar::<i64, _>(&aludel::text("SELECT 1")).unwrap(), Some(1));
/// ```
#[cfg(feature = "sqlite")]
pub mod blocking {
    pub use aludel_engine::blocking::*;
}

/// PostgreSQL glue for running aludel's SQL on your own tokio-postgres client.
///
/// ```
/// let v = aludel::Value::I64(1);
/// let _p = aludel::postgres::PgValue(&v);
/// ```
#[cfg(feature = "postgres")]
pub mod postgres {
    pub use aludel_engine::postgres::*;
}

/// MySQL / MariaDB glue for running aludel's SQL on your own mysql_async connection.
///
/// ```
/// let v = aludel::Value::I64(1);
/// assert!(aludel::mysql::to_mysql(&v).is_ok());
/// ```
#[cfg(feature = "mysql")]
pub mod mysql {
    pub use aludel_engine::mysql::*;
}

/// SQLite glue for running aludel's SQL on your own rusqlite connection.
///
/// ```
/// let v = aludel::Value::I64(1);
/// let _p = aludel::sqlite::SqliteValue(&v);
/// ```
#[cfg(feature = "sqlite")]
pub mod sqlite {
    pub use aludel_engine::sqlite::*;
}

/// Everything needed to describe tables and build statements: `use aludel::prelude::*;`.
///
/// ```
/// use aludel::prelude::*;
/// #[derive(Table)]
/// struct Notes { #[aludel(primary_key)] id: i64 }
/// assert_eq!(select(notes::id).compile(&Sqlite).unwrap().sql(), "SELECT notes.id FROM notes");
/// ```
pub mod prelude {
    pub use aludel_core::prelude::*;
    pub use aludel_core::stmt::{Delete, Insert, Update};
    #[cfg(feature = "engine")]
    pub use aludel_macros::FromRow;
    pub use aludel_macros::Table;
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
mod readme {}
