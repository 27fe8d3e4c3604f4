//! Statement results: rows (decoded into tuples, structs or scalars), mappings and the
//! affected-row count.

use std::sync::Arc;

use aludel_core::Value;

use crate::decode::{FromRow, FromValue, RowValues};
use crate::error::{Error, Result};

/// The result of executing a statement: its rows (fetched), or the number of rows it
/// changed.
///
/// ```
/// # use aludel_engine::blocking::Connection;
/// use aludel_core::prelude::*;
/// let mut conn = Connection::open("sqlite::memory:").unwrap();
/// let r = conn.execute(&text("SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, 'y'")).unwrap();
/// assert_eq!(r.columns(), ["a", "b"]);
/// let rows: Vec<(i64, String)> = r.all().unwrap();
/// assert_eq!(rows, [(1, "x".to_owned()), (2, "y".to_owned())]);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResultSet {
    columns: Arc<[String]>,
    /// Row-major values.
    values: Vec<Value>,
    rows_affected: u64,
    /// The auto-increment id the server reported for an INSERT (MySQL, SQLite).
    insert_id: Option<u64>,
    /// What `return_defaults()` brought back.
    defaults: Option<Box<Defaults>>,
}

/// The rows of generated values a `return_defaults()` statement brought back.
#[derive(Clone, Debug, Default, PartialEq)]
struct Defaults {
    columns: Arc<[String]>,
    /// Row-major values.
    values: Vec<Value>,
    /// The primary-key columns among `columns`.
    primary_key: Vec<String>,
}

impl ResultSet {
    pub(crate) fn new(columns: Arc<[String]>, values: Vec<Value>, rows_affected: u64) -> Self {
        ResultSet {
            columns,
            values,
            rows_affected,
            insert_id: None,
            defaults: None,
        }
    }

    /// Records the server's auto-increment id for the statement (MySQL, SQLite).
    #[cfg_attr(not(any(feature = "sqlite", feature = "mysql")), allow(dead_code))]
    pub(crate) fn with_insert_id(mut self, id: Option<u64>) -> Self {
        self.insert_id = id;
        self
    }

    /// The server's auto-increment id for the INSERT, if it reported one.
    pub(crate) fn insert_id(&self) -> Option<u64> {
        self.insert_id
    }

    /// Sorts the rows by the integer in column `k` (the auto-increment key of a
    /// multi-row INSERT's RETURNING: insertion order, which is input order).
    pub(crate) fn sort_rows_by_int(&mut self, k: usize) {
        let width = self.columns.len();
        if width == 0 || k >= width || self.values.len() <= width {
            return;
        }
        let key = |row: &[Value]| match &row[k] {
            Value::I64(v) => *v,
            Value::I32(v) => i64::from(*v),
            Value::I16(v) => i64::from(*v),
            _ => i64::MAX,
        };
        let mut rows: Vec<&[Value]> = self.values.chunks(width).collect();
        if rows.windows(2).all(|w| key(w[0]) <= key(w[1])) {
            return;
        }
        rows.sort_by_key(|r| key(r));
        self.values = rows.into_iter().flatten().cloned().collect();
    }

    /// Turns this statement's rows (RETURNING of `return_defaults()`) into its returned
    /// defaults; the result then has no rows of its own.
    pub(crate) fn rows_into_defaults(mut self, primary_key: &[String]) -> Self {
        let columns = std::mem::take(&mut self.columns);
        let values = std::mem::take(&mut self.values);
        self.defaults = Some(Box::new(Defaults {
            columns,
            values,
            primary_key: primary_key.to_vec(),
        }));
        self
    }

    /// Takes `fetched`'s rows (the follow-up SELECT of `return_defaults()`) as this
    /// result's returned defaults.
    pub(crate) fn set_defaults(&mut self, fetched: ResultSet, primary_key: &[String]) {
        self.defaults = Some(Box::new(Defaults {
            columns: fetched.columns,
            values: fetched.values,
            primary_key: primary_key.to_vec(),
        }));
    }

