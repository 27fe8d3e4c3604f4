//! SELECT.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::Arc;

use super::List;
use crate::expr::{AsExpr, Expr, Expression, N, Node, OrderBy, Predicate, UnOp};
use crate::schema::{Aliased, Column, ColumnRef, DynTable, Source, SubqueryDef, Table, TableRef};
use crate::types::{Dyn, SqlType};

#[derive(Clone, Default)]
pub(crate) enum Distinct {
    #[default]
    No,
    Yes,
    On(List<Node>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
}

#[derive(Clone)]
pub(crate) struct Join {
    pub(crate) kind: JoinKind,
    pub(crate) target: Source,
    pub(crate) on: Node,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LockStrength {
    Update,
    Share,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LockWait {
    Wait,
    NoWait,
    SkipLocked,
}

#[derive(Clone)]
pub(crate) struct Lock {
    pub(crate) strength: LockStrength,
    pub(crate) wait: LockWait,
    pub(crate) of: List<Source>,
}

/// The untyped body of a SELECT.
#[doc(hidden)]
#[derive(Clone, Default)]
pub struct SelectCore {
    pub(crate) columns: List<Node>,
    pub(crate) distinct: Distinct,
    pub(crate) from: List<Source>,
    pub(crate) joins: List<Join>,
    pub(crate) where_: Option<Node>,
    pub(crate) group_by: List<Node>,
    pub(crate) having: Option<Node>,
    pub(crate) order_by: List<OrderBy>,
    pub(crate) limit: Option<Node>,
    pub(crate) offset: Option<Node>,
    pub(crate) lock: Option<Arc<Lock>>,
    /// The common table expressions of its WITH clause.
    pub(crate) with: List<Arc<SubqueryDef>>,
    /// The named windows of its WINDOW clause.
    pub(crate) windows: List<Arc<crate::expr::window::WindowDef>>,
    /// Bit `i`: the row type's column `i` (of the first 64) cannot hold NULL.
    pub(crate) not_null: u64,
}

/// A SELECT statement whose rows decode into `R`.
///
/// Immutable: every method returns a new `Select` sharing nodes with the old one.
///
/// ```
/// use aludel::prelude::*;
/// #[derive(Table)]
/// struct Users { #[aludel(primary_key)] id: i64, name: String, fullname: Option<String> }
///
/// let stmt: Select<(i64, String)> = select((users::id, users::name))
///     .where_(users::name.eq("spongebob").and(users::id.gt(5)))
///     .order_by(users::id.desc())
///     .limit(10);
/// let c = stmt.compile(&Postgres).unwrap();
/// assert_eq!(
///     c.sql(),
///     "SELECT users.id, users.name FROM users WHERE users.name = $1 AND users.id > $2 ORDER BY users.id DESC LIMIT $3"
/// );
/// ```
pub struct Select<R> {
    pub(crate) core: SelectCore,
    _r: PhantomData<fn() -> R>,
}

impl<R> Clone for Select<R> {
    fn clone(&self) -> Self {
        Select::from_core(self.core.clone())
    }
}

/// Starts a SELECT of `columns`: one expression, a tuple of expressions, or a table
/// (all its columns). FROM is derived from the tables the columns and WHERE refer to,
/// unless given with [`Select::select_from`] or joins; joins chain from the FROM item
/// their first ON clause refers to.
///
/// Whether every column's table is in FROM is checked when the SQL is compiled, not by
/// the Rust type checker: a column whose table is in no FROM clause (of this query or
/// an enclosing one), say one used only in ORDER BY, gives
/// [`CompileError::MissingFrom`](crate::CompileError::MissingFrom).
///
/// ```
/// use aludel::prelude::*;
/// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
/// let one: Select<i64> = select(users::id);
/// let two: Select<(i64, String)> = select((users::id, users::name));
/// let all: Select<Users> = select(users::table);
/// # let _ = (one, two, all);
///
/// // `boss` is in no FROM clause: an error when compiling, not when type checking.
/// let boss = users::table.alias("boss");
/// let bad = select(users::name).order_by(boss.col(users::name));
/// assert!(matches!(bad.compile(&Postgres), Err(aludel::CompileError::MissingFrom { .. })));
/// ```
pub fn select<S: Selectable>(columns: S) -> Select<S::Row> {
    Select::from_core(SelectCore {
        not_null: columns.not_null_mask(),
        columns: List::from_items(columns.into_nodes()),
        ..SelectCore::default()
    })
}

/// `EXISTS (subquery)`.
///
/// ```
/// use aludel_core::prelude::*;
/// let c = select(exists(&select(literal(1i64)))).compile(&Sqlite).unwrap();
/// assert_eq!(c.sql(), "SELECT EXISTS (SELECT ?)");
/// ```
pub fn exists<R>(subquery: &Select<R>) -> Expr<bool> {
    subquery.exists()
}

/// What [`select`] accepts: an expression, a tuple of expressions, a table.
///
/// ```
/// use aludel_core::{prelude::*, stmt::Selectable};
/// fn row_of<S: Selectable>(_: S) -> std::marker::PhantomData<S::Row> { std::marker::PhantomData }
/// let _: std::marker::PhantomData<(i64, String)> = row_of((literal(1i64), literal("a")));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be selected",
    label = "expected a column, an expression, a tuple of them, or a table",
    note = "select((users::id, users::name)) selects two columns; select(users::table) selects whole rows"
)]
pub trait Selectable {
    /// The Rust type each row decodes into.
    type Row;
    #[doc(hidden)]
    fn into_nodes(self) -> impl Iterator<Item = Node>;
    /// Bit `i` is set when the row's column `i` (of the first 64) decodes into a type
    /// that cannot hold NULL.
    #[doc(hidden)]
    fn not_null_mask(&self) -> u64;
}

/// The not-NULL bits of a table's columns.
fn table_mask(columns: &[crate::schema::ColumnDef]) -> u64 {
    columns
        .iter()
        .take(64)
        .enumerate()
        .fold(0, |m, (i, c)| m | u64::from(!c.nullable) << i)
}

impl<E: Expression> Selectable for E {
    type Row = E::SqlType;
    fn into_nodes(self) -> impl Iterator<Item = Node> {
        [self.into_node()].into_iter()
    }
    fn not_null_mask(&self) -> u64 {
        u64::from(!E::SqlType::NULLABLE)
    }
}

fn table_columns(source: Source, n: usize) -> impl Iterator<Item = Node> {
    (0..n).map(move |i| {
        Node::column(ColumnRef {
            source: source.clone(),
            index: i as u16,
        })
    })
}

impl<R> Selectable for Table<R> {
    type Row = R;
    fn into_nodes(self) -> impl Iterator<Item = Node> {
        table_columns(Source::Table(self.table_ref()), self.def.columns.len())
    }
    fn not_null_mask(&self) -> u64 {
        table_mask(&self.def.columns)
    }
}

impl<R> Selectable for &Table<R> {
    type Row = R;
    fn into_nodes(self) -> impl Iterator<Item = Node> {
        (*self).into_nodes()
    }
    fn not_null_mask(&self) -> u64 {
        (**self).not_null_mask()
    }
}

impl<R> Selectable for Aliased<R> {
    type Row = R;
    fn into_nodes(self) -> impl Iterator<Item = Node> {
        let n = self.alias.table.def().columns.len();
        table_columns(Source::Alias(self.alias), n)
    }
    fn not_null_mask(&self) -> u64 {
        table_mask(&self.alias.table.def().columns)
    }
}

impl<R> Selectable for &Aliased<R> {
    type Row = R;
    fn into_nodes(self) -> impl Iterator<Item = Node> {
        self.clone().into_nodes()
    }
    fn not_null_mask(&self) -> u64 {
        (**self).not_null_mask()
    }
}

/// Rows of runtime tables are untyped: no column is checked.
impl Selectable for &DynTable {
    type Row = Dyn;
    fn into_nodes(self) -> impl Iterator<Item = Node> {
        table_columns(
            Source::Table(TableRef::Shared(self.def.clone())),
            self.def.columns.len(),
        )
    }
    fn not_null_mask(&self) -> u64 {
        0
    }
}

impl Selectable for Vec<Node> {
    type Row = Dyn;
    fn into_nodes(self) -> impl Iterator<Item = Node> {
        self.into_iter()
    }
    fn not_null_mask(&self) -> u64 {
        0
    }
}

macro_rules! tuple_selectable {
    ($($name:ident),+) => {
        impl<$($name: Expression),+> Selectable for ($($name,)+) {
            type Row = ($($name::SqlType,)+);
            #[allow(non_snake_case)]
                        fn into_nodes(self) -> impl Iterator<Item = Node> {
                let ($($name,)+) = self;
                [$($name.into_node()),+].into_iter()
            }
            #[allow(unused_assignments)]
            fn not_null_mask(&self) -> u64 {
                let (mut mask, mut bit) = (0u64, 0u32);
                $(mask |= u64::from(!$name::SqlType::NULLABLE) << bit; bit += 1;)+
                mask
            }
        }

        impl<$($name: Expression),+> ExprList for ($($name,)+) {
            #[allow(non_snake_case)]
            fn into_exprs(self) -> impl Iterator<Item = Node> {
                let ($($name,)+) = self;
                [$($name.into_node()),+].into_iter()
            }
        }

        impl<$($name: IntoOrderBy),+> OrderByList for ($($name,)+) {
            #[allow(non_snake_case)]
            fn into_items(self) -> impl Iterator<Item = OrderBy> {
                let ($($name,)+) = self;
                [$($name.into_order_by()),+].into_iter()
            }
        }

        impl<$($name: SqlType),+> SubqueryColumns for ($($name,)+) {
            type Columns = ($(Column<$name>,)+);
            #[allow(non_snake_case, unused_assignments)]
            fn columns(def: &Arc<SubqueryDef>) -> Self::Columns {
                let mut i = 0u16;
                $(let $name = Column::from_ref(ColumnRef { source: Source::Subquery(def.clone()), index: i }); i += 1;)+
                ($($name,)+)
            }
        }
    };
}

macro_rules! tuple_aliases {
    ($n:literal: $($name:ident),+) => {
        impl<$($name: SqlType,)+ S: Into<Cow<'static, str>>> ColumnAliases<($($name,)+)> for [S; $n] {
            fn into_names(self) -> Vec<Cow<'static, str>> {
                self.into_iter().map(Into::into).collect()
            }
        }
    };
}

