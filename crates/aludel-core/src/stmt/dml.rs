//! INSERT, UPDATE, DELETE.

use std::marker::PhantomData;
use std::sync::Arc;

use super::{FromClause, List, Select, SelectCore, Selectable};
use crate::expr::{AsExpr, Node, Predicate};
use crate::schema::{Column, ColumnRef, DynTable, Source, Table, TableRef};
use crate::types::{MaybeNull, NotNullable, Nullability, NullableType, SqlType};
use crate::value::Value;

/// `column = value`, as made by [`Column::set`]: an INSERT value or an UPDATE SET item.
///
/// ```
/// use aludel::prelude::*;
/// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
/// let a: Assignment = users::name.set("ed");
/// assert_eq!(a.column_name(), "name");
/// ```
#[derive(Clone)]
pub struct Assignment {
    pub(crate) column: ColumnRef,
    pub(crate) value: Node,
}

impl Assignment {
    /// The assigned column's name.
    ///
    /// ```
    /// use aludel_core::{prelude::*, schema::TableBuilder, DataType};
    /// let t = TableBuilder::new("t").column("a", DataType::Integer).build().unwrap();
    /// assert_eq!(t.column::<i32>("a").unwrap().set(1).column_name(), "a");
    /// ```
    pub fn column_name(&self) -> &str {
        self.column.name().unwrap_or("")
    }
}

/// Whether a value of nullability `Self` may be stored in a column of nullability `C`.
#[diagnostic::on_unimplemented(
    message = "a value that may be NULL cannot be assigned to a NOT NULL column",
    label = "this value may be NULL",
    note = "the column's type is not an Option, so the database would reject NULL; pass a plain value, or make the column `Option<..>`"
)]
/// ```
/// use aludel_core::stmt::AssignableTo;
/// use aludel_core::types::{MaybeNull, NotNullable};
/// fn ok<V: AssignableTo<C>, C: aludel_core::types::Nullability>() {}
/// ok::<NotNullable, MaybeNull>(); // a plain value into a nullable column
/// // ok::<MaybeNull, NotNullable>(); would not compile
/// ```
pub trait AssignableTo<C: Nullability> {}
impl AssignableTo<NotNullable> for NotNullable {}
impl AssignableTo<MaybeNull> for NotNullable {}
impl AssignableTo<MaybeNull> for MaybeNull {}

impl<T: SqlType> Column<T> {
    /// `column = value` for INSERT values and UPDATE SET. The value must have the column's
    /// type, and may be NULL only if the column is nullable.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String, visits: i32 }
    /// let c = update(users::table)
    ///     .set((users::name.set("ed"), users::visits.set(users::visits + 1)))
    ///     .where_(users::id.eq(5))
    ///     .compile(&Postgres)
    ///     .unwrap();
    /// assert_eq!(c.sql(), "UPDATE users SET name = $1, visits = users.visits + $2 WHERE users.id = $3");
    /// ```
    pub fn set<V: AsExpr<T>>(&self, value: V) -> Assignment
    where
        <V::SqlType as SqlType>::Nullability: AssignableTo<T::Nullability>,
    {
        Assignment {
            column: self.col.clone(),
            value: value.into_operand(),
        }
    }

    /// `column = NULL`, for nullable columns.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, fullname: Option<String> }
    /// let c = update(users::table).set(users::fullname.set_null()).compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "UPDATE users SET fullname = ?");
    /// assert_eq!(c.params(), [aludel::Value::Null]);
    /// ```
    pub fn set_null(&self) -> Assignment
    where
        T: NullableType,
    {
        Assignment {
            column: self.col.clone(),
            value: Node::bind(Value::Null, T::DATA_TYPE),
        }
    }
}

/// One or more [`Assignment`]s: a single one, a tuple, or a `Vec`.
///
/// ```
/// use aludel::prelude::*;
/// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
/// let _ = insert(users::table).values((users::id.set(1), users::name.set("a")));
/// let _ = insert(users::table).values(vec![users::id.set(1), users::name.set("a")]);
/// ```
pub trait Assignments {
    #[doc(hidden)]
    fn push_assignments(self, out: &mut Vec<Assignment>);
}

impl Assignments for Assignment {
    fn push_assignments(self, out: &mut Vec<Assignment>) {
        out.push(self);
    }
}

impl Assignments for Vec<Assignment> {
    fn push_assignments(self, out: &mut Vec<Assignment>) {
        out.extend(self);
    }
}

macro_rules! tuple_assignments {
    ($($name:ident),+) => {
        impl Assignments for ($(tuple_assignments!(@ty $name),)+) {
            #[allow(non_snake_case)]
            fn push_assignments(self, out: &mut Vec<Assignment>) {
                let ($($name,)+) = self;
                $(out.push($name);)+
            }
        }
    };
    (@ty $name:ident) => { Assignment };
}

tuple_assignments!(A);
tuple_assignments!(A, B);
tuple_assignments!(A, B, C);
tuple_assignments!(A, B, C, D);
tuple_assignments!(A, B, C, D, E);
tuple_assignments!(A, B, C, D, E, F);
tuple_assignments!(A, B, C, D, E, F, G);
tuple_assignments!(A, B, C, D, E, F, G, H);
tuple_assignments!(A, B, C, D, E, F, G, H, I);
tuple_assignments!(A, B, C, D, E, F, G, H, I, J);
tuple_assignments!(A, B, C, D, E, F, G, H, I, J, K);
tuple_assignments!(A, B, C, D, E, F, G, H, I, J, K, L);
tuple_assignments!(A, B, C, D, E, F, G, H, I, J, K, L, M);
tuple_assignments!(A, B, C, D, E, F, G, H, I, J, K, L, M, N);
tuple_assignments!(A, B, C, D, E, F, G, H, I, J, K, L, M, N, O);
tuple_assignments!(A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P);

