//! Table and column definitions (plain data, usable in `static`s).

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::types::DataType;
use crate::value::Value;

/// How a primary-key column gets its value when an INSERT leaves it out.
///
/// ```
/// use aludel::schema::Autoincrement;
/// assert_eq!(Autoincrement::default(), Autoincrement::Auto);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Autoincrement {
    /// SQLAlchemy's rule: a single-column integer primary key without a default, that
    /// is neither a foreign key nor computed, is autoincrementing (IDENTITY /
    /// AUTO_INCREMENT / ROWID).
    #[default]
    Auto,
    /// Always autoincrementing.
    Yes,
    /// Never autoincrementing.
    No,
}

/// A value computed in Rust when a statement omits the column: `default` for INSERT,
/// `onupdate` for UPDATE. It is evaluated at every execution and sent as a bind.
///
/// ```
/// use aludel::schema::ClientDefault;
/// use aludel::Value;
/// let d = ClientDefault::new(|| Value::from("draft"));
/// assert_eq!(d.evaluate(), Value::from("draft"));
/// ```
#[derive(Clone)]
pub enum ClientDefault {
    /// A function (what `#[derive(Table)]` generates).
    Fn(fn() -> Value),
    /// A closure (runtime-built tables).
    Closure(Arc<dyn Fn() -> Value + Send + Sync>),
}

impl ClientDefault {
    /// A default computed by `f` at every execution.
    ///
    /// ```
    /// use aludel_core::{schema::ClientDefault, Value};
    /// let d = ClientDefault::new(|| Value::I64(1));
    /// assert_eq!(d.evaluate(), Value::I64(1));
    /// ```
    pub fn new(f: impl Fn() -> Value + Send + Sync + 'static) -> Self {
        ClientDefault::Closure(Arc::new(f))
    }

    /// Computes the value.
    ///
    /// ```
    /// use aludel_core::{schema::ClientDefault, Value};
    /// let d = ClientDefault::new(|| Value::from("x"));
    /// assert_eq!(d.evaluate(), Value::from("x"));
    /// ```
    pub fn evaluate(&self) -> Value {
        match self {
            ClientDefault::Fn(f) => f(),
            ClientDefault::Closure(f) => f(),
        }
    }
}

impl fmt::Debug for ClientDefault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientDefault(..)")
    }
}

/// A value the database generates: `server_default` (DEFAULT clause) or
/// `server_onupdate` (trigger, generated column, MySQL `ON UPDATE`).
///
/// ```
/// use aludel::schema::ServerDefault;
/// let d = ServerDefault::sql("CURRENT_TIMESTAMP");
/// assert_eq!(d.sql_text(), Some("CURRENT_TIMESTAMP"));
/// assert_eq!(ServerDefault::Fetched.sql_text(), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerDefault {
    /// An SQL expression, rendered as-is in DDL (`DEFAULT CURRENT_TIMESTAMP`). String
    /// literals need their quotes: `ServerDefault::sql("'draft'")`.
    Sql(Cow<'static, str>),
    /// The database computes the value by means DDL does not describe (a trigger); aludel
    /// only knows to fetch it back.
    Fetched,
}

impl ServerDefault {
    /// An SQL expression default.
    ///
    /// ```
    /// use aludel_core::schema::ServerDefault;
    /// assert_eq!(ServerDefault::sql("0").sql_text(), Some("0"));
    /// ```
    pub fn sql(text: impl Into<Cow<'static, str>>) -> Self {
        ServerDefault::Sql(text.into())
    }

    /// The SQL text, if any.
    ///
    /// ```
    /// use aludel_core::schema::ServerDefault;
    /// assert_eq!(ServerDefault::sql("now()").sql_text(), Some("now()"));
    /// ```
    pub fn sql_text(&self) -> Option<&str> {
        match self {
            ServerDefault::Sql(s) => Some(s),
            ServerDefault::Fetched => None,
        }
    }
}

/// A generated column's expression (`GENERATED ALWAYS AS (sql) STORED | VIRTUAL`),
/// like SQLAlchemy's `Computed`. The database computes the value on every INSERT and
/// UPDATE: statements may not assign the column, and `return_defaults()` fetches it.
///
/// The SQL is rendered as written, inside the parentheses; column names in it are
/// the table's own, unqualified.
///
/// ```
/// use aludel::schema::Computed;
/// let c = Computed::stored("price * qty");
/// assert_eq!(c.sql(), "price * qty");
/// assert!(c.is_stored());
/// assert!(!Computed::virtual_("price * qty").is_stored());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Computed {
    pub(crate) sql: Cow<'static, str>,
    pub(crate) stored: bool,
}

