//! Operators on expressions: the [`ExprMethods`] trait and `std::ops` impls.

use std::borrow::Cow;
use std::ops;
use std::sync::Arc;

use super::operand::{InRhs, is_null_bind};
use super::{
    AsExpr, Between, BinOp, CastNode, Expr, Expression, InList, InOperand, InSelect, Labeled,
    LikeNode, N, Node, UnOp,
};
use crate::schema::Column;
use crate::types::{Apply, Boolean, Combined, Like, NullableType, Numeric, Or, SqlType, Textual};
use crate::value::Value;

/// `lhs op rhs`, turning `= NULL` / `<> NULL` into `IS NULL` / `IS NOT NULL`.
pub(crate) fn compare(l: Node, op: BinOp, r: Node) -> Node {
    match op {
        BinOp::Eq if is_null_bind(&r) => Node::unary(UnOp::IsNull, l),
        BinOp::Ne if is_null_bind(&r) => Node::unary(UnOp::IsNotNull, l),
        _ => Node::binary(op, l, r),
    }
}

/// A boolean expression usable as a condition: WHERE, HAVING, JOIN ... ON, CASE WHEN.
///
/// Implemented for every [`Expression`] of type `bool` / `Option<bool>` and for
/// [`Text`](super::Text) fragments.
///
/// ```
/// use aludel_core::prelude::*;
/// fn cond(p: impl Predicate) -> Node { p.into_predicate() }
/// let _ = cond(literal(1i64).eq(1));
/// let _ = cond(text("1 = 1"));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a condition",
    label = "expected a boolean SQL expression",
    note = "WHERE, HAVING, ON and CASE WHEN take a `bool` expression such as `column.eq(value)`, or a `text(..)` fragment"
)]
pub trait Predicate {
    /// Whether the condition may be NULL (`text()` fragments: assumed so).
    type Nullability: crate::types::Nullability;
    /// The condition's node.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let n: Node = literal(1i64).eq(1).into_predicate();
    /// # let _ = n;
    /// ```
    fn into_predicate(self) -> Node;
}

impl<E: Expression> Predicate for E
where
    E::SqlType: Boolean,
{
    type Nullability = <E::SqlType as SqlType>::Nullability;
    fn into_predicate(self) -> Node {
        self.into_node()
    }
}

impl OrderBy {
    pub(crate) fn asc_of(node: Node) -> OrderBy {
        OrderBy {
            node,
            desc: false,
            nulls: None,
        }
    }
}

/// An ORDER BY item: an expression, a direction and a NULLS placement.
///
/// ```
/// use aludel_core::prelude::*;
/// let c = select(literal(1i64).label("x"))
///     .order_by(literal(1i64).desc().nulls_last())
///     .compile(&Postgres).unwrap();
/// assert_eq!(c.sql(), "SELECT $1::BIGINT AS x ORDER BY $2::BIGINT DESC NULLS LAST");
/// ```
#[derive(Clone)]
pub struct OrderBy {
    pub(crate) node: Node,
    pub(crate) desc: bool,
    pub(crate) nulls: Option<bool>,
}

impl OrderBy {
    /// NULLs sort first (emulated on MySQL/MariaDB with `x IS NULL DESC`).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let _ = literal(1i64).asc().nulls_first();
    /// ```
    pub fn nulls_first(mut self) -> Self {
        self.nulls = Some(true);
        self
    }

    /// NULLs sort last (emulated on MySQL/MariaDB with `x IS NULL`).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let _ = literal(1i64).asc().nulls_last();
    /// ```
    pub fn nulls_last(mut self) -> Self {
        self.nulls = Some(false);
        self
    }
}

/// Negation: `NOT cond`.
///
/// ```
/// use aludel_core::prelude::*;
/// let c = select(not_(literal(1i64).eq(2))).compile(&Sqlite).unwrap();
/// assert_eq!(c.sql(), "SELECT NOT (? = ?)");
/// ```
pub fn not_<E: Expression>(e: E) -> Expr<E::SqlType>
where
    E::SqlType: Boolean,
{
    Expr::new(Node::unary(UnOp::Not, e.into_node()))
}

/// Escapes `%`, `_` and the escape character `/` for a LIKE pattern.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '/') {
            out.push('/');
        }
        out.push(c);
    }
    out
}