/// A tuple of columns of the target table, for [`Insert::from_select`]: its row type must
/// equal the SELECT's.
///
/// ```
/// use aludel::prelude::*;
/// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
/// # #[derive(Table)] struct Archive { #[aludel(primary_key)] id: i64, name: String }
/// let c = insert(archive::table)
///     .from_select((archive::id, archive::name), &select((users::id, users::name)))
///     .compile(&Sqlite).unwrap();
/// assert_eq!(c.sql(), "INSERT INTO archive (id, name) SELECT users.id, users.name FROM users");
/// ```
pub trait InsertColumns {
    /// The row type the columns hold.
    type Row;
    #[doc(hidden)]
    fn push_columns(self, out: &mut Vec<ColumnRef>);
}

impl<T: SqlType> InsertColumns for Column<T> {
    type Row = T;
    fn push_columns(self, out: &mut Vec<ColumnRef>) {
        out.push(self.col);
    }
}

macro_rules! tuple_columns {
    ($($name:ident),+) => {
        impl<$($name: SqlType),+> InsertColumns for ($(Column<$name>,)+) {
            type Row = ($($name,)+);
            #[allow(non_snake_case)]
            fn push_columns(self, out: &mut Vec<ColumnRef>) {
                let ($($name,)+) = self;
                $(out.push($name.col);)+
            }
        }
    };
}

tuple_columns!(A);
tuple_columns!(A, B);
tuple_columns!(A, B, C);
tuple_columns!(A, B, C, D);
tuple_columns!(A, B, C, D, E);
tuple_columns!(A, B, C, D, E, F);
tuple_columns!(A, B, C, D, E, F, G);
tuple_columns!(A, B, C, D, E, F, G, H);

/// The target of INSERT / UPDATE / DELETE and of DDL: a table.
///
/// ```
/// use aludel::prelude::*;
/// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
/// let _ = delete(users::table);
/// let _ = delete(&users::table);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a table (the target of INSERT, UPDATE, DELETE or DDL)",
    label = "expected a table",
    note = "targets are `<module>::table` (from #[derive(Table)]) or a DynTable"
)]
pub trait IntoTarget {
    #[doc(hidden)]
    fn into_target(self) -> TableRef;
}

#[doc(hidden)]
#[diagnostic::do_not_recommend]
impl IntoTarget for TableRef {
    fn into_target(self) -> TableRef {
        self
    }
}
#[diagnostic::do_not_recommend]
impl<R> IntoTarget for Table<R> {
    fn into_target(self) -> TableRef {
        self.table_ref()
    }
}
#[diagnostic::do_not_recommend]
impl<R> IntoTarget for &Table<R> {
    fn into_target(self) -> TableRef {
        self.table_ref()
    }
}
#[diagnostic::do_not_recommend]
impl IntoTarget for DynTable {
    fn into_target(self) -> TableRef {
        TableRef::Shared(self.def)
    }
}
#[diagnostic::do_not_recommend]
impl IntoTarget for &DynTable {
    fn into_target(self) -> TableRef {
        TableRef::Shared(self.def.clone())
    }
}

