//! Compiling statements: SQL text, bind slots, cache keys, and binding values.
//!
//! Compiling a statement for a dialect gives a [`CompiledStatement`]: the SQL text, one
//! [`BindSlot`] per placeholder saying where its value comes from, and the statement's
//! [`CacheKey`], a structural key equal for statements that differ only in bound values.
//! A compiled statement is shared by every statement of the same shape: extracting a new
//! statement's values ([`Statement::bind_values`]) and binding them
//! ([`CompiledStatement::bind`]) needs no recompilation; [`StatementCache`] does exactly
//! that: key, lookup, and compilation only on a miss.
//!
//! ```
//! use aludel_core::prelude::*;
//! let a = select(literal(1i64).label("x")).where_(literal(2i64).eq(3));
//! let b = select(literal(7i64).label("x")).where_(literal(8i64).eq(9));
//! assert_eq!(a.cache_key(), b.cache_key());
//!
//! let compiled = a.compile_statement(&Postgres).unwrap();
//! let bound = compiled.bind(&b.bind_values(), &Params::new()).unwrap();
//! assert_eq!(bound.sql(), "SELECT $1::BIGINT AS x WHERE $2::BIGINT = $3");
//! let params: Vec<&Value> = bound.params().iter().map(|p| &**p).collect();
//! assert_eq!(params, [&Value::I64(7), &Value::I64(8), &Value::I64(9)]);
//! ```

mod cache;
mod ddl;
mod defaults;
mod from;
mod shape;
mod sql;

pub use cache::{Prepared, StatementCache};
pub use defaults::{DefaultsFetch, KeyValue};
pub(crate) use defaults::{insert_default_columns, update_default_columns};

use smallvec::SmallVec;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::dialect::{AsDialect, Dialect};
use crate::error::CompileError;
use crate::expr::text::TextNode;
use crate::expr::{N, Node, Text};
use crate::schema::ClientDefault;
use crate::stmt::{
    CompoundCore, Delete, DeleteCore, Insert, InsertCore, Select, SelectCore, Update, UpdateCore,
};
use crate::value::Value;

pub(crate) use shape::Shape;