tuple_aliases!(1: A);
tuple_aliases!(2: A, B);
tuple_aliases!(3: A, B, C);
tuple_aliases!(4: A, B, C, D);
tuple_aliases!(5: A, B, C, D, E);
tuple_aliases!(6: A, B, C, D, E, F);
tuple_aliases!(7: A, B, C, D, E, F, G);
tuple_aliases!(8: A, B, C, D, E, F, G, H);
tuple_aliases!(9: A, B, C, D, E, F, G, H, I);
tuple_aliases!(10: A, B, C, D, E, F, G, H, I, J);
tuple_aliases!(11: A, B, C, D, E, F, G, H, I, J, K);
tuple_aliases!(12: A, B, C, D, E, F, G, H, I, J, K, L);
tuple_aliases!(13: A, B, C, D, E, F, G, H, I, J, K, L, M);
tuple_aliases!(14: A, B, C, D, E, F, G, H, I, J, K, L, M, N);
tuple_aliases!(15: A, B, C, D, E, F, G, H, I, J, K, L, M, N, O);
tuple_aliases!(16: A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P);

/// One name per column of a row type `R`: what [`Subquery::column_aliases`] takes (an
/// array as long as the row is wide).
///
/// ```
/// use aludel_core::prelude::*;
/// let sq = select((literal(1i64), literal("a"))).subquery("t").column_aliases(["n", "s"]);
/// assert_eq!(sq.column_dyn("s").map(|c| c.name().to_owned()), Some("s".to_owned()));
/// ```
#[diagnostic::on_unimplemented(
    message = "give one name per column of the subquery's rows `{R}`",
    label = "not one name per column",
    note = "a SELECT of two columns takes [\"a\", \"b\"]; rows of a whole table cannot be renamed (select its columns)"
)]
pub trait ColumnAliases<R> {
    #[doc(hidden)]
    fn into_names(self) -> Vec<Cow<'static, str>>;
}