#[derive(Clone)]
pub(crate) enum InsertSource {
    /// No values given yet.
    Unset,
    /// Rows of values: `columns` (target column indices, in table order) and the
    /// values row-major.
    Values {
        columns: Arc<[u16]>,
        rows: Arc<[Node]>,
    },
    Select {
        columns: Arc<[u16]>,
        select: Box<SelectCore>,
    },
    DefaultValues,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ReturnDefaults {
    /// Every generated column.
    All,
    /// The primary key and these columns (table indices, sorted, each once).
    Only(Arc<[u16]>),
}

/// The column indices of the columns `columns` names if they all belong to `table`,
/// each once, in the order given.
fn own_columns(
    table: &TableRef,
    what: &str,
    columns: impl InsertColumns,
) -> Result<Vec<u16>, Arc<str>> {
    let mut cols = Vec::new();
    columns.push_columns(&mut cols);
    let mut out: Vec<u16> = Vec::with_capacity(cols.len());
    for c in &cols {
        let own = matches!(&c.source, Source::Table(t) if t.same(table));
        if !own || c.def().is_none() {
            return Err(format!(
                "{what}: column {} of {} is not a column of table {}",
                c.name().unwrap_or("?"),
                c.source.describe(),
                table.def().qualified_name()
            )
            .into());
        }
        if !out.contains(&c.index) {
            out.push(c.index);
        }
    }
    Ok(out)
}

/// `return_defaults_of(columns)`: the columns in table order (one shape for any order).
fn return_only(table: &TableRef, columns: impl InsertColumns) -> Result<ReturnDefaults, Arc<str>> {
    let mut only = own_columns(table, "return_defaults_of()", columns)?;
    only.sort_unstable();
    Ok(ReturnDefaults::Only(only.into()))
}

/// What an INSERT does with a row that conflicts with an existing one.
pub(crate) enum Upsert {
    /// `ON CONFLICT [(target)] DO NOTHING | DO UPDATE SET .. [WHERE ..]` (PostgreSQL,
    /// SQLite). `target` holds column indices of the table (empty: any conflict);
    /// `update` is `None` for DO NOTHING.
    OnConflict {
        target: Arc<[u16]>,
        update: Option<Arc<[Assignment]>>,
        where_: Option<Node>,
    },
    /// `ON DUPLICATE KEY UPDATE ..` (MySQL, MariaDB).
    DuplicateKey { set: Arc<[Assignment]> },
}

#[derive(Clone)]
pub(crate) struct InsertCore {
    pub(crate) table: TableRef,
    /// `table` as a FROM item (for scopes).
    pub(crate) target: Source,
    pub(crate) source: InsertSource,
    pub(crate) returning: List<Node>,
    pub(crate) return_defaults: Option<ReturnDefaults>,
    pub(crate) upsert: Option<Arc<Upsert>>,
    /// A construction mistake, reported when compiling.
    pub(crate) invalid: Option<Arc<str>>,
}

/// Checks that `a` are columns of `table`; returns (column index, value) sorted by index.
/// Checks that every assignment is to a column of `table`, each column once.
fn check_assignments(table: &TableRef, what: &str, a: &[Assignment]) -> Result<(), Arc<str>> {
    for (i, x) in a.iter().enumerate() {
        let own = x.column.source.table().is_some_and(|t| t.same(table))
            && matches!(x.column.source, Source::Table(_));
        if !own || x.column.def().is_none() {
            return Err(format!(
                "{what}: column {} of {} is not a column of table {}",
                x.column.name().unwrap_or("?"),
                x.column.source.describe(),
                table.def().qualified_name()
            )
            .into());
        }
        if a[..i].iter().any(|y| y.column.index == x.column.index) {
            return Err(format!(
                "{what}: column {} is assigned twice",
                x.column.name().unwrap_or("?")
            )
            .into());
        }
    }
    Ok(())
}

/// Checks the assignments and puts them in column order.
fn normalize(table: &TableRef, what: &str, a: &mut [Assignment]) -> Result<(), Arc<str>> {
    check_assignments(table, what, a)?;
    a.sort_by_key(|x| x.column.index);
    Ok(())
}

/// An INSERT statement; `Ret` is the row type of its RETURNING clause.
///
/// ```
/// use aludel::prelude::*;
/// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
/// let c = insert(users::table).values(users::name.set("ed")).compile(&Postgres).unwrap();
/// assert_eq!(c.sql(), "INSERT INTO users (name) VALUES ($1)");
/// ```
pub struct Insert<Ret = ()> {
    pub(crate) core: InsertCore,
    _r: PhantomData<fn() -> Ret>,
}

impl<Ret> Clone for Insert<Ret> {
    fn clone(&self) -> Self {
        Insert::from_core(self.core.clone())
    }
}

/// Starts an INSERT into `table`.
///
/// ```
/// use aludel::prelude::*;
/// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
/// let c = insert(users::table).default_values().compile(&Sqlite).unwrap();
/// assert_eq!(c.sql(), "INSERT INTO users DEFAULT VALUES");
/// ```
pub fn insert(table: impl IntoTarget) -> Insert<()> {
    let table = table.into_target();
    Insert::from_core(InsertCore {
        target: Source::Table(table.clone()),
        table,
        source: InsertSource::Unset,
        returning: List::default(),
        return_defaults: None,
        upsert: None,
        invalid: None,
    })
}

impl<Ret> Insert<Ret> {
    fn from_core(core: InsertCore) -> Self {
        Insert {
            core,
            _r: PhantomData,
        }
    }

    fn with(&self, f: impl FnOnce(&mut InsertCore)) -> Self {
        let mut core = self.core.clone();
        f(&mut core);
        Insert::from_core(core)
    }

    fn invalid(&self, msg: Arc<str>) -> Self {
        self.with(|c| {
            c.invalid.get_or_insert(msg);
        })
    }

    /// Values for one row. Calling it again adds columns to the same row (a column given
    /// twice keeps the later value); columns left out get their client-side default, or
    /// the server's.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String, fullname: Option<String> }
    /// let base = insert(users::table).values(users::name.set("ed"));
    /// let full = base.values(users::fullname.set(Some("Ed Jones")));
    /// assert_eq!(full.compile(&MySql).unwrap().sql(), "INSERT INTO users (name, fullname) VALUES (?, ?)");
    /// assert_eq!(base.compile(&MySql).unwrap().sql(), "INSERT INTO users (name) VALUES (?)");
    /// ```
    pub fn values(&self, row: impl Assignments) -> Self {
        let mut a = Vec::new();
        row.push_assignments(&mut a);
        // Merge with an existing single row: earlier values first, later ones win.
        if let InsertSource::Values { columns, rows } = &self.core.source {
            if rows.len() != columns.len() {
                return self
                    .invalid("values() called after values_many() with several rows".into());
            }
            let mut merged: Vec<Assignment> = columns
                .iter()
                .zip(rows.iter())
                .filter(|(c, _)| !a.iter().any(|x| x.column.index == **c))
                .map(|(c, v)| Assignment {
                    column: ColumnRef {
                        source: Source::Table(self.core.table.clone()),
                        index: *c,
                    },
                    value: v.clone(),
                })
                .collect();
            merged.append(&mut a);
            a = merged;
        }
        if let Err(msg) = normalize(&self.core.table, "INSERT values", &mut a) {
            return self.invalid(msg);
        }
        let columns: Arc<[u16]> = a.iter().map(|x| x.column.index).collect();
        let rows: Arc<[Node]> = a.into_iter().map(|x| x.value).collect();
        self.with(|c| c.source = InsertSource::Values { columns, rows })
    }