/// A borrowed view of any statement, for the walks.
#[derive(Clone, Copy)]
pub(crate) enum StmtRef<'a> {
    Select(&'a SelectCore),
    Insert(&'a InsertCore),
    Update(&'a UpdateCore),
    Delete(&'a DeleteCore),
    Text(&'a TextNode),
    Compound(&'a CompoundCore),
    Ddl(&'a crate::stmt::ddl::DdlNode),
}

impl StmtRef<'_> {
    fn kind(self) -> StatementKind {
        match self {
            StmtRef::Select(_) | StmtRef::Compound(_) => StatementKind::Select,
            StmtRef::Insert(_) => StatementKind::Insert,
            StmtRef::Update(_) => StatementKind::Update,
            StmtRef::Delete(_) => StatementKind::Delete,
            StmtRef::Text(_) => StatementKind::Text,
            StmtRef::Ddl(_) => StatementKind::Ddl,
        }
    }
}

/// In ORDER BY, a label that is also in the select list is referred to by name: the
/// same label, or one of the same name over the same column or shared expression. A
/// label of the same name over another expression is not (it is rendered in full).
pub(crate) fn label_ref<'a>(s: &SelectCore, n: &'a Node) -> Option<&'a str> {
    let N::Label(l) = &n.0 else { return None };
    s.columns
        .iter()
        .any(|c| match &c.0 {
            N::Label(x) => Arc::ptr_eq(x, l) || (x.name == l.name && same_node(&x.e, &l.e)),
            _ => false,
        })
        .then_some(&*l.name)
}

/// In the ORDER BY of a compound SELECT, the result column an item names: a label of the
/// first SELECT (by name), or a column of it (by its label or name). `None`: the item
/// names no result column (an error: the servers accept only result columns there).
pub(crate) fn compound_order_name(
    first: &SelectCore,
    n: &Node,
) -> Option<std::borrow::Cow<'static, str>> {
    match &n.0 {
        N::Label(l) => first
            .columns
            .iter()
            .any(|c| matches!(&c.0, N::Label(x) if x.name == l.name))
            .then(|| l.name.clone()),
        N::Column(_) => first.columns.iter().find_map(|c| match &c.0 {
            N::Column(_) if same_node(c, n) => c.exposed_name(),
            N::Label(x) if same_node(&x.e, n) => Some(x.name.clone()),
            _ => None,
        }),
        _ => None,
    }
}

/// Whether `a` and `b` are the same column or share their tree.
fn same_node(a: &Node, b: &Node) -> bool {
    fn ptr<T: ?Sized>(a: &Arc<T>, b: &Arc<T>) -> bool {
        Arc::ptr_eq(a, b)
    }
    match (&a.0, &b.0) {
        (N::Column(x), N::Column(y)) => x.index == y.index && x.source.same(&y.source),
        (N::Binary(x), N::Binary(y)) => ptr(x, y),
        (N::Unary(x), N::Unary(y)) => ptr(x, y),
        (N::Func(x), N::Func(y)) => ptr(x, y),
        (N::Case(x), N::Case(y)) => ptr(x, y),
        (N::Cast(x), N::Cast(y)) => ptr(x, y),
        (N::Label(x), N::Label(y)) => ptr(x, y),
        (N::Scalar(x), N::Scalar(y)) => ptr(x, y),
        _ => false,
    }
}

mod sealed {
    /// An opaque handle on a statement, for the compiler.
    pub struct Handle<'a>(pub(crate) super::StmtRef<'a>);

    pub trait Sealed {
        fn stmt_ref(&self) -> Handle<'_>;
    }
}

/// A statement that compiles to SQL: [`Select`], [`Insert`], [`Update`], [`Delete`],
/// [`Text`], compounds and the DDL statements of [`stmt::ddl`](crate::stmt::ddl).
///
/// ```
/// use aludel_core::prelude::*;
/// fn sql_of(s: &impl Statement) -> String { s.compile(&Sqlite).unwrap().sql().to_owned() }
/// assert_eq!(sql_of(&select(literal(1i64))), "SELECT ?");
/// assert_eq!(sql_of(&text("SELECT 1")), "SELECT 1");
/// ```
pub trait Statement: sealed::Sealed {
    /// Compiles for `dialect` and binds this statement's own values: the SQL and
    /// parameters to execute. Named parameters ([`bindparam`](crate::bindparam), unbound
    /// `text()` parameters) need [`Statement::compile_with`].
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let c = select(literal(5i64)).compile(&MySql).unwrap();
    /// assert_eq!((c.sql(), c.params()), ("SELECT ?", &[Value::I64(5)][..]));
    /// ```
    fn compile<D: AsDialect + ?Sized>(&self, dialect: &D) -> Result<Compiled, CompileError> {
        self.compile_with(dialect, &Params::new())
    }

    /// Like [`Statement::compile`], with values for named parameters.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let s = text("SELECT :a");
    /// let c = s.compile_with(&Postgres, &Params::new().set("a", 1i64)).unwrap();
    /// assert_eq!(c.params(), [Value::I64(1)]);
    /// ```
    fn compile_with<D: AsDialect + ?Sized>(
        &self,
        dialect: &D,
        params: &Params,
    ) -> Result<Compiled, CompileError> {
        let stmt = self.stmt_ref().0;
        // A one-off compile keeps no cache key: nothing is cloned or walked for it.
        let (statement, values) = compile_stmt(stmt, dialect.dialect(), KeyFrom::Unused)?;
        if statement.identity {
            // Placeholders are exactly the values, in order: nothing to render or look up.
            let mut params = SmallVec::with_capacity(values.len());
            for v in values.iter() {
                params.push((*v).clone());
            }
            return Ok(Compiled::new(statement, None, params));
        }
        let (sql, params) = {
            let bound = statement.bind(&values, params)?;
            let sql = match bound.sql {
                Cow::Borrowed(_) => None,
                Cow::Owned(s) => Some(s),
            };
            (sql, bound.params.into_iter().map(Cow::into_owned).collect())
        };
        Ok(Compiled::new(statement, sql, params))
    }

    /// Compiles for `dialect` without binding: the reusable, cacheable form.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let c = select(literal(1i64).in_([1, 2])).compile_statement(&MySql).unwrap();
    /// assert_eq!(c.sql(), "SELECT ? IN (__[EXPANDING_1]__)");
    /// ```
    fn compile_statement<D: AsDialect + ?Sized>(
        &self,
        dialect: &D,
    ) -> Result<CompiledStatement, CompileError> {
        Ok(compile_stmt(self.stmt_ref().0, dialect.dialect(), KeyFrom::Deferred)?.0)
    }

    /// The SQL with every value written inline as a literal, escaped for the dialect
    /// (like SQLAlchemy's `literal_binds`): for logs, debugging and tools that cannot bind
    /// parameters. Prefer [`Statement::compile`] for execution: it keeps one cached plan
    /// per shape.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let s = select(literal(1i64).label("n")).where_(literal("it's").in_(["a", "it's"]));
    /// assert_eq!(s.compile_literal(&Sqlite, &Params::new()).unwrap(), "SELECT 1 AS n WHERE 'it''s' IN ('a', 'it''s')");
    /// assert_eq!(s.compile_literal(&Postgres, &Params::new()).unwrap(), "SELECT 1::BIGINT AS n WHERE 'it''s'::TEXT = ANY(ARRAY['a', 'it''s'])");
    /// ```
    fn compile_literal<D: AsDialect + ?Sized>(
        &self,
        dialect: &D,
        params: &Params,
    ) -> Result<String, CompileError> {
        let mut w = sql::SqlWriter::new_inline(dialect.dialect(), params);
        w.stmt(self.stmt_ref().0)?;
        Ok(w.sql)
    }

    /// The statement's kind, without compiling it.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// use aludel::StatementKind;
    /// #[derive(Table)] struct Notes { #[aludel(primary_key)] id: i64 }
    /// assert_eq!(select(notes::id).kind(), StatementKind::Select);
    /// assert_eq!(aludel::stmt::ddl::create_table(notes::table).kind(), StatementKind::Ddl);
    /// ```
    fn kind(&self) -> StatementKind {
        self.stmt_ref().0.kind()
    }

    /// The structural cache key: equal for statements that differ only in bound values.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64)).cache_key(), select(literal(2i64)).cache_key());
    /// assert_ne!(select(literal(1i64)).cache_key(), select(literal(1i64)).limit(1).cache_key());
    /// ```
    fn cache_key(&self) -> CacheKey {
        CacheKey::from_words(&Shape::of(self.stmt_ref().0).key)
    }

    /// This statement's bound values, in the canonical order a [`CompiledStatement`] of
    /// the same shape expects.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let s = select(literal(1i64)).where_(literal("a").eq("b"));
    /// assert_eq!(s.bind_values(), [&Value::I64(1), &Value::from("a"), &Value::from("b")]);
    /// ```
    fn bind_values(&self) -> Vec<&Value> {
        Shape::of(self.stmt_ref().0).values.into_vec()
    }

    /// For `return_defaults()` on a dialect without the RETURNING it needs (MySQL,
    /// MariaDB's UPDATE, SQLite before 3.35): how to read the generated values back after
    /// running the statement, by primary key, in the same transaction. `None` when there
    /// is nothing to fetch (no `return_defaults()`, or RETURNING does it). An error when
    /// the row could not be identified afterwards (several rows, INSERT ... SELECT, an
    /// UPDATE whose WHERE does not pin the primary key, ...): check it before executing.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String,
    /// #   #[aludel(onupdate = "now")] state: String }
    /// let ok = update(users::table).set(users::name.set("x")).where_(users::id.eq(3)).return_defaults();
    /// let f = ok.return_defaults_fetch(&MariaDb, &Params::new()).unwrap().unwrap();
    /// assert_eq!(f.compile(&MariaDb, None).unwrap().sql(), "SELECT users.id, users.state FROM users WHERE users.id = ?");
    /// let vague = update(users::table).set(users::name.set("x")).where_(users::name.eq("a")).return_defaults();
    /// assert!(vague.return_defaults_fetch(&MariaDb, &Params::new()).is_err());
    /// ```
    fn return_defaults_fetch<D: AsDialect + ?Sized>(
        &self,
        dialect: &D,
        params: &Params,
    ) -> Result<Option<DefaultsFetch>, CompileError> {
        defaults::defaults_fetch(self.stmt_ref().0, dialect.dialect(), params)
    }
}

impl<R> sealed::Sealed for Select<R> {
    fn stmt_ref(&self) -> sealed::Handle<'_> {
        sealed::Handle(StmtRef::Select(&self.core))
    }
}
impl<R> Statement for Select<R> {}
impl<R> sealed::Sealed for Insert<R> {
    fn stmt_ref(&self) -> sealed::Handle<'_> {
        sealed::Handle(StmtRef::Insert(&self.core))
    }
}
impl<R> Statement for Insert<R> {}
impl<R> sealed::Sealed for Update<R> {
    fn stmt_ref(&self) -> sealed::Handle<'_> {
        sealed::Handle(StmtRef::Update(&self.core))
    }
}
impl<R> Statement for Update<R> {}
impl<R> sealed::Sealed for Delete<R> {
    fn stmt_ref(&self) -> sealed::Handle<'_> {
        sealed::Handle(StmtRef::Delete(&self.core))
    }
}
impl<R> Statement for Delete<R> {}
impl sealed::Sealed for Text {
    fn stmt_ref(&self) -> sealed::Handle<'_> {
        sealed::Handle(StmtRef::Text(&self.node))
    }
}
impl Statement for Text {}
impl<R> sealed::Sealed for crate::stmt::Compound<R> {
    fn stmt_ref(&self) -> sealed::Handle<'_> {
        sealed::Handle(StmtRef::Compound(&self.core))
    }
}
impl<R> Statement for crate::stmt::Compound<R> {}