/// The operators of SQL expressions, available on every [`Expression`] (columns,
/// [`Expr<T>`], labels). In the prelude.
///
/// Operand types are checked: `users::id.eq("x")` does not compile when `id` is an `i64`
/// column, `like` exists only on text, `is_null` only on nullable expressions, `and` only
/// on booleans. Result types carry nullability: comparing a nullable column gives an
/// `Expr<Option<bool>>`.
///
/// ```
/// use aludel_core::prelude::*;
/// let n = literal(5i64);
/// let cond = n.clone().gt(3).and(n.clone().between(1, 10)).or(n.in_([7, 8]));
/// let c = select(cond).compile(&Postgres).unwrap();
/// assert_eq!(c.sql(), "SELECT $1::BIGINT > $2 AND $3::BIGINT BETWEEN $4 AND $5 OR $6::BIGINT = ANY($7)");
/// ```
pub trait ExprMethods: Expression + Clone {
    /// `self = rhs` (`IS NULL` when `rhs` is a NULL value, which only a nullable `self`
    /// accepts).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let c = select(literal(Some(1i64)).eq(None::<i64>)).compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "SELECT ? IS NULL");
    /// ```
    fn eq<R: AsExpr<Self::SqlType>>(
        &self,
        rhs: R,
    ) -> Expr<Combined<Self::SqlType, R::SqlType, bool>> {
        Expr::new(compare(
            self.clone().into_node(),
            BinOp::Eq,
            rhs.into_operand(),
        ))
    }

    /// `self <> rhs` (`IS NOT NULL` when `rhs` is a NULL value).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64).ne(2)).compile(&Sqlite).unwrap().sql(), "SELECT ? <> ?");
    /// ```
    fn ne<R: AsExpr<Self::SqlType>>(
        &self,
        rhs: R,
    ) -> Expr<Combined<Self::SqlType, R::SqlType, bool>> {
        Expr::new(compare(
            self.clone().into_node(),
            BinOp::Ne,
            rhs.into_operand(),
        ))
    }

    /// `self < rhs`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64).lt(2)).compile(&Sqlite).unwrap().sql(), "SELECT ? < ?");
    /// ```
    fn lt<R: AsExpr<Self::SqlType>>(
        &self,
        rhs: R,
    ) -> Expr<Combined<Self::SqlType, R::SqlType, bool>> {
        Expr::new(Node::binary(
            BinOp::Lt,
            self.clone().into_node(),
            rhs.into_operand(),
        ))
    }

    /// `self <= rhs`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64).le(2)).compile(&Sqlite).unwrap().sql(), "SELECT ? <= ?");
    /// ```
    fn le<R: AsExpr<Self::SqlType>>(
        &self,
        rhs: R,
    ) -> Expr<Combined<Self::SqlType, R::SqlType, bool>> {
        Expr::new(Node::binary(
            BinOp::Le,
            self.clone().into_node(),
            rhs.into_operand(),
        ))
    }

    /// `self > rhs`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64).gt(2)).compile(&Sqlite).unwrap().sql(), "SELECT ? > ?");
    /// ```
    fn gt<R: AsExpr<Self::SqlType>>(
        &self,
        rhs: R,
    ) -> Expr<Combined<Self::SqlType, R::SqlType, bool>> {
        Expr::new(Node::binary(
            BinOp::Gt,
            self.clone().into_node(),
            rhs.into_operand(),
        ))
    }

    /// `self >= rhs`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64).ge(2)).compile(&Sqlite).unwrap().sql(), "SELECT ? >= ?");
    /// ```
    fn ge<R: AsExpr<Self::SqlType>>(
        &self,
        rhs: R,
    ) -> Expr<Combined<Self::SqlType, R::SqlType, bool>> {
        Expr::new(Node::binary(
            BinOp::Ge,
            self.clone().into_node(),
            rhs.into_operand(),
        ))
    }

    /// NULL-safe inequality: `IS DISTINCT FROM` (MySQL `NOT (a <=> b)`, SQLite `IS NOT`).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let e = || literal(Some(1i64)).is_distinct_from(None::<i64>);
    /// assert_eq!(select(e()).compile(&Postgres).unwrap().sql(), "SELECT $1::BIGINT IS DISTINCT FROM $2");
    /// assert_eq!(select(e()).compile(&MySql).unwrap().sql(), "SELECT NOT (? <=> ?)");
    /// assert_eq!(select(e()).compile(&Sqlite).unwrap().sql(), "SELECT ? IS NOT ?");
    /// ```
    fn is_distinct_from<R: AsExpr<Self::SqlType>>(&self, rhs: R) -> Expr<bool> {
        Expr::new(Node::binary(
            BinOp::IsDistinctFrom,
            self.clone().into_node(),
            rhs.into_operand(),
        ))
    }

