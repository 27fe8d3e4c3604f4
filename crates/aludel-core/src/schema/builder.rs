//! Runtime table builder: tables known only at run time.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::DynTable;
use super::def::{
    Autoincrement, ClientDefault, ColumnDef, Computed, Constraint, ForeignKeyDef, IndexDef,
    NameList, ServerDefault, TableDef,
};
use crate::types::DataType;
use crate::value::Value;

/// A schema definition or lookup went wrong.
///
/// ```
/// use aludel::{schema::{SchemaError, TableBuilder}, DataType};
/// let err = TableBuilder::new("t").column("a", DataType::Integer).column("a", DataType::Text).build();
/// assert!(matches!(err, Err(SchemaError::DuplicateColumn { .. })));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// A table or column name is empty.
    #[error("table or column name is empty")]
    EmptyName,
    /// The table has no columns.
    #[error("table {table} has no columns")]
    NoColumns {
        /// The table.
        table: String,
    },
    /// Two columns share a name.
    #[error("table {table} defines column {column} twice")]
    DuplicateColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column name does not exist in the table.
    #[error("table {table} has no column {column}")]
    UnknownColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column's options contradict each other.
    #[error("column {table}.{column}: {reason}")]
    InvalidColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A typed lookup asked for a type the column does not have.
    #[error(
        "column {table}.{column} is {declared}, which is not the requested Rust type {requested}"
    )]
    TypeMismatch {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its declared type.
        declared: String,
        /// The Rust type asked for.
        requested: String,
    },
}

static NEXT_TABLE_ID: AtomicU64 = AtomicU64::new(1);

/// Builds a [`DynTable`] at run time.
///
/// Columns are NOT NULL unless marked [`ColumnBuilder::nullable`], like non-`Option` fields
/// of a derived table. Each built table gets a unique identity: build a table once and
/// reuse it, since statements over two separately built copies do not share cache entries.
///
/// ```
/// use aludel::{prelude::*, schema::{TableBuilder, ServerDefault}, DataType};
/// let t = TableBuilder::new("documents")
///     .schema("app")
///     .column("id", DataType::BigInt)
///     .column_with("title", DataType::Varchar(200), |c| c.unique())
///     .column_with("body", DataType::Text, |c| c.nullable())
///     .column_with("created_at", DataType::Timestamp, |c| c.server_default(ServerDefault::sql("CURRENT_TIMESTAMP")))
///     .primary_key(["id"])
///     .build()
///     .unwrap();
/// assert_eq!(t.def().qualified_name(), "app.documents");
/// assert_eq!(t.def().autoincrement_column().unwrap().1.name(), "id");
/// ```
#[derive(Debug)]
pub struct TableBuilder {
    name: Cow<'static, str>,
    schema: Option<Cow<'static, str>>,
    columns: Vec<ColumnDef>,
    primary_key: Option<Vec<String>>,
    constraints: Vec<Constraint>,
    indexes: Vec<IndexDef>,
}