impl Computed {
    /// A STORED generated column (computed on write, kept on disk): accepted by every
    /// dialect that has generated columns.
    ///
    /// ```
    /// use aludel_core::schema::Computed;
    /// assert!(Computed::stored("a + b").is_stored());
    /// ```
    pub fn stored(sql: impl Into<Cow<'static, str>>) -> Self {
        Computed {
            sql: sql.into(),
            stored: true,
        }
    }

    /// A VIRTUAL generated column (computed on read): MySQL, MariaDB, SQLite; PostgreSQL
    /// only from version 18.
    ///
    /// ```
    /// use aludel_core::schema::Computed;
    /// assert!(!Computed::virtual_("a + b").is_stored());
    /// ```
    pub fn virtual_(sql: impl Into<Cow<'static, str>>) -> Self {
        Computed {
            sql: sql.into(),
            stored: false,
        }
    }

    /// The generation expression, as written.
    ///
    /// ```
    /// use aludel_core::schema::Computed;
    /// assert_eq!(Computed::stored("a + b").sql(), "a + b");
    /// ```
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// Whether the value is STORED (else VIRTUAL).
    ///
    /// ```
    /// use aludel_core::schema::Computed;
    /// assert!(Computed::stored("1").is_stored());
    /// ```
    pub fn is_stored(&self) -> bool {
        self.stored
    }
}

/// A column's definition.
///
/// ```
/// use aludel::prelude::*;
/// #[derive(Table)]
/// struct Users {
///     #[aludel(primary_key)] id: i64,
///     #[aludel(server_default = "CURRENT_TIMESTAMP")] created_at: aludel::value::Timestamp,
/// }
/// let created_at = users::created_at;
/// let def = created_at.def().unwrap();
/// assert_eq!(def.name(), "created_at");
/// assert!(def.server_default().is_some());
/// assert!(!def.is_nullable());
/// ```
#[derive(Clone, Debug)]
pub struct ColumnDef {
    pub(crate) name: Cow<'static, str>,
    pub(crate) data_type: DataType,
    pub(crate) nullable: bool,
    pub(crate) primary_key: bool,
    pub(crate) autoincrement: Autoincrement,
    pub(crate) unique: bool,
    pub(crate) index: bool,
    pub(crate) default: Option<ClientDefault>,
    pub(crate) onupdate: Option<ClientDefault>,
    pub(crate) server_default: Option<ServerDefault>,
    pub(crate) server_onupdate: Option<ServerDefault>,
    /// A generated column's expression.
    pub(crate) computed: Option<Computed>,
    /// Which dialect families need the name quoted (see `reserved::quote_mask`).
    pub(crate) quote: u8,
    /// `table.column`, unquoted: the whole qualified reference in one piece, for the
    /// common case where neither name needs quoting (empty until the table is known).
    pub(crate) qualified: Cow<'static, str>,
}