    /// NULL-safe equality: `IS NOT DISTINCT FROM` (MySQL `<=>`, SQLite `IS`).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let e = literal(Some(1i64)).is_not_distinct_from(None::<i64>);
    /// assert_eq!(select(e).compile(&MySql).unwrap().sql(), "SELECT ? <=> ?");
    /// ```
    fn is_not_distinct_from<R: AsExpr<Self::SqlType>>(&self, rhs: R) -> Expr<bool> {
        Expr::new(Node::binary(
            BinOp::IsNotDistinctFrom,
            self.clone().into_node(),
            rhs.into_operand(),
        ))
    }

    /// `self IS NULL`; only on nullable expressions (see [`ExprMethods::nullable`]).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(null::<i64>().is_null()).compile(&Sqlite).unwrap().sql(), "SELECT NULL IS NULL");
    /// ```
    fn is_null(&self) -> Expr<bool>
    where
        Self::SqlType: NullableType,
    {
        Expr::new(Node::unary(UnOp::IsNull, self.clone().into_node()))
    }

    /// `self IS NOT NULL`; only on nullable expressions.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(null::<i64>().is_not_null()).compile(&Sqlite).unwrap().sql(), "SELECT NULL IS NOT NULL");
    /// ```
    fn is_not_null(&self) -> Expr<bool>
    where
        Self::SqlType: NullableType,
    {
        Expr::new(Node::unary(UnOp::IsNotNull, self.clone().into_node()))
    }

    /// The same expression typed as nullable: for NOT NULL columns on the nullable side
    /// of an outer join (`posts::id.nullable().is_null()`).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let e: Expr<Option<i64>> = literal(1i64).nullable();
    /// let _ = e.is_null();
    /// ```
    fn nullable(&self) -> Expr<Option<<Self::SqlType as SqlType>::NotNull>> {
        Expr::new(self.clone().into_node())
    }

    /// The same expression typed as NOT NULL, for values you know cannot be NULL but the
    /// types cannot tell (a scalar subquery that always finds a row). A NULL at run time
    /// is then the database's error (NOT NULL constraint) or a decode error.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let e: Expr<i64> = select(literal(1i64)).scalar_subquery().assume_not_null();
    /// # let _ = e;
    /// ```
    fn assume_not_null(&self) -> Expr<<Self::SqlType as SqlType>::NotNull> {
        Expr::new(self.clone().into_node())
    }

    /// `self AND rhs`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(true_().and(false_())).compile(&Postgres).unwrap().sql(), "SELECT true AND false");
    /// ```
    fn and<R: Predicate>(&self, rhs: R) -> Expr<CondOut<Self::SqlType, R>>
    where
        Self::SqlType: Boolean,
    {
        Expr::new(Node::and(self.clone().into_node(), rhs.into_predicate()))
    }

    /// `self OR rhs` (parenthesised inside AND).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let e = true_().or(false_()).and(true_());
    /// assert_eq!(select(e).compile(&Postgres).unwrap().sql(), "SELECT (true OR false) AND true");
    /// ```
    fn or<R: Predicate>(&self, rhs: R) -> Expr<CondOut<Self::SqlType, R>>
    where
        Self::SqlType: Boolean,
    {
        Expr::new(Node::or(self.clone().into_node(), rhs.into_predicate()))
    }

    /// `self LIKE pattern`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal("abc").like("a%")).compile(&MySql).unwrap().sql(), "SELECT ? LIKE ?");
    /// ```
    fn like<P: AsExpr<String>>(&self, pattern: P) -> Expr<Combined<Self::SqlType, P::SqlType, bool>>
    where
        Self::SqlType: Textual,
    {
        like(
            self.clone().into_node(),
            pattern.into_operand(),
            None,
            false,
            false,
        )
    }

    /// `self LIKE pattern ESCAPE 'c'`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let e = literal("a_b").like_escape("a!_%", '!');
    /// assert_eq!(select(e).compile(&Sqlite).unwrap().sql(), "SELECT ? LIKE ? ESCAPE '!'");
    /// ```
    fn like_escape<P: AsExpr<String>>(
        &self,
        pattern: P,
        escape: char,
    ) -> Expr<Combined<Self::SqlType, P::SqlType, bool>>
    where
        Self::SqlType: Textual,
    {
        like(
            self.clone().into_node(),
            pattern.into_operand(),
            Some(escape),
            false,
            false,
        )
    }