macro_rules! ddl_statement {
    ($($t:ident),*) => {$(
        impl sealed::Sealed for crate::stmt::ddl::$t {
            fn stmt_ref(&self) -> sealed::Handle<'_> {
                sealed::Handle(StmtRef::Ddl(&self.node))
            }
        }
        impl Statement for crate::stmt::ddl::$t {}
    )*};
}
ddl_statement!(
    CreateTable,
    DropTable,
    CreateIndex,
    DropIndex,
    AddConstraint,
    DropConstraint,
    Ddl
);

/// Where a compiled statement's cache key comes from.
#[derive(Clone, Copy)]
pub(crate) enum KeyFrom<'k> {
    /// The caller has the key words (a cache lookup needed them).
    Words(&'k [u64]),
    /// Computed from a clone of the statement if asked for.
    Deferred,
    /// Never asked for: the statement is bound once and dropped ([`Statement::compile`]).
    Unused,
}

/// Compiles `stmt`: the compiled statement and the statement's bound values in
/// canonical order.
pub(crate) fn compile_stmt<'a>(
    stmt: StmtRef<'a>,
    dialect: Dialect,
    key: KeyFrom<'_>,
) -> Result<(CompiledStatement, shape::Values<'a>), CompileError> {
    let mut w = sql::SqlWriter::new(dialect);
    w.stmt(stmt)?;
    let cache_key = match key {
        KeyFrom::Words(words) => KeySlot::ready(CacheKey::from_words(words)),
        KeyFrom::Deferred => KeySlot::deferred(stmt),
        // An empty key: no hashing, no allocation; `Compiled` does not expose it.
        KeyFrom::Unused => KeySlot::ready(CacheKey {
            hash: 0,
            words: Box::default(),
        }),
    };
    let value_count = w.values.len();
    let identity = !w.expanding
        && w.slots.len() == value_count
        && w.slots
            .iter()
            .enumerate()
            .all(|(i, s)| matches!(s.source, SlotSource::Value(v) if v == i));
    let kind = stmt.kind();
    let statement = CompiledStatement {
        dialect,
        kind,
        sql: w.sql,
        slots: w.slots,
        expanding: w.expanding,
        identity,
        value_count,
        cache_key,
        columns: w.columns,
        returns_defaults: w.returns_defaults,
        primary_key: w.primary_key,
        values_row: w.values_row,
        insert_order: w.insert_order,
        returning_rendered: w.returning_rendered,
    };
    Ok((statement, w.values))
}

/// A compiled statement's cache key. Compiling through a [`StatementCache`] has the key
/// already (the lookup needed it); a plain compile keeps a clone of the statement (its
/// nodes are shared, so this is a few reference counts) and walks it for the key only
/// if asked: one-off compiles do not pay for a key nobody reads.
enum KeySlot {
    Ready(CacheKey),
    Deferred {
        key: std::sync::OnceLock<CacheKey>,
        source: Box<OwnedStmt>,
    },
}

