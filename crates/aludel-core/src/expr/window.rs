//! Window functions: `OVER (PARTITION BY .. ORDER BY .. frame)`.
//!
//! Aggregates ([`func::sum`](super::func::sum), `count`, `min`, `max`, ...) become window
//! aggregates with [`Expr::over`]; the ranking and offset functions of this module
//! ([`row_number`], [`rank`], [`lag`], ...) exist only with a window, so they return a
//! [`WindowFunction`] that is not an expression until [`WindowFunction::over`] is called.
//!
//! ```
//! use aludel_core::prelude::*;
//! use aludel_core::expr::window::{self, Window, FrameBound};
//! let w = Window::new().order_by(literal(1i64));
//! let e: Expr<i64> = window::row_number().over(&w);
//! assert_eq!(select(e).compile(&Postgres).unwrap().sql(), "SELECT row_number() OVER (ORDER BY $1::BIGINT)");
//! let running = func::sum(literal(2i64)).over(&w.rows(FrameBound::UnboundedPreceding, FrameBound::CurrentRow));
//! assert_eq!(
//!     select(running).compile(&Sqlite).unwrap().sql(),
//!     "SELECT sum(?) OVER (ORDER BY ? ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
//! );
//! ```

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{AsExpr, Expr, Expression, FuncName, N, Node, OrderBy};
use crate::stmt::{ExprList, List, OrderByList};
use crate::types::{Like, SqlType};

/// The unit of a window frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameUnits {
    /// `ROWS`: physical rows.
    Rows,
    /// `RANGE`: peers by the ORDER BY value (an offset needs exactly one ORDER BY key).
    Range,
    /// `GROUPS`: peer groups (PostgreSQL >= 11, SQLite >= 3.28).
    Groups,
}

/// One end of a window frame. Offsets are rendered into the SQL text (they are part of
/// the statement's shape), as every server accepts a literal there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameBound {
    /// `UNBOUNDED PRECEDING` (a start only).
    UnboundedPreceding,
    /// `n PRECEDING`.
    Preceding(u32),
    /// `CURRENT ROW`.
    CurrentRow,
    /// `n FOLLOWING`.
    Following(u32),
    /// `UNBOUNDED FOLLOWING` (an end only).
    UnboundedFollowing,
}

impl FrameBound {
    /// The bound's position, for checking that a frame does not end before it starts.
    pub(crate) fn rank(self) -> u8 {
        match self {
            FrameBound::UnboundedPreceding => 0,
            FrameBound::Preceding(_) => 1,
            FrameBound::CurrentRow => 2,
            FrameBound::Following(_) => 3,
            FrameBound::UnboundedFollowing => 4,
        }
    }

    pub(crate) fn offset(self) -> Option<u32> {
        match self {
            FrameBound::Preceding(n) | FrameBound::Following(n) => Some(n),
            _ => None,
        }
    }
}

impl std::fmt::Display for FrameBound {
    /// The bound as SQL.
    ///
    /// ```
    /// use aludel_core::expr::window::FrameBound;
    /// assert_eq!(FrameBound::Preceding(3).to_string(), "3 PRECEDING");
    /// assert_eq!(FrameBound::CurrentRow.to_string(), "CURRENT ROW");
    /// ```
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameBound::UnboundedPreceding => f.write_str("UNBOUNDED PRECEDING"),
            FrameBound::Preceding(n) => write!(f, "{n} PRECEDING"),
            FrameBound::CurrentRow => f.write_str("CURRENT ROW"),
            FrameBound::Following(n) => write!(f, "{n} FOLLOWING"),
            FrameBound::UnboundedFollowing => f.write_str("UNBOUNDED FOLLOWING"),
        }
    }
}

/// Rows a frame leaves out: `EXCLUDE ..` (PostgreSQL >= 11, SQLite >= 3.28; MySQL and
/// MariaDB have none).
///
/// ```
/// use aludel_core::prelude::*;
/// use aludel_core::expr::window::{Window, FrameBound, FrameExclusion};
/// let peers = Window::new()
///     .order_by(literal(1i64))
///     .range(FrameBound::UnboundedPreceding, FrameBound::UnboundedFollowing)
///     .exclude(FrameExclusion::Ties);
/// let c = select(func::count_star().over(&peers)).compile(&Postgres).unwrap();
/// assert!(c.sql().ends_with("UNBOUNDED FOLLOWING EXCLUDE TIES)"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameExclusion {
    /// `EXCLUDE CURRENT ROW`.
    CurrentRow,
    /// `EXCLUDE GROUP`: the current row and its peers.
    Group,
    /// `EXCLUDE TIES`: the current row's peers, not the row itself.
    Ties,
    /// `EXCLUDE NO OTHERS` (the default, spelled out).
    NoOthers,
}

