//! Common table expressions: `WITH name AS (...)`, `WITH RECURSIVE`.
//!
//! A CTE is made from a SELECT ([`Select::cte`]), used like a table (its typed
//! [`Cte::columns`], `select_from`, joins) and attached to the statement whose WITH
//! clause defines it with [`Select::with_`]. Attaching is explicit, as in sea-query and
//! Kysely: a statement without CTEs pays nothing for them, and using a CTE that no
//! enclosing statement attaches is a compile error naming it.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::compound::SetOp;
use super::select::{FromClause, Select, SelectCore, SubqueryColumns};
use crate::expr::Node;
use crate::schema::{Column, Source, SubqueryDef};
use crate::types::Dyn;

/// What makes a subquery definition a CTE.
#[derive(Clone)]
pub(crate) struct CteInfo {
    /// Identity shared by a CTE and the versions of it built from it (its recursive
    /// term refers to the anchor-only version).
    pub(crate) id: usize,
    /// The recursive term: `anchor UNION [ALL] term`.
    pub(crate) recursive: Option<(SetOp, Arc<SelectCore>)>,
    /// `MATERIALIZED` (`Some(true)`) / `NOT MATERIALIZED` (`Some(false)`).
    pub(crate) materialized: Option<bool>,
}

static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

/// A common table expression whose rows are `R`.
///
/// ```
/// use aludel_core::prelude::*;
/// let small = select(literal(1i64).label("x")).cte("small");
/// let x = small.columns();
/// let stmt = select(x.clone()).with_(&small).where_(x.gt(0));
/// assert_eq!(
///     stmt.compile(&Postgres).unwrap().sql(),
///     "WITH small AS (SELECT $1::BIGINT AS x) SELECT small.x FROM small WHERE small.x > $2"
/// );
/// ```
pub struct Cte<R> {
    pub(crate) def: Arc<SubqueryDef>,
    _r: PhantomData<fn() -> R>,
}

impl<R> Clone for Cte<R> {
    fn clone(&self) -> Self {
        Cte {
            def: self.def.clone(),
            _r: PhantomData,
        }
    }
}

impl<R> Select<R> {
    /// This SELECT as a common table expression called `name` (attach it to the
    /// statement that uses it with [`Select::with_`]).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64).label("x")).cte("c").name(), "c");
    /// ```
    pub fn cte(&self, name: impl Into<Cow<'static, str>>) -> Cte<R> {
        let columns = self.core.columns.iter().map(Node::exposed_name).collect();
        Cte {
            def: Arc::new(SubqueryDef {
                select: self.core.clone(),
                name: name.into(),
                columns,
                cte: Some(CteInfo {
                    id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                    recursive: None,
                    materialized: None,
                }),
                compound: None,
                lateral: false,
            }),
            _r: PhantomData,
        }
    }

    /// Adds `cte` to this SELECT's WITH clause (`WITH RECURSIVE` when one of them is
    /// recursive). CTEs are written in the order they are added; one may refer to those
    /// added before it.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let a = select(literal(1i64).label("x")).cte("a");
    /// let b = select(a.columns()).cte("b");
    /// let c = select(b.columns()).with_(&a).with_(&b).compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "WITH a AS (SELECT ? AS x), b AS (SELECT a.x FROM a) SELECT b.x FROM b");
    /// ```
    pub fn with_<C>(&self, cte: &Cte<C>) -> Self {
        let def = cte.def.clone();
        self.with(|c| c.with = c.with.extended([def]))
    }
}

impl<R> Cte<R> {
    fn info(&self) -> &CteInfo {
        self.def.cte.as_ref().expect("a Cte's definition is a CTE")
    }

    fn rebuilt(&self, f: impl FnOnce(&mut CteInfo)) -> Cte<R> {
        let mut info = self.info().clone();
        f(&mut info);
        Cte {
            def: Arc::new(SubqueryDef {
                select: self.def.select.clone(),
                name: self.def.name.clone(),
                columns: self.def.columns.clone(),
                cte: Some(info),
                compound: None,
                lateral: false,
            }),
            _r: PhantomData,
        }
    }