/// A statement's root, owned (sharing its nodes).
enum OwnedStmt {
    Select(SelectCore),
    Insert(InsertCore),
    Update(UpdateCore),
    Delete(DeleteCore),
    Compound(CompoundCore),
}

impl KeySlot {
    fn ready(key: CacheKey) -> KeySlot {
        KeySlot::Ready(key)
    }

    fn deferred(stmt: StmtRef<'_>) -> KeySlot {
        let source = match stmt {
            StmtRef::Select(s) => OwnedStmt::Select(s.clone()),
            StmtRef::Insert(i) => OwnedStmt::Insert(i.clone()),
            StmtRef::Update(u) => OwnedStmt::Update(u.clone()),
            StmtRef::Delete(d) => OwnedStmt::Delete(d.clone()),
            StmtRef::Compound(c) => OwnedStmt::Compound(c.clone()),
            // A text statement's key is short: no need to keep its values. DDL has none.
            StmtRef::Text(_) | StmtRef::Ddl(_) => {
                return KeySlot::ready(CacheKey::from_words(&Shape::of(stmt).key));
            }
        };
        KeySlot::Deferred {
            key: std::sync::OnceLock::new(),
            source: Box::new(source),
        }
    }

    fn get(&self) -> &CacheKey {
        match self {
            KeySlot::Ready(key) => key,
            KeySlot::Deferred { key, source } => key.get_or_init(|| {
                let stmt = match &**source {
                    OwnedStmt::Select(s) => StmtRef::Select(s),
                    OwnedStmt::Insert(i) => StmtRef::Insert(i),
                    OwnedStmt::Update(u) => StmtRef::Update(u),
                    OwnedStmt::Delete(d) => StmtRef::Delete(d),
                    OwnedStmt::Compound(c) => StmtRef::Compound(c),
                };
                CacheKey::from_words(&Shape::of(stmt).key)
            }),
        }
    }
}

impl fmt::Debug for KeySlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySlot::Ready(k) => k.fmt(f),
            KeySlot::Deferred { key, .. } => match key.get() {
                Some(k) => k.fmt(f),
                None => f.write_str("CacheKey(computed on first use)"),
            },
        }
    }
}

/// A structural cache key: the encoded shape of a statement (bound values left out) and
/// its hash. Two keys are equal only if the encodings are, so a hash collision can
/// never hand out the wrong SQL.
///
/// ```
/// use aludel_core::prelude::*;
/// let k = select(literal(1i64)).cache_key();
/// assert_eq!(k, select(literal(99i64)).cache_key());
/// assert_ne!(k, select(literal("x")).cache_key()); // another SQL type
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    hash: u64,
    words: Box<[u64]>,
}

impl CacheKey {
    pub(crate) fn from_words(words: &[u64]) -> CacheKey {
        CacheKey {
            hash: shape::hash_words(words),
            words: words.into(),
        }
    }

    /// The key's 64-bit hash.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let _ = select(literal(1i64)).cache_key().hash();
    /// ```
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// The key's encoded shape.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert!(!select(literal(1i64)).cache_key().words().is_empty());
    /// ```
    pub fn words(&self) -> &[u64] {
        &self.words
    }
}

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CacheKey({:016x}, {} words)",
            self.hash,
            self.words.len()
        )
    }
}

/// Where a placeholder's value comes from.
///
/// ```
/// use aludel_core::prelude::*;
/// use aludel_core::SlotSource;
/// let c = select(literal(1i64)).where_(literal(2i64).eq(bindparam::<i64>("x")))
///     .compile_statement(&Postgres).unwrap();
/// let sources: Vec<_> = c.slots().iter().map(|s| s.source().clone()).collect();
/// assert!(matches!(&sources[..], [SlotSource::Value(0), SlotSource::Value(1), SlotSource::Named(n)] if n == "x"));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum SlotSource {
    /// The statement's bound value at this canonical index.
    Value(usize),
    /// A named parameter, supplied at execution.
    Named(String),
    /// An expanding list (the value at this index is a `Value::List`), rendered as one
    /// placeholder per element, or per tuple of `arity` elements.
    Expanding {
        /// Canonical index of the list value.
        value: usize,
        /// Elements per row (1 for a scalar IN).
        arity: usize,
    },
    /// A client-side column default (`default` / `onupdate`), computed at every binding.
    ClientDefault(ClientDefault),
}

/// A placeholder of a [`CompiledStatement`].
///
/// ```
/// use aludel_core::prelude::*;
/// let c = select(literal(1i64)).compile_statement(&Sqlite).unwrap();
/// assert_eq!(c.slots().len(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct BindSlot {
    source: SlotSource,
    range: (usize, usize),
    empty: Option<Box<str>>,
}

impl BindSlot {
    /// Where the value comes from.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// use aludel_core::SlotSource;
    /// let c = select(literal(1i64)).compile_statement(&Sqlite).unwrap();
    /// assert!(matches!(c.slots()[0].source(), SlotSource::Value(0)));
    /// ```
    pub fn source(&self) -> &SlotSource {
        &self.source
    }

    /// The byte range of the placeholder in [`CompiledStatement::sql`].
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let c = select(literal(1i64)).compile_statement(&Sqlite).unwrap();
    /// assert_eq!(&c.sql()[c.slots()[0].range()], "?");
    /// ```
    pub fn range(&self) -> std::ops::Range<usize> {
        self.range.0..self.range.1
    }
}

