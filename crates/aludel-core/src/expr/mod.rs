//! Typed SQL expressions over an untyped, shared AST.
//!
//! [`Node`] is the untyped tree (children behind `Arc`, so clones are cheap and shared);
//! [`Expr<T>`] wraps a node with the Rust type `T` its value decodes into. Operators live
//! on the [`ExprMethods`] trait (in the prelude), implemented for every [`Expression`].
//!
//! ```
//! use aludel_core::prelude::*;
//! let e: Expr<bool> = (literal(2i64) * 3).gt(5).and(literal("a").like("a%"));
//! assert_eq!(select(e).compile(&Sqlite).unwrap().sql(), "SELECT ? * ? > ? AND ? LIKE ?");
//! ```

pub mod func;
mod operand;
mod ops;
pub(crate) mod text;
pub mod window;

pub use operand::{AsExpr, BindValue, Compatible, InOperand, IntoLiteral};
pub use ops::{CondOut, ExprMethods, OrderBy, Predicate, not_};
pub use text::{Text, text};

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::schema::{Column, ColumnRef};
use crate::stmt::{CompoundCore, SelectCore};
use crate::types::{DataType, SqlType};
use crate::value::Value;

/// An untyped SQL expression: a node of the statement AST.
///
/// Nodes are immutable and cheap to clone (children are shared through `Arc`). Typed code
/// works with [`Expr<T>`]; `Node` is what [`Expression::into_node`] hands over when types
/// are erased (for example in [`func::call`]).
///
/// ```
/// use aludel_core::prelude::*;
/// let n: Node = literal(1i64).into_node();
/// let again = n.clone(); // shares the tree
/// # let _ = again;
/// ```
#[derive(Clone)]
pub struct Node(pub(crate) N);

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Node(..)")
    }
}

#[derive(Clone)]
pub(crate) enum N {
    Column(ColumnRef),
    Bind(Bind),
    Named(Arc<NamedBind>),
    Inline(Arc<Value>),
    Null,
    Bool(bool),
    Binary(Arc<Binary>),
    Unary(Arc<Unary>),
    And(Arc<[Node]>),
    Or(Arc<[Node]>),
    InList(Arc<InList>),
    InSelect(Arc<InSelect>),
    Tuple(Arc<[Node]>),
    Between(Arc<Between>),
    Like(Arc<LikeNode>),
    Case(Arc<CaseNode>),
    Cast(Arc<CastNode>),
    Func(Arc<FuncNode>),
    Label(Arc<LabelNode>),
    Scalar(Arc<Query>),
    Exists(Arc<Query>),
    Text(Arc<text::TextNode>),
    /// The row proposed for insertion, in an upsert's update: `excluded.col` (PostgreSQL,
    /// SQLite), `VALUES(col)` or a row alias (MySQL, MariaDB).
    Excluded(ColumnRef),
    /// A function over a window.
    Over(Arc<window::OverNode>),
}

/// An anonymous bound value with the SQL type of its context.
#[derive(Clone)]
pub(crate) struct Bind {
    pub(crate) value: Value,
    pub(crate) ty: DataType,
}

pub(crate) struct NamedBind {
    pub(crate) name: Cow<'static, str>,
    pub(crate) ty: DataType,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    IntDiv,
    Rem,
    Concat,
    IsDistinctFrom,
    IsNotDistinctFrom,
}

pub(crate) struct Binary {
    pub(crate) op: BinOp,
    pub(crate) l: Node,
    pub(crate) r: Node,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnOp {
    Not,
    Neg,
    IsNull,
    IsNotNull,
}

pub(crate) struct Unary {
    pub(crate) op: UnOp,
    pub(crate) e: Node,
}

/// `e [NOT] IN (values...)`: one expanding parameter whose value is a `Value::List`.
pub(crate) struct InList {
    pub(crate) e: Node,
    pub(crate) values: Value,
    pub(crate) negated: bool,
}

/// The query of a subquery expression (`IN (..)`, `EXISTS (..)`, a scalar subquery): a
/// SELECT, or a compound of SELECTs (UNION, INTERSECT, EXCEPT).
// Always behind an Arc (in `N::Scalar`, `N::Exists`, `InSelect`): boxing the SELECT
// would add an allocation to the common case for nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Query {
    Select(SelectCore),
    Compound(Arc<CompoundCore>),
}