impl FrameExclusion {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            FrameExclusion::CurrentRow => "EXCLUDE CURRENT ROW",
            FrameExclusion::Group => "EXCLUDE GROUP",
            FrameExclusion::Ties => "EXCLUDE TIES",
            FrameExclusion::NoOthers => "EXCLUDE NO OTHERS",
        }
    }
}

/// A window frame: units, start and (optionally) end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Frame {
    pub(crate) units: FrameUnits,
    pub(crate) start: FrameBound,
    pub(crate) end: Option<FrameBound>,
}

/// A window specification: `PARTITION BY`, `ORDER BY` and a frame. Immutable like
/// statements: every method returns a new window.
///
/// ```
/// use aludel_core::prelude::*;
/// use aludel_core::expr::window::{Window, FrameBound};
/// let w = Window::new()
///     .partition_by(literal("a"))
///     .order_by(literal(1i64).desc())
///     .range(FrameBound::UnboundedPreceding, FrameBound::UnboundedFollowing);
/// let c = select(func::count_star().over(&w)).compile(&MySql).unwrap();
/// assert_eq!(
///     c.sql(),
///     "SELECT count(*) OVER (PARTITION BY ? ORDER BY ? DESC RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
/// );
/// ```
#[derive(Clone, Default)]
pub struct Window {
    /// The named window this one is (`OVER w`) or refines (`OVER (w ORDER BY ..)`).
    pub(crate) base: Option<Arc<WindowDef>>,
    pub(crate) partition_by: List<Node>,
    pub(crate) order_by: List<OrderBy>,
    pub(crate) frame: Option<Frame>,
    /// `EXCLUDE ..` after the frame (a compile error without one).
    pub(crate) exclude: Option<FrameExclusion>,
}

impl Window {
    /// An empty window (`OVER ()`: the whole result is one partition).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// use aludel_core::expr::window::Window;
    /// let c = select(func::count_star().over(&Window::new())).compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "SELECT count(*) OVER ()");
    /// ```
    pub fn new() -> Window {
        Window::default()
    }

    /// Adds `PARTITION BY` expressions.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// use aludel_core::expr::window::Window;
    /// let w = Window::new().partition_by((literal(1i64), literal("x")));
    /// let c = select(func::count_star().over(&w)).compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "SELECT count(*) OVER (PARTITION BY ?, ?)");
    /// ```
    pub fn partition_by(&self, exprs: impl ExprList) -> Window {
        Window {
            partition_by: self.partition_by.extended(exprs.into_exprs()),
            ..self.clone()
        }
    }

    /// Adds `ORDER BY` items.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// use aludel_core::expr::window::Window;
    /// let w = Window::new().order_by(literal(1i64).desc());
    /// let c = select(func::count_star().over(&w)).compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "SELECT count(*) OVER (ORDER BY ? DESC)");
    /// ```
    pub fn order_by(&self, items: impl OrderByList) -> Window {
        Window {
            order_by: self.order_by.extended(items.into_items()),
            ..self.clone()
        }
    }

    fn framed(&self, units: FrameUnits, start: FrameBound, end: Option<FrameBound>) -> Window {
        Window {
            frame: Some(Frame { units, start, end }),
            ..self.clone()
        }
    }

    /// `ROWS BETWEEN start AND end`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// use aludel_core::expr::window::{Window, FrameBound};
    /// let w = Window::new().order_by(literal(1i64)).rows(FrameBound::Preceding(1), FrameBound::Following(1));
    /// let c = select(func::count_star().over(&w)).compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "SELECT count(*) OVER (ORDER BY ? ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)");
    /// ```
    pub fn rows(&self, start: FrameBound, end: FrameBound) -> Window {
        self.framed(FrameUnits::Rows, start, Some(end))
    }

    /// `RANGE BETWEEN start AND end`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// use aludel_core::expr::window::{Window, FrameBound};
    /// let w = Window::new().order_by(literal(1i64)).range(FrameBound::Preceding(5), FrameBound::CurrentRow);
    /// let c = select(func::count_star().over(&w)).compile(&Postgres).unwrap();
    /// assert_eq!(c.sql(), "SELECT count(*) OVER (ORDER BY $1::BIGINT RANGE BETWEEN 5 PRECEDING AND CURRENT ROW)");
    /// ```
    pub fn range(&self, start: FrameBound, end: FrameBound) -> Window {
        self.framed(FrameUnits::Range, start, Some(end))
    }