/// The kind of a compiled statement.
///
/// ```
/// use aludel_core::{prelude::*, StatementKind};
/// assert_eq!(select(literal(1i64)).compile_statement(&Sqlite).unwrap().kind(), StatementKind::Select);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatementKind {
    /// SELECT.
    Select,
    /// INSERT.
    Insert,
    /// UPDATE.
    Update,
    /// DELETE.
    Delete,
    /// A `text()` statement.
    Text,
    /// A DDL statement (CREATE / DROP / ALTER).
    Ddl,
}

/// A statement compiled for a dialect, without values: SQL text, bind slots and cache
/// key. Shared (through `Arc`, in a [`StatementCache`]) by every execution of statements
/// of its shape.
///
/// Expanding lists (`IN` on MySQL / SQLite, tuple `IN`) appear as `__[EXPANDING_n]__`
/// markers in [`CompiledStatement::sql`]; [`CompiledStatement::bind`] renders them.
///
/// ```
/// use aludel_core::prelude::*;
/// let c = select(literal(1i64).label("n")).compile_statement(&Postgres).unwrap();
/// assert_eq!(c.sql(), "SELECT $1::BIGINT AS n");
/// assert_eq!(c.columns(), ["n"]);
/// ```
#[derive(Debug)]
pub struct CompiledStatement {
    dialect: Dialect,
    kind: StatementKind,
    sql: String,
    slots: SmallVec<[BindSlot; 4]>,
    expanding: bool,
    /// Slots are exactly the values, in order: binding needs no reordering.
    identity: bool,
    value_count: usize,
    cache_key: KeySlot,
    columns: SmallVec<[Cow<'static, str>; 4]>,
    returns_defaults: Vec<String>,
    primary_key: Vec<String>,
    values_row: Option<sql::ValuesRow>,
    insert_order: Option<usize>,
    returning_rendered: bool,
}

/// SQL text and parameters ready for a driver, borrowed where possible.
///
/// ```
/// use aludel_core::prelude::*;
/// let s = select(literal(1i64).in_([1, 2]));
/// let c = s.compile_statement(&Sqlite).unwrap();
/// let b = c.bind(&s.bind_values(), &Params::new()).unwrap();
/// assert_eq!(b.sql(), "SELECT ? IN (?, ?)");
/// assert_eq!(b.params().len(), 3);
/// ```
#[derive(Debug)]
pub struct BoundSql<'a> {
    sql: Cow<'a, str>,
    params: SmallVec<[Cow<'a, Value>; 8]>,
}

impl<'a> BoundSql<'a> {
    /// The SQL text.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let s = select(literal(1i64));
    /// let c = s.compile_statement(&Postgres).unwrap();
    /// assert_eq!(c.bind(&s.bind_values(), &Params::new()).unwrap().sql(), "SELECT $1::BIGINT");
    /// ```
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The parameters, in placeholder order (borrowed from the statement where possible).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let s = select(literal(1i64));
    /// let c = s.compile_statement(&Sqlite).unwrap();
    /// let b = c.bind(&s.bind_values(), &Params::new()).unwrap();
    /// assert_eq!(*b.params()[0], Value::I64(1));
    /// ```
    pub fn params(&self) -> &[Cow<'a, Value>] {
        &self.params
    }

    /// Splits into the SQL and the parameters.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let s = select(literal(1i64));
    /// let c = s.compile_statement(&Sqlite).unwrap();
    /// let (sql, params) = c.bind(&s.bind_values(), &Params::new()).unwrap().into_parts();
    /// assert_eq!((&*sql, params.len()), ("SELECT ?", 1));
    /// ```
    pub fn into_parts(self) -> (Cow<'a, str>, Vec<Cow<'a, Value>>) {
        (self.sql, self.params.into_vec())
    }
}

impl CompiledStatement {
    /// The SQL text (expanding lists as markers).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64)).compile_statement(&MySql).unwrap().sql(), "SELECT ?");
    /// ```
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The dialect it was compiled for.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// use aludel_core::Dialect;
    /// assert_eq!(select(literal(1i64)).compile_statement(&MySql).unwrap().dialect(), Dialect::mysql());
    /// ```
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The statement kind.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// use aludel_core::StatementKind;
    /// assert_eq!(text("SELECT 1").compile_statement(&Sqlite).unwrap().kind(), StatementKind::Text);
    /// ```
    pub fn kind(&self) -> StatementKind {
        self.kind
    }

    /// The placeholders, in SQL order.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64).eq(2)).compile_statement(&Sqlite).unwrap().slots().len(), 2);
    /// ```
    pub fn slots(&self) -> &[BindSlot] {
        &self.slots
    }

    /// The structural cache key of the statement it was compiled from.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let s = select(literal(1i64));
    /// assert_eq!(s.compile_statement(&Sqlite).unwrap().cache_key(), &s.cache_key());
    /// ```
    pub fn cache_key(&self) -> &CacheKey {
        self.cache_key.get()
    }

    /// How many bound values statements of this shape carry.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64).in_([1, 2, 3])).compile_statement(&Sqlite).unwrap().value_count(), 2);
    /// ```
    pub fn value_count(&self) -> usize {
        self.value_count
    }

    /// The names of the result columns (select list or RETURNING); empty for unnamed
    /// expressions.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let c = select((literal(1i64).label("a"), literal(2i64))).compile_statement(&Sqlite).unwrap();
    /// assert_eq!(c.columns(), ["a", ""]);
    /// ```
    pub fn columns(&self) -> &[Cow<'static, str>] {
        &self.columns
    }

    /// The columns `return_defaults()` asks for (empty without it).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert!(select(literal(1i64)).compile_statement(&Sqlite).unwrap().returns_defaults().is_empty());
    /// ```
    pub fn returns_defaults(&self) -> &[String] {
        &self.returns_defaults
    }