impl Query {
    /// Whether `f` holds for its SELECT, or for one of its compound's SELECTs.
    pub(crate) fn any_select<'a>(&'a self, mut f: impl FnMut(&'a SelectCore) -> bool) -> bool {
        match self {
            Query::Select(s) => f(s),
            Query::Compound(c) => c.any_select(&mut f),
        }
    }

    /// The number of result columns.
    pub(crate) fn width(&self) -> usize {
        match self {
            Query::Select(s) => s.columns.len(),
            Query::Compound(c) => c.first_select().columns.len(),
        }
    }

    /// Whether a LIMIT or OFFSET is anywhere in it (MySQL and MariaDB refuse one in
    /// `IN (..)`, in a compound's SELECTs too).
    pub(crate) fn has_limit(&self) -> bool {
        fn compound(c: &CompoundCore) -> bool {
            c.limit.is_some()
                || c.offset.is_some()
                || c.members.iter().any(|m| match m {
                    crate::stmt::Member::Select(s) => s.limit.is_some() || s.offset.is_some(),
                    crate::stmt::Member::Compound(c) => compound(c),
                })
        }
        match self {
            Query::Select(s) => s.limit.is_some() || s.offset.is_some(),
            Query::Compound(c) => compound(c),
        }
    }
}

pub(crate) struct InSelect {
    pub(crate) e: Node,
    pub(crate) select: Query,
    pub(crate) negated: bool,
}

pub(crate) struct Between {
    pub(crate) e: Node,
    pub(crate) lo: Node,
    pub(crate) hi: Node,
    pub(crate) negated: bool,
}

pub(crate) struct LikeNode {
    pub(crate) e: Node,
    pub(crate) pattern: Node,
    pub(crate) escape: Option<char>,
    pub(crate) case_insensitive: bool,
    pub(crate) negated: bool,
}

pub(crate) struct CaseNode {
    pub(crate) whens: Vec<(Node, Node)>,
    pub(crate) else_: Option<Node>,
}