    /// The generated values `return_defaults()` brought back for the (first) row:
    /// primary key, server defaults, client defaults, `onupdate` / `server_onupdate`
    /// columns, as column name -> value. `None` without `return_defaults()`, or when no
    /// row was written (an UPDATE that matched nothing).
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// use aludel::prelude::*;
    /// #[derive(Table)]
    /// struct Notes { #[aludel(primary_key)] id: i64, body: String,
    ///                #[aludel(server_default = "'draft'")] state: String }
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// conn.execute(&text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'draft')")).unwrap();
    /// let r = conn.execute(&insert(notes::table).values(notes::body.set("hi")).return_defaults()).unwrap();
    /// let d = r.returned_defaults().unwrap();
    /// assert_eq!(d.get("id"), Some(&Value::I64(1)));
    /// assert_eq!(d.get("state"), Some(&Value::from("draft")));
    /// assert_eq!(r.inserted_primary_key(), Some(vec![Value::I64(1)]));
    /// ```
    pub fn returned_defaults(&self) -> Option<Mapping> {
        self.returned_defaults_rows().into_iter().next()
    }

    /// Like [`ResultSet::returned_defaults`], one mapping per written row (a multi-row
    /// INSERT with RETURNING, `execute_many`), in input order.
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// use aludel::prelude::*;
    /// #[derive(Table)]
    /// struct Notes { #[aludel(primary_key)] id: i64, body: String }
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// conn.execute(&text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")).unwrap();
    /// let s = insert(notes::table).values_many(["a", "b"].map(|b| notes::body.set(b))).return_defaults();
    /// let ids: Vec<_> = conn.execute(&s).unwrap().returned_defaults_rows().iter().map(|m| m.get("id").cloned()).collect();
    /// assert_eq!(ids, [Some(Value::I64(1)), Some(Value::I64(2))]);
    /// ```
    pub fn returned_defaults_rows(&self) -> Vec<Mapping> {
        let Some(d) = &self.defaults else {
            return Vec::new();
        };
        let width = d.columns.len();
        if width == 0 {
            return Vec::new();
        }
        d.values
            .chunks(width)
            .map(|row| Mapping {
                columns: d.columns.clone(),
                values: row.to_vec(),
            })
            .collect()
    }

    /// The (first) row's returned defaults decoded into `T`, in the order of the
    /// statement's `returns_defaults()` columns (table order).
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// use aludel::prelude::*;
    /// #[derive(Table)]
    /// struct Notes { #[aludel(primary_key)] id: i64, body: String,
    ///                #[aludel(server_default = "'draft'")] state: String }
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// conn.execute(&text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'draft')")).unwrap();
    /// let r = conn.execute(&insert(notes::table).values(notes::body.set("hi")).return_defaults()).unwrap();
    /// let (id, state): (i64, String) = r.returned_defaults_as().unwrap().unwrap();
    /// assert_eq!((id, state.as_str()), (1, "draft"));
    /// ```
    pub fn returned_defaults_as<T: FromRow>(&self) -> Result<Option<T>> {
        let Some(d) = &self.defaults else {
            return Ok(None);
        };
        let width = d.columns.len();
        if width == 0 || d.values.len() < width {
            return Ok(None);
        }
        let mut values = d.values[..width].to_vec();
        T::from_row(&mut RowValues::new(&d.columns, &mut values)).map(Some)
    }

    /// The primary key of the (first) row `return_defaults()` wrote, in the table's
    /// key-column order.
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// use aludel::prelude::*;
    /// #[derive(Table)]
    /// struct Notes { #[aludel(primary_key)] id: i64, body: String }
    /// let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// conn.execute(&text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")).unwrap();
    /// let r = conn.execute(&insert(notes::table).values(notes::body.set("x")).return_defaults()).unwrap();
    /// assert_eq!(r.inserted_primary_key(), Some(vec![Value::I64(1)]));
    /// ```
    pub fn inserted_primary_key(&self) -> Option<Vec<Value>> {
        let d = self.defaults.as_ref()?;
        let row = self.returned_defaults()?;
        d.primary_key.iter().map(|k| row.get(k).cloned()).collect()
    }