    /// Values for many rows, sent as one multi-row `INSERT ... VALUES (..), (..)`. Every
    /// row must assign the same columns.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let rows = ["a", "b"].map(|n| users::name.set(n));
    /// let c = insert(users::table).values_many(rows).compile(&Postgres).unwrap();
    /// assert_eq!(c.sql(), "INSERT INTO users (name) VALUES ($1), ($2)");
    /// ```
    pub fn values_many<A: Assignments>(&self, rows: impl IntoIterator<Item = A>) -> Self {
        let mut columns: Option<Vec<u16>> = None;
        let mut values = Vec::new();
        let mut scratch = Vec::new();
        let mut n_rows = 0;
        for (i, row) in rows.into_iter().enumerate() {
            n_rows = i + 1;
            scratch.clear();
            row.push_assignments(&mut scratch);
            if let Err(msg) = normalize(&self.core.table, "INSERT values", &mut scratch) {
                return self.invalid(msg);
            }
            match &columns {
                None => columns = Some(scratch.iter().map(|x| x.column.index).collect()),
                Some(cols) => {
                    let same = cols.len() == scratch.len()
                        && cols.iter().zip(&scratch).all(|(c, x)| *c == x.column.index);
                    if !same {
                        return self.invalid(
                            format!("INSERT values: row {} assigns other columns than row 0", i)
                                .into(),
                        );
                    }
                }
            }
            values.extend(scratch.drain(..).map(|x| x.value));
        }
        match columns {
                        None => self.invalid("INSERT values_many() with no rows".into()),
            Some(cols) if cols.is_empty() && n_rows > 1 => self.invalid(
                format!(
                    "INSERT values_many(): {n_rows} rows that set no columns; a multi-row INSERT needs at least one column (one such row is DEFAULT VALUES)"
                )
                .into(),
            ),
            Some(cols) => {
                let columns: Arc<[u16]> = cols.into();
                let rows: Arc<[Node]> = values.into();
                self.with(|c| c.source = InsertSource::Values { columns, rows })
            }
        }
    }

    /// `INSERT INTO t (columns) SELECT ...`; the columns' row type must equal the
    /// SELECT's (checked by the compiler).
    ///
    /// Client-side defaults (`default`) of the columns not given are added to the column
    /// list and to the SELECT list as parameters, as SQLAlchemy does. They are computed
    /// once per execution, so every inserted row gets the same value: give a column
    /// whose default must differ per row (a random id) in the SELECT instead.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let c = insert(users::table)
    ///     .from_select(users::name, &select(literal("copy")))
    ///     .compile(&Postgres).unwrap();
    /// assert_eq!(c.sql(), "INSERT INTO users (name) SELECT $1::TEXT");
    ///
    /// #[derive(Table)]
    /// struct Notes { #[aludel(primary_key)] id: i64, #[aludel(default = "new")] state: String }
    /// let c = insert(notes::table).from_select(notes::id, &select(users::id)).compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "INSERT INTO notes (id, state) SELECT users.id, ? FROM users");
    /// assert_eq!(c.params(), [Value::from("new")]);
    /// ```
    pub fn from_select<C: InsertColumns>(&self, columns: C, select: &Select<C::Row>) -> Self {
        let mut cols = Vec::new();
        columns.push_columns(&mut cols);
        let mut a: Vec<Assignment> = cols
            .into_iter()
            .map(|column| Assignment {
                column,
                value: Node(crate::expr::N::Null),
            })
            .collect();
        let order: Vec<u16> = a.iter().map(|x| x.column.index).collect();
        if let Err(msg) = normalize(&self.core.table, "INSERT from_select", &mut a) {
            return self.invalid(msg);
        }
        let columns: Arc<[u16]> = order.into();
        let select = Box::new(select.core.clone());
        self.with(|c| c.source = InsertSource::Select { columns, select })
    }

    /// `INSERT INTO t DEFAULT VALUES` (MySQL: `INSERT INTO t () VALUES ()`).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
    /// let c = insert(users::table).default_values().compile(&MySql).unwrap();
    /// assert_eq!(c.sql(), "INSERT INTO users () VALUES ()");
    /// ```
    pub fn default_values(&self) -> Self {
        self.with(|c| c.source = InsertSource::DefaultValues)
    }

    /// `RETURNING columns` (PostgreSQL, SQLite >= 3.35, MariaDB >= 10.5; a compile error
    /// on MySQL); the statement's rows then decode into the new row type.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let s: Insert<(i64,)> = insert(users::table).values(users::name.set("ed")).returning((users::id,));
    /// assert_eq!(s.compile(&Sqlite).unwrap().sql(), "INSERT INTO users (name) VALUES (?) RETURNING id");
    /// assert!(s.compile(&MySql).is_err());
    /// ```
    pub fn returning<S: Selectable>(&self, columns: S) -> Insert<S::Row> {
        let v = List::from_items(columns.into_nodes());
        Insert::from_core(InsertCore {
            returning: v,
            ..self.core.clone()
        })
    }

    /// Asks for every generated value back: the primary key and every column the
    /// statement does not set that has a default, a server default, auto-increment or
    /// `server_onupdate`. Rendered as RETURNING where the dialect has it; elsewhere the
    /// compiled statement lists the columns
    /// ([`CompiledStatement::returns_defaults`](crate::CompiledStatement::returns_defaults))
    /// and [`Statement::return_defaults_fetch`](crate::Statement::return_defaults_fetch)
    /// gives the SELECT that reads them back by primary key (the engine runs it).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String,
    /// #   #[aludel(server_default = "CURRENT_TIMESTAMP")] created_at: aludel::value::Timestamp }
    /// let s = insert(users::table).values(users::name.set("ed")).return_defaults();
    /// let pg = s.compile(&Postgres).unwrap();
    /// assert_eq!(pg.sql(), "INSERT INTO users (name) VALUES ($1) RETURNING id, created_at");
    /// let my = s.compile(&MySql).unwrap();
    /// assert_eq!(my.sql(), "INSERT INTO users (name) VALUES (?)");
    /// assert_eq!(my.returns_defaults(), ["id", "created_at"]);
    /// assert!(!my.returning_rendered());
    /// ```
    pub fn return_defaults(&self) -> Self {
        self.with(|c| c.return_defaults = Some(ReturnDefaults::All))
    }