    /// `GROUPS BETWEEN start AND end` (PostgreSQL >= 11, SQLite >= 3.28; a compile
    /// error elsewhere).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// use aludel_core::expr::window::{Window, FrameBound};
    /// let w = Window::new().order_by(literal(1i64)).groups(FrameBound::CurrentRow, FrameBound::Following(1));
    /// assert!(select(func::count_star().over(&w)).compile(&MySql).is_err());
    /// ```
    pub fn groups(&self, start: FrameBound, end: FrameBound) -> Window {
        self.framed(FrameUnits::Groups, start, Some(end))
    }

    /// A frame given by its start only (`ROWS 2 PRECEDING`: up to the current row).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// use aludel_core::expr::window::{Window, FrameBound, FrameUnits};
    /// let w = Window::new().order_by(literal(1i64)).frame_from(FrameUnits::Rows, FrameBound::Preceding(2));
    /// let c = select(func::count_star().over(&w)).compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "SELECT count(*) OVER (ORDER BY ? ROWS 2 PRECEDING)");
    /// ```
    pub fn frame_from(&self, units: FrameUnits, start: FrameBound) -> Window {
        self.framed(units, start, None)
    }

    /// Leaves rows out of the frame: `ROWS BETWEEN .. EXCLUDE CURRENT ROW` (PostgreSQL >=
    /// 11, SQLite >= 3.28; a compile error on MySQL and MariaDB, and on a window without a
    /// frame).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// use aludel_core::expr::window::{Window, FrameBound, FrameExclusion};
    /// let w = Window::new()
    ///     .order_by(literal(1i64))
    ///     .rows(FrameBound::Preceding(1), FrameBound::Following(1))
    ///     .exclude(FrameExclusion::CurrentRow);
    /// let c = select(func::sum(literal(2i64)).over(&w)).compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "SELECT sum(?) OVER (ORDER BY ? ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW)");
    /// assert!(select(func::sum(literal(2i64)).over(&w)).compile(&MariaDb).is_err());
    /// ```
    pub fn exclude(&self, exclusion: FrameExclusion) -> Window {
        Window {
            exclude: Some(exclusion),
            ..self.clone()
        }
    }

    /// This window under a name, for SQL's `WINDOW name AS (..)` clause: attach it to a
    /// SELECT with [`Select::window`](crate::stmt::Select::window), and `f.over(&w)`
    /// writes `OVER name`. Methods on the named window refine it
    /// (`OVER (name ORDER BY ..)`): SQL lets a refinement add an ORDER BY when the named
    /// window has none, and a frame, but not a PARTITION BY, and a window with a frame
    /// cannot be refined (compile errors). A name is visible only in the SELECT it is
    /// attached to (not in its subqueries); using it elsewhere is a compile error.
    /// WINDOW clauses need SQLite >= 3.28.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// use aludel_core::expr::window::{self, Window, FrameBound};
    /// let w = Window::new().partition_by(literal("g")).named("w");
    /// let running = w.order_by(literal(1i64)).rows(FrameBound::UnboundedPreceding, FrameBound::CurrentRow);
    /// let c = select((window::rank().over(&w), func::sum(literal(2i64)).over(&running)))
    ///     .window(&w)
    ///     .compile(&Sqlite)
    ///     .unwrap();
    /// assert_eq!(
    ///     c.sql(),
    ///     "SELECT rank() OVER w, sum(?) OVER (w ORDER BY ? ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) WINDOW w AS (PARTITION BY ?)"
    /// );
    /// ```
    pub fn named(&self, name: &str) -> Window {
        Window {
            base: Some(Arc::new(WindowDef {
                name: name.into(),
                id: NEXT_WINDOW_ID.fetch_add(1, Ordering::Relaxed),
                window: self.clone(),
            })),
            ..Window::default()
        }
    }

    /// The name given by [`Window::named`] (of the named window this one refines), if any.
    ///
    /// ```
    /// use aludel_core::expr::window::Window;
    /// assert_eq!(Window::new().named("w").name(), Some("w"));
    /// assert_eq!(Window::new().name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.base.as_deref().map(|d| &*d.name)
    }

    /// What [`Select::window`](crate::stmt::Select::window) attaches: the named window
    /// this one is, or (not being a bare name) a definition without a name that the
    /// compiler refuses.
    pub(crate) fn attached(&self) -> Arc<WindowDef> {
        match &self.base {
            Some(def) if self.is_reference() => def.clone(),
            _ => Arc::new(WindowDef {
                name: "".into(),
                id: 0,
                window: self.clone(),
            }),
        }
    }

    /// The expressions of its own PARTITION BY and ORDER BY (not of a window it refines).
    pub(crate) fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.partition_by
            .iter()
            .chain(self.order_by.iter().map(|o| &o.node))
    }

    /// Whether this is a bare reference to a named window (`OVER w`).
    pub(crate) fn is_reference(&self) -> bool {
        self.base.is_some()
            && self.partition_by.is_empty()
            && self.order_by.is_empty()
            && self.frame.is_none()
            && self.exclude.is_none()
    }
}