    /// Appends the rows and the affected-row count of another execution of the same
    /// statement (`execute_many`).
    pub(crate) fn append(&mut self, other: ResultSet) {
        if self.columns.is_empty() {
            self.columns = other.columns;
        }
        if self.values.is_empty() {
            self.values = other.values;
        } else {
            self.values.extend(other.values);
        }
        self.rows_affected += other.rows_affected;
        self.insert_id = other.insert_id.or(self.insert_id);
        match (&mut self.defaults, other.defaults) {
            (Some(mine), Some(theirs)) => mine.values.extend(theirs.values),
            (mine @ None, theirs) => *mine = theirs,
            (Some(_), None) => {}
        }
    }

    /// The result's column names.
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let r = conn.execute(&aludel_core::text("SELECT 1 AS n")).unwrap();
    /// assert_eq!(r.columns(), ["n"]);
    /// ```
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The number of rows returned.
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// assert_eq!(conn.execute(&aludel_core::text("SELECT 1")).unwrap().len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.values
            .len()
            .checked_div(self.columns.len())
            .unwrap_or(0)
    }

    /// Whether no rows were returned.
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// assert!(conn.execute(&aludel_core::text("SELECT 1 WHERE 1 = 0")).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of rows the statement inserted, updated or deleted (as the database
    /// reports it; MySQL counts rows *matched*, aludel asks for that).
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// conn.execute(&aludel_core::text("CREATE TABLE t (x INTEGER)")).unwrap();
    /// let r = conn.execute(&aludel_core::text("INSERT INTO t VALUES (1), (2)")).unwrap();
    /// assert_eq!(r.rows_affected(), 2);
    /// ```
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }

    fn rows(self) -> impl Iterator<Item = (Arc<[String]>, Vec<Value>)> {
        let width = self.columns.len().max(1);
        let columns = self.columns;
        let mut values = self.values.into_iter();
        std::iter::from_fn(move || {
            let row: Vec<Value> = values.by_ref().take(width).collect();
            (!row.is_empty()).then(|| (columns.clone(), row))
        })
    }

    /// Every row, decoded into `T` (a tuple, a `#[derive(FromRow)]` struct or a single
    /// value).
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let r = conn.execute(&aludel_core::text("SELECT 1 UNION ALL SELECT 2")).unwrap();
    /// assert_eq!(r.all::<i64>().unwrap(), [1, 2]);
    /// ```
    pub fn all<T: FromRow>(self) -> Result<Vec<T>> {
        let width = self.columns.len();
        if width == 0 {
            return Ok(Vec::new());
        }
        let rows = self.values.len() / width;
        let mut out = Vec::with_capacity(rows);
        let mut values = self.values.into_iter();
        let mut scratch = Vec::new();
        for _ in 0..rows {
            out.push(T::from_row_values(
                &self.columns,
                &mut values,
                &mut scratch,
            )?);
        }
        Ok(out)
    }

    /// The first row, if any (the others are discarded).
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let r = conn.execute(&aludel_core::text("SELECT 'a' UNION ALL SELECT 'b'")).unwrap();
    /// assert_eq!(r.first::<String>().unwrap().as_deref(), Some("a"));
    /// ```
    pub fn first<T: FromRow>(mut self) -> Result<Option<T>> {
        let width = self.columns.len();
        if width == 0 || self.values.len() < width {
            return Ok(None);
        }
        let row = &mut self.values[..width];
        T::from_row(&mut RowValues::new(&self.columns, row)).map(Some)
    }

    /// Exactly one row: [`Error::NoResultFound`] when there is none,
    /// [`Error::MultipleResultsFound`] when there are more.
    ///
    /// ```
    /// # use aludel_engine::{blocking::Connection, Error};
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let none = conn.execute(&aludel_core::text("SELECT 1 WHERE 0")).unwrap();
    /// assert!(matches!(none.one::<i64>(), Err(Error::NoResultFound)));
    /// ```
    pub fn one<T: FromRow>(self) -> Result<T> {
        self.one_or_none()?.ok_or(Error::NoResultFound)
    }

    /// One row or none: [`Error::MultipleResultsFound`] when there are more.
    ///
    /// ```
    /// # use aludel_engine::{blocking::Connection, Error};
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let two = conn.execute(&aludel_core::text("SELECT 1 UNION ALL SELECT 2")).unwrap();
    /// assert!(matches!(two.one_or_none::<i64>(), Err(Error::MultipleResultsFound)));
    /// ```
    pub fn one_or_none<T: FromRow>(self) -> Result<Option<T>> {
        if self.len() > 1 {
            return Err(Error::MultipleResultsFound);
        }
        self.first()
    }

    /// The first column of the first row, or `None` when there are no rows (a NULL
    /// decodes as `T` does: use `Option<T>` to accept it).
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let r = conn.execute(&aludel_core::text("SELECT 42, 'ignored'")).unwrap();
    /// assert_eq!(r.scalar::<i64>().unwrap(), Some(42));
    /// ```
    pub fn scalar<T: FromValue>(mut self) -> Result<Option<T>> {
        let width = self.columns.len();
        if width == 0 || self.values.len() < width {
            return Ok(None);
        }
        let row = &mut self.values[..width];
        RowValues::new(&self.columns, row).take(0).map(Some)
    }

    /// The first column of every row.
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let r = conn.execute(&aludel_core::text("SELECT 1, 'x' UNION ALL SELECT 2, 'y'")).unwrap();
    /// assert_eq!(r.scalars::<i64>().unwrap(), [1, 2]);
    /// ```
    pub fn scalars<T: FromValue>(self) -> Result<Vec<T>> {
        self.rows()
            .map(|(columns, mut row)| RowValues::new(&columns, &mut row).take(0))
            .collect()
    }

    /// Every row as a mapping from column name to value.
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// use aludel_core::Value;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let r = conn.execute(&aludel_core::text("SELECT 1 AS id, 'ed' AS name")).unwrap();
    /// let m = r.mappings();
    /// assert_eq!(m[0].get("name"), Some(&Value::from("ed")));
    /// ```
    pub fn mappings(self) -> Vec<Mapping> {
        self.rows()
            .map(|(columns, values)| Mapping { columns, values })
            .collect()
    }
}