pub(crate) struct CastNode {
    pub(crate) e: Node,
    pub(crate) ty: DataType,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FuncName {
    CountStar,
    Count,
    Sum,
    Min,
    Max,
    Coalesce,
    Lower,
    Upper,
    Now,
    Named(Cow<'static, str>),
}

pub(crate) struct FuncNode {
    pub(crate) name: FuncName,
    pub(crate) args: Vec<Node>,
    pub(crate) distinct: bool,
}

pub(crate) struct LabelNode {
    pub(crate) e: Node,
    pub(crate) name: Cow<'static, str>,
}

impl Node {
    pub(crate) fn column(c: ColumnRef) -> Node {
        Node(N::Column(c))
    }

    pub(crate) fn bind(value: Value, ty: DataType) -> Node {
        Node(N::Bind(Bind { value, ty }))
    }

    pub(crate) fn binary(op: BinOp, l: Node, r: Node) -> Node {
        Node(N::Binary(Arc::new(Binary { op, l, r })))
    }

    pub(crate) fn unary(op: UnOp, e: Node) -> Node {
        Node(N::Unary(Arc::new(Unary { op, e })))
    }

    pub(crate) fn func(name: FuncName, args: Vec<Node>) -> Node {
        Node(N::Func(Arc::new(FuncNode {
            name,
            args,
            distinct: false,
        })))
    }

    /// `a AND b`, flattening nested ANDs.
    pub(crate) fn and(a: Node, b: Node) -> Node {
        Node::conj(a, b, true)
    }

    /// `a OR b`, flattening nested ORs.
    pub(crate) fn or(a: Node, b: Node) -> Node {
        Node::conj(a, b, false)
    }

    fn conj(a: Node, b: Node, and: bool) -> Node {
        let parts = |n: &Node| -> Option<Arc<[Node]>> {
            match (&n.0, and) {
                (N::And(p), true) | (N::Or(p), false) => Some(p.clone()),
                _ => None,
            }
        };
        // Exact-size iterators: one allocation for the list.
        let items: Arc<[Node]> = match (parts(&a), parts(&b)) {
            (None, None) => Arc::from([a, b]),
            (Some(pa), None) => pa.iter().cloned().chain([b]).collect(),
            (None, Some(pb)) => [a].into_iter().chain(pb.iter().cloned()).collect(),
            (Some(pa), Some(pb)) => pa.iter().chain(pb.iter()).cloned().collect(),
        };
        Node(if and { N::And(items) } else { N::Or(items) })
    }

    /// The label or column name this node exposes in a select list, if any.
    pub(crate) fn exposed_name(&self) -> Option<Cow<'static, str>> {
        match &self.0 {
            N::Label(l) => Some(l.name.clone()),
            N::Column(c) => c
                .static_name()
                .map(Cow::Borrowed)
                .or_else(|| c.name().map(|n| Cow::Owned(n.to_owned()))),
            _ => None,
        }
    }

    /// The same expression labelled `name` (a label's expression relabelled).
    pub(crate) fn relabeled(&self, name: Cow<'static, str>) -> Node {
        let e = match &self.0 {
            N::Label(l) => l.e.clone(),
            _ => self.clone(),
        };
        Node(N::Label(Arc::new(LabelNode { e, name })))
    }

    /// The SQL type the node is known to have, where that is cheap to tell.
    pub(crate) fn data_type(&self) -> DataType {
        match &self.0 {
            N::Column(c) | N::Excluded(c) => c.def().map_or(DataType::Any, |d| d.data_type),
            N::Bind(b) => b.ty,
            N::Named(n) => n.ty,
            N::Cast(c) => c.ty,
            N::Label(l) => l.e.data_type(),
            _ => DataType::Any,
        }
    }
}

/// Anything that is an SQL expression of type `Self::SqlType`: columns, [`Expr<T>`],
/// labelled expressions.
///
/// ```
/// use aludel_core::prelude::*;
/// fn is_positive<E: Expression<SqlType = i64> + Clone>(e: E) -> Expr<bool> {
///     e.gt(0)
/// }
/// let _ = is_positive(literal(3i64));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an SQL expression",
    label = "expected a column or SQL expression here",
    note = "plain values become bind parameters only where an operand is expected (`col.eq(5)`); wrap one in `literal(..)` to use it as an expression"
)]
pub trait Expression: Sized {
    /// The Rust type of the expression's value.
    type SqlType: SqlType;
    /// Erases the type: the expression's AST node.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let n: Node = literal("x").into_node();
    /// # let _ = n;
    /// ```
    fn into_node(self) -> Node;
}

/// A typed SQL expression whose value decodes into `T`.
///
/// Built by operators (`users::id.eq(5)` is an `Expr<bool>`), functions, [`literal`],
/// [`bindparam`], [`cast`], [`case`]; cheap to clone.
///
/// ```
/// use aludel_core::prelude::*;
/// let e: Expr<i64> = literal(2i64) + 3;
/// let c = select(e.label("five")).compile(&Sqlite).unwrap();
/// assert_eq!(c.sql(), "SELECT ? + ? AS five");
/// ```
pub struct Expr<T> {
    pub(crate) node: Node,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for Expr<T> {
    fn clone(&self) -> Self {
        Expr::new(self.node.clone())
    }
}

impl<T> std::fmt::Debug for Expr<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Expr<{}>(..)", std::any::type_name::<T>())
    }
}

impl<T> Expr<T> {
    pub(crate) fn new(node: Node) -> Self {
        Expr {
            node,
            _t: PhantomData,
        }
    }

    /// Wraps an untyped node, asserting its type: the escape hatch for nodes built
    /// elsewhere (for example by a framework embedding aludel-core).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let n = literal(1i64).into_node();
    /// let e: Expr<i64> = Expr::from_node(n);
    /// # let _ = e;
    /// ```
    pub fn from_node(node: Node) -> Self {
        Expr::new(node)
    }
}