    /// With `return_defaults()`: the names of the table's primary-key columns (they are
    /// among [`CompiledStatement::returns_defaults`]); empty otherwise.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let c = insert(users::table).values(users::name.set("a")).return_defaults().compile_statement(&Postgres).unwrap();
    /// assert_eq!(c.primary_key(), ["id"]);
    /// ```
    pub fn primary_key(&self) -> &[String] {
        &self.primary_key
    }

    /// Whether the SQL has a RETURNING clause (false when `return_defaults()` must be
    /// fetched some other way on this dialect).
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert!(!select(literal(1i64)).compile_statement(&Sqlite).unwrap().returning_rendered());
    /// ```
    pub fn returning_rendered(&self) -> bool {
        self.returning_rendered
    }

    /// Whether this is a single-row `INSERT ... VALUES` that can be sent for many
    /// parameter sets as one multi-row INSERT ([`CompiledStatement::bind_rows`]): its row
    /// has no expanding list and no subquery (rows of one statement would all read the
    /// same snapshot, where one statement per set sees the rows before it), and nothing
    /// outside the row takes a named parameter or a client-side default.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let one = insert(users::table).values(users::name.set(bindparam::<String>("n")));
    /// assert!(one.compile_statement(&Sqlite).unwrap().batchable());
    /// assert!(!select(users::id).compile_statement(&Sqlite).unwrap().batchable());
    /// ```
    pub fn batchable(&self) -> bool {
        let Some(row) = &self.values_row else {
            return false;
        };
        // Outside the row, a named parameter would need one set's value and a client
        // default (an upsert's `onupdate`) would be computed once for every row.
        !self.expanding
            && row.slots.0 == 0
            && self.slots[row.slots.1..]
                .iter()
                .all(|s| matches!(s.source, SlotSource::Value(_)))
    }

    /// For a [batchable](CompiledStatement::batchable) INSERT: the placeholders of one
    /// row, and those of the rest of the statement (an upsert's update, RETURNING).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let s = insert(users::table).values((users::id.set(1), users::name.set("a")));
    /// assert_eq!(s.compile_statement(&Postgres).unwrap().row_params(), Some((2, 0)));
    /// ```
    pub fn row_params(&self) -> Option<(usize, usize)> {
        let row = self.values_row.as_ref()?;
        let per_row = row.slots.1 - row.slots.0;
        Some((per_row, self.slots.len() - per_row))
    }

    /// The result column (RETURNING) whose values increase in insertion order: the
    /// auto-increment primary key when the INSERT does not give it. Rows of a multi-row
    /// INSERT come back in input order when sorted by it.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let s = insert(users::table).values(users::name.set("a")).return_defaults();
    /// assert_eq!(s.compile_statement(&Postgres).unwrap().insert_order(), Some(0));
    /// ```
    pub fn insert_order(&self) -> Option<usize> {
        self.insert_order
    }

    /// Binds a [batchable](CompiledStatement::batchable) single-row INSERT for one row
    /// per parameter set in `sets`: the SQL of a multi-row `INSERT ... VALUES (..), (..)`
    /// and its parameters. `values` are the statement's own ([`Statement::bind_values`]);
    /// each row takes its named parameters from its set, and client-side defaults are
    /// computed for each row.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let s = insert(users::table).values(users::name.set(bindparam::<String>("n")));
    /// let c = s.compile_statement(&Postgres).unwrap();
    /// let sets = [Params::new().set("n", "a"), Params::new().set("n", "b")];
    /// let b = c.bind_rows(&s.bind_values(), &sets).unwrap();
    /// assert_eq!(b.sql(), "INSERT INTO users (name) VALUES ($1), ($2)");
    /// assert_eq!(b.params().len(), 2);
    /// ```
    pub fn bind_rows<'a>(
        &'a self,
        values: &[&'a Value],
        sets: &[Params],
    ) -> Result<BoundSql<'a>, CompileError> {
        let (Some(row), true) = (self.values_row, self.batchable()) else {
            return Err(CompileError::invalid(
                "bind_rows(): not a single-row INSERT ... VALUES without expanding lists",
            ));
        };
        self.check_value_count(values)?;
        if sets.is_empty() {
            return Err(CompileError::invalid("bind_rows(): no parameter sets"));
        }
        let row_len = row.text.1 - row.text.0;
        let mut out = String::with_capacity(self.sql.len() + (row_len + 2) * (sets.len() - 1) + 8);
        let mut params: SmallVec<[Cow<'a, Value>; 8]> =
            SmallVec::with_capacity(self.slots.len() * sets.len());
        let mut numbers = Placeholders::new(self.dialect);
        out.push_str(&self.sql[..row.text.0]);
        let row_slots = &self.slots[row.slots.0..row.slots.1];
        for (r, set) in sets.iter().enumerate() {
            if r > 0 {
                out.push_str(", ");
            }
            let mut last = row.text.0;
            for slot in row_slots {
                out.push_str(self.sql.get(last..slot.range.0).unwrap_or(""));
                last = slot.range.1;
                numbers.push(&mut out);
                params.push(slot_value(&slot.source, values, set)?);
            }
            out.push_str(self.sql.get(last..row.text.1).unwrap_or(""));
        }
        // Outside the row only the statement's own values (batchable() checked it).
        let mut last = row.text.1;
        for slot in &self.slots[row.slots.1..] {
            out.push_str(self.sql.get(last..slot.range.0).unwrap_or(""));
            last = slot.range.1;
            numbers.push(&mut out);
            params.push(slot_value(&slot.source, values, &Params::new())?);
        }
        out.push_str(self.sql.get(last..).unwrap_or(""));
        Ok(BoundSql {
            sql: Cow::Owned(out),
            params,
        })
    }