#[diagnostic::do_not_recommend]
impl<T: SqlType, S: Into<Cow<'static, str>>> ColumnAliases<T> for [S; 1] {
    fn into_names(self) -> Vec<Cow<'static, str>> {
        self.into_iter().map(Into::into).collect()
    }
}

tuple_selectable!(A);
tuple_selectable!(A, B);
tuple_selectable!(A, B, C);
tuple_selectable!(A, B, C, D);
tuple_selectable!(A, B, C, D, E);
tuple_selectable!(A, B, C, D, E, F);
tuple_selectable!(A, B, C, D, E, F, G);
tuple_selectable!(A, B, C, D, E, F, G, H);
tuple_selectable!(A, B, C, D, E, F, G, H, I);
tuple_selectable!(A, B, C, D, E, F, G, H, I, J);
tuple_selectable!(A, B, C, D, E, F, G, H, I, J, K);
tuple_selectable!(A, B, C, D, E, F, G, H, I, J, K, L);
tuple_selectable!(A, B, C, D, E, F, G, H, I, J, K, L, M);
tuple_selectable!(A, B, C, D, E, F, G, H, I, J, K, L, M, N);
tuple_selectable!(A, B, C, D, E, F, G, H, I, J, K, L, M, N, O);
tuple_selectable!(A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P);

/// A list of expressions: for GROUP BY and DISTINCT ON.
///
/// ```
/// use aludel_core::prelude::*;
/// let _ = select(literal(1i64)).group_by((literal(1i64), literal("a")));
/// ```
pub trait ExprList {
    #[doc(hidden)]
    fn into_exprs(self) -> impl Iterator<Item = Node>;
}

impl<E: Expression> ExprList for E {
    fn into_exprs(self) -> impl Iterator<Item = Node> {
        [self.into_node()].into_iter()
    }
}

impl ExprList for Vec<Node> {
    fn into_exprs(self) -> impl Iterator<Item = Node> {
        self.into_iter()
    }
}

/// An ORDER BY item: an [`OrderBy`] (`col.desc()`) or an expression (ascending).
///
/// ```
/// use aludel_core::prelude::*;
/// let _ = select(literal(1i64)).order_by((literal(1i64), literal(2i64).desc()));
/// ```
pub trait IntoOrderBy {
    /// The item.
    ///
    /// ```
    /// use aludel_core::{prelude::*, stmt::IntoOrderBy};
    /// let o = literal(1i64).into_order_by();
    /// assert_eq!(select(literal(2i64)).order_by(o).compile(&Sqlite).unwrap().sql(), "SELECT ? ORDER BY ?");
    /// ```
    fn into_order_by(self) -> OrderBy;
}