impl TableBuilder {
    /// Starts a table called `name`.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("events").column("id", DataType::BigInt).build().unwrap();
    /// assert_eq!(t.def().name(), "events");
    /// ```
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        TableBuilder {
            name: name.into(),
            schema: None,
            columns: Vec::new(),
            primary_key: None,
            constraints: Vec::new(),
            indexes: Vec::new(),
        }
    }

    /// Puts the table in `schema`.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("events").schema("audit").column("id", DataType::BigInt).build().unwrap();
    /// assert_eq!(t.def().schema(), Some("audit"));
    /// ```
    pub fn schema(mut self, schema: impl Into<Cow<'static, str>>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// Adds a NOT NULL column.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("t").column("n", DataType::Integer).build().unwrap();
    /// assert!(!t.def().column("n").unwrap().is_nullable());
    /// ```
    pub fn column(self, name: impl Into<Cow<'static, str>>, data_type: DataType) -> Self {
        self.column_with(name, data_type, |c| c)
    }

    /// Adds a column configured by `f`.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("t").column_with("n", DataType::Integer, |c| c.nullable().index()).build().unwrap();
    /// assert!(t.def().column("n").unwrap().is_indexed());
    /// ```
    pub fn column_with(
        mut self,
        name: impl Into<Cow<'static, str>>,
        data_type: DataType,
        f: impl FnOnce(ColumnBuilder) -> ColumnBuilder,
    ) -> Self {
        let name = name.into();
        let base = ColumnBuilder {
            def: ColumnDef {
                quote: crate::dialect::reserved::quote_mask(&name),
                name,
                data_type,
                nullable: false,
                primary_key: false,
                autoincrement: Autoincrement::Auto,
                unique: false,
                index: false,
                default: None,
                onupdate: None,
                server_default: None,
                server_onupdate: None,
                computed: None,
                qualified: Cow::Borrowed(""),
            },
        };
        self.columns.push(f(base).def);
        self
    }

    /// Sets the primary key (one or more columns; replaces columns marked primary key).
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("t").column("a", DataType::Integer).column("b", DataType::Integer)
    ///     .primary_key(["a", "b"]).build().unwrap();
    /// assert_eq!(t.def().primary_key_columns().count(), 2);
    /// ```
    pub fn primary_key<S: Into<String>>(mut self, columns: impl IntoIterator<Item = S>) -> Self {
        self.primary_key = Some(columns.into_iter().map(Into::into).collect());
        self
    }

    /// Adds a constraint (UNIQUE, FOREIGN KEY, CHECK).
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("t").column("price", DataType::Integer)
    ///     .constraint(Constraint::check("price > 0")).build().unwrap();
    /// assert_eq!(t.def().constraints().len(), 1);
    /// ```
    pub fn constraint(mut self, constraint: Constraint) -> Self {
        self.constraints.push(constraint);
        self
    }

    /// Adds a foreign key.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("posts").column("user_id", DataType::BigInt)
    ///     .foreign_key(ForeignKeyDef::new(["user_id"], FkTarget::named("users"), ["id"]))
    ///     .build().unwrap();
    /// assert!(matches!(t.def().constraints()[0], Constraint::ForeignKey(_)));
    /// ```
    pub fn foreign_key(self, fk: ForeignKeyDef) -> Self {
        self.constraint(Constraint::ForeignKey(fk))
    }

    /// Adds an index.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("t").column("a", DataType::Text)
    ///     .index(IndexDef::new("ix_t_a", ["a"])).build().unwrap();
    /// assert_eq!(t.def().indexes()[0].name(), "ix_t_a");
    /// ```
    pub fn index(mut self, index: IndexDef) -> Self {
        self.indexes.push(index);
        self
    }

    /// Checks the definition and builds the table.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// assert!(TableBuilder::new("t").build().is_err()); // no columns
    /// let computed_default = TableBuilder::new("t").column("a", DataType::Integer)
    ///     .column_with("b", DataType::Integer, |c| c.computed(Computed::stored("a")).default_value(1))
    ///     .build();
    /// assert!(matches!(computed_default, Err(SchemaError::InvalidColumn { .. })));
    /// let bad = TableBuilder::new("t").column("a", DataType::Text).primary_key(["b"]).build();
    /// assert!(matches!(bad, Err(SchemaError::UnknownColumn { .. })));
    /// ```
    pub fn build(mut self) -> Result<DynTable, SchemaError> {
        if self.name.is_empty() {
            return Err(SchemaError::EmptyName);
        }
        if self.columns.is_empty() {
            return Err(SchemaError::NoColumns {
                table: self.name.to_string(),
            });
        }
        for (i, c) in self.columns.iter().enumerate() {
            if c.name.is_empty() {
                return Err(SchemaError::EmptyName);
            }
            if self.columns[..i].iter().any(|o| o.name == c.name) {
                return Err(SchemaError::DuplicateColumn {
                    table: self.name.to_string(),
                    column: c.name.to_string(),
                });
            }
            if c.computed.is_some()
                && (c.default.is_some()
                    || c.onupdate.is_some()
                    || c.server_default.is_some()
                    || c.server_onupdate.is_some()
                    || c.autoincrement == Autoincrement::Yes)
            {
                return Err(SchemaError::InvalidColumn {
                    table: self.name.to_string(),
                    column: c.name.to_string(),
                    reason: "a computed column gets its value from its expression: it cannot also have a default, onupdate, server_default, server_onupdate or autoincrement",
                });
            }
        }
        for c in &mut self.columns {
            c.qualified = Cow::Owned(format!("{}.{}", self.name, c.name));
        }
        let table = self.name.to_string();
        let unknown = |column: &str| SchemaError::UnknownColumn {
            table: table.clone(),
            column: column.to_owned(),
        };
        if let Some(pk) = &self.primary_key {
            for (i, name) in pk.iter().enumerate() {
                if !self.columns.iter().any(|c| c.name == *name) {
                    return Err(unknown(name));
                }
                if pk[..i].contains(name) {
                    return Err(SchemaError::InvalidColumn {
                        table: table.clone(),
                        column: name.to_string(),
                        reason: "listed twice in the primary key",
                    });
                }
            }
            for c in &mut self.columns {
                c.primary_key = pk.iter().any(|n| *n == c.name);
            }
        }
        let check_names = |names: &NameList| -> Result<(), SchemaError> {
            match names
                .iter()
                .find(|n| !self.columns.iter().any(|c| c.name == *n))
            {
                Some(n) => Err(unknown(n)),
                None => Ok(()),
            }
        };
        let primary_key = NameList::from(match &self.primary_key {
            Some(pk) => pk.clone(),
            None => self
                .columns
                .iter()
                .filter(|c| c.primary_key)
                .map(|c| c.name.to_string())
                .collect(),
        });
        for c in &self.constraints {
            match c {
                Constraint::Unique { columns, .. } => check_names(columns)?,
                Constraint::ForeignKey(fk) => check_names(&fk.columns)?,
                Constraint::Check { .. } => {}
            }
        }
        for ix in &self.indexes {
            check_names(&ix.columns)?;
        }
        Ok(DynTable {
            def: Arc::new(TableDef {
                name_quote: crate::dialect::reserved::quote_mask(&self.name),
                schema_quote: self
                    .schema
                    .as_deref()
                    .map_or(0, crate::dialect::reserved::quote_mask),
                name: self.name,
                schema: self.schema,
                columns: Cow::Owned(self.columns),
                constraints: Cow::Owned(self.constraints),
                indexes: Cow::Owned(self.indexes),
                primary_key,
                id: NEXT_TABLE_ID.fetch_add(1, Ordering::Relaxed),
            }),
        })
    }
}