    /// `self NOT LIKE pattern`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal("abc").not_like("a%")).compile(&Sqlite).unwrap().sql(), "SELECT ? NOT LIKE ?");
    /// ```
    fn not_like<P: AsExpr<String>>(
        &self,
        pattern: P,
    ) -> Expr<Combined<Self::SqlType, P::SqlType, bool>>
    where
        Self::SqlType: Textual,
    {
        like(
            self.clone().into_node(),
            pattern.into_operand(),
            None,
            false,
            true,
        )
    }

    /// Case-insensitive LIKE: `ILIKE` on PostgreSQL, `lower(self) LIKE lower(pattern)`
    /// elsewhere.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let e = || literal("ABC").ilike("a%");
    /// assert_eq!(select(e()).compile(&Postgres).unwrap().sql(), "SELECT $1::TEXT ILIKE $2");
    /// assert_eq!(select(e()).compile(&Sqlite).unwrap().sql(), "SELECT lower(?) LIKE lower(?)");
    /// ```
    fn ilike<P: AsExpr<String>>(
        &self,
        pattern: P,
    ) -> Expr<Combined<Self::SqlType, P::SqlType, bool>>
    where
        Self::SqlType: Textual,
    {
        like(
            self.clone().into_node(),
            pattern.into_operand(),
            None,
            true,
            false,
        )
    }

    /// Case-insensitive NOT LIKE.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal("A").not_ilike("b")).compile(&MySql).unwrap().sql(), "SELECT lower(?) NOT LIKE lower(?)");
    /// ```
    fn not_ilike<P: AsExpr<String>>(
        &self,
        pattern: P,
    ) -> Expr<Combined<Self::SqlType, P::SqlType, bool>>
    where
        Self::SqlType: Textual,
    {
        like(
            self.clone().into_node(),
            pattern.into_operand(),
            None,
            true,
            true,
        )
    }

    /// `self LIKE 'prefix%'` with `%`, `_` in `prefix` matched literally.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let c = select(literal("50%off").starts_with("50%")).compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "SELECT ? LIKE ? ESCAPE '/'");
    /// assert_eq!(c.params()[1], aludel_core::Value::from("50/%%"));
    /// ```
    fn starts_with(&self, prefix: &str) -> Expr<Like<Self::SqlType, bool>>
    where
        Self::SqlType: Textual,
    {
        let pattern = format!("{}%", escape_like(prefix));
        like(
            self.clone().into_node(),
            text_bind(pattern),
            Some('/'),
            false,
            false,
        )
    }

    /// `self LIKE '%suffix'` with `%`, `_` in `suffix` matched literally.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let c = select(literal("a_b").ends_with("_b")).compile(&Sqlite).unwrap();
    /// assert_eq!(c.params()[1], aludel_core::Value::from("%/_b"));
    /// ```
    fn ends_with(&self, suffix: &str) -> Expr<Like<Self::SqlType, bool>>
    where
        Self::SqlType: Textual,
    {
        let pattern = format!("%{}", escape_like(suffix));
        like(
            self.clone().into_node(),
            text_bind(pattern),
            Some('/'),
            false,
            false,
        )
    }

    /// `self LIKE '%part%'` with `%`, `_` in `part` matched literally.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let c = select(literal("a/b").contains("/")).compile(&Sqlite).unwrap();
    /// assert_eq!(c.params()[1], aludel_core::Value::from("%//%"));
    /// ```
    fn contains(&self, part: &str) -> Expr<Like<Self::SqlType, bool>>
    where
        Self::SqlType: Textual,
    {
        let pattern = format!("%{}%", escape_like(part));
        like(
            self.clone().into_node(),
            text_bind(pattern),
            Some('/'),
            false,
            false,
        )
    }

    /// `self BETWEEN lo AND hi`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(5i64).between(1, 9)).compile(&Sqlite).unwrap().sql(), "SELECT ? BETWEEN ? AND ?");
    /// ```
    fn between<A: AsExpr<Self::SqlType>, B: AsExpr<Self::SqlType>>(
        &self,
        lo: A,
        hi: B,
    ) -> Expr<Combined<Self::SqlType, A::SqlType, bool>> {
        between(
            self.clone().into_node(),
            lo.into_operand(),
            hi.into_operand(),
            false,
        )
    }