static NEXT_WINDOW_ID: AtomicU64 = AtomicU64::new(1);

/// A named window: `name AS (window)` in a SELECT's WINDOW clause.
pub(crate) struct WindowDef {
    pub(crate) name: Arc<str>,
    /// Identity: windows built with the same name are still different windows (0: an
    /// unnamed window attached by mistake).
    pub(crate) id: u64,
    pub(crate) window: Window,
}

/// A window function applied to its window.
pub(crate) struct OverNode {
    pub(crate) func: Node,
    pub(crate) window: Window,
}

pub(crate) fn over_node(func: Node, window: &Window) -> Node {
    Node(N::Over(Arc::new(OverNode {
        func,
        window: window.clone(),
    })))
}

impl<T> Expr<T> {
    /// Applies an aggregate over a window: `sum(x) OVER (...)`. Only a function call
    /// can be windowed; anything else is a compile error when the SQL is built.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// use aludel_core::expr::window::Window;
    /// let w = Window::new().partition_by(literal("g"));
    /// let c = select(func::max(literal(3i64)).over(&w)).compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "SELECT max(?) OVER (PARTITION BY ?)");
    /// assert!(select((literal(1i64) + 2).over(&w)).compile(&Sqlite).is_err());
    /// ```
    pub fn over(&self, window: &Window) -> Expr<T> {
        Expr::new(over_node(self.node.clone(), window))
    }
}

/// A function that only exists over a window (`row_number()`, `lag(x)`, ...): call
/// [`WindowFunction::over`] to use it.
///
/// ```compile_fail
/// use aludel_core::prelude::*;
/// // row_number() without OVER is not SQL: it is not an expression.
/// let _ = select(aludel_core::expr::window::row_number());
/// ```
#[must_use = "a window function needs .over(&window)"]
pub struct WindowFunction<T> {
    func: Node,
    _t: PhantomData<fn() -> T>,
}

impl<T> WindowFunction<T> {
    fn new(name: &'static str, args: Vec<Node>) -> Self {
        WindowFunction {
            func: Node::func(FuncName::Named(name.into()), args),
            _t: PhantomData,
        }
    }

    /// The function over `window`.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// use aludel_core::expr::window::{self, Window};
    /// let e: Expr<i64> = window::rank().over(&Window::new().order_by(literal(1i64)));
    /// assert_eq!(select(e).compile(&MariaDb).unwrap().sql(), "SELECT rank() OVER (ORDER BY ?)");
    /// ```
    pub fn over(self, window: &Window) -> Expr<T> {
        Expr::new(over_node(self.func, window))
    }
}

/// `row_number()`: the row's number in its partition, from 1.
///
/// ```
/// use aludel_core::prelude::*;
/// let e: Expr<i64> = aludel_core::expr::window::row_number().over(&Default::default());
/// assert_eq!(select(e).compile(&Sqlite).unwrap().sql(), "SELECT row_number() OVER ()");
/// ```
pub fn row_number() -> WindowFunction<i64> {
    WindowFunction::new("row_number", Vec::new())
}

/// `rank()`: the rank with gaps (peers share a rank).
///
/// ```
/// let _: aludel_core::expr::window::WindowFunction<i64> = aludel_core::expr::window::rank();
/// ```
pub fn rank() -> WindowFunction<i64> {
    WindowFunction::new("rank", Vec::new())
}

/// `dense_rank()`: the rank without gaps.
///
/// ```
/// let _: aludel_core::expr::window::WindowFunction<i64> = aludel_core::expr::window::dense_rank();
/// ```
pub fn dense_rank() -> WindowFunction<i64> {
    WindowFunction::new("dense_rank", Vec::new())
}

/// `percent_rank()`: `(rank - 1) / (rows in partition - 1)`, from 0 to 1.
///
/// ```
/// let _: aludel_core::expr::window::WindowFunction<f64> = aludel_core::expr::window::percent_rank();
/// ```
pub fn percent_rank() -> WindowFunction<f64> {
    WindowFunction::new("percent_rank", Vec::new())
}

/// `cume_dist()`: the fraction of partition rows up to the row's last peer.
///
/// ```
/// let _: aludel_core::expr::window::WindowFunction<f64> = aludel_core::expr::window::cume_dist();
/// ```
pub fn cume_dist() -> WindowFunction<f64> {
    WindowFunction::new("cume_dist", Vec::new())
}