    /// Like [`Insert::return_defaults`], for the primary key and `columns` only (one
    /// column or a tuple of columns of the table), as SQLAlchemy's
    /// `return_defaults(*cols)`.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String,
    /// #   #[aludel(server_default = "CURRENT_TIMESTAMP")] created_at: aludel::value::Timestamp,
    /// #   #[aludel(server_default = "0")] visits: i32 }
    /// let s = insert(users::table).values(users::name.set("ed")).return_defaults_of(users::visits);
    /// assert_eq!(s.compile(&Postgres).unwrap().sql(), "INSERT INTO users (name) VALUES ($1) RETURNING id, visits");
    /// ```
    pub fn return_defaults_of<C: InsertColumns>(&self, columns: C) -> Self {
        match return_only(&self.core.table, columns) {
            Ok(only) => self.with(|c| c.return_defaults = Some(only)),
            Err(msg) => self.invalid(msg),
        }
    }

    /// Starts an upsert for PostgreSQL and SQLite: what to do when a row conflicts with an
    /// existing one on the unique index or primary key made of `target` (one column or a
    /// tuple of columns of the table). Finish it with [`OnConflict::do_nothing`] or
    /// [`OnConflict::do_update`]. MySQL and MariaDB have
    /// [`Insert::on_duplicate_key_update`] instead; each form is a compile error on the
    /// other dialects.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let s = insert(users::table)
    ///     .values((users::id.set(1), users::name.set("ed")))
    ///     .on_conflict(users::id)
    ///     .do_nothing();
    /// assert_eq!(s.compile(&Sqlite).unwrap().sql(), "INSERT INTO users (id, name) VALUES (?, ?) ON CONFLICT (id) DO NOTHING");
    /// assert!(s.compile(&MySql).is_err());
    /// ```
    pub fn on_conflict<C: InsertColumns>(&self, target: C) -> OnConflict<Ret> {
        match own_columns(&self.core.table, "ON CONFLICT target", target) {
            Ok(target) => OnConflict {
                insert: self.clone(),
                target: target.into(),
            },
            Err(msg) => OnConflict {
                insert: self.invalid(msg),
                target: Arc::from([]),
            },
        }
    }

    /// Starts an upsert that applies to a conflict on any unique index or primary key:
    /// only [`OnConflict::do_nothing`] can follow (an update needs a target).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let s = insert(users::table).values((users::id.set(1), users::name.set("ed"))).on_any_conflict().do_nothing();
    /// assert_eq!(s.compile(&Postgres).unwrap().sql(), "INSERT INTO users (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING");
    /// ```
    pub fn on_any_conflict(&self) -> OnConflict<Ret> {
        OnConflict {
            insert: self.clone(),
            target: Arc::from([]),
        }
    }

    /// The condition of an upsert's update (`ON CONFLICT ... DO UPDATE SET ... WHERE
    /// cond`): conflicting rows for which it is false are left as they are (and not
    /// returned). Only valid after [`OnConflict::do_update`]; a compile error otherwise.
    /// Calling it again adds a condition with AND.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let s = insert(users::table)
    ///     .values((users::id.set(1), users::name.set("ed")))
    ///     .on_conflict(users::id)
    ///     .do_update(users::name.set(excluded(users::name)))
    ///     .where_(users::name.ne("admin"));
    /// assert_eq!(
    ///     s.compile(&Sqlite).unwrap().sql(),
    ///     "INSERT INTO users (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name WHERE users.name <> ?"
    /// );
    /// ```
    pub fn where_(&self, cond: impl Predicate) -> Self {
        let cond = cond.into_predicate();
        match self.core.upsert.as_deref() {
            Some(Upsert::OnConflict {
                target,
                update: Some(update),
                where_,
            }) => {
                let upsert = Upsert::OnConflict {
                    target: target.clone(),
                    update: Some(update.clone()),
                    where_: Some(match where_ {
                        Some(w) => Node::and(w.clone(), cond),
                        None => cond,
                    }),
                };
                self.with(|c| c.upsert = Some(Arc::new(upsert)))
            }
            _ => self.invalid(
                "where_() on an INSERT is the condition of ON CONFLICT ... DO UPDATE; call it after .on_conflict(..).do_update(..)".into(),
            ),
        }
    }