/// Configures one column of a [`TableBuilder`].
///
/// ```
/// use aludel::{schema::TableBuilder, DataType, Value};
/// let t = TableBuilder::new("t")
///     .column_with("id", DataType::Integer, |c| c.primary_key())
///     .column_with("status", DataType::Text, |c| c.default_value("new"))
///     .build()
///     .unwrap();
/// assert_eq!(t.def().column("status").unwrap().default().unwrap().evaluate(), Value::from("new"));
/// ```
#[derive(Debug)]
pub struct ColumnBuilder {
    def: ColumnDef,
}

impl ColumnBuilder {
    /// Allows NULL.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("t").column_with("a", DataType::Text, |c| c.nullable()).build().unwrap();
    /// assert!(t.def().column("a").unwrap().is_nullable());
    /// ```
    pub fn nullable(mut self) -> Self {
        self.def.nullable = true;
        self
    }
    /// Makes the column (part of) the primary key.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("t").column_with("id", DataType::BigInt, |c| c.primary_key()).build().unwrap();
    /// assert!(t.def().column("id").unwrap().is_primary_key());
    /// ```
    pub fn primary_key(mut self) -> Self {
        self.def.primary_key = true;
        self
    }
    /// Sets the autoincrement behaviour.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("t")
    ///     .column_with("id", DataType::BigInt, |c| c.primary_key().autoincrement(Autoincrement::No))
    ///     .build().unwrap();
    /// assert!(t.def().autoincrement_column().is_none());
    /// ```
    pub fn autoincrement(mut self, a: Autoincrement) -> Self {
        self.def.autoincrement = a;
        self
    }
    /// Adds a single-column UNIQUE constraint.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("t").column_with("email", DataType::Text, |c| c.unique()).build().unwrap();
    /// assert!(t.def().column("email").unwrap().is_unique());
    /// ```
    pub fn unique(mut self) -> Self {
        self.def.unique = true;
        self
    }
    /// Adds a single-column index.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("t").column_with("a", DataType::Text, |c| c.index()).build().unwrap();
    /// assert!(t.def().column("a").unwrap().is_indexed());
    /// ```
    pub fn index(mut self) -> Self {
        self.def.index = true;
        self
    }
    /// A client-side INSERT default.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// use aludel_core::Value;
    /// let t = TableBuilder::new("t")
    ///     .column_with("n", DataType::Integer, |c| c.default(ClientDefault::new(|| Value::I32(7))))
    ///     .build().unwrap();
    /// assert_eq!(t.def().column("n").unwrap().default().unwrap().evaluate(), Value::I32(7));
    /// ```
    pub fn default(mut self, d: ClientDefault) -> Self {
        self.def.default = Some(d);
        self
    }
    /// A constant client-side INSERT default.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// use aludel_core::Value;
    /// let t = TableBuilder::new("t").column_with("s", DataType::Text, |c| c.default_value("new")).build().unwrap();
    /// assert_eq!(t.def().column("s").unwrap().default().unwrap().evaluate(), Value::from("new"));
    /// ```
    pub fn default_value(self, v: impl Into<Value>) -> Self {
        let v = v.into();
        self.default(ClientDefault::new(move || v.clone()))
    }
    /// A client-side UPDATE default.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// use aludel_core::Value;
    /// let t = TableBuilder::new("t")
    ///     .column_with("s", DataType::Text, |c| c.onupdate(ClientDefault::new(|| Value::from("edited"))))
    ///     .build().unwrap();
    /// assert!(t.def().column("s").unwrap().onupdate().is_some());
    /// ```
    pub fn onupdate(mut self, d: ClientDefault) -> Self {
        self.def.onupdate = Some(d);
        self
    }
    /// A server-side default.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("t")
    ///     .column_with("at", DataType::Timestamp, |c| c.server_default(ServerDefault::sql("CURRENT_TIMESTAMP")))
    ///     .build().unwrap();
    /// assert!(t.def().column("at").unwrap().server_default().is_some());
    /// ```
    pub fn server_default(mut self, d: ServerDefault) -> Self {
        self.def.server_default = Some(d);
        self
    }
    /// A server-side on-update value.
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("t")
    ///     .column_with("v", DataType::BigInt, |c| c.server_onupdate(ServerDefault::Fetched))
    ///     .build().unwrap();
    /// assert_eq!(t.def().column("v").unwrap().server_onupdate(), Some(&ServerDefault::Fetched));
    /// ```
    pub fn server_onupdate(mut self, d: ServerDefault) -> Self {
        self.def.server_onupdate = Some(d);
        self
    }
    /// Makes it a generated column: the database computes it from the row (see
    /// [`Computed`]).
    ///
    /// ```
    /// use aludel_core::{schema::*, DataType};
    /// let t = TableBuilder::new("t")
    ///     .column("a", DataType::Integer)
    ///     .column_with("b", DataType::Integer, |c| c.computed(Computed::virtual_("a + 1")))
    ///     .build().unwrap();
    /// assert!(t.def().column("b").unwrap().computed().is_some());
    /// ```
    pub fn computed(mut self, c: Computed) -> Self {
        self.def.computed = Some(c);
        self
    }
}