impl<T: SqlType> Expression for Expr<T> {
    type SqlType = T;
    fn into_node(self) -> Node {
        self.node
    }
}

impl<T: SqlType> Expression for &Expr<T> {
    type SqlType = T;
    fn into_node(self) -> Node {
        self.node.clone()
    }
}

/// An expression with a name (`expr AS name`), as made by [`ExprMethods::label`].
///
/// In a select list it renders `expr AS name`; in ORDER BY it renders the name; elsewhere
/// it renders the expression.
///
/// ```
/// use aludel_core::prelude::*;
/// let total = func::count_star().label("total");
/// let c = select(total.clone()).order_by(total.desc()).compile(&Postgres).unwrap();
/// assert_eq!(c.sql(), "SELECT count(*) AS total ORDER BY total DESC");
/// ```
pub struct Labeled<T> {
    pub(crate) node: Node,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for Labeled<T> {
    fn clone(&self) -> Self {
        Labeled {
            node: self.node.clone(),
            _t: PhantomData,
        }
    }
}

impl<T> Labeled<T> {
    pub(crate) fn new(e: Node, name: Cow<'static, str>) -> Self {
        Labeled {
            node: Node(N::Label(Arc::new(LabelNode { e, name }))),
            _t: PhantomData,
        }
    }

