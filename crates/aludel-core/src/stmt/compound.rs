//! Set operations: UNION [ALL], INTERSECT [ALL], EXCEPT [ALL].

use std::marker::PhantomData;
use std::sync::Arc;

use super::List;
use super::select::{OrderByList, Select, SelectCore};
use crate::expr::{AsExpr, Node, OrderBy};

/// A set operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SetOp {
    Union,
    UnionAll,
    Intersect,
    IntersectAll,
    Except,
    ExceptAll,
}

impl SetOp {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            SetOp::Union => " UNION ",
            SetOp::UnionAll => " UNION ALL ",
            SetOp::Intersect => " INTERSECT ",
            SetOp::IntersectAll => " INTERSECT ALL ",
            SetOp::Except => " EXCEPT ",
            SetOp::ExceptAll => " EXCEPT ALL ",
        }
    }

    /// INTERSECT binds tighter than UNION and EXCEPT (PostgreSQL, MySQL, MariaDB; SQLite
    /// evaluates all of them left to right).
    pub(crate) fn binds_tight(self) -> bool {
        matches!(self, SetOp::Intersect | SetOp::IntersectAll)
    }
}

/// One operand of a set operation.
#[derive(Clone)]
pub(crate) enum Member {
    Select(Arc<SelectCore>),
    Compound(Arc<CompoundCore>),
}

/// The untyped body of a compound SELECT.
#[doc(hidden)]
#[derive(Clone)]
pub struct CompoundCore {
    /// The operands, in order; `ops[i]` joins `members[i]` and `members[i + 1]`.
    pub(crate) members: List<Member>,
    pub(crate) ops: List<SetOp>,
    pub(crate) order_by: List<OrderBy>,
    pub(crate) limit: Option<Node>,
    pub(crate) offset: Option<Node>,
    /// The common table expressions of its WITH clause.
    pub(crate) with: List<Arc<crate::schema::SubqueryDef>>,
    /// Why the statement cannot be compiled (a VALUES list with the wrong width).
    pub(crate) invalid: Option<Arc<str>>,
}

impl CompoundCore {
    /// The first plain SELECT (its columns name the compound's result columns).
    pub(crate) fn first_select(&self) -> &SelectCore {
        match &self.members.as_slice()[0] {
            Member::Select(s) => s,
            Member::Compound(c) => c.first_select(),
        }
    }

    /// Whether `f` holds for one of its plain SELECTs, nested compounds' included.
    pub(crate) fn any_select<'a>(&'a self, f: &mut impl FnMut(&'a SelectCore) -> bool) -> bool {
        self.members.iter().any(|m| match m {
            Member::Select(s) => f(s),
            Member::Compound(c) => c.any_select(f),
        })
    }

    /// The same compound with its first plain SELECT replaced by `f` of it.
    pub(crate) fn with_first_select(&self, f: &dyn Fn(&SelectCore) -> SelectCore) -> CompoundCore {
        let mut c = self.clone();
        let members: Vec<Member> = self
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| match (i, m) {
                (0, Member::Select(s)) => Member::Select(Arc::new(f(s))),
                (0, Member::Compound(inner)) => {
                    Member::Compound(Arc::new(inner.with_first_select(f)))
                }
                (_, other) => other.clone(),
            })
            .collect();
        c.members = List::from_vec(members);
        c
    }

    pub(crate) fn is_bare(&self) -> bool {
        self.order_by.is_empty()
            && self.limit.is_none()
            && self.offset.is_none()
            && self.with.is_empty()
    }
}

/// A compound SELECT (`a UNION b`, ...) whose rows decode into `R`: every operand has
/// the same row type. ORDER BY names the result columns (those of the first SELECT);
/// LIMIT / OFFSET apply to the whole result.
///
/// Chaining is left to right, as method calls read: `a.union(&b).intersect(&c)` is
/// `(a UNION b) INTERSECT c`, parenthesised where the dialect's precedence would read it
/// otherwise (SQLite, which accepts no parentheses here, gets a `SELECT * FROM (..)`
/// where one is needed).
///
/// ```
/// use aludel_core::prelude::*;
/// let a = select(literal(1i64).label("n"));
/// let b = select(literal(2i64).label("n"));
/// let u = a.union_all(&b).order_by(literal(1i64).label("n").desc()).limit(1);
/// assert_eq!(
///     u.compile(&Postgres).unwrap().sql(),
///     "SELECT $1::BIGINT AS n UNION ALL SELECT $2::BIGINT AS n ORDER BY n DESC LIMIT $3"
/// );
/// ```
pub struct Compound<R> {
    pub(crate) core: Arc<CompoundCore>,
    _r: PhantomData<fn() -> R>,
}

impl<R> Clone for Compound<R> {
    fn clone(&self) -> Self {
        Compound {
            core: self.core.clone(),
            _r: PhantomData,
        }
    }
}