impl ColumnDef {
    /// A column definition for a `static` (used by `#[derive(Table)]`).
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn __static(
        name: &'static str,
        data_type: DataType,
        nullable: bool,
        primary_key: bool,
        autoincrement: Autoincrement,
        unique: bool,
        index: bool,
        default: Option<fn() -> Value>,
        onupdate: Option<fn() -> Value>,
        server_default: Option<&'static str>,
        server_onupdate: Option<Option<&'static str>>,
        computed: Option<(&'static str, bool)>,
        qualified: &'static str,
    ) -> ColumnDef {
        ColumnDef {
            qualified: Cow::Borrowed(qualified),
            name: Cow::Borrowed(name),
            quote: crate::dialect::reserved::quote_mask(name),
            data_type,
            nullable,
            primary_key,
            autoincrement,
            unique,
            index,
            default: match default {
                Some(f) => Some(ClientDefault::Fn(f)),
                None => None,
            },
            onupdate: match onupdate {
                Some(f) => Some(ClientDefault::Fn(f)),
                None => None,
            },
            server_default: match server_default {
                Some(s) => Some(ServerDefault::Sql(Cow::Borrowed(s))),
                None => None,
            },
            server_onupdate: match server_onupdate {
                Some(Some(s)) => Some(ServerDefault::Sql(Cow::Borrowed(s))),
                Some(None) => Some(ServerDefault::Fetched),
                None => None,
            },
            computed: match computed {
                Some((sql, stored)) => Some(Computed {
                    sql: Cow::Borrowed(sql),
                    stored,
                }),
                None => None,
            },
        }
    }

    /// The column name.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("users")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key())
    ///     .column_with("email", DataType::Varchar(200), |c| c.unique().index())
    ///     .build().unwrap();
    /// assert_eq!(t.def().columns()[1].name(), "email");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The SQL data type.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("users")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key())
    ///     .column_with("email", DataType::Varchar(200), |c| c.unique().index())
    ///     .build().unwrap();
    /// assert_eq!(t.def().columns()[1].data_type(), DataType::Varchar(200));
    /// ```
    pub fn data_type(&self) -> DataType {
        self.data_type
    }
    /// Whether NULL is allowed.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("users")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key())
    ///     .column_with("email", DataType::Varchar(200), |c| c.unique().index())
    ///     .build().unwrap();
    /// assert!(!t.def().columns()[0].is_nullable());
    /// ```
    pub fn is_nullable(&self) -> bool {
        self.nullable
    }
    /// Whether the column is part of the primary key.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("users")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key())
    ///     .column_with("email", DataType::Varchar(200), |c| c.unique().index())
    ///     .build().unwrap();
    /// assert!(t.def().columns()[0].is_primary_key());
    /// ```
    pub fn is_primary_key(&self) -> bool {
        self.primary_key
    }
    /// The autoincrement setting (see [`TableDef::autoincrement_column`] for the resolved one).
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("users")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key())
    ///     .column_with("email", DataType::Varchar(200), |c| c.unique().index())
    ///     .build().unwrap();
    /// assert_eq!(t.def().columns()[0].autoincrement(), Autoincrement::Auto);
    /// ```
    pub fn autoincrement(&self) -> Autoincrement {
        self.autoincrement
    }
    /// Whether the column has a single-column UNIQUE constraint.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("users")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key())
    ///     .column_with("email", DataType::Varchar(200), |c| c.unique().index())
    ///     .build().unwrap();
    /// assert!(t.def().columns()[1].is_unique());
    /// ```
    pub fn is_unique(&self) -> bool {
        self.unique
    }
    /// Whether the column has a single-column index.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("users")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key())
    ///     .column_with("email", DataType::Varchar(200), |c| c.unique().index())
    ///     .build().unwrap();
    /// assert!(t.def().columns()[1].is_indexed());
    /// ```
    pub fn is_indexed(&self) -> bool {
        self.index
    }
    /// The client-side INSERT default.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("users")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key())
    ///     .column_with("email", DataType::Varchar(200), |c| c.unique().index())
    ///     .build().unwrap();
    /// assert!(t.def().columns()[0].default().is_none());
    /// ```
    pub fn default(&self) -> Option<&ClientDefault> {
        self.default.as_ref()
    }
    /// The client-side UPDATE default.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("users")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key())
    ///     .column_with("email", DataType::Varchar(200), |c| c.unique().index())
    ///     .build().unwrap();
    /// assert!(t.def().columns()[0].onupdate().is_none());
    /// ```
    pub fn onupdate(&self) -> Option<&ClientDefault> {
        self.onupdate.as_ref()
    }
    /// The server-side default.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("users")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key())
    ///     .column_with("email", DataType::Varchar(200), |c| c.unique().index())
    ///     .build().unwrap();
    /// assert!(t.def().columns()[0].server_default().is_none());
    /// ```
    pub fn server_default(&self) -> Option<&ServerDefault> {
        self.server_default.as_ref()
    }
    /// The server-side on-update marker.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("users")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key())
    ///     .column_with("email", DataType::Varchar(200), |c| c.unique().index())
    ///     .build().unwrap();
    /// assert!(t.def().columns()[0].server_onupdate().is_none());
    /// ```
    pub fn server_onupdate(&self) -> Option<&ServerDefault> {
        self.server_onupdate.as_ref()
    }
    /// The generation expression of a generated (computed) column.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("items")
    ///     .column("qty", DataType::Integer)
    ///     .column_with("double_qty", DataType::Integer, |c| c.computed(Computed::stored("qty * 2")))
    ///     .build().unwrap();
    /// assert_eq!(t.def().columns()[1].computed().unwrap().sql(), "qty * 2");
    /// assert!(t.def().columns()[0].computed().is_none());
    /// ```
    pub fn computed(&self) -> Option<&Computed> {
        self.computed.as_ref()
    }
}

/// A list of column names: borrowed from a `static` (derive) or owned (runtime builder).
///
/// ```
/// use aludel::schema::NameList;
/// let n = NameList::from_static(&["a", "b"]);
/// assert_eq!(n.iter().collect::<Vec<_>>(), ["a", "b"]);
/// assert_eq!(NameList::from(vec!["x".to_string()]).len(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct NameList(NameListRepr);

#[derive(Clone, Debug)]
enum NameListRepr {
    Static(&'static [&'static str]),
    Owned(Arc<[String]>),
}