impl<E: Expression> IntoOrderBy for E {
    fn into_order_by(self) -> OrderBy {
        OrderBy::asc_of(self.into_node())
    }
}

impl IntoOrderBy for OrderBy {
    fn into_order_by(self) -> OrderBy {
        self
    }
}

/// One ORDER BY item or a tuple of them.
///
/// ```
/// use aludel_core::prelude::*;
/// let _ = select(literal(1i64)).order_by(literal(1i64).desc());
/// ```
pub trait OrderByList {
    #[doc(hidden)]
    fn into_items(self) -> impl Iterator<Item = OrderBy>;
}

impl<E: Expression> OrderByList for E {
    fn into_items(self) -> impl Iterator<Item = OrderBy> {
        [OrderBy::asc_of(self.into_node())].into_iter()
    }
}

impl OrderByList for OrderBy {
    fn into_items(self) -> impl Iterator<Item = OrderBy> {
        [self].into_iter()
    }
}

impl OrderByList for Vec<OrderBy> {
    fn into_items(self) -> impl Iterator<Item = OrderBy> {
        self.into_iter()
    }
}

/// A FROM item: a table, an aliased table, a subquery, a runtime table.
///
/// ```
/// use aludel::prelude::*;
/// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
/// let _ = select(literal(1i64).label("one")).select_from(users::table);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used in FROM or JOIN",
    label = "expected a table, an aliased table or a subquery",
    note = "tables are `<module>::table` (from #[derive(Table)]), `table.alias(\"x\")`, `select(..).subquery(\"x\")` or a DynTable"
)]
pub trait FromClause {
    #[doc(hidden)]
    fn into_source(self) -> Source;
}

#[diagnostic::do_not_recommend]
impl<R> FromClause for Table<R> {
    fn into_source(self) -> Source {
        Source::Table(self.table_ref())
    }
}
#[diagnostic::do_not_recommend]
impl<R> FromClause for &Table<R> {
    fn into_source(self) -> Source {
        Source::Table(self.table_ref())
    }
}
#[diagnostic::do_not_recommend]
impl<R> FromClause for Aliased<R> {
    fn into_source(self) -> Source {
        Source::Alias(self.alias)
    }
}
#[diagnostic::do_not_recommend]
impl<R> FromClause for &Aliased<R> {
    fn into_source(self) -> Source {
        Source::Alias(self.alias.clone())
    }
}
#[diagnostic::do_not_recommend]
impl<R> FromClause for Subquery<R> {
    fn into_source(self) -> Source {
        Source::Subquery(self.def)
    }
}
#[diagnostic::do_not_recommend]
impl<R> FromClause for &Subquery<R> {
    fn into_source(self) -> Source {
        Source::Subquery(self.def.clone())
    }
}
#[diagnostic::do_not_recommend]
impl FromClause for DynTable {
    fn into_source(self) -> Source {
        Source::Table(TableRef::Shared(self.def))
    }
}
#[diagnostic::do_not_recommend]
impl FromClause for &DynTable {
    fn into_source(self) -> Source {
        Source::Table(TableRef::Shared(self.def.clone()))
    }
}

impl<R> Select<R> {
    pub(crate) fn from_core(core: SelectCore) -> Self {
        Select {
            core,
            _r: PhantomData,
        }
    }

    pub(crate) fn with(&self, f: impl FnOnce(&mut SelectCore)) -> Self {
        let mut core = self.core.clone();
        f(&mut core);
        Select::from_core(core)
    }

    /// `SELECT DISTINCT`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64)).distinct().compile(&Sqlite).unwrap().sql(), "SELECT DISTINCT ?");
    /// ```
    pub fn distinct(&self) -> Self {
        self.with(|c| c.distinct = Distinct::Yes)
    }

    /// `SELECT DISTINCT ON (exprs)` (PostgreSQL only; a compile error elsewhere).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let s = select(literal(1i64).label("a")).distinct_on(literal(1i64));
    /// assert_eq!(s.compile(&Postgres).unwrap().sql(), "SELECT DISTINCT ON ($1::BIGINT) $2::BIGINT AS a");
    /// assert!(s.compile(&MySql).is_err());
    /// ```
    pub fn distinct_on(&self, exprs: impl ExprList) -> Self {
        let list = List::from_items(exprs.into_exprs());
        self.with(|c| c.distinct = Distinct::On(list))
    }

    /// Adds an explicit FROM item (otherwise FROM is derived from the columns and WHERE).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
    /// let c = select(func::count_star()).select_from(users::table).compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "SELECT count(*) FROM users");
    /// ```
    pub fn select_from(&self, item: impl FromClause) -> Self {
        let s = item.into_source();
        self.with(|c| c.from = c.from.extended([s]))
    }

