//! `return_defaults()` where the dialect has no RETURNING: the follow-up SELECT that
//! reads the generated values back by primary key, in the same transaction.
//!
//! The INSERT's key is the value it gave for each primary-key column, or the
//! auto-increment id the server reports (`LAST_INSERT_ID()`); an UPDATE's key comes from
//! its WHERE clause (`pk = value` for every primary-key column, ANDed) or from its SET
//! when it changes the key. Anything else cannot identify the row afterwards and is an
//! error before the statement runs, never a guess.

use super::{Compiled, Params, Statement, StmtRef};
use crate::dialect::{AsDialect, Dialect, DialectKind, Feature};
use crate::error::CompileError;
use crate::expr::{BinOp, N, Node};
use crate::schema::{ColumnRef, Source, TableDef, TableRef};
use crate::stmt::{
    Assignment, InsertCore, InsertSource, ReturnDefaults, Select, SelectCore, UpdateCore,
};
use crate::types::DataType;
use crate::value::Value;

/// The columns an INSERT's `return_defaults()` asks for: the primary key and every
/// column that the INSERT does not give (`given`: column indices) and that the server or
/// the client fills in: server default, client default, auto-increment, or a
/// `server_onupdate` column (generated or trigger-maintained columns are often set on
/// INSERT too) or a computed column, in table order.
pub(crate) fn insert_default_columns(
    table: &TableDef,
    given: &[u16],
    which: &ReturnDefaults,
) -> Vec<usize> {
    if let ReturnDefaults::Only(only) = which {
        return only_columns(table, only);
    }
    let auto = table.autoincrement_column().map(|(a, _)| a);
    table
        .columns
        .iter()
        .enumerate()
        .filter(|(idx, c)| {
            c.primary_key
                || ((c.server_default.is_some()
                    || c.default.is_some()
                    || c.server_onupdate.is_some()
                    || c.computed.is_some()
                    || auto == Some(*idx))
                    && !given.iter().any(|g| usize::from(*g) == *idx))
        })
        .map(|(idx, _)| idx)
        .collect()
}

/// The columns an UPDATE's `return_defaults()` asks for: the primary key and every
/// `onupdate` / `server_onupdate` / computed column the SET does not assign, in table
/// order.
pub(crate) fn update_default_columns(
    table: &TableDef,
    set: &[Assignment],
    which: &ReturnDefaults,
) -> Vec<usize> {
    if let ReturnDefaults::Only(only) = which {
        return only_columns(table, only);
    }
    table
        .columns
        .iter()
        .enumerate()
        .filter(|(idx, c)| {
            c.primary_key
                || ((c.onupdate.is_some() || c.server_onupdate.is_some() || c.computed.is_some())
                    && !set.iter().any(|a| usize::from(a.column.index) == *idx))
        })
        .map(|(idx, _)| idx)
        .collect()
}

/// `return_defaults_of(cols)`: the primary key and `only`, in table order.
fn only_columns(table: &TableDef, only: &[u16]) -> Vec<usize> {
    table
        .columns
        .iter()
        .enumerate()
        .filter(|(idx, c)| c.primary_key || only.iter().any(|o| usize::from(*o) == *idx))
        .map(|(idx, _)| idx)
        .collect()
}

/// Where a primary-key value of the fetched row comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyValue {
    /// A value the statement itself carries.
    Value(Value),
    /// The auto-increment id the server generated for the INSERT (MySQL's
    /// `LAST_INSERT_ID()`, SQLite's `last_insert_rowid()`).
    InsertId,
}