impl NameList {
    /// A list borrowed from static names.
    ///
    /// ```
    /// use aludel_core::schema::NameList;
    /// static COLS: NameList = NameList::from_static(&["a", "b"]);
    /// assert_eq!(COLS.len(), 2);
    /// ```
    pub const fn from_static(names: &'static [&'static str]) -> Self {
        NameList(NameListRepr::Static(names))
    }

    /// The names, in order.
    ///
    /// ```
    /// use aludel_core::schema::NameList;
    /// let n = NameList::from(vec!["a", "b"]);
    /// assert_eq!(n.iter().collect::<Vec<_>>(), ["a", "b"]);
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        let (a, b): (&[&'static str], &[String]) = match &self.0 {
            NameListRepr::Static(s) => (s, &[]),
            NameListRepr::Owned(o) => (&[], o),
        };
        NameIter {
            a: a.iter(),
            b: b.iter(),
        }
    }

    /// How many names.
    ///
    /// ```
    /// use aludel_core::schema::NameList;
    /// assert_eq!(NameList::from(["x"]).len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        match &self.0 {
            NameListRepr::Static(s) => s.len(),
            NameListRepr::Owned(o) => o.len(),
        }
    }

    /// Whether the list is empty.
    ///
    /// ```
    /// use aludel_core::schema::NameList;
    /// assert!(NameList::from(Vec::<String>::new()).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

struct NameIter<'a> {
    a: std::slice::Iter<'a, &'static str>,
    b: std::slice::Iter<'a, String>,
}

impl<'a> Iterator for NameIter<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        match self.a.next() {
            Some(s) => Some(s),
            None => self.b.next().map(String::as_str),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.a.len() + self.b.len();
        (n, Some(n))
    }
}

impl ExactSizeIterator for NameIter<'_> {}

impl<S: Into<String>> From<Vec<S>> for NameList {
    fn from(v: Vec<S>) -> Self {
        NameList(NameListRepr::Owned(v.into_iter().map(Into::into).collect()))
    }
}

impl<S: Into<String>, const N: usize> From<[S; N]> for NameList {
    fn from(v: [S; N]) -> Self {
        NameList(NameListRepr::Owned(v.into_iter().map(Into::into).collect()))
    }
}

/// What a foreign key does when the referenced row is deleted or updated.
///
/// ```
/// assert_eq!(aludel::schema::FkAction::SetNull.sql(), "SET NULL");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FkAction {
    /// CASCADE.
    Cascade,
    /// SET NULL.
    SetNull,
    /// SET DEFAULT.
    SetDefault,
    /// RESTRICT.
    Restrict,
    /// NO ACTION.
    NoAction,
}

impl FkAction {
    /// The SQL spelling.
    ///
    /// ```
    /// use aludel_core::schema::FkAction;
    /// assert_eq!(FkAction::Cascade.sql(), "CASCADE");
    /// ```
    pub fn sql(&self) -> &'static str {
        match self {
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
            FkAction::Restrict => "RESTRICT",
            FkAction::NoAction => "NO ACTION",
        }
    }
}

/// The table a foreign key points at.
///
/// ```
/// use aludel::schema::FkTarget;
/// let t = FkTarget::named("users");
/// assert_eq!(t.table_name(), "users");
/// ```
#[derive(Clone)]
pub enum FkTarget {
    /// A static table (derive): a function so that tables may reference each other.
    Static(fn() -> &'static TableDef),
    /// A table by name (runtime builder, or tables not known to Rust).
    Named {
        /// Schema, if any.
        schema: Option<Cow<'static, str>>,
        /// Table name.
        table: Cow<'static, str>,
    },
}

impl FkTarget {
    /// A target by table name.
    ///
    /// ```
    /// use aludel_core::schema::FkTarget;
    /// assert_eq!(FkTarget::named("users").table_name(), "users");
    /// ```
    pub fn named(table: impl Into<Cow<'static, str>>) -> Self {
        FkTarget::Named {
            schema: None,
            table: table.into(),
        }
    }

    /// The target table's name.
    ///
    /// ```
    /// use aludel_core::schema::FkTarget;
    /// assert_eq!(FkTarget::named("orders").table_name(), "orders");
    /// ```
    pub fn table_name(&self) -> &str {
        match self {
            FkTarget::Static(f) => &f().name,
            FkTarget::Named { table, .. } => table,
        }
    }
}

impl fmt::Debug for FkTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FkTarget({})", self.table_name())
    }
}

/// A foreign key constraint.
///
/// ```
/// use aludel::schema::{FkAction, ForeignKeyDef, FkTarget};
/// let fk = ForeignKeyDef::new(["user_id"], FkTarget::named("users"), ["id"]).on_delete(FkAction::Cascade);
/// assert_eq!(fk.columns().iter().collect::<Vec<_>>(), ["user_id"]);
/// assert_eq!(fk.on_delete_action(), Some(FkAction::Cascade));
/// ```
#[derive(Clone, Debug)]
pub struct ForeignKeyDef {
    pub(crate) name: Option<Cow<'static, str>>,
    pub(crate) columns: NameList,
    pub(crate) target: FkTarget,
    pub(crate) ref_columns: NameList,
    pub(crate) on_delete: Option<FkAction>,
    pub(crate) on_update: Option<FkAction>,
}