/// `ntile(n)`: the bucket, 1 to `n`, the row falls in.
///
/// ```
/// let _: aludel_core::expr::window::WindowFunction<i64> = aludel_core::expr::window::ntile(4);
/// ```
pub fn ntile(buckets: u32) -> WindowFunction<i64> {
    WindowFunction::new(
        "ntile",
        vec![Node(N::Inline(Arc::new(i64::from(buckets).into())))],
    )
}

fn offset_node(offset: u32) -> Node {
    Node(N::Inline(Arc::new(i64::from(offset).into())))
}

/// `lag(e)`: `e` of the previous row of the partition; NULL on its first row.
///
/// ```
/// use aludel_core::prelude::*;
/// let e: Expr<Option<i64>> = aludel_core::expr::window::lag(literal(1i64)).over(&Default::default());
/// assert_eq!(select(e).compile(&Sqlite).unwrap().sql(), "SELECT lag(?) OVER ()");
/// ```
pub fn lag<E: Expression>(e: E) -> WindowFunction<Option<<E::SqlType as SqlType>::NotNull>> {
    WindowFunction::new("lag", vec![e.into_node()])
}

/// `lead(e)`: `e` of the next row of the partition; NULL on its last row.
///
/// ```
/// use aludel_core::prelude::*;
/// let e: Expr<Option<String>> = aludel_core::expr::window::lead(literal("a")).over(&Default::default());
/// # let _ = e;
/// ```
pub fn lead<E: Expression>(e: E) -> WindowFunction<Option<<E::SqlType as SqlType>::NotNull>> {
    WindowFunction::new("lead", vec![e.into_node()])
}

/// `lag(e, offset, default)`: `e` of the row `offset` rows before, or `default` where
/// there is none (NOT NULL when both are).
///
/// ```
/// use aludel_core::prelude::*;
/// let e: Expr<i64> = aludel_core::expr::window::lag_or(literal(1i64), 2, 0i64).over(&Default::default());
/// assert_eq!(select(e).compile(&Sqlite).unwrap().sql(), "SELECT lag(?, 2, ?) OVER ()");
/// ```
pub fn lag_or<E: Expression, D: AsExpr<E::SqlType>>(
    e: E,
    offset: u32,
    default: D,
) -> WindowFunction<Like<D::SqlType, <E::SqlType as SqlType>::NotNull>> {
    WindowFunction::new(
        "lag",
        vec![e.into_node(), offset_node(offset), default.into_operand()],
    )
}

/// `lead(e, offset, default)`: `e` of the row `offset` rows after, or `default`.
///
/// ```
/// use aludel_core::prelude::*;
/// let e: Expr<i64> = aludel_core::expr::window::lead_or(literal(1i64), 1, -1i64).over(&Default::default());
/// # let _ = e;
/// ```
pub fn lead_or<E: Expression, D: AsExpr<E::SqlType>>(
    e: E,
    offset: u32,
    default: D,
) -> WindowFunction<Like<D::SqlType, <E::SqlType as SqlType>::NotNull>> {
    WindowFunction::new(
        "lead",
        vec![e.into_node(), offset_node(offset), default.into_operand()],
    )
}

/// `first_value(e)`: `e` of the frame's first row (NULL for an empty frame).
///
/// ```
/// let _ = aludel_core::expr::window::first_value(aludel_core::prelude::literal(1i64));
/// ```
pub fn first_value<E: Expression>(
    e: E,
) -> WindowFunction<Option<<E::SqlType as SqlType>::NotNull>> {
    WindowFunction::new("first_value", vec![e.into_node()])
}

/// `last_value(e)`: `e` of the frame's last row (with the default frame, the current
/// row's last peer).
///
/// ```
/// let _ = aludel_core::expr::window::last_value(aludel_core::prelude::literal(1i64));
/// ```
pub fn last_value<E: Expression>(e: E) -> WindowFunction<Option<<E::SqlType as SqlType>::NotNull>> {
    WindowFunction::new("last_value", vec![e.into_node()])
}

/// `nth_value(e, n)`: `e` of the frame's `n`-th row (from 1), NULL if there is none.
///
/// ```
/// let _ = aludel_core::expr::window::nth_value(aludel_core::prelude::literal(1i64), 2);
/// ```
pub fn nth_value<E: Expression>(
    e: E,
    n: u32,
) -> WindowFunction<Option<<E::SqlType as SqlType>::NotNull>> {
    WindowFunction::new("nth_value", vec![e.into_node(), offset_node(n)])
}