    /// The CTE's name.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64)).cte("n").name(), "n");
    /// ```
    pub fn name(&self) -> &str {
        &self.def.name
    }

    /// Its columns, typed by the row type.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let c = select((literal(1i64).label("a"), literal("x").label("b"))).cte("c");
    /// let (a, b): (Column<i64>, Column<String>) = c.columns();
    /// assert_eq!((a.name(), b.name()), ("a", "b"));
    /// ```
    pub fn columns(&self) -> R::Columns
    where
        R: SubqueryColumns,
    {
        R::columns(&self.def)
    }

    /// The column called `name`, untyped; `None` if there is none.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert!(select(literal(1i64).label("a")).cte("c").column_dyn("a").is_some());
    /// ```
    pub fn column_dyn(&self, name: &str) -> Option<Column<Dyn>> {
        SubqueryDef::column_dyn(&self.def, name)
    }

    /// Makes the CTE recursive: `anchor UNION ALL term`, where `term` refers to this
    /// CTE (its columns) to read the rows found so far.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let n = select(literal(1i64).label("x")).cte("n");
    /// let x = n.columns();
    /// let n = n.union_all(&select(x.clone() + 1).where_(x.lt(5)));
    /// let c = select(n.columns()).with_(&n).compile(&Sqlite).unwrap();
    /// assert_eq!(
    ///     c.sql(),
    ///     "WITH RECURSIVE n AS (SELECT ? AS x UNION ALL SELECT n.x + ? FROM n WHERE n.x < ?) SELECT n.x FROM n"
    /// );
    /// ```
    pub fn union_all(&self, term: &Select<R>) -> Cte<R> {
        let term = Arc::new(term.core.clone());
        self.rebuilt(|i| i.recursive = Some((SetOp::UnionAll, term)))
    }

    /// Like [`Cte::union_all`], with `UNION`: rows already found are not added again
    /// (a graph walk that stops at cycles).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let n = select(literal(1i64).label("x")).cte("n");
    /// let n = n.union(&select(n.columns()));
    /// assert!(select(n.columns()).with_(&n).compile(&Postgres).unwrap().sql().starts_with("WITH RECURSIVE"));
    /// ```
    pub fn union(&self, term: &Select<R>) -> Cte<R> {
        let term = Arc::new(term.core.clone());
        self.rebuilt(|i| i.recursive = Some((SetOp::Union, term)))
    }

    /// `name AS MATERIALIZED (...)`: computed once (PostgreSQL >= 12, SQLite >= 3.35).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let c = select(literal(1i64).label("x")).cte("c").materialized();
    /// let s = select(c.columns()).with_(&c);
    /// assert_eq!(s.compile(&Postgres).unwrap().sql(), "WITH c AS MATERIALIZED (SELECT $1::BIGINT AS x) SELECT c.x FROM c");
    /// assert!(s.compile(&MySql).is_err());
    /// ```
    pub fn materialized(&self) -> Cte<R> {
        self.rebuilt(|i| i.materialized = Some(true))
    }

    /// `name AS NOT MATERIALIZED (...)`: may be inlined into the query (PostgreSQL >= 12,
    /// SQLite >= 3.35).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let c = select(literal(1i64).label("x")).cte("c").not_materialized();
    /// let s = select(c.columns()).with_(&c);
    /// assert!(s.compile(&Sqlite).unwrap().sql().starts_with("WITH c AS NOT MATERIALIZED ("));
    /// ```
    pub fn not_materialized(&self) -> Cte<R> {
        self.rebuilt(|i| i.materialized = Some(false))
    }
}

#[diagnostic::do_not_recommend]
impl<R> FromClause for Cte<R> {
    fn into_source(self) -> Source {
        Source::Subquery(self.def)
    }
}

#[diagnostic::do_not_recommend]
impl<R> FromClause for &Cte<R> {
    fn into_source(self) -> Source {
        Source::Subquery(self.def.clone())
    }
}
