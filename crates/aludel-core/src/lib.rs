//! # aludel-core
//!
//! The core of aludel: schema definitions, a typed and immutable statement AST, and
//! dialect compilers for PostgreSQL, MySQL, MariaDB and SQLite that turn statements into
//! parameterised SQL. No I/O, no async runtime, no driver: a framework can embed it to
//! get SQL and parameters and run them on its own driver.
//!
//! ```
//! use aludel_core::prelude::*;
//! use aludel_core::{schema::TableBuilder, DataType};
//!
//! let users = TableBuilder::new("users")
//!     .column("id", DataType::BigInt)
//!     .column("name", DataType::Text)
//!     .primary_key(["id"])
//!     .build()
//!     .unwrap();
//! let id = users.column::<i64>("id").unwrap();
//! let name = users.column::<String>("name").unwrap();
//!
//! let stmt = select((id.clone(), name.clone()))
//!     .where_(name.eq("spongebob").and(id.gt(5)))
//!     .order_by(id.desc())
//!     .limit(10);
//! let c = stmt.compile(&Postgres).unwrap();
//! assert_eq!(
//!     c.sql(),
//!     "SELECT users.id, users.name FROM users WHERE users.name = $1 AND users.id > $2 ORDER BY users.id DESC LIMIT $3"
//! );
//! assert_eq!(c.params(), [Value::from("spongebob"), Value::I64(5), Value::I64(10)]);
//! ```
//!
//! Most users depend on the `aludel` crate, which adds `#[derive(Table)]` and the engine.

pub mod compile;
pub mod dialect;
mod error;
pub mod expr;
pub mod schema;
pub mod stmt;
pub mod types;
pub mod value;

pub use compile::{
    BindSlot, BoundSql, CacheKey, Compiled, CompiledStatement, DefaultsFetch, KeyValue, Params,
    Prepared, SlotSource, Statement, StatementCache, StatementKind,
};
pub use dialect::{Dialect, MariaDb, MySql, Postgres, Sqlite};
pub use error::CompileError;
pub use expr::{
    AsExpr, BindValue, Case, Compatible, Expr, ExprMethods, Expression, InOperand, IntoLiteral,
    Labeled, Node, OrderBy, Predicate, Text, Tuple, bindparam, case, cast, excluded, false_, func,
    inline, literal, not_, null, text, true_, tuple_,
};
pub use schema::{Aliased, Column, DynTable, MetaData, Table, TableRow};
pub use stmt::{
    Assignment, Delete, Insert, OnConflict, Select, Subquery, Update, delete, exists, insert,
    select, update,
};
pub use types::{DataType, Dyn, SqlType};
pub use value::Value;

/// Everything needed to build and compile statements: `use aludel_core::prelude::*;`.
///
/// ```
/// use aludel_core::prelude::*;
/// let c = select(literal(1i64).label("one")).compile(&Sqlite).unwrap();
/// assert_eq!(c.sql(), "SELECT ? AS one");
/// ```
pub mod prelude {
    pub use crate::compile::{Params, Statement};
    pub use crate::dialect::{MariaDb, MySql, Postgres, Sqlite};
    pub use crate::expr::window::{FrameBound, Window};
    pub use crate::expr::{
        AsExpr, Expr, ExprMethods, Expression, Node, Predicate, bindparam, case, cast, excluded,
        false_, func, inline, literal, not_, null, text, true_, tuple_, window,
    };
    pub use crate::schema::{Column, MetaData, Table};
    pub use crate::stmt::{Assignment, Compound, Select, delete, exists, insert, select, update};
    pub use crate::value::Value;
}