    /// The label.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(literal(1i64).label("one").name(), "one");
    /// ```
    pub fn name(&self) -> &str {
        match &self.node.0 {
            N::Label(l) => &l.name,
            _ => "",
        }
    }
}

impl<T: SqlType> Expression for Labeled<T> {
    type SqlType = T;
    fn into_node(self) -> Node {
        self.node
    }
}

impl<T: SqlType> Expression for &Labeled<T> {
    type SqlType = T;
    fn into_node(self) -> Node {
        self.node.clone()
    }
}

/// A value as a typed bind parameter (SQLAlchemy's `literal()`): `literal(5i64)` is an
/// `Expr<i64>` rendered as a placeholder.
///
/// ```
/// use aludel_core::prelude::*;
/// let c = select(literal("hi")).compile(&Postgres).unwrap();
/// assert_eq!(c.sql(), "SELECT $1::TEXT");
/// ```
pub fn literal<V: IntoLiteral>(value: V) -> Expr<V::SqlType> {
    Expr::new(Node::bind(value.into_value(), V::SqlType::DATA_TYPE))
}

/// A value rendered inline as an SQL literal, escaped per dialect, instead of a bind
/// parameter. Its value is part of the statement's shape (and cache key).
///
/// Use it where a placeholder is not accepted; prefer [`literal`] everywhere else.
///
/// ```
/// use aludel_core::prelude::*;
/// let c = select(inline("it's")).compile(&MySql).unwrap();
/// assert_eq!(c.sql(), "SELECT 'it''s'");
/// assert!(c.params().is_empty());
/// ```
pub fn inline<V: IntoLiteral>(value: V) -> Expr<V::SqlType> {
    Expr::new(Node(N::Inline(Arc::new(value.into_value()))))
}

/// A named bind parameter whose value is supplied at execution
/// ([`Statement::compile_with`](crate::Statement::compile_with), or the engine's
/// parameters).
///
/// ```
/// use aludel_core::prelude::*;
/// use aludel_core::Params;
/// # use aludel_core::schema::TableBuilder; use aludel_core::DataType;
/// # let t = TableBuilder::new("users").column("id", DataType::BigInt).build().unwrap();
/// # let id = t.column::<i64>("id").unwrap();
/// let stmt = select(id.clone()).where_(id.eq(bindparam::<i64>("uid")));
/// let c = stmt.compile_with(&Postgres, &Params::new().set("uid", 7i64)).unwrap();
/// assert_eq!(c.sql(), "SELECT users.id FROM users WHERE users.id = $1");
/// assert_eq!(c.params(), [aludel_core::Value::I64(7)]);
/// assert!(stmt.compile(&Postgres).is_err()); // no value for "uid"
/// ```
pub fn bindparam<T: SqlType>(name: impl Into<Cow<'static, str>>) -> Expr<T> {
    Expr::new(Node(N::Named(Arc::new(NamedBind {
        name: name.into(),
        ty: T::DATA_TYPE,
    }))))
}

/// The value the INSERT proposed for `column`, for use in an upsert's update
/// ([`OnConflict::do_update`](crate::stmt::OnConflict::do_update),
/// [`Insert::on_duplicate_key_update`](crate::Insert::on_duplicate_key_update)):
/// `excluded.col` on PostgreSQL and SQLite, `VALUES(col)` on MariaDB and MySQL before
/// 8.0.19, the row alias `new.col` on later MySQL. Anywhere else it is a compile error.
///
/// ```
/// use aludel::prelude::*;
/// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
/// let up = insert(users::table)
///     .values((users::id.set(1), users::name.set("ed")))
///     .on_conflict(users::id)
///     .do_update(users::name.set(excluded(users::name)));
/// assert_eq!(
///     up.compile(&Postgres).unwrap().sql(),
///     "INSERT INTO users (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name"
/// );
/// ```
pub fn excluded<T: SqlType>(column: Column<T>) -> Expr<T> {
    Expr::new(Node(N::Excluded(column.col)))
}

/// A typed SQL `NULL`.
///
/// ```
/// use aludel_core::prelude::*;
/// let c = select(null::<i64>()).compile(&Sqlite).unwrap();
/// assert_eq!(c.sql(), "SELECT NULL");
/// ```
pub fn null<T: SqlType>() -> Expr<Option<T::NotNull>> {
    Expr::new(Node(N::Null))
}

/// The boolean literal TRUE (`1` on SQLite).
///
/// ```
/// use aludel_core::prelude::*;
/// assert_eq!(select(true_()).compile(&Postgres).unwrap().sql(), "SELECT true");
/// assert_eq!(select(true_()).compile(&Sqlite).unwrap().sql(), "SELECT 1");
/// ```
pub fn true_() -> Expr<bool> {
    Expr::new(Node(N::Bool(true)))
}

/// The boolean literal FALSE (`0` on SQLite).
///
/// ```
/// use aludel_core::prelude::*;
/// assert_eq!(select(false_()).compile(&MySql).unwrap().sql(), "SELECT false");
/// ```
pub fn false_() -> Expr<bool> {
    Expr::new(Node(N::Bool(false)))
}

/// `CAST(e AS T)`, with the dialect's spelling of `T`; NULL stays NULL.
///
/// ```
/// use aludel_core::prelude::*;
/// let c = select(cast::<String, _>(literal(5i64))).compile(&MySql).unwrap();
/// assert_eq!(c.sql(), "SELECT CAST(? AS CHAR)");
/// ```
pub fn cast<T: SqlType, E: Expression>(e: E) -> Expr<crate::types::Like<E::SqlType, T::NotNull>> {
    Expr::new(Node(N::Cast(Arc::new(CastNode {
        e: e.into_node(),
        ty: T::DATA_TYPE,
    }))))
}

/// Starts a `CASE WHEN cond THEN value ...` expression; finish it with
/// [`Case::else_`] or [`Case::end`].
///
/// ```
/// use aludel_core::prelude::*;
/// let size = case(literal(5i64).gt(3), "big").when(literal(5i64).gt(1), "medium").else_("small");
/// let c = select(size).compile(&Sqlite).unwrap();
/// assert_eq!(c.sql(), "SELECT CASE WHEN ? > ? THEN ? WHEN ? > ? THEN ? ELSE ? END");
/// ```
pub fn case<C: Predicate, V: IntoOperandExpr>(when: C, then: V) -> Case<V::SqlType> {
    Case {
        whens: vec![(when.into_predicate(), then.into_operand_expr())],
        _t: PhantomData,
    }
}

/// A value or expression that has a natural SQL type (used by [`case`]).
///
/// ```
/// use aludel_core::{prelude::*, expr::IntoOperandExpr};
/// let n = 5i64.into_operand_expr();
/// # let _ = n;
/// ```
pub trait IntoOperandExpr {
    /// Its SQL type.
    type SqlType: SqlType;
    /// Its node.
    ///
    /// ```
    /// use aludel_core::{prelude::*, expr::IntoOperandExpr};
    /// let n = literal(5i64).into_operand_expr();
    /// # let _ = n;
    /// ```
    fn into_operand_expr(self) -> Node;
}

impl<V: IntoLiteral> IntoOperandExpr for V {
    type SqlType = V::SqlType;
    fn into_operand_expr(self) -> Node {
        Node::bind(self.into_value(), V::SqlType::DATA_TYPE)
    }
}

impl<T: SqlType> IntoOperandExpr for Expr<T> {
    type SqlType = T;
    fn into_operand_expr(self) -> Node {
        self.node
    }
}

impl<T: SqlType> IntoOperandExpr for crate::schema::Column<T> {
    type SqlType = T;
    fn into_operand_expr(self) -> Node {
        self.into_node()
    }
}

/// A CASE expression under construction: every branch has the type `T` of the first.
///
/// ```
/// use aludel_core::prelude::*;
/// let e: Expr<Option<i64>> = case(true_(), 1i64).end(); // no ELSE: may be NULL
/// # let _ = e;
/// ```
pub struct Case<T> {
    whens: Vec<(Node, Node)>,
    _t: PhantomData<fn() -> T>,
}

impl<T: SqlType> Case<T> {
    /// Adds `WHEN cond THEN value`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let _ = case(true_(), 1i64).when(false_(), 2).else_(3);
    /// ```
    pub fn when<C: Predicate, V: AsExpr<T>>(mut self, cond: C, then: V) -> Case<T> {
        self.whens
            .push((cond.into_predicate(), then.into_operand()));
        self
    }