    fn join_kind(&self, kind: JoinKind, target: impl FromClause, on: impl Predicate) -> Self {
        let j = Join {
            kind,
            target: target.into_source(),
            on: on.into_predicate(),
        };
        self.with(|c| c.joins = c.joins.extended([j]))
    }

    /// `JOIN target ON on`, joined to the first FROM item (explicit, or the first table of
    /// the columns).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
    /// # #[derive(Table)] struct Posts { #[aludel(primary_key)] id: i64, user_id: i64 }
    /// let c = select((users::id, posts::id)).join(posts::table, posts::user_id.eq(users::id))
    ///     .compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "SELECT users.id, posts.id FROM users JOIN posts ON posts.user_id = users.id");
    /// ```
    pub fn join(&self, target: impl FromClause, on: impl Predicate) -> Self {
        self.join_kind(JoinKind::Inner, target, on)
    }

    /// `LEFT OUTER JOIN target ON on`.
    ///
    /// The target's columns can be NULL in the result: select them with `.nullable()`
    /// (a NOT NULL row type over them is [`CompileError::NullableByJoin`](crate::CompileError::NullableByJoin)
    /// when compiling; only bare columns are checked, not expressions over them).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
    /// # #[derive(Table)] struct Posts { #[aludel(primary_key)] id: i64, user_id: i64 }
    /// let c = select(users::id).left_join(posts::table, posts::user_id.eq(users::id))
    ///     .where_(posts::id.nullable().is_null())
    ///     .compile(&MySql).unwrap();
    /// assert_eq!(c.sql(), "SELECT users.id FROM users LEFT OUTER JOIN posts ON posts.user_id = users.id WHERE posts.id IS NULL");
    ///
    /// let both = select((users::id, posts::id.nullable())).left_join(posts::table, posts::user_id.eq(users::id));
    /// assert!(both.compile(&MySql).is_ok());
    /// let wrong = select((users::id, posts::id)).left_join(posts::table, posts::user_id.eq(users::id));
    /// assert!(matches!(wrong.compile(&MySql), Err(aludel::CompileError::NullableByJoin { .. })));
    /// ```
    pub fn left_join(&self, target: impl FromClause, on: impl Predicate) -> Self {
        self.join_kind(JoinKind::Left, target, on)
    }

    /// `RIGHT OUTER JOIN target ON on` (SQLite >= 3.39). Everything joined before it can be
    /// NULL in the result (see [`Select::left_join`]).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
    /// # #[derive(Table)] struct Posts { #[aludel(primary_key)] id: i64, user_id: i64 }
    /// let s = select(users::id.nullable()).right_join(posts::table, posts::user_id.eq(users::id));
    /// assert!(s.compile(&Postgres).is_ok());
    /// ```
    pub fn right_join(&self, target: impl FromClause, on: impl Predicate) -> Self {
        self.join_kind(JoinKind::Right, target, on)
    }

    /// `FULL OUTER JOIN target ON on` (not on MySQL / MariaDB: a compile error). Both sides
    /// can be NULL in the result (see [`Select::left_join`]).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
    /// # #[derive(Table)] struct Posts { #[aludel(primary_key)] id: i64, user_id: i64 }
    /// let s = select(users::id.nullable()).full_join(posts::table, posts::user_id.eq(users::id));
    /// assert!(s.compile(&Postgres).is_ok());
    /// assert!(s.compile(&MySql).is_err());
    /// ```
    pub fn full_join(&self, target: impl FromClause, on: impl Predicate) -> Self {
        self.join_kind(JoinKind::Full, target, on)
    }

    /// Adds a WHERE condition; several calls are joined with AND.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let s = select(literal(1i64)).where_(true_()).where_(false_());
    /// assert_eq!(s.compile(&Postgres).unwrap().sql(), "SELECT $1::BIGINT WHERE true AND false");
    /// ```
    pub fn where_(&self, cond: impl Predicate) -> Self {
        let cond = cond.into_predicate();
        self.with(|c| {
            c.where_ = Some(match c.where_.take() {
                Some(w) => Node::and(w, cond),
                None => cond,
            })
        })
    }

    /// Adds GROUP BY expressions.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let s = select(func::count_star()).group_by(literal(1i64));
    /// assert_eq!(s.compile(&Sqlite).unwrap().sql(), "SELECT count(*) GROUP BY ?");
    /// ```
    pub fn group_by(&self, exprs: impl ExprList) -> Self {
        self.with(|c| c.group_by = c.group_by.extended(exprs.into_exprs()))
    }

    /// Adds a HAVING condition; several calls are joined with AND.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let s = select(func::count_star()).group_by(literal(1i64)).having(func::count_star().gt(1));
    /// assert_eq!(s.compile(&Sqlite).unwrap().sql(), "SELECT count(*) GROUP BY ? HAVING count(*) > ?");
    /// ```
    pub fn having(&self, cond: impl Predicate) -> Self {
        let cond = cond.into_predicate();
        self.with(|c| {
            c.having = Some(match c.having.take() {
                Some(h) => Node::and(h, cond),
                None => cond,
            })
        })
    }