/// Something that can be an operand of a set operation with rows `R`: a [`Select<R>`]
/// or a [`Compound<R>`].
///
/// ```
/// use aludel_core::prelude::*;
/// let a = select(literal(1i64));
/// let ab = a.union(&select(literal(2i64)));
/// let _ = a.except(&ab); // a compound as the right operand is parenthesised
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be combined with a SELECT whose rows are `{R}`",
    label = "this operand's rows are not `{R}`",
    note = "the operands of UNION / INTERSECT / EXCEPT must select the same row type"
)]
pub trait SetOperand<R> {
    #[doc(hidden)]
    fn operand(&self) -> Operand;
}

/// An opaque set-operation operand (see [`SetOperand`]).
#[doc(hidden)]
pub struct Operand(pub(crate) Member);

impl<R> SetOperand<R> for Select<R> {
    fn operand(&self) -> Operand {
        Operand(Member::Select(Arc::new(self.core.clone())))
    }
}

impl<R> SetOperand<R> for Compound<R> {
    fn operand(&self) -> Operand {
        Operand(Member::Compound(self.core.clone()))
    }
}

fn combine<R>(left: Member, op: SetOp, right: Member) -> Compound<R> {
    // Append to a bare left compound when that keeps the left-to-right reading: the new
    // operator binds no tighter than every operator already there.
    if let Member::Compound(c) = &left {
        if c.is_bare() && (!op.binds_tight() || c.ops.iter().all(|o| o.binds_tight())) {
            return Compound::from_core(CompoundCore {
                members: c.members.extended([right]),
                ops: c.ops.extended([op]),
                ..(**c).clone()
            });
        }
    }
    Compound::from_core(CompoundCore {
        members: List::from_items([left, right]),
        ops: List::from_items([op]),
        order_by: List::default(),
        limit: None,
        offset: None,
        with: List::default(),
        invalid: None,
    })
}