    /// Binds a statement's values (from [`Statement::bind_values`]) and named parameters:
    /// the final SQL (expanding lists rendered) and the parameters in placeholder order.
    /// Client-side defaults are computed here, once per binding.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let a = select(literal(1i64).label("x"));
    /// let b = select(literal(2i64).label("x"));
    /// let c = a.compile_statement(&Sqlite).unwrap();
    /// let bound = c.bind(&b.bind_values(), &Params::new()).unwrap();
    /// assert_eq!(*bound.params()[0], Value::I64(2));
    /// ```
    pub fn bind<'a>(
        &'a self,
        values: &[&'a Value],
        named: &Params,
    ) -> Result<BoundSql<'a>, CompileError> {
        self.check_value_count(values)?;
        if self.identity {
            return Ok(BoundSql {
                sql: Cow::Borrowed(&self.sql),
                params: values.iter().map(|v| Cow::Borrowed(*v)).collect(),
            });
        }
        let mut params: SmallVec<[Cow<'a, Value>; 8]> = SmallVec::with_capacity(self.slots.len());
        let get = |i: usize| -> Result<&'a Value, CompileError> {
            values
                .get(i)
                .copied()
                .ok_or_else(|| CompileError::BindMismatch {
                    message: format!("no value #{i}"),
                })
        };
        if !self.expanding {
            for slot in &self.slots {
                params.push(slot_value(&slot.source, values, named)?);
            }
            return Ok(BoundSql {
                sql: Cow::Borrowed(&self.sql),
                params,
            });
        }
        // Re-render: expand lists, renumber PostgreSQL placeholders.
        let mut out = String::with_capacity(self.sql.len() + 16);
        let mut last = 0;
        let mut numbers = Placeholders::new(self.dialect);
        let mut placeholder = |out: &mut String| numbers.push(out);
        for slot in &self.slots {
            out.push_str(self.sql.get(last..slot.range.0).unwrap_or(""));
            last = slot.range.1;
            match &slot.source {
                SlotSource::Expanding { value, arity } => {
                    let Value::List(items) = get(*value)? else {
                        return Err(CompileError::BindMismatch {
                            message: format!("value #{value} of an IN list is not a list"),
                        });
                    };
                    if items.is_empty() {
                        out.push_str(slot.empty.as_deref().unwrap_or("SELECT NULL WHERE 1 = 0"));
                        continue;
                    }
                    for (k, item) in items.iter().enumerate() {
                        if k > 0 {
                            out.push_str(", ");
                        }
                        if *arity == 1 {
                            placeholder(&mut out);
                            params.push(Cow::Borrowed(item));
                            continue;
                        }
                        let row = match item {
                            Value::List(row) if row.len() == *arity => row,
                            _ => {
                                return Err(CompileError::BindMismatch {
                                    message: format!(
                                        "row {k} of a tuple IN list does not have {arity} values"
                                    ),
                                });
                            }
                        };
                        out.push('(');
                        for (j, v) in row.iter().enumerate() {
                            if j > 0 {
                                out.push_str(", ");
                            }
                            placeholder(&mut out);
                            params.push(Cow::Borrowed(v));
                        }
                        out.push(')');
                    }
                }
                other => {
                    placeholder(&mut out);
                    params.push(slot_value(other, values, named)?);
                }
            }
        }
        out.push_str(self.sql.get(last..).unwrap_or(""));
        Ok(BoundSql {
            sql: Cow::Owned(out),
            params,
        })
    }
}

impl CompiledStatement {
    fn check_value_count(&self, values: &[&Value]) -> Result<(), CompileError> {
        if values.len() == self.value_count {
            return Ok(());
        }
        Err(CompileError::BindMismatch {
            message: format!(
                "{} values given, the statement's shape has {}",
                values.len(),
                self.value_count
            ),
        })
    }
}

/// Placeholders numbered afresh while re-rendering SQL: `$1, $2, ..` on PostgreSQL,
/// `?` elsewhere.
struct Placeholders {
    pg: bool,
    n: u32,
}

impl Placeholders {
    fn new(d: Dialect) -> Self {
        Placeholders {
            pg: d.kind() == crate::dialect::DialectKind::Postgres,
            n: 0,
        }
    }

    fn push(&mut self, out: &mut String) {
        if self.pg {
            self.n += 1;
            out.push('$');
            sql::push_number(out, self.n);
        } else {
            out.push('?');
        }
    }
}

/// The parameter of a non-expanding slot: the statement's value, a named parameter, or
/// a client-side default computed now.
fn slot_value<'a>(
    source: &SlotSource,
    values: &[&'a Value],
    named: &Params,
) -> Result<Cow<'a, Value>, CompileError> {
    Ok(match source {
        SlotSource::Value(i) => {
            Cow::Borrowed(
                values
                    .get(*i)
                    .copied()
                    .ok_or_else(|| CompileError::BindMismatch {
                        message: format!("no value #{i}"),
                    })?,
            )
        }
        SlotSource::Named(n) => Cow::Owned(named.lookup(n)?.clone()),
        SlotSource::ClientDefault(d) => Cow::Owned(d.evaluate()),
        SlotSource::Expanding { .. } => unreachable_slot()?,
    })
}

fn unreachable_slot() -> Result<Cow<'static, Value>, CompileError> {
    Err(CompileError::BindMismatch {
        message: "unexpected slot".into(),
    })
}