    /// MySQL / MariaDB upsert: `INSERT ... ON DUPLICATE KEY UPDATE set`, applied when the
    /// row would duplicate a primary key or unique index. Use [`excluded`](crate::expr::excluded)
    /// for the proposed values (`VALUES(col)`, or the row alias on MySQL >= 8.0.19).
    /// Client-side `onupdate` columns not in `set` are updated too. A compile error on
    /// PostgreSQL and SQLite (they have [`Insert::on_conflict`]).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let s = insert(users::table)
    ///     .values((users::id.set(1), users::name.set("ed")))
    ///     .on_duplicate_key_update(users::name.set(excluded(users::name)));
    /// assert_eq!(
    ///     s.compile(&MariaDb).unwrap().sql(),
    ///     "INSERT INTO users (id, name) VALUES (?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name)"
    /// );
    /// assert_eq!(
    ///     s.compile(&MySql).unwrap().sql(),
    ///     "INSERT INTO users (id, name) VALUES (?, ?) AS new ON DUPLICATE KEY UPDATE name = new.name"
    /// );
    /// assert!(s.compile(&Postgres).is_err());
    /// ```
    pub fn on_duplicate_key_update(&self, set: impl Assignments) -> Self {
        let mut a = Vec::new();
        set.push_assignments(&mut a);
        if a.is_empty() {
            return self.invalid("on_duplicate_key_update() with no assignments".into());
        }
        if let Err(msg) = check_assignments(&self.core.table, "ON DUPLICATE KEY UPDATE", &a) {
            return self.invalid(msg);
        }
        let upsert = Upsert::DuplicateKey { set: a.into() };
        self.with(|c| c.upsert = Some(Arc::new(upsert)))
    }
}

/// An upsert being built: [`Insert::on_conflict`] followed by [`OnConflict::do_nothing`]
/// or [`OnConflict::do_update`].
///
/// ```
/// use aludel::prelude::*;
/// # #[derive(Table)] struct Tags { #[aludel(primary_key)] post_id: i64, #[aludel(primary_key)] tag: String, n: i32 }
/// let oc = insert(tags::table)
///     .values((tags::post_id.set(1), tags::tag.set("rust"), tags::n.set(1)))
///     .on_conflict((tags::post_id, tags::tag));
/// let bump = oc.do_update(tags::n.set(tags::n + excluded(tags::n)));
/// assert_eq!(
///     bump.compile(&Postgres).unwrap().sql(),
///     "INSERT INTO tags (post_id, tag, n) VALUES ($1, $2, $3) ON CONFLICT (post_id, tag) DO UPDATE SET n = tags.n + excluded.n"
/// );
/// ```
pub struct OnConflict<Ret = ()> {
    insert: Insert<Ret>,
    target: Arc<[u16]>,
}

impl<Ret> Clone for OnConflict<Ret> {
    fn clone(&self) -> Self {
        OnConflict {
            insert: self.insert.clone(),
            target: self.target.clone(),
        }
    }
}

impl<Ret> OnConflict<Ret> {
    /// `ON CONFLICT ... DO NOTHING`: a conflicting row is skipped (and not returned by
    /// RETURNING).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let s = insert(users::table).values((users::id.set(1), users::name.set("ed"))).on_conflict(users::id).do_nothing();
    /// assert_eq!(s.compile(&Postgres).unwrap().sql(), "INSERT INTO users (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING");
    /// ```
    pub fn do_nothing(&self) -> Insert<Ret> {
        let upsert = Upsert::OnConflict {
            target: self.target.clone(),
            update: None,
            where_: None,
        };
        self.insert.with(|c| c.upsert = Some(Arc::new(upsert)))
    }

    /// `ON CONFLICT (target) DO UPDATE SET set`: the existing row is updated instead.
    /// Use [`excluded`](crate::expr::excluded) for the values the INSERT proposed, the
    /// table's columns for the existing row. Client-side `onupdate` columns not in `set`
    /// are updated too, as in an UPDATE. Add a condition with [`Insert::where_`].
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let s = insert(users::table)
    ///     .values((users::id.set(1), users::name.set("ed")))
    ///     .on_conflict(users::id)
    ///     .do_update(users::name.set(excluded(users::name)));
    /// assert_eq!(s.compile(&Sqlite).unwrap().sql(), "INSERT INTO users (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name");
    /// ```
    pub fn do_update(&self, set: impl Assignments) -> Insert<Ret> {
        let mut a = Vec::new();
        set.push_assignments(&mut a);
        if a.is_empty() {
            return self
                .insert
                .invalid("ON CONFLICT DO UPDATE with no assignments; use do_nothing()".into());
        }
        if let Err(msg) = check_assignments(&self.insert.core.table, "ON CONFLICT DO UPDATE", &a) {
            return self.insert.invalid(msg);
        }
        let upsert = Upsert::OnConflict {
            target: self.target.clone(),
            update: Some(a.into()),
            where_: None,
        };
        self.insert.with(|c| c.upsert = Some(Arc::new(upsert)))
    }
}

#[derive(Clone)]
pub(crate) struct UpdateCore {
    pub(crate) table: TableRef,
    /// `table` as a FROM item (for scopes).
    pub(crate) target: Source,
    pub(crate) set: List<Assignment>,
    pub(crate) from: List<Source>,
    pub(crate) where_: Option<Node>,
    pub(crate) returning: List<Node>,
    pub(crate) return_defaults: Option<ReturnDefaults>,
    pub(crate) invalid: Option<Arc<str>>,
    /// The common table expressions of its WITH clause.
    pub(crate) with: List<Arc<crate::schema::SubqueryDef>>,
}

/// An UPDATE statement; `Ret` is the row type of its RETURNING clause.
///
/// ```
/// use aludel::prelude::*;
/// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
/// let c = update(users::table).set(users::name.set("x")).where_(users::id.eq(1)).compile(&MySql).unwrap();
/// assert_eq!(c.sql(), "UPDATE users SET name = ? WHERE users.id = ?");
/// ```
pub struct Update<Ret = ()> {
    pub(crate) core: UpdateCore,
    _r: PhantomData<fn() -> Ret>,
}

impl<Ret> Clone for Update<Ret> {
    fn clone(&self) -> Self {
        Update::from_core(self.core.clone())
    }
}

/// Starts an UPDATE of `table`.
///
/// ```
/// use aludel::prelude::*;
/// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
/// let _ = update(users::table).set(users::name.set("x"));
/// ```
pub fn update(table: impl IntoTarget) -> Update<()> {
    let table = table.into_target();
    Update::from_core(UpdateCore {
        target: Source::Table(table.clone()),
        table,
        set: List::default(),
        from: List::default(),
        where_: None,
        returning: List::default(),
        return_defaults: None,
        invalid: None,
        with: List::default(),
    })
}

impl<Ret> Update<Ret> {
    /// Adds `cte` to the UPDATE's WITH clause: `WITH c AS (..) UPDATE ..` (PostgreSQL,
    /// SQLite, MySQL >= 8.0; not MariaDB).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let old = select(users::id).where_(users::id.lt(10)).cte("old");
    /// let s = update(users::table).with_(&old).set(users::name.set("x")).where_(users::id.in_(&select(old.columns())));
    /// assert_eq!(
    ///     s.compile(&Sqlite).unwrap().sql(),
    ///     "WITH old AS (SELECT users.id FROM users WHERE users.id < ?) UPDATE users SET name = ? WHERE users.id IN (SELECT old.id FROM old)"
    /// );
    /// assert!(s.compile(&MariaDb).is_err());
    /// ```
    pub fn with_<C>(&self, cte: &crate::stmt::Cte<C>) -> Self {
        let def = cte.def.clone();
        self.with(|c| c.with = c.with.extended([def]))
    }