impl ForeignKeyDef {
    /// `FOREIGN KEY (columns) REFERENCES target (ref_columns)`.
    ///
    /// ```
    /// use aludel_core::schema::{ForeignKeyDef, FkTarget};
    /// let fk = ForeignKeyDef::new(["a", "b"], FkTarget::named("t"), ["x", "y"]);
    /// assert_eq!(fk.ref_columns().len(), 2);
    /// ```
    pub fn new(
        columns: impl Into<NameList>,
        target: FkTarget,
        ref_columns: impl Into<NameList>,
    ) -> Self {
        ForeignKeyDef {
            name: None,
            columns: columns.into(),
            target,
            ref_columns: ref_columns.into(),
            on_delete: None,
            on_update: None,
        }
    }

    /// A foreign key for a `static` (used by `#[derive(Table)]`).
    #[doc(hidden)]
    pub const fn __static(
        name: Option<&'static str>,
        columns: &'static [&'static str],
        target: fn() -> &'static TableDef,
        ref_columns: &'static [&'static str],
        on_delete: Option<FkAction>,
        on_update: Option<FkAction>,
    ) -> Self {
        ForeignKeyDef {
            name: match name {
                Some(n) => Some(Cow::Borrowed(n)),
                None => None,
            },
            columns: NameList::from_static(columns),
            target: FkTarget::Static(target),
            ref_columns: NameList::from_static(ref_columns),
            on_delete,
            on_update,
        }
    }

    /// Sets the constraint name.
    ///
    /// ```
    /// use aludel_core::schema::{ForeignKeyDef, FkTarget};
    /// let fk = ForeignKeyDef::new(["a"], FkTarget::named("t"), ["x"]).named("fk_a");
    /// assert_eq!(fk.name(), Some("fk_a"));
    /// ```
    pub fn named(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// Sets ON DELETE.
    ///
    /// ```
    /// use aludel_core::schema::{FkAction, ForeignKeyDef, FkTarget};
    /// let fk = ForeignKeyDef::new(["a"], FkTarget::named("t"), ["x"]).on_delete(FkAction::SetNull);
    /// assert_eq!(fk.on_delete_action(), Some(FkAction::SetNull));
    /// ```
    pub fn on_delete(mut self, action: FkAction) -> Self {
        self.on_delete = Some(action);
        self
    }
    /// Sets ON UPDATE.
    ///
    /// ```
    /// use aludel_core::schema::{FkAction, ForeignKeyDef, FkTarget};
    /// let fk = ForeignKeyDef::new(["a"], FkTarget::named("t"), ["x"]).on_update(FkAction::Cascade);
    /// assert_eq!(fk.on_update_action(), Some(FkAction::Cascade));
    /// ```
    pub fn on_update(mut self, action: FkAction) -> Self {
        self.on_update = Some(action);
        self
    }
    /// The constraint name.
    ///
    /// ```
    /// use aludel_core::schema::{ForeignKeyDef, FkTarget};
    /// assert_eq!(ForeignKeyDef::new(["a"], FkTarget::named("t"), ["x"]).name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// The referencing columns.
    ///
    /// ```
    /// use aludel_core::schema::{ForeignKeyDef, FkTarget};
    /// let fk = ForeignKeyDef::new(["a"], FkTarget::named("t"), ["x"]);
    /// assert_eq!(fk.columns().iter().collect::<Vec<_>>(), ["a"]);
    /// ```
    pub fn columns(&self) -> &NameList {
        &self.columns
    }
    /// The referenced table.
    ///
    /// ```
    /// use aludel_core::schema::{ForeignKeyDef, FkTarget};
    /// let fk = ForeignKeyDef::new(["a"], FkTarget::named("t"), ["x"]);
    /// assert_eq!(fk.target().table_name(), "t");
    /// ```
    pub fn target(&self) -> &FkTarget {
        &self.target
    }
    /// The referenced columns.
    ///
    /// ```
    /// use aludel_core::schema::{ForeignKeyDef, FkTarget};
    /// let fk = ForeignKeyDef::new(["a"], FkTarget::named("t"), ["x"]);
    /// assert_eq!(fk.ref_columns().iter().collect::<Vec<_>>(), ["x"]);
    /// ```
    pub fn ref_columns(&self) -> &NameList {
        &self.ref_columns
    }
    /// The ON DELETE action.
    ///
    /// ```
    /// use aludel_core::schema::{ForeignKeyDef, FkTarget};
    /// assert_eq!(ForeignKeyDef::new(["a"], FkTarget::named("t"), ["x"]).on_delete_action(), None);
    /// ```
    pub fn on_delete_action(&self) -> Option<FkAction> {
        self.on_delete
    }
    /// The ON UPDATE action.
    ///
    /// ```
    /// use aludel_core::schema::{ForeignKeyDef, FkTarget};
    /// assert_eq!(ForeignKeyDef::new(["a"], FkTarget::named("t"), ["x"]).on_update_action(), None);
    /// ```
    pub fn on_update_action(&self) -> Option<FkAction> {
        self.on_update
    }
}