macro_rules! set_ops {
    ($($(#[$doc:meta])* $name:ident => $op:ident;)*) => {
        impl<R> Select<R> {
            $(
                $(#[$doc])*
                pub fn $name(&self, other: &impl SetOperand<R>) -> Compound<R> {
                    combine(SetOperand::<R>::operand(self).0, SetOp::$op, other.operand().0)
                }
            )*
        }

        impl<R> Compound<R> {
            $(
                $(#[$doc])*
                pub fn $name(&self, other: &impl SetOperand<R>) -> Compound<R> {
                    combine(SetOperand::<R>::operand(self).0, SetOp::$op, other.operand().0)
                }
            )*
        }
    };
}

set_ops! {
    /// `UNION`: the rows of both, duplicates removed.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let u = select(literal(1i64)).union(&select(literal(2i64)));
    /// assert_eq!(u.compile(&Sqlite).unwrap().sql(), "SELECT ? UNION SELECT ?");
    /// ```
    union => Union;
    /// `UNION ALL`: the rows of both, duplicates kept.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let u = select(literal(1i64)).union_all(&select(literal(1i64)));
    /// assert_eq!(u.compile(&MySql).unwrap().sql(), "SELECT ? UNION ALL SELECT ?");
    /// ```
    union_all => UnionAll;
    /// `INTERSECT` (MySQL >= 8.0.31, MariaDB >= 10.3).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let i = select(literal(1i64)).intersect(&select(literal(1i64)));
    /// assert_eq!(i.compile(&Sqlite).unwrap().sql(), "SELECT ? INTERSECT SELECT ?");
    /// ```
    intersect => Intersect;
    /// `INTERSECT ALL` (PostgreSQL, MySQL >= 8.0.31, MariaDB >= 10.5; not SQLite).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let i = select(literal(1i64)).intersect_all(&select(literal(1i64)));
    /// assert!(i.compile(&Sqlite).is_err());
    /// ```
    intersect_all => IntersectAll;
    /// `EXCEPT` (MySQL >= 8.0.31, MariaDB >= 10.3).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let e = select(literal(1i64)).except(&select(literal(2i64)));
    /// assert_eq!(e.compile(&Postgres).unwrap().sql(), "SELECT $1::BIGINT EXCEPT SELECT $2::BIGINT");
    /// ```
    except => Except;
    /// `EXCEPT ALL` (PostgreSQL, MySQL >= 8.0.31, MariaDB >= 10.5; not SQLite).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let e = select(literal(1i64)).except_all(&select(literal(2i64)));
    /// assert!(e.compile(&aludel_core::dialect::Dialect::mariadb().with_version(10, 4, 0)).is_err());
    /// ```
    except_all => ExceptAll;
}

impl<R> Compound<R> {
    pub(crate) fn from_core(core: CompoundCore) -> Self {
        Compound {
            core: Arc::new(core),
            _r: PhantomData,
        }
    }

    fn with(&self, f: impl FnOnce(&mut CompoundCore)) -> Self {
        let mut core = (*self.core).clone();
        f(&mut core);
        Compound::from_core(core)
    }

    /// ORDER BY over the result: each item must be one of the result columns (a column
    /// or label of the first SELECT), rendered by its name.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let n = literal(1i64).label("n");
    /// let u = select(n.clone()).union(&select(literal(2i64).label("n"))).order_by(n.desc());
    /// assert_eq!(u.compile(&Sqlite).unwrap().sql(), "SELECT ? AS n UNION SELECT ? AS n ORDER BY n DESC");
    /// ```
    pub fn order_by(&self, items: impl OrderByList) -> Self {
        self.with(|c| c.order_by = c.order_by.extended(items.into_items()))
    }

    /// Adds `cte` to the compound's WITH clause, which every operand sees.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let c = select(literal(1i64).label("x")).cte("c");
    /// let u = select(c.columns()).union(&select(c.columns())).with_(&c);
    /// assert_eq!(u.compile(&Sqlite).unwrap().sql(), "WITH c AS (SELECT ? AS x) SELECT c.x FROM c UNION SELECT c.x FROM c");
    /// ```
    pub fn with_<C>(&self, cte: &crate::stmt::Cte<C>) -> Self {
        let def = cte.def.clone();
        self.with(|c| c.with = c.with.extended([def]))
    }

    /// The compound as a FROM item: `(a UNION b) AS name`, with the first SELECT's
    /// column names.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let u = select(literal(1i64).label("x")).union_all(&select(literal(2i64).label("x"))).subquery("u");
    /// let c = select(func::sum(u.columns())).compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "SELECT sum(u.x) FROM (SELECT ? AS x UNION ALL SELECT ? AS x) AS u");
    /// ```
    pub fn subquery(&self, name: impl Into<std::borrow::Cow<'static, str>>) -> super::Subquery<R> {
        let first = self.core.first_select();
        let columns = first.columns.iter().map(Node::exposed_name).collect();
        super::Subquery::from_def(Arc::new(crate::schema::SubqueryDef {
            select: first.clone(),
            name: name.into(),
            columns,
            cte: None,
            lateral: false,
            compound: Some(self.core.clone()),
        }))
    }

    /// `EXISTS (a UNION b)`: tables of the enclosing query are correlated in each SELECT.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
    /// # #[derive(Table)] struct Posts { #[aludel(primary_key)] id: i64, user_id: i64 }
    /// # #[derive(Table)] struct Comments { #[aludel(primary_key)] id: i64, user_id: i64 }
    /// let active = select(posts::id)
    ///     .where_(posts::user_id.eq(users::id))
    ///     .union_all(&select(comments::id).where_(comments::user_id.eq(users::id)));
    /// let c = select(users::id).where_(active.exists()).compile(&Postgres).unwrap();
    /// assert_eq!(
    ///     c.sql(),
    ///     "SELECT users.id FROM users WHERE EXISTS (SELECT posts.id FROM posts WHERE posts.user_id = users.id UNION ALL SELECT comments.id FROM comments WHERE comments.user_id = users.id)"
    /// );
    /// ```
    pub fn exists(&self) -> crate::expr::Expr<bool> {
        crate::expr::Expr::new(Node(crate::expr::N::Exists(Arc::new(
            crate::expr::Query::Compound(self.core.clone()),
        ))))
    }

    /// `NOT EXISTS (a UNION b)`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let u = select(literal(1i64)).intersect(&select(literal(2i64)));
    /// let c = select(u.not_exists()).compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "SELECT NOT EXISTS (SELECT ? INTERSECT SELECT ?)");
    /// ```
    pub fn not_exists(&self) -> crate::expr::Expr<bool> {
        crate::expr::Expr::new(Node::unary(crate::expr::UnOp::Not, self.exists().node))
    }

    /// A one-column compound as a scalar value, `(SELECT .. UNION ..)`: NULL when it
    /// finds no row (the server's error when it finds several; add `.limit(1)`).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let u = select(literal(1i64).label("n")).except(&select(literal(2i64).label("n")));
    /// let e: Expr<Option<i64>> = u.scalar_subquery();
    /// let c = select(e).compile(&Postgres).unwrap();
    /// assert_eq!(c.sql(), "SELECT (SELECT $1::BIGINT AS n EXCEPT SELECT $2::BIGINT AS n)");
    /// ```
    pub fn scalar_subquery(&self) -> crate::expr::Expr<R::Scalar>
    where
        R: super::ScalarRow,
    {
        crate::expr::Expr::new(Node(crate::expr::N::Scalar(Arc::new(
            crate::expr::Query::Compound(self.core.clone()),
        ))))
    }

    /// LIMIT over the result.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let u = select(literal(1i64)).union(&select(literal(2i64))).limit(1);
    /// assert_eq!(u.compile(&MariaDb).unwrap().sql(), "SELECT ? UNION SELECT ? LIMIT ?");
    /// ```
    pub fn limit(&self, n: impl AsExpr<i64>) -> Self {
        let n = n.into_operand();
        self.with(|c| c.limit = Some(n))
    }

    /// OFFSET over the result.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let u = select(literal(1i64)).union(&select(literal(2i64))).offset(1);
    /// assert_eq!(u.compile(&Sqlite).unwrap().sql(), "SELECT ? UNION SELECT ? LIMIT -1 OFFSET ?");
    /// ```
    pub fn offset(&self, n: impl AsExpr<i64>) -> Self {
        let n = n.into_operand();
        self.with(|c| c.offset = Some(n))
    }
}