    fn from_core(core: UpdateCore) -> Self {
        Update {
            core,
            _r: PhantomData,
        }
    }

    fn with(&self, f: impl FnOnce(&mut UpdateCore)) -> Self {
        let mut core = self.core.clone();
        f(&mut core);
        Update::from_core(core)
    }

    /// Adds SET items, in the order given. A column set by an earlier call takes the later
    /// value (as with [`Insert::values`]); one call setting a column twice is an error.
    /// Columns with an `onupdate` default that are not set get it.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String, n: i32 }
    /// let c = update(users::table).set(users::name.set("x")).set(users::n.set(2)).compile(&Sqlite).unwrap();
    /// assert_eq!(c.sql(), "UPDATE users SET name = ?, n = ?");
    /// let again = update(users::table).set((users::name.set("x"), users::n.set(2))).set(users::name.set("y"));
    /// assert_eq!(again.compile(&Sqlite).unwrap().sql(), "UPDATE users SET n = ?, name = ?");
    /// ```
    pub fn set(&self, items: impl Assignments) -> Self {
        let mut a = Vec::new();
        items.push_assignments(&mut a);
        if let Err(msg) = check_assignments(&self.core.table, "UPDATE SET", &a) {
            return self.with(|c| {
                c.invalid.get_or_insert(msg);
            });
        }
        // Earlier items first, less those set again; later values win.
        let all = if self.core.set.is_empty() {
            a
        } else {
            let mut all: Vec<Assignment> = self
                .core
                .set
                .iter()
                .filter(|x| !a.iter().any(|y| y.column.index == x.column.index))
                .cloned()
                .collect();
            all.extend(a);
            all
        };
        let mut check = all.clone();
        if let Err(msg) = normalize(&self.core.table, "UPDATE SET", &mut check) {
            return self.with(|c| {
                c.invalid.get_or_insert(msg);
            });
        }
        self.with(|c| c.set = List::from_vec(all))
    }

    /// Adds a WHERE condition (AND-ed with earlier ones). Other tables it mentions become
    /// `UPDATE ... FROM` items (MySQL: the multi-table form).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// # #[derive(Table)] struct Posts { #[aludel(primary_key)] id: i64, user_id: i64 }
    /// let s = update(users::table).set(users::name.set("poster")).where_(posts::user_id.eq(users::id));
    /// assert_eq!(s.compile(&Postgres).unwrap().sql(), "UPDATE users SET name = $1 FROM posts WHERE posts.user_id = users.id");
    /// assert_eq!(s.compile(&MySql).unwrap().sql(), "UPDATE users, posts SET users.name = ? WHERE posts.user_id = users.id");
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

    /// Adds an extra FROM item explicitly.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// # #[derive(Table)] struct Posts { #[aludel(primary_key)] id: i64, user_id: i64 }
    /// let s = update(users::table).set(users::name.set("x")).from(posts::table);
    /// assert_eq!(s.compile(&Sqlite).unwrap().sql(), "UPDATE users SET name = ? FROM posts");
    /// ```
    pub fn from(&self, item: impl FromClause) -> Self {
        let s = item.into_source();
        self.with(|c| c.from = c.from.extended([s]))
    }

    /// `RETURNING columns` (PostgreSQL, SQLite >= 3.35; a compile error on MySQL and
    /// MariaDB).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String }
    /// let s = update(users::table).set(users::name.set("x")).returning(users::id);
    /// assert_eq!(s.compile(&Postgres).unwrap().sql(), "UPDATE users SET name = $1 RETURNING id");
    /// assert!(s.compile(&MariaDb).is_err());
    /// ```
    pub fn returning<S: Selectable>(&self, columns: S) -> Update<S::Row> {
        let v = List::from_items(columns.into_nodes());
        Update::from_core(UpdateCore {
            returning: v,
            ..self.core.clone()
        })
    }

    /// Asks for server-generated values back after the UPDATE: the primary key and the
    /// `onupdate` / `server_onupdate` columns not set by the statement (RETURNING where
    /// available; otherwise listed for the engine to fetch).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String,
    /// #   #[aludel(server_onupdate)] version: i64 }
    /// let c = update(users::table).set(users::name.set("x")).return_defaults().compile(&Postgres).unwrap();
    /// assert_eq!(c.sql(), "UPDATE users SET name = $1 RETURNING id, version");
    /// ```
    pub fn return_defaults(&self) -> Self {
        self.with(|c| c.return_defaults = Some(ReturnDefaults::All))
    }