    /// Finishes with `ELSE value END`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let e: Expr<i64> = case(true_(), 1i64).else_(0);
    /// # let _ = e;
    /// ```
    pub fn else_<V: AsExpr<T>>(
        self,
        value: V,
    ) -> Expr<crate::types::Combined<T, V::SqlType, T::NotNull>> {
        Expr::new(Node(N::Case(Arc::new(CaseNode {
            whens: self.whens,
            else_: Some(value.into_operand()),
        }))))
    }

    /// Finishes without ELSE: the result is NULL when no branch matches.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let e: Expr<Option<String>> = case(true_(), "x").end();
    /// # let _ = e;
    /// ```
    pub fn end(self) -> Expr<Option<T::NotNull>> {
        Expr::new(Node(N::Case(Arc::new(CaseNode {
            whens: self.whens,
            else_: None,
        }))))
    }
}

/// A row value `(a, b, ...)` for tuple comparisons and tuple `IN`.
///
/// ```
/// use aludel_core::prelude::*;
/// let t = tuple_((literal(1i64), literal("a")));
/// let c = select(t.in_([(1i64, "a"), (2, "b")])).compile(&Postgres).unwrap();
/// assert_eq!(c.sql(), "SELECT ($1::BIGINT, $2::TEXT) IN (($3, $4), ($5, $6))");
/// ```
pub fn tuple_<T: TupleExprs>(exprs: T) -> Tuple<T::SqlTypes> {
    Tuple {
        node: Node(N::Tuple(exprs.into_nodes().into())),
        _t: PhantomData,
    }
}

/// A row value built by [`tuple_`].
///
/// ```
/// use aludel_core::prelude::*;
/// let t = tuple_((literal(1i64), literal(2i64)));
/// assert_eq!(select(t.in_([(1i64, 2i64)])).compile(&Sqlite).unwrap().sql(), "SELECT (?, ?) IN ((?, ?))");
/// ```
pub struct Tuple<T> {
    pub(crate) node: Node,
    _t: PhantomData<fn() -> T>,
}

/// A tuple of expressions usable with [`tuple_`].
///
/// ```
/// use aludel_core::{prelude::*, expr::TupleExprs};
/// assert_eq!((literal(1i64), literal("a")).into_nodes().len(), 2);
/// ```
pub trait TupleExprs {
    /// The tuple of their SQL types.
    type SqlTypes;
    /// Their nodes in order.
    ///
    /// ```
    /// use aludel_core::{prelude::*, expr::TupleExprs};
    /// assert_eq!((literal(1i64), literal(2i64), literal(3i64)).into_nodes().len(), 3);
    /// ```
    fn into_nodes(self) -> Vec<Node>;
}

/// A tuple of values matching a tuple of SQL types, for tuple `IN` lists.
///
/// ```
/// use aludel_core::{Value, expr::TupleValues};
/// let v = TupleValues::<(i64, String)>::into_values((1i64, "a"));
/// assert_eq!(v, [Value::I64(1), Value::from("a")]);
/// ```
pub trait TupleValues<T> {
    /// The values in order.
    ///
    /// ```
    /// use aludel_core::{Value, expr::TupleValues};
    /// assert_eq!(TupleValues::<(bool, i32)>::into_values((true, 2)), [Value::Bool(true), Value::I32(2)]);
    /// ```
    fn into_values(self) -> Vec<Value>;
}

macro_rules! tuples {
    ($($name:ident : $ty:ident : $v:ident),+) => {
        impl<$($name: Expression),+> TupleExprs for ($($name,)+) {
            type SqlTypes = ($($name::SqlType,)+);
            #[allow(non_snake_case)]
            fn into_nodes(self) -> Vec<Node> {
                let ($($name,)+) = self;
                vec![$($name.into_node()),+]
            }
        }

        impl<$($ty: SqlType,)+ $($v: BindValue<$ty>),+> TupleValues<($($ty,)+)> for ($($v,)+) {
            #[allow(non_snake_case)]
            fn into_values(self) -> Vec<Value> {
                let ($($v,)+) = self;
                vec![$($v.into_bind_value()),+]
            }
        }
    };
}

tuples!(A: TA: VA, B: TB: VB);
tuples!(A: TA: VA, B: TB: VB, C: TC: VC);
tuples!(A: TA: VA, B: TB: VB, C: TC: VC, D: TD: VD);
tuples!(A: TA: VA, B: TB: VB, C: TC: VC, D: TD: VD, E: TE: VE);
tuples!(A: TA: VA, B: TB: VB, C: TC: VC, D: TD: VD, E: TE: VE, F: TF: VF);

impl<T> Tuple<T> {
    /// `(a, b) IN ((..), (..))` over a list of value tuples (expanded at execution on
    /// every dialect; an empty list is false).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let t = tuple_((literal(1i64), literal(2i64)));
    /// let c = select(t.in_(Vec::<(i64, i64)>::new())).compile(&MySql).unwrap();
    /// assert_eq!(c.sql(), "SELECT (?, ?) IN (SELECT NULL, NULL FROM DUAL WHERE 1 = 0)");
    /// ```
    pub fn in_<V: TupleValues<T>>(&self, values: impl IntoIterator<Item = V>) -> Expr<bool> {
        self.in_list(values, false)
    }