    /// Adds a named window ([`Window::named`](crate::expr::window::Window::named)) to
    /// the WINDOW clause (`WINDOW w AS (..)`, after HAVING), in the order added: a window
    /// may refine one added before it. Its window functions say `OVER w`. Attaching a
    /// window without a name, or the same window twice, or two windows with one name is a
    /// compile error.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// use aludel_core::expr::window::{self, Window};
    /// let by_g = Window::new().partition_by(literal("g")).named("by_g");
    /// let ordered = by_g.order_by(literal(1i64)).named("ordered");
    /// let c = select(window::row_number().over(&ordered))
    ///     .window(&by_g)
    ///     .window(&ordered)
    ///     .compile(&Sqlite)
    ///     .unwrap();
    /// assert_eq!(
    ///     c.sql(),
    ///     "SELECT row_number() OVER ordered WINDOW by_g AS (PARTITION BY ?), ordered AS (by_g ORDER BY ?)"
    /// );
    /// ```
    pub fn window(&self, window: &crate::expr::window::Window) -> Self {
        let def = window.attached();
        self.with(|c| c.windows = c.windows.extended([def]))
    }

    /// Adds ORDER BY items.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let s = select(literal(1i64).label("a")).order_by((literal(1i64), literal(2i64).desc()));
    /// assert_eq!(s.compile(&Sqlite).unwrap().sql(), "SELECT ? AS a ORDER BY ?, ? DESC");
    /// ```
    pub fn order_by(&self, items: impl OrderByList) -> Self {
        self.with(|c| c.order_by = c.order_by.extended(items.into_items()))
    }

    /// LIMIT, as a bind parameter (one cached statement serves every limit).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64)).limit(5).compile(&MySql).unwrap().sql(), "SELECT ? LIMIT ?");
    /// ```
    pub fn limit(&self, n: impl AsExpr<i64>) -> Self {
        let n = n.into_operand();
        self.with(|c| c.limit = Some(n))
    }

    /// OFFSET, as a bind parameter; with no LIMIT, each dialect's "no limit" form is used.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let s = select(literal(1i64)).offset(5);
    /// assert_eq!(s.compile(&Postgres).unwrap().sql(), "SELECT $1::BIGINT OFFSET $2");
    /// assert_eq!(s.compile(&Sqlite).unwrap().sql(), "SELECT ? LIMIT -1 OFFSET ?");
    /// assert_eq!(s.compile(&MySql).unwrap().sql(), "SELECT ? LIMIT 18446744073709551615 OFFSET ?");
    /// ```
    pub fn offset(&self, n: impl AsExpr<i64>) -> Self {
        let n = n.into_operand();
        self.with(|c| c.offset = Some(n))
    }

    fn lock(&self, f: impl FnOnce(&mut Lock)) -> Self {
        self.with(|c| {
            let mut lock = c.lock.as_deref().cloned().unwrap_or(Lock {
                strength: LockStrength::Update,
                wait: LockWait::Wait,
                of: List::default(),
            });
            f(&mut lock);
            c.lock = Some(Arc::new(lock));
        })
    }

    /// `FOR UPDATE` (a compile error on SQLite, which has no row locks).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
    /// let s = select(users::id).for_update();
    /// assert_eq!(s.compile(&Postgres).unwrap().sql(), "SELECT users.id FROM users FOR UPDATE");
    /// assert!(s.compile(&Sqlite).is_err());
    /// ```
    pub fn for_update(&self) -> Self {
        self.lock(|l| l.strength = LockStrength::Update)
    }

    /// `FOR SHARE` (`LOCK IN SHARE MODE` on MariaDB and MySQL < 8).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
    /// let s = select(users::id).for_share();
    /// assert_eq!(s.compile(&MariaDb).unwrap().sql(), "SELECT users.id FROM users LOCK IN SHARE MODE");
    /// ```
    pub fn for_share(&self) -> Self {
        self.lock(|l| l.strength = LockStrength::Share)
    }

    /// Adds `NOWAIT` to the lock (implies FOR UPDATE when no lock was set).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
    /// let s = select(users::id).for_update().nowait();
    /// assert_eq!(s.compile(&MySql).unwrap().sql(), "SELECT users.id FROM users FOR UPDATE NOWAIT");
    /// ```
    pub fn nowait(&self) -> Self {
        self.lock(|l| l.wait = LockWait::NoWait)
    }

    /// Adds `SKIP LOCKED` to the lock (implies FOR UPDATE when no lock was set).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
    /// let s = select(users::id).for_update().skip_locked();
    /// assert_eq!(s.compile(&Postgres).unwrap().sql(), "SELECT users.id FROM users FOR UPDATE SKIP LOCKED");
    /// ```
    pub fn skip_locked(&self) -> Self {
        self.lock(|l| l.wait = LockWait::SkipLocked)
    }