/// A statement compiled and bound in one go ([`Statement::compile`]): the SQL and
/// parameters to send to a driver, and what the statement returns.
///
/// It is the one-off form: it keeps no cache key and no bind slots. To compile once and
/// bind many statements of the same shape, use [`Statement::compile_statement`] or a
/// [`StatementCache`].
///
/// ```
/// use aludel_core::prelude::*;
/// let c = select(literal(1i64).in_([1, 2, 3])).compile(&Sqlite).unwrap();
/// assert_eq!(c.sql(), "SELECT ? IN (?, ?, ?)");
/// assert_eq!(c.params().len(), 4);
/// ```
#[derive(Debug)]
pub struct Compiled {
    sql: String,
    params: SmallVec<[Value; 4]>,
    dialect: Dialect,
    kind: StatementKind,
    columns: SmallVec<[Cow<'static, str>; 4]>,
    returns_defaults: Vec<String>,
    returning_rendered: bool,
}

impl Compiled {
    /// `statement` bound: `sql` is the re-rendered SQL when binding changed it.
    fn new(
        statement: CompiledStatement,
        sql: Option<String>,
        params: SmallVec<[Value; 4]>,
    ) -> Compiled {
        Compiled {
            sql: sql.unwrap_or(statement.sql),
            params,
            dialect: statement.dialect,
            kind: statement.kind,
            columns: statement.columns,
            returns_defaults: statement.returns_defaults,
            returning_rendered: statement.returning_rendered,
        }
    }

    /// The SQL to execute.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64)).compile(&Sqlite).unwrap().sql(), "SELECT ?");
    /// ```
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The parameters, in placeholder order.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// assert_eq!(select(literal(1i64)).compile(&Sqlite).unwrap().params(), [Value::I64(1)]);
    /// ```
    pub fn params(&self) -> &[Value] {
        &self.params
    }

    /// Splits into the SQL and the parameters.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let (sql, params) = select(literal(1i64)).compile(&Sqlite).unwrap().into_parts();
    /// assert_eq!((sql.as_str(), params), ("SELECT ?", vec![Value::I64(1)]));
    /// ```
    pub fn into_parts(self) -> (String, Vec<Value>) {
        (self.sql, self.params.into_vec())
    }

    /// The dialect it was compiled for.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// use aludel_core::Dialect;
    /// assert_eq!(select(literal(1i64)).compile(&MySql).unwrap().dialect(), Dialect::mysql());
    /// ```
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The statement kind.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// use aludel_core::StatementKind;
    /// assert_eq!(text("SELECT 1").compile(&Sqlite).unwrap().kind(), StatementKind::Text);
    /// ```
    pub fn kind(&self) -> StatementKind {
        self.kind
    }

    /// The names of the result columns (select list or RETURNING); empty for unnamed
    /// expressions.
    ///
    /// ```
    /// use aludel_core::prelude::*;
    /// let c = select((literal(1i64).label("a"), literal(2i64))).compile(&Sqlite).unwrap();
    /// assert_eq!(c.columns(), ["a", ""]);
    /// ```
    pub fn columns(&self) -> &[Cow<'static, str>] {
        &self.columns
    }

    /// The columns `return_defaults()` asks for.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// #[derive(Table)] struct T { #[aludel(primary_key)] id: i64, name: String }
    /// let c = insert(t::table).values(t::name.set("a")).return_defaults().compile(&MySql).unwrap();
    /// assert_eq!(c.returns_defaults(), ["id"]);
    /// ```
    pub fn returns_defaults(&self) -> &[String] {
        &self.returns_defaults
    }

    /// Whether the SQL has a RETURNING clause (false when `return_defaults()` must be
    /// fetched some other way on this dialect).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// #[derive(Table)] struct T { #[aludel(primary_key)] id: i64, name: String }
    /// let i = insert(t::table).values(t::name.set("a")).return_defaults();
    /// assert!(i.compile(&Postgres).unwrap().returning_rendered());
    /// assert!(!i.compile(&MySql).unwrap().returning_rendered());
    /// ```
    pub fn returning_rendered(&self) -> bool {
        self.returning_rendered
    }
}

/// Values for named parameters ([`bindparam`](crate::bindparam), `text()` `:name`s left
/// unbound).
///
/// ```
/// use aludel_core::{Params, Value};
/// let p = Params::new().set("a", 1i64).set("b", "x");
/// assert_eq!(p.get("b"), Some(&Value::from("x")));
/// assert_eq!(p.get("c"), None);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Params {
    items: Vec<(String, Value)>,
}

impl Params {
    /// No parameters.
    ///
    /// ```
    /// use aludel_core::Params;
    /// assert_eq!(Params::new().get("x"), None);
    /// ```
    pub fn new() -> Params {
        Params::default()
    }

    /// Sets `name` (replacing an earlier value).
    ///
    /// ```
    /// use aludel_core::{Params, Value};
    /// let p = Params::new().set("x", 1i64).set("x", 2i64);
    /// assert_eq!(p.get("x"), Some(&Value::I64(2)));
    /// ```
    pub fn set(mut self, name: impl Into<String>, value: impl Into<Value>) -> Params {
        let name = name.into();
        let value = value.into();
        match self.items.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.items.push((name, value)),
        }
        self
    }

    /// The value of `name`.
    ///
    /// ```
    /// use aludel_core::{Params, Value};
    /// assert_eq!(Params::new().set("a", "b").get("a"), Some(&Value::from("b")));
    /// ```
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.items.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    fn lookup(&self, name: &str) -> Result<&Value, CompileError> {
        self.get(name)
            .ok_or_else(|| CompileError::MissingParameter {
                name: name.to_owned(),
            })
    }
}