    /// `self NOT BETWEEN lo AND hi`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(5i64).not_between(1, 9)).compile(&Sqlite).unwrap().sql(), "SELECT ? NOT BETWEEN ? AND ?");
    /// ```
    fn not_between<A: AsExpr<Self::SqlType>, B: AsExpr<Self::SqlType>>(
        &self,
        lo: A,
        hi: B,
    ) -> Expr<Combined<Self::SqlType, A::SqlType, bool>> {
        between(
            self.clone().into_node(),
            lo.into_operand(),
            hi.into_operand(),
            true,
        )
    }

    /// `self IN (...)`: a list of values (one expanding parameter: `= ANY($n)` on
    /// PostgreSQL, `IN (?, ?, ...)` elsewhere; an empty list is false) or a subquery.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let c = select(literal(1i64).in_([1, 2, 3])).compile(&MySql).unwrap();
    /// assert_eq!(c.sql(), "SELECT ? IN (?, ?, ?)");
    /// let c = select(literal(1i64).in_(Vec::<i64>::new())).compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "SELECT ? IN (SELECT NULL WHERE 1 = 0)");
    /// ```
    fn in_<L: InOperand<Self::SqlType>>(
        &self,
        list: L,
    ) -> Expr<Combined<Self::SqlType, L::SqlType, bool>> {
        in_(self.clone().into_node(), list.into_in(), false)
    }

    /// `self NOT IN (...)` (`<> ALL($n)` on PostgreSQL; an empty list is true).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let c = select(literal(1i64).not_in([1, 2])).compile(&Postgres).unwrap();
    /// assert_eq!(c.sql(), "SELECT $1::BIGINT <> ALL($2)");
    /// ```
    fn not_in<L: InOperand<Self::SqlType>>(
        &self,
        list: L,
    ) -> Expr<Combined<Self::SqlType, L::SqlType, bool>> {
        in_(self.clone().into_node(), list.into_in(), true)
    }

    /// Ascending ORDER BY item.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let _ = literal(1i64).asc();
    /// ```
    fn asc(&self) -> OrderBy {
        OrderBy {
            node: self.clone().into_node(),
            desc: false,
            nulls: None,
        }
    }

    /// Descending ORDER BY item.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let _ = literal(1i64).desc();
    /// ```
    fn desc(&self) -> OrderBy {
        OrderBy {
            node: self.clone().into_node(),
            desc: true,
            nulls: None,
        }
    }

    /// Names the expression: `expr AS name` in a select list.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64).label("one")).compile(&Sqlite).unwrap().sql(), "SELECT ? AS one");
    /// ```
    fn label(&self, name: impl Into<Cow<'static, str>>) -> Labeled<Self::SqlType> {
        Labeled::new(self.clone().into_node(), name.into())
    }

    /// `CAST(self AS T)` (NULL stays NULL).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let e: Expr<String> = literal(1i64).cast::<String>();
    /// assert_eq!(select(e).compile(&Postgres).unwrap().sql(), "SELECT CAST($1::BIGINT AS TEXT)");
    /// ```
    fn cast<T: SqlType>(&self) -> Expr<Like<Self::SqlType, T::NotNull>> {
        Expr::new(Node(N::Cast(Arc::new(CastNode {
            e: self.clone().into_node(),
            ty: T::DATA_TYPE,
        }))))
    }

    /// String concatenation: `a || b` (MySQL / MariaDB `CONCAT(a, b)`).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let e = || literal("a").concat("b");
    /// assert_eq!(select(e()).compile(&Sqlite).unwrap().sql(), "SELECT ? || ?");
    /// assert_eq!(select(e()).compile(&MySql).unwrap().sql(), "SELECT CONCAT(?, ?)");
    /// ```
    fn concat<R: AsExpr<String>>(&self, rhs: R) -> Expr<Combined<Self::SqlType, R::SqlType, String>>
    where
        Self::SqlType: Textual,
    {
        Expr::new(Node::binary(
            BinOp::Concat,
            self.clone().into_node(),
            rhs.into_operand(),
        ))
    }
}

impl<E: Expression + Clone> ExprMethods for E {}

/// The type of `a AND b` / `a OR b`: NULL when either side may be.
///
/// ```
/// use aludel_core::{prelude::*, expr::CondOut};
/// let e: Expr<CondOut<bool, Expr<Option<bool>>>> = true_().and(null::<bool>().is_null().nullable());
/// # let _ = e;
/// ```
pub type CondOut<A, R> =
    Apply<Or<<A as SqlType>::Nullability, <R as Predicate>::Nullability>, bool>;

