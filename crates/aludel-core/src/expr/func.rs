//! SQL functions: aggregates, `coalesce`, string functions, `now`, and [`call`] for any
//! other function.
//!
//! ```
//! use aludel_core::prelude::*;
//! let c = select((func::count_star(), func::max(literal(3i64)))).compile(&Postgres).unwrap();
//! assert_eq!(c.sql(), "SELECT count(*), max($1::BIGINT)");
//! ```

use std::borrow::Cow;
use std::sync::Arc;

use super::{AsExpr, Expr, Expression, FuncName, FuncNode, N, Node};
use crate::types::{Like, Numeric, SqlType, Textual};
use crate::value::Timestamp;

/// `count(*)`.
///
/// ```
/// use aludel_core::prelude::*;
/// assert_eq!(select(func::count_star()).compile(&Sqlite).unwrap().sql(), "SELECT count(*)");
/// ```
pub fn count_star() -> Expr<i64> {
    Expr::new(Node::func(FuncName::CountStar, Vec::new()))
}

/// `count(e)`: the number of non-NULL values.
///
/// ```
/// use aludel_core::prelude::*;
/// assert_eq!(select(func::count(literal(1i64))).compile(&Sqlite).unwrap().sql(), "SELECT count(?)");
/// ```
pub fn count<E: Expression>(e: E) -> Expr<i64> {
    Expr::new(Node::func(FuncName::Count, vec![e.into_node()]))
}

/// `count(DISTINCT e)`.
///
/// ```
/// use aludel_core::prelude::*;
/// assert_eq!(select(func::count_distinct(literal(1i64))).compile(&MySql).unwrap().sql(), "SELECT count(DISTINCT ?)");
/// ```
pub fn count_distinct<E: Expression>(e: E) -> Expr<i64> {
    Expr::new(Node(N::Func(Arc::new(FuncNode {
        name: FuncName::Count,
        args: vec![e.into_node()],
        distinct: true,
    }))))
}

/// `sum(e)`: NULL over no rows, hence `Option`.
///
/// ```
/// use aludel_core::prelude::*;
/// let e: Expr<Option<i64>> = func::sum(literal(1i64));
/// # let _ = e;
/// ```
pub fn sum<E: Expression>(e: E) -> Expr<Option<<E::SqlType as SqlType>::NotNull>>
where
    E::SqlType: Numeric,
{
    Expr::new(Node::func(FuncName::Sum, vec![e.into_node()]))
}

/// `min(e)`: NULL over no rows.
///
/// ```
/// use aludel_core::prelude::*;
/// let e: Expr<Option<String>> = func::min(literal("a"));
/// # let _ = e;
/// ```
pub fn min<E: Expression>(e: E) -> Expr<Option<<E::SqlType as SqlType>::NotNull>> {
    Expr::new(Node::func(FuncName::Min, vec![e.into_node()]))
}

/// `max(e)`: NULL over no rows.
///
/// ```
/// use aludel_core::prelude::*;
/// let e: Expr<Option<i64>> = func::max(literal(1i64));
/// # let _ = e;
/// ```
pub fn max<E: Expression>(e: E) -> Expr<Option<<E::SqlType as SqlType>::NotNull>> {
    Expr::new(Node::func(FuncName::Max, vec![e.into_node()]))
}

/// `coalesce(a, b)`: `a` unless it is NULL; NOT NULL when `b` is.
///
/// ```
/// use aludel_core::prelude::*;
/// let e: Expr<String> = func::coalesce(null::<String>(), "none");
/// assert_eq!(select(e).compile(&Sqlite).unwrap().sql(), "SELECT coalesce(NULL, ?)");
/// ```
pub fn coalesce<A: Expression, B: AsExpr<A::SqlType>>(
    a: A,
    b: B,
) -> Expr<Like<B::SqlType, <A::SqlType as SqlType>::NotNull>> {
    Expr::new(Node::func(
        FuncName::Coalesce,
        vec![a.into_node(), b.into_operand()],
    ))
}

/// `lower(e)`.
///
/// ```
/// use aludel_core::prelude::*;
/// assert_eq!(select(func::lower(literal("A"))).compile(&Sqlite).unwrap().sql(), "SELECT lower(?)");
/// ```
pub fn lower<E: Expression>(e: E) -> Expr<E::SqlType>
where
    E::SqlType: Textual,
{
    Expr::new(Node::func(FuncName::Lower, vec![e.into_node()]))
}

/// `upper(e)`.
///
/// ```
/// use aludel_core::prelude::*;
/// assert_eq!(select(func::upper(literal("a"))).compile(&Sqlite).unwrap().sql(), "SELECT upper(?)");
/// ```
pub fn upper<E: Expression>(e: E) -> Expr<E::SqlType>
where
    E::SqlType: Textual,
{
    Expr::new(Node::func(FuncName::Upper, vec![e.into_node()]))
}

/// The current date and time: `now()` (SQLite `CURRENT_TIMESTAMP`).
///
/// ```
/// use aludel_core::prelude::*;
/// assert_eq!(select(func::now()).compile(&Postgres).unwrap().sql(), "SELECT now()");
/// assert_eq!(select(func::now()).compile(&Sqlite).unwrap().sql(), "SELECT CURRENT_TIMESTAMP");
/// ```
pub fn now() -> Expr<Timestamp> {
    Expr::new(Node::func(FuncName::Now, Vec::new()))
}

/// Any other function, with its result type named: `func::call::<i64, _>("length", (e,))`.
///
/// The name must be an identifier (letters, digits, `_`, optionally `schema.`-qualified);
/// anything else is a compile error, so a name cannot smuggle SQL in.
///
/// ```
/// use aludel_core::prelude::*;
/// let e = func::call::<i32, _>("char_length", (literal("abc"),));
/// assert_eq!(select(e).compile(&MySql).unwrap().sql(), "SELECT char_length(?)");
/// ```
pub fn call<T: SqlType, A: FuncArgs>(name: impl Into<Cow<'static, str>>, args: A) -> Expr<T> {
    Expr::new(Node::func(FuncName::Named(name.into()), args.into_args()))
}

/// The arguments of [`call`]: a tuple of expressions, `()` or a `Vec<Node>`.
///
/// ```
/// use aludel_core::prelude::*;
/// let _ = func::call::<i64, _>("f", ());
/// let _ = func::call::<i64, _>("f", vec![literal(1i64).into_node()]);
/// ```
pub trait FuncArgs {
    /// The argument nodes.
    ///
    /// ```
    /// use aludel_core::{prelude::*, expr::func::FuncArgs};
    /// assert_eq!((literal(1i64), literal("a")).into_args().len(), 2);
    /// ```
    fn into_args(self) -> Vec<Node>;
}

impl FuncArgs for () {
    fn into_args(self) -> Vec<Node> {
        Vec::new()
    }
}

impl FuncArgs for Vec<Node> {
    fn into_args(self) -> Vec<Node> {
        self
    }
}

macro_rules! func_args {
    ($($name:ident),+) => {
        impl<$($name: Expression),+> FuncArgs for ($($name,)+) {
            #[allow(non_snake_case)]
            fn into_args(self) -> Vec<Node> {
                let ($($name,)+) = self;
                vec![$($name.into_node()),+]
            }
        }
    };
}

func_args!(A);
func_args!(A, B);
func_args!(A, B, C);
func_args!(A, B, C, D);
func_args!(A, B, C, D, E);
func_args!(A, B, C, D, E, F);