/// A table-level constraint.
///
/// ```
/// use aludel::schema::Constraint;
/// let c = Constraint::check("price > 0");
/// assert!(matches!(c, Constraint::Check { .. }));
/// ```
#[derive(Clone, Debug)]
pub enum Constraint {
    /// UNIQUE over several columns.
    Unique {
        /// Constraint name.
        name: Option<Cow<'static, str>>,
        /// The columns.
        columns: NameList,
    },
    /// FOREIGN KEY.
    ForeignKey(ForeignKeyDef),
    /// CHECK (sql).
    Check {
        /// Constraint name.
        name: Option<Cow<'static, str>>,
        /// The SQL condition, rendered as-is.
        sql: Cow<'static, str>,
    },
}

impl Constraint {
    /// A UNIQUE constraint over `columns`.
    ///
    /// ```
    /// use aludel_core::schema::Constraint;
    /// assert!(matches!(Constraint::unique(["a", "b"]), Constraint::Unique { .. }));
    /// ```
    pub fn unique(columns: impl Into<NameList>) -> Self {
        Constraint::Unique {
            name: None,
            columns: columns.into(),
        }
    }

    /// A CHECK constraint.
    ///
    /// ```
    /// use aludel_core::schema::Constraint;
    /// assert!(matches!(Constraint::check("a > 0"), Constraint::Check { .. }));
    /// ```
    pub fn check(sql: impl Into<Cow<'static, str>>) -> Self {
        Constraint::Check {
            name: None,
            sql: sql.into(),
        }
    }

    /// The same constraint named `name` (`CONSTRAINT name ...`).
    ///
    /// ```
    /// use aludel_core::schema::Constraint;
    /// assert_eq!(Constraint::check("a > 0").named("ck_a").name(), Some("ck_a"));
    /// ```
    pub fn named(self, name: impl Into<Cow<'static, str>>) -> Self {
        let name = Some(name.into());
        match self {
            Constraint::Unique { columns, .. } => Constraint::Unique { name, columns },
            Constraint::Check { sql, .. } => Constraint::Check { name, sql },
            Constraint::ForeignKey(mut fk) => {
                fk.name = name;
                Constraint::ForeignKey(fk)
            }
        }
    }

    /// The constraint's name, if it has one.
    ///
    /// ```
    /// use aludel_core::schema::Constraint;
    /// assert_eq!(Constraint::unique(["a"]).name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        match self {
            Constraint::Unique { name, .. } | Constraint::Check { name, .. } => name.as_deref(),
            Constraint::ForeignKey(fk) => fk.name.as_deref(),
        }
    }

    /// A UNIQUE constraint for a `static` (used by `#[derive(Table)]`).
    #[doc(hidden)]
    pub const fn __unique(name: Option<&'static str>, columns: &'static [&'static str]) -> Self {
        Constraint::Unique {
            name: match name {
                Some(n) => Some(Cow::Borrowed(n)),
                None => None,
            },
            columns: NameList::from_static(columns),
        }
    }

    /// A CHECK constraint for a `static` (used by `#[derive(Table)]`).
    #[doc(hidden)]
    pub const fn __check(name: Option<&'static str>, sql: &'static str) -> Self {
        Constraint::Check {
            name: match name {
                Some(n) => Some(Cow::Borrowed(n)),
                None => None,
            },
            sql: Cow::Borrowed(sql),
        }
    }
}

/// An index.
///
/// ```
/// use aludel::schema::IndexDef;
/// let ix = IndexDef::new("ix_users_name", ["name"]).unique();
/// assert!(ix.is_unique());
/// ```
#[derive(Clone, Debug)]
pub struct IndexDef {
    pub(crate) name: Cow<'static, str>,
    pub(crate) columns: NameList,
    pub(crate) unique: bool,
}

impl IndexDef {
    /// An index named `name` over `columns`.
    ///
    /// ```
    /// use aludel_core::schema::IndexDef;
    /// assert_eq!(IndexDef::new("ix", ["a", "b"]).columns().len(), 2);
    /// ```
    pub fn new(name: impl Into<Cow<'static, str>>, columns: impl Into<NameList>) -> Self {
        IndexDef {
            name: name.into(),
            columns: columns.into(),
            unique: false,
        }
    }