/// The follow-up query of a `return_defaults()` statement on a dialect without the
/// RETURNING it needs (MySQL; MariaDB's UPDATE; old SQLite): run the statement, then
/// [`DefaultsFetch::compile`] with the server's insert id, in the same transaction.
/// From [`Statement::return_defaults_fetch`].
///
/// ```
/// use aludel::prelude::*;
/// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String,
/// #   #[aludel(server_default = "CURRENT_TIMESTAMP")] created_at: aludel::value::Timestamp }
/// let s = insert(users::table).values(users::name.set("ed")).return_defaults();
/// let fetch = s.return_defaults_fetch(&MySql, &Params::new()).unwrap().unwrap();
/// assert!(fetch.needs_insert_id());
/// let c = fetch.compile(&MySql, Some(42)).unwrap();
/// assert_eq!(c.sql(), "SELECT users.id, users.created_at FROM users WHERE users.id = ?");
/// assert_eq!(c.params(), [Value::I64(42)]);
/// // Where RETURNING does it, there is nothing to fetch.
/// assert!(s.return_defaults_fetch(&Postgres, &Params::new()).unwrap().is_none());
/// ```
#[derive(Clone)]
pub struct DefaultsFetch {
    table: TableRef,
    /// Column indices to read, in table order (the statement's `returns_defaults`).
    columns: Vec<usize>,
    /// Primary-key column index and its value.
    keys: Vec<(usize, KeyValue)>,
}

impl std::fmt::Debug for DefaultsFetch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DefaultsFetch")
            .field("table", &self.table.def().qualified_name())
            .field("columns", &self.columns)
            .field("keys", &self.keys)
            .finish()
    }
}

impl DefaultsFetch {
    /// Whether the key includes the auto-increment id of the INSERT.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let given = insert(users::table).values((users::id.set(7), users::name.set("ed"))).return_defaults();
    /// assert!(!given.return_defaults_fetch(&MySql, &Params::new()).unwrap().unwrap().needs_insert_id());
    /// ```
    pub fn needs_insert_id(&self) -> bool {
        self.keys.iter().any(|(_, k)| *k == KeyValue::InsertId)
    }

    /// The primary-key columns and where their values come from.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let s = update(users::table).set(users::name.set("x")).where_(users::id.eq(3)).return_defaults();
    /// let f = s.return_defaults_fetch(&MariaDb, &Params::new()).unwrap().unwrap();
    /// assert_eq!(f.keys().collect::<Vec<_>>(), [("id", &aludel::KeyValue::Value(Value::I64(3)))]);
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = (&str, &KeyValue)> {
        let def = self.table.def();
        self.keys
            .iter()
            .map(move |(idx, k)| (def.columns.get(*idx).map_or("", |c| &*c.name), k))
    }

    /// The SELECT that reads the generated values back (the statement's
    /// `returns_defaults()` columns, in that order) by primary key; `insert_id` is the
    /// server's auto-increment id for the INSERT, needed when
    /// [`DefaultsFetch::needs_insert_id`].
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let s = insert(users::table).values(users::name.set("ed")).return_defaults();
    /// let f = s.return_defaults_fetch(&MySql, &Params::new()).unwrap().unwrap();
    /// assert!(f.compile(&MySql, None).is_err()); // the insert id is needed
    /// ```
    pub fn compile<D: AsDialect + ?Sized>(
        &self,
        dialect: &D,
        insert_id: Option<u64>,
    ) -> Result<Compiled, CompileError> {
        let dialect = dialect.dialect();
        let def = self.table.def();
        let col = |idx: usize| {
            Node::column(ColumnRef {
                source: Source::Table(self.table.clone()),
                index: idx as u16,
            })
        };
        let mut conds = Vec::with_capacity(self.keys.len());
        for (idx, key) in &self.keys {
            let value = match key {
                KeyValue::Value(v) => v.clone(),
                KeyValue::InsertId => {
                    let id = insert_id.ok_or_else(|| {
                        CompileError::invalid(format!(
                            "return_defaults() on {dialect}: the server reported no auto-increment id for the INSERT into {}",
                            def.qualified_name()
                        ))
                    })?;
                    Value::I64(i64::try_from(id).map_err(|_| {
                        CompileError::invalid(format!("insert id {id} does not fit in a BIGINT"))
                    })?)
                }
            };
            let ty = def.columns.get(*idx).map_or(DataType::Any, |c| c.data_type);
            // SQLite's insert id is a rowid: exact whether or not the key column is
            // the rowid's alias (INTEGER PRIMARY KEY).
            let target = if *key == KeyValue::InsertId && dialect.kind() == DialectKind::Sqlite {
                crate::expr::text::text("rowid").to_node()
            } else {
                col(*idx)
            };
            conds.push(Node::binary(BinOp::Eq, target, Node::bind(value, ty)));
        }
        let where_ = match conds.len() {
            0 => None,
            1 => conds.pop(),
            _ => Some(Node(N::And(conds.into()))),
        };
        let core = SelectCore {
            columns: crate::stmt::List::from_items(self.columns.iter().map(|i| col(*i))),
            where_,
            ..SelectCore::default()
        };
        Select::<()>::from_core(core).compile(&dialect)
    }
}