    /// Restricts the lock to some FROM items: `FOR UPDATE OF t` (PostgreSQL, MySQL 8).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
    /// let s = select(users::id).for_update().of(users::table);
    /// assert_eq!(s.compile(&Postgres).unwrap().sql(), "SELECT users.id FROM users FOR UPDATE OF users");
    /// assert!(s.compile(&MariaDb).is_err());
    /// ```
    pub fn of(&self, item: impl FromClause) -> Self {
        let s = item.into_source();
        self.lock(|l| l.of = l.of.extended([s]))
    }

    /// This SELECT as a named subquery for FROM / JOIN (`(SELECT ...) AS name`).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let sq = select((users::id, users::name)).where_(users::id.gt(10)).subquery("big");
    /// let (id, name) = sq.columns();
    /// let c = select(name).where_(id.lt(20)).compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "SELECT big.name FROM (SELECT users.id, users.name FROM users WHERE users.id > ?) AS big WHERE big.id < ?");
    /// ```
    pub fn subquery(&self, name: impl Into<Cow<'static, str>>) -> Subquery<R> {
        let columns = self.core.columns.iter().map(Node::exposed_name).collect();
        Subquery {
            def: Arc::new(SubqueryDef {
                select: self.core.clone(),
                name: name.into(),
                columns,
                cte: None,
                lateral: false,
                compound: None,
            }),
            _r: PhantomData,
        }
    }

    /// `EXISTS (this select)`; tables of the enclosing query are correlated.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
    /// # #[derive(Table)] struct Posts { #[aludel(primary_key)] id: i64, user_id: i64 }
    /// let has_posts = select(posts::id).where_(posts::user_id.eq(users::id)).exists();
    /// let c = select(users::id).where_(has_posts).compile(&Postgres).unwrap();
    /// assert_eq!(c.sql(), "SELECT users.id FROM users WHERE EXISTS (SELECT posts.id FROM posts WHERE posts.user_id = users.id)");
    /// ```
    pub fn exists(&self) -> Expr<bool> {
        Expr::new(Node(N::Exists(Arc::new(crate::expr::Query::Select(
            self.core.clone(),
        )))))
    }

    /// `NOT EXISTS (this select)`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let c = select(select(literal(1i64)).not_exists()).compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "SELECT NOT EXISTS (SELECT ?)");
    /// ```
    pub fn not_exists(&self) -> Expr<bool> {
        Expr::new(Node::unary(UnOp::Not, self.exists().node))
    }

    /// A one-column SELECT as a scalar value, `(SELECT ...)`: NULL when it finds no row.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
    /// # #[derive(Table)] struct Posts { #[aludel(primary_key)] id: i64, user_id: i64 }
    /// let n = select(func::count_star()).select_from(posts::table).where_(posts::user_id.eq(users::id)).scalar_subquery();
    /// let c = select((users::id, n.label("posts"))).compile(&MySql).unwrap();
    /// assert_eq!(c.sql(), "SELECT users.id, (SELECT count(*) FROM posts WHERE posts.user_id = users.id) AS posts FROM users");
    /// ```
    pub fn scalar_subquery(&self) -> Expr<R::Scalar>
    where
        R: ScalarRow,
    {
        Expr::new(Node(N::Scalar(Arc::new(crate::expr::Query::Select(
            self.core.clone(),
        )))))
    }
}

/// Row types of one column, whose SELECT can be a scalar subquery.
///
/// ```
/// use aludel_core::{prelude::*, stmt::ScalarRow};
/// fn scalar<R: ScalarRow>(s: &Select<R>) -> Expr<R::Scalar> { s.scalar_subquery() }
/// let _: Expr<Option<i64>> = scalar(&select(literal(1i64)));
/// ```
#[diagnostic::on_unimplemented(
    message = "a scalar subquery selects exactly one column, but this SELECT's rows are `{Self}`",
    label = "this SELECT has more than one column (or a whole table)",
    note = "select a single expression: `select(func::count_star()).scalar_subquery()`"
)]
pub trait ScalarRow {
    /// The scalar's type: NULL when the subquery finds no row.
    type Scalar: SqlType;
}

#[diagnostic::do_not_recommend]
impl<T: SqlType> ScalarRow for T {
    type Scalar = Option<T::NotNull>;
}

/// A SELECT used as a FROM item: `(SELECT ...) AS name`.
///
/// ```
/// use aludel_core::prelude::*;
/// let sq = select(literal(1i64).label("x")).subquery("s");
/// assert_eq!(sq.name(), "s");
/// ```
pub struct Subquery<R> {
    pub(crate) def: Arc<SubqueryDef>,
    _r: PhantomData<fn() -> R>,
}

impl<R> Clone for Subquery<R> {
    fn clone(&self) -> Self {
        Subquery {
            def: self.def.clone(),
            _r: PhantomData,
        }
    }
}

impl<R> Subquery<R> {
    pub(crate) fn from_def(def: Arc<SubqueryDef>) -> Self {
        Subquery {
            def,
            _r: PhantomData,
        }
    }