    /// An index for a `static` (used by `#[derive(Table)]`).
    #[doc(hidden)]
    pub const fn __static(
        name: &'static str,
        columns: &'static [&'static str],
        unique: bool,
    ) -> Self {
        IndexDef {
            name: Cow::Borrowed(name),
            columns: NameList::from_static(columns),
            unique,
        }
    }

    /// Makes it a UNIQUE index.
    ///
    /// ```
    /// use aludel_core::schema::IndexDef;
    /// assert!(IndexDef::new("ix", ["a"]).unique().is_unique());
    /// ```
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// The index name.
    ///
    /// ```
    /// use aludel_core::schema::IndexDef;
    /// assert_eq!(IndexDef::new("ix_a", ["a"]).name(), "ix_a");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The indexed columns.
    ///
    /// ```
    /// use aludel_core::schema::IndexDef;
    /// assert_eq!(IndexDef::new("ix", ["a"]).columns().iter().collect::<Vec<_>>(), ["a"]);
    /// ```
    pub fn columns(&self) -> &NameList {
        &self.columns
    }
    /// Whether it is UNIQUE.
    ///
    /// ```
    /// use aludel_core::schema::IndexDef;
    /// assert!(!IndexDef::new("ix", ["a"]).is_unique());
    /// ```
    pub fn is_unique(&self) -> bool {
        self.unique
    }
}

/// A table's definition: name, columns, keys, constraints, indexes.
///
/// ```
/// use aludel::prelude::*;
/// #[derive(Table)]
/// #[aludel(name = "order items", primary_key(order_id, line))]
/// struct OrderItem { order_id: i64, line: i32, qty: i32 }
///
/// let def = order_item::table.def();
/// assert_eq!(def.name(), "order items");
/// assert_eq!(def.primary_key_columns().map(|c| c.name()).collect::<Vec<_>>(), ["order_id", "line"]);
/// assert!(def.autoincrement_column().is_none()); // composite key: nothing autoincrements
/// ```
#[derive(Debug)]
pub struct TableDef {
    pub(crate) name: Cow<'static, str>,
    pub(crate) schema: Option<Cow<'static, str>>,
    pub(crate) columns: Cow<'static, [ColumnDef]>,
    pub(crate) constraints: Cow<'static, [Constraint]>,
    pub(crate) indexes: Cow<'static, [IndexDef]>,
    /// The primary key's columns in key order (which may differ from table order).
    pub(crate) primary_key: NameList,
    /// 0 for statics (identified by address); a unique id for runtime tables.
    pub(crate) id: u64,
    /// Quoting masks of the name and the schema.
    pub(crate) name_quote: u8,
    pub(crate) schema_quote: u8,
}