/// See [`Statement::return_defaults_fetch`].
pub(crate) fn defaults_fetch(
    stmt: StmtRef<'_>,
    d: Dialect,
    params: &Params,
) -> Result<Option<DefaultsFetch>, CompileError> {
    match stmt {
        StmtRef::Insert(i)
            if i.return_defaults.is_some() && !d.supports(Feature::InsertReturning) =>
        {
            insert_fetch(i, d, params).map(Some)
        }
        StmtRef::Update(u)
            if u.return_defaults.is_some() && !d.supports(Feature::UpdateReturning) =>
        {
            update_fetch(u, d, params).map(Some)
        }
        _ => Ok(None),
    }
}

/// The fetch of `columns` by `keys` (an error for a table without a primary key).
fn fetch_of(
    d: Dialect,
    table: &TableRef,
    columns: Vec<usize>,
    keys: Vec<(usize, KeyValue)>,
) -> Result<DefaultsFetch, CompileError> {
    if keys.is_empty() {
        return Err(cannot(
            d,
            format!("table {} has no primary key", table.def().qualified_name()),
        ));
    }
    Ok(DefaultsFetch {
        table: table.clone(),
        columns,
        keys,
    })
}

fn cannot(d: Dialect, what: String) -> CompileError {
    d.unsupported(format!(
        "return_defaults() without RETURNING ({what}; the generated values are read back by primary key)"
    ))
}

/// A key value given by a statement's node: a bound value or a named parameter.
fn node_value(n: &Node, params: &Params) -> Option<Result<Value, CompileError>> {
    match &n.0 {
        N::Bind(b) if b.value != Value::Null => Some(Ok(b.value.clone())),
        N::Named(nb) => {
            Some(
                params
                    .get(&nb.name)
                    .cloned()
                    .ok_or_else(|| CompileError::MissingParameter {
                        name: nb.name.to_string(),
                    }),
            )
        }
        _ => None,
    }
}