    /// `(a, b) NOT IN (...)`; an empty list is true.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let t = tuple_((literal(1i64), literal(2i64)));
    /// let _ = t.not_in([(1i64, 2i64)]);
    /// ```
    pub fn not_in<V: TupleValues<T>>(&self, values: impl IntoIterator<Item = V>) -> Expr<bool> {
        self.in_list(values, true)
    }

    fn in_list<V: TupleValues<T>>(
        &self,
        values: impl IntoIterator<Item = V>,
        negated: bool,
    ) -> Expr<bool> {
        let rows = values
            .into_iter()
            .map(|v| Value::List(v.into_values()))
            .collect();
        Expr::new(Node(N::InList(Arc::new(InList {
            e: self.node.clone(),
            values: Value::List(rows),
            negated,
        }))))
    }

    /// `(a, b) IN (SELECT x, y ...)`: the subquery's row type must match.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let t = tuple_((literal(1i64), literal("a")));
    /// let sub = select((literal(1i64), literal("a")));
    /// let _ = t.in_select(&sub);
    /// ```
    pub fn in_select(&self, select: &crate::stmt::Select<T>) -> Expr<bool> {
        Expr::new(Node(N::InSelect(Arc::new(InSelect {
            e: self.node.clone(),
            select: Query::Select(select.core.clone()),
            negated: false,
        }))))
    }
}