fn text_bind(s: String) -> Node {
    Node::bind(Value::Text(s), crate::types::DataType::Text)
}

fn like<T>(e: Node, pattern: Node, escape: Option<char>, ci: bool, negated: bool) -> Expr<T> {
    Expr::new(Node(N::Like(Arc::new(LikeNode {
        e,
        pattern,
        escape,
        case_insensitive: ci,
        negated,
    }))))
}

fn between<T>(e: Node, lo: Node, hi: Node, negated: bool) -> Expr<T> {
    Expr::new(Node(N::Between(Arc::new(Between { e, lo, hi, negated }))))
}

fn in_<T>(e: Node, rhs: InRhs, negated: bool) -> Expr<T> {
    Expr::new(Node(match rhs {
        InRhs::List(values) => N::InList(Arc::new(InList { e, values, negated })),
        InRhs::Select(select) => N::InSelect(Arc::new(InSelect {
            e,
            select: super::Query::Select(*select),
            negated,
        })),
        InRhs::Compound(compound) => N::InSelect(Arc::new(InSelect {
            e,
            select: super::Query::Compound(compound),
            negated,
        })),
    }))
}

type ArithOut<T, R> = Expr<Combined<T, R, <T as SqlType>::NotNull>>;

macro_rules! arith {
    ($tr:ident, $method:ident, $op:expr, $int_op:expr) => {
        impl<T: Numeric, R: AsExpr<T>> ops::$tr<R> for Expr<T> {
            type Output = ArithOut<T, R::SqlType>;
            fn $method(self, rhs: R) -> Self::Output {
                let op = if T::INTEGER { $int_op } else { $op };
                Expr::new(Node::binary(op, self.node, rhs.into_operand()))
            }
        }
        impl<T: Numeric, R: AsExpr<T>> ops::$tr<R> for Column<T> {
            type Output = ArithOut<T, R::SqlType>;
            fn $method(self, rhs: R) -> Self::Output {
                let op = if T::INTEGER { $int_op } else { $op };
                Expr::new(Node::binary(op, self.into_node(), rhs.into_operand()))
            }
        }
        impl<T: Numeric, R: AsExpr<T>> ops::$tr<R> for &Expr<T> {
            type Output = ArithOut<T, R::SqlType>;
            fn $method(self, rhs: R) -> Self::Output {
                let op = if T::INTEGER { $int_op } else { $op };
                Expr::new(Node::binary(op, self.node.clone(), rhs.into_operand()))
            }
        }
        impl<T: Numeric, R: AsExpr<T>> ops::$tr<R> for &Column<T> {
            type Output = ArithOut<T, R::SqlType>;
            fn $method(self, rhs: R) -> Self::Output {
                let op = if T::INTEGER { $int_op } else { $op };
                Expr::new(Node::binary(op, self.into_node(), rhs.into_operand()))
            }
        }
    };
}

arith!(Add, add, BinOp::Add, BinOp::Add);
arith!(Sub, sub, BinOp::Sub, BinOp::Sub);
arith!(Mul, mul, BinOp::Mul, BinOp::Mul);
arith!(Div, div, BinOp::Div, BinOp::IntDiv);
arith!(Rem, rem, BinOp::Rem, BinOp::Rem);

impl<T: Numeric> ops::Neg for Expr<T> {
    type Output = Expr<T>;
    fn neg(self) -> Expr<T> {
        Expr::new(Node::unary(UnOp::Neg, self.node))
    }
}

impl<T: Numeric> ops::Neg for Column<T> {
    type Output = Expr<T>;
    fn neg(self) -> Expr<T> {
        Expr::new(Node::unary(UnOp::Neg, self.into_node()))
    }
}

impl<T: Boolean> ops::Not for Expr<T> {
    type Output = Expr<T>;
    fn not(self) -> Expr<T> {
        not_(self)
    }
}

impl<T: Boolean> ops::Not for Column<T> {
    type Output = Expr<T>;
    fn not(self) -> Expr<T> {
        not_(self)
    }
}

impl<T: Boolean, R: Predicate> ops::BitAnd<R> for Expr<T> {
    type Output = Expr<CondOut<T, R>>;
    fn bitand(self, rhs: R) -> Self::Output {
        self.and(rhs)
    }
}

impl<T: Boolean, R: Predicate> ops::BitOr<R> for Expr<T> {
    type Output = Expr<CondOut<T, R>>;
    fn bitor(self, rhs: R) -> Self::Output {
        self.or(rhs)
    }
}
