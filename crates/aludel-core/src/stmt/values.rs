//! A list of rows as a FROM item (`VALUES`), with named, typed columns.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::Arc;

use super::List;
use super::compound::{CompoundCore, Member, SetOp};
use super::select::{SelectCore, Subquery};
use crate::expr::{IntoLiteral, LabelNode, N, Node};
use crate::schema::SubqueryDef;
use crate::types::SqlType;

/// A row of values for [`values`]: a tuple of plain values (each a bind parameter).
///
/// ```
/// use aludel_core::stmt::ValuesRow;
/// assert_eq!((1i64, "a").into_row().len(), 2);
/// ```
pub trait ValuesRow {
    /// The row's SQL types, as a tuple.
    type SqlTypes;
    /// The bound values' nodes, in order.
    ///
    /// ```
    /// use aludel_core::stmt::ValuesRow;
    /// assert_eq!((1i64,).into_row().len(), 1);
    /// ```
    fn into_row(self) -> Vec<Node>;
}

macro_rules! values_rows {
    ($($v:ident),+) => {
        impl<$($v: IntoLiteral),+> ValuesRow for ($($v,)+) {
            type SqlTypes = ($($v::SqlType,)+);
            #[allow(non_snake_case)]
            fn into_row(self) -> Vec<Node> {
                let ($($v,)+) = self;
                vec![$(Node::bind($v.into_value(), <$v::SqlType as SqlType>::DATA_TYPE)),+]
            }
        }
    };
}

values_rows!(A);
values_rows!(A, B);
values_rows!(A, B, C);
values_rows!(A, B, C, D);
values_rows!(A, B, C, D, E);
values_rows!(A, B, C, D, E, F);

/// Rows of values under a name, with column names: `values("v", ["id", "label"],
/// (1, "a")).row((2, "b"))`. Use [`Values::subquery`] to put it in FROM.
///
/// It is written as `(SELECT ? AS id, ? AS label UNION ALL SELECT ?, ?) AS v` on every
/// dialect: MariaDB has no column list for a derived table and SQLite no column aliases
/// for `VALUES`, and this form means the same everywhere.
///
/// ```
/// use aludel_core::prelude::*;
/// use aludel_core::stmt::values;
/// let v = values("v", ["id", "label"], (1i64, "a")).row((2i64, "b")).subquery();
/// let (id, label) = v.columns();
/// let c = select(label).where_(id.gt(1)).compile(&Sqlite).unwrap();
/// assert_eq!(
///     c.sql(),
///     "SELECT v.label FROM (SELECT ? AS id, ? AS label UNION ALL SELECT ?, ?) AS v WHERE v.id > ?"
/// );
/// ```
pub struct Values<T> {
    name: Cow<'static, str>,
    columns: Arc<[Cow<'static, str>]>,
    rows: Vec<Vec<Node>>,
    invalid: Option<String>,
    _t: PhantomData<fn() -> T>,
}

/// Starts a VALUES list called `name` with its column names and first row (a list has
/// at least one row). A column-name count that does not match the row is a compile
/// error when the statement is compiled.
///
/// ```
/// use aludel_core::prelude::*;
/// let v = aludel_core::stmt::values("v", ["n"], (1i64,)).subquery();
/// let n: Column<i64> = v.columns().0;
/// # let _ = n;
/// ```
pub fn values<R: ValuesRow, N: Into<Cow<'static, str>>>(
    name: impl Into<Cow<'static, str>>,
    columns: impl IntoIterator<Item = N>,
    first: R,
) -> Values<R::SqlTypes> {
    let columns: Arc<[Cow<'static, str>]> = columns.into_iter().map(Into::into).collect();
    let row = first.into_row();
    let name = name.into();
    let invalid = (columns.len() != row.len()).then(|| {
        format!(
            "VALUES {name}: {} column names for rows of {} values",
            columns.len(),
            row.len()
        )
    });
    Values {
        name,
        columns,
        rows: vec![row],
        invalid,
        _t: PhantomData,
    }
}

impl<T> Values<T> {
    /// Adds a row.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let v = aludel_core::stmt::values("v", ["n"], (1i64,)).row((2i64,)).row((3i64,));
    /// # let _ = v;
    /// ```
    pub fn row<R: ValuesRow<SqlTypes = T>>(mut self, row: R) -> Self {
        self.rows.push(row.into_row());
        self
    }

    /// The rows as a FROM item with typed columns.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let v = aludel_core::stmt::values("v", ["a", "b"], (1i64, "x")).subquery();
    /// let (a, b): (Column<i64>, Column<String>) = v.columns();
    /// assert_eq!((a.name(), b.name()), ("a", "b"));
    /// ```
    pub fn subquery(&self) -> Subquery<T> {
        let select_of = |row: &[Node], labels: bool| {
            let columns = row.iter().enumerate().map(|(i, n)| match labels {
                true => Node(N::Label(Arc::new(LabelNode {
                    e: n.clone(),
                    name: self.columns.get(i).cloned().unwrap_or(Cow::Borrowed("?")),
                }))),
                false => n.clone(),
            });
            SelectCore {
                columns: List::from_items(columns.collect::<Vec<_>>()),
                ..SelectCore::default()
            }
        };
        let first = select_of(&self.rows[0], true);
        let compound = (self.rows.len() > 1 || self.invalid.is_some()).then(|| {
            let members = self
                .rows
                .iter()
                .enumerate()
                .map(|(i, r)| Member::Select(Arc::new(select_of(r, i == 0))));
            Arc::new(CompoundCore {
                members: List::from_items(members.collect::<Vec<_>>()),
                ops: List::from_items(vec![SetOp::UnionAll; self.rows.len() - 1]),
                order_by: List::default(),
                limit: None,
                offset: None,
                with: List::default(),
                invalid: self.invalid.clone().map(Arc::from),
            })
        });
        Subquery::from_def(Arc::new(SubqueryDef {
            columns: self.columns.iter().cloned().map(Some).collect(),
            select: first,
            name: self.name.clone(),
            cte: None,
            lateral: false,
            compound,
        }))
    }
}