    /// Like [`Update::return_defaults`], for the primary key and `columns` only.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64, name: String,
    /// #   #[aludel(server_onupdate)] version: i64, #[aludel(server_onupdate)] touched: i64 }
    /// let s = update(users::table).set(users::name.set("x")).return_defaults_of(users::version);
    /// assert_eq!(s.compile(&Sqlite).unwrap().sql(), "UPDATE users SET name = ? RETURNING id, version");
    /// ```
    pub fn return_defaults_of<C: InsertColumns>(&self, columns: C) -> Self {
        let rd = return_only(&self.core.table, columns);
        self.with(|c| match rd {
            Ok(only) => c.return_defaults = Some(only),
            Err(msg) => {
                c.invalid.get_or_insert(msg);
            }
        })
    }
}

#[derive(Clone)]
pub(crate) struct DeleteCore {
    pub(crate) table: TableRef,
    /// `table` as a FROM item (for scopes).
    pub(crate) target: Source,
    pub(crate) using: List<Source>,
    pub(crate) where_: Option<Node>,
    pub(crate) returning: List<Node>,
    /// The common table expressions of its WITH clause.
    pub(crate) with: List<Arc<crate::schema::SubqueryDef>>,
}

/// A DELETE statement; `Ret` is the row type of its RETURNING clause.
///
/// ```
/// use aludel::prelude::*;
/// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
/// let c = delete(users::table).where_(users::id.eq(3)).compile(&Postgres).unwrap();
/// assert_eq!(c.sql(), "DELETE FROM users WHERE users.id = $1");
/// ```
pub struct Delete<Ret = ()> {
    pub(crate) core: DeleteCore,
    _r: PhantomData<fn() -> Ret>,
}

impl<Ret> Clone for Delete<Ret> {
    fn clone(&self) -> Self {
        Delete::from_core(self.core.clone())
    }
}

/// Starts a DELETE from `table`.
///
/// ```
/// use aludel::prelude::*;
/// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
/// assert_eq!(delete(users::table).compile(&Sqlite).unwrap().sql(), "DELETE FROM users");
/// ```
pub fn delete(table: impl IntoTarget) -> Delete<()> {
    let table = table.into_target();
    Delete::from_core(DeleteCore {
        target: Source::Table(table.clone()),
        table,
        using: List::default(),
        where_: None,
        returning: List::default(),
        with: List::default(),
    })
}

impl<Ret> Delete<Ret> {
    /// Adds `cte` to the DELETE's WITH clause: `WITH c AS (..) DELETE ..` (PostgreSQL,
    /// SQLite, MySQL >= 8.0; not MariaDB).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
    /// let old = select(users::id).where_(users::id.lt(10)).cte("old");
    /// let s = delete(users::table).with_(&old).where_(users::id.in_(&select(old.columns())));
    /// assert_eq!(
    ///     s.compile(&Postgres).unwrap().sql(),
    ///     "WITH old AS (SELECT users.id FROM users WHERE users.id < $1) DELETE FROM users WHERE users.id IN (SELECT old.id FROM old)"
    /// );
    /// ```
    pub fn with_<C>(&self, cte: &crate::stmt::Cte<C>) -> Self {
        let def = cte.def.clone();
        self.with(|c| c.with = c.with.extended([def]))
    }

    fn from_core(core: DeleteCore) -> Self {
        Delete {
            core,
            _r: PhantomData,
        }
    }

    fn with(&self, f: impl FnOnce(&mut DeleteCore)) -> Self {
        let mut core = self.core.clone();
        f(&mut core);
        Delete::from_core(core)
    }

    /// Adds a WHERE condition (AND-ed). Other tables it mentions become `USING` items
    /// (MySQL: `DELETE FROM t USING t, u`; SQLite has no multi-table DELETE: a compile
    /// error).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
    /// # #[derive(Table)] struct Posts { #[aludel(primary_key)] id: i64, user_id: i64 }
    /// let s = delete(posts::table).where_(posts::user_id.eq(users::id));
    /// assert_eq!(s.compile(&Postgres).unwrap().sql(), "DELETE FROM posts USING users WHERE posts.user_id = users.id");
    /// assert_eq!(s.compile(&MySql).unwrap().sql(), "DELETE FROM posts USING posts, users WHERE posts.user_id = users.id");
    /// assert!(s.compile(&Sqlite).is_err());
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

    /// Adds a USING item explicitly.
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
    /// # #[derive(Table)] struct Posts { #[aludel(primary_key)] id: i64, user_id: i64 }
    /// let s = delete(posts::table).using(users::table).where_(posts::user_id.eq(users::id));
    /// assert!(s.compile(&Postgres).is_ok());
    /// ```
    pub fn using(&self, item: impl FromClause) -> Self {
        let s = item.into_source();
        self.with(|c| c.using = c.using.extended([s]))
    }

    /// `RETURNING columns` (PostgreSQL, SQLite >= 3.35, MariaDB >= 10.0.5; a compile
    /// error on MySQL).
    ///
    /// ```
    /// use aludel::prelude::*;
    /// # #[derive(Table)] struct Users { #[aludel(primary_key)] id: i64 }
    /// let s = delete(users::table).returning(users::id);
    /// assert_eq!(s.compile(&MariaDb).unwrap().sql(), "DELETE FROM users RETURNING id");
    /// assert!(s.compile(&MySql).is_err());
    /// ```
    pub fn returning<S: Selectable>(&self, columns: S) -> Delete<S::Row> {
        let v = List::from_items(columns.into_nodes());
        Delete::from_core(DeleteCore {
            returning: v,
            ..self.core.clone()
        })
    }
}