fn insert_fetch(
    i: &InsertCore,
    d: Dialect,
    params: &Params,
) -> Result<DefaultsFetch, CompileError> {
    let def = i.table.def();
    if i.upsert.is_some() {
        return Err(cannot(
            d,
            "an upsert may update a row other than the one it proposes".into(),
        ));
    }
    let (given, row): (&[u16], &[Node]) = match &i.source {
        InsertSource::Values { columns, rows } if rows.len() == columns.len() => (columns, rows),
        InsertSource::Values { columns, .. } if columns.is_empty() => (&[], &[]),
        InsertSource::DefaultValues => (&[], &[]),
        InsertSource::Values { .. } => {
            return Err(cannot(d, "an INSERT of several rows".into()));
        }
        InsertSource::Select { .. } => return Err(cannot(d, "an INSERT ... SELECT".into())),
        InsertSource::Unset => {
            return Err(CompileError::invalid(format!(
                "INSERT INTO {} has no values",
                def.qualified_name()
            )));
        }
    };
    let auto = def.autoincrement_column().map(|(a, _)| a);
    let mut keys = Vec::new();
    for (idx, c) in def
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.primary_key)
    {
        let key = match given.iter().position(|g| usize::from(*g) == idx) {
            Some(p) => match node_value(&row[p], params) {
                Some(v) => {
                    let v = v?;
                    // NULL (and, on MySQL without NO_AUTO_VALUE_ON_ZERO, 0) given for
                    // the auto-increment key makes the server generate one.
                    let generated = v == Value::Null
                        || (d.is_mysql_family()
                            && matches!(v, Value::I64(0) | Value::I32(0) | Value::I16(0)));
                    match (generated, auto == Some(idx)) {
                        (true, true) => KeyValue::InsertId,
                        (true, false) if v == Value::Null => {
                            return Err(cannot(
                                d,
                                format!("the INSERT gives NULL for primary-key column {}", c.name),
                            ));
                        }
                        _ => KeyValue::Value(v),
                    }
                }
                None if matches!(row[p].0, N::Null) && auto == Some(idx) => KeyValue::InsertId,
                None => {
                    return Err(cannot(
                        d,
                        format!(
                            "the INSERT gives primary-key column {} as an expression",
                            c.name
                        ),
                    ));
                }
            },
            None if auto == Some(idx) => KeyValue::InsertId,
            None => {
                return Err(cannot(
                    d,
                    format!(
                        "primary-key column {} is neither given nor auto-increment",
                        c.name
                    ),
                ));
            }
        };
        keys.push((idx, key));
    }
    let which = i.return_defaults.as_ref().unwrap_or(&ReturnDefaults::All);
    fetch_of(d, &i.table, insert_default_columns(def, given, which), keys)
}

fn update_fetch(
    u: &UpdateCore,
    d: Dialect,
    params: &Params,
) -> Result<DefaultsFetch, CompileError> {
    let def = u.table.def();
    if !u.from.is_empty() {
        return Err(cannot(d, "a multi-table UPDATE".into()));
    }
    let conjuncts: &[Node] = match &u.where_ {
        Some(Node(N::And(items))) => items,
        Some(w) => std::slice::from_ref(w),
        None => &[],
    };
    let is_target_col = |n: &Node, idx: usize| matches!(&n.0, N::Column(c) if usize::from(c.index) == idx && matches!(&c.source, Source::Table(t) if t.same(&u.table)));
    let mut keys = Vec::new();
    for (idx, c) in def
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.primary_key)
    {
        // A SET that changes the key: the row is found by its new value.
        if let Some(a) = u.set.iter().find(|a| usize::from(a.column.index) == idx) {
            match node_value(&a.value, params).transpose()? {
                Some(v) if v != Value::Null => keys.push((idx, KeyValue::Value(v))),
                Some(_) => {
                    return Err(cannot(
                        d,
                        format!("the UPDATE sets primary-key column {} to NULL", c.name),
                    ));
                }
                None => {
                    return Err(cannot(
                        d,
                        format!(
                            "the UPDATE sets primary-key column {} to an expression",
                            c.name
                        ),
                    ));
                }
            }
            continue;
        }
        let found = conjuncts.iter().find_map(|n| match &n.0 {
            N::Binary(b) if b.op == BinOp::Eq => {
                if is_target_col(&b.l, idx) {
                    node_value(&b.r, params)
                } else if is_target_col(&b.r, idx) {
                    node_value(&b.l, params)
                } else {
                    None
                }
            }
            _ => None,
        });
        match found.transpose()? {
            Some(v) if v != Value::Null => keys.push((idx, KeyValue::Value(v))),
            _ => {
                return Err(cannot(
                    d,
                    format!(
                        "the UPDATE's WHERE must identify one row of {} by primary key: {} = value, ANDed with anything else",
                        def.qualified_name(),
                        c.name
                    ),
                ));
            }
        }
    }
    let which = u.return_defaults.as_ref().unwrap_or(&ReturnDefaults::All);
    fetch_of(
        d,
        &u.table,
        update_default_columns(def, u.set.as_slice(), which),
        keys,
    )
}