/// One result row as column name -> value, in column order.
///
/// ```
/// # use aludel_engine::blocking::Connection;
/// # let mut conn = Connection::open("sqlite::memory:").unwrap();
/// let m = conn.execute(&aludel_core::text("SELECT 1 AS a, 2 AS b")).unwrap().mappings();
/// let names: Vec<&str> = m[0].iter().map(|(k, _)| k).collect();
/// assert_eq!(names, ["a", "b"]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Mapping {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

impl Mapping {
    /// The value of column `name` (the first one, if several have that name).
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let m = conn.execute(&aludel_core::text("SELECT NULL AS a")).unwrap().mappings();
    /// assert_eq!(m[0].get("a"), Some(&aludel_core::Value::Null));
    /// assert_eq!(m[0].get("zz"), None);
    /// ```
    pub fn get(&self, name: &str) -> Option<&Value> {
        let i = self.columns.iter().position(|c| c == name)?;
        self.values.get(i)
    }

    /// `(name, value)` pairs in column order.
    ///
    /// ```
    /// # use aludel_engine::blocking::Connection;
    /// # let mut conn = Connection::open("sqlite::memory:").unwrap();
    /// let m = conn.execute(&aludel_core::text("SELECT 1 AS a")).unwrap().mappings();
    /// assert_eq!(m[0].iter().count(), 1);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.columns
            .iter()
            .map(String::as_str)
            .zip(self.values.iter())
    }
}
