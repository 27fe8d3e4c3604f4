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
    pub use aludel_macros::Table;
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
mod readme {}