impl TableDef {
    /// A table definition for a `static` (used by `#[derive(Table)]`).
    #[doc(hidden)]
    pub const fn __static(
        name: &'static str,
        schema: Option<&'static str>,
        columns: &'static [ColumnDef],
        constraints: &'static [Constraint],
        indexes: &'static [IndexDef],
        primary_key: &'static [&'static str],
    ) -> TableDef {
        TableDef {
            name: Cow::Borrowed(name),
            name_quote: crate::dialect::reserved::quote_mask(name),
            schema_quote: match schema {
                Some(s) => crate::dialect::reserved::quote_mask(s),
                None => 0,
            },
            schema: match schema {
                Some(s) => Some(Cow::Borrowed(s)),
                None => None,
            },
            columns: Cow::Borrowed(columns),
            constraints: Cow::Borrowed(constraints),
            indexes: Cow::Borrowed(indexes),
            primary_key: NameList::from_static(primary_key),
            id: 0,
        }
    }

    /// The table name.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("users")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key())
    ///     .column_with("email", DataType::Varchar(200), |c| c.unique().index())
    ///     .build().unwrap();
    /// assert_eq!(t.def().name(), "users");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The schema (PostgreSQL schema, MySQL database, SQLite attached database), if any.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("users")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key())
    ///     .column_with("email", DataType::Varchar(200), |c| c.unique().index())
    ///     .build().unwrap();
    /// assert_eq!(t.def().schema(), None);
    /// ```
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// `schema.name` or `name`, unquoted, for messages.
    ///
    /// ```
    /// use aludel_core::{schema::TableBuilder, DataType};
    /// let t = TableBuilder::new("users").schema("app").column("id", DataType::BigInt).build().unwrap();
    /// assert_eq!(t.def().qualified_name(), "app.users");
    /// ```
    pub fn qualified_name(&self) -> String {
        match &self.schema {
            Some(s) => format!("{s}.{}", self.name),
            None => self.name.to_string(),
        }
    }

    /// The columns in declaration order.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("users")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key())
    ///     .column_with("email", DataType::Varchar(200), |c| c.unique().index())
    ///     .build().unwrap();
    /// assert_eq!(t.def().columns().len(), 2);
    /// ```
    pub fn columns(&self) -> &[ColumnDef] {
        &self.columns
    }

    /// The column called `name`.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("users")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key())
    ///     .column_with("email", DataType::Varchar(200), |c| c.unique().index())
    ///     .build().unwrap();
    /// assert!(t.def().column("email").is_some());
    /// assert!(t.def().column("nope").is_none());
    /// ```
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The primary-key columns in key order: as listed by `primary_key(..)` (struct
    /// attribute or [`TableBuilder::primary_key`](super::TableBuilder::primary_key)), else
    /// in declaration order.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("lines")
    ///     .column("line", DataType::Integer)
    ///     .column("order_no", DataType::BigInt)
    ///     .primary_key(["order_no", "line"])
    ///     .build().unwrap();
    /// assert_eq!(t.def().primary_key_columns().map(|c| c.name()).collect::<Vec<_>>(), ["order_no", "line"]);
    /// ```
    pub fn primary_key_columns(&self) -> impl Iterator<Item = &ColumnDef> {
        self.primary_key.iter().filter_map(|n| self.column(n))
    }

    /// The column the database fills with an autoincrement key when an INSERT leaves it
    /// out, by SQLAlchemy's rule (see [`Autoincrement::Auto`]).
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("users")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key())
    ///     .column_with("email", DataType::Varchar(200), |c| c.unique().index())
    ///     .build().unwrap();
    /// assert_eq!(t.def().autoincrement_column().unwrap().1.name(), "id");
    /// // A key that is also a foreign key takes its value from the row it refers to.
    /// let profiles = TableBuilder::new("profiles")
    ///     .column_with("user_id", DataType::BigInt, |c| c.primary_key())
    ///     .foreign_key(ForeignKeyDef::new(["user_id"], FkTarget::named("users"), ["id"]))
    ///     .build().unwrap();
    /// assert!(profiles.def().autoincrement_column().is_none());
    /// ```
    pub fn autoincrement_column(&self) -> Option<(usize, &ColumnDef)> {
        let mut pk = self
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.primary_key);
        let explicit = self
            .columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.autoincrement == Autoincrement::Yes);
        if explicit.is_some() {
            return explicit;
        }
        let first = pk.next()?;
        if pk.next().is_some() {
            return None;
        }
        let c = first.1;
        let foreign = self.constraints.iter().any(
            |k| matches!(k, Constraint::ForeignKey(fk) if fk.columns.iter().any(|n| n == c.name)),
        );
        (c.autoincrement == Autoincrement::Auto
            && c.data_type.is_integer()
            && c.default.is_none()
            && c.server_default.is_none()
            && c.computed.is_none()
            && !foreign)
            .then_some(first)
    }

    /// The table-level constraints (composite UNIQUE, FOREIGN KEY, CHECK).
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("users")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key())
    ///     .column_with("email", DataType::Varchar(200), |c| c.unique().index())
    ///     .build().unwrap();
    /// assert!(t.def().constraints().is_empty());
    /// ```
    pub fn constraints(&self) -> &[Constraint] {
        &self.constraints
    }

    /// Every index of the table: those it declares ([`TableDef::indexes`]) and one per
    /// column marked `index`, named `ix_<table>_<column>` (UNIQUE when the column is also
    /// marked `unique`: the unique index is then its UNIQUE constraint).
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("users")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key())
    ///     .column_with("email", DataType::Varchar(200), |c| c.unique().index())
    ///     .index(IndexDef::new("ix_users_id_email", ["id", "email"]))
    ///     .build().unwrap();
    /// let all = t.def().all_indexes();
    /// assert_eq!(all.iter().map(|i| i.name()).collect::<Vec<_>>(), ["ix_users_id_email", "ix_users_email"]);
    /// assert!(all[1].is_unique());
    /// ```
    pub fn all_indexes(&self) -> Vec<IndexDef> {
        let mut out: Vec<IndexDef> = self.indexes.to_vec();
        for c in self.columns.iter().filter(|c| c.index) {
            out.push(IndexDef {
                name: Cow::Owned(format!("ix_{}_{}", self.name, c.name)),
                columns: NameList::from(vec![c.name.to_string()]),
                unique: c.unique,
            });
        }
        out
    }

    /// The indexes.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("users")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key())
    ///     .column_with("email", DataType::Varchar(200), |c| c.unique().index())
    ///     .build().unwrap();
    /// assert!(t.def().indexes().is_empty());
    /// ```
    pub fn indexes(&self) -> &[IndexDef] {
        &self.indexes
    }
}