    /// This subquery as a `LATERAL` FROM item: it may refer to the FROM items before it
    /// (PostgreSQL >= 9.3, MySQL >= 8.0.14; a compile error on MariaDB and SQLite). Take
    /// the columns from the returned subquery.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// # #[derive(Table)] struct Posts { #[aludel(primary_key)] id: i64, user_id: i64, title: String }
    /// let last = select(posts::title)
    ///     .where_(posts::user_id.eq(users::id))
    ///     .order_by(posts::id.desc())
    ///     .limit(1)
    ///     .subquery("last")
    ///     .lateral();
    /// let s = select((users::name, last.columns()));
    /// assert_eq!(
    ///     s.compile(&Postgres).unwrap().sql(),
    ///     "SELECT users.name, last.title FROM users, LATERAL (SELECT posts.title FROM posts WHERE posts.user_id = users.id ORDER BY posts.id DESC LIMIT $1) AS last"
    /// );
    /// assert!(s.compile(&Sqlite).is_err());
    /// ```
    pub fn lateral(&self) -> Subquery<R> {
        Subquery::from_def(Arc::new(SubqueryDef {
            select: self.def.select.clone(),
            name: self.def.name.clone(),
            columns: self.def.columns.clone(),
            cte: None,
            compound: self.def.compound.clone(),
            lateral: true,
        }))
    }

    /// The same derived table with its columns named `names`, one per column (SQL's
    /// `AS t (a, b)`). Written portably by labelling the select list (MariaDB and SQLite
    /// have no derived-table column list); for a compound, its first SELECT (an ORDER BY
    /// of the compound then names the new names). Typed rows take exactly one name per
    /// column; a type-erased (`Dyn`) row is checked when the statement is compiled.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let t = select((users::id, func::upper(users::name))).subquery("t").column_aliases(["uid", "shout"]);
    /// let (uid, shout) = t.columns();
    /// let c = select(shout).where_(uid.gt(1)).compile(&MariaDb).unwrap();
    /// assert_eq!(c.sql(), "SELECT t.shout FROM (SELECT users.id AS uid, upper(users.name) AS shout FROM users) AS t WHERE t.uid > ?");
    /// ```
    pub fn column_aliases(&self, names: impl ColumnAliases<R>) -> Subquery<R> {
        let names = names.into_names();
        let relabel = |s: &SelectCore| {
            let mut s = s.clone();
            // A column without a name (a Dyn row given too few) stays as it is; the
            // compiler reports the count.
            s.columns = List::from_items(s.columns.iter().enumerate().map(|(i, n)| {
                names
                    .get(i)
                    .map_or_else(|| n.clone(), |name| n.relabeled(name.clone()))
            }));
            s
        };
        let compound = self
            .def
            .compound
            .as_ref()
            .map(|c| Arc::new(c.with_first_select(&relabel)));
        Subquery::from_def(Arc::new(SubqueryDef {
            select: relabel(&self.def.select),
            name: self.def.name.clone(),
            columns: names.iter().cloned().map(Some).collect(),
            cte: self.def.cte.clone(),
            compound,
            lateral: self.def.lateral,
        }))
    }

    /// The subquery's name.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64)).subquery("q").name(), "q");
    /// ```
    pub fn name(&self) -> &str {
        &self.def.name
    }

    /// Its columns, typed by the select's row type.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let sq = select((literal(1i64).label("a"), literal("x").label("b"))).subquery("q");
    /// let (a, b): (Column<i64>, Column<String>) = sq.columns();
    /// assert_eq!((a.name(), b.name()), ("a", "b"));
    /// ```
    pub fn columns(&self) -> R::Columns
    where
        R: SubqueryColumns,
    {
        R::columns(&self.def)
    }

    /// The column called `name`, as an untyped `Column<Dyn>`; `None` if there is none.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let sq = select(literal(1i64).label("a")).subquery("q");
    /// assert!(sq.column_dyn("a").is_some());
    /// assert!(sq.column_dyn("z").is_none());
    /// ```
    pub fn column_dyn(&self, name: &str) -> Option<Column<Dyn>> {
        SubqueryDef::column_dyn(&self.def, name)
    }
}

/// Row types whose subquery columns can be handed out typed: single SQL types and tuples.
///
/// ```
/// use aludel_core::prelude::*;
/// let sq = select(literal(1i64).label("a")).subquery("q");
/// let a: Column<i64> = sq.columns();
/// # let _ = a;
/// ```
pub trait SubqueryColumns {
    /// The typed columns.
    type Columns;
    #[doc(hidden)]
    fn columns(def: &Arc<SubqueryDef>) -> Self::Columns;
}

impl<T: SqlType> SubqueryColumns for T {
    type Columns = Column<T>;
    fn columns(def: &Arc<SubqueryDef>) -> Column<T> {
        Column::from_ref(ColumnRef {
            source: Source::Subquery(def.clone()),
            index: 0,
        })
    }
}
