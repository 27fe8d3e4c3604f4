//! Statements: SELECT, INSERT, UPDATE, DELETE. Every builder method takes `&self` and
//! returns a new statement; the original is untouched and shares its nodes with the copy.
//!
//! ```
//! use aludel_core::prelude::*;
//! let base = select(literal(1i64).label("x"));
//! let a = base.limit(1);
//! let b = base.limit(2).offset(3);
//! assert_eq!(base.compile(&Sqlite).unwrap().sql(), "SELECT ? AS x");
//! assert_eq!(a.compile(&Sqlite).unwrap().sql(), "SELECT ? AS x LIMIT ?");
//! assert_eq!(b.compile(&Sqlite).unwrap().sql(), "SELECT ? AS x LIMIT ? OFFSET ?");
//! ```

mod compound;
mod cte;
pub mod ddl;
mod dml;
mod select;
mod values;

pub use compound::{Compound, CompoundCore, SetOperand};
pub(crate) use compound::{Member, SetOp};
pub use cte::Cte;
pub(crate) use cte::CteInfo;
pub use dml::{
    AssignableTo, Assignment, Assignments, Delete, Insert, InsertColumns, IntoTarget, OnConflict,
    Update, delete, insert, update,
};
pub(crate) use dml::{DeleteCore, InsertCore, InsertSource, ReturnDefaults, UpdateCore, Upsert};
pub use select::SelectCore;
pub use select::{
    ColumnAliases, ExprList, FromClause, IntoOrderBy, OrderByList, ScalarRow, Select, Selectable,
    Subquery, SubqueryColumns, exists, select,
};
pub(crate) use select::{Distinct, Join, JoinKind, Lock, LockStrength, LockWait};
pub use values::{Values, ValuesRow, values};

use std::sync::Arc;

/// An immutable, cheaply cloned list (empty lists do not allocate).
pub(crate) struct List<T>(Option<Arc<[T]>>);

impl<T> Clone for List<T> {
    fn clone(&self) -> Self {
        List(self.0.clone())
    }
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List(None)
    }
}

impl<T: Clone> List<T> {
    pub(crate) fn from_vec(v: Vec<T>) -> Self {
        List::from_items(v)
    }

    /// A list of `items`; one allocation when the iterator's length is exact (arrays,
    /// vectors, mapped ranges).
    pub(crate) fn from_items(items: impl IntoIterator<Item = T>) -> Self {
        let arc: Arc<[T]> = items.into_iter().collect();
        if arc.is_empty() {
            List(None)
        } else {
            List(Some(arc))
        }
    }

    pub(crate) fn as_slice(&self) -> &[T] {
        self.0.as_deref().unwrap_or(&[])
    }

    pub(crate) fn iter(&self) -> std::slice::Iter<'_, T> {
        self.as_slice().iter()
    }

    pub(crate) fn len(&self) -> usize {
        self.as_slice().len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// A new list with `items` appended.
    pub(crate) fn extended(&self, items: impl IntoIterator<Item = T>) -> Self {
        List::from_items(self.as_slice().iter().cloned().chain(items))
    }
}
